import type { Logger } from 'pino';
import { errorFields } from '../../logger.js';
import { SerialByKey } from '../../services/serial-by-key.js';
import { failureKind } from '../../services/retry-policy.js';

/**
 * Staff members' updates (a press on a case, an answer to the bot's question) handled beside
 * the Telegram update loop rather than in it. Staff work sends to Telegram under its limits: a
 * case opened privately is several messages at one a second to that chat, an alert edit waits
 * for the group's 20 a minute. In the loop, every person's message waited behind it for as long.
 *
 * One lane per staff member keeps each member's updates in order. A database out of reach is
 * waited out (the update is retried every `retryMs`, for up to `giveUpMs`); any other failure
 * is logged and the lane goes on. The loop has moved past these updates, so one still in a
 * lane when the process dies is not delivered again: the member sees no answer and presses again.
 */
export class StaffLanes {
  private readonly lanes = new SerialByKey<number>();

  constructor(
    private readonly logger: Logger,
    private readonly retryMs = 1_000,
    private readonly giveUpMs = 10 * 60_000,
  ) {}

  /** Queues `work` behind the member's earlier updates and returns at once. */
  add(memberId: number, work: () => Promise<void>): void {
    this.lanes.add(memberId, () => this.untilDone(work));
  }

  /** Resolves once every update queued so far is handled (a graceful stop waits for it). */
  async settled(): Promise<void> {
    await this.lanes.settled();
  }

  private async untilDone(work: () => Promise<void>): Promise<void> {
    const deadline = Date.now() + this.giveUpMs;
    for (;;) {
      try {
        return await work();
      } catch (error) {
        if (failureKind(error) !== 'unavailable' || Date.now() >= deadline) {
          this.logger.error({ ...errorFields(error) }, 'staff update not handled');
          return;
        }
        await new Promise((resolve) => setTimeout(resolve, this.retryMs));
      }
    }
  }
}
