/**
 * Researchers' free-text notes from before recommendations were structured are moved into the
 * case's recommendation (as its visit note, recommending nothing) by the sweeper, once, under
 * the case's lock, beside the running service: never copied twice, never lost.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { RunningApp } from '../../src/app.js';
import { hasRecommendation } from '../../src/services/case-actions.js';
import { startTestApp, testEnvironment } from '../helpers/test-app.js';
import { newCase } from '../helpers/new-case.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
});

async function start(): Promise<RunningApp> {
  const env = testEnvironment();
  cleanups.push(() => env.cleanup());
  // No worker role: the test's own sweeps are the only ones.
  const app = await startTestApp(env, { roles: ['bot'] });
  cleanups.push(() => app.stop());
  return app;
}

/** A case as an older version left it: free-text notes, no recommendation, no mark. */
async function legacyCase(app: RunningApp, n: number, notes: string[]): Promise<string> {
  const input = newCase(n, { reference: `SR-NOTE-000${n}` });
  await app.repositories.cases.insertSubmitted(input);
  const at = new Date('2026-11-20T10:00:00Z');
  await app.connection.db!.collection('cases').updateOne(
    { _id: input.id as never },
    {
      $set: { notes: notes.map((text) => ({ text: app.keys.encryptText(text), by: 'سارة', at })), status: 'in_review' },
      $unset: { notesMigrated: '', recommendation: '' },
    },
  );
  return input.id;
}

describe('notes moved into the recommendation', () => {
  it('moves a case’s notes once into the visit note, recommending nothing, and leaves other cases as they are', async () => {
    const app = await start();
    const noted = await legacyCase(app, 1, ['زرت الأسرة يوم الثلاثاء', 'أوصي بالموافقة']);
    const bare = await legacyCase(app, 2, []);
    const fresh = newCase(3, { reference: 'SR-NOTE-0003' });
    await app.repositories.cases.insertSubmitted(fresh);
    expect(await app.repositories.cases.notesNotYetMigrated()).toEqual(expect.arrayContaining([noted, bare]));
    expect(await app.repositories.cases.notesNotYetMigrated()).not.toContain(fresh.id);

    await app.sweepNow();
    const record = (await app.repositories.cases.get(noted))!;
    expect(record.notes).toEqual([]);
    expect(record.recommendation).toMatchObject({ outcome: 'unstated', detail: '', by: 'سارة' });
    expect(record.recommendation!.visitNote).toBe('سارة (2026-11-20): زرت الأسرة يوم الثلاثاء\nسارة (2026-11-20): أوصي بالموافقة');
    // A note is not a recommendation: the committee still needs one where it is required.
    expect(hasRecommendation(record)).toBe(false);
    expect((await app.repositories.cases.get(bare))!.recommendation).toBeNull();
    expect(await app.repositories.cases.notesNotYetMigrated()).toEqual([]);
    // Sealed on disk, and a further sweep copies nothing twice.
    const once = JSON.stringify(await app.repositories.cases.raw(noted));
    expect(once).not.toContain('الثلاثاء');
    await app.sweepNow();
    expect(JSON.stringify(await app.repositories.cases.raw(noted))).toBe(once);
    expect(await app.repositories.cases.migrateNotes(noted)).toBe(false);
  });

  it('keeps a recommendation made before the move, the old notes put in front of its visit note', async () => {
    const app = await start();
    const id = await legacyCase(app, 4, ['ملاحظة قديمة']);
    await app.repositories.cases.setRecommendation(id, { outcome: 'reject', detail: 'الدخل كافٍ', visitNote: 'زيارة ثانية' }, 'فهد', new Date(), {
      act: 'q1',
    });
    expect(await app.repositories.cases.migrateNotes(id)).toBe(true);
    const record = (await app.repositories.cases.get(id))!;
    expect(record.recommendation).toMatchObject({ outcome: 'reject', detail: 'الدخل كافٍ', by: 'فهد' });
    expect(record.recommendation!.visitNote).toBe('سارة (2026-11-20): ملاحظة قديمة\nزيارة ثانية');
    expect(record.notes).toEqual([]);
  });
});
