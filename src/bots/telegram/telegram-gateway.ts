import { Telegram, TelegramError } from 'telegraf';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { ChannelSendError } from '../../core/channel.js';
import type { Limit, RateLimiter } from '../../services/rate-limiter.js';
import { errorFields } from '../../logger.js';
import { splitText, type CallbackKeyboard } from './render-message.js';

/** Telegram's sending limits. */
const GLOBAL_PER_SECOND = 30;
const GROUP_PER_MINUTE = 20;
/**
 * The overall window: 30 sends in any 1,010 ms. Each send stands in it from its slot until
 * Telegram has answered (`RateLimiter.settle`), so however late a send leaves or is taken in on
 * a busy machine, 31 can never arrive within one of Telegram's seconds; the 10 ms are for the
 * clocks' granularity. (Counted at the slot alone, a margin of 35 ms still let one 429 through
 * in about half the benchmark's runs on a slow machine.)
 */
const GLOBAL_WINDOW_MS = 1_010;
/** Senders' turns come at the window's rate, evenly: every 33.7 ms. */
const LINE_SPACING_MS = GLOBAL_WINDOW_MS / GLOBAL_PER_SECOND;
/** Never two sends closer than this, even when a sender woken late goes right after another. */
const GLOBAL_MIN_GAP_MS = 25;
const PER_CHAT_WINDOW_MS = 1_050;
const GROUP_WINDOW_MS = 61_000;
/** A chat told to wait (429) is waited for in place up to this long; beyond it the send fails with the time left. */
const MAX_INLINE_WAIT_MS = 5_000;

/**
 * The bot's calls to Telegram, through telegraf's API client, within Telegram's
 * limits (shared by every process through Redis) and with Telegram's errors turned
 * into ours: 429 waits `retry_after`, 403 (blocked, never started) is permanent.
 *
 * A 429 holds back every later send to that chat until `retry_after` has passed, in
 * every process (the wait is kept in Redis): without it, another job for the same chat
 * (the next reply, a sweep) would send at once, before Telegram allows it.
 */
export class TelegramGateway {
  readonly telegram: Telegram;

  constructor(
    token: string,
    apiRoot: string,
    private readonly limiter: RateLimiter | null,
    private readonly logger: Logger,
    private readonly waits: {
      redis: Redis;
      prefix: string;
      /** A keyed hash of a chat id: Redis keys never hold a Telegram chat id (a person's account). */
      chatTag: (chatId: number | string) => string;
    },
  ) {
    // webhookReply off: every call is a real request whose errors we see.
    this.telegram = new Telegram(token, { apiRoot, webhookReply: false });
  }

  /** Sends something to a chat once its turn under the limits comes; the most restrictive limit is taken first. */
  async sending<T>(chatId: number | string, call: (telegram: Telegram) => Promise<T>): Promise<T> {
    await this.waitOutRetryAfter(chatId);
    const receipt = await this.limiter?.take(limitsFor(Number(chatId), this.waits.chatTag(chatId)), {
      line: { key: 'tg:global:line', spacingMs: LINE_SPACING_MS },
    });
    try {
      return await this.call(call);
    } catch (error) {
      if (error instanceof ChannelSendError && error.retryAfterMs !== undefined) await this.holdBack(chatId, error.retryAfterMs);
      throw error;
    } finally {
      // A failed call may have arrived too: it is settled all the same.
      if (receipt)
        await this.limiter
          ?.settle(receipt)
          .catch((error: unknown) => this.logger.warn({ ...errorFields(error) }, 'could not settle a send under the rate limits'));
    }
  }

  /** Sends a text (with buttons) to a person or group; false when Telegram refuses for good (a member who never started the bot). */
  async tell(chatId: number | string, text: string, keyboard?: CallbackKeyboard): Promise<boolean> {
    // A case with long notes, a pasted message in a referral, a report with comments: split at Telegram's limit, buttons on the last part.
    const parts = splitText(text);
    try {
      for (const [i, part] of parts.entries()) {
        await this.sending(chatId, (t) => t.sendMessage(chatId, part, keyboard && i === parts.length - 1 ? { reply_markup: keyboard } : {}));
      }
      return true;
    } catch (error) {
      if (error instanceof ChannelSendError && error.permanent) return false;
      throw error;
    }
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
    return this.limiter.free({ key: `tg:chat:${this.waits.chatTag(chatId)}:min`, limit: GROUP_PER_MINUTE, windowMs: GROUP_WINDOW_MS });
  }

  /** Waits while Telegram's `retry_after` for the chat runs; a long wait is the caller's (a delayed job), not held here. */
  private async waitOutRetryAfter(chatId: number | string): Promise<void> {
    const key = this.waitKey(chatId);
    for (;;) {
      const left = await this.waits.redis.pttl(key);
      if (left <= 0) return;
      if (left > MAX_INLINE_WAIT_MS) throw new ChannelSendError('telegram 429 (still waiting)', left);
      await new Promise((resolve) => setTimeout(resolve, left));
    }
  }

  /** Records that the chat must not be sent to for `ms` (never shortening a longer wait already recorded). */
  private async holdBack(chatId: number | string, ms: number): Promise<void> {
    const key = this.waitKey(chatId);
    try {
      if ((await this.waits.redis.pttl(key)) < ms) await this.waits.redis.set(key, '1', 'PX', ms);
    } catch (error) {
      this.logger.warn({ ...errorFields(error) }, 'could not record a telegram retry_after');
    }
  }

  private waitKey(chatId: number | string): string {
    return `${this.waits.prefix}:tg:retry-after:${this.waits.chatTag(chatId)}`;
  }
}

/**
 * The limits a send to `chatId` takes. Telegram counts on arrival, some milliseconds after the
 * slot is taken (more on a loaded machine): counted at the slot alone, a window of exactly
 * Telegram's size let two messages arrive 942 ms apart, or 31 in one second. So the windows
 * Telegram counts are settled when it answers, and the chat's keeps a margin of 50 ms besides.
 */
function limitsFor(chatId: number, tag: string): Limit[] {
  // About one message a second holds for every chat, groups included; a group also has its 20 a minute.
  const perSecond: Limit = { key: `tg:chat:${tag}:sec`, limit: 1, windowMs: PER_CHAT_WINDOW_MS, countedOnArrival: true };
  const perChat: Limit[] =
    chatId < 0 ? [{ key: `tg:chat:${tag}:min`, limit: GROUP_PER_MINUTE, windowMs: GROUP_WINDOW_MS, countedOnArrival: true }, perSecond] : [perSecond];
  return [
    ...perChat,
    { key: 'tg:global', limit: GLOBAL_PER_SECOND, windowMs: GLOBAL_WINDOW_MS, shared: true, countedOnArrival: true },
    // Spread (with the line's even turns): a window alone lets a whole second's messages leave at
    // once. Not settled: it spaces the sends' departures, and held until each answer it would
    // let only one send be on its way at a time.
    { key: 'tg:global:gap', limit: 1, windowMs: GLOBAL_MIN_GAP_MS, shared: true },
  ];
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
