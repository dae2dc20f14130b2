import { Telegram, TelegramError } from 'telegraf';
import type { Logger } from 'pino';
import { ChannelSendError } from '../inbound-message.js';
import type { Limit, RateLimiter } from '../../services/rate-limiter.js';

/** Telegram's sending limits. */
const GLOBAL_PER_SECOND = 30;
const GROUP_PER_MINUTE = 20;

/**
 * The bot's calls to Telegram, through telegraf's API client, within Telegram's
 * limits (shared by every process through Redis) and with Telegram's errors turned
 * into ours: 429 waits `retry_after`, 403 (blocked, never started) is permanent.
 */
export class TelegramGateway {
  readonly telegram: Telegram;

  constructor(
    token: string,
    apiRoot: string,
    private readonly limiter: RateLimiter | null,
    private readonly logger: Logger,
  ) {
    // webhookReply off: every call is a real request whose errors we see.
    this.telegram = new Telegram(token, { apiRoot, webhookReply: false });
  }

  /** Sends something to a chat once its turn under the limits comes; the most restrictive limit is taken first. */
  async sending<T>(chatId: number | string, call: (telegram: Telegram) => Promise<T>): Promise<T> {
    await this.limiter?.take(limitsFor(Number(chatId)));
    return this.call(call);
  }

  /** A call that sends nothing to a chat (getFile, answerCallbackQuery): not rate limited, errors mapped. */
  async call<T>(call: (telegram: Telegram) => Promise<T>): Promise<T> {
    try {
      return await call(this.telegram);
    } catch (error) {
      throw toSendError(error, this.logger);
    }
  }

  /** How many messages the group can still take this minute (alerts become a digest when few are left). */
  async groupSlotsLeft(chatId: number): Promise<number> {
    if (!this.limiter) return GROUP_PER_MINUTE;
    return this.limiter.free({ key: `tg:chat:${chatId}:min`, limit: GROUP_PER_MINUTE, windowMs: 60_000 });
  }
}

function limitsFor(chatId: number): Limit[] {
  const perChat: Limit[] =
    chatId < 0
      ? [{ key: `tg:chat:${chatId}:min`, limit: GROUP_PER_MINUTE, windowMs: 60_000 }]
      : [{ key: `tg:chat:${chatId}:sec`, limit: 1, windowMs: 1_000 }];
  return [...perChat, { key: 'tg:global', limit: GLOBAL_PER_SECOND, windowMs: 1_000 }];
}

function toSendError(error: unknown, logger: Logger): Error {
  if (error instanceof TelegramError) {
    const retryAfter = error.response.parameters?.retry_after;
    if (error.code === 429) return new ChannelSendError(`telegram 429`, (retryAfter ?? 1) * 1000);
    if (error.code === 403 || (error.code === 400 && /chat not found|user is deactivated/i.test(error.description))) {
      return new ChannelSendError(`telegram ${error.code}`, undefined, true);
    }
    logger.debug({ code: error.code }, 'telegram error');
    return new ChannelSendError(`telegram ${error.code}`);
  }
  return error instanceof Error ? error : new Error(String(error));
}
