import { createHash } from 'node:crypto';
import type { Flow, QuestionStep, Step } from './flow-definition.js';
import { answerLabelKey, displayAnswer } from './display.js';
import type { EngineEnv, EngineInput, InputMeta, OpenCaseSummary, RequestResult } from './input.js';
import type { EngineEvent, EngineRequest, ReferralReason } from './events.js';
import type { OutboundMessage } from '../core/channel.js';
import type { FaqMatch, FlowCatalog } from './contract.js';
import { answeredPath, firstOpen, isStepTarget, nextTarget } from './path.js';
import { detectCommand, isDone, isEndOfReferral, type Command } from './commands.js';
import { readAnswer } from './answers.js';
import type { AnswerValue, Draft, Language, Session } from './session.js';
import { cloneJson } from './clone.js';

/** What a step produced: the next session, what happened, and at most one request to the caller. */
export interface StepResult {
  session: Session;
  events: EngineEvent[];
  request: EngineRequest | null;
}

/** The flow every conversation returns to. */
export const MENU_FLOW = 'menu';

/** How many of the person's last texts a researcher taking a referral sees. */
const RECENT_TEXTS = 5;

/**
 * Advances a conversation by one input. Pure and deterministic: the clock, ids and
 * messages come from `env`; nothing is sent or stored here. When the step needs
 * I/O (a look-up, a submission) it returns a `request`; the caller performs it
 * and calls `step` again with a `result` input before committing the session.
 */
export function step(catalog: FlowCatalog, session: Session, input: EngineInput, meta: InputMeta, env: EngineEnv): StepResult {
  const turn = new Turn(catalog, cloneJson(session), meta, env);
  turn.handle(input);
  return { session: turn.s, events: turn.events, request: turn.request };
}

/** Whether the conversation stands at a question that takes files, so a file sent now is worth fetching. */
export function expectsDocument(catalog: FlowCatalog, session: Session): boolean {
  // A file sent while a researcher has the conversation is relayed to them.
  if (session.referral) return true;
  const position = session.position;
  const current = position ? catalog.get(position.flow, position.version)?.steps[position.step] : undefined;
  return current?.kind === 'question' && current.answer.type === 'document';
}

/** One call of `step`: the session being changed and what the change produced. */
class Turn {
  readonly events: EngineEvent[] = [];
  request: EngineRequest | null = null;

  constructor(
    private readonly catalog: FlowCatalog,
    readonly s: Session,
    private readonly meta: InputMeta,
    private readonly env: EngineEnv,
  ) {}

  handle(input: EngineInput): void {
    if (input.kind === 'result') return this.onResult(input.result);
    if (input.kind === 'expire') return this.expireDrafts(false);
    // A notice is not the person's activity: it changes little beyond what they are told.
    if (input.kind === 'notice') return this.onNotice(input.key, input.params);

    const firstContact = this.s.lastActiveAt === null;
    const idleSince = this.s.lastActiveAt ? Date.parse(this.s.lastActiveAt) : null;
    this.s.lastActiveAt = this.env.now.toISOString();
    // A request left unanswered (the caller crashed before resuming) is simply dropped;
    // the person's new message is handled from where the conversation stood.
    this.s.waiting = null;

    const command = input.kind === 'text' ? detectCommand(input.text) : null;
    if (command === 'english' || command === 'arabic') this.setLanguage(command === 'english' ? 'en' : 'ar');
    if (input.kind === 'text' && !command) this.s.recent = [...(this.s.recent ?? []), input.text.slice(0, 300)].slice(-RECENT_TEXTS);

    if (firstContact) {
      this.say('welcome.first');
      // A first message that is already a command (/request from Telegram's menu) is obeyed.
      return command && command !== 'english' && command !== 'arabic' ? this.onCommand(command) : this.showMenu();
    }
    if (this.s.referral) return this.inReferral(input, command);
    if (this.s.draftsExpired || (idleSince !== null && this.env.now.getTime() - idleSince > this.env.draftIdleMs && this.hasKeptDrafts())) {
      this.expireDrafts(true);
      // A file sent to the expired draft was stored before this step: it goes too.
      if (input.kind === 'document' && input.documentId) this.discard(MENU_FLOW, [input.documentId]);
      return this.showMenu();
    }
    if (command) return this.onCommand(command);
    if (!this.s.position) {
      this.say('welcome.back');
      return this.showMenu();
    }
    this.answer(input);
  }

  // ---- commands -----------------------------------------------------------

  private onCommand(command: Command): void {
    switch (command) {
      case 'english':
      case 'arabic':
        this.say('language.changed');
        return this.repeatQuestion();
      case 'language':
        this.setLanguage(this.s.lang === 'ar' ? 'en' : 'ar');
        this.say('language.changed');
        return this.repeatQuestion();
      case 'menu':
        return this.showMenu();
      case 'help':
        // Asking for help a second time at the same question: the procedure is unclear, so a researcher is called.
        this.s.helpCount = (this.s.helpCount ?? 0) + 1;
        if (this.s.helpCount >= 2) return this.refer('help_twice');
        this.say('help.text');
        return this.repeatQuestion();
      case 'researcher':
        return this.refer('asked');
      case 'ask':
        return this.startFaq();
      case 'rate':
        return this.startSurvey(this.s.pendingSurvey ?? null);
      case 'provide':
        return this.startInfo();
      case 'mydata':
        return this.ask({ type: 'export_own_data' }, 'mydata');
      case 'erase':
        return this.startFlow('erase');
      case 'stop':
      case 'resume':
        this.s.optOut = command === 'stop';
        this.say(command === 'stop' ? 'optional.stopped' : 'optional.resumed');
        return this.repeatQuestion();
      case 'cancel':
        return this.cancel();
      case 'back':
        return this.back();
      case 'request':
        return this.startFlow('support_request');
      case 'withdraw':
        return this.startFlow('withdraw');
      case 'feedback':
      case 'volunteer':
      case 'track':
        return this.startFlow(command);
      case 'status':
        return this.ask({ type: 'find_own_cases' }, 'status');
    }
  }

  private cancel(): void {
    const current = this.s.position?.flow;
    // At the menu, "cancel" means the unfinished request kept there, if any.
    const flows = current && current !== MENU_FLOW ? [current] : this.keptDraftFlows();
    if (flows.length === 0) {
      this.say('cancel.nothing');
      return this.showMenu();
    }
    for (const flowId of flows) this.emit({ type: 'flow_cancelled', flow: flowId, documentIds: this.dropDraft(flowId) });
    this.say('cancel.done');
    this.showMenu();
  }

  private back(): void {
    const position = this.s.position;
    const draft = position ? this.s.drafts[position.flow] : undefined;
    if (position && draft?.editingFrom) {
      // Changing an answer from the review: "back" keeps the answer and returns to the review.
      position.step = draft.editingFrom;
      delete draft.editingFrom;
      this.discardUnfinishedFiles(position.flow, draft);
      this.s.invalidCount = 0;
      return this.prompt();
    }
    let previous = draft?.trail.pop();
    if (position && draft) {
      // A question that no longer applies (the rent after housing changed to owned) is not returned to.
      const onPath = answeredPath(this.flow(position.flow), draft.answers);
      while (previous !== undefined && !onPath.includes(previous)) previous = draft.trail.pop();
    }
    if (!position || !draft || previous === undefined) {
      this.say('back.nowhere');
      return this.repeatQuestion();
    }
    position.step = previous;
    this.s.invalidCount = 0;
    this.discardUnfinishedFiles(position.flow, draft);
    this.prompt();
  }

  // ---- referral to a social researcher -----------------------------------------

  /** Hands the conversation to a researcher; the person stays where they were and returns there after. */
  private refer(reason: ReferralReason): void {
    if (this.s.referral) return;
    const position = this.s.position;
    const referralId = this.env.newId();
    this.ask(
      { type: 'open_referral', referralId, reason, lang: this.s.lang, context: { flow: position?.flow ?? null, step: position?.step ?? null }, recent: this.s.recent ?? [] },
      'referral',
      referralId,
    );
  }

  /**
   * While a researcher has the conversation the bot steps aside: everything is relayed,
   * unanswered, except a change of language and the words that end the referral ("end",
   * "menu", "cancel", "back"), which bring the person back where they were.
   */
  private inReferral(input: Exclude<EngineInput, { kind: 'result' | 'expire' | 'notice' }>, command: Command | null): void {
    const referral = this.s.referral;
    if (!referral) return;
    if (command === 'english' || command === 'arabic' || command === 'language') {
      if (command === 'language') this.setLanguage(this.s.lang === 'ar' ? 'en' : 'ar');
      return this.say('language.changed');
    }
    if (command === 'menu' || command === 'cancel' || command === 'back' || (input.kind === 'text' && isEndOfReferral(input.text))) {
      return this.ask({ type: 'close_referral', referralId: referral.id }, command === 'menu' ? 'referral_close:menu' : 'referral_close:return');
    }
    if (input.kind === 'document_rejected') return this.say(input.error, input.params);
    const message =
      input.kind === 'text'
        ? { text: input.text }
        : input.kind === 'choice'
          ? { text: input.optionId }
          : input.kind === 'document'
            ? { documentId: input.documentId }
            : { unsupported: input.what };
    this.ask({ type: 'relay_to_researcher', referralId: referral.id, message }, 'relay');
  }

  private onNotice(key: string, params: Record<string, string | number>): void {
    if (key === 'survey.invite') return this.onSurveyInvite(String(params.surveyId ?? ''), params);
    if (key === 'info.requested') return this.onInfoRequested(params);
    this.say(key, params);
    // The researcher ended the conversation: the person is back at the question they left.
    if (key === 'referral.ended' && this.s.referral && params.referralId === this.s.referral.id) {
      this.s.referral = null;
      this.repeatQuestion();
    }
  }

  private setLanguage(lang: Language): void {
    if (this.s.lang === lang) return;
    this.s.lang = lang;
    this.emit({ type: 'language_changed', lang });
  }

  // ---- flows --------------------------------------------------------------

  private showMenu(): void {
    this.openFresh(MENU_FLOW);
    this.prompt();
  }

  /**
   * Leaves the current flow and stands at the start of `flowId` with a fresh draft holding
   * `scratch` (ids it works on, not answers). For the flows entered without the guard and
   * resume of a request: the menu, the questions, a rating, an information request.
   */
  private openFresh(flowId: string, scratch: Record<string, AnswerValue> = {}): Draft {
    const flow = this.flow(flowId);
    this.leaveFlow();
    const draft = { ...this.newDraft(), answers: scratch };
    this.s.drafts[flow.id] = draft;
    this.s.position = { flow: flow.id, version: flow.version, step: flow.start };
    return draft;
  }

  /** Whether the person is free for something the association brings up (at the menu, no researcher talking). */
  private isFree(): boolean {
    return !this.s.referral && (!this.s.position || this.s.position.flow === MENU_FLOW);
  }

  /** Leaves the current flow, keeping its draft only when the flow keeps drafts. */
  private leaveFlow(): void {
    const flowId = this.s.position?.flow;
    if (flowId && !this.flow(flowId).keepsDraft) delete this.s.drafts[flowId];
    this.s.position = null;
    this.s.invalidCount = 0;
    this.s.helpCount = 0;
  }

  private startFlow(flowId: string): void {
    const flow = this.flow(flowId);
    if (flow.guard) return this.ask({ type: 'find_own_open_case' }, `guard:${flowId}`);
    this.enterFlow(flow);
  }

  private enterFlow(flow: Flow, scratch: Record<string, AnswerValue> = {}): void {
    this.leaveFlow();
    const kept = this.s.drafts[flow.id];
    if (kept && Object.keys(kept.answers).length > 0) {
      this.say('draft.resumed', { title: flow.title ? this.t(flow.title) : '' });
    } else {
      this.s.drafts[flow.id] = { ...this.newDraft(), answers: scratch };
      this.emit({ type: 'flow_started', flow: flow.id });
    }
    this.s.position = { flow: flow.id, version: flow.version, step: flow.start };
    this.goTo(flow.start);
  }

  /** Moves to the first open step from `target`, or acts on a target that leaves the flow. */
  private goTo(target: string): void {
    const { flow, draft } = this.current();
    const open = firstOpen(flow, target, draft.answers, this.consentCurrent());
    if (isStepTarget(open)) {
      this.s.position = { flow: flow.id, version: flow.version, step: open };
      return this.prompt();
    }
    if (open === 'end') return this.showMenu();
    if (open.startsWith('flow:')) return this.startFlow(open.slice('flow:'.length));
    return this.act(open.slice('action:'.length));
  }

  private act(action: string): void {
    const { flow, draft } = this.current();
    switch (action) {
      case 'toggle_language':
        this.setLanguage(this.s.lang === 'ar' ? 'en' : 'ar');
        this.say('language.changed');
        return this.showMenu();
      case 'show_status':
        return this.ask({ type: 'find_own_cases' }, 'status');
      case 'lookup_case':
        return this.ask({ type: 'lookup_case', reference: String(draft.answers.track_reference), lastFour: String(draft.answers.track_last_four) }, 'lookup');
      case 'withdraw_case':
        return this.ask({ type: 'withdraw_case', caseId: String(draft.answers.case_id) }, 'withdraw');
      case 'request_erasure':
        return this.ask({ type: 'request_erasure', requestId: this.env.newId() }, 'erasure');
      case 'show_help':
        this.say('help.text');
        return this.showMenu();
      case 'submit_case':
        return this.submit(flow, draft);
      case 'submit_record':
        return this.submitRecord(flow, draft);
      case 'refer':
        return this.refer('asked');
      case 'questions':
        return this.startFaq();
      case 'rate':
        return this.startSurvey(this.s.pendingSurvey ?? null);
      case 'submit_info':
        return this.ask(
          {
            type: 'submit_info',
            caseId: String(draft.answers.case_id ?? ''),
            text: draft.answers.info_text ? String(draft.answers.info_text) : '',
            documentIds: Array.isArray(draft.answers.info_files) ? draft.answers.info_files.map(String) : [],
          },
          'info',
        );
      case 'submit_survey':
        return this.ask(
          {
            type: 'submit_survey',
            surveyId: typeof draft.answers.survey_id === 'string' ? draft.answers.survey_id : null,
            submissionId: draft.id,
            rating: Number(String(draft.answers.survey_rating).slice(1)),
            comment: draft.answers.survey_comment ? String(draft.answers.survey_comment) : null,
          },
          'survey',
        );
      case 'declined':
        this.say(`${flow.id}.declined`);
        return this.showMenu();
      default:
        throw new Error(`unknown action "${action}" in flow ${flow.id}`);
    }
  }

  // ---- answering ----------------------------------------------------------

  private answer(input: Exclude<EngineInput, { kind: 'result' | 'expire' | 'notice' }>): void {
    const { flow, draft, step, stepId, relocated } = this.current();
    // The question the person answered is gone from a newer version of the flow: ask where they now stand.
    if (relocated) return this.prompt();
    const wantsFiles = step.kind === 'question' && step.answer.type === 'document';
    if (input.kind === 'unsupported' && input.what === 'voice') {
      // Someone who speaks rather than types may find the questions hard: a researcher writes to them.
      this.say('unsupported.voice');
      return this.refer('voice');
    }
    if (input.kind === 'unsupported') return this.reject(wantsFiles ? 'document.expected' : `unsupported.${input.what}`);
    if (input.kind === 'document_rejected') return this.reject(input.error, input.params);
    if (step.kind === 'question' && step.answer.type === 'document') return this.answerDocument(step.answer, stepId, draft, input);
    if (input.kind === 'document') {
      if (input.documentId) this.discard(flow.id, [input.documentId]);
      this.say('document.notExpected');
      return this.prompt();
    }
    const raw = input.kind === 'choice' ? { choice: input.optionId } : { text: input.text };
    if (step.kind === 'question' && step.answer.type === 'faq') return this.answerFaq(raw, draft);

    if (step.kind === 'consent' || step.kind === 'declaration') {
      // The option as shown ("أقرّ وأوقّع") counts, as does a plain yes or no.
      const labelled = readAnswer({ type: 'choice', options: this.yesNoLabelKeys(step.kind) }, raw, this.catalog.validators, this.labelsOf);
      const yes = labelled.ok ? { ok: true as const, value: labelled.value === 'yes' } : readAnswer({ type: 'yes_no' }, raw, this.catalog.validators, this.labelsOf);
      if (!yes.ok) return this.reject(yes.error, yes.params);
      return step.kind === 'consent' ? this.onConsent(yes.value === true, step) : this.onDeclaration(yes.value === true, step, flow, draft);
    }
    if (step.kind === 'review') return this.onReview(raw, flow, draft, step);
    const spec = step.answer;
    if (spec.type === 'document' || spec.type === 'faq') return;

    const read = readAnswer(spec, raw, this.catalog.validators, this.labelsOf);
    if (!read.ok && flow.id === MENU_FLOW && raw.text !== undefined && !/\p{Nd}/u.test(raw.text)) {
      // A question typed at the menu is answered; "السلام عليكم" is a greeting, not a wrong choice.
      const match = this.catalog.faq?.match(raw.text) ?? { kind: 'none' };
      if (match.kind === 'answer') {
        this.say(`faq.${match.topicId}.answer`);
        return this.prompt();
      }
      if (match.kind === 'choices') return this.startFaq(match.topicIds);
      this.say('welcome.back');
      return this.prompt();
    }
    if (!read.ok) return this.reject(read.error, read.params);
    if (step.check === 'national_id') {
      return this.ask({ type: 'check_national_id', nationalId: String(read.value) }, `step:${stepId}`, String(read.value));
    }
    this.record(stepId, read.value);
  }

  // ---- the person's own data ---------------------------------------------------

  /**
   * /mydata: a readable copy of what the association holds about this chat — each request
   * with every answer labelled as on the review, an unfinished request, suggestions,
   * complaints and volunteering, ratings, and the consent — then how to ask for deletion.
   */
  private showOwnData(data: Extract<RequestResult, { request: 'export_own_data' }>): void {
    const blocks: string[] = [];
    const answerLines = (flowId: string, version: number | undefined, answers: Record<string, AnswerValue>) => {
      const flow = this.catalog.get(flowId, version);
      if (!flow) return [];
      return answeredPath(flow, answers).map((id) => `• ${this.t(this.labelKey(flow, id))}: ${this.display(flow, id, answers[id])}`);
    };
    for (const c of data.cases) {
      blocks.push([this.t('mydata.case', { reference: c.reference, status: this.t(`caseStatus.${c.status}`), submittedAt: c.submittedAt }), ...answerLines(c.flow, c.flowVersion, c.answers)].join('\n'));
    }
    for (const flowId of this.keptDraftFlows()) {
      const draft = this.s.drafts[flowId];
      if (draft && Object.keys(draft.answers).length > 0) blocks.push([this.t('mydata.draft'), ...answerLines(flowId, undefined, draft.answers)].join('\n'));
    }
    for (const r of data.records) blocks.push(this.t(`mydata.record.${r.kind}`, { reference: r.reference, createdAt: r.createdAt }));
    if (data.ratings > 0) blocks.push(this.t('mydata.ratings', { count: data.ratings }));
    if (this.s.consent) blocks.push(this.t('mydata.consent', { version: this.s.consent.version, at: this.s.consent.at.slice(0, 10) }));
    this.say(blocks.length === 0 ? 'mydata.nothing' : 'mydata.header');
    for (const block of blocks) this.send({ text: block });
    this.say('mydata.footer');
  }

  // ---- information requested by a researcher ---------------------------------

  /**
   * A researcher needs more from the person: what is missing, in their language, then the
   * short flow to send it — at once when they are free, otherwise when they send «استكمال».
   * A service message: it comes even to a person who stopped optional messages.
   */
  private onInfoRequested(params: Record<string, string | number>): void {
    const items = String(params.items ?? '')
      .split(',')
      .filter(Boolean)
      .map((id) => `• ${this.t(`info.item.${id}`)}`);
    const note = String(params.note ?? '').trim();
    this.say('info.requested', { reference: String(params.reference ?? ''), items: items.join('\n') || '—', note: note || '—' });
    this.s.pendingInfo = { caseId: String(params.caseId ?? ''), reference: String(params.reference ?? '') };
    if (this.isFree()) return this.startInfo();
    this.say('info.later');
  }

  private startInfo(): void {
    const pending = this.s.pendingInfo;
    if (!pending) {
      this.say('info.nothing');
      return this.repeatQuestion();
    }
    this.openFresh('info', { case_id: pending.caseId, case_reference: pending.reference });
    this.prompt();
  }

  // ---- satisfaction ----------------------------------------------------------

  /**
   * An invitation to rate: asked at once when the person is free (at the menu), otherwise
   * kept until they send «تقييم», so it never cuts into a request or a researcher's chat.
   */
  private onSurveyInvite(surveyId: string, params: Record<string, string | number>): void {
    this.s.pendingSurvey = surveyId;
    if (this.isFree()) {
      this.say('survey.invite', params);
      return this.startSurvey(surveyId);
    }
    this.say('survey.inviteLater', params);
  }

  private startSurvey(surveyId: string | null): void {
    this.openFresh('survey', surveyId ? { survey_id: surveyId } : {});
    this.prompt();
  }

  // ---- questions (FAQ) ------------------------------------------------------

  /** Opens the questions with every topic, or with the two or three a typed question came near. */
  private startFaq(candidates?: string[]): void {
    const draft = this.openFresh('faq', candidates ? { faq_shown: candidates } : {});
    if (candidates) return this.sayWith('faq.didYouMean', this.faqOptions(draft));
    this.prompt();
  }

  /**
   * A topic chosen (by button, number or its words among those shown) is answered; free
   * text goes to the matcher: one topic is answered, a few are offered, none brings the
   * offer of a researcher. The person stays in the questions until they leave.
   */
  private answerFaq(raw: { text?: string; choice?: string }, draft: Draft): void {
    const shown = this.faqOptions(draft);
    const chosen = readAnswer({ type: 'choice', options: shown.map(({ id }) => ({ id, label: id === 'researcher' ? 'faq.researcher' : `faq.${id}.title` })) }, raw, this.catalog.validators, this.labelsOf);
    if (chosen.ok) return chosen.value === 'researcher' ? this.refer('no_answer') : this.answerTopic(String(chosen.value), draft);
    const match: FaqMatch = raw.text !== undefined && !/^\s*\p{Nd}+\s*$/u.test(raw.text) ? (this.catalog.faq?.match(raw.text) ?? { kind: 'none' }) : { kind: 'none' };
    if (match.kind === 'answer') return this.answerTopic(match.topicId, draft);
    if (match.kind === 'choices') {
      draft.answers.faq_shown = match.topicIds;
      return this.sayWith('faq.didYouMean', this.faqOptions(draft));
    }
    this.s.invalidCount += 1;
    delete draft.answers.faq_shown;
    this.sayWith('faq.noMatch', this.faqOptions(draft));
  }

  private answerTopic(topicId: string, draft: Draft): void {
    this.s.invalidCount = 0;
    delete draft.answers.faq_shown;
    this.emit({ type: 'faq_answered', topic: topicId });
    this.say(`faq.${topicId}.answer`);
    this.sayWith('faq.more', this.faqOptions(draft));
  }

  /** The topics offered now (those a question came near, or all), and a researcher last. */
  private faqOptions(draft: Draft): { id: string; label: string }[] {
    const all = this.catalog.faq?.topicIds() ?? [];
    const shown = Array.isArray(draft.answers.faq_shown) ? draft.answers.faq_shown.map(String).filter((id) => all.includes(id)) : [...all];
    return [...shown.map((id) => ({ id, label: this.t(`faq.${id}.title`) })), { id: 'researcher', label: this.t('faq.researcher') }];
  }

  private record(stepId: string, value: AnswerValue): void {
    const { flow, draft, step } = this.current();
    const replaced = draft.answers[stepId];
    if (Array.isArray(replaced) && step.kind === 'question' && step.answer.type === 'document') {
      const kept = new Set((Array.isArray(value) ? value : []).map(String));
      this.discard(flow.id, replaced.map(String).filter((id) => !kept.has(id)));
    }
    draft.answers[stepId] = value;
    draft.trail.push(stepId);
    delete draft.editingFrom;
    this.s.invalidCount = 0;
    this.s.helpCount = 0;
    if (flow.keepsDraft) this.emit({ type: 'answer_recorded', flow: flow.id, step: stepId });
    this.goTo(nextTarget(step, draft.answers));
  }

  private reject(error: string, params?: Record<string, string | number>): void {
    const position = this.s.position;
    if (position) this.emit({ type: 'answer_rejected', flow: position.flow, step: position.step, error });
    this.s.invalidCount += 1;
    this.say(error, params);
    // Still stuck after help was offered: the procedure is unclear to them, so a researcher is called.
    if (this.s.invalidCount === (this.env.referAfterInvalid ?? this.env.helpAfterInvalid + 2)) return this.refer('stuck');
    // Offered once when the person seems stuck, not after every further mistake.
    if (this.s.invalidCount === this.env.helpAfterInvalid) this.say('help.offer');
    this.prompt(true);
  }

  private answerDocument({ maxFiles: max, optional }: { maxFiles: number; optional?: boolean }, stepId: string, draft: Draft, input: EngineInput): void {
    if (input.kind === 'document') {
      draft.files.push(input.documentId);
      if (draft.files.length >= max) return this.finishDocuments(stepId, draft);
      return this.sayWith('document.received', [this.doneOption()], { count: draft.files.length, max });
    }
    const done = input.kind === 'choice' ? input.optionId === 'done' : input.kind === 'text' && isDone(input.text);
    if (!done) return this.reject('document.expected');
    if (draft.files.length === 0) {
      // Revisiting a question already answered: "done" with no new file keeps the files given before.
      const given = draft.answers[stepId];
      if (Array.isArray(given) && given.length > 0) return this.record(stepId, given);
      if (optional) return this.record(stepId, []);
      return this.reject('document.needOne');
    }
    this.finishDocuments(stepId, draft);
  }

  private finishDocuments(stepId: string, draft: Draft): void {
    const files = draft.files;
    draft.files = [];
    this.record(stepId, files);
  }

  private onConsent(accepted: boolean, step: Step): void {
    if (!accepted) {
      this.emit({ type: 'consent_refused', version: this.env.privacyNoticeVersion });
      const flowId = this.s.position?.flow;
      if (flowId) this.discard(flowId, this.dropDraft(flowId));
      this.say('privacy.refused');
      return this.showMenu();
    }
    this.s.consent = { version: this.env.privacyNoticeVersion, at: this.env.now.toISOString() };
    this.emit({ type: 'consent_given', version: this.env.privacyNoticeVersion });
    this.s.invalidCount = 0;
    this.goTo(nextTarget(step, this.current().draft.answers));
  }

  private onReview(raw: { text?: string; choice?: string }, flow: Flow, draft: Draft, step: Step): void {
    const options = this.reviewOptions(flow, draft);
    const choices = options.map(({ id, label }) => ({ id, label }));
    const read = readAnswer({ type: 'choice', options: choices }, raw, this.catalog.validators, this.labelsOf);
    if (!read.ok) return this.reject(read.error, read.params);
    this.s.invalidCount = 0;
    if (read.value === 'confirm') return this.goTo(nextTarget(step, draft.answers));
    const stepId = String(read.value).slice('edit_'.length);
    const position = this.s.position;
    if (position) {
      draft.editingFrom = position.step;
      position.step = stepId;
    }
    this.prompt();
  }

  private onDeclaration(accepted: boolean, step: Extract<Step, { kind: 'declaration' }>, flow: Flow, draft: Draft): void {
    this.s.invalidCount = 0;
    if (!accepted) {
      this.say('declaration.declined');
      const review = Object.entries(flow.steps).find(([, s]) => s.kind === 'review');
      if (review && this.s.position) this.s.position.step = review[0];
      return this.prompt();
    }
    const answers = this.requestAnswers(flow, draft);
    this.emit({
      type: 'declaration_accepted',
      declaration: {
        version: step.declarationVersion,
        acceptedAt: this.env.now.toISOString(),
        channel: this.meta.channel,
        messageId: this.meta.messageId,
        answersHash: hashAnswers(answers),
      },
    });
    this.goTo(nextTarget(step, draft.answers));
  }

  private submit(flow: Flow, draft: Draft): void {
    const declared = [...this.events].reverse().find((e) => e.type === 'declaration_accepted');
    if (!declared || declared.type !== 'declaration_accepted') throw new Error(`flow ${flow.id} submits without a declaration`);
    const answers = this.requestAnswers(flow, draft);
    this.ask(
      {
        type: 'submit_case',
        submissionId: draft.id,
        flow: flow.id,
        flowVersion: flow.version,
        lang: this.s.lang,
        answers,
        documentIds: answeredDocumentIds(flow, answers),
        declaration: declared.declaration,
      },
      'submit',
    );
  }

  private submitRecord(flow: Flow, draft: Draft): void {
    if (flow.id !== 'feedback' && flow.id !== 'volunteer') throw new Error(`flow ${flow.id} cannot submit a record`);
    const answers = this.requestAnswers(flow, draft);
    this.ask({ type: 'submit_record', kind: flow.id, submissionId: draft.id, lang: this.s.lang, answers, documentIds: answeredDocumentIds(flow, answers) }, 'record');
  }

  // ---- requests and their results ------------------------------------------

  private ask(request: EngineRequest, purpose: string, value?: string): void {
    this.request = request;
    this.s.waiting = { request: request.type, purpose, ...(value === undefined ? {} : { value }) };
  }

  private onResult(result: RequestResult): void {
    const waiting = this.s.waiting;
    // A result nobody waits for (a stale resume) changes nothing.
    if (!waiting || waiting.request !== result.request) return;
    this.s.waiting = null;
    switch (result.request) {
      case 'find_own_open_case':
        return this.onOpenCase(result.openCase, waiting.purpose);
      case 'check_national_id': {
        const stepId = waiting.purpose.slice('step:'.length);
        if (result.holder === 'none') return this.record(stepId, waiting.value ?? '');
        this.say(result.holder === 'another_chat' ? 'nationalId.takenElsewhere' : 'nationalId.takenHere');
        return this.prompt();
      }
      case 'submit_case': {
        if (result.outcome === 'duplicate') return this.askForAnotherId();
        const { flow, draft } = this.current();
        const submitted = new Set(answeredDocumentIds(flow, this.requestAnswers(flow, draft)));
        // Files left over from a changed branch (a lease after housing became owned) go with the draft.
        this.discard(flow.id, this.dropDraft(flow.id).filter((id) => !submitted.has(id)));
        this.say('request.submitted', { reference: result.reference, expectedBy: result.expectedBy });
        return this.showMenu();
      }
      case 'find_own_cases':
        return this.showOwnCases(result.cases);
      case 'open_referral':
        this.s.referral = { id: waiting.value ?? '', reference: result.reference, since: this.env.now.toISOString() };
        this.s.recent = [];
        this.s.invalidCount = 0;
        this.s.helpCount = 0;
        this.emit({ type: 'referral_opened', reference: result.reference });
        this.say('referral.opened', { reference: result.reference });
        if (result.opensAt) this.say('referral.outsideHours', { opensAt: result.opensAt });
        return;
      case 'relay_to_researcher':
        // Relayed: the researcher answers, not the bot.
        if (result.open) return;
        this.s.referral = null;
        this.say('referral.endedBefore');
        return this.repeatQuestion();
      case 'export_own_data':
        this.showOwnData(result);
        return this.repeatQuestion();
      case 'request_erasure':
        this.say(result.outcome === 'recorded' ? 'erase.recorded' : 'erase.pending', { reference: result.reference });
        return this.showMenu();
      case 'submit_info': {
        const { flow } = this.current();
        const kept = result.outcome === 'recorded';
        // Files sent for a request that was no longer waiting are not kept.
        const dropped = this.dropDraft(flow.id);
        if (!kept) this.discard(flow.id, dropped);
        this.s.pendingInfo = null;
        this.say(kept ? 'info.thanks' : 'info.notWaiting', { reference: result.reference });
        return this.showMenu();
      }
      case 'submit_survey':
        this.s.pendingSurvey = null;
        this.say(result.outcome === 'recorded' ? 'survey.thanks' : 'survey.already');
        return this.showMenu();
      case 'close_referral':
        this.s.referral = null;
        this.say('referral.closedByYou');
        return waiting.purpose === 'referral_close:menu' ? this.showMenu() : this.repeatQuestion();
      case 'lookup_case':
        if (result.outcome === 'found') this.say('track.found', this.caseParams(result.found));
        else this.say(result.outcome === 'limited' ? 'track.limited' : 'track.notFound');
        return this.showMenu();
      case 'submit_record': {
        const { flow, draft } = this.current();
        const stored = new Set(answeredDocumentIds(flow, this.requestAnswers(flow, draft)));
        this.discard(flow.id, this.dropDraft(flow.id).filter((id) => !stored.has(id)));
        this.say(`${flow.id}.submitted`, { reference: result.reference });
        return this.showMenu();
      }
      case 'withdraw_case':
        if (result.outcome === 'withdrawn') this.say('withdraw.done', { reference: result.reference });
        else this.say(result.reference ? 'withdraw.notOpen' : 'withdraw.none', { reference: result.reference });
        return this.showMenu();
    }
  }

  /**
   * Another chat's request took the national ID between the check and the submission:
   * the draft is kept and the person asked for the ID again, as at the question itself.
   */
  private askForAnotherId(): void {
    const { flow, draft } = this.current();
    const idStep = Object.entries(flow.steps).find(([, s]) => s.kind === 'question' && s.check === 'national_id')?.[0];
    this.say('nationalId.takenElsewhere');
    if (!idStep || !this.s.position) return this.showMenu();
    delete draft.answers[idStep];
    draft.trail = draft.trail.filter((id) => id !== idStep);
    this.s.position.step = idStep;
    this.prompt();
  }

  private onOpenCase(openCase: OpenCaseSummary | null, purpose: string): void {
    const flow = this.flow(purpose.slice('guard:'.length));
    if (flow.guard === 'no_open_case' && openCase) {
      this.say('request.alreadyOpen', this.caseParams(openCase));
      return this.showMenu();
    }
    if (flow.guard === 'open_case' && !openCase) {
      this.say('withdraw.none');
      return this.showMenu();
    }
    this.enterFlow(flow, openCase ? { case_id: openCase.caseId, case_reference: openCase.reference } : {});
  }

  /** "My requests": each of the chat's requests in plain words, an unfinished one if kept, and how to follow one made elsewhere. */
  private showOwnCases(cases: OpenCaseSummary[]): void {
    if (cases.length === 0) this.say(this.hasKeptDrafts() ? 'status.draftOnly' : 'status.none');
    else {
      const lines = cases.map((c) => this.t(c.status === 'information_requested' ? 'status.lineMissing' : 'status.line', this.caseParams(c)));
      this.say('status.list', { count: cases.length, cases: lines.join('\n\n') });
      if (this.hasKeptDrafts()) this.say('status.draftAlso');
    }
    this.say('status.otherPhone');
    this.showMenu();
  }

  private caseParams(c: OpenCaseSummary): Record<string, string> {
    return { reference: c.reference, status: this.t(`caseStatus.${c.status}`), submittedAt: c.submittedAt, expectedBy: c.expectedBy };
  }

  // ---- drafts -------------------------------------------------------------

  private hasKeptDrafts(): boolean {
    return this.keptDraftFlows().length > 0;
  }

  /** Drops every kept draft; `tell` says so now, otherwise the person is told when they return. */
  private expireDrafts(tell: boolean): void {
    const expired = this.keptDraftFlows().map((id) => [id, this.s.drafts[id]] as const);
    // A draft with no answer yet (the person stopped at the privacy notice) goes without a word.
    const lostAnswers = expired.some(([, draft]) => draft && Object.keys(draft.answers).length > 0);
    for (const [flowId] of expired) this.emit({ type: 'draft_expired', flow: flowId, documentIds: this.dropDraft(flowId) });
    if (tell) {
      if (lostAnswers || this.s.draftsExpired) this.say('draft.expired');
      this.s.draftsExpired = false;
    } else if (expired.length > 0) {
      this.s.draftsExpired = lostAnswers;
      this.s.position = null;
    }
  }

  /** Hands files no longer part of any answer to the caller for deletion. */
  private discard(flowId: string, documentIds: string[]): void {
    if (documentIds.length > 0) this.emit({ type: 'documents_discarded', flow: flowId, documentIds });
  }

  /** Files received for a document question that was left before "done". */
  private discardUnfinishedFiles(flowId: string, draft: Draft): void {
    this.discard(flowId, draft.files);
    draft.files = [];
  }

  private keptDraftFlows(): string[] {
    return Object.keys(this.s.drafts).filter((id) => id !== MENU_FLOW && this.flow(id).keepsDraft);
  }

  /** Deletes a flow's draft and returns the files it held, for the caller to delete too. */
  private dropDraft(flowId: string): string[] {
    const draft = this.s.drafts[flowId];
    delete this.s.drafts[flowId];
    // The last texts kept for a researcher are answers too: they go with the draft.
    this.s.recent = [];
    return draft ? [...answeredDocumentIds(this.flow(flowId), draft.answers), ...draft.files] : [];
  }

  private newDraft(): Draft {
    return { id: this.env.newId(), answers: {}, trail: [], files: [], startedAt: this.env.now.toISOString() };
  }

  /** The answers that make the request: those on the path, nothing left over from a changed branch. */
  private requestAnswers(flow: Flow, draft: Draft): Record<string, AnswerValue> {
    const answers: Record<string, AnswerValue> = {};
    for (const id of answeredPath(flow, draft.answers)) answers[id] = draft.answers[id] as AnswerValue;
    return answers;
  }

  // ---- prompts ------------------------------------------------------------

  private repeatQuestion(): void {
    if (this.s.position) this.prompt();
    else this.showMenu();
  }

  /**
   * Asks the current step's question, with its options and the answer already given.
   * After a mistake (`again`), a long statement (the privacy notice, the declaration)
   * is not repeated whole: only its short question and options.
   */
  private prompt(again = false): void {
    const { flow, draft, step, stepId } = this.current();
    switch (step.kind) {
      case 'consent':
      case 'declaration':
        return this.sayWith(again && step.reprompt ? step.reprompt : step.prompt, this.yesNoOptions(step.kind), {
          ...scalarAnswers(draft.answers),
          // The privacy notice says how long an unfinished request is kept.
          draftHours: Math.round(this.env.draftIdleMs / 3_600_000),
        });
      case 'review': {
        const lines = answeredPath(flow, draft.answers).map((id) => `• ${this.t(this.labelKey(flow, id))}: ${this.display(flow, id, draft.answers[id])}`);
        return this.sayWith(step.prompt, this.reviewOptions(flow, draft).map(({ id, text }) => ({ id, label: text })), { answers: lines.join('\n') });
      }
      case 'question': {
        const given = draft.answers[stepId];
        const current = given === undefined || !flow.keepsDraft ? undefined : this.display(flow, stepId, given);
        const options = this.questionOptions(step);
        const question = this.t(step.prompt, scalarAnswers(draft.answers));
        const hint = draft.editingFrom ? 'question.currentWhileEditing' : 'question.current';
        const text = current === undefined ? question : `${question}\n\n${this.t(hint, { value: current })}`;
        return this.send({ text, ...(options.length ? { options } : {}) });
      }
    }
  }

  private questionOptions(step: QuestionStep): { id: string; label: string }[] {
    switch (step.answer.type) {
      case 'choice':
        return step.answer.options.map((o) => ({ id: o.id, label: this.t(o.label) }));
      case 'yes_no':
        return this.yesNoOptions('question');
      case 'faq':
        return this.faqOptions(this.current().draft);
      default:
        return [];
    }
  }

  /** The yes and no options of a consent, a declaration or a yes/no question, as message keys. */
  private yesNoLabelKeys(kind: string): { id: string; label: string }[] {
    return [
      { id: 'yes', label: kind === 'declaration' ? 'declaration.accept' : kind === 'consent' ? 'privacy.accept' : 'common.yes' },
      { id: 'no', label: kind === 'declaration' ? 'declaration.decline' : kind === 'consent' ? 'privacy.decline' : 'common.no' },
    ];
  }

  private yesNoOptions(kind: string): { id: string; label: string }[] {
    return this.yesNoLabelKeys(kind).map(({ id, label }) => ({ id, label: this.t(label) }));
  }

  private doneOption(): { id: string; label: string } {
    return { id: 'done', label: this.t('document.done') };
  }

  /** Review options: confirm, then one "change …" per answer on the path. */
  private reviewOptions(flow: Flow, draft: Draft): { id: string; label: string; text: string }[] {
    const confirm = { id: 'confirm', label: 'review.confirm', text: this.t('review.confirm') };
    const edits = answeredPath(flow, draft.answers).map((id) => {
      const key = this.labelKey(flow, id);
      return { id: `edit_${id}`, label: key, text: this.t('review.change', { field: this.t(key) }) };
    });
    return [confirm, ...edits];
  }

  private labelKey(flow: Flow, stepId: string): string {
    return answerLabelKey(flow, stepId);
  }


  /** How an answer reads back to the person, in their language. */
  private display(flow: Flow, stepId: string, value: AnswerValue | undefined): string {
    return displayAnswer(flow, stepId, value, this.s.lang, this.env.t);
  }

  // ---- small helpers ------------------------------------------------------

  private readonly labelsOf = (key: string): string[] => this.bothLanguages(key);

  private bothLanguages(key: string): string[] {
    return [this.env.t('ar', key), this.env.t('en', key)];
  }

  private current(): { flow: Flow; draft: Draft; step: Step; stepId: string; relocated: boolean } {
    const position = this.s.position;
    if (!position) throw new Error('no current flow');
    const flow = this.flow(position.flow, position.version);
    let draft = this.s.drafts[flow.id];
    if (!draft) {
      draft = this.newDraft();
      this.s.drafts[flow.id] = draft;
    }
    let step = flow.steps[position.step];
    const relocated = !step;
    if (!step) {
      // The step vanished in a newer version of the flow: resume at the first open step.
      const open = firstOpen(flow, flow.start, draft.answers, this.consentCurrent());
      position.step = flow.steps[open] ? open : flow.start;
      step = flow.steps[position.step] as Step;
    }
    position.version = flow.version;
    return { flow, draft, step, stepId: position.step, relocated };
  }

  private flow(id: string, version?: number): Flow {
    const flow = this.catalog.get(id, version);
    if (!flow) throw new Error(`unknown flow "${id}"`);
    return flow;
  }

  private consentCurrent(): boolean {
    return this.s.consent?.version === this.env.privacyNoticeVersion;
  }

  private t(key: string, params?: Record<string, string | number>): string {
    return this.env.t(this.s.lang, key, params);
  }

  private say(key: string, params?: Record<string, string | number>): void {
    this.send({ text: this.t(key, params) });
  }

  private sayWith(key: string, options: { id: string; label: string }[], params?: Record<string, string | number>): void {
    this.send({ text: this.t(key, params), options });
  }

  private send(message: OutboundMessage): void {
    this.emit({ type: 'message_created', message });
  }

  private emit(event: EngineEvent): void {
    this.events.push(event);
  }
}

/** The draft's plain answers, offered to prompts as placeholders (a withdrawal names the reference). */
function scalarAnswers(answers: Record<string, AnswerValue>): Record<string, string | number> {
  const params: Record<string, string | number> = {};
  for (const [k, v] of Object.entries(answers)) if (typeof v === 'string' || typeof v === 'number') params[k] = v;
  return params;
}

/** The ids of the files given in answer to the flow's document questions. */
function answeredDocumentIds(flow: Flow, answers: Record<string, AnswerValue>): string[] {
  return Object.entries(flow.steps).flatMap(([id, s]) => {
    const value = answers[id];
    return s.kind === 'question' && s.answer.type === 'document' && Array.isArray(value) ? value.map(String) : [];
  });
}

/** SHA-256 over the answers in a canonical order, so the declaration binds exactly what was reviewed. */
export function hashAnswers(answers: Record<string, AnswerValue>): string {
  const canonical = JSON.stringify(Object.keys(answers).sort().map((k) => [k, answers[k]]));
  return createHash('sha256').update(canonical).digest('hex');
}
