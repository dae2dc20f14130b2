import type { NewCase } from '../../src/models/case-repository.js';

/**
 * A submitted case as the submission service stores it, for tests that put cases into the
 * database directly: the `n`th has its own id, chat, ID hash and reference, submitted `at`
 * (default the `n`th of November 2026) and signed on its channel, promised two weeks later;
 * `fields` replace any part.
 */
export function newCase(n: number, fields: Partial<NewCase> & { at?: Date } = {}): NewCase {
  const { at = new Date(Date.UTC(2026, 10, n)), ...rest } = fields;
  const padded = String(n).padStart(24, '0');
  const channel = rest.channel ?? 'console';
  return {
    id: `case_${padded}`,
    reference: `SR-TEST-${String(n).padStart(4, '0')}`,
    channel,
    chatKey: `console_${padded}`,
    lang: 'ar',
    nationalIdHash: `hash-${n}`,
    supportType: 'food',
    city: 'نمران',
    answers: { national_id: '1000000008' },
    documentIds: [],
    declaration: { version: 'declaration-2026-1', acceptedAt: at, channel, messageId: String(n), answersHash: '0'.repeat(64) },
    flow: { id: 'support_request', version: 1 },
    submittedAt: at,
    expectedBy: new Date(at.getTime() + 14 * 86_400_000),
    by: { kind: 'system', id: 'test' },
    ...rest,
  };
}
