import type { AttemptCounter } from './attempt-counter.js';

/** What to do with a message: take it, take none and tell the person once, or drop it quietly. */
export type FloodVerdict = 'take' | 'tell' | 'drop';

/**
 * Per-chat flood control: a chat sending more than `max` messages in `windowMs` has the
 * rest of that window's messages refused — the first one refused gets a polite notice, the
 * others nothing — while every other chat is served as usual. Counted in Redis, so it holds
 * across processes. Messages older than `backlogMs` when they arrive are a backlog (a
 * WhatsApp catch-up after a restart), not a flood, and always taken.
 */
export class FloodGuard {
  constructor(
    private readonly attempts: AttemptCounter,
    private readonly limit: { max: number; windowMs: number; backlogMs?: number },
  ) {}

  /** The window a chat's messages are counted over: one notice per window. */
  get windowMs(): number {
    return this.limit.windowMs;
  }

  async check(chatKey: string, receivedAt: Date, now: Date): Promise<FloodVerdict> {
    if (now.getTime() - receivedAt.getTime() > (this.limit.backlogMs ?? 60_000)) return 'take';
    const count = await this.attempts.hit(`flood:${chatKey}`, this.limit.windowMs);
    if (count <= this.limit.max) return 'take';
    return count === this.limit.max + 1 ? 'tell' : 'drop';
  }
}
