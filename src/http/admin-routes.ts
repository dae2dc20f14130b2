import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

/** What the admin routes show about WhatsApp. */
export interface WhatsAppAdminView {
  status(): string;
  qr(): { png: Buffer; issuedAt: Date } | null;
}

export interface AdminRoutesDeps {
  /** The bearer token (ADMIN_HTTP_TOKEN). */
  token: string;
  whatsapp: WhatsAppAdminView | null;
}

/**
 * Registers the administrator's endpoints, each behind `Authorization: Bearer <token>`:
 *
 * - `GET /admin/whatsapp/status`: the link's status as JSON;
 * - `GET /admin/whatsapp/qr.png`: the QR code that links the association's number, while one
 *   is waiting to be scanned (404 otherwise). It is never cached: it changes every ~20 s, and
 *   whoever holds it can link a device to the account.
 */
export function registerAdminRoutes(app: FastifyInstance, deps: AdminRoutesDeps): void {
  const expected = digest(deps.token);
  const authorised = async (request: FastifyRequest, reply: FastifyReply): Promise<void> => {
    const header = request.headers.authorization ?? '';
    const given = /^bearer /i.test(header) ? header.slice('Bearer '.length).trim() : '';
    // Compared as digests: equal lengths for timingSafeEqual, and no early exit on the first wrong character.
    if (given === '' || !timingSafeEqual(digest(given), expected)) {
      await reply.code(401).header('www-authenticate', 'Bearer').send({ statusCode: 401, error: 'Unauthorized', message: 'A valid admin token is required' });
    }
  };

  app.get('/admin/whatsapp/status', { onRequest: authorised }, async (_request, reply) => {
    if (!deps.whatsapp) return reply.code(404).send({ statusCode: 404, error: 'Not Found', message: 'WhatsApp is not enabled (WHATSAPP_ENABLED=on)' });
    return { status: deps.whatsapp.status(), qrWaiting: deps.whatsapp.qr() !== null };
  });

  app.get('/admin/whatsapp/qr.png', { onRequest: authorised }, async (_request, reply) => {
    if (!deps.whatsapp) return reply.code(404).send({ statusCode: 404, error: 'Not Found', message: 'WhatsApp is not enabled (WHATSAPP_ENABLED=on)' });
    const qr = deps.whatsapp.qr();
    if (!qr) return reply.code(404).send({ statusCode: 404, error: 'Not Found', message: `No QR code is waiting (WhatsApp is ${deps.whatsapp.status()})` });
    return reply.header('cache-control', 'no-store').header('x-qr-issued-at', qr.issuedAt.toISOString()).type('image/png').send(qr.png);
  });
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}
