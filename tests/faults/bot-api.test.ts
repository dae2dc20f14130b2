/**
 * Fault case 5: the Bot API misbehaving — 429 with retry_after, 500 and 502, answering
 * slowly, dropping the connection before doing the work and after doing it — on sends, on
 * getUpdates and on getFile, while people talk to the bot. (The service's own pacing under
 * Telegram's limits is left off to keep the suite within its budget; `npm run bench` and the
 * e2e tests cover it.)
 *
 * The one send allowed to go twice is one Telegram carried out whose answer was lost
 * (a drop after the work): the service cannot know it went, so it sends it again.
 */
import { afterAll, describe, it } from 'vitest';
import type { FaultSpec } from '../helpers/fake-telegram.js';
import { reported } from './harness/report.js';
import { Rig } from './harness/rig.js';
import { alongside, crowd, scaled, finish, learnScript, settle } from './harness/scenario.js';
import { byPolling, converse, sleep } from './harness/traffic.js';
import { JobCounter } from './harness/jobs.js';

/** What is injected into sendMessage calls, in turn. */
const SEND_FAULTS: FaultSpec[] = [
  { kind: '429', retryAfter: 1 },
  { kind: '500' },
  { kind: 'slow', delayMs: 1_500 },
  { kind: 'drop', processed: false },
  { kind: '502' },
  { kind: '429', retryAfter: 2 },
  { kind: 'drop', processed: true },
  { kind: 'slow', delayMs: 3_000 },
];
const POLL_FAULTS: FaultSpec[] = [{ kind: '502' }, { kind: 'drop' }, { kind: 'slow', delayMs: 2_000 }, { kind: '500' }];
const FILE_FAULTS: FaultSpec[] = [{ kind: '502' }, { kind: '429', retryAfter: 1 }, { kind: 'drop' }];

describe('fault case 5: the Bot API answering 429, 5xx, slowly, or dropping connections', () => {
  let rig: Rig | undefined;
  afterAll(async () => rig?.dispose());

  it('waits, retries and paces: every reply delivered, repeated only when an answer was lost after the send', { timeout: 110_000 }, () =>
    reported('5-bot-api-faults', 'Bot API answering 429 (retry_after), 5xx, slowly, or dropping connections', async () => {
      const startedAt = Date.now();
      rig = await Rig.start();
      const fake = rig.fake;
      const deliver = byPolling(fake);
      await rig.services('bot', 'worker');
      const jobs = new JobCounter(rig.redis.url, 'faults').start();
      const script = await learnScript(rig, deliver);
      const people = crowd(scaled(12), scaled(6), 9000);
      const everyone = [...script.controls, ...people];

      let talking = true;
      const injected = { send: 0, getUpdates: 0, getFile: 0 };
      const injector = (async () => {
        for (let n = 0; talking; n++) {
          fake.failNext('sendMessage', SEND_FAULTS[n % SEND_FAULTS.length]!);
          injected.send += 1;
          if (n % 8 === 3) {
            fake.failNext('getUpdates', POLL_FAULTS[((n / 8) % POLL_FAULTS.length) | 0]!);
            injected.getUpdates += 1;
          }
          if (n % 10 === 5) {
            fake.failNext('getFile', FILE_FAULTS[((n / 10) % FILE_FAULTS.length) | 0]!);
            injected.getFile += 1;
          }
          await sleep(400);
        }
      })();
      await alongside(
        injector,
        converse(people, script.expected, fake, deliver, script.photo, { patienceMs: 1_000, deadlineMs: 60_000 }).finally(() => (talking = false)),
      );
      fake.clearFaults();
      await settle(rig, everyone, script.expected, 30_000);

      const sends = fake.calls.filter((c) => c.method === 'sendMessage');
      const lostAnswers = sends.filter((c) => c.status === 0 && c.result !== undefined).length;
      const byKind = (status: number) => sends.filter((c) => c.status === status).length;
      await finish(
        rig,
        everyone,
        script.expected,
        {
          case: '5-bot-api-faults',
          title: 'Bot API answering 429 (retry_after), 5xx, slowly, or dropping connections',
          startedAt,
          faults: {
            'faults on sendMessage': injected.send,
            'on getUpdates': injected.getUpdates,
            'on getFile': injected.getFile,
          },
          duplicateBound: lostAnswers,
          boundName: 'sends carried out whose answer was dropped',
          notes: [
            `sendMessage answered 429: ${byKind(429)}, 500: ${byKind(500)}, 502: ${byKind(502)}, dropped: ${sends.filter((c) => c.status === 0).length} (${lostAnswers} after the work)`,
          ],
        },
        await jobs.stop(),
      );
    }),
  );
});
