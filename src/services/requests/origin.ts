import type { Language } from '../../engine/session.js';
import type { Channel } from '../../core/channel.js';
import { readableDate } from '../../core/calendar.js';
import type { OpenCaseSummary } from '../../engine/input.js';

/** The chat a request comes from. */
export interface RequestOrigin {
  chatKey: string;
  channel: Channel;
  lang: Language;
  now: Date;
  /** The inbound message being handled (its mark): what a relayed message is keyed by. */
  messageMark: string;
}

/** A case as the person's look-ups show it: reference, status, dates in their language. */
export function summaryOf(c: { id: string; reference: string; status: string; submittedAt: Date; expectedBy: Date }, lang: Language): OpenCaseSummary {
  return {
    caseId: c.id,
    reference: c.reference,
    status: c.status,
    submittedAt: readableDate(c.submittedAt, lang),
    expectedBy: readableDate(c.expectedBy, lang),
  };
}
