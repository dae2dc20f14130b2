import type { CaseListItem, CaseRecord, CaseRepository, QueueQuery } from '../models/case-repository.js';
import type { Staff } from '../models/staff.js';
import { may, type StaffAct } from './staff-permissions.js';
import { INFO_ITEMS } from './case-actions.js';
import { riyadhDaysBetween } from '../core/calendar.js';

/**
 * The staff's case queue (`/cases`): what is waiting, for whom, by filter. The filters, who may
 * see each, and what each means are business rules, kept here; the channel only draws them.
 */
export const QUEUE_FILTERS = ['mine', 'new', 'info', 'docs', 'committee', 'due', 'overdue', 'decided'] as const;
export type QueueFilter = (typeof QUEUE_FILTERS)[number];

/** One letter per filter, for button data (changing one makes old list buttons unreadable). */
export const FILTER_CODES: Readonly<Record<QueueFilter, string>> = {
  mine: 'm',
  new: 'n',
  info: 'i',
  docs: 'd',
  committee: 'c',
  due: 's',
  overdue: 'o',
  decided: 'g',
};

/** The act a member needs to see each filter; administrators see them all. */
const FILTER_ACT: Readonly<Record<QueueFilter, StaffAct>> = {
  mine: 'study',
  new: 'claim',
  info: 'study',
  docs: 'study',
  committee: 'decide',
  due: 'view',
  overdue: 'view',
  decided: 'advance',
};

export const QUEUE_PAGE_SIZE = 10;
/** "Due soon": promised within this many days. */
export const DUE_SOON_DAYS = 3;
const DAY_MS = 86_400_000;

/** What an information request can name that is a document (everything but "other"). */
const DOCUMENT_ITEMS = INFO_ITEMS.filter((item) => item !== 'other');

/** The filters this member may open, in display order. */
export function filtersFor(member: Staff): QueueFilter[] {
  return QUEUE_FILTERS.filter((filter) => may(member, 'administer') || may(member, FILTER_ACT[filter]));
}

export function filterOfCode(code: string): QueueFilter | null {
  return QUEUE_FILTERS.find((filter) => FILTER_CODES[filter] === code) ?? null;
}

/** What a filter selects, for this member, now. */
export function queryOf(filter: QueueFilter, member: Staff, now: Date): QueueQuery {
  switch (filter) {
    case 'mine':
      return { statuses: ['in_review', 'information_requested', 'approved', 'registered'], assigneeId: member.id };
    case 'new':
      // Submitted, and cases under study whose researcher lost the role: nobody holds them.
      return { statuses: ['submitted', 'in_review', 'information_requested'], unheld: true };
    case 'info':
      return { statuses: ['information_requested'] };
    case 'docs':
      // Asked for and not come, or promised at submission and not sent yet.
      return { statuses: ['submitted', 'in_review', 'information_requested'], documentsMissing: DOCUMENT_ITEMS };
    case 'committee':
      // What the agenda lists: in review, with a researcher's recommendation.
      return { statuses: ['in_review'], recommended: true };
    case 'due':
      return {
        statuses: ['submitted', 'in_review', 'information_requested'],
        expectedFrom: now,
        expectedBefore: new Date(now.getTime() + DUE_SOON_DAYS * DAY_MS),
      };
    case 'overdue':
      return { statuses: ['submitted', 'in_review', 'information_requested'], expectedBefore: now };
    case 'decided':
      return { statuses: ['approved', 'registered'] };
  }
}

/** Where a case stands against its promised date, in Saudi calendar days. */
export interface PromiseClock {
  /** Calendar days to the promised date (0: today; negative: days since it). */
  daysToPromise: number;
  /** The promised moment has passed (it may be earlier today). */
  overdue: boolean;
}

/** A line of the list: the case's public facts and its two clocks, in Saudi calendar days. */
export interface QueueLine extends CaseListItem, PromiseClock {
  id: string;
  daysSinceSubmission: number;
}

export function promiseClock(expectedBy: Date, now: Date): PromiseClock {
  return { daysToPromise: riyadhDaysBetween(now, expectedBy), overdue: expectedBy.getTime() < now.getTime() };
}

export type QueuePage =
  { ok: true; filter: QueueFilter; page: number; pages: number; total: number; lines: QueueLine[] } | { ok: false; reason: 'not_allowed' };

export class CaseQueue {
  constructor(
    private readonly cases: CaseRepository,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  /** The member's filters with how many cases each holds. */
  async counts(member: Staff): Promise<{ filter: QueueFilter; count: number }[]> {
    const now = this.clock();
    return Promise.all(filtersFor(member).map(async (filter) => ({ filter, count: await this.cases.queueCount(queryOf(filter, member, now)) })));
  }

  /**
   * A page of a filter (pages count from 0). A page past the end (the list shrank since its
   * button was drawn) gives the last page; a filter the member may not see (a role removed
   * since) is refused.
   */
  async page(member: Staff, filter: QueueFilter, page: number): Promise<QueuePage> {
    if (!filtersFor(member).includes(filter)) return { ok: false, reason: 'not_allowed' };
    const now = this.clock();
    const query = queryOf(filter, member, now);
    const total = await this.cases.queueCount(query);
    const pages = Math.max(1, Math.ceil(total / QUEUE_PAGE_SIZE));
    const shown = Math.min(Math.max(0, page), pages - 1);
    const items = await this.cases.queuePage(query, { skip: shown * QUEUE_PAGE_SIZE, limit: QUEUE_PAGE_SIZE });
    const lines = items.map((item) => ({
      ...item,
      daysSinceSubmission: riyadhDaysBetween(item.submittedAt, now),
      ...promiseClock(item.expectedBy, now),
    }));
    return { ok: true, filter, page: shown, pages, total, lines };
  }
}

/** A case on the committee's agenda: what the member needs to decide from the list. */
export interface AgendaLine extends PromiseClock {
  id: string;
  reference: string;
  recommendation: { outcome: 'approve' | 'reject'; detail: string; by: string };
  /** Documents were asked for and the person's answer brought none. */
  documentsMissing: boolean;
}

export type AgendaPage = { ok: true; page: number; pages: number; total: number; lines: AgendaLine[] } | { ok: false; reason: 'not_allowed' };

/**
 * The committee's agenda (`/agenda`): the cases ready for decision, in review with a researcher's
 * recommendation, the oldest promised date first, ten a page. Committee members and administrators.
 */
export async function agendaPage(cases: CaseRepository, member: Staff, page: number, now: Date): Promise<AgendaPage> {
  if (!may(member, 'decide') && !may(member, 'administer')) return { ok: false, reason: 'not_allowed' };
  const total = await cases.countReadyForDecision();
  const pages = Math.max(1, Math.ceil(total / QUEUE_PAGE_SIZE));
  const shown = Math.min(Math.max(0, page), pages - 1);
  const records = await cases.readyForDecision({ skip: shown * QUEUE_PAGE_SIZE, limit: QUEUE_PAGE_SIZE });
  return { ok: true, page: shown, pages, total, lines: agendaLines(records, now) };
}

/** The most cases one printed agenda holds: a meeting decides fewer. */
export const MEETING_AGENDA_LIMIT = 100;

/** The whole agenda for a meeting (`/agenda pdf`), the oldest promised date first, with each case's support type and city. */
export async function meetingAgenda(
  cases: CaseRepository,
  member: Staff,
  now: Date,
): Promise<
  { ok: true; total: number; lines: (AgendaLine & { supportType: string; city: string; expectedBy: Date })[] } | { ok: false; reason: 'not_allowed' }
> {
  if (!may(member, 'decide') && !may(member, 'administer')) return { ok: false, reason: 'not_allowed' };
  const total = await cases.countReadyForDecision();
  const records = await cases.readyForDecision({ skip: 0, limit: MEETING_AGENDA_LIMIT });
  const byId = new Map(records.map((r) => [r.id, r]));
  const lines = agendaLines(records, now).map((line) => {
    const { supportType, city, expectedBy } = byId.get(line.id)!;
    return { ...line, supportType, city, expectedBy };
  });
  return { ok: true, total, lines };
}

function agendaLines(records: readonly CaseRecord[], now: Date): AgendaLine[] {
  return records.flatMap((record): AgendaLine[] => {
    const r = record.recommendation;
    // Its recommendation gone between the count and the read (the case erased): left out.
    if (!r) return [];
    return [
      {
        id: record.id,
        reference: record.reference,
        ...promiseClock(record.expectedBy, now),
        recommendation: { outcome: r.outcome, detail: r.detail, by: r.by },
        documentsMissing: documentsMissing(record),
      },
    ];
  });
}

/** Whether the latest information request asked for documents and what the person sent since brought none. */
export function documentsMissing(record: Pick<CaseRecord, 'infoRequest' | 'additions' | 'documentsLater'>): boolean {
  if (record.documentsLater.length > 0) return true;
  const request = record.infoRequest;
  if (!request || !request.items.some((item) => (DOCUMENT_ITEMS as readonly string[]).includes(item))) return false;
  return !record.additions.some((addition) => addition.at >= request.at && addition.documentIds.length > 0);
}
