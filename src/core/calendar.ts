/** The association's time zone; Saudi Arabia keeps UTC+3 all year. */
export const RIYADH_TIME_ZONE = 'Asia/Riyadh';

/**
 * How days are counted: every calendar day, or working days only.
 *
 * Only `calendar` is implemented; `working` (Sunday to Thursday, minus public
 * holidays) is reserved so callers and stored settings can name it already.
 */
export type DayCountMode = 'calendar' | 'working';

/** A period after submission within which the committee answers, e.g. `{ days: 14, mode: 'calendar' }`. */
export interface AnswerPeriod {
  /** Number of days; a whole number, zero or more. */
  days: number;
  /** How the days are counted. */
  mode: DayCountMode;
}

/** What went wrong in a calendar computation. */
export type CalendarErrorCode = 'CALENDAR_INVALID_INPUT';

/**
 * An error for a calendar computation that cannot be done: an invalid date or period.
 */
export class CalendarError extends Error {
  /** Stable code for callers that branch on the kind of error. */
  readonly code: CalendarErrorCode;

  constructor(code: CalendarErrorCode, message: string) {
    super(message);
    this.name = 'CalendarError';
    this.code = code;
  }
}

/**
 * The date by which a request submitted at `submittedAt` should be answered.
 *
 * In `calendar` mode the result is `days` days later at the same time of day. In
 * `working` mode only Sunday to Thursday count (the Saudi weekend is Friday and
 * Saturday, judged in Riyadh time). Adding whole days in UTC keeps the Riyadh
 * wall-clock time too, since Riyadh has no daylight saving.
 *
 * @throws {@link CalendarError} for an invalid date or a negative or fractional number of days
 */
export function expectedAnswerDate(submittedAt: Date, period: AnswerPeriod): Date {
  if (!(submittedAt instanceof Date) || Number.isNaN(submittedAt.getTime())) {
    throw new CalendarError('CALENDAR_INVALID_INPUT', 'expectedAnswerDate: submittedAt is not a valid date.');
  }
  if (!Number.isSafeInteger(period.days) || period.days < 0) {
    throw new CalendarError('CALENDAR_INVALID_INPUT', `expectedAnswerDate: days must be a whole number of zero or more, got ${period.days}.`);
  }
  switch (period.mode) {
    case 'calendar': {
      const result = new Date(submittedAt.getTime());
      result.setUTCDate(result.getUTCDate() + period.days);
      return result;
    }
    case 'working': {
      const result = new Date(submittedAt.getTime());
      for (let counted = 0; counted < period.days;) {
        result.setUTCDate(result.getUTCDate() + 1);
        if (!isSaudiWeekend(result)) counted += 1;
      }
      return result;
    }
    default: {
      const unknown: never = period.mode;
      throw new CalendarError('CALENDAR_INVALID_INPUT', `expectedAnswerDate: unknown mode "${String(unknown)}".`);
    }
  }
}

/** Whether a moment falls on Friday or Saturday in Riyadh (UTC+3 all year). */
function isSaudiWeekend(date: Date): boolean {
  const day = new Date(date.getTime() + 3 * 3_600_000).getUTCDay();
  return day === 5 || day === 6;
}

/** A date written in both calendars, for messages that show the two side by side. */
export interface DualDate {
  /** The Gregorian date with weekday, e.g. `Tuesday, 8 December 2026`. */
  gregorian: string;
  /** The Umm al-Qura Hijri date with weekday, e.g. `Tuesday, 28 Jumada II 1448 AH`. */
  hijri: string;
}

const LOCALES = {
  ar: {
    gregorian: 'ar-SA-u-ca-gregory-nu-arab',
    hijri: 'ar-SA-u-ca-islamic-umalqura-nu-arab',
  },
  en: {
    gregorian: 'en-GB',
    // en-GB rather than plain en, so both English dates read day-month-year.
    hijri: 'en-GB-u-ca-islamic-umalqura',
  },
} as const;

const formatters = new Map<string, Intl.DateTimeFormat>();

/**
 * A date written in the Gregorian and the Umm al-Qura Hijri calendars, each
 * with its weekday, in Arabic (Arabic-Indic digits) or English.
 *
 * Uses the Umm al-Qura calendar, the official one in Saudi Arabia; the exact
 * spelling comes from the ICU data bundled with Node.
 */
export function formatDualDate(date: Date, lang: 'ar' | 'en', timeZone: string = RIYADH_TIME_ZONE): DualDate {
  if (!(date instanceof Date) || Number.isNaN(date.getTime())) {
    throw new CalendarError('CALENDAR_INVALID_INPUT', 'formatDualDate: date is not a valid date.');
  }
  const locales = LOCALES[lang];
  return {
    gregorian: formatter(locales.gregorian, timeZone, true).format(date),
    // The weekday is said once, with the Gregorian date; the two are shown side by side.
    hijri: formatter(locales.hijri, timeZone, false).format(date),
  };
}

function formatter(locale: string, timeZone: string, weekday: boolean): Intl.DateTimeFormat {
  const cacheKey = `${locale}|${timeZone}|${weekday}`;
  let cached = formatters.get(cacheKey);
  if (cached === undefined) {
    // dateStyle cannot be combined with weekday, so the long date is spelled out field by field.
    cached = new Intl.DateTimeFormat(locale, {
      ...(weekday ? { weekday: 'long' as const } : {}),
      day: 'numeric',
      month: 'long',
      year: 'numeric',
      timeZone,
    });
    formatters.set(cacheKey, cached);
  }
  return cached;
}

/** A date as people read it: Gregorian with the Umm al-Qura Hijri date beside it. */
export function readableDate(date: Date, lang: 'ar' | 'en'): string {
  const { gregorian, hijri } = formatDualDate(date, lang);
  return `${gregorian} (${hijri})`;
}

/** The time of day in Saudi time, 24-hour, in the digits the rest of the date uses. */
const SAUDI_TIME: Record<'ar' | 'en', Intl.DateTimeFormat> = {
  ar: new Intl.DateTimeFormat('ar-SA-u-nu-arab', { hour: '2-digit', minute: '2-digit', hourCycle: 'h23', timeZone: RIYADH_TIME_ZONE }),
  en: new Intl.DateTimeFormat('en-GB', { hour: '2-digit', minute: '2-digit', hourCycle: 'h23', timeZone: RIYADH_TIME_ZONE }),
};

/** A date with its time in Saudi time, as people read it: when researchers are next at work. */
export function readableDateTime(date: Date, lang: 'ar' | 'en'): string {
  return `${readableDate(date, lang)} ${SAUDI_TIME[lang].format(date)}`;
}

const RIYADH_STAMP = new Intl.DateTimeFormat('en-CA', {
  timeZone: RIYADH_TIME_ZONE,
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  hourCycle: 'h23',
});

/** `YYYY-MM-DD HH:MM` in Saudi time, for tables an operator reads (the admin CLI); '-' for an invalid date. */
export function riyadhStamp(date: Date): string {
  if (Number.isNaN(date.getTime())) return '-';
  const part = Object.fromEntries(RIYADH_STAMP.formatToParts(date).map((p) => [p.type, p.value]));
  return `${part.year}-${part.month}-${part.day} ${part.hour}:${part.minute}`;
}

/** Saudi Arabia keeps UTC+3 all year (no daylight saving). */
const RIYADH_OFFSET_MS = 3 * 3_600_000;

/** Calendar days from `from` to `to` as a Saudi calendar counts them (today to tomorrow is 1, whatever the hours). */
export function riyadhDaysBetween(from: Date, to: Date): number {
  const day = (date: Date) => Math.floor((date.getTime() + RIYADH_OFFSET_MS) / 86_400_000);
  return day(to) - day(from);
}
