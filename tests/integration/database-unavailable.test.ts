/**
 * A message whose handling fails because the database cannot be reached is retried, and
 * never set aside for it: found by fault case 3 (FerretDB stopped under load), where attempts
 * failing at the outage's edge counted towards INBOUND_MAX_ATTEMPTS (3 in tests), so a longer
 * or flapping outage would have told people their message failed and dropped it.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { RunningApp } from '../../src/app.js';
import type { FaultInjector } from '../../src/services/submission.js';
import { chatKeyOf } from '../../src/services/identifiers.js';
import { startTestApp, testEnvironment, TestChat, type TestEnvironment } from '../helpers/test-app.js';

/** Throws the MongoDB driver's "no server" error at the commit, `times` times. */
class UnreachableAtCommit implements FaultInjector {
  hits = 0;
  constructor(private times: number) {}
  at(point: string): void {
    if (point !== 'before-commit' || this.times <= 0) return;
    this.times -= 1;
    this.hits += 1;
    const error = new Error('connect ECONNREFUSED 127.0.0.1:27017');
    error.name = 'MongoServerSelectionError';
    throw error;
  }
}

let env: TestEnvironment | null = null;
let app: RunningApp | null = null;

afterEach(async () => {
  await app?.stop();
  await env?.cleanup();
  app = null;
  env = null;
});

describe('the database out of reach while a message is handled', () => {
  it('retries the message without counting the failures towards setting it aside', { timeout: 30_000 }, async () => {
    env = testEnvironment({ INBOUND_MAX_ATTEMPTS: '2' });
    const faults = new UnreachableAtCommit(3);
    app = await startTestApp(env, { faults });
    const chat = new TestChat(() => app!, env.channel, 'outage');
    const reply = await chat.say('/start', 'القائمة الرئيسية');
    expect(reply).not.toContain('تعذّر');
    expect(faults.hits).toBe(3);
    const chatKey = chatKeyOf(app.keys, 'console', 'outage');
    expect(await app.repositories.inbox.countSetAside()).toBe(0);
    expect((await app.repositories.conversations.load(chatKey))?.handled).toHaveLength(1);
  });
});
