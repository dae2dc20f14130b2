import type { CaseListItem, CaseRepository, QueueQuery } from '../models/case-repository.js';
import type { Staff } from '../models/staff.js';
import { may, type StaffAct } from './staff-permissions.js';
import { INFO_ITEMS } from './case-actions.js';

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
      return { statuses: ['submitted'] };
    case 'info':
      return { statuses: ['information_requested'] };
    case 'docs':
      return { statuses: ['information_requested'], infoItems: DOCUMENT_ITEMS };
    case 'committee':
      return { statuses: ['in_review'] };
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

/** A line of the list: the case's public facts and its two clocks, in whole days. */
export interface QueueLine extends CaseListItem {
  id: string;
  daysSinceSubmission: number;
  /** Negative once the promised date has passed. */
  daysToPromise: number;
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
      daysSinceSubmission: Math.floor((now.getTime() - item.submittedAt.getTime()) / DAY_MS),
      daysToPromise: Math.ceil((item.expectedBy.getTime() - now.getTime()) / DAY_MS),
    }));
    return { ok: true, filter, page: shown, pages, total, lines };
  }
}
