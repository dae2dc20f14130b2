/**
 * The staff repository and the audit log against the real MongoDB-compatible
 * server (FerretDB locally), and the staff and case commands wired to both.
 */
import type { Connection } from 'mongoose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOutput } from '../../src/cli/output.js';
import { listCases } from '../../src/cli/case-commands.js';
import { addStaff, changeStaffRoles, listStaff, removeStaff } from '../../src/cli/staff-commands.js';
import { AuditLog } from '../../src/models/audit-log.js';
import { CaseRepository } from '../../src/models/case-repository.js';
import { StaffRepository, type StaffRole } from '../../src/models/staff.js';
import { freshDatabase } from '../helpers/db.js';
import { freshKeys } from '../helpers/keys.js';

const STAFF_ID = /^stf_[0-9a-hjkmnp-tv-z]{10}$/;

describe('staff and audit log (real database)', () => {
  let connection: Connection;
  let drop: () => Promise<void>;
  let staff: StaffRepository;
  let audit: AuditLog;
  /** Telegram ids unique within this file, so tests do not depend on each other. */
  let nextTelegramId = 1_000;
  const telegramId = () => nextTelegramId++;

  beforeAll(async () => {
    ({ connection, drop } = await freshDatabase());
    staff = new StaffRepository(connection);
    audit = new AuditLog(connection);
    await Promise.all([staff.init(), audit.init()]);
  });

  afterAll(async () => {
    await drop?.();
  });

  describe('StaffRepository', () => {
    it('adds a member with an stf_ id, active, and finds them by id and Telegram id', async () => {
      const id = 7_123_456_789; // above 2^32: Telegram ids are 52-bit
      const { staff: member, reactivated } = await staff.add({ name: '  عائشة الحربي ', telegramUserId: id, roles: ['researcher', 'committee', 'researcher'] });

      expect(reactivated).toBe(false);
      expect(member).toMatchObject({ name: 'عائشة الحربي', telegramUserId: id, roles: ['researcher', 'committee'], active: true });
      expect(member.id).toMatch(STAFF_ID);
      expect(member.createdAt).toBeInstanceOf(Date);
      expect(await staff.get(member.id)).toEqual(member);
      expect(await staff.get(member.id.toUpperCase())).toEqual(member);
      expect(await staff.findByTelegramUserId(id)).toEqual(member);
    });

    it('refuses a second member with the same Telegram id with STAFF_DUPLICATE', async () => {
      const id = telegramId();
      const { staff: first } = await staff.add({ name: 'First Person', telegramUserId: id, roles: ['admin'] });

      await expect(staff.add({ name: 'Second Person', telegramUserId: id, roles: ['researcher'] })).rejects.toMatchObject({
        name: 'StaffError',
        code: 'STAFF_DUPLICATE',
        message: expect.stringContaining(first.id),
      });
      const all = await staff.list({ includeInactive: true });
      expect(all.filter((m) => m.telegramUserId === id)).toHaveLength(1);
    });

    it('of parallel adds of one Telegram id exactly one wins; the others get STAFF_DUPLICATE', async () => {
      const id = telegramId();
      const results = await Promise.allSettled(
        Array.from({ length: 8 }, (_, i) => staff.add({ name: `Racer ${i}`, telegramUserId: id, roles: ['researcher'] })),
      );
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      for (const r of results) {
        if (r.status === 'rejected') expect(r.reason).toMatchObject({ code: 'STAFF_DUPLICATE' });
      }
    });

    it.each([
      [{ name: 'A', telegramUserId: 5, roles: ['admin'] }, /^name must be 2 to 80 characters$/],
      [{ name: 'x'.repeat(81), telegramUserId: 5, roles: ['admin'] }, /^name must be 2 to 80 characters$/],
      [{ name: 'Tab\tName', telegramUserId: 5, roles: ['admin'] }, /^name must not contain control characters$/],
      [{ name: 'Valid Name', telegramUserId: 0, roles: ['admin'] }, /^telegramUserId must be positive$/],
      [{ name: 'Valid Name', telegramUserId: 1.5, roles: ['admin'] }, /^telegramUserId must be a whole number$/],
      [{ name: 'Valid Name', telegramUserId: 5, roles: [] }, /^roles needs at least one role$/],
      [{ name: 'Valid Name', telegramUserId: 5, roles: ['boss'] }, /^roles\.0 /],
    ])('refuses invalid input %j with STAFF_INVALID', async (input, message) => {
      await expect(staff.add(input as { name: string; telegramUserId: number; roles: StaffRole[] })).rejects.toMatchObject({
        name: 'StaffError',
        code: 'STAFF_INVALID',
        message: expect.stringMatching(message),
      });
    });

    it('changes roles of an active member; unknown, malformed and empty are refused', async () => {
      const { staff: member } = await staff.add({ name: 'Role Changer', telegramUserId: telegramId(), roles: ['researcher'] });

      const changed = await staff.setRoles(member.id, ['committee', 'admin']);
      expect(changed).toMatchObject({ id: member.id, roles: ['committee', 'admin'], active: true });
      expect(changed.updatedAt.getTime()).toBeGreaterThanOrEqual(member.updatedAt.getTime());
      expect((await staff.get(member.id))?.roles).toEqual(['committee', 'admin']);

      await expect(staff.setRoles('stf_0000000000', ['admin'])).rejects.toMatchObject({ code: 'STAFF_NOT_FOUND' });
      await expect(staff.setRoles('not-an-id', ['admin'])).rejects.toMatchObject({ code: 'STAFF_INVALID' });
      await expect(staff.setRoles(member.id, [])).rejects.toMatchObject({ code: 'STAFF_INVALID' });
    });

    it('remove keeps the record, inactive; lists and lookups leave it out unless asked', async () => {
      const id = telegramId();
      const { staff: member } = await staff.add({ name: 'Leaving Member', telegramUserId: id, roles: ['researcher'] });

      const removed = await staff.remove(member.id);
      expect(removed).toMatchObject({ id: member.id, active: false, name: 'Leaving Member' });
      expect(await staff.get(member.id)).toMatchObject({ id: member.id, active: false });
      expect(await staff.findByTelegramUserId(id)).toBeNull();
      expect(await staff.findByTelegramUserId(id, { includeInactive: true })).toMatchObject({ id: member.id, active: false });
      expect((await staff.list()).map((m) => m.id)).not.toContain(member.id);
      expect((await staff.list({ includeInactive: true })).map((m) => m.id)).toContain(member.id);

      await expect(staff.remove(member.id)).rejects.toMatchObject({ code: 'STAFF_INACTIVE' });
      await expect(staff.setRoles(member.id, ['admin'])).rejects.toMatchObject({ code: 'STAFF_INACTIVE' });
      await expect(staff.remove('stf_0000000000')).rejects.toMatchObject({ code: 'STAFF_NOT_FOUND' });
    });

    it('adding a removed member again reactivates the same record with the new name and roles', async () => {
      const id = telegramId();
      const { staff: member } = await staff.add({ name: 'Returning Member', telegramUserId: id, roles: ['researcher'] });
      await staff.remove(member.id);

      const again = await staff.add({ name: 'Returning Member Jr', telegramUserId: id, roles: ['committee'] });
      expect(again.reactivated).toBe(true);
      expect(again.staff).toMatchObject({ id: member.id, name: 'Returning Member Jr', roles: ['committee'], active: true });
      expect(again.staff.createdAt).toEqual(member.createdAt);
      expect(await staff.findByTelegramUserId(id)).toMatchObject({ id: member.id, active: true });
      await expect(staff.add({ name: 'Returning Member', telegramUserId: id, roles: ['researcher'] })).rejects.toMatchObject({ code: 'STAFF_DUPLICATE' });
    });

    it('keeps the language a member reads: none until chosen, set by add or /language, kept through removal and return', async () => {
      const id = telegramId();
      const { staff: member } = await staff.add({ name: 'Language Chooser', telegramUserId: id, roles: ['researcher'] });
      expect(member.language).toBeNull();
      expect((await staff.setLanguage(member.id, 'en')).language).toBe('en');
      expect((await staff.get(member.id))?.language).toBe('en');
      await expect(staff.setLanguage(member.id, 'fr' as 'en')).rejects.toMatchObject({ code: 'STAFF_INVALID' });
      await expect(staff.setLanguage('stf_0000000000', 'ar')).rejects.toMatchObject({ code: 'STAFF_NOT_FOUND' });

      await staff.remove(member.id);
      await expect(staff.setLanguage(member.id, 'ar')).rejects.toMatchObject({ code: 'STAFF_INACTIVE' });
      // Brought back without a language: the one they chose stays; with one, it replaces it.
      expect((await staff.add({ name: 'Language Chooser', telegramUserId: id, roles: ['researcher'] })).staff.language).toBe('en');
      await staff.remove(member.id);
      expect((await staff.add({ name: 'Language Chooser', telegramUserId: id, roles: ['researcher'], language: 'ar' })).staff.language).toBe('ar');

      const other = await staff.add({ name: 'Reads English', telegramUserId: telegramId(), roles: ['committee'], language: 'en' });
      expect(other.staff.language).toBe('en');
      await expect(staff.add({ name: 'Reads French', telegramUserId: telegramId(), roles: ['committee'], language: 'fr' as 'en' })).rejects.toMatchObject({
        code: 'STAFF_INVALID',
      });
    });

    it('lists active members in the order they were added', async () => {
      const listed = await staff.list();
      expect(listed.length).toBeGreaterThan(0);
      expect(listed.every((m) => m.active)).toBe(true);
      const times = listed.map((m) => m.createdAt.getTime());
      expect(times).toEqual([...times].sort((a, b) => a - b));
    });
  });

  describe('AuditLog', () => {
    it('records entries and lists them newest first, filtered by target', async () => {
      const base = Date.UTC(2026, 0, 1, 9);
      for (const [i, action] of ['case.viewed', 'case.moved', 'case.viewed'].entries()) {
        await audit.record({
          at: new Date(base + i * 1000),
          actor: { kind: 'staff', id: 'stf_aaaaaaaaaa', name: 'Reviewer' },
          action,
          target: { kind: 'case', id: 'case-audit-1' },
          details: { step: i, note: i === 1 ? 'approved' : null, ok: true },
        });
      }
      await audit.record({
        at: new Date(base + 5000),
        actor: { kind: 'system', id: 'sweeper' },
        action: 'case.expired',
        target: { kind: 'case', id: 'case-audit-2' },
      });

      const one = await audit.list({ targetKind: 'case', targetId: 'case-audit-1', limit: 10 });
      expect(one.map((e) => [e.action, e.details?.step])).toEqual([
        ['case.viewed', 2],
        ['case.moved', 1],
        ['case.viewed', 0],
      ]);
      expect(one[1]).toMatchObject({ actor: { kind: 'staff', id: 'stf_aaaaaaaaaa', name: 'Reviewer' }, details: { note: 'approved', ok: true } });
      expect(one[0]?.id).toMatch(/^[0-9a-f]{24}$/);

      const latest = await audit.list({ targetKind: 'case', limit: 2 });
      expect(latest.map((e) => e.target.id)).toEqual(['case-audit-2', 'case-audit-1']);
      expect(latest[0]).not.toHaveProperty('details');
      expect(latest[0]?.actor).toEqual({ kind: 'system', id: 'sweeper' });
    });

    it.each([
      ['a detail key with a dot', { details: { 'phone.number': 'x' } }],
      ['a detail key starting with $', { details: { $where: 'x' } }],
      ['a nested detail value', { details: { nested: { a: 1 } } }],
      ['an infinite number', { details: { n: Infinity } }],
      ['an action that is not dotted words', { action: 'Staff Added' }],
      ['an unknown actor kind', { actor: { kind: 'robot', id: 'r1' } }],
      ['an empty target id', { target: { kind: 'case', id: '' } }],
    ])('refuses %s with AUDIT_INVALID and writes nothing', async (_label, override) => {
      const before = await audit.list({ targetKind: 'probe', limit: 100 });
      const entry = { at: new Date(), actor: { kind: 'system', id: 'test' }, action: 'probe.tried', target: { kind: 'probe', id: 'p1' }, ...override };
      await expect(audit.record(entry as Parameters<AuditLog['record']>[0])).rejects.toMatchObject({ name: 'AuditLogError', code: 'AUDIT_INVALID' });
      expect(await audit.list({ targetKind: 'probe', limit: 100 })).toHaveLength(before.length);
    });

    it('is append-only: it offers record, recordOnce and list, nothing that changes or deletes', () => {
      const methods = Object.getOwnPropertyNames(AuditLog.prototype)
        .filter((name) => name !== 'constructor')
        .sort();
      expect(methods).toEqual(['init', 'list', 'record', 'recordOnce']);
    });

    it('has the indexes for listing by target and by time', async () => {
      const indexes = await connection.collection('audit_log').indexes();
      const keys = indexes.map((index) => index.key);
      expect(keys).toContainEqual({ 'target.kind': 1, 'target.id': 1, at: -1 });
      expect(keys).toContainEqual({ at: -1 });
    });
  });

  describe('staff commands write the audit trail', () => {
    it('add, list, roles and remove each record one entry by the operator', async () => {
      const written: string[] = [];
      let tick = Date.UTC(2026, 1, 1, 8);
      const deps = {
        staff,
        audit,
        operator: 'Operator Noura',
        out: createOutput({ json: false, write: (t) => written.push(t) }),
        now: () => new Date((tick += 1000)),
      };

      const member = await addStaff(deps, { name: 'Audited Member', telegramUserId: telegramId(), roles: ['researcher'] });
      await listStaff(deps, { includeInactive: false });
      await changeStaffRoles(deps, member.id, ['committee']);
      await removeStaff(deps, member.id);

      const trail = await audit.list({ targetKind: 'staff', targetId: member.id, limit: 10 });
      expect(trail.map((e) => e.action)).toEqual(['staff.removed', 'staff.roles_changed', 'staff.added']);
      for (const entry of trail) expect(entry.actor).toEqual({ kind: 'operator', id: 'Operator Noura', name: 'Operator Noura' });
      expect(trail[2]?.details).toEqual({ telegramUserId: member.telegramUserId, roles: 'researcher', reactivated: false });
      expect(trail[1]?.details).toEqual({ from: 'researcher', to: 'committee' });

      const [listed] = await audit.list({ targetKind: 'staff', targetId: 'all', limit: 1 });
      expect(listed).toMatchObject({ action: 'staff.listed', details: { includeInactive: false } });

      const text = written.join('');
      expect(text).toContain(`Added ${member.id}: Audited Member`);
      expect(text).toMatch(/^ID +NAME +TELEGRAM ID +ROLES +LANGUAGE +ACTIVE +ADDED +ADMIN TOKEN$/m);
      expect(text).toContain(`Removed ${member.id}`);
    });

    it('a refused command records nothing', async () => {
      const before = await audit.list({ limit: 1000 });
      const deps = { staff, audit, operator: 'Operator Noura', out: createOutput({ json: false, write: () => undefined }) };
      await expect(removeStaff(deps, 'stf_0000000000')).rejects.toMatchObject({ code: 'STAFF_NOT_FOUND' });
      expect(await audit.list({ limit: 1000 })).toHaveLength(before.length);
    });

    it('cases list records cases.listed with the filter and the count', async () => {
      const keys = freshKeys();
      const cases = new CaseRepository(connection, keys);
      const written: string[] = [];
      const items = await listCases(
        { cases, audit, operator: 'Operator Noura', out: createOutput({ json: true, write: (t) => written.push(t) }) },
        { status: 'submitted', limit: 5 },
      );
      expect(items).toEqual([]);
      expect(JSON.parse(written.join(''))).toEqual([]);
      const [entry] = await audit.list({ targetKind: 'case', limit: 1 });
      expect(entry).toMatchObject({
        action: 'cases.listed',
        actor: { kind: 'operator', name: 'Operator Noura' },
        details: { status: 'submitted', limit: 5, count: 0 },
      });
    });
  });
});
