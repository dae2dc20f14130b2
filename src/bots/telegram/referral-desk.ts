import type { FlowCatalog, Translate } from '../../engine/contract.js';
import type { Logger } from 'pino';
import { answerLabelKey } from '../../engine/display.js';
import type { KeyRing } from '../../privacy/key-ring.js';
import type { DocumentStore } from '../../models/document-store.js';
import type { Referral, ReferralRepository, RelayedMessage } from '../../models/referral-repository.js';
import type { Staff, StaffRepository } from '../../models/staff.js';
import type { ReferralActions } from '../../services/referral-actions.js';
import type { ChatLocks } from '../../services/chat-lock.js';
import { readableDateTime } from '../../core/calendar.js';
import { ChannelSendError } from '../../core/channel.js';
import { errorFields } from '../../logger.js';
import { signAction } from './callback-data.js';
import { staffKeyboard } from './render-message.js';
import { may } from '../../services/staff-permissions.js';
import { tellAdministrators } from './administrators.js';
import type { TelegramGateway } from './telegram-gateway.js';
import type { Reader, StaffReaders } from './staff-readers.js';
import type { Language } from '../../engine/session.js';

export interface ReferralDeskDeps {
  gateway: TelegramGateway;
  staff: StaffRepository;
  referrals: ReferralRepository;
  /** The researchers' acts (take, relay, end, hand back): checked, written, audited there. */
  actions: ReferralActions;
  documents: DocumentStore;
  chatLocks: ChatLocks;
  keys: KeyRing;
  translate: Translate;
  catalog: FlowCatalog;
  /** Who reads staff texts in which language. */
  readers: StaffReaders;
  logger: Logger;
}

/**
 * The researchers' side of a referral (the policy: "refer them to the social research
 * officer, who answers their questions"). A new referral is announced without anything the
 * person said — in the group, or privately to each researcher without one; a researcher
 * takes it with a signed button and gets the context privately; from then on what the
 * person sends reaches the researcher's private chat, and what the researcher writes there
 * reaches the person, until either side ends it.
 */
export class ReferralDesk {
  constructor(private readonly deps: ReferralDeskDeps) {}

  /** Announces waiting referrals and passes the person's messages on; returns how many referrals it served. */
  async postWaiting(): Promise<number> {
    let served = 0;
    for (const referral of await this.deps.referrals.needingStaff()) {
      if (referral.status === 'waiting') await this.announce(referral);
      else await this.deliver(referral);
      served += 1;
    }
    return served;
  }

  /** A researcher pressed "take". */
  async onTake(member: Staff, referralId: string): Promise<{ key: string; params?: Record<string, string> }> {
    const me = this.deps.readers.of(member);
    const taken = await this.deps.actions.take(member, referralId);
    if (!taken.ok) {
      switch (taken.reason) {
        case 'not_allowed':
          return { key: 'staff.answer.notAllowed' };
        case 'not_found':
          return { key: 'staff.answer.notFound' };
        case 'already':
          return { key: 'staff.answer.already' };
        case 'busy':
          return { key: 'staff.referral.busy', params: { reference: taken.reference } };
        case 'taken_by':
          return { key: 'staff.referral.takenBy', params: { name: taken.name ?? this.t(me.lang, 'staff.case.nobody') } };
      }
    }
    const referral = taken.referral;
    const told = await this.tell(me, this.contextText(me.lang, referral));
    if (!told) {
      // The bot cannot write to them (never started it): the person would wait on someone who hears nothing.
      await this.deps.actions.untake(referralId);
      return { key: 'staff.answer.startPrivate' };
    }
    await this.deps.actions.tellTaken(member, referral);
    // Under the poster's lock, so the messages waiting are passed on once; when a poster run
    // holds it, that run or the next sweep passes them on.
    await this.deps.chatLocks.withLock('alerts', async () => {
      const fresh = await this.deps.referrals.get(referralId);
      if (fresh) await this.deliver(fresh);
    });
    await this.markAlert(referral, (lang) => this.t(lang, 'staff.referral.takenLine', { name: member.name }));
    return { key: 'staff.answer.checkPrivate' };
  }

  /**
   * A private text from a researcher: relayed to the person of their open referral, or,
   * for "/end", the referral ended. False when the researcher has no open referral.
   */
  async onResearcherText(member: Staff, text: string, messageId: string): Promise<boolean> {
    const open = await this.deps.actions.openFor(member);
    if (!open) return false;
    const { referral } = open;
    const me = this.deps.readers.of(member);
    // Checked at the act: a role lost a moment ago already stops the relay (the referral is being handed back).
    if (!open.allowed) {
      await this.tell(me, this.t(me.lang, 'staff.answer.notAllowed'));
      return true;
    }
    if (/^\/end(@\w+)?$/i.test(text.trim())) {
      if (await this.deps.actions.end(member, referral)) await this.markAlert(referral, (lang) => this.t(lang, 'staff.referral.endedLine'));
      await this.tell(me, this.t(me.lang, 'staff.referral.ended', { reference: referral.reference }));
      return true;
    }
    // A command is the researcher talking to the bot, never words for the person.
    if (/^\/[A-Za-z_]/.test(text.trim())) {
      await this.tell(me, this.t(me.lang, 'staff.referral.commandNotRelayed', { reference: referral.reference }));
      return true;
    }
    await this.deps.actions.relay(member, referral, text, messageId);
    return true;
  }

  /** Tells the staff a referral waits: in the group, or privately to every researcher when there is none. */
  private async announce(referral: Referral): Promise<void> {
    const keyboard = (lang: Language) => staffKeyboard([[{ text: this.t(lang, 'staff.button.take'), data: signAction(this.deps.keys, 'take', referral.id) }]]);
    let alert: { chatId: string; messageId: number } | null = null;
    const group = this.deps.readers.group();
    if (group) {
      const { chatId, lang } = group;
      const sent = await this.deps.gateway.sending(chatId, (t) => t.sendMessage(chatId, this.alertText(lang, referral), { reply_markup: keyboard(lang) }));
      alert = { chatId, messageId: sent.message_id };
    } else {
      for (const member of (await this.deps.staff.list()).filter((m) => may(m, 'relay'))) {
        const them = this.deps.readers.of(member);
        await this.tell(them, this.alertText(them.lang, referral), keyboard(them.lang));
      }
    }
    await this.deps.actions.announced(referral, alert);
  }

  /**
   * Passes the person's waiting messages to the researcher who took the referral, in order. A
   * researcher who may no longer relay (removed, the role taken) or cannot be written to
   * (blocked the bot, left Telegram) hands the referral back: it waits for another researcher,
   * with the messages not yet passed on, and the person is told.
   */
  private async deliver(referral: Referral): Promise<void> {
    const done: string[] = [];
    const researcher = referral.researcher;
    if (!(await this.deps.actions.holderMayRelay(referral))) {
      await this.handBack(referral, 'role');
      return;
    }
    // The referral keeps who took it; what they chose to read is on their staff record.
    const holder = researcher ? await this.deps.staff.get(researcher.staffId) : null;
    for (const message of referral.undelivered) {
      if (researcher) {
        try {
          await this.send({ chatId: String(researcher.telegramUserId), lang: this.deps.readers.langOf(holder) }, referral, message);
        } catch (error) {
          if (!(error instanceof ChannelSendError && error.permanent)) throw error;
          this.deps.logger.warn({ referralId: referral.id, ...errorFields(error) }, 'researcher cannot be written to; the referral goes back to waiting');
          await this.deps.actions.delivered(referral, done);
          if (referral.status === 'active') await this.handBack(referral, 'unreachable');
          return;
        }
      }
      done.push(message.id);
    }
    await this.deps.actions.delivered(referral, done);
  }

  /**
   * Takes an active referral from its researcher (ReferralActions.handBack); for a researcher
   * who cannot be reached, administrators are told, and the announcement says it waits again.
   */
  async handBack(referral: Referral, why: 'role' | 'unreachable'): Promise<void> {
    const researcher = referral.researcher;
    // Ended meanwhile (by the person or the researcher): nothing was handed back, nobody is told anything.
    if (!researcher || !(await this.deps.actions.handBack(referral, why))) return;
    if (why === 'unreachable')
      await tellAdministrators(this.deps, (lang) => this.t(lang, 'staff.referral.unreachable', { name: researcher.name, reference: referral.reference }));
    await this.markAlert(referral, (lang) => this.t(lang, 'staff.referral.releasedLine'));
  }

  private async send(researcher: Reader, referral: Referral, message: RelayedMessage): Promise<void> {
    const { chatId, lang } = researcher;
    if (message.from === 'system') {
      await this.relayText(researcher, this.t(lang, 'staff.referral.endedByBeneficiary', { reference: referral.reference }));
      return;
    }
    if (message.documentId) {
      const meta = await this.deps.documents.meta(message.documentId);
      if (!meta) return;
      const source = await this.deps.documents.get(message.documentId);
      const filename = `${referral.reference}-${message.documentId.slice(-6)}.${meta.kind === 'pdf' ? 'pdf' : meta.mime.split('/')[1]}`;
      const caption = this.t(lang, 'staff.referral.fromBeneficiary', { reference: referral.reference, text: this.t(lang, 'staff.referral.file') });
      await this.deps.gateway.sending(chatId, async (t) => {
        if (meta.kind === 'pdf') await t.sendDocument(chatId, { source, filename }, { caption });
        else await t.sendPhoto(chatId, { source, filename }, { caption });
      });
      return;
    }
    const text = message.text ?? this.t(lang, `staff.referral.kind.${message.unsupported ?? 'other'}`);
    await this.relayText(researcher, this.t(lang, 'staff.referral.fromBeneficiary', { reference: referral.reference, text }));
  }

  /** What researchers see before taking a referral: no words of the person's, no name. */
  private alertText(lang: Language, referral: Referral): string {
    return this.t(lang, referral.announcements > 0 ? 'staff.referral.alertAgain' : 'staff.referral.alert', {
      reference: referral.reference,
      channel: this.t(lang, `channel.${referral.channel}`),
      reason: this.t(lang, `staff.referral.reason.${referral.reason}`),
      where: this.where(lang, referral),
      since: readableDateTime(referral.createdAt, lang),
    });
  }

  /** The taking researcher's briefing: where the person stood, their last messages, how to answer and end. */
  private contextText(lang: Language, referral: Referral): string {
    const recent = referral.recent.length > 0 ? referral.recent.map((text) => `• ${text}`).join('\n') : this.t(lang, 'staff.referral.noRecent');
    return this.t(lang, 'staff.referral.context', {
      reference: referral.reference,
      channel: this.t(lang, `channel.${referral.channel}`),
      where: this.where(lang, referral),
      recent,
    });
  }

  /** The flow and question the person had reached, in words. */
  private where(lang: Language, referral: Referral): string {
    const { flow: flowId, step: stepId } = referral.context;
    const flow = flowId ? this.deps.catalog.get(flowId) : undefined;
    if (!flow || flowId === 'menu') return this.t(lang, 'staff.referral.atMenu');
    const title = flow.title ? this.t(lang, flow.title) : flow.id;
    const step = stepId && flow.steps[stepId] ? this.t(lang, answerLabelKey(flow, stepId)).split('\n')[0]!.slice(0, 80) : '';
    return step ? `${title} — ${step}` : title;
  }

  /** Adds a line to the group announcement, in the group's language (best effort: the referral itself has changed). */
  private async markAlert(referral: Referral, line: (lang: Language) => string): Promise<void> {
    const fresh = await this.deps.referrals.get(referral.id);
    const alert = fresh?.alert;
    if (!alert) return;
    const lang = this.deps.readers.associationLanguage;
    const text = `${this.alertText(lang, { ...fresh, announcements: 0 })}\n${line(lang)}`;
    await this.deps.gateway
      .sending(alert.chatId, (t) => t.editMessageText(alert.chatId, alert.messageId, undefined, text))
      .catch((error: unknown) => this.deps.logger.info({ referralId: referral.id, ...errorFields(error) }, 'referral alert not updated'));
  }

  /** A relayed text must arrive: Telegram refusing it for good (blocked, gone) is thrown, so the referral is handed back. */
  private async relayText(researcher: Reader, text: string): Promise<void> {
    if (!(await this.tell(researcher, text))) throw new ChannelSendError('telegram refused the researcher for good', undefined, true);
  }

  private tell(reader: Reader, text: string, keyboard?: ReturnType<typeof staffKeyboard>): Promise<boolean> {
    return this.deps.gateway.tell(reader.chatId, text, keyboard);
  }

  private t(lang: Language, key: string, params?: Record<string, string | number>): string {
    return this.deps.translate(lang, key, params);
  }
}
