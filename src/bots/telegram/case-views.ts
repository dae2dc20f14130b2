import type { Translate } from '../../engine/contract.js';
import type { Language } from '../../engine/session.js';
import type { Flow } from '../../engine/flow-definition.js';
import { answerLabelKey, displayAnswer, listOf } from '../../engine/display.js';
import type { AnswerValue } from '../../engine/session.js';
import type { KeyRing } from '../../privacy/key-ring.js';
import type { CaseRecord } from '../../models/case-repository.js';
import type { SelfServiceRecord } from '../../models/record-repository.js';
import { canMove } from '../../models/case-states.js';
import { isUnderStudy, isUnheld } from '../../services/case-actions.js';
import { readableDate, readableDateTime } from '../../core/calendar.js';
import { signAction, type StaffAction } from './callback-data.js';
import { staffKeyboard, type CallbackKeyboard } from './render-message.js';

/** Another open case under the same national ID, as staff see it named: by reference only. */
type SharingCase = { reference: string };

export interface CaseViewDeps {
  keys: KeyRing;
  translate: Translate;
  /** The support-request flow, for labelling answers in the case view. */
  requestFlow: Flow;
  /** Labels the answers of a suggestion or a volunteer registration. */
  recordFlows: { feedback: Flow; volunteer: Flow };
}

/** The views in each language, for desks whose readers differ (see StaffReaders). */
export type ViewsByLanguage = Readonly<Record<Language, CaseViews>>;

export function caseViewsByLanguage(deps: CaseViewDeps): ViewsByLanguage {
  return { ar: new CaseViews(deps, 'ar'), en: new CaseViews(deps, 'en') };
}

/**
 * How cases and records read to staff on Telegram, in one language: the group alert (redacted:
 * never a name, an ID, a phone, an income or a document) with the buttons the case's state
 * allows, the whole case for a private chat, a suggestion or volunteer in full for its role.
 */
export class CaseViews {
  constructor(
    private readonly deps: CaseViewDeps,
    readonly lang: Language,
  ) {}

  /** A record in full, for the staff who hold its role. */
  recordText(record: SelfServiceRecord): string {
    const flow = this.deps.recordFlows[record.kind];
    const shown = Object.fromEntries(
      Object.entries(record.answers).filter(([stepId]) => !['volunteer_consent', 'feedback_attach', 'feedback_files'].includes(stepId)),
    );
    const lines = this.answerLines(flow, shown);
    const header = this.t(`staff.record.header.${record.kind}`, {
      reference: record.reference,
      channel: this.t(`channel.${record.channel}`),
      at: readableDate(record.createdAt, this.lang),
    });
    const files = record.documentIds.length > 0 ? [this.t('staff.case.documents', { count: record.documentIds.length })] : [];
    return [header, '', ...lines, ...files].join('\n');
  }

  /** Each answer on its own line, labelled as on the beneficiary's review, in the staff's language. */
  answerLines(flow: Flow, answers: Record<string, unknown>): string[] {
    return Object.entries(answers).map(
      ([stepId, value]) => `• ${this.t(answerLabelKey(flow, stepId))}: ${displayAnswer(flow, stepId, value as AnswerValue, this.lang, this.deps.translate)}`,
    );
  }

  /** The group alert; `sharing` are the other open cases under the same national ID. */
  alertText(record: CaseRecord, sharing: readonly SharingCase[] = []): string {
    const lines = [this.t('staff.alert.new', this.summary(record)), ...this.sharingLines(sharing)];
    if (record.assignee) lines.push(this.t('staff.alert.claimed', { name: record.assignee.name }));
    if (record.decision) lines.push(this.t(`staff.alert.${record.decision.outcome}`, { name: record.decision.by.name ?? '' }));
    if (record.status === 'withdrawn') lines.push(this.t('staff.alert.withdrawn'));
    if (['information_requested', 'registered', 'service_delivered', 'closed'].includes(record.status))
      lines.push(this.t('staff.alert.status', this.statusParams(record)));
    return lines.join('\n');
  }

  /** The buttons that still make sense for the case's state. */
  alertKeyboard(record: CaseRecord): CallbackKeyboard {
    return staffKeyboard(this.alertRows(record));
  }

  /** The private case view's buttons: the alert's, and the form for the paper file. */
  caseKeyboard(record: CaseRecord): CallbackKeyboard {
    return staffKeyboard([...this.alertRows(record), [this.button('form', record)]]);
  }

  private button(action: StaffAction, record: CaseRecord): { text: string; data: string } {
    return { text: this.t(`staff.button.${action}`), data: signAction(this.deps.keys, action, record.id) };
  }

  private alertRows(record: CaseRecord): { text: string; data: string }[][] {
    const button = (action: StaffAction) => this.button(action, record);
    const rows = [[button('open')]];
    if (record.status === 'submitted' || isUnheld(record)) rows[0]!.push(button('claim'));
    if (record.status === 'in_review' && !record.decision)
      rows.push([button('ask_info')], [button('recommend_approve'), button('recommend_reject')], [button('approve'), button('reject')]);
    if (isUnderStudy(record) && record.assignee) rows.push([button('handover')]);
    if (record.status === 'approved') rows.push([button('register'), button('reopen')]);
    if (record.status === 'rejected') rows.push([button('reopen')]);
    if (record.status === 'registered') rows.push([button('serve')]);
    if (canMove(record.status, 'closed')) rows.push([button('close')]);
    return rows;
  }

  /** What a group may see of a case: no name, no ID, no phone, no income, no document. */
  summary(record: CaseRecord): Record<string, string | number> {
    const flow = this.deps.requestFlow;
    const show = (stepId: string) => displayAnswer(flow, stepId, record.answers[stepId] as AnswerValue | undefined, this.lang, this.deps.translate) || '—';
    return {
      reference: record.reference,
      channel: this.t(`channel.${record.channel}`),
      supportType: show('support_type'),
      city: record.city || '—',
      family: show('family_count'),
      housing: show('housing'),
      documents: record.documentIds.length,
      expectedBy: readableDate(record.expectedBy, this.lang),
    };
  }

  caseParams(record: CaseRecord): Record<string, string> {
    return {
      reference: record.reference,
      status: this.t(`caseStatus.${record.status}`),
      channel: this.t(`channel.${record.channel}`),
      submittedAt: readableDate(record.submittedAt, this.lang),
      expectedBy: readableDate(record.expectedBy, this.lang),
      assignee: record.assignee?.name ?? this.t('staff.case.nobody'),
    };
  }

  statusParams(record: CaseRecord): Record<string, string> {
    return { status: this.t(`caseStatus.${record.status}`) };
  }

  /** The researcher's recommendation and visit note (or that there is none yet), and notes from before recommendations. */
  recommendationLines(record: CaseRecord): string[] {
    const r = record.recommendation;
    const lines = r
      ? [
          this.t(`staff.recommendation.${r.outcome}`, { by: r.by, at: readableDate(r.at, this.lang), detail: r.detail }),
          this.t('staff.recommendation.visitNote', { text: r.visitNote }),
        ]
      : [this.t('staff.recommendation.none')];
    return record.earlierNotes ? [...lines, this.t('staff.recommendation.earlierNotes', { text: record.earlierNotes })] : lines;
  }

  /** The line that warns of other open cases under the same national ID, by reference only. */
  sharingLines(sharing: readonly SharingCase[]): string[] {
    return sharing.length > 0
      ? [
          this.t('staff.alert.idShared', {
            references: listOf(
              sharing.map((c) => c.reference),
              this.lang,
            ),
          }),
        ]
      : [];
  }

  /** The whole case and its history, for a staff member's private chat; `sharing` as for the alert. */
  caseText(record: CaseRecord, sharing: readonly SharingCase[] = []): string {
    const flow = this.deps.requestFlow;
    const lines = this.answerLines(flow, record.answers);
    const declaration = this.t('staff.case.declaration', { at: readableDate(record.declaration.acceptedAt, this.lang), version: record.declaration.version });
    const history = record.history.map((move) =>
      this.t('staff.case.historyLine', {
        at: readableDateTime(move.at, this.lang),
        status: this.t(`caseStatus.${move.to}`),
        by: move.by.name ?? this.t(`staff.case.actor.${move.by.kind}`),
        reason: move.reason ? ` — ${move.reason}` : '',
      }),
    );
    const study = [
      ...(record.documentsLater.length > 0
        ? [
            this.t('staff.case.documentsLater', {
              items: listOf(
                record.documentsLater.map((id) => this.t(answerLabelKey(flow, id)).split('\n')[0]!),
                this.lang,
              ),
            }),
          ]
        : []),
      ...(record.infoRequest
        ? [
            this.t('staff.case.infoRequest', {
              at: readableDateTime(record.infoRequest.at, this.lang),
              items:
                listOf(
                  record.infoRequest.items.map((i) => this.t(`info.item.${i}`)),
                  this.lang,
                ) || '—',
              note: record.infoRequest.note || '—',
            }),
          ]
        : []),
      ...record.additions.map((a) =>
        this.t('staff.case.addition', { at: readableDateTime(a.at, this.lang), text: a.text || '—', files: a.documentIds.length }),
      ),
      ...record.notes.map((n) => this.t('staff.case.note', { at: readableDateTime(n.at, this.lang), by: n.by, text: n.text })),
      ...this.recommendationLines(record),
    ];
    return [
      this.t('staff.case.header', this.caseParams(record)),
      ...this.sharingLines(sharing),
      '',
      ...lines,
      '',
      declaration,
      this.t('staff.case.documents', { count: record.documentIds.length }),
      ...(study.length > 0 ? ['', ...study] : []),
      '',
      this.t('staff.case.history'),
      ...history,
    ].join('\n');
  }

  t(key: string, params?: Record<string, string | number>): string {
    return this.deps.translate(this.lang, key, params);
  }
}
