/**
 * Fault case 6: SIGTERM under load, as an orchestrator stops processes during a deploy. Two
 * worker processes and a bot process serve the crowd; each in turn is sent SIGTERM and
 * started again. A stopping worker finishes the jobs it holds (their sends are marked) and
 * leaves the rest in the queue for the other; a stopping bot stops polling after the update
 * in hand (Telegram gives the unconfirmed ones again, and the inbox knows them).
 *
 * Pass: every process exits 0 within 10 s, nothing is lost or sent twice (no process died
 * mid-send), and the chats finish without waiting for the sweeper's backstop.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { reported } from './harness/report.js';
import { Rig } from './harness/rig.js';
import { alongside, crowd, scaled, finish, learnScript, settle } from './harness/scenario.js';
import { byPolling, converse, sleep } from './harness/traffic.js';
import { JobCounter } from './harness/jobs.js';
import type { ServiceProcess } from './harness/service.js';

const STOP_WITHIN_MS = 10_000;

describe('fault case 6: SIGTERM under load', () => {
  let rig: Rig | undefined;
  afterAll(async () => rig?.dispose());

  it('finishes or hands back in-flight work and stalls nothing', { timeout: 100_000 }, () =>
    reported('6-sigterm-under-load', 'SIGTERM of workers and the bot under load, each started again', async () => {
      const startedAt = Date.now();
      rig = await Rig.start();
      const deliver = byPolling(rig.fake);
      const roles = ['worker', 'bot', 'worker'] as const;
      const running: ServiceProcess[] = await Promise.all(roles.map((role) => rig!.service(role)));
      const jobs = new JobCounter(rig.redis.url, 'faults').start();
      const script = await learnScript(rig, deliver);
      const people = crowd(scaled(12), scaled(6), 10_000);
      const everyone = [...script.controls, ...people];

      const stops: { role: string; code: number | null; signal: string | null; ms: number; underLoad: boolean }[] = [];
      let talking = true;
      // A worker, the bot, the other worker, the first worker again: two seconds apart, while the conversations go on.
      const stopAndRestart = async (slot: number, atMs: number) => {
        await sleep(atMs);
        const process = running[slot]!;
        const underLoad = talking;
        const exit = await process.stop('SIGTERM', STOP_WITHIN_MS + 5_000);
        stops.push({ role: process.role, code: exit.code, signal: exit.signal, ms: exit.ms, underLoad });
        running[slot] = await rig!.service(process.role);
      };
      const terminator = Promise.all([stopAndRestart(0, 1_000), stopAndRestart(1, 3_000), stopAndRestart(2, 5_000)]).then(() => stopAndRestart(0, 500));
      await alongside(
        terminator,
        converse(people, script.expected, rig.fake, deliver, script.photo, { patienceMs: 1_000, deadlineMs: 60_000 }).finally(() => (talking = false)),
      );
      // No backstop needed: what a stopping worker did not take is still queued for the others.
      const settleStarted = Date.now();
      await settle(rig, everyone, script.expected, 20_000);
      const settleMs = Date.now() - settleStarted;

      const slow = stops.filter((s) => s.code !== 0 || s.ms > STOP_WITHIN_MS);
      await finish(
        rig,
        everyone,
        script.expected,
        {
          case: '6-sigterm-under-load',
          title: 'SIGTERM of workers and the bot under load, each started again',
          startedAt,
          faults: {
            'SIGTERM of a worker': stops.filter((s) => s.role === 'worker').length,
            'SIGTERM of the bot': stops.filter((s) => s.role === 'bot').length,
          },
          duplicateBound: 0,
          boundName: '(no process died mid-send)',
          notes: [
            `exits: ${stops.map((s) => `${s.role} ${s.code ?? s.signal} in ${s.ms} ms${s.underLoad ? '' : ' (after the traffic)'}`).join(', ')}`,
            `longest stop ${Math.max(0, ...stops.map((s) => s.ms))} ms; settled ${settleMs} ms after the last message`,
          ],
          extraViolations: slow.map((s) => `${s.role} stopped with ${s.code ?? s.signal} after ${s.ms} ms`),
        },
        await jobs.stop(),
      );
      expect(stops.length).toBe(4);
    }),
  );
});
