/**
 * Fault case 9: the sealing of words stored in clear, beside the running service, with the
 * worker SIGKILLed in the middle of it.
 *
 * Cases stored by an older version hold the committee's words in clear (the support granted, a
 * rejection's reason, each move's reason). The worker's sweeper seals them in place, fifty a
 * sweep, each case under its lock (CaseRepository.sealWords). Here the worker is killed while
 * it works through them (the lock it held on a case expires, as after any crash), and meanwhile
 * staff acts (a move with its reason, under the same case lock, as CaseActions takes it) land
 * on cases still waiting to be sealed.
 *
 * The same sweeps move each case's free-text notes (from before recommendations were
 * structured) into its earlier notes (CaseRepository.migrateNotes), also under the
 * case's lock, through the same kill.
 *
 * Pass: nothing left in clear (`keys status` counts none, no stored document contains a word),
 * every word reads back exactly as written (none lost, none sealed twice), every staff act
 * made meanwhile is in its case's history, and every case's notes are in its earlier notes exactly
 * once, none left behind.
 */
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { recordCase, reported } from './harness/report.js';
import { Rig } from './harness/rig.js';
import { sleep, until } from './harness/traffic.js';
import type { ServiceProcess } from './harness/service.js';
import { CaseRepository } from '../../src/models/case-repository.js';
import { ChatLocks } from '../../src/services/chat-lock.js';
import { newCase } from '../helpers/new-case.js';
import type { KeyRing } from '../../src/privacy/key-ring.js';

const CASES = 150;
/** Cases a staff member moves while the migration runs. */
const ACTS = 30;
const CASE = '9-sealing';
const TITLE = 'Sealing words stored in clear and moving notes: worker SIGKILLed mid-migration, staff acting on the same cases';
const STAFF = { kind: 'staff' as const, id: 'stf_committee', name: 'لجنة البحث' };
/** A word no sealed value can contain, so a clear one is found by a plain search of the stored document. */
const reasonOf = (n: number) => `الدخل ${1000 + n} ريال وحالة صحية مزمنة رقم-${n}`;
const actReasonOf = (n: number) => `زيارة ميدانية بعد الترحيل رقم-${n}`;
const noteOf = (n: number) => `ملاحظة الباحثة عن الأسرة رقم-${n}`;
const NOTE_AT = new Date('2026-10-01T12:00:00Z');

describe('fault case 9: sealing words beside the running service', () => {
  let rig: Rig | undefined;
  let redis: Redis | undefined;
  afterAll(async () => {
    await redis?.quit();
    await rig?.dispose();
  });

  it('seals every word once, loses none, and keeps every staff act made meanwhile', { timeout: 120_000 }, () =>
    reported(CASE, TITLE, async () => {
      const startedAt = Date.now();
      rig = await Rig.start();
      const db = await rig.database();
      const cases = new CaseRepository(db, rig.keys);
      await cases.init();

      // As an older version stored them: rejected with the reason in clear, no "sealed" mark.
      const ids: string[] = [];
      for (let n = 0; n < CASES; n++) ids.push(await legacyCase(cases, db, rig.keys, n));
      const seededMs = Date.now() - startedAt;
      expect(await cases.countClearWords()).toBe(CASES);

      redis = new Redis(rig.redis.url);
      const locks = new ChatLocks(redis, 'faults');
      let worker: ServiceProcess = await rig.service('worker');
      const kills: number[] = [];
      // Staff acts on the last cases stored, which the migration is likely not to have reached yet,
      // a reopening of a rejection each: the same write a committee member's Reopen makes, under the case's lock.
      const acted = ids.slice(-ACTS);
      const acting = (async () => {
        for (const [i, id] of acted.entries()) {
          await locks.exclusive(`case:${id}`, () => cases.move(id, 'in_review', STAFF, new Date(), actReasonOf(i)));
          await sleep(50);
        }
      })();
      // Progress read cheaply (the mark), a few times a second, so the reading does not slow the migration down.
      const unmarked = () => db.collection('cases').countDocuments({ $or: [{ wordsSealed: { $ne: true } }, { notesMigrated: { $ne: true } }] });
      for (const threshold of [CASES - 40]) {
        await until(async () => (await unmarked()) <= threshold, `${CASES - threshold} cases sealed`, 30_000, 200);
        await worker.kill();
        kills.push(await cases.countClearWords());
        worker = await rig.service('worker');
      }
      await acting;
      await until(async () => (await unmarked()) === 0, 'every case marked sealed and its notes moved', 45_000, 200);
      const migratedMs = Date.now() - startedAt - seededMs;
      // Sweeps go on: what is sealed is not sealed again (the words as stored stay byte for byte).
      const words = async () =>
        JSON.stringify(
          await db
            .collection('cases')
            .find({}, { projection: { decision: 1, history: 1, earlierNotes: 1 } })
            .sort({ _id: 1 })
            .toArray(),
        );
      const before = await words();
      await sleep(2_500);
      const after = await words();

      const violations: string[] = [];
      let clear = 0;
      let wrong = 0;
      let actsLost = 0;
      let notesWrong = 0;
      for (const [n, id] of ids.entries()) {
        const stored = JSON.stringify(await cases.raw(id));
        if (stored.includes(`رقم-${n}`) || stored.includes('بعد الترحيل')) clear += 1;
        const record = await cases.get(id);
        if (record?.decision?.reason !== reasonOf(n) || record.history.find((m) => m.to === 'rejected')?.reason !== reasonOf(n)) wrong += 1;
        const act = acted.indexOf(id);
        if (act >= 0 && !record?.history.some((m) => m.to === 'in_review' && m.reason === actReasonOf(act))) actsLost += 1;
        if (record?.notes.length !== 0 || record.earlierNotes !== `سارة (${NOTE_AT.toISOString().slice(0, 10)}): ${noteOf(n)}`) notesWrong += 1;
      }
      if ((await cases.countClearWords()) > 0) violations.push('keys status still counts cases with words in clear');
      if (clear > 0) violations.push(`${clear} case(s) still hold words in clear`);
      if (wrong > 0) violations.push(`${wrong} case(s) read back other words than were written`);
      if (actsLost > 0) violations.push(`${actsLost} staff act(s) lost`);
      if (notesWrong > 0) violations.push(`${notesWrong} case(s) whose notes were not moved exactly once`);
      if (before !== after) violations.push('a sweep after the migration changed sealed words');

      recordCase({
        case: CASE,
        title: TITLE,
        passed: violations.length === 0,
        durationMs: Date.now() - startedAt,
        faults: { 'SIGKILL of the worker mid-migration': kills.length, 'staff acts on unsealed cases': ACTS },
        figures: { cases: CASES, 'left in clear': clear, 'read back wrong': wrong, 'staff acts lost': actsLost, 'notes not moved once': notesWrong },
        duplicateBound: 0,
        logged: rig.problems(),
        violations,
        notes: [
          `${CASES} cases seeded as an older version stored them in ${seededMs} ms; the worker killed with ${kills.join(' and ')} still in clear; all sealed ${migratedMs} ms after seeding, two worker starts and the killed worker's case lock expiring included`,
        ],
      });
      expect(violations).toEqual([]);
    }),
  );
});

/** A rejected case whose reason is stored in clear, as before the words were sealed, with a researcher's free-text note, as before recommendations. */
async function legacyCase(cases: CaseRepository, db: Awaited<ReturnType<Rig['database']>>, keys: KeyRing, n: number): Promise<string> {
  const at = new Date(Date.UTC(2026, 9, 1, 0, n));
  const input = newCase(n, { at, reference: `SR-SEAL-${String(n).padStart(4, '0')}` });
  await cases.insertSubmitted(input);
  const { id } = input;
  const reason = reasonOf(n);
  await db.collection('cases').updateOne(
    { _id: id as never },
    {
      $set: {
        status: 'rejected',
        decision: { outcome: 'rejected', by: STAFF, at, reason },
        notes: [{ text: keys.encryptText(noteOf(n)), by: 'سارة', at: NOTE_AT }],
      },
      $push: { history: { from: 'submitted', to: 'rejected', at, by: STAFF, reason } } as never,
      $unset: { wordsSealed: '', notesMigrated: '', earlierNotes: '' },
    },
  );
  return id;
}
