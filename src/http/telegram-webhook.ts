import { timingSafeEqual } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { Update } from 'telegraf/types';

/** The path Telegram posts updates to; TELEGRAM_WEBHOOK_URL must end with it. */
export const TELEGRAM_WEBHOOK_PATH = '/telegram/webhook';

/**
 * Receives Telegram's updates in webhook mode. The secret token header is checked
 * first (403 and nothing stored otherwise); the answer is 200 only once the update is
 * handled — for a beneficiary, stored in the inbox — so a failure answers 500 and
 * Telegram delivers the update again. Nothing rides on the answer (no webhook reply).
 */
export function registerTelegramWebhook(app: FastifyInstance, deps: { secret: string; handle: (update: Update) => Promise<void> }): void {
  const expected = Buffer.from(deps.secret);
  app.post(TELEGRAM_WEBHOOK_PATH, { bodyLimit: 1_000_000 }, async (request, reply) => {
    const given = Buffer.from(String(request.headers['x-telegram-bot-api-secret-token'] ?? ''));
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return reply.code(403).send({ ok: false });
    const update = request.body as Update | undefined;
    if (!update || typeof update !== 'object' || typeof update.update_id !== 'number') return reply.code(400).send({ ok: false });
    await deps.handle(update);
    return reply.code(200).send({ ok: true });
  });
}
