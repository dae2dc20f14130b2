/**
 * The association's working hours, for telling a person outside them when a researcher
 * will answer. Written as `sun-thu 08:00-16:00` (days as a range or a comma list), in
 * Saudi time: UTC+3 all year (the kingdom has no daylight saving).
 */
const DAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;
const SAUDI_OFFSET_MS = 3 * 3_600_000;
const SPEC = /^([a-z]{3}(?:-[a-z]{3})?(?:,[a-z]{3}(?:-[a-z]{3})?)*)\s+(\d{2}):(\d{2})-(\d{2}):(\d{2})$/;

export interface WorkingHours {
  /** Days of the week open (0 Sunday … 6 Saturday). */
  days: ReadonlySet<number>;
  /** Minutes after midnight, Saudi time: open from `opens` until before `closes`. */
  opens: number;
  closes: number;
}

/** Parses `sun-thu 08:00-16:00`; throws with what is wrong. */
export function parseWorkingHours(spec: string): WorkingHours {
  const match = SPEC.exec(spec.trim().toLowerCase());
  if (!match) throw new Error('must look like "sun-thu 08:00-16:00"');
  const [, dayPart = '', oh = '', om = '', ch = '', cm = ''] = match;
  const days = new Set<number>();
  for (const range of dayPart.split(',')) {
    const [from, to = from] = range.split('-') as [string, string?];
    const start = DAYS.indexOf(from as (typeof DAYS)[number]);
    const end = DAYS.indexOf(to as (typeof DAYS)[number]);
    if (start < 0 || end < 0) throw new Error(`unknown day in "${range}" (use ${DAYS.join(', ')})`);
    for (let d = start; ; d = (d + 1) % 7) {
      days.add(d);
      if (d === end) break;
    }
  }
  const opens = Number(oh) * 60 + Number(om);
  const closes = Number(ch) * 60 + Number(cm);
  if (opens >= closes || closes > 24 * 60 || Number(om) > 59 || Number(cm) > 59)
    throw new Error('the opening time must come before the closing time, within one day');
  return { days, opens, closes };
}

/** When researchers are next at work: null within working hours, else the next opening. */
export function nextOpening(now: Date, hours: WorkingHours): Date | null {
  const local = new Date(now.getTime() + SAUDI_OFFSET_MS);
  const minute = local.getUTCHours() * 60 + local.getUTCMinutes();
  if (hours.days.has(local.getUTCDay()) && minute >= hours.opens && minute < hours.closes) return null;
  for (let ahead = 0; ahead <= 7; ahead++) {
    const day = new Date(Date.UTC(local.getUTCFullYear(), local.getUTCMonth(), local.getUTCDate() + ahead));
    if (!hours.days.has(day.getUTCDay())) continue;
    const opening = day.getTime() + hours.opens * 60_000 - SAUDI_OFFSET_MS;
    if (opening > now.getTime()) return new Date(opening);
  }
  return null;
}

/** The next Sunday at 08:00 Saudi time strictly after `after`: when the weekly report goes out. */
export function nextWeeklyReport(after: Date): Date {
  const local = new Date(after.getTime() + SAUDI_OFFSET_MS);
  for (let ahead = 0; ahead <= 7; ahead++) {
    const day = new Date(Date.UTC(local.getUTCFullYear(), local.getUTCMonth(), local.getUTCDate() + ahead));
    if (day.getUTCDay() !== 0) continue;
    const at = day.getTime() + 8 * 3_600_000 - SAUDI_OFFSET_MS;
    if (at > after.getTime()) return new Date(at);
  }
  return new Date(after.getTime() + 7 * 86_400_000);
}
