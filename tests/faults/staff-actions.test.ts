/**
 * Fault case 8: staff acts under faults. A researcher and a committee member work three
 * applicants' cases through the fake Bot API while the service is hurt exactly between an
 * act's write and what the act owes (the service pauses there, logging "fault point reached",
 * when FAULTS_PAUSE_AFTER_STAFF_WRITE_MS is set; see src/main.ts):
 *
 * - a claim, with the bot process SIGKILLed there: the sweeper writes the audit entry;
 * - an information request, with FerretDB stopped there for a few seconds: the member's lane
 *   retries the answer, finds the act done, and the applicant is asked once;
 * - a rejection, with the bot and the worker SIGKILLed inside the undo window: the restarted
 *   worker's sweeper tells the applicant once the window is over, once;
 * - an approval whose *Send* press is delivered twice: decided once, told once.
 *
 * Pass: every act's state change is there, every notice reached its applicant exactly once,
 * and every audit entry is there exactly once.
 */
import { afterAll, describe, expect, it } from 'vitest';
import sharp from 'sharp';
import { reported, recordCase } from './harness/report.js';
import { Rig, STAFF_GROUP } from './harness/rig.js';
import { sleep, until } from './harness/traffic.js';
import type { ServiceProcess } from './harness/service.js';
import { AuditLog } from '../../src/models/audit-log.js';
import { CaseRepository } from '../../src/models/case-repository.js';
import { StaffRepository } from '../../src/models/staff.js';
import { answerTo, callsTo, englishRequest, groupAlertFor, groupButtonData, messageIdOf, Staffer, textOf, TgUser } from '../helpers/telegram-people.js';

const RESEARCHER = { name: 'سارة الباحثة', telegramUserId: 8801, roles: ['researcher' as const] };
const COMMITTEE = { name: 'خالد العضو', telegramUserId: 8802, roles: ['committee' as const] };
const PAUSE_MS = 2_500;
const FAULT = 'fault point reached';
const CASE = '8-staff-actions';
const TITLE = 'Staff acts: bot killed, database stopped, both killed in the undo window, a press delivered twice';

describe('fault case 8: staff acts under faults', () => {
  let rig: Rig | undefined;
  afterAll(async () => rig?.dispose());

  it('finishes every staff act once: no action lost, no notice twice, no audit entry missing', { timeout: 150_000 }, () =>
    reported(CASE, TITLE, async () => {
      const startedAt = Date.now();
      // A three-second undo window; researchers available around the clock.
      rig = await Rig.start({ env: { DECISION_UNDO_MINUTES: '0.05', WORKING_HOURS: 'sun-sat 00:00-24:00' } });
      const db = await rig.database();
      const staff = new StaffRepository(db);
      for (const member of [RESEARCHER, COMMITTEE]) await staff.add(member);
      const cases = new CaseRepository(db, rig.keys);
      const audit = new AuditLog(db);
      const botEnv = { FAULTS_PAUSE_AFTER_STAFF_WRITE_MS: String(PAUSE_MS) };
      let bot: ServiceProcess = await rig.service('bot', botEnv);
      let worker: ServiceProcess = await rig.service('worker');
      const fake = rig.fake;
      const faults = {
        'bot SIGKILL after a write': 0,
        'FerretDB stopped after a write': 0,
        'bot and worker SIGKILL in the undo window': 0,
        'press delivered twice': 0,
      };

      const photo = await sharp({ create: { width: 300, height: 200, channels: 3, background: { r: 20, g: 90, b: 90 } } })
        .jpeg()
        .toBuffer();
      const applicants = [5558801, 5558802, 5558803].map((id) => new TgUser(fake, id, 'en', 'Fatimah'));
      const references = await Promise.all(applicants.map((user, i) => englishRequest(user, photo, ['2100000005', '1000000008', '2000000006'][i])));
      const alerts = await Promise.all(references.map(async (reference) => messageIdOf(await groupAlertFor(fake, STAFF_GROUP, reference))));
      const ids = await Promise.all(references.map(async (reference) => (await cases.findByReference(reference))!.id));
      const researcher = new Staffer(fake, STAFF_GROUP, RESEARCHER.telegramUserId);
      const researcherChat = new TgUser(fake, RESEARCHER.telegramUserId);
      const committee = new Staffer(fake, STAFF_GROUP, COMMITTEE.telegramUserId);
      const member = new TgUser(fake, COMMITTEE.telegramUserId);
      const claimedOnAlert = (i: number) =>
        until(
          () => callsTo(fake, 'editMessageText', STAFF_GROUP).some((c) => Number(c.params.message_id) === alerts[i] && textOf(c).includes(RESEARCHER.name)),
          `the claim on alert ${i}`,
          20_000,
        );
      let faultsSeen = 0;
      const atFault = async () => {
        faultsSeen += 1;
        await bot.waitForProblem(FAULT, faultsSeen, 20_000);
      };
      const restartBot = async () => {
        await bot.kill();
        faultsSeen = 0;
        bot = await rig!.service('bot', botEnv);
      };

      // 1. A claim; the bot is killed between the write and its audit entry.
      researcher.pressInGroup(alerts[0]!, groupButtonData(fake, STAFF_GROUP, alerts[0]!, 'استلام'));
      await atFault();
      await restartBot();
      faults['bot SIGKILL after a write'] += 1;
      // The press was never answered: the researcher presses again, as people do; already done, the alert is brought up to date.
      await answerTo(fake, researcher.pressInGroup(alerts[0]!, groupButtonData(fake, STAFF_GROUP, alerts[0]!, 'استلام')));
      await claimedOnAlert(0);
      for (const i of [1, 2]) {
        await answerTo(fake, researcher.pressInGroup(alerts[i]!, groupButtonData(fake, STAFF_GROUP, alerts[i]!, 'استلام')));
        await atFault();
      }
      await claimedOnAlert(2);

      // 2. An information request; FerretDB is stopped between the write and the notice.
      researcher.pressInGroup(alerts[0]!, signedButton(fake, alerts[0]!, 'طلب معلومات'));
      const infoQuestion = await researcherChat.latestQuestion();
      fake.pushUpdate(
        fake.textMessage({ chatId: RESEARCHER.telegramUserId, userId: RESEARCHER.telegramUserId, text: '4 the lease, please', replyTo: infoQuestion }),
      );
      await atFault();
      await rig.ferret.stop('SIGTERM');
      await sleep(4_000);
      await rig.ferret.start();
      faults['FerretDB stopped after a write'] += 1;
      await until(() => applicants[0]!.texts().some((t) => t.includes('needs the following')), 'applicant 1 asked for the lease', 40_000);

      // 3. A rejection sent; the bot and the worker are killed inside the undo window, and started after it.
      committee.pressInGroup(alerts[1]!, signedButton(fake, alerts[1]!, '❌ رفض'));
      await member.answerQuestion('The household already receives support', 'هذا بالضبط');
      void member.pressLabel('إرسال').catch(() => undefined);
      await atFault();
      await Promise.all([bot.kill(), worker.kill()]);
      faults['bot and worker SIGKILL in the undo window'] += 1;
      await sleep(3_500);
      faultsSeen = 0;
      [bot, worker] = await Promise.all([rig.service('bot', botEnv), rig.service('worker')]);

      // 4. An approval whose Send press arrives twice (the same update, as Telegram gives it again).
      await claimedOnAlert(2);
      const rejectQuestion = await member.latestQuestion();
      committee.pressInGroup(alerts[2]!, signedButton(fake, alerts[2]!, 'قبول'));
      await member.replyTo(await member.latestQuestion(rejectQuestion), 'A monthly food basket for three months', 'هذا بالضبط');
      const preview = callsTo(fake, 'sendMessage', COMMITTEE.telegramUserId).at(-1)!;
      const send = (preview.params.reply_markup as { inline_keyboard: { text: string; callback_data: string }[][] }).inline_keyboard
        .flat()
        .find((b) => b.text.includes('إرسال'))!;
      const press = fake.callbackQuery({
        chatId: COMMITTEE.telegramUserId,
        userId: COMMITTEE.telegramUserId,
        messageId: messageIdOf(preview),
        data: send.callback_data,
      });
      fake.pushUpdate(press);
      fake.pushUpdate(press);
      faults['press delivered twice'] += 1;
      await atFault();

      // Wait for everything owed, then count.
      const expected = [
        { applicant: 0, notice: 'needs the following', audit: ['case.claimed', 'case.information_requested'], status: 'information_requested' },
        { applicant: 1, notice: 'could not approve it', audit: ['case.claimed', 'case.rejected'], status: 'rejected' },
        { applicant: 2, notice: 'approved your request', audit: ['case.claimed', 'case.approved'], status: 'approved' },
      ];
      await until(
        async () => {
          for (const e of expected) {
            if (!applicants[e.applicant]!.texts().some((t) => t.includes(e.notice))) return false;
            if ((await cases.get(ids[e.applicant]!))?.owed.length !== 0) return false;
          }
          return true;
        },
        'every notice told and nothing owed',
        30_000,
      );
      await sleep(2_000);
      const violations: string[] = [];
      let lost = 0;
      let twice = 0;
      let missing = 0;
      for (const e of expected) {
        const id = ids[e.applicant]!;
        const record = await cases.get(id);
        if (record?.status !== e.status) {
          lost += 1;
          violations.push(`case ${e.applicant + 1}: ${record?.status} instead of ${e.status}`);
        }
        const told = applicants[e.applicant]!.texts().filter((t) => t.includes(e.notice)).length;
        if (told !== 1) {
          twice += told > 1 ? told - 1 : 0;
          lost += told === 0 ? 1 : 0;
          violations.push(`case ${e.applicant + 1}: told ${told} times`);
        }
        const entries = (await audit.list({ targetKind: 'case', targetId: id, limit: 50 })).map((entry) => entry.action);
        for (const action of e.audit) {
          const n = entries.filter((a) => a === action).length;
          if (n !== 1) {
            missing += n === 0 ? 1 : 0;
            violations.push(`case ${e.applicant + 1}: ${n} × ${action}`);
          }
        }
      }
      recordCase({
        case: CASE,
        title: TITLE,
        passed: violations.length === 0,
        durationMs: Date.now() - startedAt,
        faults,
        figures: { acts: 7, 'actions lost': lost, 'notices twice': twice, 'audit entries missing': missing },
        duplicateBound: 0,
        logged: rig.problems(),
        violations,
        notes: [
          `acts: 3 claims, an information request, a rejection, an approval pressed twice; lost ${lost}, notices twice ${twice}, audit entries missing ${missing}`,
        ],
      });
      expect(violations).toEqual([]);
    }),
  );
});

/** The data of a staff button on the group alert as it stands (the alert is edited as the case moves). */
function signedButton(fake: Rig['fake'], alertId: number, label: string): string {
  return groupButtonData(fake, STAFF_GROUP, alertId, label);
}
