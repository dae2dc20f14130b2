import type { AuditLog } from '../models/audit-log.js';
import type { Staff, StaffRepository, StaffRole } from '../models/staff.js';
import type { CommandOutput } from './output.js';
import type { Language } from '../engine/session.js';
import { newAdminToken } from '../privacy/admin-token.js';

/** What the staff commands need: the store, the audit log, where to write, and who is at the keyboard. */
export interface StaffCommandDeps {
  staff: StaffRepository;
  audit: AuditLog;
  out: CommandOutput;
  /** The operator's name (`--operator`), recorded as the actor of every entry. */
  operator: string;
  /** The clock for audit entries; tests may fix it. */
  now?: () => Date;
}

/**
 * `staff add`: adds a member (or reactivates a removed one with the same Telegram
 * id) and records `staff.added`.
 *
 * @throws {@link StaffError} `STAFF_INVALID` or `STAFF_DUPLICATE`
 */
export async function addStaff(
  deps: StaffCommandDeps,
  input: { name: string; telegramUserId: number; roles: StaffRole[]; language?: Language },
): Promise<Staff> {
  const { staff, reactivated } = await deps.staff.add(input);
  // Recorded after the change, so a refused add never shows up as done.
  await audit(deps, 'staff.added', staff.id, {
    telegramUserId: staff.telegramUserId,
    roles: staff.roles.join(','),
    ...(staff.language ? { language: staff.language } : {}),
    reactivated,
  });
  const reads = staff.language ? `, reads ${staff.language === 'ar' ? 'Arabic' : 'English'}` : '';
  deps.out.message(
    `${reactivated ? 'Reactivated' : 'Added'} ${staff.id}: ${staff.name} (Telegram ${staff.telegramUserId}), roles ${staff.roles.join(', ')}${reads}.`,
    {
      ...toJson(staff),
      reactivated,
    },
  );
  return staff;
}

/** `staff list`: the members (active ones unless `includeInactive`), recorded as `staff.listed`. */
export async function listStaff(deps: StaffCommandDeps, options: { includeInactive: boolean }): Promise<Staff[]> {
  const members = await deps.staff.list({ includeInactive: options.includeInactive });
  // Recorded before anything is shown: a read that cannot be audited shows nothing.
  await audit(deps, 'staff.listed', 'all', { includeInactive: options.includeInactive, count: members.length });
  deps.out.table(
    ['ID', 'NAME', 'TELEGRAM ID', 'ROLES', 'LANGUAGE', 'ACTIVE', 'ADDED', 'ADMIN TOKEN'],
    members.map((m) => [m.id, m.name, m.telegramUserId, m.roles.join(','), m.language, m.active, m.createdAt, m.adminTokenIssuedAt]),
    members.map(toJson),
    options.includeInactive ? 'No staff members.' : 'No active staff members.',
  );
  return members;
}

/**
 * `staff roles`: replaces an active member's roles and records `staff.roles_changed`
 * with the roles before and after.
 *
 * @throws {@link StaffError} `STAFF_INVALID`, `STAFF_NOT_FOUND` or `STAFF_INACTIVE`
 */
export async function changeStaffRoles(deps: StaffCommandDeps, staffId: string, roles: StaffRole[]): Promise<Staff> {
  const before = await deps.staff.get(staffId);
  const after = await deps.staff.setRoles(staffId, roles);
  await audit(deps, 'staff.roles_changed', after.id, {
    from: before ? before.roles.join(',') : null,
    to: after.roles.join(','),
  });
  deps.out.message(`Roles of ${after.id} (${after.name}): ${after.roles.join(', ')}.`, toJson(after));
  return after;
}

/**
 * `staff remove`: deactivates a member, keeping the record, and records `staff.removed`.
 *
 * @throws {@link StaffError} `STAFF_INVALID`, `STAFF_NOT_FOUND` or `STAFF_INACTIVE`
 */
export async function removeStaff(deps: StaffCommandDeps, staffId: string): Promise<Staff> {
  const removed = await deps.staff.remove(staffId);
  await audit(deps, 'staff.removed', removed.id, { telegramUserId: removed.telegramUserId });
  deps.out.message(
    `Removed ${removed.id} (${removed.name}); the record stays for the audit trail, adding Telegram ${removed.telegramUserId} again reactivates it.`,
    toJson(removed),
  );
  return removed;
}

/**
 * `staff token`: issues an active admin a new admin HTTP token, replacing any earlier
 * one, and records `staff.admin_token_issued`. The token is written once, here; only
 * its hash is stored, and neither goes into the audit log.
 *
 * @throws {@link StaffError} `STAFF_INVALID`, `STAFF_NOT_FOUND`, `STAFF_INACTIVE` or `STAFF_NOT_ADMIN`
 */
export async function issueAdminToken(deps: StaffCommandDeps, staffId: string): Promise<string> {
  const { token, hash } = newAdminToken();
  const { staff, replaced } = await deps.staff.setAdminToken(staffId, hash, (deps.now ?? (() => new Date()))());
  await audit(deps, 'staff.admin_token_issued', staff.id, { replaced });
  deps.out.message(
    `Admin HTTP token for ${staff.id} (${staff.name})${replaced ? ', replacing the earlier one' : ''}:\n\n  ${token}\n\n` +
      'It is shown this once: hand it to the member now (a password manager, not chat or e-mail). Only its hash is kept. ' +
      `Use: Authorization: Bearer <token>. Revoke: staff token ${staff.id} --revoke.`,
    { staffId: staff.id, token, replaced, issuedAt: staff.adminTokenIssuedAt?.toISOString() ?? null },
  );
  return token;
}

/**
 * `staff token --revoke`: removes a member's admin HTTP token and records
 * `staff.admin_token_revoked` (with whether there was one).
 *
 * @throws {@link StaffError} `STAFF_INVALID` or `STAFF_NOT_FOUND`
 */
export async function revokeAdminToken(deps: StaffCommandDeps, staffId: string): Promise<boolean> {
  const { staff, revoked } = await deps.staff.revokeAdminToken(staffId);
  await audit(deps, 'staff.admin_token_revoked', staff.id, { revoked });
  deps.out.message(
    revoked
      ? `Revoked the admin HTTP token of ${staff.id} (${staff.name}); it is refused from now on.`
      : `${staff.id} (${staff.name}) held no admin HTTP token; nothing changed.`,
    { staffId: staff.id, revoked },
  );
  return revoked;
}

async function audit(deps: StaffCommandDeps, action: string, targetId: string, details: Record<string, string | number | boolean | null>): Promise<void> {
  await deps.audit.record({
    at: (deps.now ?? (() => new Date()))(),
    actor: { kind: 'operator', id: deps.operator, name: deps.operator },
    action,
    target: { kind: 'staff', id: targetId },
    details,
  });
}

function toJson(member: Staff): Record<string, unknown> {
  return {
    id: member.id,
    name: member.name,
    telegramUserId: member.telegramUserId,
    roles: member.roles,
    language: member.language,
    active: member.active,
    adminTokenIssuedAt: member.adminTokenIssuedAt?.toISOString() ?? null,
    createdAt: member.createdAt.toISOString(),
    updatedAt: member.updatedAt.toISOString(),
  };
}
