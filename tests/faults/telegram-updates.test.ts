/**
 * Fault case 4: Telegram delivering every update twice, some out of order, some a minute
 * late — as its webhook does when an answer is slow or lost. The fake Bot API posts the
 * updates to the service's webhook over HTTP (a bot+http process; a worker process beside it):
 *
 * - every update is delivered twice: both copies at once (racing), the copy right after the
 *   first, the copy a second or two later (after the chat's next messages: out of order), or
 *   the copy only after everything else (late);
 * - every fourth chat's updates are dated 65 seconds back (they arrive a minute late);
 * - every fifth short conversation sends its messages in swapped pairs (out of order at the
 *   source; such a chat's replies are then counted, not compared with the script).
 *
 * Pass: each update handled once, each reply sent once, each request one case.
 */
import { afterAll, describe, expect, it } from 'vitest';
import type { Update } from 'telegraf/types';
import { reported } from './harness/report.js';
import { Rig } from './harness/rig.js';
import { freePort } from './harness/servers.js';
import { crowd, scaled, finish, learnScript, settle } from './harness/scenario.js';
import { converse, sleep, type Deliver, type Person } from './harness/traffic.js';
import { JobCounter } from './harness/jobs.js';

const SECRET = 'faults-webhook-secret-0123456789';

describe('fault case 4: every update twice, some out of order, some late', () => {
  let rig: Rig | undefined;
  afterAll(async () => rig?.dispose());

  it('handles each update once and answers it once', { timeout: 100_000 }, () =>
    reported('4-updates-twice-reordered-late', 'every Telegram update delivered twice; some out of order, some a minute late (webhook)', async () => {
      const startedAt = Date.now();
      rig = await Rig.start();
      const fake = rig.fake;
      const port = await freePort();
      const url = `http://127.0.0.1:${port}/telegram/webhook`;
      await Promise.all([
        rig.service('bot,http', { HTTP_PORT: String(port), TELEGRAM_WEBHOOK_URL: url, TELEGRAM_WEBHOOK_SECRET: SECRET }),
        rig.service('worker'),
      ]);
      const jobs = new JobCounter(rig.redis.url, 'faults').start();

      // Telegram posts an update until the webhook answers 200 (it would retry for hours; here a few seconds).
      const refused: number[] = [];
      const post = async (update: Update): Promise<void> => {
        for (let attempt = 0; attempt < 50; attempt++) {
          const status = await fake.deliverToWebhook(url, update, SECRET).catch(() => 0);
          if (status === 200) return;
          refused.push(status);
          await sleep(200);
        }
        throw new Error(`the webhook never took update ${update.update_id}`);
      };
      let nextId = 700_000_000;
      const deliver: Deliver = async (built) => {
        const update = { ...built, update_id: nextId++ } as Update;
        await post(update);
        return update;
      };
      const script = await learnScript(rig, deliver);
      const people = crowd(scaled(12), scaled(6), 8000);
      const swapped = new Set(people.filter((p, i) => p.kind === 'chatter' && i % 5 === 0).map((p) => p.chatId));
      const dated = new Set(people.filter((_, i) => i % 4 === 1).map((p) => p.chatId));

      const pending: Promise<void>[] = [];
      const late: Update[] = [];
      const held = new Map<number, Update>();
      const counts = { racing: 0, right_after: 0, delayed: 0, late: 0, swapped: 0, dated: 0 };
      const deliverTwice = async (person: Person, i: number, update: Update): Promise<void> => {
        switch ((person.chatId + i) % 4) {
          case 0:
            counts.racing += 1;
            await Promise.all([post(update), post(update)]);
            return;
          case 1:
            counts.right_after += 1;
            await post(update);
            await post(update);
            return;
          case 2:
            counts.delayed += 1;
            await post(update);
            pending.push(sleep(1_000 + ((person.chatId * 7 + i * 13) % 1_500)).then(() => post(update)));
            return;
          default:
            counts.late += 1;
            await post(update);
            late.push(update);
        }
      };
      const deliverStep = async (person: Person, i: number, built: Parameters<Deliver>[0]): Promise<Update> => {
        const update = { ...built, update_id: nextId++ } as Update;
        if (dated.has(person.chatId)) counts.dated += 1;
        if (swapped.has(person.chatId)) {
          // Even steps wait for the next one, which goes first.
          if (i % 2 === 0 && i + 1 < person.steps.length) {
            held.set(person.chatId, update);
            return update;
          }
          await deliverTwice(person, i, update);
          const first = held.get(person.chatId);
          held.delete(person.chatId);
          if (first) {
            counts.swapped += 1;
            await deliverTwice(person, i - 1, first);
          }
          return update;
        }
        await deliverTwice(person, i, update);
        return update;
      };
      const expected = (person: Person) => (swapped.has(person.chatId) ? null : script.expected(person));
      await converse(people, script.expected, fake, deliver, script.photo, {
        patienceMs: 1_000,
        deadlineMs: 60_000,
        deliverStep,
        lateSeconds: (person) => (dated.has(person.chatId) ? 65 : 0),
      });
      await Promise.all(pending);
      // The late copies, all at once, after the chats moved on.
      await Promise.all(late.map((update) => post(update)));
      const everyone = [...script.controls, ...people];
      await settle(rig, everyone, expected, 30_000);

      const t = await finish(
        rig,
        everyone,
        expected,
        {
          case: '4-updates-twice-reordered-late',
          title: 'every Telegram update delivered twice; some out of order, some a minute late (webhook)',
          startedAt,
          faults: {
            'updates delivered twice': counts.racing + counts.right_after + counts.delayed + counts.late,
            'swapped pairs': counts.swapped,
            'dated a minute back': counts.dated,
          },
          duplicateBound: 0,
          boundName: '(no process died)',
          notes: [
            `second copies: ${counts.racing} racing the first, ${counts.right_after} right after it, ${counts.delayed} a second or two later, ${counts.late} after everything else`,
            `${swapped.size} chats sent in swapped pairs (their replies counted, not compared); ${dated.size} chats' updates dated 65 s back`,
            `webhook answers other than 200 (retried): ${refused.length}`,
          ],
        },
        await jobs.stop(),
      );
      expect(t.duplicateSends).toBe(0);
    }),
  );
});
