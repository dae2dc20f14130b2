import type { Connection } from 'mongoose';
import type { KeyRing } from '../privacy/key-ring.js';
import { openDatabase, type DatabaseOptions } from './database.js';
import { ConversationRepository } from './conversation-repository.js';
import { InboxRepository } from './inbox-repository.js';
import { CaseRepository } from './case-repository.js';
import { OpenRequestLocks } from './open-request-locks.js';
import { DocumentStore } from './document-store.js';
import { AuditLog } from './audit-log.js';
import { StaffRepository } from './staff.js';
import { RecordRepository } from './record-repository.js';
import { ReferralRepository } from './referral-repository.js';
import { SurveyRepository } from './survey-repository.js';
import { ScheduleRepository } from './schedule-repository.js';
import { ErasureRepository } from './erasure-repository.js';
import { StaffQuestions } from './staff-questions.js';
import { WhatsAppSessionStore, type WhatsAppStoreOptions } from './whatsapp-session-store.js';
import { WhatsAppCursors } from './whatsapp-cursors.js';
import { WhatsAppIdentities } from './whatsapp-identities.js';
import { DatabaseDump } from './database-dump.js';
import { SealedStorage } from './sealed-storage.js';
import { recordDataFormat, refuseNewerData } from './data-format.js';

/** Every store of the service, each over the one connection. */
export interface Repositories {
  conversations: ConversationRepository;
  inbox: InboxRepository;
  cases: CaseRepository;
  locks: OpenRequestLocks;
  documents: DocumentStore;
  audit: AuditLog;
  staff: StaffRepository;
  records: RecordRepository;
  referrals: ReferralRepository;
  surveys: SurveyRepository;
  schedules: ScheduleRepository;
  erasures: ErasureRepository;
  questions: StaffQuestions;
  /** Which id each WhatsApp person's conversation is kept under (their number and their linked id). */
  whatsappIds: WhatsAppIdentities;
}

/**
 * The service's storage, built in one place for the service, the command line and the
 * benchmark: the repositories, the WhatsApp session's stores, and the whole-database views
 * (backup, key rotation). Nothing above src/models holds a database connection to build
 * its own; `connection` is there for the tests and the benchmark's monitor, which look
 * at the database itself.
 */
export interface Storage {
  readonly repositories: Repositories;
  readonly connection: Connection;
  whatsappSessions(options?: WhatsAppStoreOptions): WhatsAppSessionStore;
  whatsappCursors(): WhatsAppCursors;
  /** Every collection as it is, for a backup and a restore. */
  dump(): DatabaseDump;
  /** Every sealed field, for key rotation and the key status. */
  sealed(): SealedStorage;
  /** Builds the indexes every repository needs (at start, and after a restore of an older backup). */
  ensureIndexes(): Promise<void>;
  ping(): Promise<void>;
  close(): Promise<void>;
}

/**
 * Opens the database and builds the stores over it, after refusing a database a newer release has
 * written (data-format.ts): nothing is built or written on one. `init` (the service's start)
 * then builds the indexes and records this release's data format.
 */
export async function openStorage(options: DatabaseOptions & { keys: KeyRing; init?: boolean }): Promise<Storage> {
  const connection = await openDatabase(options);
  try {
    await refuseNewerData(connection);
    const storage = storageOver(connection, options.keys);
    if (options.init) {
      await storage.ensureIndexes();
      await recordDataFormat(connection);
    }
    return storage;
  } catch (error) {
    await connection.close().catch(() => undefined);
    throw error;
  }
}

/** The stores over an open connection (tests that open their own). */
export function storageOver(connection: Connection, keys: KeyRing): Storage {
  const repositories: Repositories = {
    conversations: new ConversationRepository(connection, keys),
    inbox: new InboxRepository(connection, keys),
    cases: new CaseRepository(connection, keys),
    locks: new OpenRequestLocks(connection),
    documents: new DocumentStore(connection, keys),
    audit: new AuditLog(connection),
    staff: new StaffRepository(connection),
    records: new RecordRepository(connection, keys),
    referrals: new ReferralRepository(connection, keys),
    surveys: new SurveyRepository(connection, keys),
    schedules: new ScheduleRepository(connection),
    erasures: new ErasureRepository(connection),
    questions: new StaffQuestions(connection, keys),
    whatsappIds: new WhatsAppIdentities(connection, keys),
  };
  return {
    repositories,
    connection,
    whatsappSessions: (storeOptions) => new WhatsAppSessionStore(connection, keys, storeOptions),
    whatsappCursors: () => new WhatsAppCursors(connection),
    dump: () => new DatabaseDump(connection),
    sealed: () => new SealedStorage(connection),
    ensureIndexes: async () => {
      for (const repository of Object.values(repositories)) if ('init' in repository) await repository.init();
    },
    ping: async () => {
      await connection.db?.admin().ping();
    },
    close: () => connection.close(),
  };
}
