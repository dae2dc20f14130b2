import type { Logger } from 'pino';
import type { KeyRing } from '../../privacy/key-ring.js';
import type { CaseRecord, CaseRepository } from '../../models/case-repository.js';
import { casesSharingId } from '../../services/shared-ids.js';
import { SerialByKey } from '../../services/serial-by-key.js';
import { errorFields } from '../../logger.js';
import { signAction } from './callback-data.js';
import type { CaseViews } from './case-views.js';
import { staffKeyboard } from './render-message.js';
import type { TelegramGateway } from './telegram-gateway.js';

export interface GroupAlertDeps {
  gateway: TelegramGateway;
  /** Finds the other open cases under the same national ID, which every alert names. */
  cases: CaseRepository;
  keys: KeyRing;
  views: CaseViews;
  staffGroupId: number | null;
  logger: Logger;
}

/**
 * A case's alert in the staff group: posted once (alone, or in a digest when the group's
 * minute is nearly used up), then edited as the case moves so it shows who holds it, what was
 * decided and the buttons that still make sense, and the other open cases under the same
 * national ID, by reference. The desks that change a case and the alert poster all go through here.
 */
export class GroupAlerts {
  /** Group alert edits queued by `refreshAlertSoon`, one after another per case. */
  private readonly alertEdits = new SerialByKey<string>();

  constructor(private readonly deps: GroupAlertDeps) {}

  /** Posts the group alert for a new case (or returns false when no staff group is configured). */
  async postAlert(record: CaseRecord): Promise<{ chatId: string; messageId: number } | null> {
    if (this.deps.staffGroupId === null) return null;
    const chatId = this.deps.staffGroupId;
    const sharing = await casesSharingId(this.deps.cases, record);
    const sent = await this.deps.gateway.sending(chatId, (t) =>
      t.sendMessage(chatId, this.deps.views.alertText(record, sharing), { reply_markup: this.deps.views.alertKeyboard(record) }),
    );
    await this.namedOnOthers(sharing);
    return { chatId: String(chatId), messageId: sent.message_id };
  }

  /**
   * The alerts of the cases a new one shares its national ID with now name it too. Best effort:
   * the new alert is posted, and a failure here must not have it posted again.
   */
  private async namedOnOthers(sharing: { id: string }[]): Promise<void> {
    for (const { id } of sharing) {
      const other = await this.deps.cases.get(id).catch(() => null);
      if (other) this.refreshAlertSoon(other);
    }
  }

  /** Posts one message listing several new cases, each with an Open button, when the group's minute is nearly used up. */
  async postDigest(records: CaseRecord[]): Promise<{ chatId: string; messageId: number } | null> {
    if (this.deps.staffGroupId === null || records.length === 0) return null;
    const chatId = this.deps.staffGroupId;
    const sharing = await Promise.all(records.map((r) => casesSharingId(this.deps.cases, r)));
    const lines = records
      .map((r, i) => [this.deps.views.t('staff.alert.digestLine', this.deps.views.summary(r)), ...this.deps.views.sharingLines(sharing[i]!)].join('\n  '))
      .join('\n');
    const keyboard = staffKeyboard(
      records.map((r) => [{ text: `${this.deps.views.t('staff.button.open')} ${r.reference}`, data: signAction(this.deps.keys, 'open', r.id) }]),
    );
    const sent = await this.deps.gateway.sending(chatId, (t) =>
      t.sendMessage(chatId, this.deps.views.t('staff.alert.digest', { count: records.length, lines }), { reply_markup: keyboard }),
    );
    for (const shared of sharing) await this.namedOnOthers(shared);
    return { chatId: String(chatId), messageId: sent.message_id };
  }

  /**
   * Refreshes the case's group alert without waiting for it: an edit in the group waits its turn
   * under the group's 20 a minute, and the staff member's next press or answer (handled one after
   * another, see StaffLanes) must not wait behind it. Edits of one alert run one after another,
   * so the last state written is the one shown.
   */
  refreshAlertSoon(record: CaseRecord): void {
    this.alertEdits.add(record.id, () => this.refreshAlert(record));
  }

  /** Shows on the group alert who holds the case and what was decided; best effort, the case itself is already changed. */
  async refreshAlert(record: CaseRecord): Promise<void> {
    const alert = record.alert;
    if (alert?.state !== 'posted' || !alert.chatId || !alert.messageId) return;
    const { chatId, messageId } = alert;
    await casesSharingId(this.deps.cases, record)
      .then((sharing) =>
        this.deps.gateway.sending(chatId, (t) =>
          t.editMessageText(chatId, messageId, undefined, this.deps.views.alertText(record, sharing), {
            reply_markup: this.deps.views.alertKeyboard(record),
          }),
        ),
      )
      .catch((error: unknown) => this.deps.logger.info({ caseId: record.id, ...errorFields(error) }, 'alert not updated'));
  }
}
