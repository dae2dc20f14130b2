import { createHash } from 'node:crypto';
import { Schema, Types, type Connection, type Model } from 'mongoose';
import { isDuplicateKey } from './mongo-errors.js';
import { z } from 'zod';
import { ActorSchema } from './case-states.js';

/** Short lower-case words joined by dots (`staff.added`, `case.viewed`): past-tense events, easy to filter on. */
const ACTION_PATTERN = /^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$/;
const KIND_PATTERN = /^[a-z][a-z0-9_]*$/;
/** No `.` and no leading `$`: FerretDB refuses such keys, and MongoDB treats them as paths or operators. */
const DETAIL_KEY_PATTERN = /^[A-Za-z][A-Za-z0-9_]{0,63}$/;
const MAX_DETAILS = 20;

/**
 * Who did something: a staff member, the operator at the command line, a
 * beneficiary from their chat, or the system. The kinds are those of the case
 * history's actor, so one list serves both.
 */
export const AuditActorSchema = ActorSchema.extend({
  id: z.string().trim().min(1).max(100),
  name: z.string().trim().min(1).max(120).optional(),
});
export type AuditActor = z.infer<typeof AuditActorSchema>;

/** What an entry is about: a kind (`staff`, `case`) and that record's id. */
export const AuditTargetSchema = z.object({
  kind: z.string().regex(KIND_PATTERN, 'must be a lower-case word'),
  id: z.string().trim().min(1).max(100),
});
export type AuditTarget = z.infer<typeof AuditTargetSchema>;

/**
 * One entry of the audit log: who did what to which record, and when.
 *
 * `details` carries flat, non-personal facts about the action (a status filter,
 * a count, the roles given). Never put a beneficiary's personal data there — no
 * names, national IDs, phone numbers, answers or chat ids: the log is kept
 * longer than the cases and is not encrypted. Refer to a beneficiary's case by
 * its `target` id instead.
 */
export const AuditEntrySchema = z.object({
  at: z.date(),
  actor: AuditActorSchema,
  action: z.string().regex(ACTION_PATTERN, 'must be words joined by dots, such as staff.added'),
  target: AuditTargetSchema,
  details: z
    .record(
      z.string().regex(DETAIL_KEY_PATTERN, 'detail keys must be plain words (no "." or "$")'),
      // z.number() refuses NaN and Infinity, which FerretDB cannot store.
      z.union([z.string().max(500), z.number(), z.boolean(), z.null()]),
    )
    .refine((details) => Object.keys(details).length <= MAX_DETAILS, `at most ${MAX_DETAILS} details`)
    .optional(),
});
export type AuditEntry = z.infer<typeof AuditEntrySchema>;

/** A stored entry, with the id the log gave it. */
export type AuditRecord = AuditEntry & { id: string };

/** Filter and size of {@link AuditLog.list}. */
export const AuditQuerySchema = z.object({
  targetKind: z.string().regex(KIND_PATTERN).optional(),
  targetId: z.string().min(1).max(100).optional(),
  limit: z.number().int().min(1).max(1000),
});
export type AuditQuery = z.infer<typeof AuditQuerySchema>;

/** An entry or query the audit log refused; nothing was written. */
export class AuditLogError extends Error {
  /** Stable code for callers that branch on the kind of error. */
  readonly code = 'AUDIT_INVALID' as const;

  constructor(message: string) {
    super(message);
    this.name = 'AuditLogError';
  }
}

interface AuditDoc {
  _id: Types.ObjectId;
  at: Date;
  actor: { kind: AuditActor['kind']; id: string; name?: string };
  action: string;
  target: { kind: string; id: string };
  details?: Record<string, string | number | boolean | null>;
}

const auditSchema = new Schema<AuditDoc>(
  {
    at: { type: Date, required: true },
    actor: {
      kind: { type: String, required: true },
      id: { type: String, required: true },
      name: String,
    },
    action: { type: String, required: true },
    target: {
      kind: { type: String, required: true },
      id: { type: String, required: true },
    },
    details: Schema.Types.Mixed,
  },
  // The entry's own `at` is the time that matters; no mongoose timestamps, no version key.
  { collection: 'audit_log', versionKey: false },
);
auditSchema.index({ 'target.kind': 1, 'target.id': 1, at: -1 });
auditSchema.index({ at: -1 });

/**
 * The audit log: an append-only record of who saw or changed what.
 *
 * There are deliberately no update or delete methods: an entry, once written,
 * stays as it was written.
 */
export class AuditLog {
  readonly #model: Model<AuditDoc>;

  /** Registers the `AuditEntry` model on the connection (or reuses it when another repository did). */
  constructor(connection: Connection) {
    this.#model = (connection.models.AuditEntry as Model<AuditDoc> | undefined) ?? connection.model<AuditDoc>('AuditEntry', auditSchema);
  }

  /** Builds the indexes; idempotent. */
  async init(): Promise<void> {
    await this.#model.init();
  }

  /**
   * Appends an entry.
   *
   * @returns the stored entry with its id
   * @throws {@link AuditLogError} when the entry does not match {@link AuditEntrySchema}
   */
  async record(entry: AuditEntry): Promise<AuditRecord> {
    const parsed = AuditEntrySchema.safeParse(entry);
    if (!parsed.success) throw new AuditLogError(describe(parsed.error));
    const created = await this.#model.create(parsed.data);
    return toRecord(created.toObject());
  }

  /**
   * Appends an entry once per `key`: for work that may run again after a crash (a
   * retried message, a repeated submission step), the second write is a no-op.
   */
  async recordOnce(key: string, entry: AuditEntry): Promise<void> {
    const parsed = AuditEntrySchema.safeParse(entry);
    if (!parsed.success) throw new AuditLogError(describe(parsed.error));
    const _id = new Types.ObjectId(createHash('sha256').update(key).digest('hex').slice(0, 24));
    try {
      await this.#model.create({ ...parsed.data, _id });
    } catch (error) {
      if (!isDuplicateKey(error)) throw error;
    }
  }

  /**
   * Entries newest first, optionally only those about one kind of record or one record.
   *
   * @throws {@link AuditLogError} for a malformed query
   */
  async list(query: AuditQuery): Promise<AuditRecord[]> {
    const parsed = AuditQuerySchema.safeParse(query);
    if (!parsed.success) throw new AuditLogError(describe(parsed.error));
    const { targetKind, targetId, limit } = parsed.data;
    const filter: Record<string, string> = {};
    if (targetKind !== undefined) filter['target.kind'] = targetKind;
    if (targetId !== undefined) filter['target.id'] = targetId;
    // _id breaks ties between entries written in the same millisecond, in insertion order.
    const docs = await this.#model.find(filter).sort({ at: -1, _id: -1 }).limit(limit).lean<AuditDoc[]>();
    return docs.map(toRecord);
  }
}

function toRecord(doc: AuditDoc): AuditRecord {
  return {
    id: doc._id.toString(),
    at: doc.at,
    actor: {
      kind: doc.actor.kind,
      id: doc.actor.id,
      ...(doc.actor.name !== undefined && doc.actor.name !== null ? { name: doc.actor.name } : {}),
    },
    action: doc.action,
    target: { kind: doc.target.kind, id: doc.target.id },
    ...(doc.details ? { details: { ...doc.details } } : {}),
  };
}

function describe(error: z.ZodError): string {
  const issue = error.issues[0];
  const path = issue?.path.map(String).join('.') ?? '';
  return `audit entry: ${path ? `${path} ` : ''}${issue?.message ?? 'is invalid'}`;
}
