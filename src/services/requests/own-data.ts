import type { RequestResult } from '../../engine/input.js';
import type { AnswerValue } from '../../engine/session.js';
import type { AuditLog } from '../../models/audit-log.js';
import type { CaseRepository } from '../../models/case-repository.js';
import type { RecordRepository } from '../../models/record-repository.js';
import type { SurveyRepository } from '../../models/survey-repository.js';
import { readableDate } from '../../core/calendar.js';
import type { RequestOrigin } from './origin.js';

export interface OwnDataDeps {
  cases: CaseRepository;
  records: RecordRepository;
  surveys: SurveyRepository;
  audit: AuditLog;
}

/** What the association holds about this chat, for the person (only ever their own: found by their chat). */
export async function exportOwnData(deps: OwnDataDeps, origin: RequestOrigin): Promise<RequestResult> {
  const cases = await deps.cases.ownedBy(origin.chatKey);
  const records = await deps.records.ofChat(origin.chatKey);
  await deps.audit.record({
    at: origin.now,
    actor: { kind: 'beneficiary', id: origin.chatKey },
    action: 'privacy.data_viewed',
    target: { kind: 'conversation', id: origin.chatKey },
    details: { cases: cases.length, records: records.length },
  });
  return {
    request: 'export_own_data',
    cases: cases.map((c) => ({
      reference: c.reference,
      status: c.status,
      submittedAt: readableDate(c.submittedAt, origin.lang),
      flow: c.flow.id,
      flowVersion: c.flow.version,
      answers: c.answers as Record<string, AnswerValue>,
      ...(c.decision?.supportGranted || c.decision?.reason ? { decisionWords: c.decision.supportGranted || c.decision.reason } : {}),
    })),
    records: records.map((r) => ({ kind: r.kind, reference: r.reference, createdAt: readableDate(r.createdAt, origin.lang) })),
    ratings: await deps.surveys.countAnsweredBy(origin.chatKey),
  };
}
