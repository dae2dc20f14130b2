import type { Translate } from '../../engine/contract.js';
import type { Logger } from 'pino';
import type { Flow } from '../../engine/flow-definition.js';
import type { KeyRing } from '../../privacy/key-ring.js';
import type { CaseRecord, CaseRepository } from '../../models/case-repository.js';
import type { StaffRepository, Staff } from '../../models/staff.js';
import type { DocumentStore } from '../../models/document-store.js';
import type { RecordRepository, SelfServiceRecord } from '../../models/record-repository.js';
import type { ReferralDesk } from './referral-desk.js';
import type { ErasureDesk } from './erasure-desk.js';
import { askRefusal, handOverRefusal, mayTakeOver, type CaseActions, type ActionResult } from '../../services/case-actions.js';
import type { ChatLocks } from '../../services/chat-lock.js';
import type { QuestionPurpose } from '../../models/staff-questions.js';
import { normalizeReference } from '../../core/reference.js';
import { signAction, verifyAction, verifyListPage, type StaffAction } from './callback-data.js';
import { refusalOf, type QuestionDesk, type StaffText } from './question-desk.js';
import { tellAdministrators } from './administrators.js';
import { may, QUESTION_PERMISSION } from '../../services/staff-permissions.js';
import { staffKeyboard, type CallbackKeyboard } from './render-message.js';
import { caseViewsByLanguage, type CaseViews, type ViewsByLanguage } from './case-views.js';
import type { Reader, StaffReaders } from './staff-readers.js';
import type { Language } from '../../engine/session.js';
import type { GroupAlerts } from './group-alerts.js';
import type { ReportDesk } from './report-desk.js';
import type { CaseQueueDesk } from './case-queue-desk.js';
import type { TelegramGateway } from './telegram-gateway.js';
import { errorFields } from '../../logger.js';
import { mayAskAnswer, unassignedNoticed } from '../../services/record-actions.js';
import { casesSharingId } from '../../services/shared-ids.js';
import { mayPrintForm, printCaseForm, type FormPrintingDeps } from '../../services/form-printing.js';

/** What the staff desk works with. */
export interface StaffDeskDeps {
  gateway: TelegramGateway;
  staff: StaffRepository;
  /** The bot's questions to staff and their answers, decisions' confirmation included. */
  questions: QuestionDesk;
  cases: CaseRepository;
  documents: DocumentStore;
  actions: CaseActions;
  chatLocks: ChatLocks;
  keys: KeyRing;
  translate: Translate;
  /** The support-request flow, for labelling answers in the case view. */
  requestFlow: Flow;
  records: RecordRepository;
  /** Labels the answers of a suggestion or a volunteer registration. */
  recordFlows: { feedback: Flow; volunteer: Flow };
  /** The case alerts in the staff group, refreshed as a case moves. */
  groupAlerts: GroupAlerts;
  /** The administrators' /report and /export. */
  reportDesk: ReportDesk;
  /** `/cases`: the case queue by filter. */
  queueDesk: CaseQueueDesk;
  /** What the case's support request form is made from. */
  forms: FormPrintingDeps;
  /** Whether Approve and Reject wait for a researcher's recommendation (REQUIRE_RECOMMENDATION). */
  requireRecommendation: boolean;
  /** Referrals to a researcher: taking them, and relaying what the researcher writes. */
  referralDesk: ReferralDesk;
  /** Requests to erase a person's data: the administrators' buttons. */
  erasureDesk: ErasureDesk;
  /** Who reads staff texts in which language. */
  readers: StaffReaders;
  logger: Logger;
}

/** A staff button press, wherever it happened. */
export interface StaffPress {
  callbackQueryId: string;
  fromUserId: number;
  data: string;
  /** The chat and message whose button it was, when Telegram said. */
  chatId?: number;
  messageId?: number | null;
}

/**
 * The researchers' and committee's side on Telegram: case alerts in the staff group
 * (a redacted summary, never an ID, a full name or a document), the full case with its
 * documents in a private chat, and the buttons to claim and decide. Every press is
 * checked: signed data, an active staff member, the role the action needs.
 */
export class StaffDesk {
  private readonly views: ViewsByLanguage;

  constructor(private readonly deps: StaffDeskDeps) {
    this.views = caseViewsByLanguage(deps);
  }

  /** Handles a pressed staff button; always answers it (in the presser's language), so the member's client stops waiting. */
  async onPress(press: StaffPress): Promise<void> {
    const listPage = verifyListPage(this.deps.keys, press.data);
    const verified = listPage ? null : verifyAction(this.deps.keys, press.data);
    // Looked up for the answer's language too; the cached check keeps a stranger's press from reaching the database.
    let member: Staff | null;
    try {
      member = (await this.deps.staff.mayBeStaff(press.fromUserId)) ? await this.deps.staff.findByTelegramUserId(press.fromUserId) : null;
    } catch (error) {
      this.deps.logger.warn({ ...errorFields(error) }, 'staff press failed');
      return this.answer(press, this.deps.readers.associationLanguage, 'staff.answer.failed');
    }
    const lang = this.deps.readers.langOf(member);
    if (!listPage && !verified) return this.answer(press, lang, 'staff.answer.invalid');
    if (!member) return this.answer(press, lang, 'staff.answer.notStaff');
    try {
      if (listPage) await this.answer(press, lang, await this.deps.queueDesk.onPress(member, press, listPage.filterCode, listPage.page));
      else await this.act(press, member, verified!.action, verified!.caseId, verified!.member);
    } catch (error) {
      this.deps.logger.warn({ ...(verified ? { action: verified.action, caseId: verified.caseId } : {}), ...errorFields(error) }, 'staff press failed');
      await this.answer(press, lang, 'staff.answer.failed');
    }
  }

  /** Whether this Telegram user may be staff: false for certain (see `StaffRepository.mayBeStaff`). */
  mayBeStaff(fromUserId: number): Promise<boolean> {
    return this.deps.staff.mayBeStaff(fromUserId);
  }

  /**
   * A private text from a staff member: `/case`, `/report`, `/export`, an answer to one of the
   * bot's questions (a reply to it), or words for the person in a referral (see QuestionDesk).
   * False when the sender is not staff or none applies, so the text goes the ordinary way.
   */
  async onPrivateText(message: StaffText): Promise<boolean> {
    if (!(await this.deps.staff.mayBeStaff(message.fromUserId))) return false;
    const member = await this.deps.staff.findByTelegramUserId(message.fromUserId);
    if (!member) return false;
    const text = message.text.trim();
    const language = /^\/lang(?:uage)?(?:@\w+)?(?:\s+(\S+))?$/i.exec(text);
    if (language) return this.chooseLanguage(member, language[1]);
    const asked = /^\/case(?:@\w+)?\s+(.+)$/i.exec(text);
    if (asked) return this.showCase(member, asked[1]!);
    if (/^\/cases(?:@\w+)?$/i.test(text)) return this.deps.queueDesk.onCommand(member).then(() => true);
    if (/^\/agenda(?:@\w+)?$/i.test(text)) return this.deps.queueDesk.onAgenda(member).then(() => true);
    if (/^\/agenda(?:@\w+)?\s+pdf$/i.test(text)) return this.deps.queueDesk.onAgendaPdf(member).then(() => true);
    const command = /^\/(report|export)(?:@\w+)?(?:\s+(.*))?$/i.exec(text);
    if (command)
      return this.deps.reportDesk.onCommand(member, command[1]!.toLowerCase() as 'report' | 'export', (command[2] ?? '').trim().split(/\s+/).filter(Boolean));
    return this.deps.questions.onText(member, message);
  }

  /**
   * `/language`: switches the member's staff texts between Arabic and English; `/language en` (or
   * `ar`, `english`, `arabic`, `العربية`) sets one. Said in the language now in force.
   */
  private async chooseLanguage(member: Staff, typed: string | undefined): Promise<boolean> {
    const current = this.deps.readers.langOf(member);
    const wanted = typed === undefined ? (current === 'ar' ? 'en' : 'ar') : languageNamed(typed);
    if (wanted === null) return this.say(this.deps.readers.of(member), 'staff.language.usage').then(() => true);
    const updated = await this.deps.staff.setLanguage(member.id, wanted);
    await this.say(this.deps.readers.of(updated), 'staff.language.set');
    return true;
  }

  /** `/case REF`: the whole case and its history, privately (the view is audited); true: the text was handled. */
  private async showCase(member: Staff, typed: string): Promise<boolean> {
    const me = this.deps.readers.of(member);
    const reference = normalizeReference(typed, 'SR');
    const record = reference ? await this.deps.cases.findByReference(reference) : null;
    if (!record) return this.say(me, 'staff.answer.notFound').then(() => true);
    const result = await this.deps.actions.view(record.id, member);
    if (!result.ok) return this.say(me, ...this.refusal(me.lang, result)).then(() => true);
    await this.sendCase(me, result.record);
    return true;
  }

  /** Tells the researcher holding a case (or the group, without the content) that the beneficiary sent what was asked. */
  async postInfoProvided(record: CaseRecord): Promise<void> {
    // Back in review: the alert offers the study buttons again.
    await this.deps.groupAlerts.refreshAlert(record);
    const holder = record.assignee ? await this.deps.staff.get(record.assignee.id) : null;
    const latest = record.additions.at(-1);
    // Only a holder who may still study the case hears what the person added.
    if (may(holder, 'study')) {
      const them = this.deps.readers.of(holder!);
      const told = await this.say(them, 'staff.info.provided', {
        reference: record.reference,
        text: latest?.text || '—',
        files: latest?.documentIds.length ?? 0,
      });
      if (told) {
        for (const documentId of latest?.documentIds ?? []) await this.sendDocumentTo(them.chatId, record.reference, documentId);
        return;
      }
    }
    const group = this.deps.readers.group();
    if (group) await this.say(group, 'staff.info.providedGroup', { reference: record.reference });
  }

  /** Reminds the researcher holding an undecided case (or the group, or every researcher) that the promised date nears. */
  async postReminder(record: CaseRecord): Promise<void> {
    const text = (views: CaseViews) => views.t('staff.clock.reminder', views.caseParams(record));
    const remind = (reader: Reader, withButtons: boolean) => {
      const views = this.views[reader.lang];
      return this.tell(reader, text(views), withButtons ? views.alertKeyboard(record) : undefined);
    };
    const holder = record.assignee ? await this.deps.staff.get(record.assignee.id) : null;
    if (may(holder, 'study') && (await remind(this.deps.readers.of(holder!), true))) return;
    const group = this.deps.readers.group();
    if (group && (await remind(group, true))) return;
    for (const member of (await this.deps.staff.list()).filter((m) => may(m, 'study'))) await remind(this.deps.readers.of(member), false);
  }

  /** A case went back to the queue (its researcher lost the role or left): the alert shows it free, the group is told. */
  async caseReleased(record: CaseRecord): Promise<void> {
    await this.deps.groupAlerts.refreshAlert(record);
    const group = this.deps.readers.group();
    if (group) await this.say(group, 'staff.case.released', { reference: record.reference });
  }

  /** Tells administrators that the promised date passed without a decision. */
  async postOverdue(record: CaseRecord): Promise<void> {
    await tellAdministrators(this.deps, (lang) => this.views[lang].t('staff.clock.overdue', this.views[lang].caseParams(record)));
  }

  /**
   * Tells the staff who hold the matching role about a new suggestion, complaint or
   * volunteer, privately and in full (a complaint may concern a colleague, so never in the
   * group). Returns false when nobody in that role could be told: the record stays pending
   * until someone is, and the group hears once, without any content, that the role is
   * needed.
   */
  async postRecordAlert(record: SelfServiceRecord): Promise<boolean> {
    const role = record.kind === 'feedback' ? 'complaints_handler' : 'volunteer_coordinator';
    const holders = (await this.deps.staff.list()).filter((member) => may(member, record.kind === 'feedback' ? 'answer_feedback' : 'volunteers'));
    const keyboard = (lang: Language) =>
      record.kind === 'feedback'
        ? staffKeyboard([[{ text: this.t(lang, 'staff.button.answer'), data: signAction(this.deps.keys, 'answer', record.id) }]])
        : undefined;
    let told = 0;
    for (const member of holders) {
      const them = this.deps.readers.of(member);
      if (await this.tell(them, this.views[them.lang].recordText(record), keyboard(them.lang))) told += 1;
    }
    if (told > 0) return true;
    const group = this.deps.readers.group();
    if (group && !record.unassignedNoticed) {
      const noticed = await this.say(group, `staff.record.unassigned.${record.kind}`, {
        reference: record.reference,
        role: this.t(group.lang, `staff.role.${role}`),
      });
      if (noticed) await unassignedNoticed(this.deps, record.id);
    }
    return false;
  }

  private async act(press: StaffPress, member: Staff, action: StaffAction, id: string, named?: number): Promise<void> {
    const me = this.deps.readers.of(member);
    const views = this.views[me.lang];
    const answer = (key: string, params?: Record<string, string>) => this.answer(press, me.lang, key, params);
    const where = {
      callbackQueryId: press.callbackQueryId,
      ...(press.chatId !== undefined ? { chatId: press.chatId } : {}),
      messageId: press.messageId ?? null,
    };
    // The act's id for a retry: Telegram gives a redelivered press the same callback query id.
    const act = `press:${press.callbackQueryId}`;
    switch (action) {
      case 'take': {
        const { key, params } = await this.deps.referralDesk.onTake(member, id);
        return answer(key, params);
      }
      case 'erase':
      case 'keep': {
        const { key, params } = await this.deps.erasureDesk.onPress(member, action, id);
        return answer(key, params);
      }
      case 'send':
      case 'edit':
      case 'drop': {
        const { key, params } = await this.deps.questions.onDraftPress(member, action, id, where);
        return answer(key, params);
      }
      case 'undo': {
        const { key, params } = await this.deps.questions.onUndo(member, id, where);
        return answer(key, params);
      }
      case 'answer': {
        const allowed = await mayAskAnswer(this.deps, id, member);
        if (!allowed.ok)
          return answer(
            allowed.reason === 'not_allowed' ? 'staff.answer.notAllowed' : allowed.reason === 'not_found' ? 'staff.answer.notFound' : 'staff.answer.already',
          );
        return answer((await this.deps.questions.ask(member, allowed.record, 'answered')) ? 'staff.answer.checkPrivate' : 'staff.answer.startPrivate');
      }
      case 'open': {
        const result = await this.deps.actions.view(id, member);
        if (!result.ok) return answer(...this.refusal(me.lang, result));
        if (!(await this.sendCase(me, result.record))) return answer('staff.answer.startPrivate');
        return answer('staff.answer.sentPrivately');
      }
      case 'ask_info':
      case 'note':
      case 'recommend_approve':
      case 'recommend_reject':
      case 'approve':
      case 'reject':
      case 'reopen': {
        const purpose = QUESTION_OF[action];
        if (!may(member, QUESTION_PERMISSION[purpose])) return answer('staff.answer.notAllowed');
        const record = await this.deps.cases.get(id);
        if (!record) return answer('staff.answer.notFound');
        const refused = await askRefusal(this.deps.cases, record, purpose, this.deps.requireRecommendation);
        if (refused === 'id_shared') return answer('staff.answer.idShared');
        if (refused === 'no_recommendation') return answer('staff.answer.needsRecommendation');
        if (refused) return answer(refused === 'already' ? 'staff.answer.already' : 'staff.answer.wrongState', views.statusParams(record));
        // The committee decides with the researcher's recommendation in front of them.
        const context = action === 'approve' || action === 'reject' ? views.recommendationLines(record).join('\n') : '';
        return answer((await this.deps.questions.ask(member, record, purpose, context)) ? 'staff.answer.checkPrivate' : 'staff.answer.startPrivate');
      }
      case 'register':
      case 'serve':
      case 'close': {
        const to = action === 'register' ? 'registered' : action === 'serve' ? 'service_delivered' : 'closed';
        const result = await this.deps.actions.advance(id, member, to, act);
        if (!result.ok) return answer(...this.refusal(me.lang, result));
        await answer(result.changed ? 'staff.answer.moved' : 'staff.answer.already', views.statusParams(result.record));
        // Refreshed even when already done: a crash after the write may have left the alert showing the old buttons.
        this.deps.groupAlerts.refreshAlertSoon(result.record);
        return;
      }
      case 'handover':
        return answer(...(await this.offerHandOver(me, member, id)));
      case 'form':
        return this.sendForm(me, member, id, answer);
      case 'give': {
        const to = named === undefined ? null : await this.deps.staff.findByTelegramUserId(named);
        const before = await this.deps.cases.get(id);
        const result = await this.deps.actions.handOver(id, member, to, act);
        if (!result.ok) return answer(...this.refusal(me.lang, result));
        await answer(result.changed ? 'staff.answer.handedOver' : 'staff.answer.already', { name: to?.name ?? '' });
        if (!result.changed || !to) return;
        const params = { reference: result.record.reference, from: before?.assignee?.name ?? '—', to: to.name, by: member.name };
        const colleague = this.deps.readers.of(to);
        await this.say(colleague, 'staff.handover.received', params, this.views[colleague.lang].alertKeyboard(result.record));
        // Reassigned by an administrator: the researcher who held it hears it from the bot, not only from the group.
        const previous = before?.assignee && before.assignee.id !== member.id ? await this.deps.staff.get(before.assignee.id) : null;
        if (previous) await this.say(this.deps.readers.of(previous), 'staff.handover.taken', params);
        const group = this.deps.readers.group();
        if (group) await this.say(group, 'staff.handover.group', params);
        this.deps.groupAlerts.refreshAlertSoon(result.record);
        return;
      }
      case 'claim': {
        const result = await this.deps.actions.claim(id, member, act);
        if (!result.ok) return answer(...this.refusal(me.lang, result));
        await answer(result.changed ? 'staff.answer.claimed' : 'staff.answer.already');
        this.deps.groupAlerts.refreshAlertSoon(result.record);
        return;
      }
    }
  }

  /**
   * *Hand over*: the colleagues who could take the case, as buttons in the presser's private
   * chat. Checked here for a clear answer; checked again, with the colleague chosen, when one is.
   */
  private async offerHandOver(me: Reader, member: Staff, caseId: string): Promise<[string, Record<string, string>?]> {
    const record = await this.deps.cases.get(caseId);
    if (!record) return ['staff.answer.notFound'];
    const refused = handOverRefusal(record, member);
    if (refused === 'wrong_state') return ['staff.answer.wrongState', this.views[me.lang].statusParams(record)];
    if (refused) return ['staff.answer.notAllowed'];
    const colleagues = (await this.deps.staff.list()).filter((m) => mayTakeOver(m) && m.id !== record.assignee?.id);
    if (colleagues.length === 0) return ['staff.answer.noColleague'];
    const buttons = colleagues.map((m) => [{ text: m.name, data: signAction(this.deps.keys, 'give', record.id, m.telegramUserId) }]);
    const told = await this.say(me, 'staff.handover.choose', { reference: record.reference }, staffKeyboard(buttons));
    return [told ? 'staff.answer.checkPrivate' : 'staff.answer.startPrivate'];
  }

  /**
   * *Form (PDF)*: the case's support request form, in the member's language, sent privately. The
   * press is answered before the render (a second or two), which then tells its own outcome.
   */
  private async sendForm(me: Reader, member: Staff, caseId: string, answer: (key: string) => Promise<void>): Promise<void> {
    const record = await this.deps.cases.get(caseId);
    if (!record) return answer('staff.answer.notFound');
    if (!mayPrintForm(member, record)) return answer('staff.answer.notAllowed');
    await answer('staff.form.preparing');
    try {
      const printed = await printCaseForm(this.deps.forms, { caseId }, { staff: member }, me.lang, 'telegram');
      if (!printed.ok) return void (await this.say(me, printed.reason === 'not_found' ? 'staff.answer.notFound' : 'staff.answer.notAllowed'));
      const caption = this.t(me.lang, 'staff.form.caption', { reference: printed.reference });
      await this.deps.gateway.sending(me.chatId, (t) => t.sendDocument(me.chatId, { source: printed.pdf, filename: printed.filename }, { caption }));
    } catch (error) {
      this.deps.logger.warn({ caseId, ...errorFields(error) }, 'case form not made');
      await this.say(me, 'staff.form.failed', { reference: record.reference });
    }
  }

  /** Sends the whole case and its documents to a staff member's private chat; false when the bot may not write there. */
  private async sendCase(reader: Reader, record: CaseRecord): Promise<boolean> {
    const views = this.views[reader.lang];
    const text = views.caseText(record, await casesSharingId(this.deps.cases, record));
    if (!(await this.tell(reader, text, views.caseKeyboard(record)))) return false;
    for (const documentId of record.documentIds) await this.sendDocumentTo(reader.chatId, record.reference, documentId);
    return true;
  }

  /** Sends one stored document of a case (a photo or a PDF) to a staff member's private chat. */
  private async sendDocumentTo(chatId: string, reference: string, documentId: string): Promise<void> {
    const meta = await this.deps.documents.meta(documentId);
    if (!meta) return;
    const source = await this.deps.documents.get(documentId);
    const filename = `${reference}-${documentId.slice(-6)}.${meta.kind === 'pdf' ? 'pdf' : meta.mime.split('/')[1]}`;
    await this.deps.gateway.sending(chatId, async (t) => {
      if (meta.kind === 'pdf') await t.sendDocument(chatId, { source, filename });
      else await t.sendPhoto(chatId, { source, filename });
    });
  }

  private refusal(lang: Language, result: Extract<ActionResult, { ok: false }>): [string, Record<string, string>?] {
    return refusalOf(result, (key) => this.t(lang, key));
  }

  /** Tells every active administrator privately, each in their language, or the staff group when none could be reached; returns how many chats were told. */
  async tellAdministrators(key: string, params?: Record<string, string | number>): Promise<number> {
    return tellAdministrators(this.deps, (lang) => this.t(lang, key, params));
  }

  /** Sends a staff text by its key, in the reader's language; false when Telegram refuses (the member never started the bot). */
  private say(reader: Reader, key: string, params?: Record<string, string | number>, keyboard?: CallbackKeyboard): Promise<boolean> {
    return this.tell(reader, this.t(reader.lang, key, params), keyboard);
  }

  /** Sends a text already written in the reader's language. */
  private tell(reader: Reader, text: string, keyboard?: CallbackKeyboard): Promise<boolean> {
    return this.deps.gateway.tell(reader.chatId, text, keyboard);
  }

  private async answer(press: StaffPress, lang: Language, key: string, params?: Record<string, string>): Promise<void> {
    await this.deps.gateway
      .call((t) =>
        t.answerCbQuery(press.callbackQueryId, this.t(lang, key, params), {
          show_alert: !QUIET_ANSWERS.has(key),
        }),
      )
      .catch((error: unknown) => this.deps.logger.info({ ...errorFields(error) }, 'callback not answered'));
  }

  private t(lang: Language, key: string, params?: Record<string, string | number>): string {
    return this.deps.translate(lang, key, params);
  }
}

/** The language a member typed after `/language`; null for anything else. */
function languageNamed(typed: string): Language | null {
  const word = typed.trim().toLowerCase();
  if (['ar', 'arabic', 'العربية', 'عربي', 'عربية'].includes(word)) return 'ar';
  if (['en', 'english', 'الإنجليزية', 'الانجليزية', 'انجليزي', 'إنجليزي'].includes(word)) return 'en';
  return null;
}

/** Answers to a press shown as a passing note, not a dialog to dismiss. */
const QUIET_ANSWERS = new Set([
  'staff.answer.claimed',
  'staff.answer.sentPrivately',
  'staff.answer.checkPrivate',
  'staff.answer.handedOver',
  'staff.queue.shown',
  'staff.form.preparing',
]);

/** The question each button asks. */
const QUESTION_OF = {
  ask_info: 'info',
  note: 'note',
  recommend_approve: 'recommend_approve',
  recommend_reject: 'recommend_reject',
  approve: 'approved',
  reject: 'rejected',
  reopen: 'reopen',
} as const satisfies Partial<Record<StaffAction, QuestionPurpose>>;
