/**
 * Fault case 2: Redis restarted (it keeps nothing on disk, so it comes back empty) and Redis
 * emptied with FLUSHALL, while people talk to the bot. Queued jobs, chat locks, flood
 * counters and Telegram waits are all gone; MongoDB still holds the inbox, the outboxes and
 * every due time, and the sweeper re-arms the work from there.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { Rig, STAFF_GROUP } from './harness/rig.js';
import { crowd, scaled, finish, learnScript, settle } from './harness/scenario.js';
import { byPolling, converse, Person, sleep, Transcripts, until, type Step } from './harness/traffic.js';
import { JobCounter } from './harness/jobs.js';
import { chatKeyFor } from './harness/ledger.js';
import { align } from './harness/traffic.js';
import { recordCase, reported } from './harness/report.js';

/** The locks of senders (one per chat) and of the staff alert poster. */
const SEND_LOCKS = 'faults:lock:*';
/** Which of those guard a send: a chat's sender, or the alert poster. */
const sending = (key: string) => key.startsWith('faults:lock:send:') || key === 'faults:lock:alerts';

describe('fault case 2: Redis restarted and emptied', () => {
  let rig: Rig | undefined;
  afterEach(async () => {
    await rig?.dispose();
    rig = undefined;
  });

  it('loses nothing through a Redis restart and a FLUSHALL: the outbox and the inbox re-arm the work', { timeout: 100_000 }, () =>
    reported('2a-redis-restart-flush', 'Redis restarted (empty) and FLUSHALL under load', async () => {
      const startedAt = Date.now();
      rig = await Rig.start();
      const deliver = byPolling(rig.fake);
      await rig.services('bot', 'worker');
      const jobs = new JobCounter(rig.redis.url, 'faults').start();
      const script = await learnScript(rig, deliver);
      const people = crowd(scaled(12), scaled(6), 3000);
      const everyone = [...script.controls, ...people];

      // Chats whose sender lost its lock to the fault: the only ones where a reply may go twice
      // (a second sender, started by the sweeper, can meet the first one mid-drain).
      const cut = new Set<string>();
      let cutSends = 0;
      const wiped = (keys: string[]) => {
        for (const key of keys.filter(sending)) {
          cut.add(key.replace('faults:lock:send:', ''));
          cutSends += 1;
        }
      };
      const faults = (async () => {
        await sleep(3_000);
        wiped(await rig!.redis.keys(SEND_LOCKS));
        await rig!.redis.stop('SIGTERM');
        await sleep(2_000);
        await rig!.redis.start();
        await sleep(4_000);
        wiped(await rig!.redis.flushAll(SEND_LOCKS));
      })();
      await converse(people, script.expected, rig.fake, deliver, script.photo, { patienceMs: 1_000, deadlineMs: 60_000 });
      await faults;
      await settle(rig, everyone, script.expected, 45_000);

      // Every repeated reply must be in a chat whose sender's lock was wiped.
      const strays: string[] = [];
      for (const person of everyone) {
        const { duplicates } = align(
          Transcripts.of(rig.fake)
            .of(person.chatId)
            .map((t) => person.normalize(t)),
          script.expected(person).replies,
        );
        if (duplicates > 0 && !cut.has(chatKeyFor(rig.keys, person.chatId)))
          strays.push(`chat ${person.chatId}: ${duplicates} duplicate(s) without a wiped send lock`);
      }
      await finish(
        rig,
        everyone,
        script.expected,
        {
          case: '2a-redis-restart-flush',
          title: 'Redis restarted (empty) and FLUSHALL under load',
          startedAt,
          faults: { 'Redis restart': 1, FLUSHALL: 1 },
          duplicateBound: cutSends,
          boundName: 'sends whose lock was wiped',
          notes: [`${everyone.length} chats; ${cutSends} send(s) in progress (a chat's sender or the alert poster) when Redis lost its keys`, ...strays],
          extraViolations: strays,
        },
        await jobs.stop(),
      );
    }),
  );

  it('due times kept in MongoDB come due after Redis lost everything', { timeout: 60_000 }, () =>
    reported('2b-redis-due-times', 'due times in MongoDB come due after Redis lost everything', async () => {
      const startedAt = Date.now();
      // Drafts expire after 5.4 s idle; a referral nobody takes is announced again after 6 s.
      rig = await Rig.start({ env: { DRAFT_IDLE_HOURS: '0.0015', REFERRAL_REANNOUNCE_MINUTES: '0.1' } });
      const deliver = byPolling(rig.fake);
      await rig.services('bot', 'worker');
      const drafting: Step[] = ['English', '1', 'yes', '1', 'Fatimah Ali'].map((text) => ({ text }));
      const asking: Step[] = ['English', 'researcher'].map((text) => ({ text }));
      const drafters = Array.from({ length: 6 }, (_, i) => new Person(5000 + i, 'chatter', drafting));
      const askers = Array.from({ length: 4 }, (_, i) => new Person(5100 + i, 'chatter', asking));
      const transcripts = Transcripts.of(rig.fake);
      const db = await rig.database();
      const conversations = db.collection('conversations');
      const photo = Buffer.alloc(0);

      // Each person waits for the answer to each message, so the drafts are open and the referrals made.
      await Promise.all(
        [...drafters, ...askers].map(async (person) => {
          for (let i = 0; i < person.steps.length; i++) {
            const before = transcripts.of(person.chatId).length;
            person.updates.push(await deliver(person.update(rig!.fake, i, photo)));
            await until(() => transcripts.of(person.chatId).length > before, `a reply in chat ${person.chatId}`, 15_000);
          }
        }),
      );
      const draftKeys = drafters.map((p) => chatKeyFor(rig!.keys, p.chatId));
      await until(
        async () => (await conversations.countDocuments({ _id: { $in: draftKeys as never[] }, draftOpen: true })) === drafters.length,
        'the drafts stored as open',
        10_000,
      );
      await until(async () => (await db.collection('referrals').countDocuments({})) === askers.length, 'the referrals stored', 10_000);

      // Redis goes away and comes back empty, then is emptied again for good measure.
      await rig.redis.stop('SIGTERM');
      await sleep(1_000);
      await rig.redis.start();
      await rig.redis.flushAll();
      const lostAt = Date.now();

      const groupTexts = () => transcripts.of(STAFF_GROUP);
      const reannounced = () =>
        new Set(
          groupTexts()
            .filter((t) => t.startsWith('⏰'))
            .map((t) => /[A-Z]{1,5}-[0-9A-Z]{4}-[0-9A-Z]{4}/.exec(t)?.[0] ?? t),
        ).size;
      const openDrafts = () => conversations.countDocuments({ _id: { $in: draftKeys as never[] }, draftOpen: true });
      await until(async () => (await openDrafts()) === 0, 'every idle draft expired by the sweeper', 20_000);
      await until(
        () => reannounced() >= askers.length,
        () => `every unclaimed referral announced again (${reannounced()} of ${askers.length})`,
        20_000,
      );
      const dueAfterMs = Date.now() - lostAt;

      // Back in the chat, each person is told their draft was deleted.
      const toldBefore = new Map(drafters.map((p) => [p.chatId, transcripts.of(p.chatId).length]));
      for (const person of drafters) await deliver(rig.fake.textMessage({ chatId: person.chatId, userId: person.chatId, text: 'hello' }));
      const told = () =>
        drafters.filter((p) =>
          transcripts
            .of(p.chatId)
            .slice(toldBefore.get(p.chatId))
            .some((t) => t.includes('unfinished request expired')),
        ).length;
      await until(
        () => told() === drafters.length,
        () => `every drafter told (${told()} of ${drafters.length})`,
        15_000,
      );

      const entry = {
        drafts: drafters.length,
        draftsExpired: drafters.length - (await openDrafts()),
        told: told(),
        referrals: askers.length,
        reannounced: reannounced(),
        dueAfterMs,
      };
      recordCase({
        case: '2b-redis-due-times',
        title: 'due times in MongoDB come due after Redis lost everything',
        passed: true,
        durationMs: Date.now() - startedAt,
        faults: { 'Redis restart': 1, FLUSHALL: 1 },
        figures: { ...entry, messages: [...drafters, ...askers].reduce((n, p) => n + p.updates.length, 0) + drafters.length },
        duplicateBound: 0,
        logged: rig.problems(),
        violations: [],
        notes: [
          `${entry.draftsExpired}/${entry.drafts} idle drafts expired and ${entry.told}/${entry.drafts} people told on return; ${entry.reannounced}/${entry.referrals} unclaimed referrals announced again; all within ${entry.dueAfterMs} ms of Redis coming back empty`,
        ],
      });
      expect(entry).toMatchObject({ draftsExpired: drafters.length, told: drafters.length, reannounced: askers.length });
    }),
  );
});
