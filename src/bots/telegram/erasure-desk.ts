import type { Translate } from '../../engine/contract.js';
import type { Logger } from 'pino';
import type { KeyRing } from '../../privacy/key-ring.js';
import type { Staff, StaffRepository } from '../../models/staff.js';
import type { ErasureRequest } from '../../models/erasure-repository.js';
import { erasureAlertSent, finishErasure, recordDecision, type ErasureDeps } from '../../services/erasure.js';
import { errorFields } from '../../logger.js';
import { readableDate } from '../../core/calendar.js';
import { signAction } from './callback-data.js';
import { staffKeyboard } from './render-message.js';
import type { TelegramGateway } from './telegram-gateway.js';
import { may } from '../../services/staff-permissions.js';
import type { StaffReaders } from './staff-readers.js';
import type { Language } from '../../engine/session.js';

/** What the erasure desk works with. */
export interface ErasureDeskDeps {
  gateway: TelegramGateway;
  staff: StaffRepository;
  keys: KeyRing;
  translate: Translate;
  /** Who reads staff texts in which language. */
  readers: StaffReaders;
  erasure: ErasureDeps;
  logger: Logger;
}

/** What an erasure would remove, as counts. */
type ErasureCounts = { cases: number; open: number; records: number };

/** The answer to an administrator's press: a message key and its parameters. */
export interface DeskAnswer {
  key: string;
  params?: Record<string, string>;
}

/**
 * Requests to erase a person's data, on the administrators' side: each is sent privately
 * to every administrator (never the group) with Approve and Refuse buttons, showing counts
 * only. Only an administrator's press decides; the first decision stands.
 */
export class ErasureDesk {
  constructor(private readonly deps: ErasureDeskDeps) {}

  /** Tells the administrators of waiting requests; a request nobody could be told about stays pending. */
  async postWaiting(): Promise<number> {
    let told = 0;
    const admins = (await this.deps.staff.list()).filter((member) => may(member, 'administer'));
    if (admins.length === 0) return 0;
    for (const request of await this.deps.erasure.erasures.alertsPending()) {
      const counts = await this.counts(request);
      const keyboard = (lang: Language) =>
        staffKeyboard([
          [
            { text: this.t(lang, 'staff.button.erase'), data: signAction(this.deps.keys, 'erase', request.id) },
            { text: this.t(lang, 'staff.button.keep'), data: signAction(this.deps.keys, 'keep', request.id) },
          ],
        ]);
      let reached = 0;
      for (const admin of admins) {
        const { chatId, lang } = this.deps.readers.of(admin);
        if (await this.deps.gateway.tell(chatId, this.alertText(lang, request, counts), keyboard(lang))) reached += 1;
      }
      if (reached === 0) continue;
      await erasureAlertSent(this.deps.erasure, request.id);
      told += 1;
    }
    return told;
  }

  /**
   * An administrator pressed Approve (`erase`) or Refuse (`keep`). The decision is recorded
   * here; an approval is carried out by the alerts worker ({@link carryOutApproved}), so a
   * long erasure never holds up the bot's other updates.
   */
  async onPress(member: Staff, action: 'erase' | 'keep', id: string): Promise<DeskAnswer> {
    if (!may(member, 'administer')) return { key: 'staff.answer.notAllowed' };
    const decision = await recordDecision(this.deps.erasure, id, action === 'erase', { kind: 'staff', id: member.id, name: member.name }, new Date());
    switch (decision.outcome) {
      case 'not_found':
        return { key: 'staff.answer.notFound' };
      case 'already':
        return { key: 'staff.answer.erasureDecided', params: { reference: decision.request.reference } };
      case 'refused':
        return { key: 'staff.answer.kept', params: { reference: decision.request.reference } };
      case 'approved':
        await this.deps.erasure.hurryAdministrators?.().catch(() => undefined);
        return { key: 'staff.answer.erasing', params: { reference: decision.request.reference } };
    }
  }

  /** Carries out approved erasures (in the alerts worker) and tells the administrator who approved each what was removed. */
  async carryOutApproved(): Promise<number> {
    let done = 0;
    for (const id of await this.deps.erasure.erasures.approvedNotDone()) {
      const outcome = await finishErasure(this.deps.erasure, id, new Date());
      if (outcome.outcome !== 'erased') continue;
      done += 1;
      this.deps.logger.info({ erasureId: id, erased: outcome.erased }, 'personal data erased on request');
      const approver = outcome.request.decidedBy?.kind === 'staff' ? await this.deps.staff.get(outcome.request.decidedBy.id) : null;
      if (!approver) continue;
      const { chatId, lang } = this.deps.readers.of(approver);
      await this.deps.gateway
        .tell(chatId, this.t(lang, 'staff.erasure.done', { reference: outcome.request.reference, ...outcome.erased }))
        .catch((error: unknown) => this.deps.logger.info({ ...errorFields(error) }, 'could not tell the administrator the erasure was done'));
    }
    return done;
  }

  /** Counts only: what an administrator needs to decide, nothing the person wrote. */
  private async counts(request: ErasureRequest): Promise<ErasureCounts> {
    const { cases, records } = this.deps.erasure;
    const caseIds = await cases.idsOfChat(request.chatKey);
    const open = await cases.findOpenByChat(request.chatKey);
    const recordIds = await records.idsOfChat(request.chatKey);
    return { cases: caseIds.length, open: open ? 1 : 0, records: recordIds.length };
  }

  private alertText(lang: Language, request: ErasureRequest, counts: ErasureCounts): string {
    return this.t(lang, 'staff.erasure.request', {
      reference: request.reference,
      channel: this.t(lang, `channel.${request.channel}`),
      at: readableDate(request.requestedAt, lang),
      ...counts,
    });
  }

  private t(lang: Language, key: string, params?: Record<string, string | number>): string {
    return this.deps.translate(lang, key, params);
  }
}
