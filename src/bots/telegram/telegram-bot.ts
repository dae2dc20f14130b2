import type { FlowCatalog, Translate } from '../../engine/contract.js';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { Config } from '../../config/config.js';
import type { KeyRing } from '../../privacy/key-ring.js';
import type { CaseRepository } from '../../models/case-repository.js';
import type { OpenRequestLocks } from '../../models/open-request-locks.js';
import type { AuditLog } from '../../models/audit-log.js';
import type { StaffRepository } from '../../models/staff.js';
import type { DocumentStore } from '../../models/document-store.js';
import type { RecordRepository } from '../../models/record-repository.js';
import type { ReferralRepository } from '../../models/referral-repository.js';
import type { SurveyRepository } from '../../models/survey-repository.js';
import type { ScheduleRepository } from '../../models/schedule-repository.js';
import { ReferralDesk } from './referral-desk.js';
import { ReferralActions } from '../../services/referral-actions.js';
import { ErasureDesk } from './erasure-desk.js';
import type { ErasureDeps } from '../../services/erasure.js';
import type { StaffQuestions } from '../../models/staff-questions.js';
import { CaseActions, type CaseActionDeps } from '../../services/case-actions.js';
import { QuestionDesk } from './question-desk.js';
import { settleRevocations } from '../../services/staff-revocation.js';
import type { ChatLocks } from '../../services/chat-lock.js';
import { RateLimiter } from '../../services/rate-limiter.js';
import type { InboundMessage } from '../../core/channel.js';
import { AlertPoster } from './alert-poster.js';
import { StaffDesk } from './staff-desk.js';
import { CaseViews } from './case-views.js';
import { StaffReaders } from './staff-readers.js';
import { PdfRenderer } from '../../services/pdf-renderer.js';
import { GroupAlerts } from './group-alerts.js';
import { ReportDesk } from './report-desk.js';
import { CaseQueueDesk } from './case-queue-desk.js';
import { CaseQueue } from '../../services/case-queue.js';
import { TelegramChannel } from './telegram-channel.js';
import { TelegramGateway } from './telegram-gateway.js';
import { startPolling, TelegramUpdateHandler } from './telegram-updates.js';
import { chatKeyOf } from '../../services/identifiers.js';
import { errorFields } from '../../logger.js';

/** What the Telegram side is assembled from. */
export interface TelegramBotDeps {
  config: Config & { TELEGRAM_BOT_TOKEN: string };
  keys: KeyRing;
  logger: Logger;
  redis: Redis;
  cases: CaseRepository;
  locks: OpenRequestLocks;
  audit: AuditLog;
  staff: StaffRepository;
  questions: StaffQuestions;
  documents: DocumentStore;
  records: RecordRepository;
  referrals: ReferralRepository;
  surveys: SurveyRepository;
  schedules: ScheduleRepository;
  chatLocks: ChatLocks;
  translate: Translate;
  catalog: FlowCatalog;
  /** Stores and queues beneficiaries' messages, with one write for all of them. */
  ingest: (messages: readonly InboundMessage[]) => Promise<unknown>;
  notify: CaseActionDeps['notify'];
  scheduleSurvey?: CaseActionDeps['scheduleSurvey'];
  /** The fault suite's hook inside staff acts (see OwedWorkDeps.faults). */
  faults?: CaseActionDeps['faults'];
  /** What erasing a person's data works with, for the administrators' decision. */
  erasure: ErasureDeps;
}

/** The assembled Telegram side of the service. */
export interface TelegramBot {
  channel: TelegramChannel;
  handler: TelegramUpdateHandler;
  desk: StaffDesk;
  /** Posts the alerts that wait: new cases to the staff group, suggestions, complaints and volunteers to their roles. */
  poster: AlertPoster;
  /** Registers the command menu with Telegram, in Arabic and in English. */
  registerCommands(): Promise<void>;
  /** Starts long polling (when no webhook is configured). */
  poll(): { stop: () => Promise<void> };
  /** Points Telegram at the webhook with its secret. */
  setWebhook(): Promise<void>;
}

const COMMANDS = [
  'start',
  'request',
  'status',
  'ask',
  'researcher',
  'track',
  'feedback',
  'volunteer',
  'rate',
  'mydata',
  'delete',
  'withdraw',
  'language',
  'cancel',
  'help',
] as const;

/** Builds the Telegram channel, the staff desk, the alert poster and the update handling from the service's parts. */
export function assembleTelegram(deps: TelegramBotDeps): TelegramBot {
  const { config, logger } = deps;
  const staffGroupId = config.TELEGRAM_STAFF_GROUP_ID ?? null;
  const readers = new StaffReaders(config.STAFF_GROUP_LANGUAGE, staffGroupId);
  const limiter = config.TELEGRAM_RATE_LIMITS === 'on' ? new RateLimiter(deps.redis, config.QUEUE_PREFIX) : null;
  const gateway = new TelegramGateway(config.TELEGRAM_BOT_TOKEN, config.TELEGRAM_API_ROOT, limiter, logger, {
    redis: deps.redis,
    prefix: config.QUEUE_PREFIX,
    chatTag: (chatId) => chatKeyOf(deps.keys, 'telegram', String(chatId)),
  });
  const owed = {
    cases: deps.cases,
    records: deps.records,
    locks: deps.locks,
    chatLocks: deps.chatLocks,
    audit: deps.audit,
    notify: deps.notify,
    ...(deps.scheduleSurvey ? { scheduleSurvey: deps.scheduleSurvey } : {}),
    ...(deps.faults ? { faults: deps.faults } : {}),
  };
  const decisionUndoMs = config.DECISION_UNDO_MINUTES * 60_000;
  const requireRecommendation = config.REQUIRE_RECOMMENDATION === 'on';
  const actions = new CaseActions({ ...owed, decisionUndoMs, requireRecommendation });
  const requestFlow = deps.catalog.get('support_request');
  const feedbackFlow = deps.catalog.get('feedback');
  const volunteerFlow = deps.catalog.get('volunteer');
  if (!requestFlow || !feedbackFlow || !volunteerFlow) throw new Error('a flow the staff desk labels answers with is missing');
  const referralActions = new ReferralActions({
    referrals: deps.referrals,
    staff: deps.staff,
    audit: deps.audit,
    chatLocks: deps.chatLocks,
    notify: deps.notify,
  });
  const referralDesk = new ReferralDesk({
    gateway,
    staff: deps.staff,
    referrals: deps.referrals,
    actions: referralActions,
    documents: deps.documents,
    chatLocks: deps.chatLocks,
    keys: deps.keys,
    translate: deps.translate,
    catalog: deps.catalog,
    readers,
    logger,
  });
  const erasureDesk = new ErasureDesk({ gateway, staff: deps.staff, keys: deps.keys, translate: deps.translate, readers, erasure: deps.erasure, logger });
  const recordFlows = { feedback: feedbackFlow, volunteer: volunteerFlow };
  // The group reads the association's language, whatever each member chose.
  const groupViews = new CaseViews({ keys: deps.keys, translate: deps.translate, requestFlow, recordFlows }, readers.associationLanguage);
  const groupAlerts = new GroupAlerts({ gateway, cases: deps.cases, keys: deps.keys, views: groupViews, staffGroupId, logger });
  const reportDesk = new ReportDesk({
    gateway,
    staff: deps.staff,
    reports: { cases: deps.cases, surveys: deps.surveys, referrals: deps.referrals, records: deps.records },
    audit: deps.audit,
    translate: deps.translate,
    readers,
    logger,
  });
  const questions = new QuestionDesk({
    gateway,
    questions: deps.questions,
    cases: deps.cases,
    records: deps.records,
    actions,
    owed,
    referralDesk,
    keys: deps.keys,
    translate: deps.translate,
    readers,
    decisionUndoMs,
    onCaseChanged: (record) => groupAlerts.refreshAlertSoon(record),
    logger,
  });
  // One renderer: forms and agendas are printed one at a time, each in its own Chromium.
  const renderer = new PdfRenderer({ executablePath: config.CHROMIUM_PATH });
  const queueDesk = new CaseQueueDesk({
    gateway,
    keys: deps.keys,
    translate: deps.translate,
    requestFlow,
    queue: new CaseQueue(deps.cases),
    cases: deps.cases,
    readers,
    agendas: { cases: deps.cases, audit: deps.audit, translate: deps.translate, requestFlow, renderer },
    logger,
  });
  const desk = new StaffDesk({
    gateway,
    staff: deps.staff,
    questions,
    cases: deps.cases,
    documents: deps.documents,
    actions,
    chatLocks: deps.chatLocks,
    keys: deps.keys,
    translate: deps.translate,
    requestFlow,
    records: deps.records,
    recordFlows,
    referralDesk,
    erasureDesk,
    groupAlerts,
    reportDesk,
    queueDesk,
    requireRecommendation,
    forms: {
      cases: deps.cases,
      documents: deps.documents,
      audit: deps.audit,
      translate: deps.translate,
      requestFlow,
      renderer,
    },
    readers,
    logger,
  });
  const handler = new TelegramUpdateHandler({ gateway, desk, ingest: deps.ingest, staffGroupId, logger });
  return {
    channel: new TelegramChannel(gateway),
    handler,
    desk,
    poster: new AlertPoster({
      cases: deps.cases,
      records: deps.records,
      desk,
      groupAlerts,
      reportDesk,
      referralDesk,
      erasureDesk,
      schedules: deps.schedules,
      gateway,
      chatLocks: deps.chatLocks,
      staffGroupId,
      settleRevocations: () =>
        settleRevocations({
          staff: deps.staff,
          questions: deps.questions,
          referrals: deps.referrals,
          cases: deps.cases,
          actions,
          handBackReferral: (referral) => referralDesk.handBack(referral, 'role'),
          caseReleased: (record) => desk.caseReleased(record),
        }),
      logger,
    }),
    registerCommands: async () => {
      for (const lang of ['ar', 'en'] as const) {
        const commands = COMMANDS.map((command) => ({ command, description: deps.translate(lang, `command.${command}`) }));
        await gateway
          .call((t) => t.setMyCommands(commands, lang === 'en' ? { language_code: 'en' } : {}))
          .catch((error: unknown) => logger.warn({ ...errorFields(error) }, 'could not register the command menu'));
      }
    },
    poll: () => startPolling({ gateway, handler, logger }),
    setWebhook: async () => {
      if (!config.TELEGRAM_WEBHOOK_URL || !config.TELEGRAM_WEBHOOK_SECRET) return;
      const secret = config.TELEGRAM_WEBHOOK_SECRET;
      await gateway.call((t) =>
        t.setWebhook(config.TELEGRAM_WEBHOOK_URL!, {
          secret_token: secret,
          allowed_updates: ['message', 'edited_message', 'callback_query', 'my_chat_member'],
        }),
      );
    },
  };
}
