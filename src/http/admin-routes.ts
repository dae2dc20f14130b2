import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AuditActor, AuditLog } from '../models/audit-log.js';
import type { StaffRepository } from '../models/staff.js';
import { hashAdminToken } from '../privacy/admin-token.js';
import { may } from '../services/staff-permissions.js';

/** What the admin routes show about WhatsApp. */
export interface WhatsAppAdminView {
  status(): string;
  qr(): { png: Buffer; issuedAt: Date } | null;
  /** The kept session's last backup. */
  backup(): { savedAt: Date | null; lastAttemptFailed: boolean };
}

export interface AdminRoutesDeps {
  /** Where each admin's own token is looked up (by its hash). */
  staff: Pick<StaffRepository, 'findByAdminTokenHash'>;
  /** Where access to sensitive endpoints is recorded. */
  audit: Pick<AuditLog, 'record'>;
  /**
   * The shared ADMIN_HTTP_TOKEN of earlier releases, accepted while it is set.
   * Deprecated: it names nobody, so its accesses are audited under the token's name only.
   */
  legacyToken?: string;
  /** Told each time the shared token is used, to log that it is deprecated. */
  onLegacyToken?: () => void;
  whatsapp: WhatsAppAdminView | null;
  clock?: () => Date;
}

/** Who the shared token stands for in the audit log. */
const LEGACY_ACTOR: AuditActor = { kind: 'operator', id: 'ADMIN_HTTP_TOKEN', name: 'shared admin token (deprecated)' };

/**
 * Registers the administrator's endpoints, each behind `Authorization: Bearer <token>`,
 * where the token is an active admin's own (`npm run admin -- staff token <staffId>`):
 *
 * - `GET /admin/whatsapp/status`: the link's status as JSON, with the kept session's last
 *   backup (when, how many minutes ago, whether the last attempt failed);
 * - `GET /admin/whatsapp/qr.png`: the QR code that links the association's number, while one
 *   is waiting to be scanned (404 otherwise). It is never cached: it changes every ~20 s, and
 *   whoever holds it can link a device to the account; every time it is served is audited
 *   (`admin.whatsapp_qr_viewed`) under the staff member's id.
 *
 * A token is refused (401) when unknown, revoked, or held by a member who was removed or
 * is no longer an admin: the staff record is read on every request.
 */
export function registerAdminRoutes(app: FastifyInstance, deps: AdminRoutesDeps): void {
  const legacy = deps.legacyToken ? digest(deps.legacyToken) : null;
  const actors = new WeakMap<FastifyRequest, AuditActor>();

  const authorised = async (request: FastifyRequest, reply: FastifyReply): Promise<void> => {
    const header = request.headers.authorization ?? '';
    const given = /^bearer /i.test(header) ? header.slice('Bearer '.length).trim() : '';
    const actor = given === '' ? null : await actorFor(given);
    if (actor) {
      actors.set(request, actor);
      return;
    }
    await reply.code(401).header('www-authenticate', 'Bearer').send({ statusCode: 401, error: 'Unauthorized', message: 'A valid admin token is required' });
  };

  async function actorFor(token: string): Promise<AuditActor | null> {
    // Compared as digests: equal lengths for timingSafeEqual, and no early exit on the first wrong character.
    if (legacy && timingSafeEqual(digest(token), legacy)) {
      deps.onLegacyToken?.();
      return LEGACY_ACTOR;
    }
    const member = await deps.staff.findByAdminTokenHash(hashAdminToken(token));
    if (!member || !may(member, 'administer')) return null;
    return { kind: 'staff', id: member.id, name: member.name };
  }

  /** Records the access before anything is shown: what cannot be audited is not served. */
  const audited = async (request: FastifyRequest, action: string, target: { kind: string; id: string }): Promise<void> => {
    const actor = actors.get(request);
    if (!actor) throw new Error('admin route reached without an authorised actor');
    await deps.audit.record({
      at: deps.clock?.() ?? new Date(),
      actor,
      action,
      target,
      details: { via: 'http', route: request.routeOptions.url ?? request.url },
    });
  };

  app.get('/admin/whatsapp/status', { onRequest: authorised }, async (_request, reply) => {
    if (!deps.whatsapp) return reply.code(404).send({ statusCode: 404, error: 'Not Found', message: 'WhatsApp is not enabled (WHATSAPP_ENABLED=on)' });
    const { savedAt, lastAttemptFailed } = deps.whatsapp.backup();
    const now = deps.clock?.() ?? new Date();
    return {
      status: deps.whatsapp.status(),
      qrWaiting: deps.whatsapp.qr() !== null,
      sessionBackup: {
        savedAt: savedAt?.toISOString() ?? null,
        ageMinutes: savedAt ? Math.floor((now.getTime() - savedAt.getTime()) / 60_000) : null,
        lastAttemptFailed,
      },
    };
  });

  app.get('/admin/whatsapp/qr.png', { onRequest: authorised }, async (request, reply) => {
    if (!deps.whatsapp) return reply.code(404).send({ statusCode: 404, error: 'Not Found', message: 'WhatsApp is not enabled (WHATSAPP_ENABLED=on)' });
    const qr = deps.whatsapp.qr();
    if (!qr) return reply.code(404).send({ statusCode: 404, error: 'Not Found', message: `No QR code is waiting (WhatsApp is ${deps.whatsapp.status()})` });
    await audited(request, 'admin.whatsapp_qr_viewed', { kind: 'whatsapp', id: 'qr' });
    return reply.header('cache-control', 'no-store').header('x-qr-issued-at', qr.issuedAt.toISOString()).type('image/png').send(qr.png);
  });
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}
