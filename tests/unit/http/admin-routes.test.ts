import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { registerAdminRoutes, type WhatsAppAdminView } from '../../../src/http/admin-routes.js';
import { PNG_BYTES } from '../../helpers/fake-whatsapp.js';

const TOKEN = 'admin-token-0123456789abcdef';
const ISSUED = new Date('2026-01-01T10:00:00.000Z');

const apps: FastifyInstance[] = [];

afterEach(async () => {
  await Promise.all(apps.splice(0).map((app) => app.close()));
});

/** A WhatsApp view that counts how often it is consulted. */
class View implements WhatsAppAdminView {
  calls = 0;
  constructor(
    public state: string,
    public image: { png: Buffer; issuedAt: Date } | null,
  ) {}
  status(): string {
    this.calls += 1;
    return this.state;
  }
  qr(): { png: Buffer; issuedAt: Date } | null {
    this.calls += 1;
    return this.image;
  }
}

function server(whatsapp: WhatsAppAdminView | null): FastifyInstance {
  const app = Fastify({ logger: false });
  registerAdminRoutes(app, { token: TOKEN, whatsapp });
  apps.push(app);
  return app;
}

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

describe('admin routes: authorisation', () => {
  const cases: { name: string; headers: Record<string, string> }[] = [
    { name: 'without an Authorization header', headers: {} },
    { name: 'with a wrong token', headers: bearer('admin-token-0123456789abcdeX') },
    { name: 'with a prefix of the token', headers: bearer(TOKEN.slice(0, -1)) },
    { name: 'with an empty bearer token', headers: { authorization: 'Bearer ' } },
    { name: 'with a non-Bearer scheme', headers: { authorization: `Basic ${Buffer.from(`admin:${TOKEN}`).toString('base64')}` } },
    { name: 'with the bare token and no scheme', headers: { authorization: TOKEN } },
  ];

  for (const url of ['/admin/whatsapp/status', '/admin/whatsapp/qr.png']) {
    for (const { name, headers } of cases) {
      it(`refuses GET ${url} ${name} with 401, consulting nothing`, async () => {
        const view = new View('waiting_for_qr', { png: PNG_BYTES, issuedAt: ISSUED });
        const response = await server(view).inject({ method: 'GET', url, headers });
        expect(response.statusCode).toBe(401);
        expect(response.headers['www-authenticate']).toBe('Bearer');
        expect(response.json()).toEqual({ statusCode: 401, error: 'Unauthorized', message: 'A valid admin token is required' });
        expect(response.headers['content-type']).not.toContain('image/png');
        expect(view.calls).toBe(0);
      });
    }
  }
});

describe('GET /admin/whatsapp/status', () => {
  it('answers the link status as JSON with the right token', async () => {
    const response = await server(new View('linked', null)).inject({ method: 'GET', url: '/admin/whatsapp/status', headers: bearer(TOKEN) });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toContain('application/json');
    expect(response.json()).toEqual({ status: 'linked', qrWaiting: false });
  });

  it('says when a QR code is waiting', async () => {
    const response = await server(new View('waiting_for_qr', { png: PNG_BYTES, issuedAt: ISSUED })).inject({
      method: 'GET',
      url: '/admin/whatsapp/status',
      headers: bearer(TOKEN),
    });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ status: 'waiting_for_qr', qrWaiting: true });
  });

  it('answers 404 when WhatsApp is not enabled', async () => {
    const response = await server(null).inject({ method: 'GET', url: '/admin/whatsapp/status', headers: bearer(TOKEN) });
    expect(response.statusCode).toBe(404);
    expect(response.json()).toMatchObject({ statusCode: 404, message: expect.stringContaining('WhatsApp is not enabled') });
  });
});

describe('GET /admin/whatsapp/qr.png', () => {
  it('answers 404 naming the status when no code is waiting', async () => {
    const response = await server(new View('linked', null)).inject({ method: 'GET', url: '/admin/whatsapp/qr.png', headers: bearer(TOKEN) });
    expect(response.statusCode).toBe(404);
    expect(response.json()).toEqual({ statusCode: 404, error: 'Not Found', message: 'No QR code is waiting (WhatsApp is linked)' });
  });

  it('serves the waiting code as an uncached PNG', async () => {
    const response = await server(new View('waiting_for_qr', { png: PNG_BYTES, issuedAt: ISSUED })).inject({
      method: 'GET',
      url: '/admin/whatsapp/qr.png',
      headers: bearer(TOKEN),
    });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toBe('image/png');
    expect(response.headers['cache-control']).toBe('no-store');
    expect(response.headers['x-qr-issued-at']).toBe(ISSUED.toISOString());
    expect(response.rawPayload.equals(PNG_BYTES)).toBe(true);
  });

  it('answers 404 when WhatsApp is not enabled', async () => {
    const response = await server(null).inject({ method: 'GET', url: '/admin/whatsapp/qr.png', headers: bearer(TOKEN) });
    expect(response.statusCode).toBe(404);
    expect(response.json()).toMatchObject({ statusCode: 404, message: expect.stringContaining('WhatsApp is not enabled') });
  });
});
