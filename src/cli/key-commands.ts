import type { AuditLog } from '../models/audit-log.js';
import type { SealedStorage } from '../models/sealed-storage.js';
import type { KeyRing } from '../privacy/key-ring.js';
import { keyStatus, rotateKeys, type KeyStatus, type RotationLocks, type RotationReport } from '../services/key-rotation.js';
import type { CommandOutput } from './output.js';

/** What the key commands need. Nothing here ever prints or records key material: ids and counts only. */
export interface KeyCommandDeps {
  storage: SealedStorage;
  keys: KeyRing;
  out: CommandOutput;
  /** Progress lines (stderr in the CLI), so `--json` output stays one document. */
  note: (text: string) => void;
}

/** `keys status` also says how many cases still hold words stored in clear before they were sealed. */
export type KeyStatusDeps = KeyCommandDeps & { clearWords: () => Promise<number> };

/**
 * A rotation that left values under old keys (busy documents, unreadable values):
 * the operator runs it again, or looks at what does not decrypt.
 */
export class RotationIncompleteError extends Error {
  /** Stable code for callers that branch on the kind of error. */
  readonly code = 'ROTATION_INCOMPLETE' as const;

  constructor(message: string) {
    super(message);
    this.name = 'RotationIncompleteError';
  }
}

/** `keys status`: how many sealed values each key id still holds, where. */
export async function showKeyStatus(deps: KeyStatusDeps): Promise<KeyStatus & { casesWithClearWords: number }> {
  const status = { ...(await keyStatus(deps.storage, deps.keys)), casesWithClearWords: await deps.clearWords() };
  deps.out.table(
    ['WHERE', 'KEY', 'VALUES', 'NOTE'],
    status.counts.map((c) => [c.where, c.keyId, c.values, noteFor(status, c.keyId)]),
    status,
    'No encrypted values are stored.',
  );
  deps.note(summary(status));
  deps.note(
    status.casesWithClearWords === 0
      ? 'No case holds words in clear.'
      : `${status.casesWithClearWords} case(s) still hold words stored in clear before sealing; the running service seals them, a batch each sweep.`,
  );
  return status;
}

/**
 * `keys rotate`: re-encrypts everything under the current key and records
 * `keys.rotated` with the counts, whether or not the run completed.
 *
 * @throws {@link RotationIncompleteError} when values remain under other keys afterwards
 */
export async function rotateAndReport(
  deps: KeyCommandDeps & { locks: RotationLocks; audit: AuditLog; operator: string; now?: () => Date },
): Promise<RotationReport> {
  const now = deps.now ?? (() => new Date());
  const from = Object.keys((await keyStatus(deps.storage, deps.keys)).totals).filter((id) => id !== deps.keys.currentKeyId);
  await deps.audit.record({
    at: now(),
    actor: { kind: 'operator', id: deps.operator, name: deps.operator },
    action: 'keys.rotation_started',
    target: { kind: 'keys', id: deps.keys.currentKeyId },
    details: { from: from.join(',') || null },
  });
  const report = await rotateKeys({ ...deps, progress: (where, rewritten) => deps.note(`${where}: ${rewritten} rewritten`) });
  const complete = report.after.stale === 0 && report.after.staged === 0;
  await deps.audit.record({
    at: now(),
    actor: { kind: 'operator', id: deps.operator, name: deps.operator },
    action: 'keys.rotated',
    target: { kind: 'keys', id: deps.keys.currentKeyId },
    details: {
      from: from.join(',') || null,
      values: report.values,
      files: report.files,
      unreadable: report.unreadable,
      deferred: report.deferred,
      remaining: report.after.stale,
      complete,
    },
  });
  deps.out.message(`Rewrote ${report.values} values and ${report.files} files under key ${deps.keys.currentKeyId}. ${summary(report.after)}`, report);
  if (!complete) {
    throw new RotationIncompleteError(
      `rotation incomplete: ${report.after.stale} values remain under other keys (${report.deferred} documents were busy or changed, ${report.unreadable} values do not decrypt); run it again, and see "keys status"`,
    );
  }
  return report;
}

function noteFor(status: KeyStatus, keyId: string): string {
  if (!status.keyIds.includes(keyId)) return 'key not in DATA_KEYS: unreadable';
  return keyId === status.currentKeyId ? 'current' : 'to rotate';
}

function summary(status: KeyStatus): string {
  const parts = [`Current key ${status.currentKeyId}; DATA_KEYS holds ${status.keyIds.join(', ')}.`];
  if (status.stale === 0 && status.staged === 0) {
    const unused = status.keyIds.filter((id) => id !== status.currentKeyId);
    parts.push(unused.length > 0 ? `Nothing is under another key: ${unused.join(', ')} can be removed from DATA_KEYS.` : 'Nothing is under another key.');
  } else {
    parts.push(`${status.stale} values are under other keys${status.staged > 0 ? `, ${status.staged} files half rewritten` : ''}: run "keys rotate".`);
  }
  if (status.unknownKey > 0) parts.push(`${status.unknownKey} values are under keys not in DATA_KEYS and cannot be read.`);
  return parts.join(' ');
}
