/**
 * The admin HTTP endpoints with each administrator's own token: issued and revoked with
 * the admin CLI, checked against the staff records in FerretDB, accesses audited.
 */
import { createHash } from 'node:crypto';
import Fastify, { type FastifyInstance } from 'fastify';
import type { Connection } from 'mongoose';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { runAdmin } from '../../src/cli/admin.js';
import { registerAdminRoutes, type WhatsAppAdminView } from '../../src/http/admin-routes.js';
import { AuditLog } from '../../src/models/audit-log.js';
import { StaffRepository, type StaffRole } from '../../src/models/staff.js';
import { KeyRing } from '../../src/privacy/key-ring.js';
import { freshDatabase, MONGODB_URI } from '../helpers/db.js';
import { PNG_BYTES } from '../helpers/fake-whatsapp.js';

const LEGACY = 'admin-token-0123456789abcdef-0123456789';
const ISSUED = new Date('2026-01-01T10:00:00.000Z');
const QR = '/admin/whatsapp/qr.png';
const STATUS = '/admin/whatsapp/status';

let connection: Connection;
let drop: () => Promise<void>;
let dbName: string;
let staff: StaffRepository;
let audit: AuditLog;
let telegramId = 900_000;
const apps: FastifyInstance[] = [];

beforeAll(async () => {
  ({ connection, dbName, drop } = await freshDatabase());
  staff = new StaffRepository(connection);
  audit = new AuditLog(connection);
  await Promise.all([staff.init(), audit.init()]);
});

afterAll(async () => {
  await drop();
});

afterEach(async () => {
  await Promise.all(apps.splice(0).map((app) => app.close()));
});

/** A WhatsApp view that counts how often it is consulted. */
class View implements WhatsAppAdminView {
  calls = 0;
  constructor(
    public state: string,
    public image: { png: Buffer; issuedAt: Date } | null,
    public backedUp: { savedAt: Date | null; lastAttemptFailed: boolean } = { savedAt: null, lastAttemptFailed: false },
  ) {}
  backup(): { savedAt: Date | null; lastAttemptFailed: boolean } {
    return this.backedUp;
  }
  status(): string {
    this.calls += 1;
    return this.state;
  }
  qr(): { png: Buffer; issuedAt: Date } | null {
    this.calls += 1;
    return this.image;
  }
}

function server(whatsapp: WhatsAppAdminView | null, options: { legacy?: string; onLegacyToken?: () => void } = {}): FastifyInstance {
  const app = Fastify({ logger: false });
  registerAdminRoutes(app, {
    staff,
    audit,
    whatsapp,
    ...(options.legacy ? { legacyToken: options.legacy } : {}),
    ...(options.onLegacyToken ? { onLegacyToken: options.onLegacyToken } : {}),
  });
  apps.push(app);
  return app;
}

const waiting = () => new View('waiting_for_qr', { png: PNG_BYTES, issuedAt: ISSUED });
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

/** The admin CLI in this process, against the test's database. */
async function admin(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const url = new URL(MONGODB_URI);
  url.pathname = `/${dbName}`;
  let stdout = '';
  let stderr = '';
  const code = await runAdmin(args, {
    stdout: (text) => (stdout += text),
    stderr: (text) => (stderr += text),
    env: { MONGODB_URI: url.toString(), DATA_KEYS: `k1:${KeyRing.generateKeyBase64()}`, DATA_KEY_CURRENT: 'k1', LOOKUP_KEY: KeyRing.generateKeyBase64() },
  });
  return { code, stdout, stderr };
}

async function member(roles: StaffRole[]): Promise<string> {
  return (await staff.add({ name: `Member ${(telegramId += 1)}`, telegramUserId: telegramId, roles })).staff.id;
}

/** Issues a token with the CLI and returns it (the only time it is seen). */
async function issue(staffId: string): Promise<string> {
  const result = await admin(['staff', 'token', staffId, '--operator', 'Chair Huda', '--json']);
  expect(result.stderr).toBe('');
  expect(result.code).toBe(0);
  return (JSON.parse(result.stdout) as { token: string }).token;
}

describe('admin HTTP tokens: one per administrator', () => {
  it('serves an active admin with their own token, and audits the QR code under their staff id', async () => {
    const id = await member(['admin']);
    const token = await issue(id);
    expect(token).toMatch(/^iat_[A-Za-z0-9_-]{43}$/);

    // Only the hash is stored; the token is nowhere in the database.
    const stored = await connection.collection('staff').findOne({ _id: id as never });
    expect(stored?.adminTokenHash).toBe(createHash('sha256').update(token).digest('hex'));
    expect(JSON.stringify(await connection.collection('staff').find().toArray())).not.toContain(token);

    const app = server(waiting());
    const status = await app.inject({ method: 'GET', url: STATUS, headers: bearer(token) });
    expect(status.statusCode).toBe(200);
    expect(status.json()).toEqual({ status: 'waiting_for_qr', qrWaiting: true, sessionBackup: { savedAt: null, ageMinutes: null, lastAttemptFailed: false } });
    const qr = await app.inject({ method: 'GET', url: QR, headers: bearer(token) });
    expect(qr.statusCode).toBe(200);
    expect(qr.headers['content-type']).toBe('image/png');
    expect(qr.headers['cache-control']).toBe('no-store');
    expect(qr.headers['x-qr-issued-at']).toBe(ISSUED.toISOString());
    expect(qr.rawPayload.equals(PNG_BYTES)).toBe(true);

    const [entry, ...rest] = await audit.list({ targetKind: 'whatsapp', limit: 10 });
    expect(rest).toEqual([]);
    expect(entry).toMatchObject({
      action: 'admin.whatsapp_qr_viewed',
      actor: { kind: 'staff', id },
      target: { kind: 'whatsapp', id: 'qr' },
      details: { via: 'http', route: QR },
    });
    const issued = await audit.list({ targetKind: 'staff', targetId: id, limit: 10 });
    expect(issued).toEqual([
      expect.objectContaining({ action: 'staff.admin_token_issued', actor: expect.objectContaining({ id: 'Chair Huda' }), details: { replaced: false } }),
    ]);
    const everything = JSON.stringify(await audit.list({ limit: 1000 }));
    expect(everything).not.toContain(token);
    expect(everything).not.toContain(stored?.adminTokenHash as string);
  });

  describe('refuses with 401, consulting nothing', () => {
    const malformed: { name: string; headers: (token: string) => Record<string, string> }[] = [
      { name: 'without an Authorization header', headers: () => ({}) },
      { name: 'with a wrong token', headers: (token) => bearer(`${token.slice(0, -1)}${token.endsWith('A') ? 'B' : 'A'}`) },
      { name: 'with a prefix of the token', headers: (token) => bearer(token.slice(0, -1)) },
      { name: 'with an empty bearer token', headers: () => ({ authorization: 'Bearer ' }) },
      { name: 'with a non-Bearer scheme', headers: (token) => ({ authorization: `Basic ${Buffer.from(`admin:${token}`).toString('base64')}` }) },
      { name: 'with the bare token and no scheme', headers: (token) => ({ authorization: token }) },
      { name: 'with the token’s stored hash', headers: (token) => bearer(createHash('sha256').update(token).digest('hex')) },
    ];
    for (const url of [STATUS, QR]) {
      for (const { name, headers } of malformed) {
        it(`GET ${url} ${name}`, async () => {
          const token = await issue(await member(['admin']));
          const view = waiting();
          const response = await server(view).inject({ method: 'GET', url, headers: headers(token) });
          expect(response.statusCode).toBe(401);
          expect(response.headers['www-authenticate']).toBe('Bearer');
          expect(response.json()).toEqual({ statusCode: 401, error: 'Unauthorized', message: 'A valid admin token is required' });
          expect(view.calls).toBe(0);
        });
      }
    }

    it('a revoked token, a replaced one, a removed member’s, one whose holder lost the admin role, and a non-admin’s', async () => {
      const revokedId = await member(['admin']);
      const revoked = await issue(revokedId);
      const revoke = await admin(['staff', 'token', revokedId, '--revoke', '--operator', 'Chair Huda']);
      expect(revoke).toMatchObject({ code: 0, stderr: '' });
      expect(revoke.stdout).toContain(`Revoked the admin HTTP token of ${revokedId}`);

      const replacedId = await member(['admin']);
      const replaced = await issue(replacedId);
      const replacement = await issue(replacedId);

      const removedId = await member(['admin', 'researcher']);
      const removedToken = await issue(removedId);
      expect((await admin(['staff', 'remove', removedId, '--operator', 'Chair Huda'])).code).toBe(0);
      expect((await connection.collection('staff').findOne({ _id: removedId as never }))?.adminTokenHash).toBeUndefined();
      // Put back by hand: the member's being removed is reason enough to refuse it.
      await connection
        .collection('staff')
        .updateOne({ _id: removedId as never }, { $set: { adminTokenHash: createHash('sha256').update(removedToken).digest('hex') } });

      const demotedId = await member(['admin', 'committee']);
      const demoted = await issue(demotedId);
      expect((await admin(['staff', 'roles', demotedId, '--role', 'committee', '--operator', 'Chair Huda'])).code).toBe(0);

      // A researcher is refused a token; one slipped into their record by hand is refused too.
      const researcherId = await member(['researcher']);
      const refused = await admin(['staff', 'token', researcherId, '--operator', 'Chair Huda']);
      expect(refused.code).toBe(1);
      expect(refused.stderr).toBe(`error: Staff member ${researcherId} does not have the admin role; give it first (staff roles).\n`);
      const smuggled = 'iat_smuggled-token-for-a-researcher-0123456789';
      await connection
        .collection('staff')
        .updateOne({ _id: researcherId as never }, { $set: { adminTokenHash: createHash('sha256').update(smuggled).digest('hex') } });

      const view = waiting();
      const app = server(view);
      for (const [what, token] of [
        ['revoked', revoked],
        ['replaced', replaced],
        ['removed member', removedToken],
        ['lost admin role', demoted],
        ['non-admin', smuggled],
      ] as const) {
        for (const url of [STATUS, QR]) {
          const response = await app.inject({ method: 'GET', url, headers: bearer(token) });
          expect(response.statusCode, `${what} ${url}`).toBe(401);
        }
      }
      expect(view.calls).toBe(0);
      expect((await app.inject({ method: 'GET', url: STATUS, headers: bearer(replacement) })).statusCode).toBe(200);

      const trail = (id: string) => audit.list({ targetKind: 'staff', targetId: id, limit: 10 }).then((entries) => entries.map((e) => [e.action, e.details]));
      expect(await trail(revokedId)).toEqual([
        ['staff.admin_token_revoked', { revoked: true }],
        ['staff.admin_token_issued', { replaced: false }],
      ]);
      expect(await trail(replacedId)).toEqual([
        ['staff.admin_token_issued', { replaced: true }],
        ['staff.admin_token_issued', { replaced: false }],
      ]);
      // Giving the role back does not revive the old token.
      expect((await admin(['staff', 'roles', demotedId, '--role', 'admin', '--operator', 'Chair Huda'])).code).toBe(0);
      expect((await app.inject({ method: 'GET', url: STATUS, headers: bearer(demoted) })).statusCode).toBe(401);
    });
  });

  describe('the shared ADMIN_HTTP_TOKEN (deprecated)', () => {
    it('is accepted only while set, reported as deprecated, and audited under its own name', async () => {
      let told = 0;
      const app = server(waiting(), { legacy: LEGACY, onLegacyToken: () => (told += 1) });
      expect((await app.inject({ method: 'GET', url: QR, headers: bearer(LEGACY) })).statusCode).toBe(200);
      expect(told).toBe(1);
      const [entry] = await audit.list({ targetKind: 'whatsapp', limit: 1 });
      expect(entry).toMatchObject({ action: 'admin.whatsapp_qr_viewed', actor: { kind: 'operator', id: 'ADMIN_HTTP_TOKEN' } });
      // Staff tokens work beside it.
      expect((await app.inject({ method: 'GET', url: STATUS, headers: bearer(await issue(await member(['admin']))) })).statusCode).toBe(200);

      const unset = server(waiting());
      expect((await unset.inject({ method: 'GET', url: QR, headers: bearer(LEGACY) })).statusCode).toBe(401);
    });
  });
});

describe('the admin endpoints behind a valid token', () => {
  let token: string;
  beforeAll(async () => {
    token = await issue(await member(['admin']));
  });

  it('answers 404 when WhatsApp is not enabled', async () => {
    for (const url of [STATUS, QR]) {
      const response = await server(null).inject({ method: 'GET', url, headers: bearer(token) });
      expect(response.statusCode).toBe(404);
      expect(response.json()).toMatchObject({ statusCode: 404, message: expect.stringContaining('WhatsApp is not enabled') });
    }
  });

  it("shows how old the kept session's last backup is, and whether the last attempt failed", async () => {
    const savedAt = new Date(Date.now() - 47 * 60_000 - 5_000);
    const app = server(new View('linked', null, { savedAt, lastAttemptFailed: true }));
    const body = (await app.inject({ method: 'GET', url: STATUS, headers: bearer(token) })).json();
    expect(body.sessionBackup).toEqual({ savedAt: savedAt.toISOString(), ageMinutes: 47, lastAttemptFailed: true });
  });

  it('answers the link status, and 404 naming it when no QR code is waiting (nothing audited)', async () => {
    const before = (await audit.list({ targetKind: 'whatsapp', limit: 1000 })).length;
    const app = server(new View('linked', null));
    expect((await app.inject({ method: 'GET', url: STATUS, headers: bearer(token) })).json()).toEqual({
      status: 'linked',
      qrWaiting: false,
      sessionBackup: { savedAt: null, ageMinutes: null, lastAttemptFailed: false },
    });
    const qr = await app.inject({ method: 'GET', url: QR, headers: bearer(token) });
    expect(qr.statusCode).toBe(404);
    expect(qr.json()).toEqual({ statusCode: 404, error: 'Not Found', message: 'No QR code is waiting (WhatsApp is linked)' });
    expect(await audit.list({ targetKind: 'whatsapp', limit: 1000 })).toHaveLength(before);
  });
});
