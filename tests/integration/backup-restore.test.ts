/**
 * Backup and restore with the admin CLI against FerretDB: a real case with its
 * documents, staff and audit backed up, restored into a new database, and the service
 * started on it works on.
 */
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { mongo, type Connection } from 'mongoose';
import { afterEach, describe, expect, it } from 'vitest';
import type { RunningApp } from '../../src/app.js';
import { runAdmin } from '../../src/cli/admin.js';
import { openDatabase } from '../../src/models/database.js';
import { StaffRepository } from '../../src/models/staff.js';
import { chatKeyOf } from '../../src/services/identifiers.js';
import { answerUpToReview, submit } from '../helpers/console-request.js';
import { MONGODB_URI } from '../helpers/db.js';
import { adminVariables, startTestApp, TestChat, testEnvironment, type TestEnvironment } from '../helpers/test-app.js';

const NATIONAL_ID = '1000000008';

const environments: TestEnvironment[] = [];
const apps: RunningApp[] = [];
const connections: Connection[] = [];
const directories: string[] = [];

afterEach(async () => {
  for (const app of apps.splice(0)) await app.stop();
  for (const connection of connections.splice(0)) await connection.close();
  for (const env of environments.splice(0)) await env.cleanup();
  for (const dir of directories.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function environment(like?: TestEnvironment): TestEnvironment {
  const keys: Record<string, string> = like
    ? { DATA_KEYS: like.config.DATA_KEYS, DATA_KEY_CURRENT: like.config.DATA_KEY_CURRENT, LOOKUP_KEY: like.config.LOOKUP_KEY }
    : {};
  const env = testEnvironment(keys);
  environments.push(env);
  // The same people on the same channel: only the database (and queues) differ.
  return like ? { ...env, channel: like.channel } : env;
}

function scratch(): string {
  const dir = mkdtempSync(join(tmpdir(), 'backup-test-'));
  directories.push(dir);
  return dir;
}

async function connect(env: TestEnvironment): Promise<Connection> {
  const connection = await openDatabase({ uri: MONGODB_URI, dbName: env.dbName });
  connections.push(connection);
  return connection;
}

async function admin(env: TestEnvironment, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await runAdmin(args, {
    stdout: (text) => (stdout += text),
    stderr: (text) => (stderr += text),
    env: adminVariables(env),
  });
  return { code, stdout, stderr };
}

/** Every document of every collection as canonical Extended JSON, by collection: what "the same data" means. */
async function contents(connection: Connection): Promise<Record<string, string[]>> {
  const db = connection.db!;
  const all: Record<string, string[]> = {};
  for (const { name } of await db.listCollections().toArray()) {
    const docs = await db.collection(name).find({}, { promoteValues: false }).sort({ _id: 1 }).toArray();
    if (docs.length > 0) all[name] = docs.map((doc) => mongo.BSON.EJSON.stringify(doc, { relaxed: false }));
  }
  return all;
}

async function indexNames(connection: Connection): Promise<Record<string, string[]>> {
  const db = connection.db!;
  const all: Record<string, string[]> = {};
  for (const { name } of await db.listCollections().toArray()) {
    all[name] = (await db.collection(name).listIndexes().toArray()).map((index) => String(index.name)).sort();
  }
  return all;
}

describe('backup and restore', () => {
  it('restores a backup into an empty database, and the service works on from it', async () => {
    const source = environment();
    let app = await startTestApp(source);
    apps.push(app);
    const noura = new TestChat(() => app, source.channel, 'noura');
    await answerUpToReview(noura, source.channel, NATIONAL_ID);
    const reference = await submit(noura);
    const sara = new TestChat(() => app, source.channel, 'sara');
    await sara.say('السلام عليكم', 'القائمة الرئيسية');
    await sara.say('1', 'هل توافق');
    await sara.say('نعم', 'لنفسك');
    await sara.say('1', 'الاسم الكامل');
    const staff = await app.repositories.staff.add({ name: 'نورة السبيعي', telegramUserId: 424242, roles: ['researcher', 'admin'] });
    const chatKey = chatKeyOf(app.keys, 'console', 'noura');
    const caseId = (await app.repositories.cases.findOpenByChat(chatKey))!.id;
    const documentIds = (await app.repositories.cases.get(caseId))!.documentIds;
    const documents = await Promise.all(documentIds.map((id) => app.repositories.documents.get(id)));
    for (const a of apps.splice(0)) await a.stop();

    // A manual addition with types a repository never writes: they must survive too.
    const sourceDb = await connect(source);
    await sourceDb.db!.collection('type_probe').insertOne({
      _id: 'p' as never,
      int: new mongo.Int32(7),
      double: new mongo.Double(7),
      long: mongo.Long.fromString('9007199254740993'),
      at: new Date('2026-01-02T03:04:05.678Z'),
      oid: new mongo.ObjectId(),
      bin: new mongo.Binary(Buffer.from([0, 1, 2, 255]), 5),
      nested: [{ a: null, b: true }],
    });
    const before = await contents(sourceDb);

    const dir = scratch();
    const file = join(dir, 'intake.backup.gz');
    const backup = await admin(source, ['backup', '--out', file, '--operator', 'Backup Officer']);
    expect(backup.stderr).toBe('');
    expect(backup.code).toBe(0);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const text = gunzipSync(readFileSync(file)).toString('utf8');
    const [headerLine, ...lines] = text.trimEnd().split('\n');
    const header = JSON.parse(headerLine!) as { format: string; version: number; collections: { name: string; count: number; indexes: { name: string }[] }[] };
    expect(header).toMatchObject({ format: 'intake-backup', version: 1 });
    expect(header.collections.map((c) => c.name)).toEqual(
      expect.arrayContaining(['audit_log', 'cases', 'conversations', 'documents.chunks', 'documents.files', 'staff', 'type_probe']),
    );
    expect(header.collections.find((c) => c.name === 'cases')).toMatchObject({
      count: 1,
      indexes: expect.arrayContaining([expect.objectContaining({ name: 'reference_1' })]),
    });
    expect(lines).toHaveLength(header.collections.reduce((n, c) => n + c.count, 0));
    // Encrypted at rest stays encrypted in the backup.
    for (const secret of [NATIONAL_ID, 'محمد عبدالله القحطاني', '501234567', 'تأخرت في سداد']) expect(text).not.toContain(secret);
    expect(text).toContain('enc1.k1.');
    expect(await new mongo.GridFSBucket(sourceDb.db!, { bucketName: 'documents' }).find().toArray()).toHaveLength(2);
    const sourceAudit = await admin(source, ['staff', 'list', '--operator', 'Backup Officer', '--json']);
    expect(sourceAudit.code).toBe(0);

    // Into a new database with the same keys.
    const target = environment(source);
    const restored = await admin(target, ['restore', '--from', file, '--operator', 'Restore Officer']);
    expect(restored.stderr).toBe('');
    expect(restored.code).toBe(0);
    expect(restored.stdout).toMatch(/^Restored \d+ documents of \d+ collections/);
    const targetDb = await connect(target);
    const after = await contents(targetDb);
    const { audit_log: auditAfter, ...restAfter } = after;
    const { audit_log: auditBefore, ...restBefore } = before;
    expect(restAfter).toEqual(restBefore);
    // The audit log as it was, plus the restore's own entry (the backup's is in the source's log, after the file was written).
    const restoreEntries = auditAfter!.filter((line) => (JSON.parse(line) as { action: string }).action === 'data.restored');
    expect(restoreEntries).toHaveLength(1);
    expect(auditAfter!.filter((line) => !restoreEntries.includes(line))).toEqual(auditBefore);
    const sourceIndexes = await indexNames(sourceDb);
    const targetIndexes = await indexNames(targetDb);
    for (const [name, indexes] of Object.entries(sourceIndexes)) expect(targetIndexes[name], name).toEqual(expect.arrayContaining(indexes));

    // Restored with keys of the same id but other bytes: done, and the operator is warned at once.
    const strangers = testEnvironment();
    environments.push(strangers);
    const wrongKeys = await admin(strangers, ['restore', '--from', file, '--operator', 'Restore Officer']);
    expect(wrongKeys.code).toBe(0);
    expect(wrongKeys.stderr).toBe('warning: DATA_KEYS has k1, but not the key the restored data was encrypted with: it cannot be read with these keys.\n');

    // A second restore into the now full database is refused, and changes nothing.
    const again = await admin(target, ['restore', '--from', file, '--operator', 'Restore Officer']);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/^error: restore writes only into an empty database; this one holds documents: .*cases \(1\)/);
    expect(await contents(targetDb)).toEqual(after);

    // The service on the restored database: the case is found, its documents read back, the draft goes on, staff are known.
    app = await startTestApp(target);
    apps.push(app);
    expect(await noura.say('/status', reference)).toContain(reference);
    const restoredDocuments = await Promise.all(documentIds.map((id) => app.repositories.documents.get(id)));
    restoredDocuments.forEach((bytes, i) => expect(bytes.equals(documents[i]!)).toBe(true));
    expect((await app.repositories.cases.get(caseId))?.answers).toMatchObject({ national_id: NATIONAL_ID });
    await sara.say('سارة محمد العتيبي', 'رقم الهوية');
    expect((await new StaffRepository(app.connection).get(staff.staff.id))?.roles).toEqual(['researcher', 'admin']);
    // One open request per national ID still holds: the restored lock is found by its keyed hash.
    expect(await app.repositories.locks.get(app.keys.lookupHash('national-id', NATIONAL_ID))).toMatchObject({ caseId, state: 'active' });
  }, 120_000);

  it('refuses a damaged, cut-short or foreign file before writing anything, and never replaces a file', async () => {
    const source = environment();
    const sourceDb = await connect(source);
    await sourceDb.db!.collection('things').insertMany(Array.from({ length: 500 }, (_, i) => ({ _id: `t${i}` as never, n: i, pad: 'x'.repeat(200) })));
    const dir = scratch();
    const file = join(dir, 'b.gz');
    expect((await admin(source, ['backup', '--out', file, '--operator', 'Op'])).code).toBe(0);
    const exists = await admin(source, ['backup', '--out', file, '--operator', 'Op']);
    expect(exists.code).toBe(1);
    expect(exists.stderr).toMatch(/^error: --out .* exists/);

    const bytes = readFileSync(file);
    const cut = join(dir, 'cut.gz');
    writeFileSync(cut, bytes.subarray(0, Math.floor(bytes.length * 0.7)));
    const foreign = join(dir, 'foreign.gz');
    writeFileSync(foreign, gzipSync('{"hello":"world"}\n'));
    const notGzip = join(dir, 'plain.txt');
    writeFileSync(notGzip, 'hello\n');

    const target = environment(source);
    for (const [name, pattern] of [
      [cut, /^error: the backup is (damaged or cut short|incomplete)/],
      [foreign, /^error: this is not a backup made by "npm run admin -- backup"/],
      [notGzip, /^error: the backup is damaged or cut short/],
    ] as const) {
      const result = await admin(target, ['restore', '--from', name, '--operator', 'Op']);
      expect(result.code, name).toBe(1);
      expect(result.stderr.trimEnd().split('\n')).toHaveLength(1);
      expect(result.stderr, name).toMatch(pattern);
    }
    const targetDb = await connect(target);
    expect(await targetDb.db!.collection('things').countDocuments()).toBe(0);
  }, 60_000);
});
