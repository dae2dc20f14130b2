/**
 * The committee's and staff's words in a case (the support granted, a rejection's reason, the
 * reason of each move) are sealed like the answers; words stored in clear before that are
 * sealed in place by the sweeper, once, under the case's lock, and `keys status` counts them.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { RunningApp } from '../../src/app.js';
import { chatKeyOf } from '../../src/services/identifiers.js';
import { exportOwnData } from '../../src/services/requests/own-data.js';
import { startTestApp, testEnvironment } from '../helpers/test-app.js';
import { newCase } from '../helpers/new-case.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
});

const GRANTED = 'سلة غذائية شهرية لستة أشهر؛ دخل الأسرة 1500 ريال والأب مريض بالسكري';
const STAFF = { kind: 'staff' as const, id: 'stf_1', name: 'لجنة البحث' };

async function start(): Promise<RunningApp> {
  const env = testEnvironment();
  cleanups.push(() => env.cleanup());
  // No worker role: no sweeper on a timer, so the test's own sweeps are the only ones and it sees the words in clear first.
  const app = await startTestApp(env, { roles: ['bot'] });
  cleanups.push(() => app.stop());
  return app;
}

async function insertCase(app: RunningApp, n: number): Promise<string> {
  const input = newCase(n, {
    reference: `SR-SEAL-000${n}`,
    chatKey: chatKeyOf(app.keys, 'console', `person-${n}`),
    answers: { full_name: 'نورة سعد العتيبي', national_id: '1000000008', support_type: 'food' },
  });
  await app.repositories.cases.insertSubmitted(input);
  return input.id;
}

const raw = async (app: RunningApp, id: string) => JSON.stringify(await app.repositories.cases.raw(id));

describe('the committee’s words, sealed', () => {
  it('stores the support granted and every reason sealed, and reads them back', async () => {
    const app = await start();
    const id = await insertCase(app, 1);
    const at = new Date();
    await app.repositories.cases.move(id, 'in_review', STAFF, at, 'الباحث زار الأسرة');
    await app.repositories.cases.move(id, 'approved', STAFF, at, GRANTED, { decision: { outcome: 'approved', by: STAFF, at, supportGranted: GRANTED } });
    const stored = await raw(app, id);
    expect(stored).not.toContain('السكري');
    expect(stored).not.toContain('زار الأسرة');
    const record = await app.repositories.cases.get(id);
    expect(record?.decision?.supportGranted).toBe(GRANTED);
    expect(record?.history.map((move) => move.reason ?? null)).toEqual([null, 'الباحث زار الأسرة', GRANTED]);
    expect(await app.repositories.cases.countClearWords()).toBe(0);
    // The person reads what the committee wrote about them in their copy of their data (/mydata).
    const origin = { chatKey: chatKeyOf(app.keys, 'console', 'person-1'), channel: 'console' as const, lang: 'ar' as const, now: at, messageMark: 'm1' };
    const own = await exportOwnData({ ...app.repositories }, origin);
    expect(own.request === 'export_own_data' && own.cases[0]?.decisionWords).toBe(GRANTED);
  });

  it('seals words stored in clear before, once, beside the running service, and keys status counts them', async () => {
    const app = await start();
    const id = await insertCase(app, 2);
    const at = new Date();
    // As an older version stored them: the reason and the decision in clear, no mark.
    await app.connection.db!.collection('cases').updateOne(
      { _id: id as never },
      {
        $set: { status: 'rejected', decision: { outcome: 'rejected', by: STAFF, at, reason: 'الدخل أعلى من الحد: 9000 ريال' } },
        $push: { history: { from: 'submitted', to: 'rejected', at, by: STAFF, reason: 'الدخل أعلى من الحد: 9000 ريال' } } as never,
        $unset: { wordsSealed: '' },
      },
    );
    expect(await raw(app, id)).toContain('9000');
    expect(await app.repositories.cases.countClearWords()).toBe(1);
    // Read as they are meanwhile.
    expect((await app.repositories.cases.get(id))?.decision?.reason).toBe('الدخل أعلى من الحد: 9000 ريال');

    await app.sweepNow();
    expect(await raw(app, id)).not.toContain('9000');
    expect(await app.repositories.cases.countClearWords()).toBe(0);
    const record = await app.repositories.cases.get(id);
    expect(record?.decision?.reason).toBe('الدخل أعلى من الحد: 9000 ريال');
    expect(record?.history.at(-1)?.reason).toBe('الدخل أعلى من الحد: 9000 ريال');
    // Again: nothing left to seal, the sealed words are not sealed twice.
    const once = await raw(app, id);
    await app.sweepNow();
    expect(await raw(app, id)).toBe(once);
  });
});
