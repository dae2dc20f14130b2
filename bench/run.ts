/**
 * `npm run bench`: the whole intake measured on this machine against a fake Telegram Bot
 * API on loopback, with the real Redis and MongoDB-compatible server. One run, one phase
 * after another (never two at once):
 *
 *   engine     the pure engine, conversation steps a second on one core
 *   queue      the staff's case queue (/cases) over --queue-cases seeded cases
 *   limits     the service within Telegram's limits, applicants arriving at --rate messages
 *              a second, researchers deciding cases
 *   backlog    a burst of new chats at once: outbound held at Telegram's 30 a second
 *   floor      the document operations one message needs today, one at a time and in batches (issue 24)
 *   capacity   the service with the outbound limits lifted, offered more than it can take
 *   db-limit   the same load on the least a durable bot must do (read, write back)
 *   naive      the same load on a typical telegraf bot (bench/naive)
 *   leak       conversations left mid-flow; heap after GC against its baseline
 *
 * The report goes to the terminal as a table and to bench/results/bench-report.json (and
 * .md); logs of every process are under bench/results/logs/. See the README's Performance.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { performance } from 'node:perf_hooks';
import { randomBytes } from 'node:crypto';
import { Command, Option } from 'commander';
import sharp from 'sharp';
import { KeyRing } from '../src/privacy/key-ring.js';
import { runEngineBench, type EngineResult } from './engine-bench.js';
import { queueBench } from './queue-bench.js';
import { floorBench } from './floor-bench.js';
import { BenchBotApi } from './fake-bot-api.js';
import { Child, descendantsRss } from './processes.js';
import { QueueLag, Servers, snapshot, windowFigures, type WindowFigures } from './measure.js';
import { REQUEST_TURNS } from './script.js';
import { ResearchDesk, Switchboard, arrivals, leaveMidFlow, type ArrivalsResult, type DeskResult } from './people.js';
import { renderReport, type Report } from './report.js';

const PHASES = ['engine', 'queue', 'limits', 'backlog', 'floor', 'capacity', 'db-limit', 'naive', 'leak'] as const;
type Phase = (typeof PHASES)[number];

const program = new Command()
  .name('bench')
  .description('Benchmarks the intake service, its engine and two baselines; see the README, Performance.')
  .option('--quick', 'short runs for development (about two minutes in all)')
  .addOption(new Option('--only <phases>', `comma-separated phases to run (${PHASES.join(', ')})`))
  .addOption(new Option('--skip <phases>', 'comma-separated phases to leave out'))
  .option('--rate <n>', 'limits run: applicant messages offered per second', '30')
  .option('--warmup <s>', 'limits run: seconds before the measured window (default 25; quick 8)')
  .option('--duration <s>', 'limits run: seconds measured (default 45; quick 15)')
  .option('--think <ms>', 'limits run: an applicant thinks this long before each answer (min-max)', '1000-2000')
  .option('--researchers <n>', 'limits run: researchers deciding cases', '6')
  .option('--backlog-chats <n>', 'backlog: chats writing at once (default 300; quick 60)')
  .option('--capacity-rate <n>', 'capacity runs: messages offered per second, more than the bots can take', '500')
  .option('--capacity-warmup <s>', 'capacity runs: seconds before the measured window (default 8; quick 3)')
  .option('--capacity-duration <s>', 'capacity runs: seconds measured (default 30; quick 8)')
  .option('--capacity-think <ms>', 'capacity runs: thinking time before each answer (min-max)', '0-50')
  .addOption(new Option('--capacity-limits <mode>', 'capacity run of the service: outbound limits off (lifted) or on').choices(['off', 'on']).default('off'))
  .addOption(new Option('--topology <kind>', 'service processes: one with every role, or bot and worker apart').choices(['single', 'split']).default('split'))
  .option('--worker-concurrency <n>', 'jobs a worker process runs at once (default: the service default)')
  .option('--leak-conversations <n>', 'leak run: conversations left mid-flow (default 10000; quick 1000)')
  .option('--leak-rate <n>', 'leak run: new conversations per second, at most', '150')
  .option('--leak-max-seconds <s>', 'leak run: stop starting conversations after this long (default 150; quick 20)')
  .option('--whatsapp', 'leak run: WhatsApp on, to measure Chromium (offline here: it cannot link)')
  .option('--queue-cases <n>', 'queue run: cases seeded (default 10000; quick 2000)')
  .option('--floor-seconds <s>', 'floor run: seconds measured for each mode (default 12; quick 4)')
  .option('--cpu-prof', 'write a CPU profile of every service process (bench/results/profiles/RUN/)')
  .option('--out <file>', 'the JSON report', 'bench/results/bench-report.json')
  .parse();

const opts = program.opts<Record<string, string | boolean | undefined>>();
const quick = opts.quick === true;
const num = (name: string, full: number, fast: number) => Number(opts[name] ?? (quick ? fast : full));
const range = (spec: string) => {
  const [low, high] = spec.split('-').map(Number);
  return () => low! + Math.random() * ((high ?? low!) - low!);
};
const selected = new Set<Phase>(opts.only ? (String(opts.only).split(',') as Phase[]) : PHASES);
for (const phase of opts.skip ? String(opts.skip).split(',') : []) selected.delete(phase as Phase);
for (const phase of selected) if (!PHASES.includes(phase)) throw new Error(`unknown phase ${phase}`);

const settings = {
  quick,
  rate: num('rate', 30, 30),
  warmup: num('warmup', 25, 8),
  duration: num('duration', 45, 15),
  think: String(opts.think),
  researchers: num('researchers', 6, 6),
  backlogChats: num('backlogChats', 300, 60),
  capacityRate: num('capacityRate', 250, 250),
  capacityWarmup: num('capacityWarmup', 8, 3),
  capacityDuration: num('capacityDuration', 30, 8),
  capacityThink: String(opts.capacityThink),
  capacityLimits: String(opts.capacityLimits),
  topology: String(opts.topology) as 'single' | 'split',
  workerConcurrency: opts.workerConcurrency ? Number(opts.workerConcurrency) : null,
  leakConversations: num('leakConversations', 10_000, 1_000),
  leakRate: num('leakRate', 150, 150),
  leakMaxSeconds: num('leakMaxSeconds', 150, 20),
  whatsapp: opts.whatsapp === true,
  cpuProfile: opts.cpuProf === true,
  engineSeconds: quick ? 2 : 5,
  queueCases: num('queueCases', 10_000, 2_000),
  floorSeconds: num('floorSeconds', 12, 4),
};

const MONGODB_URI = process.env.MONGODB_URI ?? 'mongodb://127.0.0.1:27017/';
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const GROUP = -100777;
const RESEARCHER_IDS = Array.from({ length: settings.researchers }, (_, i) => 9001 + i);
const runId = randomBytes(3).toString('hex');
const resultsDir = 'bench/results';
const logDir = `${resultsDir}/logs/${runId}`;
mkdirSync(logDir, { recursive: true });

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const log = (line: string) => console.log(`[bench ${new Date().toISOString().slice(11, 19)}] ${line}`);

const servers = await Servers.open(MONGODB_URI, REDIS_URL);
const photo = await sharp({ create: { width: 320, height: 200, channels: 3, background: { r: 200, g: 150, b: 90 } } })
  .jpeg({ quality: 80 })
  .toBuffer();
let nextApplicant = 0;
const takeApplicants = (n: number) => {
  const first = nextApplicant;
  nextApplicant += n;
  return first;
};

// -------------------------------------------------------------------------------------------------
// Bots under test

/** A bot under test with its fake Bot API and the people on it; `stop` ends and cleans everything. */
interface Rig {
  api: BenchBotApi;
  board: Switchboard;
  children: Child[];
  prefix: string | null;
  stop(): Promise<void>;
}

async function rig(
  name: string,
  start: (api: BenchBotApi, names: { dbName: string; prefix: string }) => Promise<Child[]>,
  enforceLimits: boolean,
  hasQueues: boolean,
): Promise<Rig> {
  const api = await BenchBotApi.start({ enforceLimits });
  const board = new Switchboard(api);
  const names = { dbName: `bench_${runId}_${name.replace(/\W/g, '_')}`, prefix: `bench${runId}${name.replace(/\W/g, '')}` };
  const children = await start(api, names).catch(async (error: unknown) => {
    await api.stop();
    throw error;
  });
  return {
    api,
    board,
    children,
    prefix: hasQueues ? names.prefix : null,
    stop: async () => {
      await Promise.all(children.map((child) => child.stop()));
      await api.stop();
      await servers.clean(names.dbName, names.prefix);
    },
  };
}

function serviceRig(
  name: string,
  o: { limits: boolean; topology: 'single' | 'split'; staff?: boolean; nodeOptions?: string[]; env?: Record<string, string> },
): Promise<Rig> {
  return rig(
    name,
    async (api, { dbName, prefix }) => {
      const env: Record<string, string> = {
        NODE_ENV: 'production',
        LOG_LEVEL: 'warn',
        MONGODB_URI,
        BENCH_DB: dbName,
        REDIS_URL,
        QUEUE_PREFIX: prefix,
        DATA_KEYS: `k1:${KeyRing.generateKeyBase64()}`,
        DATA_KEY_CURRENT: 'k1',
        LOOKUP_KEY: KeyRing.generateKeyBase64(),
        TELEGRAM_BOT_TOKEN: api.token,
        TELEGRAM_API_ROOT: api.apiRoot,
        TELEGRAM_STAFF_GROUP_ID: String(GROUP),
        TELEGRAM_RATE_LIMITS: o.limits ? 'on' : 'off',
        CONSOLE_CHAT: 'off',
        WHATSAPP_ENABLED: 'off',
        // The simulated researchers decide at once, as the benchmark's rounds before recommendations did.
        REQUIRE_RECOMMENDATION: 'off',
        ...(settings.workerConcurrency ? { BENCH_WORKER_CONCURRENCY: String(settings.workerConcurrency) } : {}),
        ...o.env,
      };
      // Command monitoring is switched on by the connection string; the service reads it as it is.
      env.MONGODB_URI = `${MONGODB_URI}${MONGODB_URI.includes('?') ? '&' : '?'}monitorCommands=true`;
      const staff = o.staff
        ? JSON.stringify(RESEARCHER_IDS.map((id, i) => ({ name: `باحث ${i + 1}`, telegramUserId: id, roles: ['researcher', 'committee'] })))
        : '[]';
      const profile = settings.cpuProfile ? ['--cpu-prof', `--cpu-prof-dir=${resultsDir}/profiles/${runId}/${name}`] : [];
      const start = (role: string, roles: string, extra: Record<string, string>) =>
        Child.start(role, 'bench/service-process.ts', {
          env: { ...env, BENCH_ROLES: roles, ...extra },
          nodeOptions: [...(o.nodeOptions ?? []), ...profile],
          logFile: `${logDir}/${name}-${role}.log`,
        });
      if (o.topology === 'single') return [await start('service', 'bot,worker', { BENCH_STAFF: staff })];
      // The worker first, so the bot's first updates find someone to handle them.
      const worker = await start('worker', 'worker', { BENCH_STAFF: staff });
      return [await start('bot', 'bot', {}), worker];
    },
    o.limits,
    true,
  );
}

function baselineRig(name: 'db-limit' | 'naive'): Promise<Rig> {
  return rig(
    name,
    async (api, { dbName }) => [
      await Child.start(name, name === 'naive' ? 'bench/naive/bot.ts' : 'bench/db-limit.ts', {
        env: { MONGODB_URI, BENCH_DB: dbName, TELEGRAM_BOT_TOKEN: api.token, TELEGRAM_API_ROOT: api.apiRoot, BENCH_GROUP: String(GROUP) },
        logFile: `${logDir}/${name}.log`,
      }),
    ],
    false,
    false,
  );
}

// -------------------------------------------------------------------------------------------------
// Runs

/** The figures of one measured run of a bot. */
interface RunResult extends WindowFigures {
  queueLag: Record<string, { lagP95Ms: number | null; lagMaxMs: number | null; waitingMax: number }> | null;
  /** The most updates waiting at the fake Bot API for the bot to fetch them. */
  updatesWaitingMax: number;
  minGapMs: { private: number | null; group: number | null; underOneSecond: number };
  /** 429s over the whole run (warm-up included), by the limit that refused. */
  tooManyBy: { global: number; chat: number; group: number };
  conversations: { started: number; completed: number; failed: number; failures: Record<string, number> };
  researchers?: DeskResult & { decisionsDelivered: number };
}

/** Applicants arrive at `perSecond` messages a second; the window after `warmup` is measured; then the run is halted. */
async function measure(
  r: Rig,
  load: { perSecond: number; warmup: number; window: number; think: string; replyTimeoutMs: number; desk?: ResearchDesk },
): Promise<RunResult> {
  const halt = { stopped: false };
  const perConversation = REQUEST_TURNS.length;
  const driving = arrivals(r.board, {
    perSecond: load.perSecond / perConversation,
    seconds: load.warmup + load.window,
    drainMs: 15_000,
    firstIndex: takeApplicants(100_000),
    think: range(load.think),
    replyTimeoutMs: load.replyTimeoutMs,
    photo,
    halt,
  });
  let updatesWaitingMax = 0;
  const watch = setInterval(() => (updatesWaitingMax = Math.max(updatesWaitingMax, r.api.pendingUpdates)), 250);
  await sleep(load.warmup * 1000);
  const lag = r.prefix ? new QueueLag(servers.redis, r.prefix, ['inbound', 'outbound']) : null;
  const a = await snapshot(r.children, servers, r.api);
  lag?.start();
  await sleep(load.window * 1000);
  const b = await snapshot(r.children, servers, r.api);
  const queueLag = (await lag?.stop()) ?? null;
  clearInterval(watch);
  halt.stopped = true;
  const driven: ArrivalsResult = await driving;
  const researchers = load.desk ? { ...(await load.desk.stop()), decisionsDelivered: r.board.decisionsDelivered } : undefined;
  const { counters } = r.api;
  return {
    ...windowFigures(a, b, { replies: r.api.firstReplyLatencies, offered: r.api.offered, submitted: r.board.submitted }),
    queueLag,
    updatesWaitingMax,
    minGapMs: { private: finite(counters.minGapPrivate), group: finite(counters.minGapGroup), underOneSecond: counters.gapsUnderOneSecond },
    tooManyBy: { ...counters.tooManyBy },
    conversations: { started: driven.started, completed: driven.completed, failed: driven.failed, failures: Object.fromEntries(driven.failures) },
    ...(researchers ? { researchers } : {}),
  };
}

const finite = (n: number) => (Number.isFinite(n) ? n : null);

/** Waits until the service has nothing queued and the fake has handed out every update (or `timeoutMs` passed). */
async function idle(r: Rig, timeoutMs: number): Promise<boolean> {
  const deadline = performance.now() + timeoutMs;
  let quiet = 0;
  while (performance.now() < deadline) {
    let busy = r.api.pendingUpdates;
    if (r.prefix) {
      for (const name of ['inbound', 'outbound', 'alerts']) {
        const keys = ['wait', 'active', 'delayed', 'prioritized'].map((state) => `${r.prefix}:${name}:${state}`);
        busy += (
          await Promise.all(
            keys.map((key) =>
              servers.redis.type(key).then((type) => (type === 'zset' ? servers.redis.zcard(key) : type === 'list' ? servers.redis.llen(key) : 0)),
            ),
          )
        ).reduce((x, y) => x + y, 0);
      }
    }
    quiet = busy === 0 ? quiet + 1 : 0;
    if (quiet >= 4) return true;
    await sleep(250);
  }
  return false;
}

interface BacklogResult {
  chats: number;
  outboundPerSecond: number;
  /** Outbound as a share of Telegram's 30 a second. */
  shareOfLimit: number;
  seconds: number;
  /**
   * Outbound from the third second after the first send: the pacing alone, once the burst's
   * first seconds are over (the machine saturated, senders woken past their slots give them up).
   */
  afterRampPerSecond: number | null;
  tooMany: number;
  tooManyBy: { global: number; chat: number; group: number };
  minGapMs: number | null;
  answered: number;
}

/** How long the first replies of a burst are left out of `afterRampPerSecond`. */
const BACKLOG_RAMP_MS = 3_000;

/** Messages a second between the first and the last of `times` (ms), or null with fewer than two. */
function rateOf(times: readonly number[]): number | null {
  return times.length > 1 && times.at(-1)! > times[0]! ? ((times.length - 1) * 1000) / (times.at(-1)! - times[0]!) : null;
}

/** Many chats write at once: the replies (two each) pile up and must leave at Telegram's overall rate. */
async function backlog(r: Rig, chats: number): Promise<BacklogResult> {
  await idle(r, 30_000);
  const sendsBefore = r.api.counters.sendTimes.length;
  const tooManyBefore = r.api.counters.tooMany;
  const byBefore = { ...r.api.counters.tooManyBy };
  const gapsBefore = r.api.counters.minGapPrivate;
  const burst = await arrivals(r.board, {
    perSecond: 1e6,
    count: chats,
    seconds: Infinity,
    drainMs: 180_000,
    firstIndex: takeApplicants(chats),
    think: () => 0,
    replyTimeoutMs: 180_000,
    photo,
    turns: [REQUEST_TURNS[0]!],
  });
  const times = r.api.counters.sendTimes.slice(sendsBefore);
  // Measured from the first send to the last, so the time the bot took to take the updates in is left out.
  const seconds = times.length > 1 ? (times.at(-1)! - times[0]!) / 1000 : 0;
  const outboundPerSecond = rateOf(times) ?? 0;
  return {
    chats,
    outboundPerSecond,
    shareOfLimit: outboundPerSecond / 30,
    seconds,
    afterRampPerSecond: rateOf(times.filter((t) => t - times[0]! >= BACKLOG_RAMP_MS)),
    tooMany: r.api.counters.tooMany - tooManyBefore,
    tooManyBy: {
      global: r.api.counters.tooManyBy.global - byBefore.global,
      chat: r.api.counters.tooManyBy.chat - byBefore.chat,
      group: r.api.counters.tooManyBy.group - byBefore.group,
    },
    minGapMs: finite(Math.min(gapsBefore, r.api.counters.minGapPrivate)),
    answered: burst.completed,
  };
}

interface LeakResult {
  /** Conversations asked for, and those started before the time limit. */
  asked: number;
  conversations: number;
  answered: number;
  baselineHeapMb: number;
  peakHeapMb: number;
  afterHeapMb: number;
  growthMb: number;
  growthBytesPerConversation: number;
  /** Whether the heap after GC came back within 5% or 5 MB of its baseline. */
  backToBaseline: boolean;
  rssAfterMb: number;
  chromiumRssMb: number | 'not measured (WhatsApp off)';
  seconds: number;
}

/** Conversations left mid-flow: the service's heap after a full GC, before and after them. */
async function leak(conversations: number): Promise<LeakResult> {
  const r = await serviceRig('leak', {
    limits: false,
    topology: 'single',
    nodeOptions: ['--expose-gc'],
    ...(settings.whatsapp ? { env: { WHATSAPP_ENABLED: 'on', WHATSAPP_DATA_DIR: `${logDir}/whatsapp` } } : {}),
  });
  try {
    const service = r.children[0]!;
    const warm = Math.min(200, Math.ceil(conversations / 20));
    await leaveMidFlow(r.board, {
      count: warm,
      perSecond: settings.leakRate,
      seconds: Infinity,
      firstIndex: takeApplicants(warm),
      replyTimeoutMs: 120_000,
      photo,
    });
    await idle(r, 60_000);
    const baseline = await service.heapAfterGc();
    let peak = baseline;
    // Chromium comes and goes offline (it cannot load WhatsApp Web, and the client restarts it with backoff): its peak is kept.
    let chromium = 0;
    const watch = setInterval(() => {
      void service
        .stats()
        .then((s) => (peak = Math.max(peak, s.heapUsed)))
        .catch(() => undefined);
      if (settings.whatsapp) chromium = Math.max(chromium, descendantsRss(service.pid, 'chrom'));
    }, 1000);
    const started = performance.now();
    // At most 200 conversations wait for their answer at a time, so the run measures what is kept, not a backlog.
    const left = await leaveMidFlow(r.board, {
      count: conversations,
      perSecond: settings.leakRate,
      seconds: settings.leakMaxSeconds,
      firstIndex: takeApplicants(conversations),
      replyTimeoutMs: 600_000,
      photo,
    });
    await idle(r, 120_000);
    const seconds = (performance.now() - started) / 1000;
    clearInterval(watch);
    const after = await service.heapAfterGc();
    const stats = await service.stats();
    const mb = (bytes: number) => bytes / 1024 / 1024;
    return {
      asked: conversations,
      conversations: left.started,
      answered: left.completed,
      baselineHeapMb: mb(baseline),
      peakHeapMb: mb(peak),
      afterHeapMb: mb(after),
      growthMb: mb(after - baseline),
      growthBytesPerConversation: (after - baseline) / Math.max(1, left.started),
      backToBaseline: after - baseline <= Math.max(0.05 * baseline, 5 * 1024 * 1024),
      rssAfterMb: mb(stats.rss),
      chromiumRssMb: settings.whatsapp ? mb(Math.max(chromium, descendantsRss(service.pid, 'chrom'))) : 'not measured (WhatsApp off)',
      seconds,
    };
  } finally {
    await r.stop();
  }
}

// -------------------------------------------------------------------------------------------------

function machine() {
  const model = /^model name\s*:\s*(.*)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? cpus()[0]?.model ?? 'unknown';
  return {
    cpus: cpus().length,
    cpuModel: model,
    memoryGb: Math.round(totalmem() / 1024 ** 3),
    node: process.version,
    loadAverageAtStart: loadavg().map((l) => Math.round(l * 100) / 100),
  };
}

const report: Report = { runId, startedAt: new Date().toISOString(), machine: machine(), settings, phases: {} };
const started = performance.now();
const capacityLoad = {
  perSecond: settings.capacityRate,
  warmup: settings.capacityWarmup,
  window: settings.capacityDuration,
  think: settings.capacityThink,
  replyTimeoutMs: 120_000,
};

async function phase<T>(name: Phase, run: () => Promise<T>): Promise<T | undefined> {
  if (!selected.has(name)) return undefined;
  log(`${name}…`);
  const at = performance.now();
  try {
    const result = await run();
    log(`${name} done in ${Math.round((performance.now() - at) / 1000)} s`);
    return result;
  } catch (error) {
    log(`${name} failed: ${error instanceof Error ? error.message : String(error)}`);
    return undefined;
  }
}

report.phases.engine = await phase('engine', async (): Promise<EngineResult> => runEngineBench(settings.engineSeconds));
report.phases.queue = await phase('queue', () => queueBench(MONGODB_URI, `bench_${runId}_queue`, settings.queueCases, quick ? 5 : 15));

if (selected.has('limits') || selected.has('backlog')) {
  const r = await serviceRig('limits', { limits: true, topology: settings.topology, staff: true });
  try {
    report.phases.limits = await phase('limits', () => {
      const desk = new ResearchDesk(r.board, GROUP, RESEARCHER_IDS, range('1000-3000'));
      return measure(r, { perSecond: settings.rate, warmup: settings.warmup, window: settings.duration, think: settings.think, replyTimeoutMs: 120_000, desk });
    });
    report.phases.backlog = await phase('backlog', () => backlog(r, settings.backlogChats));
  } finally {
    await r.stop();
  }
}

report.phases.floor = await phase('floor', () =>
  floorBench({
    mongoUri: MONGODB_URI,
    dbName: `bench_${runId}_floor`,
    ferretPid: servers.ferretPid,
    redisPid: servers.redisPid,
    seconds: settings.floorSeconds,
    log,
  }),
);

for (const [name, make] of [
  ['capacity', () => serviceRig('capacity', { limits: settings.capacityLimits === 'on', topology: settings.topology })],
  ['db-limit', () => baselineRig('db-limit')],
  ['naive', () => baselineRig('naive')],
] as const) {
  report.phases[name] = await phase(name, async () => {
    const r = await make();
    try {
      return await measure(r, capacityLoad);
    } finally {
      await r.stop();
    }
  });
}

report.phases.leak = await phase('leak', () => leak(settings.leakConversations));
report.seconds = (performance.now() - started) / 1000;
await servers.close();

const { table, json } = renderReport(report);
mkdirSync(resultsDir, { recursive: true });
writeFileSync(String(opts.out), `${JSON.stringify(json, null, 2)}\n`);
writeFileSync(String(opts.out).replace(/\.json$/, '.md'), `${table}\n`);
console.log(`\n${table}\n`);
log(`report: ${String(opts.out)} (and .md); logs: ${logDir}`);
process.exit(0);
