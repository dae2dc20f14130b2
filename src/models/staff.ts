import { randomBytes } from 'node:crypto';
import { Schema, type Connection, type Model } from 'mongoose';
import { z } from 'zod';
import { isDuplicateKey } from './mongo-errors.js';
import { LanguageSchema, type Language } from '../engine/session.js';

/**
 * What a staff member may do. The one list of roles: the CLI's choices, the
 * stored enum and every check derive from it, so a new role is added here only.
 */
export const StaffRoleSchema = z.enum(['researcher', 'committee', 'admin', 'complaints_handler', 'volunteer_coordinator']);
export type StaffRole = z.infer<typeof StaffRoleSchema>;

/** Every role, in the order they are listed. */
export const STAFF_ROLES: readonly StaffRole[] = StaffRoleSchema.options;

/** Crockford's base32 in lower case: no i, l, o or u, so an id read aloud or retyped stays unambiguous. */
const ID_ALPHABET = '0123456789abcdefghjkmnpqrstvwxyz';
const ID_LENGTH = 10;
const ID_PATTERN = /^stf_[0-9a-hjkmnp-tv-z]{10}$/;

/** A staff member's internal id, `stf_` and 10 base32 characters; upper case input is accepted. */
export const StaffIdSchema = z.string().trim().toLowerCase().regex(ID_PATTERN, 'must look like stf_ followed by 10 letters and digits');
export type StaffId = z.infer<typeof StaffIdSchema>;

/** Roles as given: at least one, duplicates dropped. */
export const StaffRolesSchema = z
  .array(StaffRoleSchema)
  .min(1, 'needs at least one role')
  .transform((roles) => [...new Set(roles)]);

/** What it takes to add a staff member: checked here, at the boundary of the store. */
export const NewStaffSchema = z.object({
  name: z
    .string()
    .trim()
    .min(2, 'must be 2 to 80 characters')
    .max(80, 'must be 2 to 80 characters')
    // Control characters would break the CLI's aligned columns and Telegram mentions.
    .refine((name) => !/\p{Cc}/u.test(name), 'must not contain control characters'),
  telegramUserId: z.number().int('must be a whole number').positive('must be positive').max(Number.MAX_SAFE_INTEGER, 'is too large'),
  roles: StaffRolesSchema,
  /** The language the member reads staff texts in; left out, the association's (STAFF_GROUP_LANGUAGE). */
  language: LanguageSchema.optional(),
});
export type NewStaff = z.infer<typeof NewStaffSchema>;

/** A staff member as the rest of the service sees it. */
export interface Staff {
  /** Internal id (`stf_…`), stable for the member's lifetime, used in the audit log. */
  id: StaffId;
  name: string;
  /** Telegram's numeric user id: how the bot recognises the member. */
  telegramUserId: number;
  roles: StaffRole[];
  /** The language the member chose for staff texts; null until they choose (they read the association's). */
  language: Language | null;
  /** False once removed: the record stays for the audit trail, the access goes. */
  active: boolean;
  /** When the member's admin HTTP token was issued; null when they hold none. The token itself is never stored. */
  adminTokenIssuedAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

/** The outcome of {@link StaffRepository.add}. */
export interface AddedStaff {
  staff: Staff;
  /** True when a removed member with the same Telegram id was brought back (same internal id). */
  reactivated: boolean;
}

/** Why a staff operation was refused. */
export type StaffErrorCode = 'STAFF_INVALID' | 'STAFF_DUPLICATE' | 'STAFF_NOT_FOUND' | 'STAFF_INACTIVE' | 'STAFF_NOT_ADMIN';

/**
 * An error for a staff operation that was refused: invalid input, a Telegram user
 * who is already an active member, an unknown id, or a member already removed.
 *
 * Messages are meant for the operator and name the field or id concerned.
 */
export class StaffError extends Error {
  /** Stable code for callers that branch on the kind of error. */
  readonly code: StaffErrorCode;

  constructor(code: StaffErrorCode, message: string) {
    super(message);
    this.code = code;
    this.name = 'StaffError';
  }
}

/**
 * Validates the input of {@link StaffRepository.add}, so a caller (the CLI) can
 * refuse bad input before it opens a database connection.
 *
 * @throws {@link StaffError} `STAFF_INVALID` naming the first faulty field
 */
export function parseNewStaff(input: unknown): NewStaff {
  return parseOrThrow(NewStaffSchema, input);
}

/**
 * Validates a list of roles as {@link StaffRepository.setRoles} takes it.
 *
 * @throws {@link StaffError} `STAFF_INVALID`
 */
export function parseStaffRoles(input: unknown): StaffRole[] {
  return parseOrThrow(StaffRolesSchema, input, 'roles');
}

/**
 * Validates a staff id as the operator typed it.
 *
 * @throws {@link StaffError} `STAFF_INVALID`
 */
export function parseStaffId(input: unknown): StaffId {
  return parseOrThrow(StaffIdSchema, input, 'staff id');
}

interface StaffDoc {
  _id: string;
  name: string;
  telegramUserId: number;
  roles: StaffRole[];
  language?: Language;
  active: boolean;
  /** SHA-256 of the member's admin HTTP token (see src/privacy/admin-token.ts); absent when they hold none. */
  adminTokenHash?: string;
  adminTokenIssuedAt?: Date;
  /** Set by a change of roles or a removal: what the member may no longer do is still to be taken from them (see `revocationsDue`). */
  revokeDueAt?: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

const staffSchema = new Schema<StaffDoc>(
  {
    _id: { type: String, required: true },
    name: { type: String, required: true },
    // Unique over removed members too: a returning member gets their old record back.
    telegramUserId: { type: Number, required: true, unique: true },
    roles: { type: [{ type: String, enum: StaffRoleSchema.options }], required: true },
    language: { type: String, enum: LanguageSchema.options },
    active: { type: Boolean, required: true, default: true },
    adminTokenHash: String,
    adminTokenIssuedAt: Date,
    revokeDueAt: { type: Date, default: null },
  },
  { collection: 'staff', versionKey: false, timestamps: true },
);
// Not unique: FerretDB counts every member without a token as one more null. Two equal hashes of 256-bit tokens do not happen.
staffSchema.index({ adminTokenHash: 1 });

/** Unsets the admin token: what losing the admin role, removal and revocation share. */
const NO_TOKEN = { adminTokenHash: 1, adminTokenIssuedAt: 1 } as const;

/** How often a fresh id is drawn when the random one is taken; 50 bits make even one retry rare. */
const ID_ATTEMPTS = 3;

/** How old the staff ids behind `mayBeStaff` may be. */
const STAFF_IDS_MAX_AGE_MS = 5_000;

/**
 * The association's staff: researchers, committee members and administrators,
 * each known to the bot by their Telegram user id.
 *
 * Removal is soft: a removed member stays stored, inactive, so the audit trail
 * keeps naming who did what. Auditing is the caller's job; the repository only
 * stores.
 */
export class StaffRepository {
  readonly #model: Model<StaffDoc>;
  /** The Telegram ids of the active staff as last read, and when; see `mayBeStaff`. */
  #staffIds: Promise<{ at: number; ids: Set<number> }> | null = null;

  /** Registers the `Staff` model on the connection (or reuses it when another repository did). */
  constructor(connection: Connection) {
    this.#model = (connection.models.Staff as Model<StaffDoc> | undefined) ?? connection.model<StaffDoc>('Staff', staffSchema);
  }

  /**
   * Builds the indexes; idempotent, and awaited before every insert, because a
   * duplicate Telegram id is refused by the unique index, not by a read.
   */
  async init(): Promise<void> {
    await this.#model.init();
  }

  /**
   * Adds a staff member, or reactivates a removed one with the same Telegram id
   * (same internal id, the given name and roles; the language given, or the one they had).
   *
   * @throws {@link StaffError} `STAFF_INVALID` for bad input, `STAFF_DUPLICATE`
   *   when the Telegram user is already an active member
   */
  async add(input: { name: string; telegramUserId: number; roles: StaffRole[]; language?: Language }): Promise<AddedStaff> {
    const member = parseNewStaff(input);
    await this.init();
    try {
      for (let attempt = 1; ; attempt++) {
        const existing = await this.#model.findOne({ telegramUserId: member.telegramUserId }).lean<StaffDoc>();
        if (existing) return { staff: await this.#reactivate(existing, member), reactivated: true };
        try {
          const created = await this.#model.create({ _id: newStaffId(), ...member, active: true });
          return { staff: toStaff(created.toObject()), reactivated: false };
        } catch (error) {
          if (!isDuplicateKey(error)) throw error;
          // Either another writer added this Telegram user meanwhile (the next read
          // finds it and refuses or reactivates) or the random id was taken (draw again).
          if (attempt >= ID_ATTEMPTS) throw error;
        }
      }
    } finally {
      // This process knows of the new member at once; others within `STAFF_IDS_MAX_AGE_MS`.
      this.#staffIds = null;
    }
  }

  /** Staff members ordered by when they were added; active ones only unless asked. */
  async list(options: { includeInactive?: boolean } = {}): Promise<Staff[]> {
    const filter = options.includeInactive ? {} : { active: true };
    const docs = await this.#model.find(filter).sort({ createdAt: 1, _id: 1 }).lean<StaffDoc[]>();
    return docs.map(toStaff);
  }

  /** The staff member with this id, active or removed; null when there is none (or the id is malformed). */
  async get(id: string): Promise<Staff | null> {
    const parsed = StaffIdSchema.safeParse(id);
    if (!parsed.success) return null;
    const doc = await this.#model.findById(parsed.data).lean<StaffDoc>();
    return doc ? toStaff(doc) : null;
  }

  /**
   * The active staff member with this Telegram user id, or null.
   *
   * Removed members are left out unless asked for, so that a check of "is this
   * user staff?" cannot forget the `active` flag and let a removed member in.
   */
  async findByTelegramUserId(telegramUserId: number, options: { includeInactive?: boolean } = {}): Promise<Staff | null> {
    if (!Number.isSafeInteger(telegramUserId) || telegramUserId <= 0) return null;
    const filter = options.includeInactive ? { telegramUserId } : { telegramUserId, active: true };
    const doc = await this.#model.findOne(filter).lean<StaffDoc>();
    return doc ? toStaff(doc) : null;
  }

  /**
   * Whether this Telegram user may be an active staff member: false means certainly not, true
   * asks for `findByTelegramUserId`. Every private message asks this, and nearly all come from
   * beneficiaries: one read of the staff ids serves everyone for `STAFF_IDS_MAX_AGE_MS`, so a
   * member added from the CLI is known within that (a removed one is caught by the full look-up).
   */
  async mayBeStaff(telegramUserId: number): Promise<boolean> {
    const now = Date.now();
    const cached = this.#staffIds ? await this.#staffIds.catch(() => null) : null;
    if (!cached || now - cached.at > STAFF_IDS_MAX_AGE_MS) {
      const reading = this.#model
        .find({ active: true }, { telegramUserId: 1 })
        .lean<{ telegramUserId: number }[]>()
        .then((docs) => ({ at: now, ids: new Set(docs.map((d) => d.telegramUserId)) }));
      this.#staffIds = reading;
      return (await reading).ids.has(telegramUserId);
    }
    return cached.ids.has(telegramUserId);
  }

  /**
   * Replaces an active member's roles.
   *
   * @returns the member as stored afterwards
   * @throws {@link StaffError} `STAFF_INVALID`, `STAFF_NOT_FOUND`, or `STAFF_INACTIVE` for a removed member
   */
  async setRoles(id: string, roles: StaffRole[]): Promise<Staff> {
    const staffId = parseStaffId(id);
    const newRoles = parseStaffRoles(roles);
    // No projection: FerretDB refuses findOneAndUpdate with one; the whole document is small.
    // A member who is no longer an admin loses their token, so giving the role back later does not revive it.
    // The running service takes from the member what the roles no longer allow (questions, referrals, cases held).
    const set = { roles: newRoles, revokeDueAt: new Date() };
    const update = newRoles.includes('admin') ? { $set: set } : { $set: set, $unset: NO_TOKEN };
    const doc = await this.#model.findOneAndUpdate({ _id: staffId, active: true }, update, { returnDocument: 'after' }).lean<StaffDoc>();
    if (doc) return toStaff(doc);
    throw await this.#whyNotActive(staffId);
  }

  /**
   * Sets the language an active member reads staff texts in (their own choice, `/language`).
   *
   * @returns the member as stored afterwards
   * @throws {@link StaffError} `STAFF_INVALID`, `STAFF_NOT_FOUND`, or `STAFF_INACTIVE` for a removed member
   */
  async setLanguage(id: string, language: Language): Promise<Staff> {
    const staffId = parseStaffId(id);
    const lang = parseOrThrow(LanguageSchema, language, 'language');
    const doc = await this.#model.findOneAndUpdate({ _id: staffId, active: true }, { $set: { language: lang } }, { returnDocument: 'after' }).lean<StaffDoc>();
    if (doc) return toStaff(doc);
    throw await this.#whyNotActive(staffId);
  }

  /**
   * Removes a member: marks them inactive and keeps the record, so the audit
   * trail still resolves their id. Adding the same Telegram id again reactivates it.
   *
   * @returns the member as stored afterwards (inactive)
   * @throws {@link StaffError} `STAFF_INVALID`, `STAFF_NOT_FOUND`, or `STAFF_INACTIVE` when already removed
   */
  async remove(id: string): Promise<Staff> {
    const staffId = parseStaffId(id);
    const doc = await this.#model
      .findOneAndUpdate({ _id: staffId, active: true }, { $set: { active: false, revokeDueAt: new Date() }, $unset: NO_TOKEN }, { returnDocument: 'after' })
      .lean<StaffDoc>();
    if (doc) return toStaff(doc);
    throw await this.#whyNotActive(staffId);
  }

  /**
   * Members (removed ones too) whose change of roles or removal the running service has not
   * yet carried through, with the time of the change it must clear.
   */
  async revocationsDue(limit = 20): Promise<{ staffId: string; dueAt: Date }[]> {
    const docs = await this.#model
      .find({ revokeDueAt: { $ne: null } }, { _id: 1, revokeDueAt: 1 })
      .limit(limit)
      .lean<StaffDoc[]>();
    return docs.map((doc) => ({ staffId: doc._id, dueAt: new Date(doc.revokeDueAt!) }));
  }

  /** The change seen at `dueAt` is carried through; a later change (a newer time) stays due. */
  async revocationSettled(staffId: string, dueAt: Date): Promise<void> {
    await this.#model.updateOne({ _id: staffId, revokeDueAt: dueAt }, { $set: { revokeDueAt: null } });
  }

  /**
   * Stores the hash of a new admin HTTP token for an active admin, replacing any earlier one.
   *
   * @returns the member as stored afterwards, and whether an earlier token was replaced
   * @throws {@link StaffError} `STAFF_INVALID`, `STAFF_NOT_FOUND`, `STAFF_INACTIVE`, or
   *   `STAFF_NOT_ADMIN` for a member without the admin role
   */
  async setAdminToken(id: string, tokenHash: string, at: Date): Promise<{ staff: Staff; replaced: boolean }> {
    const staffId = parseStaffId(id);
    if (!/^[0-9a-f]{64}$/.test(tokenHash)) throw new StaffError('STAFF_INVALID', 'token hash must be 64 hex digits');
    const before = await this.#model.findById(staffId).lean<StaffDoc>();
    if (!before) throw new StaffError('STAFF_NOT_FOUND', `There is no staff member ${staffId}.`);
    if (!before.active) throw new StaffError('STAFF_INACTIVE', `Staff member ${staffId} has been removed.`);
    if (!before.roles.includes('admin'))
      throw new StaffError('STAFF_NOT_ADMIN', `Staff member ${staffId} does not have the admin role; give it first (staff roles).`);
    const doc = await this.#model
      .findOneAndUpdate({ _id: staffId, active: true }, { $set: { adminTokenHash: tokenHash, adminTokenIssuedAt: at } }, { returnDocument: 'after' })
      .lean<StaffDoc>();
    if (!doc) throw await this.#whyNotActive(staffId);
    return { staff: toStaff(doc), replaced: typeof before.adminTokenHash === 'string' };
  }

  /**
   * Revokes a member's admin HTTP token (removed members too).
   *
   * @returns the member as stored afterwards, and whether they held a token
   * @throws {@link StaffError} `STAFF_INVALID` or `STAFF_NOT_FOUND`
   */
  async revokeAdminToken(id: string): Promise<{ staff: Staff; revoked: boolean }> {
    const staffId = parseStaffId(id);
    const before = await this.#model.findById(staffId).lean<StaffDoc>();
    if (!before) throw new StaffError('STAFF_NOT_FOUND', `There is no staff member ${staffId}.`);
    const doc = await this.#model.findOneAndUpdate({ _id: staffId }, { $unset: NO_TOKEN }, { returnDocument: 'after' }).lean<StaffDoc>();
    if (!doc) throw new StaffError('STAFF_NOT_FOUND', `There is no staff member ${staffId}.`);
    return { staff: toStaff(doc), revoked: typeof before.adminTokenHash === 'string' };
  }

  /**
   * The active member holding the admin token with this hash, or null. Whether they may
   * use it (the admin role) is the caller's check: the one place that grants access.
   */
  async findByAdminTokenHash(tokenHash: string): Promise<Staff | null> {
    if (!/^[0-9a-f]{64}$/.test(tokenHash)) return null;
    const doc = await this.#model.findOne({ adminTokenHash: tokenHash, active: true }).lean<StaffDoc>();
    return doc ? toStaff(doc) : null;
  }

  async #reactivate(existing: StaffDoc, member: NewStaff): Promise<Staff> {
    if (existing.active) {
      throw new StaffError('STAFF_DUPLICATE', `Telegram user ${member.telegramUserId} is already a staff member (${existing._id}).`);
    }
    // Conditional on active=false, so of two concurrent re-adds only one reactivates.
    const doc = await this.#model
      .findOneAndUpdate(
        { _id: existing._id, active: false },
        { $set: { active: true, name: member.name, roles: member.roles, ...(member.language ? { language: member.language } : {}) } },
        { returnDocument: 'after' },
      )
      .lean<StaffDoc>();
    if (!doc) {
      throw new StaffError('STAFF_DUPLICATE', `Telegram user ${member.telegramUserId} is already a staff member (${existing._id}).`);
    }
    return toStaff(doc);
  }

  async #whyNotActive(id: StaffId): Promise<StaffError> {
    const doc = await this.#model.findById(id).lean<StaffDoc>();
    return doc
      ? new StaffError('STAFF_INACTIVE', `Staff member ${id} has been removed.`)
      : new StaffError('STAFF_NOT_FOUND', `There is no staff member ${id}.`);
  }
}

function newStaffId(): StaffId {
  // 32 divides 256, so taking each byte modulo 32 keeps every character equally likely.
  const bytes = randomBytes(ID_LENGTH);
  let id = 'stf_';
  for (const byte of bytes) id += ID_ALPHABET[byte % 32];
  return id;
}

function toStaff(doc: StaffDoc): Staff {
  return {
    id: doc._id,
    name: doc.name,
    telegramUserId: doc.telegramUserId,
    roles: [...doc.roles],
    language: doc.language ?? null,
    active: doc.active,
    adminTokenIssuedAt: doc.adminTokenIssuedAt ?? null,
    createdAt: doc.createdAt,
    updatedAt: doc.updatedAt,
  };
}

function parseOrThrow<T extends z.ZodType>(schema: T, input: unknown, label?: string): z.output<T> {
  const parsed = schema.safeParse(input);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const path = [...(label ? [label] : []), ...(issue?.path ?? [])].map(String).join('.');
  const message = issue?.message ?? 'is invalid';
  throw new StaffError('STAFF_INVALID', path ? `${path} ${message}` : message);
}
