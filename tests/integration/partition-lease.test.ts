/**
 * Partition leases (src/services/partition-lease.ts) against the real Redis and FerretDB, with
 * holders as processes of their own (tests/helpers/partition-holder.ts) that are stopped past
 * their lease and resumed, stalled between a check and its write, killed, and cut off by a Redis
 * restart. Every write a holder makes is kept with its lease, when its check passed and when it
 * landed (the server's clock), so each case can say which writes landed after another holder
 * had taken the partition over: only a write already past its check, at most one, and how late.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { LeaseLostError, PartitionLeases, partitionOf } from '../../src/services/partition-lease.js';
import { freshDatabase, MONGODB_URI, REDIS_URL } from '../helpers/db.js';
import { waitFor } from '../helpers/test-app.js';
import { freePort } from '../helpers/ports.js';

const ROOT = join(import.meta.dirname, '../..');
const PARTITIONS = 4;
const TTL_MS = 900;

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await Promise.resolve(cleanup()).catch(() => undefined);
});

interface Event {
  holder: string;
  at: number;
  event: 'ready' | 'took' | 'lost' | 'refused';
  partition?: number;
  token?: number;
  lease?: string;
}

interface Write {
  _id: string;
  holder: string;
  lease: string;
  partition: number;
  token: number;
  checkStartedAt: Date;
  confirmedAt: Date;
  landedAt: Date;
}

/** A holder process and what it said. */
class Holder {
  readonly events: Event[] = [];
  private constructor(
    readonly name: string,
    readonly child: ChildProcess,
  ) {}

  static async start(name: string, env: Record<string, string>): Promise<Holder> {
    const child = spawn(process.execPath, ['--import', 'tsx', 'tests/helpers/partition-holder.ts'], {
      cwd: ROOT,
      env: { ...process.env, HOLDER_NAME: name, PARTITIONS: String(PARTITIONS), TTL_MS: String(TTL_MS), ...env },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const holder = new Holder(name, child);
    cleanups.push(() => {
      child.kill('SIGCONT');
      child.kill('SIGKILL');
    });
    let buffered = '';
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      buffered += chunk;
      const lines = buffered.split('\n');
      buffered = lines.pop()!;
      for (const line of lines) if (line.trim()) holder.events.push(JSON.parse(line) as Event);
    });
    await waitFor(() => holder.events.some((e) => e.event === 'ready'), `${name} ready`, 30_000);
    return holder;
  }

  took(): Event[] {
    return this.events.filter((e) => e.event === 'took');
  }
}

/**
 * Every write judged against the next lease that took its partition after its own: `late`, a
 * write whose check started after that takeover (it must never pass: none may exist), and
 * `stale`, a write whose check started before the takeover but that landed after it (the window).
 * Times are this machine's clock on both sides (FerretDB runs here); a take is stamped once the
 * holder has it, a few milliseconds after Redis granted it, which can only hide, never invent, a
 * write of either kind within those milliseconds.
 */
function judge(writes: Write[], holders: Holder[]): { late: Write[]; stale: { write: Write; takenOverAt: number }[] } {
  const takes = holders.flatMap((h) => h.took());
  const takenAt = new Map(takes.map((t) => [t.lease, t.at]));
  const late: Write[] = [];
  const stale: { write: Write; takenOverAt: number }[] = [];
  for (const write of writes) {
    const own = takenAt.get(write.lease) ?? 0;
    const next = takes.filter((t) => t.partition === write.partition && t.lease !== write.lease && t.at > own).sort((a, b) => a.at - b.at)[0];
    if (!next) continue;
    if (write.checkStartedAt.getTime() > next.at) late.push(write);
    else if (write.landedAt.getTime() > next.at) stale.push({ write, takenOverAt: next.at });
  }
  return { late, stale };
}

async function scenario(redisUrl = REDIS_URL) {
  const database = await freshDatabase();
  cleanups.push(() => database.drop());
  const prefix = `pl${randomUUID().slice(0, 8)}`;
  const env = { REDIS_URL: redisUrl, MONGODB_URI, DB: database.dbName, PREFIX: prefix, QUARANTINE_MS: '1000' };
  const writes = database.connection.collection<Write>('writes');
  return { env, prefix, writes };
}

describe('partition leases', () => {
  it('spreads chats evenly and always puts a chat in the same partition', () => {
    const counts = new Array<number>(16).fill(0);
    for (let i = 0; i < 16_000; i++) counts[partitionOf(`telegram_${i.toString(16)}`, 16)]! += 1;
    expect(Math.min(...counts)).toBeGreaterThan(800);
    expect(Math.max(...counts)).toBeLessThan(1_200);
    expect(partitionOf('telegram_abc', 16)).toBe(partitionOf('telegram_abc', 16));
  });

  it('gives a partition to one holder at a time, renews it, and numbers each change of hands', async () => {
    const redis = new Redis(REDIS_URL);
    cleanups.push(() => void redis.quit());
    const prefix = `pl${randomUUID().slice(0, 8)}`;
    const a = new PartitionLeases(redis, prefix, { partitions: PARTITIONS, ttlMs: 600 });
    const b = new PartitionLeases(redis, prefix, { partitions: PARTITIONS, ttlMs: 600 });
    cleanups.push(() => a.releaseAll());
    cleanups.push(() => b.releaseAll());

    const aLeases = await a.takeFree();
    expect(aLeases.map((l) => l.token)).toEqual([1, 1, 1, 1]);
    expect(await b.takeFree()).toEqual([]);
    // Renewed: still held after more than three lease times.
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    await aLeases[0]!.confirm();
    expect(await b.take(0)).toBeNull();

    // Given back: taken by the other, with the next token; the old lease refuses to write.
    await a.release(aLeases[0]!);
    expect(aLeases[0]!.signal.aborted).toBe(true);
    const bLease = await b.take(0);
    expect(bLease?.token).toBe(2);
    let wrote = false;
    await expect(aLeases[0]!.fenced(async () => (wrote = true))).rejects.toBeInstanceOf(LeaseLostError);
    expect(wrote).toBe(false);
    expect(await bLease!.fenced(async () => 'written')).toBe('written');
  });

  it('a holder stopped past its lease loses every partition to another, and after it resumes no check of its own passes', async () => {
    const { env, writes } = await scenario();
    const a = await Holder.start('a', env);
    await waitFor(() => a.took().length === PARTITIONS || undefined, 'a takes every partition');
    const b = await Holder.start('b', env);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(b.took()).toEqual([]);

    a.child.kill('SIGSTOP');
    const stoppedAt = Date.now();
    await waitFor(() => b.took().length === PARTITIONS || undefined, 'b takes them over', 10_000);
    const takeover = Math.max(...b.took().map((e) => e.at)) - stoppedAt;
    a.child.kill('SIGCONT');
    await waitFor(() => a.events.filter((e) => e.event === 'lost' || e.event === 'refused').length >= PARTITIONS || undefined, 'a notices');
    await new Promise((resolve) => setTimeout(resolve, 500));
    a.child.kill('SIGKILL');
    b.child.kill('SIGKILL');

    // Taken over once the lease ran out (at least the margin it always keeps), each with the next token.
    expect(takeover).toBeGreaterThanOrEqual(TTL_MS / 3);
    expect(b.took().map((e) => e.token)).toEqual([2, 2, 2, 2]);
    const all = await writes.find({}).toArray();
    const { late, stale } = judge(all, [a, b]);
    // No check of a's passed after b took over; at most the one write a was in when stopped landed after.
    expect(late).toEqual([]);
    expect(stale.length).toBeLessThanOrEqual(1);
    expect(all.filter((w) => w.holder === 'b').length).toBeGreaterThan(PARTITIONS);
  }, 60_000);

  it('a holder stalled between its check and its write lands that one write late: the window, measured', async () => {
    const { env, writes } = await scenario();
    const trigger = join(mkdtempSync(join(tmpdir(), 'lease-stall-')), 'stall');
    cleanups.push(() => rmSync(dirname(trigger), { recursive: true, force: true }));
    const stallMs = TTL_MS * 2.5;
    const a = await Holder.start('a', { ...env, STALL_WHEN: trigger, STALL_MS: String(stallMs) });
    await waitFor(() => a.took().length === PARTITIONS || undefined, 'a takes every partition');
    // b is up and polling before a stalls, so it is there to take over while a is stalled.
    const b = await Holder.start('b', env);
    await new Promise((resolve) => setTimeout(resolve, 300));
    writeFileSync(trigger, '');
    await waitFor(() => b.took().length === PARTITIONS || undefined, 'b takes them over once a stalls', 15_000);
    await waitFor(() => a.events.some((e) => e.event === 'lost' || e.event === 'refused') || undefined, 'a notices');
    await new Promise((resolve) => setTimeout(resolve, 500));
    a.child.kill('SIGKILL');
    b.child.kill('SIGKILL');

    const all = await writes.find({}).toArray();
    const { late, stale } = judge(all, [a, b]);
    // Exactly the stalled write landed after the takeover, late by the stall: check-then-write on FerretDB v1 cannot refuse it.
    expect(late).toEqual([]);
    expect(stale).toHaveLength(1);
    const [{ write, takenOverAt }] = stale as [{ write: Write; takenOverAt: number }];
    expect(write.holder).toBe('a');
    expect(write.confirmedAt.getTime()).toBeLessThan(takenOverAt);
    expect(write.landedAt.getTime() - write.confirmedAt.getTime()).toBeGreaterThanOrEqual(stallMs - 50);
    // Every other write's check-to-landing time is small: the window a stall must fall into.
    const usual = all.filter((w) => w._id !== write._id).map((w) => w.landedAt.getTime() - w.confirmedAt.getTime());
    usual.sort((x, y) => x - y);
    const p50 = usual[Math.floor(usual.length / 2)]!;
    const p99 = usual[Math.floor(usual.length * 0.99)]!;
    process.stdout.write(`partition lease: check to landing over ${usual.length} writes: p50 ${p50} ms, p99 ${p99} ms, max ${usual.at(-1)} ms\n`);
    expect(p99).toBeLessThan(TTL_MS / 3);
  }, 60_000);

  it('a holder killed leaves its partitions to the next after its lease runs out, with nothing written late', async () => {
    const { env, writes } = await scenario();
    const a = await Holder.start('a', env);
    await waitFor(() => a.took().length === PARTITIONS || undefined, 'a takes every partition');
    const b = await Holder.start('b', env);
    await new Promise((resolve) => setTimeout(resolve, 200));
    a.child.kill('SIGKILL');
    const killedAt = Date.now();
    await waitFor(() => b.took().length === PARTITIONS || undefined, 'b takes them over', 10_000);
    const takeover = Math.max(...b.took().map((e) => e.at)) - killedAt;
    await new Promise((resolve) => setTimeout(resolve, 300));
    b.child.kill('SIGKILL');

    expect(takeover).toBeGreaterThanOrEqual(TTL_MS / 3);
    expect(takeover).toBeLessThan(TTL_MS + 1_000);
    expect(judge(await writes.find({}).toArray(), [a, b])).toEqual({ late: [], stale: [] });
  }, 60_000);

  it('after a Redis restart no lease is granted for the quarantine, and no old lease writes after a new one starts', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lease-redis-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const port = await freePort();
    const config = join(dir, 'redis.conf');
    writeFileSync(
      config,
      `port ${port}\nbind 127.0.0.1\nsave ""\nappendonly no\ndir ${dir}\ndaemonize yes\npidfile ${dir}/redis.pid\nlogfile ${dir}/redis.log\n`,
    );
    const startRedis = () => expect(spawnSync('redis-server', [config]).status).toBe(0);
    const stopRedis = () => void spawnSync('redis-cli', ['-p', String(port), 'shutdown', 'nosave']);
    startRedis();
    cleanups.push(stopRedis);
    await waitFor(() => spawnSync('redis-cli', ['-p', String(port), 'ping'], { encoding: 'utf8' }).stdout.trim() === 'PONG' || undefined, 'redis up');

    const { env, writes } = await scenario(`redis://127.0.0.1:${port}`);
    const a = await Holder.start('a', env);
    await waitFor(() => a.took().length === PARTITIONS || undefined, 'a takes every partition');
    const b = await Holder.start('b', env);
    await new Promise((resolve) => setTimeout(resolve, 200));

    stopRedis();
    const restartedAt = Date.now();
    startRedis();
    await waitFor(() => [...a.took(), ...b.took()].filter((e) => e.at > restartedAt).length === PARTITIONS || undefined, 'the partitions taken again', 15_000);
    await new Promise((resolve) => setTimeout(resolve, 300));
    a.child.kill('SIGKILL');
    b.child.kill('SIGKILL');

    const retaken = [...a.took(), ...b.took()].filter((e) => e.at > restartedAt);
    // Numbered afresh (Redis lost its counters), each a lease of its own, and only after the quarantine.
    expect(retaken.map((e) => e.token)).toEqual([1, 1, 1, 1]);
    expect(new Set([...a.took(), ...b.took()].map((e) => e.lease)).size).toBe(PARTITIONS * 2);
    expect(Math.min(...retaken.map((e) => e.at)) - restartedAt).toBeGreaterThanOrEqual(900);
    // The old leases' writes all landed before any new lease took their partition.
    expect(judge(await writes.find({}).toArray(), [a, b])).toEqual({ late: [], stale: [] });
  }, 60_000);
});
