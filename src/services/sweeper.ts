import type { Logger } from 'pino';
import type { ConversationRepository } from '../models/conversation-repository.js';
import type { InboxRepository } from '../models/inbox-repository.js';
import type { OpenRequestLocks } from '../models/open-request-locks.js';
import type { CaseRepository } from '../models/case-repository.js';
import type { RecordRepository } from '../models/record-repository.js';
import type { ReferralRepository } from '../models/referral-repository.js';
import type { SurveyRepository } from '../models/survey-repository.js';
import type { AttemptCounter } from './attempt-counter.js';
import type { CaseActionDeps } from './case-actions.js';
import type { ScheduleRepository } from '../models/schedule-repository.js';
import { nextWeeklyReport } from '../core/working-hours.js';
import type { ConversationProcessor } from './conversation-processor.js';
import type { ChatLocks } from './chat-lock.js';
import { resolveStaleLock } from './submission.js';
import { errorFields } from '../logger.js';
import { applyRetention, finishErasure, tellRefusal, type ErasureDeps } from './erasure.js';
import { finishAllOwed } from './owed-work.js';
import type { AuditLog } from '../models/audit-log.js';
import type { StaffRepository } from '../models/staff.js';
import type { CaseRecord } from '../models/case-repository.js';

/** The schedule name of the weekly report to administrators. */
export const WEEKLY_REPORT = 'weekly-report';

/** What the sweeper works with. */
export interface SweeperDeps {
  conversations: ConversationRepository;
  inbox: InboxRepository;
  locks: OpenRequestLocks;
  cases: CaseRepository;
  records: RecordRepository;
  referrals: ReferralRepository;
  /** A referral nobody took is announced again after this long. */
  referralReannounceMs: number;
  surveys: SurveyRepository;
  schedules: ScheduleRepository;
  /** Tells a person something in their chat, in order with their messages (the survey invitation). */
  notify: CaseActionDeps['notify'];
  /** Schedules the invitation to rate the service, when a staff act owes it. */
  scheduleSurvey?: (record: CaseRecord, occasion: 'decision' | 'service', at: Date) => Promise<void>;
  audit: AuditLog;
  staff: StaffRepository;
  attempts: AttemptCounter;
  /** Optional messages per WhatsApp number per day. */
  optionalPerDay: number;
  processor: ConversationProcessor;
  chatLocks: ChatLocks;
  requestInbound: (chatKey: string, reason: string) => Promise<void>;
  requestSend: (chatKey: string, reason: string) => Promise<void>;
  /** Asks for waiting staff alerts (cases, suggestions, complaints, volunteers) to be posted. */
  requestAlerts?: (reason: string) => Promise<void>;
  draftIdleMs: number;
  staleLockMs: number;
  /** How long a received message may wait before the sweeper assumes its job was lost. */
  inboxGraceMs: number;
  /** Erasure requests and the retention schedule; absent in sweeps that do not run them. */
  erasure?: ErasureDeps;
  /** How long a finished case keeps its personal data. */
  retentionMs?: number;
  logger: Logger;
  clock?: () => Date;
}

/** What one sweep did, for logs and tests. */
export interface SweepReport {
  inboxRequeued: number;
  outboxRequeued: number;
  submissionsFinished: number;
  submissionsRolledBack: number;
  draftsExpired: number;
  casesAnonymised: number;
  /** Notices, audit entries and the rest that staff acts owed and a crash, a blip or the undo window left to do. */
  owedFinished: number;
  /** Cases whose words (decisions, reasons) stored in clear before they were sealed were sealed now. */
  casesSealed: number;
  /** Cases whose free-text notes were moved into their recommendation. */
  notesMigrated: number;
}

/** Cases whose old clear words are sealed per sweep: a few at a time, beside the running service. */
const SEAL_BATCH = 50;

/**
 * Re-arms from MongoDB what Redis may have lost and finishes what a crash left half
 * done: chats with waiting messages or unsent replies are queued again, pending
 * submission locks are finished or rolled back, idle drafts expire. Everything it
 * does is idempotent, so running it too often costs only queries.
 */
export async function sweep(deps: SweeperDeps): Promise<SweepReport> {
  const now = deps.clock?.() ?? new Date();
  const report: SweepReport = {
    inboxRequeued: 0,
    outboxRequeued: 0,
    submissionsFinished: 0,
    submissionsRolledBack: 0,
    draftsExpired: 0,
    casesAnonymised: 0,
    owedFinished: 0,
    casesSealed: 0,
    notesMigrated: 0,
  };
  const bucket = Math.floor(now.getTime() / 10_000);
  // One request or case that keeps failing is logged and retried next time; it must not hold back the others.
  const contained = (what: string, id: string) => (error: unknown) =>
    deps.logger.warn({ [what]: id, ...errorFields(error) }, `sweep: ${what} failed; retried next sweep`);

  for (const chatKey of await deps.inbox.chatsWaitingSince(new Date(now.getTime() - deps.inboxGraceMs))) {
    await deps.requestInbound(chatKey, `sweep-${chatKey}-${bucket}`);
    report.inboxRequeued += 1;
  }
  for (const chatKey of await deps.conversations.withPendingOutbox()) {
    await deps.requestSend(chatKey, `sweep-${bucket}`);
    report.outboxRequeued += 1;
  }
  // The committee's clock: alarms come due here, from MongoDB, and the staff side tells them.
  for (const { id, alarm } of await deps.cases.clockDue(now)) {
    await deps.chatLocks.exclusive(`case:${id}`, () => deps.cases.markClock(id, alarm, null, 'due'));
  }
  // What staff acts owe (a decision's notice once its undo window is over, anything a crash left): from MongoDB, each once.
  report.owedFinished = await finishAllOwed(deps, now, (id, error) =>
    deps.logger.warn({ id, ...errorFields(error) }, 'sweep: owed work failed; retried next sweep'),
  );
  await inviteToRate(deps, now);
  await remindOfDocuments(deps, now, (id) => contained('caseId', id));
  // Words stored in clear before they were sealed: sealed in place under each case's lock, a batch a sweep.
  for (const id of await deps.cases.notYetSealed(SEAL_BATCH)) {
    const outcome = await deps.chatLocks.exclusive(`case:${id}`, () => deps.cases.sealWords(id)).catch(contained('caseId', id));
    if (outcome === true) report.casesSealed += 1;
  }
  // Researchers' free-text notes from before recommendations were structured: moved into the case's earlier notes, a batch a sweep.
  for (const id of await deps.cases.notesNotYetMigrated(SEAL_BATCH)) {
    const outcome = await deps.chatLocks.exclusive(`case:${id}`, () => deps.cases.migrateNotes(id)).catch(contained('caseId', id));
    if (outcome === true) report.notesMigrated += 1;
  }
  // The weekly report to administrators: due every Sunday 08:00 Saudi time, kept in MongoDB.
  await deps.schedules.arm(WEEKLY_REPORT, nextWeeklyReport(now));
  await deps.chatLocks.withLock(`schedule:${WEEKLY_REPORT}`, () => deps.schedules.takeDue(WEEKLY_REPORT, now, nextWeeklyReport));
  for (const referralId of await deps.referrals.unclaimedSince(new Date(now.getTime() - deps.referralReannounceMs))) {
    await deps.chatLocks.exclusive(`referral:${referralId}`, () => deps.referrals.announceAgain(referralId));
  }
  const staffWork = async () =>
    (await deps.cases.pendingAlerts(1)).length > 0 ||
    (await deps.cases.clockAlertsPending(1)).length > 0 ||
    (await deps.cases.infoProvidedPending(1)).length > 0 ||
    (await deps.records.hasAlertsPending()) ||
    (await deps.referrals.staffNeeded()) ||
    (await deps.staff.revocationsDue(1)).length > 0 ||
    (await deps.schedules.isPending(WEEKLY_REPORT)) ||
    (deps.erasure !== undefined && (await deps.erasure.erasures.alertsPending(1)).length > 0);
  if (deps.requestAlerts && (await staffWork())) {
    await deps.requestAlerts(`sweep-${bucket}`);
  }
  for (const lock of await deps.locks.stalePending(new Date(now.getTime() - deps.staleLockMs))) {
    const outcome = await resolveStaleLock(deps, lock);
    if (outcome === 'finished') report.submissionsFinished += 1;
    else report.submissionsRolledBack += 1;
  }
  for (const chatKey of await deps.conversations.withIdleDraft(new Date(now.getTime() - deps.draftIdleMs))) {
    const outcome = await deps.chatLocks.withLock(`chat:${chatKey}`, () => deps.processor.expireDraft(chatKey));
    if (outcome.ran) report.draftsExpired += 1;
  }
  if (deps.erasure) {
    const erasure = deps.erasure;
    // An approved erasure a crash cut short, or a refusal nobody was told of: finished, each step safe to repeat.
    for (const id of await erasure.erasures.approvedNotDone()) await finishErasure(erasure, id, now).catch(contained('erasureId', id));
    for (const id of await erasure.erasures.refusedUntold()) await tellRefusal(erasure, id, now).catch(contained('erasureId', id));
    if (deps.retentionMs !== undefined)
      report.casesAnonymised = await applyRetention(erasure, deps.retentionMs, now, (caseId, error) => contained('caseId', caseId)(error));
  }
  return report;
}

/**
 * Reminds, once, each person whose promised documents have not come by DOCUMENTS_REMINDER_DAYS:
 * queued under an id of the case's, so a sweep that dies before the reminder is marked sent
 * queues the same notice again and the inbox keeps one. A service message: sent whatever the
 * person chose about optional ones.
 */
async function remindOfDocuments(deps: SweeperDeps, now: Date, failed: (id: string) => (error: unknown) => void): Promise<void> {
  for (const due of await deps.cases.documentsRemindersDue(now)) {
    const params = { caseId: due.id, reference: due.reference, items: due.documentsLater.join(','), flow: 'support_request' };
    // One that fails is logged and tried again next sweep; it must not hold back the rest of the sweep.
    await (async () => {
      await deps.notify(
        { chatKey: due.chatKey, channel: due.channel as Parameters<CaseActionDeps['notify']>[0]['channel'] },
        { key: 'documents.reminder', params },
        `documents-reminder:${due.id}`,
      );
      await deps.chatLocks.exclusive(`case:${due.id}`, () => deps.cases.documentsReminded(due.id));
    })().catch(failed(due.id));
  }
}

/**
 * Sends the survey invitations that are due: an optional message, so not to a person who
 * stopped optional messages (skipped, never sent later), and on WhatsApp at most
 * `optionalPerDay` a day per number (the rest wait for the next day).
 */
async function inviteToRate(deps: SweeperDeps, now: Date): Promise<void> {
  for (const survey of await deps.surveys.due(now)) {
    if (!(await deps.conversations.acceptsOptional(survey.chatKey))) {
      await deps.chatLocks.exclusive(`survey:${survey.id}`, () => deps.surveys.mark(survey.id, 'scheduled', 'skipped'));
      continue;
    }
    if (survey.channel === 'whatsapp' && !(await deps.attempts.allow(`optional:${survey.chatKey}`, deps.optionalPerDay, 86_400_000))) continue;
    const params = { surveyId: survey.id, reference: survey.reference ?? '' };
    await deps.notify(
      { chatKey: survey.chatKey, channel: survey.channel as Parameters<CaseActionDeps['notify']>[0]['channel'] },
      { key: 'survey.invite', params },
      `survey:${survey.id}`,
    );
    await deps.chatLocks.exclusive(`survey:${survey.id}`, () => deps.surveys.mark(survey.id, 'scheduled', 'sent'));
  }
}

/** Runs {@link sweep} now and then every `intervalMs` until stopped; a failed sweep is logged and retried next time. */
export function startSweeper(deps: SweeperDeps, intervalMs: number): { stop: () => Promise<void> } {
  let running: Promise<unknown> = Promise.resolve();
  let busy = false;
  const tick = () => {
    // A sweep slower than the interval is not overlapped by the next: two would repeat each other's work.
    if (busy) return;
    busy = true;
    running = sweep(deps)
      .then((report) => {
        if (Object.values(report).some((n) => n > 0)) deps.logger.info({ sweep: report }, 'sweep re-armed work');
      })
      .catch((error: unknown) => deps.logger.warn({ ...errorFields(error) }, 'sweep failed'))
      .finally(() => {
        busy = false;
      });
  };
  tick();
  const timer = setInterval(tick, intervalMs);
  timer.unref();
  return {
    stop: async () => {
      clearInterval(timer);
      await running;
    },
  };
}
