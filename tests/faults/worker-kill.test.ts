/**
 * Fault case 1: the worker process SIGKILLed again and again while people talk to the bot.
 *
 * The service runs as production runs it: a bot process polling the fake Bot API and a
 * worker process, both `src/main.ts` children. While a crowd of short conversations and
 * support requests goes on (people type ahead when an answer is slow), the worker is killed
 * 1.2 to 2.7 seconds after each start, and started again, until 14 kills or until the work
 * runs out; the last 15 seconds are left for the chats the last kill locked. At each kill,
 * with nothing sending (one worker, dead), the suite counts the sends Telegram accepted that
 * the dead worker had not marked: the only sends the design allows to happen twice.
 */
import { afterAll, describe, it } from 'vitest';
import { reported } from './harness/report.js';
import { Rig } from './harness/rig.js';
import { alongside, crowd, scaled, dumpDuplicates, finish, InterruptedSends, learnScript, settle } from './harness/scenario.js';
import { quiet } from './harness/ledger.js';
import { JobCounter } from './harness/jobs.js';
import { byPolling, converse, sleep } from './harness/traffic.js';
import type { ServiceProcess } from './harness/service.js';

const CHATTERS = scaled(60);
const REQUESTS = scaled(14);
/** Kills aimed for; fewer when the work runs out first (a kill with nothing left to do proves nothing). */
const KILLS = Number(process.env.FAULTS_KILLS ?? 14);

describe('fault case 1: worker SIGKILLed many times', () => {
  let rig: Rig | undefined;
  afterAll(async () => rig?.dispose());

  it('loses no message, creates no case twice, delivers every reply, repeats only interrupted sends', { timeout: 150_000 }, () =>
    reported('1-worker-sigkill', 'worker process SIGKILLed repeatedly under load', async () => {
      const startedAt = Date.now();
      rig = await Rig.start();
      const deliver = byPolling(rig.fake);
      let [, worker] = (await rig.services('bot', 'worker')) as [ServiceProcess, ServiceProcess];
      const jobs = new JobCounter(rig.redis.url, 'faults').start();
      const script = await learnScript(rig, deliver);
      const people = crowd(CHATTERS, REQUESTS);
      const everyone = [...script.controls, ...people];
      const db = await rig.database();
      const interrupted = new InterruptedSends(rig, () => everyone, script.expected);

      const events: { at: number; what: string }[] = [];
      let typing = true;
      let kills = 0;
      let killsMidSend = 0;
      let restartMs = 0;
      // A seeded sequence of waits: the same kill schedule every run.
      let seed = 7;
      const nextWait = () => {
        seed = (seed * 48_271) % 2_147_483_647;
        return 1_200 + (seed % 1_500);
      };
      // Kills go on while people type and for a while after, as the service works through what they typed;
      // the last few seconds are left for the chats the last kill locked (10 s) to finish.
      let typedAt = 0;
      const workLeft = async () => typing || (Date.now() - typedAt < 15_000 && !(await quiet(db).catch(() => false)));
      const killer = (async () => {
        while (kills < KILLS && (await workLeft())) {
          await sleep(nextWait());
          if (!(await workLeft())) break;
          events.push({ at: Date.now(), what: `kill ${worker.pid}` });
          await worker.kill();
          events.push({ at: Date.now(), what: `dead ${worker.pid}` });
          kills += 1;
          // Let requests already on the wire reach the fake, then look at a still world.
          await sleep(250);
          if ((await interrupted.look(db)) > 0) killsMidSend += 1;
          const before = Date.now();
          worker = await rig!.service('worker');
          events.push({ at: Date.now(), what: `started ${worker.pid}` });
          restartMs += Date.now() - before;
        }
      })();

      const talkStarted = Date.now();
      const conversations = converse(people, script.expected, rig.fake, deliver, script.photo, { patienceMs: 1_000, deadlineMs: 45_000 });
      await alongside(
        killer,
        conversations.finally(() => {
          typing = false;
          typedAt = Date.now();
        }),
      );
      const settleStarted = Date.now();
      await settle(rig, everyone, script.expected, 60_000);
      const timing = `set-up and control chats ${talkStarted - startedAt} ms, typing and killing ${settleStarted - talkStarted} ms, settling ${Date.now() - settleStarted} ms`;

      dumpDuplicates(rig, everyone, script.expected, interrupted, events);
      await finish(
        rig,
        everyone,
        script.expected,
        {
          case: '1-worker-sigkill',
          title: 'worker process SIGKILLed repeatedly under load',
          startedAt,
          faults: { 'SIGKILL of the worker': kills, 'of them mid-send': killsMidSend },
          duplicateBound: interrupted.count,
          boundName: 'sends interrupted by a kill',
          notes: [
            `${everyone.length} chats (${everyone.filter((p) => p.kind === 'chatter').length} short conversations, ${everyone.filter((p) => p.kind === 'request').length} support requests), one bot and one worker process (8 jobs at once)`,
            `${killsMidSend} of ${kills} kills landed between a send and its mark, cutting ${interrupted.count} sends (a kill cuts each chat the worker was sending to); mean worker restart ${Math.round(restartMs / Math.max(1, kills))} ms`,
            timing,
            ...interrupted.anomalies,
          ],
          extraViolations: interrupted.anomalies.length > 0 ? [`${interrupted.anomalies.length} chat(s) with marks out of step with deliveries`] : [],
        },
        await jobs.stop(),
      );
    }),
  );
});
