import { UNDECIDED, type CaseRepository, type CaseRecord } from '../../models/case-repository.js';
import type { RecordRepository } from '../../models/record-repository.js';
import type { ChatLocks } from '../../services/chat-lock.js';
import type { Logger } from 'pino';
import { errorFields } from '../../logger.js';
import type { StaffDesk } from './staff-desk.js';
import type { GroupAlerts } from './group-alerts.js';
import type { ReportDesk } from './report-desk.js';
import type { ReferralDesk } from './referral-desk.js';
import type { ErasureDesk } from './erasure-desk.js';
import type { ScheduleRepository } from '../../models/schedule-repository.js';
import { WEEKLY_REPORT } from '../../services/sweeper.js';
import type { TelegramGateway } from './telegram-gateway.js';

/** Group messages kept in reserve each minute for edits and digests. */
const RESERVE = 2;
/** Cases one digest lists at most (one Open button each). */
const DIGEST_SIZE = 10;

/** What the alert poster works with. */
export interface AlertPosterDeps {
  cases: CaseRepository;
  records: RecordRepository;
  desk: StaffDesk;
  groupAlerts: GroupAlerts;
  reportDesk: ReportDesk;
  referralDesk: ReferralDesk;
  erasureDesk: ErasureDesk;
  schedules: ScheduleRepository;
  gateway: TelegramGateway;
  chatLocks: ChatLocks;
  /** Null without a staff group: case alerts wait until one is configured. */
  staffGroupId: number | null;
  /** Carries changes of roles and removals through (see services/staff-revocation.ts). */
  settleRevocations: () => Promise<number>;
  logger: Logger;
}

/**
 * Posts the researchers' alerts for new cases. While the group has room this minute
 * (Telegram allows 20 messages a minute to a group), each case gets its own alert with
 * its buttons; when few messages are left, every waiting case goes into one digest
 * instead of being delayed one by one. Alerts wait in MongoDB (`alert.state`), so a
 * lost job or a restart only postpones them.
 */
export class AlertPoster {
  constructor(private readonly deps: AlertPosterDeps) {}

  /** Posts what is waiting; returns how many were served. Throws (for a retry) when a stage failed, after running the rest. */
  async postWaiting(): Promise<number> {
    const failures: string[] = [];
    // Referrals first: a person is waiting in the chat right now.
    // Each kind on its own: one that keeps failing (a Telegram error on one item) must not hold back the others.
    let served = 0;
    for (const [stage, post] of [
      // First: a member who lost a role must not be sent the referral messages and cases below.
      ['roles changed', () => this.deps.settleRevocations()],
      ['referrals', () => this.deps.referralDesk.postWaiting()],
      ['information provided', () => this.postInfoProvided()],
      ['records', () => this.postRecords()],
      ['cases', () => this.postCases()],
      ['clock', () => this.postClock()],
      ['erasure requests', () => this.deps.erasureDesk.postWaiting()],
      ['erasures approved', () => this.deps.erasureDesk.carryOutApproved()],
      ['weekly report', () => this.postWeeklyReport()],
    ] as const) {
      try {
        served += await post();
      } catch (error) {
        failures.push(stage);
        this.deps.logger.warn({ stage, ...errorFields(error) }, 'staff alerts: a stage failed; the others went on');
      }
    }
    if (failures.length > 0) throw new Error(`staff alerts failed: ${failures.splice(0).join(', ')}`);
    return served;
  }

  /**
   * Suggestions, complaints and volunteers go privately to the staff of their role. A record
   * nobody could be told about stays pending, so it is announced once someone holds the role.
   */
  private async postRecords(): Promise<number> {
    let announced = 0;
    for (const record of await this.deps.records.alertsPending()) {
      if (!(await this.deps.desk.postRecordAlert(record))) continue;
      await this.deps.chatLocks.exclusive(`record:${record.id}`, () => this.deps.records.alertSent(record.id));
      announced += 1;
    }
    return announced;
  }

  /**
   * The committee's clock: the reminder to the researcher holding the case (or the group),
   * the overdue alert to administrators. A case decided meanwhile is passed over, never told.
   */
  private async postClock(): Promise<number> {
    let told = 0;
    for (const { id, alarm } of await this.deps.cases.clockAlertsPending()) {
      const record = await this.deps.cases.get(id);
      if (record && UNDECIDED.includes(record.status)) {
        if (alarm === 'reminder') await this.deps.desk.postReminder(record);
        else await this.deps.desk.postOverdue(record);
        told += 1;
      }
      await this.deps.chatLocks.exclusive(`case:${id}`, () => this.deps.cases.markClock(id, alarm, 'due', 'sent'));
    }
    return told;
  }

  /** Beneficiaries who sent what a researcher asked for: the researcher holding the case hears, with the files. */
  private async postInfoProvided(): Promise<number> {
    let told = 0;
    for (const id of await this.deps.cases.infoProvidedPending()) {
      const record = await this.deps.cases.get(id);
      if (record) await this.deps.desk.postInfoProvided(record);
      await this.deps.chatLocks.exclusive(`case:${id}`, () => this.deps.cases.infoProvidedTold(id));
      told += 1;
    }
    return told;
  }

  /** The weekly report, when the sweeper found it due: the last seven days to every administrator, once. */
  private async postWeeklyReport(): Promise<number> {
    if (!(await this.deps.schedules.isPending(WEEKLY_REPORT))) return 0;
    // Done first: a failure for one administrator must not send the others the report again on every sweep.
    await this.deps.schedules.done(WEEKLY_REPORT);
    return this.deps.reportDesk.sendWeeklyReport(new Date());
  }

  private async postCases(): Promise<number> {
    const staffGroupId = this.deps.staffGroupId;
    if (staffGroupId === null) return 0;
    let announced = 0;
    for (;;) {
      const waiting = await this.deps.cases.pendingAlerts(DIGEST_SIZE * 5);
      if (waiting.length === 0) return announced;
      const room = await this.deps.gateway.groupSlotsLeft(staffGroupId);
      if (waiting.length === 1 || room > waiting.length + RESERVE) {
        const record = await this.deps.cases.get(waiting[0]!);
        if (record) await this.announce([record], await this.deps.groupAlerts.postAlert(record), true);
        announced += 1;
        continue;
      }
      const records = (await Promise.all(waiting.slice(0, DIGEST_SIZE).map((id) => this.deps.cases.get(id)))).filter((r): r is CaseRecord => r !== null);
      // A digest is not edited later (it speaks of several cases): only its chat is recorded.
      await this.announce(records, await this.deps.groupAlerts.postDigest(records), false);
      announced += records.length;
    }
  }

  /** Records where the cases were announced, under each case's lock (FerretDB does not serialise writes to one document). */
  private async announce(records: CaseRecord[], posted: { chatId: string; messageId: number } | null, editable: boolean): Promise<void> {
    for (const record of records) {
      const alert = posted
        ? { state: 'posted' as const, chatId: posted.chatId, ...(editable ? { messageId: posted.messageId } : {}) }
        : { state: 'posted' as const };
      await this.deps.chatLocks.exclusive(`case:${record.id}`, () => this.deps.cases.setAlert(record.id, alert));
    }
  }
}
