import type { CaseStatus } from './case-states.js';
import type { CaseDoc, CaseListItem } from './case-schema.js';

/*
 * The staff's case lists as MongoDB reads them (used by case-repository.ts): what a list line
 * reads and shows, and each list's filter, one status at a time.
 */

/**
 * A filter of the staff's case queue: the statuses it covers (each read by an equality, which
 * both servers serve from an index), the holder, a range of promised dates, the items an
 * information request named.
 */
export interface QueueQuery {
  statuses: readonly CaseStatus[];
  assigneeId?: string;
  /** Promised on or after this. */
  expectedFrom?: Date;
  /** Promised before this. */
  expectedBefore?: Date;
  /** The information request named at least one of these. */
  infoItems?: readonly string[];
  /** Documents missing: an open information request named one of these, or the person promised documents at submission. */
  documentsMissing?: readonly string[];
  /** Nobody holds the case. */
  unheld?: boolean;
  /** A researcher recommended a decision. */
  recommended?: boolean;
}

/** What a line of a case list shows: nothing personal. */
export const LIST_FIELDS = { reference: 1, status: 1, channel: 1, supportType: 1, city: 1, submittedAt: 1, expectedBy: 1 } as const;

export function listItem(d: CaseDoc): CaseListItem {
  return {
    reference: d.reference,
    status: d.status,
    channel: d.channel,
    supportType: d.supportType,
    city: d.city,
    submittedAt: d.submittedAt,
    expectedBy: d.expectedBy,
  };
}

/** In review, with a researcher's recommendation: the committee's agenda (its list in the queue is the same query). */
export const READY_FOR_DECISION = queueFilter({ statuses: ['in_review'], recommended: true }, 'in_review');

/** The filter for one of the query's statuses. */
export function queueFilter(query: QueueQuery, status: CaseStatus): Record<string, unknown> {
  const expected = {
    ...(query.expectedFrom ? { $gte: query.expectedFrom } : {}),
    ...(query.expectedBefore ? { $lt: query.expectedBefore } : {}),
  };
  return {
    status,
    ...(query.assigneeId !== undefined ? { 'assignee.id': query.assigneeId } : {}),
    ...(Object.keys(expected).length > 0 ? { expectedBy: expected } : {}),
    ...(query.infoItems ? { 'infoRequest.items': { $in: [...query.infoItems] } } : {}),
    ...(query.documentsMissing
      ? status === 'information_requested'
        ? { $or: [{ 'infoRequest.items': { $in: [...query.documentsMissing] } }, { documentsOwed: true }] }
        : { documentsOwed: true }
      : {}),
    ...(query.unheld ? { assignee: null } : {}),
    ...(query.recommended ? { 'recommendation.outcome': { $in: ['approve', 'reject'] } } : {}),
  };
}
