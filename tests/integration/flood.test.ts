/**
 * Flood control through the real service: a chat sending far too much in a moment has the
 * rest refused with one polite notice, while another chat is served as usual; a backlog
 * (messages that waited elsewhere, as after a WhatsApp restart) is not a flood.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { startTestApp, TestChat, testEnvironment, waitFor } from '../helpers/test-app.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
});

describe('flood control', () => {
  it('answers the first messages of a flood, tells the flooder once, and serves another chat meanwhile', async () => {
    const env = testEnvironment({ FLOOD_MAX_MESSAGES: '5', FLOOD_WINDOW_SECONDS: '30' });
    cleanups.push(() => env.cleanup());
    const app = await startTestApp(env);
    cleanups.push(() => app.stop());
    const flooder = new TestChat(() => app, env.channel, 'flooder');
    const results = await Promise.all(Array.from({ length: 30 }, (_, i) => app.ingest(flooder.message({ text: `رسالة ${i}` }))));
    expect(results.filter(Boolean)).toHaveLength(5);

    const neighbour = new TestChat(() => app, env.channel, 'neighbour');
    await neighbour.say('السلام عليكم', 'القائمة الرئيسية');

    await waitFor(() => env.channel.transcript('flooder').some((t) => t.includes('وصلتنا رسائل كثيرة')), 'the notice to slow down');
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect(env.channel.transcript('flooder').filter((t) => t.includes('وصلتنا رسائل كثيرة'))).toHaveLength(1);
    const text = await app.metrics.render();
    expect(text).toMatch(/intake_inbound_messages_total\{channel="console",outcome="flooded"\} 25/);

    // A backlog delivered late (received a while ago) is taken whole.
    const late = new Date(Date.now() - 5 * 60_000).toISOString();
    const backlog = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        app.ingest(new TestChat(() => app, env.channel, 'backlog').message({ text: `متأخرة ${i}`, messageId: `b${i}`, seq: i + 1, receivedAt: late })),
      ),
    );
    expect(backlog.every(Boolean)).toBe(true);
  });
});
