/**
 * Key rotation against FerretDB: data written under k1 by the real service and
 * repositories, rotated to k2 with the admin CLI, k1 dropped, everything read back.
 */
import { randomBytes } from 'node:crypto';
import type { Connection } from 'mongoose';
import { afterEach, describe, expect, it } from 'vitest';
import type { RunningApp } from '../../src/app.js';
import { runAdmin } from '../../src/cli/admin.js';
import type { Config } from '../../src/config/config.js';
import { AuditLog } from '../../src/models/audit-log.js';
import { CaseRepository } from '../../src/models/case-repository.js';
import { ConversationRepository } from '../../src/models/conversation-repository.js';
import { openDatabase } from '../../src/models/database.js';
import { DocumentStore } from '../../src/models/document-store.js';
import { InboxRepository } from '../../src/models/inbox-repository.js';
import { RecordRepository } from '../../src/models/record-repository.js';
import { ReferralRepository } from '../../src/models/referral-repository.js';
import { SealedStorage, STAGING_BUCKET } from '../../src/models/sealed-storage.js';
import { SurveyRepository } from '../../src/models/survey-repository.js';
import { WhatsAppSessionStore } from '../../src/models/whatsapp-session-store.js';
import { KeyRing } from '../../src/privacy/key-ring.js';
import { chatKeyOf } from '../../src/services/identifiers.js';
import { answerUpToReview, submit } from '../helpers/console-request.js';
import { adminVariables, startTestApp, TestChat, testEnvironment, type TestEnvironment } from '../helpers/test-app.js';

const SESSION = 'RemoteAuth-association';
const K2 = KeyRing.generateKeyBase64();

let env: TestEnvironment | null = null;
const apps: RunningApp[] = [];
const connections: Connection[] = [];

afterEach(async () => {
  for (const app of apps.splice(0)) await app.stop();
  for (const connection of connections.splice(0)) await connection.close();
  await env?.cleanup();
  env = null;
});

/** The test environment with other keys: the same database, queues and channel. */
function withKeys(base: TestEnvironment, dataKeys: string, current: string): TestEnvironment {
  return { ...base, config: Object.freeze({ ...base.config, DATA_KEYS: dataKeys, DATA_KEY_CURRENT: current }) as Config };
}

function ringOf(config: Config): KeyRing {
  return KeyRing.parse(config.DATA_KEYS, config.DATA_KEY_CURRENT, config.LOOKUP_KEY);
}

async function boot(on: TestEnvironment): Promise<RunningApp> {
  const app = await startTestApp(on);
  apps.push(app);
  return app;
}

async function stopAll(): Promise<void> {
  for (const app of apps.splice(0)) await app.stop();
}

async function connect(on: TestEnvironment): Promise<Connection> {
  const connection = await openDatabase({ uri: on.config.MONGODB_URI, dbName: on.dbName });
  connections.push(connection);
  return connection;
}

/** Runs the admin CLI in this process with the environment's settings. */
async function admin(on: TestEnvironment, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await runAdmin(args, {
    stdout: (text) => (stdout += text),
    stderr: (text) => (stderr += text),
    env: adminVariables(on),
  });
  return { code, stdout, stderr };
}

/** Every key's base64 text, to prove no output ever carries one. */
function keyMaterial(config: Config): string[] {
  return [...config.DATA_KEYS.split(',').map((entry) => entry.split(':')[1]!), config.LOOKUP_KEY];
}

/** Everything stored, as text: strings, and the first bytes of every binary value. */
async function rawDump(connection: Connection): Promise<string> {
  const db = connection.db!;
  const parts: string[] = [];
  for (const { name } of await db.listCollections().toArray()) {
    for (const doc of await db.collection(name).find().toArray()) {
      parts.push(
        JSON.stringify(doc, (_key, value: unknown) =>
          value && typeof value === 'object' && '_bsontype' in value && value._bsontype === 'Binary'
            ? `bin:${Buffer.from((value as unknown as { buffer: Uint8Array }).buffer.subarray(0, 8)).toString('latin1')}`
            : value,
        ),
      );
    }
  }
  return parts.join('\n');
}

/** What every repository holding sealed values reads back, for comparison before and after. */
async function readEverything(
  connection: Connection,
  keys: KeyRing,
  ids: { chatKeys: string[]; caseId: string; recordId: string; referralId: string; surveyId: string; documentIds: string[] },
) {
  const conversations = new ConversationRepository(connection, keys);
  const documents = new DocumentStore(connection, keys);
  const sessions = new WhatsAppSessionStore(connection, keys);
  return {
    conversations: await Promise.all(
      ids.chatKeys.map(async (chatKey) => {
        const c = await conversations.load(chatKey);
        return c && { address: c.address, session: c.session, outbox: c.outbox.map((o) => o.message), recovered: c.recovered };
      }),
    ),
    inbox: await Promise.all(ids.chatKeys.map((chatKey) => new InboxRepository(connection, keys).pending(chatKey))),
    case: await new CaseRepository(connection, keys).get(ids.caseId),
    record: await new RecordRepository(connection, keys).get(ids.recordId),
    referral: await new ReferralRepository(connection, keys).get(ids.referralId),
    survey: await new SurveyRepository(connection, keys).get(ids.surveyId),
    documents: await Promise.all(ids.documentIds.map((id) => documents.get(id).then((bytes) => bytes.toString('base64')))),
    whatsapp: (await sessions.get(SESSION)).toString('base64'),
  };
}

describe('key rotation', () => {
  it('re-encrypts everything under the new key, so the old key can be removed and everything still reads', async () => {
    env = testEnvironment();
    const k1Only = env;
    let app = await boot(k1Only);
    const noura = new TestChat(() => app, env.channel, 'noura');
    await answerUpToReview(noura, env.channel, '1000000008');
    const reference = await submit(noura);
    const sara = new TestChat(() => app, env.channel, 'sara');
    await sara.say('السلام عليكم', 'القائمة الرئيسية');
    await sara.say('1', 'هل توافق');
    await sara.say('نعم', 'لنفسك');
    await sara.say('1', 'الاسم الكامل');
    await sara.say('سارة محمد العتيبي', 'رقم الهوية');
    await stopAll();

    // The rest of what the service seals, written through the repositories under k1.
    const k1 = ringOf(k1Only.config);
    const connection = await connect(k1Only);
    const nouraKey = chatKeyOf(k1, 'console', 'noura');
    const saraKey = chatKeyOf(k1, 'console', 'sara');
    const cases = new CaseRepository(connection, k1);
    const caseId = (await cases.findOpenByChat(nouraKey))!.id;
    const researcher = { kind: 'staff' as const, id: 'stf_0000000001', name: 'Researcher' };
    await cases.addNote(caseId, 'زيارة ميدانية: الحالة تستحق', 'stf_0000000001', new Date(), { act: 'note-1' });
    await cases.move(caseId, 'in_review', researcher, new Date());
    await cases.requestInfo(caseId, { items: ['lease'], note: 'نحتاج عقد الإيجار' }, researcher, new Date());
    await cases.provideInfo(caseId, { text: 'أرسلت العقد', documentIds: [], mark: 'm-add' }, { kind: 'beneficiary', id: nouraKey }, new Date());
    const records = new RecordRepository(connection, k1);
    const record = (await records.insert({
      id: 'rec_1',
      kind: 'feedback',
      reference: 'FB-AAAA-BBBB',
      chatKey: saraKey,
      channel: 'console',
      lang: 'ar',
      answers: { feedback_text: 'شكوى عن التأخير' },
      documentIds: [],
      createdAt: new Date(),
    }))!;
    await records.answer(record.id, 'نعتذر، تمت المعالجة', 'stf_0000000001', new Date(), { act: 'answer-1', owe: [] });
    const referrals = new ReferralRepository(connection, k1);
    await referrals.open({
      id: 'ref_1',
      engineId: 'e1',
      reference: 'RF-AAAA-BBBB',
      chatKey: saraKey,
      channel: 'console',
      lang: 'ar',
      reason: 'asked',
      context: { flow: null, step: null },
      recent: ['أحتاج مساعدة'],
      createdAt: new Date(),
    });
    await referrals.queueForResearcher('ref_1', { id: 'msg-1', from: 'beneficiary', text: 'هل من أحد؟', at: new Date() });
    await new SurveyRepository(connection, k1).rateUnasked('srv_1', nouraKey, 'console', 5, 'خدمة ممتازة', new Date());
    const lateKey = chatKeyOf(k1, 'console', 'late');
    await new InboxRepository(connection, k1).accept(
      'inb_1',
      lateKey,
      { channel: 'console', chatId: 'late', userId: 'late', messageId: 'late-1', seq: 1, receivedAt: new Date().toISOString(), text: 'السلام عليكم' },
      new Date(),
    );
    // A document over several GridFS chunks, and the WhatsApp session.
    const bigDocument = randomBytes(600_000);
    await new DocumentStore(connection, k1).put('doc_big', bigDocument, {
      chatKey: saraKey,
      kind: 'pdf',
      mime: 'application/pdf',
      size: bigDocument.length,
      createdAt: new Date(),
    });
    await new WhatsAppSessionStore(connection, k1).put(SESSION, randomBytes(300_000));

    const ids = {
      chatKeys: [nouraKey, saraKey, lateKey],
      caseId,
      recordId: 'rec_1',
      referralId: 'ref_1',
      surveyId: 'srv_1',
      documentIds: [...(await cases.get(caseId))!.documentIds, 'doc_big'],
    };
    const before = await readEverything(connection, k1, ids);
    expect(before.documents).toHaveLength(3);
    expect(before.inbox[2]).toHaveLength(1);
    expect(before.conversations[2]).toBeNull();
    expect(before.case?.notes).toHaveLength(1);

    // The operator adds k2 and makes it current; k1 still reads.
    const both = withKeys(k1Only, `k2:${K2},${k1Only.config.DATA_KEYS}`, 'k2');
    const status = await admin(both, ['keys', 'status', '--json']);
    expect(status.code).toBe(0);
    const counted = JSON.parse(status.stdout) as { totals: Record<string, number>; stale: number };
    expect(counted.totals.k1).toBeGreaterThan(10);
    expect(counted.stale).toBe(counted.totals.k1);

    const rotation = await admin(both, ['keys', 'rotate', '--operator', 'Key Custodian']);
    expect(rotation.stderr).not.toMatch(/^error/m);
    expect(rotation.code).toBe(0);
    expect(rotation.stdout).toMatch(/Rewrote \d+ values and 4 files under key k2/);
    expect(rotation.stdout).toContain('k1 can be removed from DATA_KEYS');
    const after = await admin(both, ['keys', 'status']);
    expect(after.stdout).not.toMatch(/\bk1\b/);
    for (const secret of keyMaterial(both.config)) {
      for (const output of [status, rotation, after]) expect(output.stdout + output.stderr).not.toContain(secret);
    }

    // k1 removed: everything reads back the same with k2 alone, and nothing stored names k1.
    const k2Only = withKeys(k1Only, `k2:${K2}`, 'k2');
    const k2 = ringOf(k2Only.config);
    expect(await readEverything(connection, k2, ids)).toEqual(before);
    const raw = await rawDump(connection);
    expect(raw).not.toContain('enc1.k1.');
    expect(raw).not.toContain('bin:EB1\u0002k1');
    expect(raw).toContain('enc1.k2.');
    expect(await connection.db!.collection(`${STAGING_BUCKET}.files`).countDocuments()).toBe(0);
    expect((await new WhatsAppSessionStore(connection, k2).info(SESSION))?.keyId).toBe('k2');

    const audit = await new AuditLog(connection).list({ targetKind: 'keys', limit: 10 });
    expect(audit.map((entry) => entry.action)).toEqual(['keys.rotated', 'keys.rotation_started']);
    expect(audit[0]).toMatchObject({
      actor: { kind: 'operator', id: 'Key Custodian' },
      target: { id: 'k2' },
      details: { from: 'k1', complete: true, remaining: 0 },
    });

    // The service on k2 alone: the submitted case is found, the unfinished request goes on.
    app = await boot(k2Only);
    expect(await noura.say('/status', reference)).toContain(reference);
    await sara.say('2100000005', 'رقم الجوال');
  }, 120_000);

  it('finishes a file a stopped rotation left half rewritten', async () => {
    env = testEnvironment();
    const k1 = ringOf(env.config);
    const connection = await connect(env);
    const original = randomBytes(700_000);
    await new DocumentStore(connection, k1).put('doc_half', original, {
      chatKey: 'console_x',
      kind: 'pdf',
      mime: 'application/pdf',
      size: original.length,
      createdAt: new Date(),
    });

    // A run that staged the new bytes and wrote only the first chunk before it stopped.
    const both = withKeys(env, `k2:${K2},${env.config.DATA_KEYS}`, 'k2');
    const storage = new SealedStorage(connection);
    const fresh = ringOf(both.config).encryptBytes(original);
    await storage.stage('documents', 'doc_half', fresh);
    const chunks = connection.db!.collection('documents.chunks');
    const first = await chunks.findOne({ files_id: 'doc_half', n: 0 });
    const size = (first!.data as { position: number }).position;
    await chunks.updateOne({ _id: first!._id }, { $set: { data: fresh.subarray(0, size) } });
    await expect(new DocumentStore(connection, ringOf(both.config)).get('doc_half')).rejects.toThrow();
    expect(JSON.parse((await admin(both, ['keys', 'status', '--json'])).stdout)).toMatchObject({ staged: 1 });

    const rotation = await admin(both, ['keys', 'rotate', '--operator', 'Key Custodian']);
    expect(rotation.code).toBe(0);
    const k2Only = ringOf(withKeys(env, `k2:${K2}`, 'k2').config);
    expect((await new DocumentStore(connection, k2Only).get('doc_half')).equals(original)).toBe(true);
    expect(await connection.db!.collection(`${STAGING_BUCKET}.files`).countDocuments()).toBe(0);
    expect(await connection.db!.collection(`${STAGING_BUCKET}.chunks`).countDocuments()).toBe(0);
  }, 60_000);

  it('rotates beside the running service without losing a conversation write', async () => {
    env = testEnvironment();
    let app = await boot(env);
    const names = ['huda', 'omar', 'lina'];
    const ids = ['1000000008', '2100000005', '1000000016'];
    const chats = names.map((name) => new TestChat(() => app, env!.channel, name));
    await Promise.all(
      chats.map(async (chat) => {
        await chat.say('السلام عليكم', 'القائمة الرئيسية');
        await chat.say('1', 'هل توافق');
        await chat.say('نعم', 'لنفسك');
        await chat.say('1', 'الاسم الكامل');
      }),
    );
    await stopAll();

    // The service restarted with k2 current; the rotation runs while the three finish their requests.
    const both = withKeys(env, `k2:${K2},${env.config.DATA_KEYS}`, 'k2');
    app = await boot(both);
    const finish = Promise.all(
      chats.map(async (chat, i) => {
        await chat.say('عبدالله سالم الحربي', 'رقم الهوية');
        await chat.say(ids[i]!, 'رقم الجوال');
        await chat.say('0501234567', 'مدينة');
        await chat.say('جدة', 'الحي');
        await chat.say('الروضة', 'الحالة الاجتماعية');
      }),
    );
    let runs = 0;
    let code = -1;
    while (code !== 0 && runs < 10) {
      runs += 1;
      code = (await admin(both, ['keys', 'rotate', '--operator', 'Key Custodian'])).code;
    }
    await finish;
    expect(code).toBe(0);
    await stopAll();

    // With k1 gone, every draft holds every answer given before and during the rotation.
    const k2Only = withKeys(env, `k2:${K2}`, 'k2');
    const connection = await connect(k2Only);
    const conversations = new ConversationRepository(connection, ringOf(k2Only.config));
    for (const [i, name] of names.entries()) {
      const conversation = await conversations.load(chatKeyOf(ringOf(k2Only.config), 'console', name));
      expect(conversation?.recovered).toBe(false);
      expect(conversation?.address).toBe(name);
      expect(JSON.stringify(conversation?.session)).toContain(ids[i]!);
      expect(JSON.stringify(conversation?.session)).toContain('الروضة');
    }
    expect(JSON.parse((await admin(k2Only, ['keys', 'status', '--json'])).stdout)).toMatchObject({ stale: 0, unknownKey: 0 });
  }, 120_000);
});
