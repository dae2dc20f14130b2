import type { EngineRequest } from '../engine/events.js';
import type { AuditLog } from '../models/audit-log.js';
import type { RecordRepository } from '../models/record-repository.js';
import { recordIdOf } from './identifiers.js';
import { referenceFromSeed } from '../core/reference.js';

type SubmitRecord = Extract<EngineRequest, { type: 'submit_record' }>;

/** Reference prefixes: FB for a suggestion or complaint, VL for a volunteer (SR is a support request). */
const PREFIX = { feedback: 'FB', volunteer: 'VL' } as const;

export interface RecordDeps {
  records: RecordRepository;
  audit: AuditLog;
  /** Hurries the staff alert along; the record's pending alert is the guarantee. */
  onRecordSubmitted?: () => Promise<void>;
}

/**
 * Stores a suggestion, complaint or volunteer under an id derived from the draft, so the
 * retried message after a crash lands on the same record and reference. The reference is
 * derived from that id too; on the rare clash with another record's, the next attempt's.
 */
export async function submitRecord(deps: RecordDeps, request: SubmitRecord, origin: { chatKey: string; channel: string; now: Date }): Promise<string> {
  const id = recordIdOf(request.kind, request.submissionId, origin.chatKey);
  for (let attempt = 0; attempt < 5; attempt++) {
    const reference = referenceFromSeed(PREFIX[request.kind], Buffer.from(`${id}:${attempt}`));
    const stored = await deps.records.insert({
      id,
      kind: request.kind,
      reference,
      chatKey: origin.chatKey,
      channel: origin.channel,
      lang: request.lang,
      answers: request.answers,
      documentIds: request.documentIds,
      createdAt: origin.now,
    });
    if (!stored) continue;
    await deps.audit.recordOnce(`record:${id}`, {
      at: origin.now,
      actor: { kind: 'beneficiary', id: origin.chatKey },
      action: `${request.kind}.submitted`,
      target: { kind: 'record', id },
      details: { channel: origin.channel, ...(request.kind === 'feedback' ? { feedbackKind: String(request.answers.feedback_kind ?? '') } : {}) },
    });
    await deps.onRecordSubmitted?.().catch(() => undefined);
    return stored.reference;
  }
  throw new Error('could not find a free reference for a record');
}
