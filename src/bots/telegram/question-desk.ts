import type { Translate } from '../../engine/contract.js';
import type { Logger } from 'pino';
import type { KeyRing } from '../../privacy/key-ring.js';
import type { CaseRecord, CaseRepository } from '../../models/case-repository.js';
import type { RecordRepository } from '../../models/record-repository.js';
import type { Staff } from '../../models/staff.js';
import { QUESTION_TTL_MS, type QuestionPurpose, type StaffQuestion, type StaffQuestions } from '../../models/staff-questions.js';
import { INFO_ITEMS, TEXT_LIMITS, type ActionResult, type CaseActions, type InfoItem } from '../../services/case-actions.js';
import { answerFeedback } from '../../services/record-actions.js';
import type { OwedWorkDeps } from '../../services/owed-work.js';
import { signAction } from './callback-data.js';
import { staffKeyboard, type CallbackKeyboard } from './render-message.js';
import type { TelegramGateway } from './telegram-gateway.js';
import type { ReferralDesk } from './referral-desk.js';
import { ChannelSendError } from '../../core/channel.js';
import type { Reader, StaffReaders } from './staff-readers.js';
import type { Language } from '../../engine/session.js';
import { errorFields } from '../../logger.js';

/** Telegram's limit on a ForceReply placeholder. */
const PLACEHOLDER_MAX = 64;

export interface QuestionDeskDeps {
  gateway: TelegramGateway;
  questions: StaffQuestions;
  cases: CaseRepository;
  records: RecordRepository;
  actions: CaseActions;
  /** What answering a complaint performs (the notice, the audit entry). */
  owed: OwedWorkDeps;
  referralDesk: ReferralDesk;
  keys: KeyRing;
  translate: Translate;
  /** Who reads staff texts in which language. */
  readers: StaffReaders;
  /** How long after *Send* a decision can be taken back (0: told at once). */
  decisionUndoMs: number;
  /** A case changed: its group alert is refreshed. */
  onCaseChanged: (record: CaseRecord) => void;
  logger: Logger;
  clock?: () => Date;
}

/** A private text from a staff member, as Telegram gave it. */
export interface StaffText {
  fromUserId: number;
  text: string;
  /** The update's id: what the referral relay keys the text by. */
  messageId: string;
  /** The message it replies to, when it is a reply. */
  replyTo?: number;
}

/** A staff member's press on a question's own buttons. */
export interface QuestionPress {
  callbackQueryId: string;
  chatId?: number;
  messageId?: number | null;
}

/** What the staff desk answers a press with: a text key and its parameters. */
export type PressAnswer = { key: string; params?: Record<string, string> };

/**
 * The bot's questions to staff and their answers. A question is a message asking for a
 * reply (Telegram's ForceReply); only a message that replies to it answers it, so a
 * researcher's words to a person in a referral, a command or a stray text never become a
 * rejection's reason or an information request. Several questions (one per case) wait side
 * by side. A decision is shown as the beneficiary will read it, in their language, and only
 * *Send* decides; it can then be taken back until the person is told.
 */
export class QuestionDesk {
  constructor(private readonly deps: QuestionDeskDeps) {}

  /** Asks a member privately; the reply is the answer. False when the bot may not write to them (they never started it). */
  async ask(member: Staff, subject: { id: string; reference: string }, purpose: QuestionPurpose, context = ''): Promise<boolean> {
    const { chatId, lang } = this.deps.readers.of(member);
    const items = INFO_ITEMS.map((item, index) => `${index + 1}. ${this.t(lang, `info.item.${item}`)}`).join('\n');
    const text = this.t(lang, `staff.ask.${purpose}`, { reference: subject.reference, items });
    const placeholder = this.t(lang, 'staff.ask.placeholder').slice(0, PLACEHOLDER_MAX);
    // `context`: what the member should have in front of them to answer (the recommendation, for a decision), sent
    // first on its own (split when long), so that the question itself stays short and is the latest message.
    if (context !== '' && !(await this.deps.gateway.tell(chatId, context))) return false;
    try {
      const sent = await this.deps.gateway.sending(chatId, (t) =>
        t.sendMessage(chatId, text, { reply_markup: { force_reply: true, input_field_placeholder: placeholder } }),
      );
      await this.deps.questions.asked({ staffId: member.id, subjectId: subject.id, purpose, messageId: sent.message_id, askedAt: this.now() });
      return true;
    } catch (error) {
      if (error instanceof ChannelSendError && error.permanent) return false;
      throw error;
    }
  }

  /**
   * A private text from a staff member other than `/case`, `/report` and `/export`: a reply to
   * a question answers it; anything else is relay text in a referral, or a slip told as such.
   * False when it is none of the staff's business (the member writes to the bot as a person).
   */
  async onText(member: Staff, message: StaffText): Promise<boolean> {
    const me = this.deps.readers.of(member);
    const text = message.text.trim();
    const command = /^\/([A-Za-z_]+)(?:@\w+)?(?:\s|$)/.exec(text)?.[1]?.toLowerCase();
    const question = message.replyTo !== undefined ? await this.deps.questions.repliedTo(member.id, message.replyTo) : null;
    if (command === 'cancel') return this.cancel(member, question);
    if (question) {
      if (command) return this.say(me, 'staff.question.commandNotAnswer');
      return this.answer(member, question, text);
    }
    // Not an answer: words for the person in a referral, or a slip.
    if (await this.deps.referralDesk.onResearcherText(member, message.text, message.messageId)) return true;
    const pending = await this.pending(member);
    // A plain text with nothing asked is the member writing to the bot as anyone may; a reply is always staff business.
    if (pending.length === 0 && message.replyTo === undefined) return false;
    const waiting = pending.length > 0 ? `\n\n${this.t(me.lang, 'staff.question.waiting', { list: await this.listOf(me.lang, pending) })}` : '';
    return this.tell(me, `${this.t(me.lang, message.replyTo !== undefined ? 'staff.question.notAQuestion' : 'staff.question.replyToAnswer')}${waiting}`);
  }

  /** *Send*, *Edit* or *Cancel* under a decision's preview. */
  async onDraftPress(member: Staff, action: 'send' | 'edit' | 'drop', questionId: string, press: QuestionPress): Promise<PressAnswer> {
    const lang = this.deps.readers.langOf(member);
    const question = await this.deps.questions.get(questionId);
    if (!question || question.staffId !== member.id) return { key: 'staff.answer.notAllowed' };
    if (question.state !== 'draft' || question.draft === null)
      return {
        key: question.state === 'answered' ? 'staff.answer.already' : question.state === 'revoked' ? 'staff.answer.notAllowed' : 'staff.answer.oldButton',
      };
    // A later reply made a newer preview: this one's text is not what Send would send.
    if (press.messageId !== undefined && press.messageId !== null && press.messageId !== question.previewMessageId) return { key: 'staff.answer.oldButton' };
    if (this.expired(question)) {
      await this.deps.questions.end(question.id, 'cancelled');
      return { key: 'staff.question.expired' };
    }
    const record = await this.deps.cases.get(question.subjectId);
    if (!record) return { key: 'staff.answer.notFound' };
    if (action === 'drop') {
      await this.deps.questions.end(question.id, 'cancelled');
      await this.replacePreview(press, this.t(lang, 'staff.confirm.cancelled', { reference: record.reference }));
      return { key: 'staff.prompt.cancelled' };
    }
    if (action === 'edit') {
      await this.deps.questions.end(question.id, 'replaced');
      await this.replacePreview(press, this.t(lang, 'staff.confirm.editing', { reference: record.reference }));
      await this.ask(member, record, question.purpose);
      return { key: 'staff.answer.checkPrivate' };
    }
    const outcome = question.purpose === 'approved' ? 'approved' : 'rejected';
    const result = await this.deps.actions.decide(record.id, member, outcome, question.draft, question.id);
    // Another open request under the same national ID: the draft and its buttons stay, to send once staff have settled it.
    if (!result.ok && result.reason === 'id_shared') return this.refusal(lang, result);
    if (!result.ok) {
      // Decided by someone else meanwhile, or no longer allowed: this draft will never be sent.
      await this.deps.questions.end(question.id, 'replaced');
      await this.replacePreview(press, this.t(lang, 'staff.confirm.cancelled', { reference: record.reference }));
      return this.refusal(lang, result);
    }
    await this.deps.questions.end(question.id, 'answered');
    this.deps.onCaseChanged(result.record);
    const undo =
      this.deps.decisionUndoMs > 0
        ? staffKeyboard([[{ text: this.t(lang, 'staff.button.undo'), data: signAction(this.deps.keys, 'undo', record.id) }]])
        : undefined;
    const done =
      this.deps.decisionUndoMs > 0
        ? this.t(lang, 'staff.confirm.sent', { reference: record.reference, minutes: Math.round((this.deps.decisionUndoMs / 60_000) * 10) / 10 })
        : this.t(lang, 'staff.confirm.sentNow', { reference: record.reference });
    await this.replacePreview(press, done, undo);
    return { key: 'staff.answer.decisionRecorded' };
  }

  /** *Take back* under a sent decision, inside the window. */
  async onUndo(member: Staff, caseId: string, press: QuestionPress): Promise<PressAnswer> {
    const lang = this.deps.readers.langOf(member);
    const result = await this.deps.actions.undoDecision(caseId, member);
    if (!result.ok) return this.refusal(lang, result);
    this.deps.onCaseChanged(result.record);
    if (result.changed) await this.replacePreview(press, this.t(lang, 'staff.answer.undone', { reference: result.record.reference }));
    return { key: result.changed ? 'staff.answer.undone' : 'staff.answer.already', params: { reference: result.record.reference } };
  }

  /** The member's answer to one of their questions. */
  private async answer(member: Staff, question: StaffQuestion, text: string): Promise<boolean> {
    const me = this.deps.readers.of(member);
    if (question.state === 'answered') return this.say(me, 'staff.question.answeredAlready');
    if (question.state === 'revoked') return this.say(me, 'staff.answer.notAllowed');
    if (question.state !== 'open' && question.state !== 'draft') return this.say(me, 'staff.question.closed');
    if (this.expired(question)) {
      await this.deps.questions.end(question.id, 'cancelled');
      return this.say(me, 'staff.question.expired');
    }
    if (text === '') return this.say(me, 'staff.ask.empty');
    const limit = TEXT_LIMITS[question.purpose === 'approved' || question.purpose === 'rejected' ? 'decision' : question.purpose];
    if (text.length > limit) return this.say(me, 'staff.ask.tooLong', { length: text.length, limit });
    switch (question.purpose) {
      case 'approved':
      case 'rejected':
        return this.preview(member, question, text);
      case 'answered': {
        const result = await answerFeedback(this.deps.owed, question.subjectId, member, text, question.id, this.now());
        if (!result.ok) {
          if (result.reason === 'answered_by_other') await this.deps.questions.end(question.id, 'replaced');
          return this.say(
            me,
            result.reason === 'answered_by_other'
              ? 'staff.answer.already'
              : result.reason === 'not_allowed'
                ? 'staff.answer.notAllowed'
                : 'staff.answer.notFound',
          );
        }
        await this.deps.questions.end(question.id, 'answered');
        return this.say(me, 'staff.record.answered', { reference: result.reference });
      }
      case 'recommend_approve':
      case 'recommend_reject': {
        const parsed = parseRecommendation(text);
        if (!parsed) return this.say(me, `staff.recommend.needsVisitNote.${question.purpose}`);
        const outcome = question.purpose === 'recommend_approve' ? 'approve' : 'reject';
        const result = await this.deps.actions.recommend(question.subjectId, member, { outcome, ...parsed }, question.id);
        if (!result.ok) {
          const [key, params] = refusalOf(result, (key) => this.t(me.lang, key));
          return this.say(me, key, params);
        }
        await this.deps.questions.end(question.id, 'answered');
        this.deps.onCaseChanged(result.record);
        return this.say(me, 'staff.decided.recommend', { reference: result.record.reference });
      }
      case 'info':
      case 'note':
      case 'reopen': {
        const result =
          question.purpose === 'info'
            ? await this.deps.actions.requestInfo(question.subjectId, member, parseInfoRequest(text), question.id)
            : question.purpose === 'note'
              ? await this.deps.actions.addNote(question.subjectId, member, text, question.id)
              : await this.deps.actions.reopen(question.subjectId, member, text, question.id);
        if (!result.ok) {
          const [key, params] = refusalOf(result, (key) => this.t(me.lang, key));
          return this.say(me, key, params);
        }
        await this.deps.questions.end(question.id, 'answered');
        this.deps.onCaseChanged(result.record);
        return this.say(me, `staff.decided.${question.purpose}`, { reference: result.record.reference });
      }
    }
  }

  /** Shows the member exactly what the beneficiary will read, with *Send*, *Edit* and *Cancel*. */
  private async preview(member: Staff, question: StaffQuestion, text: string): Promise<boolean> {
    const me = this.deps.readers.of(member);
    const record = await this.deps.cases.get(question.subjectId);
    if (!record) return this.say(me, 'staff.answer.notFound');
    if (record.decision || record.status !== 'in_review') {
      await this.deps.questions.end(question.id, 'replaced');
      return this.say(me, 'staff.answer.wrongState', { status: this.t(me.lang, `caseStatus.${record.status}`) });
    }
    const outcome = question.purpose === 'approved' ? 'approved' : 'rejected';
    const params = { reference: record.reference, [outcome === 'approved' ? 'support' : 'reason']: text };
    const beneficiaryText = this.deps.translate(record.lang, `decision.${outcome}`, params);
    const button = (action: 'send' | 'edit' | 'drop') => ({
      text: this.t(me.lang, `staff.button.${action}`),
      data: signAction(this.deps.keys, action, question.id),
    });
    const keyboard = staffKeyboard([[button('send')], [button('edit'), button('drop')]]);
    const previewText = this.t(me.lang, `staff.confirm.${outcome}`, {
      reference: record.reference,
      language: this.t(me.lang, `staff.language.${record.lang}`),
      text: beneficiaryText,
    });
    // Sent first, then kept with the draft: only this message's Send sends this text.
    const sent = await this.deps.gateway.sending(me.chatId, (t) => t.sendMessage(me.chatId, previewText, { reply_markup: keyboard }));
    await this.deps.questions.draft(question.id, text, sent.message_id);
    return true;
  }

  /** `/cancel`: as a reply, that question; otherwise every question the member has waiting. False when there is none (the member's own conversation takes it). */
  private async cancel(member: Staff, question: StaffQuestion | null): Promise<boolean> {
    const me = this.deps.readers.of(member);
    if (question) {
      const ended = await this.deps.questions.end(question.id, 'cancelled');
      return this.say(me, ended ? 'staff.prompt.cancelled' : 'staff.question.closed');
    }
    const pending = await this.pending(member);
    if (pending.length === 0) return false;
    for (const open of pending) await this.deps.questions.end(open.id, 'cancelled');
    return this.say(me, 'staff.question.cancelledAll', { count: pending.length });
  }

  /** The member's questions still waiting and not expired. */
  private async pending(member: Staff): Promise<StaffQuestion[]> {
    return (await this.deps.questions.pendingFor(member.id)).filter((q) => !this.expired(q));
  }

  private expired(question: StaffQuestion): boolean {
    return this.now().getTime() - question.askedAt.getTime() > QUESTION_TTL_MS;
  }

  private async listOf(lang: Language, questions: StaffQuestion[]): Promise<string> {
    const lines: string[] = [];
    for (const question of questions) {
      const reference =
        question.purpose === 'answered' ? (await this.deps.records.get(question.subjectId))?.reference : await this.deps.cases.referenceOf(question.subjectId);
      lines.push(this.t(lang, 'staff.question.line', { reference: reference ?? '—', purpose: this.t(lang, `staff.question.purpose.${question.purpose}`) }));
    }
    return lines.join('\n');
  }

  /** Replaces the preview (its buttons go with it); when the pressed message is unknown, says it in a new one. */
  private async replacePreview(press: QuestionPress, text: string, keyboard?: CallbackKeyboard): Promise<void> {
    const { chatId, messageId } = press;
    if (chatId === undefined || messageId === undefined || messageId === null) return;
    await this.deps.gateway
      .sending(chatId, (t) => t.editMessageText(chatId, messageId, undefined, text, keyboard ? { reply_markup: keyboard } : {}))
      .catch((error: unknown) => this.deps.logger.info({ ...errorFields(error) }, 'decision preview not updated'));
  }

  private refusal(lang: Language, result: Extract<ActionResult, { ok: false }>): PressAnswer {
    const [key, params] = refusalOf(result, (k) => this.t(lang, k));
    return { key, ...(params ? { params } : {}) };
  }

  /** Sends a staff text by its key, in the reader's language; true: the text was handled. */
  private say(reader: Reader, key: string, params?: Record<string, string | number>): Promise<true> {
    return this.tell(reader, this.t(reader.lang, key, params));
  }

  private async tell(reader: Reader, text: string): Promise<true> {
    await this.deps.gateway.tell(reader.chatId, text);
    return true;
  }

  private t(lang: Language, key: string, params?: Record<string, string | number>): string {
    return this.deps.translate(lang, key, params);
  }

  private now(): Date {
    return this.deps.clock?.() ?? new Date();
  }
}

/** The message for an action staff cannot take, and its parameters. */
export function refusalOf(result: Extract<ActionResult, { ok: false }>, t: (key: string) => string): [string, Record<string, string>?] {
  switch (result.reason) {
    case 'not_allowed':
      return ['staff.answer.notAllowed'];
    case 'not_found':
      return ['staff.answer.notFound'];
    case 'held_by_other':
      return ['staff.answer.heldByOther', { name: result.record?.assignee?.name ?? '' }];
    case 'wrong_state':
      return ['staff.answer.wrongState', { status: result.record ? t(`caseStatus.${result.record.status}`) : '' }];
    case 'too_late':
      return ['staff.answer.tooLate'];
    case 'still_sending':
      return ['staff.answer.stillSending'];
    case 'id_in_use':
      return ['staff.answer.idInUse'];
    case 'id_shared':
      return ['staff.answer.idShared'];
    case 'cannot_take':
      return ['staff.answer.cannotTake'];
    case 'no_recommendation':
      return ['staff.answer.needsRecommendation'];
  }
}

/** A recommendation's reply: the first line the support proposed (or the reason), the lines after it the field-visit note; null without both. */
export function parseRecommendation(text: string): { detail: string; visitNote: string } | null {
  const [first = '', ...rest] = text.split('\n');
  const detail = first.trim();
  const visitNote = rest.join('\n').trim();
  return detail === '' || visitNote === '' ? null : { detail, visitNote };
}

/**
 * A researcher's request for information as typed: the numbers of the missing items first
 * ("1، 3" or "1 3"), then, optionally, a note in their own words.
 */
export function parseInfoRequest(text: string): { items: InfoItem[]; note: string } {
  const match = /^\s*([0-9٠-٩\s,،]+)(?:\s|$)([\s\S]*)$/u.exec(text);
  if (!match) return { items: [], note: text.trim() };
  const numbers = match[1]!
    .replace(/[٠-٩]/g, (d) => String('٠١٢٣٤٥٦٧٨٩'.indexOf(d)))
    .split(/[\s,،]+/)
    .filter(Boolean)
    .map(Number);
  const items = [...new Set(numbers.map((n) => INFO_ITEMS[n - 1]).filter((item): item is InfoItem => item !== undefined))];
  return { items, note: match[2]!.trim() };
}
