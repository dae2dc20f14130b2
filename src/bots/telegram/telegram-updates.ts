import type { Update } from 'telegraf/types';
import type { Logger } from 'pino';
import type { InboundMessage } from '../../core/channel.js';
import { normalizeUpdate } from './normalize-update.js';
import type { StaffDesk } from './staff-desk.js';
import type { TelegramGateway } from './telegram-gateway.js';
import { StaffLanes } from './staff-lanes.js';
import { errorFields } from '../../logger.js';
import { isUnavailable } from '../../services/unavailable.js';

/** What the update handler works with. */
export interface UpdateHandlerDeps {
  gateway: TelegramGateway;
  desk: StaffDesk;
  /** Stores beneficiaries' messages durably, with one write for all, and queues them (the service's ingest). */
  ingest: (messages: readonly InboundMessage[]) => Promise<unknown>;
  staffGroupId: number | null;
  logger: Logger;
  /** How often a staff update is tried again while the database is out of reach (tests shorten it). */
  staffRetryMs?: number;
}

/**
 * Routes one Telegram update: a beneficiary's message into the durable inbox (only
 * then may the update be acknowledged), a staff button or a staff member's awaited
 * answer to the staff desk, a group that is not the staff group left at once.
 * Throws only when the message could not be stored, so polling does not move past it
 * and a webhook answers 500 for Telegram to deliver it again.
 */
export class TelegramUpdateHandler {
  private readonly staffLanes: StaffLanes;

  constructor(private readonly deps: UpdateHandlerDeps) {
    this.staffLanes = new StaffLanes(deps.logger, deps.staffRetryMs);
  }

  async handle(update: Update): Promise<void> {
    return this.route(normalizeUpdate(update, { staffGroupId: this.deps.staffGroupId }));
  }

  /**
   * Routes a `getUpdates` batch in order, storing each run of beneficiaries' messages and button
   * presses with one write; `done` is told the id of every update once it is safe to move past
   * (stored, handed to a staff lane, or handled). A staff member's press or possible answer goes
   * to their lane (see StaffLanes) once the run before it is stored, so nothing is acknowledged
   * ahead of a message not yet stored and no person's message waits behind staff work. A run's
   * presses are answered (the button's spinner stopped) once it is stored.
   */
  async handleBatch(updates: readonly Update[], done: (updateId: number) => void): Promise<void> {
    let run: { message: InboundMessage; updateId: number; callbackQueryId?: string }[] = [];
    const store = async () => {
      if (run.length === 0) return;
      await this.deps.ingest(run.map((entry) => entry.message));
      done(run[run.length - 1]!.updateId);
      for (const { callbackQueryId } of run) if (callbackQueryId) void this.answerPress(callbackQueryId);
      run = [];
    };
    for (const update of updates) {
      const normalized = normalizeUpdate(update, { staffGroupId: this.deps.staffGroupId });
      const staffMember = await this.staffMemberOf(normalized);
      const person = staffMember === null ? personsUpdate(normalized) : null;
      if (person) {
        run.push({ ...person, updateId: update.update_id });
        continue;
      }
      await store();
      if (staffMember !== null) this.staffLanes.add(staffMember, () => this.route(normalized));
      else await this.route(normalized);
      done(update.update_id);
    }
    await store();
  }

  /** Resolves once the staff updates handed to lanes so far are handled. */
  async staffSettled(): Promise<void> {
    await this.staffLanes.settled();
  }

  /** Who sent a staff update (a press on a staff button, a text from someone who may be staff); null for anything else. */
  private async staffMemberOf(normalized: ReturnType<typeof normalizeUpdate>): Promise<number | null> {
    switch (normalized.kind) {
      case 'staff_callback':
        return normalized.fromUserId;
      case 'callback_in_private':
        return normalized.looksLikeStaffAction ? normalized.fromUserId : null;
      case 'beneficiary':
        return (await this.mayBeStaffText(normalized.message)) ? Number(normalized.message.userId) : null;
      default:
        return null;
    }
  }

  /** Whether a private message could be a staff member's answer rather than a person's message. */
  private async mayBeStaffText(message: InboundMessage): Promise<boolean> {
    return plainText(message) !== null && this.deps.desk.mayBeStaff(Number(message.userId));
  }

  private async route(normalized: ReturnType<typeof normalizeUpdate>): Promise<void> {
    switch (normalized.kind) {
      case 'beneficiary': {
        const { message } = normalized;
        const text = plainText(message);
        if (text !== null && (await this.staffAnswer(Number(message.userId), text, message.messageId, message.replyTo))) return;
        await this.deps.ingest([message]);
        return;
      }
      case 'callback_in_private':
        if (normalized.looksLikeStaffAction) return this.staffPress(normalized);
        await this.deps.ingest([normalized.message]);
        await this.answerPress(normalized.callbackQueryId);
        return;
      case 'staff_callback':
        return this.staffPress(normalized);
      case 'staff_message':
        return;
      case 'ignored':
        if (normalized.callbackQueryId) await this.answerPress(normalized.callbackQueryId);
        if (normalized.addedToStranger && normalized.chatId !== undefined && normalized.migratedToChatId === undefined) {
          // A group id is not personal data; logging it lets an administrator find the staff group's id.
          this.deps.logger.warn({ chatId: normalized.chatId }, 'added to a group that is not the staff group: leaving');
          await this.deps.gateway.call((t) => t.leaveChat(normalized.chatId!)).catch(() => undefined);
        }
        if (normalized.migratedToChatId !== undefined) {
          this.deps.logger.error({ newChatId: normalized.migratedToChatId }, 'the staff group became a supergroup: set TELEGRAM_STAFF_GROUP_ID to the new id');
        }
        return;
    }
  }

  /** Stops a pressed button's spinner; a failure only leaves the spinner turning a little longer. */
  private async answerPress(callbackQueryId: string): Promise<void> {
    await this.deps.gateway.call((t) => t.answerCbQuery(callbackQueryId)).catch(() => undefined);
  }

  private async staffAnswer(fromUserId: number, text: string, messageId: string, replyTo: string | undefined): Promise<boolean> {
    try {
      return await this.deps.desk.onPrivateText({ fromUserId, text, messageId, ...(replyTo ? { replyTo: Number(replyTo) } : {}) });
    } catch (error) {
      // With the database away, nobody knows yet whether this was a staff answer or a person's
      // message: taking it as handled would drop a beneficiary's message for good. Hand the
      // update back instead (polling tries it again, a webhook answers 500).
      if (isUnavailable(error)) throw error;
      this.deps.logger.warn({ ...errorFields(error) }, 'staff answer failed');
      return true;
    }
  }

  private async staffPress(press: { callbackQueryId: string; fromUserId: number; data: string; chatId: number; messageId: number | null }): Promise<void> {
    await this.deps.desk.onPress({
      callbackQueryId: press.callbackQueryId,
      fromUserId: press.fromUserId,
      data: press.data,
      chatId: press.chatId,
      messageId: press.messageId,
    });
  }
}

/**
 * A person's message or option button, stored with the run; null for anything else. Asked only
 * of updates that are not staff work (see `staffMemberOf`), so a private press here is a person's.
 */
function personsUpdate(normalized: ReturnType<typeof normalizeUpdate>): { message: InboundMessage; callbackQueryId?: string } | null {
  if (normalized.kind === 'beneficiary') return { message: normalized.message };
  if (normalized.kind === 'callback_in_private') return { message: normalized.message, callbackQueryId: normalized.callbackQueryId };
  return null;
}

/** A private message's text when it is text alone (what a staff member's answer can be); null otherwise. */
function plainText(message: InboundMessage): string | null {
  return message.text !== undefined && !message.media ? message.text : null;
}

/** How long a stop waits for staff updates still in their lanes. */
const STAFF_SETTLE_MS = 10_000;

/** How polling runs. */
export interface PollingOptions {
  gateway: TelegramGateway;
  handler: TelegramUpdateHandler;
  logger: Logger;
  /** Seconds Telegram holds a getUpdates call open waiting for updates. */
  timeoutSeconds?: number;
}

/**
 * Long polling of our own rather than telegraf's: telegraf moves the offset past a
 * batch before handling it and handles the batch concurrently. Here each update is
 * handled in order and the offset moves past it only once it is stored, so a crash
 * loses nothing (Telegram delivers it again, and the inbox recognises it).
 */
export function startPolling(options: PollingOptions): { stop: () => Promise<void> } {
  const { gateway, handler, logger } = options;
  const controller = new AbortController();
  let offset = 0;
  const loop = async () => {
    await gateway.call((t) => t.deleteWebhook()).catch((error: unknown) => logger.warn({ ...errorFields(error) }, 'deleteWebhook failed'));
    let failures = 0;
    while (!controller.signal.aborted) {
      try {
        const updates = await gateway.call((t) =>
          t.callApi(
            'getUpdates',
            { offset, timeout: options.timeoutSeconds ?? 25, allowed_updates: ['message', 'edited_message', 'callback_query', 'my_chat_member'] },
            { signal: controller.signal as never },
          ),
        );
        await handler.handleBatch(updates, (updateId) => {
          offset = updateId + 1;
        });
        failures = 0;
      } catch (error) {
        if (controller.signal.aborted) break;
        failures += 1;
        const delay = Math.min(30_000, 500 * 2 ** Math.min(failures, 6));
        logger.warn({ failures, delayMs: delay, ...errorFields(error) }, 'telegram polling failed; retrying');
        await new Promise((resolve) => setTimeout(resolve, delay));
      }
    }
  };
  const running = loop();
  return {
    stop: async () => {
      controller.abort();
      await running;
      // Staff work already taken from Telegram finishes if it can (it is not delivered again).
      await Promise.race([handler.staffSettled(), new Promise((resolve) => setTimeout(resolve, STAFF_SETTLE_MS).unref())]);
    },
  };
}
