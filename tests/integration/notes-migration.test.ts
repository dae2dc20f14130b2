/**
 * Researchers' free-text notes from before recommendations were structured are moved, by the
 * sweeper, once, under the case's lock, beside the running service, into the case's earlier
 * notes: never copied twice, never lost, not overwritten by a recommendation made later, and a
 * note still answered from an old question is moved too.
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

/** A case as an older version left it: free-text notes, no mark. */
async function legacyCase(app: RunningApp, n: number, notes: string[]): Promise<string> {
  const input = newCase(n, { reference: `SR-NOTE-000${n}` });
  await app.repositories.cases.insertSubmitted(input);
  const at = new Date('2026-11-20T10:00:00Z');
  await app.connection.db!.collection('cases').updateOne(
    { _id: input.id as never },
    {
      $set: {
        notes: notes.map((text) => ({ text: app.keys.encryptText(text), by: 'سارة', at })),
        status: 'in_review',
        assignee: { id: 'stf_sara', name: 'سارة' },
      },
      $unset: { notesMigrated: '', recommendation: '', earlierNotes: '' },
    },
  );
  return input.id;
}

describe('notes from before recommendations', () => {
  it('are moved once into the earlier notes, recommend nothing, and survive a recommendation made later', async () => {
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
    expect(record.earlierNotes).toBe('سارة (2026-11-20): زرت الأسرة يوم الثلاثاء\nسارة (2026-11-20): أوصي بالموافقة');
    // A note is not a recommendation: the committee still needs one where it is required.
    expect(hasRecommendation(record)).toBe(false);
    expect((await app.repositories.cases.get(bare))!.earlierNotes).toBe('');
    expect(await app.repositories.cases.notesNotYetMigrated()).toEqual([]);
    // Sealed on disk, and a further sweep copies nothing twice.
    const once = JSON.stringify(await app.repositories.cases.raw(noted));
    expect(once).not.toContain('الثلاثاء');
    await app.sweepNow();
    expect(JSON.stringify(await app.repositories.cases.raw(noted))).toBe(once);
    expect(await app.repositories.cases.migrateNotes(noted)).toBe(false);

    // A recommendation made since replaces nothing of them.
    await app.repositories.cases.setRecommendation(
      noted,
      { outcome: 'reject', detail: 'الدخل كافٍ', visitNote: 'زيارة ثانية' },
      { kind: 'staff', id: 'stf_sara', name: 'سارة' },
      new Date(),
      {
        act: 'q1',
      },
    );
    const after = (await app.repositories.cases.get(noted))!;
    expect(after.recommendation).toMatchObject({ outcome: 'reject', detail: 'الدخل كافٍ', visitNote: 'زيارة ثانية', by: 'سارة' });
    expect(after.earlierNotes).toBe(record.earlierNotes);
    expect(after.history.at(-1)).toMatchObject({ from: 'in_review', to: 'in_review', reason: 'recommended: reject — الدخل كافٍ', act: 'q1' });
  });

  it('moves a note answered later from an old question too, after the ones moved before', async () => {
    const app = await start();
    const id = await legacyCase(app, 4, ['ملاحظة قديمة']);
    await app.sweepNow();
    await app.repositories.cases.addNote(id, 'ملاحظة من سؤال قديم', 'فهد', new Date('2026-12-01T08:00:00Z'), { act: 'old-q' });
    expect(await app.repositories.cases.notesNotYetMigrated()).toEqual([id]);
    await app.sweepNow();
    const record = (await app.repositories.cases.get(id))!;
    expect(record.earlierNotes).toBe('سارة (2026-11-20): ملاحظة قديمة\nفهد (2026-12-01): ملاحظة من سؤال قديم');
    expect(record.notes).toEqual([]);
  });
});
