/**
 * Fault case 3: the MongoDB-compatible server (FerretDB) stopped for a while and started again
 * on the same data, twice, while people talk to the bot: once stopped (SIGTERM, as an operator
 * restarts it) and once killed (SIGKILL, as a crash). Intake waits (polling does not move past
 * an update it could not store), jobs fail and retry with backoff, and when the database is
 * back every message is handled once and every reply goes out.
 *
 * A send Telegram accepted whose mark could not be written (the database was gone) is the
 * one reply that may go twice; they are counted with the worker paused (SIGSTOP) once the
 * database is back, before it can write a mark.
 */
import { afterAll, describe, it } from 'vitest';
import { reported } from './harness/report.js';
import { Rig } from './harness/rig.js';
import { alongside, crowd, scaled, finish, InterruptedSends, learnScript, settle } from './harness/scenario.js';
import { byPolling, converse, sleep } from './harness/traffic.js';
import { JobCounter } from './harness/jobs.js';
import type { ServiceProcess } from './harness/service.js';

const DOWN_MS = Number(process.env.FAULTS_DB_DOWN_MS ?? 6_000);

describe('fault case 3: FerretDB stopped and started again', () => {
  let rig: Rig | undefined;
  afterAll(async () => rig?.dispose());

  it('loses nothing while the database is away, and catches up when it is back', { timeout: 100_000 }, () =>
    reported('3-ferretdb-stop-kill', 'FerretDB stopped, and later killed, under load', async () => {
      const startedAt = Date.now();
      rig = await Rig.start();
      const deliver = byPolling(rig.fake);
      const [, worker] = (await rig.services('bot', 'worker')) as [ServiceProcess, ServiceProcess];
      const jobs = new JobCounter(rig.redis.url, 'faults').start();
      const script = await learnScript(rig, deliver);
      const people = crowd(scaled(12), scaled(6), 6000);
      const everyone = [...script.controls, ...people];
      const interrupted = new InterruptedSends(rig, () => everyone, script.expected);

      // Two outages while the crowd talks: a stop (SIGTERM: FerretDB closes its connections as it shuts
      // down) and a crash (SIGKILL), each kept down a while, then started again on the same data.
      const outages: { signal: NodeJS.Signals; stoppedAt: number; backAt: number }[] = [];
      const outage = async (signal: NodeJS.Signals) => {
        await rig!.ferret.stop(signal);
        const stoppedAt = Date.now();
        await sleep(DOWN_MS);
        // Freeze the worker so no mark is written, bring the database back, and count the sends left unmarked.
        worker.signal('SIGSTOP');
        try {
          await sleep(250);
          await rig!.ferret.start();
          await interrupted.look(await rig!.database());
        } finally {
          worker.signal('SIGCONT');
          outages.push({ signal, stoppedAt, backAt: Date.now() });
        }
      };
      const fault = (async () => {
        await sleep(2_000);
        await outage('SIGTERM');
        await sleep(3_000);
        await outage('SIGKILL');
      })();
      await alongside(fault, converse(people, script.expected, rig.fake, deliver, script.photo, { patienceMs: 3_000, thinkMs: 800, deadlineMs: 60_000 }));
      await settle(rig, everyone, script.expected, 30_000);

      // When Telegram took replies: before, during and after each outage.
      const sendsAt = (from: number, to: number) =>
        rig!.fake.calls.filter((c) => c.method === 'sendMessage' && c.result !== undefined && c.at >= from && c.at < to).length;
      const timeline = outages.map(({ signal, stoppedAt, backAt }) => {
        const first = rig!.fake.calls.find((c) => c.method === 'sendMessage' && c.result !== undefined && c.at >= backAt);
        return `${signal}: ${sendsAt(stoppedAt, backAt)} replies while down, the first after it ${first ? `${first.at - backAt} ms` : 'never'} after it was back`;
      });
      await finish(
        rig,
        everyone,
        script.expected,
        {
          case: '3-ferretdb-stop-kill',
          title: `FerretDB stopped, and later killed, under load; down ${DOWN_MS / 1000} s each time`,
          startedAt,
          faults: { [`FerretDB stop (SIGTERM), down ${DOWN_MS / 1000} s`]: 1, [`FerretDB kill (SIGKILL), down ${DOWN_MS / 1000} s`]: 1 },
          duplicateBound: interrupted.count,
          boundName: 'sends whose mark the outage prevented',
          notes: [
            `${everyone.length} chats; ${interrupted.count} send(s) accepted but not marked when the database went away`,
            ...timeline,
            ...interrupted.anomalies,
          ],
          extraViolations: interrupted.anomalies.length > 0 ? [`${interrupted.anomalies.length} chat(s) with marks out of step with deliveries`] : [],
        },
        await jobs.stop(),
      );
    }),
  );
});
