/**
 * Work run one piece after another per key, different keys side by side, without the caller
 * waiting: `add` returns at once. Each piece handles its own failures (a rejection would stop
 * nothing but would be unhandled), so the next piece of its key always runs.
 */
export class SerialByKey<K> {
  private readonly tails = new Map<K, Promise<void>>();

  /** Queues `work` behind the key's earlier work. */
  add(key: K, work: () => Promise<void>): void {
    const next = (this.tails.get(key) ?? Promise.resolve()).then(work);
    this.tails.set(key, next);
    void next.finally(() => {
      if (this.tails.get(key) === next) this.tails.delete(key);
    });
  }

  /** Resolves once every piece queued so far, and any queued meanwhile, is done. */
  async settled(): Promise<void> {
    while (this.tails.size > 0) await Promise.all(this.tails.values());
  }
}
