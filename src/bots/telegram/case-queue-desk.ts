import type { Logger } from 'pino';
import type { Translate } from '../../engine/contract.js';
import type { Flow } from '../../engine/flow-definition.js';
import { displayAnswer } from '../../engine/display.js';
import type { KeyRing } from '../../privacy/key-ring.js';
import type { Staff } from '../../models/staff.js';
import {
  agendaPage,
  FILTER_CODES,
  filterOfCode,
  QUEUE_PAGE_SIZE,
  type AgendaLine,
  type AgendaPage,
  type CaseQueue,
  type PromiseClock,
  type QueueLine,
  type QueuePage,
} from '../../services/case-queue.js';
import type { CaseRepository } from '../../models/case-repository.js';
import { errorFields } from '../../logger.js';
import { signAction, signListPage } from './callback-data.js';
import { staffKeyboard, type CallbackKeyboard } from './render-message.js';
import type { TelegramGateway } from './telegram-gateway.js';
import type { StaffReaders } from './staff-readers.js';
import { printAgenda, type AgendaPrintingDeps } from '../../services/agenda-printing.js';
import { may } from '../../services/staff-permissions.js';
import type { Language } from '../../engine/session.js';

/** The list button that goes back to the filters (no filter has this letter). */
const FILTERS_CODE = 'z';
/** The pages of the committee's agenda (no filter has this letter either). */
const AGENDA_CODE = 'a';

export interface CaseQueueDeskDeps {
  gateway: TelegramGateway;
  keys: KeyRing;
  translate: Translate;
  /** The support-request flow, for the support type's label. */
  requestFlow: Flow;
  queue: CaseQueue;
  /** The cases, for the committee's agenda. */
  cases: CaseRepository;
  /** Who reads staff texts in which language. */
  readers: StaffReaders;
  /** What the printed agenda is made from. */
  agendas: AgendaPrintingDeps;
  logger: Logger;
}

/** Where a list press came from, to redraw that message in place. */
export interface ListPress {
  chatId?: number;
  messageId?: number | null;
}

/**
 * The case queue in a staff member's private chat: `/cases` shows the filters their roles allow,
 * each with its count; a filter shows ten cases a page (reference, status, support type, city,
 * days since submission, days to the promised date; never a name or an ID), each line's button
 * opening the case as the alert's *Open* does (audited), with *previous* / *next* and a way
 * back to the filters. `/agenda` shows the committee's cases ready for decision the same way
 * (see agendaView). Pages redraw the same message.
 */
export class CaseQueueDesk {
  constructor(private readonly deps: CaseQueueDeskDeps) {}

  /** `/cases`: the filters and their counts, as a new message. */
  async onCommand(member: Staff): Promise<void> {
    const { text, keyboard } = await this.filters(member);
    await this.deps.gateway.tell(String(member.telegramUserId), text, keyboard);
  }

  /** `/agenda`: the committee's cases ready for decision, as a new message. */
  async onAgenda(member: Staff): Promise<void> {
    const { chatId, lang } = this.deps.readers.of(member);
    const result = await agendaPage(this.deps.cases, member, 0, new Date());
    if (!result.ok) return void (await this.deps.gateway.tell(chatId, this.t(lang, 'staff.agenda.notAllowed')));
    const view = this.agendaView(lang, result);
    await this.deps.gateway.tell(chatId, view.text, view.keyboard);
  }

  /**
   * `/agenda pdf`: the agenda for a meeting as a PDF, privately, in the member's language (see
   * printAgenda). Said first that it is coming: the render takes a second or two.
   */
  async onAgendaPdf(member: Staff): Promise<void> {
    const { chatId, lang } = this.deps.readers.of(member);
    if (!may(member, 'decide') && !may(member, 'administer')) return void (await this.deps.gateway.tell(chatId, this.t(lang, 'staff.agenda.notAllowed')));
    await this.deps.gateway.tell(chatId, this.t(lang, 'staff.agenda.printing'));
    try {
      const printed = await printAgenda(this.deps.agendas, member, lang);
      if (!printed.ok) return void (await this.deps.gateway.tell(chatId, this.t(lang, 'staff.agenda.notAllowed')));
      const caption = this.t(lang, 'staff.agenda.caption', { count: printed.count });
      await this.deps.gateway.sending(chatId, (t) => t.sendDocument(chatId, { source: printed.pdf, filename: printed.filename }, { caption }));
    } catch (error) {
      this.deps.logger.warn({ ...errorFields(error) }, 'agenda not printed');
      await this.deps.gateway.tell(chatId, this.t(lang, 'staff.agenda.failed'));
    }
  }

  /** A press on a list button; returns the key of the short answer to the press. */
  async onPress(member: Staff, press: ListPress, filterCode: string, page: number): Promise<string> {
    const lang = this.deps.readers.langOf(member);
    if (filterCode === AGENDA_CODE) {
      const result = await agendaPage(this.deps.cases, member, page, new Date());
      if (!result.ok) return 'staff.answer.notAllowed';
      await this.show(member, press, this.agendaView(lang, result));
      return 'staff.queue.shown';
    }
    if (filterCode === FILTERS_CODE) {
      await this.show(member, press, await this.filters(member));
      return 'staff.queue.shown';
    }
    const filter = filterOfCode(filterCode);
    if (filter === null) return 'staff.answer.invalid';
    const result = await this.deps.queue.page(member, filter, page);
    if (!result.ok) return 'staff.answer.notAllowed';
    await this.show(member, press, this.pageView(lang, result));
    return 'staff.queue.shown';
  }

  private async filters(member: Staff): Promise<{ text: string; keyboard: CallbackKeyboard }> {
    const lang = this.deps.readers.langOf(member);
    const counts = await this.deps.queue.counts(member);
    if (counts.length === 0) return { text: this.t(lang, 'staff.queue.noFilters'), keyboard: staffKeyboard([]) };
    const buttons = counts.map(({ filter, count }) => ({
      text: this.t(lang, 'staff.queue.filterButton', { label: this.t(lang, `staff.queue.filter.${filter}`), count }),
      data: signListPage(this.deps.keys, FILTER_CODES[filter], 0),
    }));
    return { text: this.t(lang, 'staff.queue.title'), keyboard: staffKeyboard(inPairs(buttons)) };
  }

  private pageView(lang: Language, result: Extract<QueuePage, { ok: true }>): { text: string; keyboard: CallbackKeyboard } {
    const code = FILTER_CODES[result.filter];
    const header = this.t(lang, 'staff.queue.header', {
      label: this.t(lang, `staff.queue.filter.${result.filter}`),
      total: result.total,
      page: result.page + 1,
      pages: result.pages,
    });
    const first = result.page * QUEUE_PAGE_SIZE;
    const lines = result.lines.map((line, i) => this.line(lang, first + i + 1, line));
    const text = [header, '', ...(lines.length > 0 ? lines : [this.t(lang, 'staff.queue.empty')])].join('\n');
    const open = result.lines.map((line, i) => ({ text: `${first + i + 1}. ${line.reference}`, data: signAction(this.deps.keys, 'open', line.id) }));
    const back = { text: this.t(lang, 'staff.queue.filters'), data: signListPage(this.deps.keys, FILTERS_CODE, 0) };
    return { text, keyboard: staffKeyboard([...inPairs(open), this.pageButtons(lang, code, result, back)]) };
  }

  /**
   * The agenda: each case's promised date, the recommendation's one line and a flag where
   * documents asked for never came; under each, *Approve*, *Reject* and *Open*, the same buttons
   * (and so the same confirmation) as on the case's alert.
   */
  private agendaView(lang: Language, result: Extract<AgendaPage, { ok: true }>): { text: string; keyboard: CallbackKeyboard } {
    const first = result.page * QUEUE_PAGE_SIZE;
    const header = this.t(lang, 'staff.agenda.header', { total: result.total, page: result.page + 1, pages: result.pages });
    const lines = result.lines.map((line, i) => this.agendaLine(lang, first + i + 1, line));
    const text = [header, '', ...(lines.length > 0 ? lines : [this.t(lang, 'staff.agenda.empty')])].join('\n');
    const rows = result.lines.map((line, i) => {
      const n = first + i + 1;
      return [
        { text: this.t(lang, 'staff.agenda.approve', { n }), data: signAction(this.deps.keys, 'approve', line.id) },
        { text: this.t(lang, 'staff.agenda.reject', { n }), data: signAction(this.deps.keys, 'reject', line.id) },
        { text: this.t(lang, 'staff.agenda.open', { n }), data: signAction(this.deps.keys, 'open', line.id) },
      ];
    });
    return { text, keyboard: staffKeyboard([...rows, this.pageButtons(lang, AGENDA_CODE, result)]) };
  }

  /** *Previous* and *next* where there is such a page, with `middle` between them. */
  private pageButtons(
    lang: Language,
    code: string,
    at: { page: number; pages: number },
    middle?: { text: string; data: string },
  ): { text: string; data: string }[] {
    return [
      ...(at.page > 0 ? [{ text: this.t(lang, 'staff.queue.previous'), data: signListPage(this.deps.keys, code, at.page - 1) }] : []),
      ...(middle ? [middle] : []),
      ...(at.page + 1 < at.pages ? [{ text: this.t(lang, 'staff.queue.next'), data: signListPage(this.deps.keys, code, at.page + 1) }] : []),
    ];
  }

  private agendaLine(lang: Language, n: number, line: AgendaLine): string {
    const { outcome, detail, by } = line.recommendation;
    return this.t(lang, 'staff.agenda.line', {
      n,
      reference: line.reference,
      promise: this.promise(lang, line),
      recommendation: this.t(lang, `staff.agenda.recommendation.${outcome}`, { detail: oneLine(detail, 80), by }),
      missing: line.documentsMissing ? this.t(lang, 'staff.agenda.missing') : '',
    });
  }

  /** How the promised date stands, in calendar days: due in n, due today, past it since today, n days past it. */
  private promise(lang: Language, clock: PromiseClock): string {
    const days = clock.daysToPromise;
    if (!clock.overdue) return days > 0 ? this.t(lang, 'staff.queue.dueIn', { count: days }) : this.t(lang, 'staff.queue.dueToday');
    return days < 0 ? this.t(lang, 'staff.queue.late', { count: -days }) : this.t(lang, 'staff.queue.lateToday');
  }

  private line(lang: Language, n: number, line: QueueLine): string {
    const promise = this.promise(lang, line);
    return this.t(lang, 'staff.queue.line', {
      n,
      reference: line.reference,
      status: this.t(lang, `caseStatus.${line.status}`),
      supportType: displayAnswer(this.deps.requestFlow, 'support_type', line.supportType, lang, this.deps.translate) || '—',
      city: line.city || '—',
      since: line.daysSinceSubmission > 0 ? this.t(lang, 'staff.queue.since', { count: line.daysSinceSubmission }) : this.t(lang, 'staff.queue.sinceToday'),
      promise,
    });
  }

  /** Redraws the pressed message; sends a new one when it cannot be edited (too old, deleted). */
  private async show(member: Staff, press: ListPress, view: { text: string; keyboard: CallbackKeyboard }): Promise<void> {
    const { chatId, messageId } = press;
    // Only the member's own chat with the bot is redrawn: a list never lands where others read.
    if (chatId === member.telegramUserId && messageId !== undefined && messageId !== null) {
      try {
        await this.deps.gateway.call((t) => t.editMessageText(chatId, messageId, undefined, view.text, { reply_markup: view.keyboard }));
        return;
      } catch (error) {
        // Pressing the page already shown: Telegram refuses an edit that changes nothing, and nothing needs to change.
        if (String((error as Error).message).includes('message is not modified')) return;
        this.deps.logger.info({ ...errorFields(error) }, 'could not redraw the case list; sending it anew');
      }
    }
    await this.deps.gateway.tell(String(member.telegramUserId), view.text, view.keyboard);
  }

  private t(lang: Language, key: string, params?: Record<string, string | number>): string {
    return this.deps.translate(lang, key, params);
  }
}

/** Buttons two to a row. */
function inPairs<T>(buttons: readonly T[]): T[][] {
  const rows: T[][] = [];
  for (let i = 0; i < buttons.length; i += 2) rows.push(buttons.slice(i, i + 2));
  return rows;
}

/** The first line of a text, cut to `max` characters with an ellipsis. */
function oneLine(text: string, max: number): string {
  const first = text.split('\n')[0]!.trim();
  return first.length > max ? `${first.slice(0, max - 1)}…` : first;
}
