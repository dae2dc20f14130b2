import type { Translate } from '../../engine/contract.js';
import type { Logger } from 'pino';
import type { AuditLog } from '../../models/audit-log.js';
import type { Staff, StaffRepository } from '../../models/staff.js';
import { buildReport, parseRange, type ReportDeps } from '../../services/reports.js';
import { formatReport } from '../../services/report-text.js';
import { chartSeries, renderChart } from '../../services/report-chart.js';
import { EXPORT_KINDS, exportAudited, type ExportKind } from '../../services/csv-export.js';
import { may } from '../../services/staff-permissions.js';
import { readableDate } from '../../core/calendar.js';
import { errorFields } from '../../logger.js';
import type { TelegramGateway } from './telegram-gateway.js';
import type { Reader, StaffReaders } from './staff-readers.js';
import type { Language } from '../../engine/session.js';

export interface ReportDeskDeps {
  gateway: TelegramGateway;
  staff: StaffRepository;
  /** What reports and exports read. */
  reports: ReportDeps;
  /** Where exports of personal data are recorded. */
  audit: AuditLog;
  translate: Translate;
  /** Who reads staff texts in which language. */
  readers: StaffReaders;
  logger: Logger;
}

/** The administrators' figures on Telegram: `/report`, `/export`, and the weekly report. */
export class ReportDesk {
  constructor(private readonly deps: ReportDeskDeps) {}

  /**
   * `/report [from to]` (the figures and the weekly chart) and `/export kind from to` (a CSV
   * with personal data, audited): administrators only, privately. Dates are YYYY-MM-DD,
   * Saudi time, `to` included.
   */
  async onCommand(member: Staff, command: 'report' | 'export', args: string[]): Promise<boolean> {
    const me = this.deps.readers.of(member);
    const { chatId, lang } = me;
    if (!may(member, 'administer')) return this.say(me, 'staff.answer.notAllowed').then(() => true);
    if (command === 'report') {
      const range = args.length === 0 ? { from: new Date(Date.now() - 30 * 86_400_000), to: new Date() } : parseRange(args[0], args[1]);
      if (!range) return this.say(me, 'staff.report.usage').then(() => true);
      await this.sendReport(me, range.from, range.to);
      return true;
    }
    const kind = args[0] as ExportKind;
    const range = parseRange(args[1], args[2]);
    if (!EXPORT_KINDS.includes(kind) || !range) return this.say(me, 'staff.export.usage').then(() => true);
    const dates = { from: args[1]!, to: args[2]! };
    const actor = { kind: 'staff' as const, id: member.id, name: member.name };
    const { csv, rows } = await exportAudited({ ...this.deps.reports, audit: this.deps.audit }, { kind, ...range, dates, actor, via: 'telegram' });
    const filename = `${kind}-${dates.from}-${dates.to}.csv`;
    await this.deps.gateway.sending(chatId, (t) =>
      t.sendDocument(chatId, { source: Buffer.from(csv, 'utf8'), filename }, { caption: this.t(lang, 'staff.export.done', { kind, ...dates, rows }) }),
    );
    return true;
  }

  /** The last seven days' report to every administrator, privately; returns how many were sent it. */
  async sendWeeklyReport(now: Date): Promise<number> {
    const admins = (await this.deps.staff.list()).filter((member) => may(member, 'administer'));
    let sent = 0;
    for (const admin of admins) {
      try {
        await this.sendReport(this.deps.readers.of(admin), new Date(now.getTime() - 7 * 86_400_000), now);
        sent += 1;
      } catch (error) {
        this.deps.logger.warn({ staffId: admin.id, ...errorFields(error) }, 'weekly report not delivered to an administrator');
      }
    }
    if (admins.length === 0) this.deps.logger.warn('no administrator to send the weekly report to');
    return sent;
  }

  /** Sends the report for [from, to) and its weekly chart to a member, in their language. */
  async sendReport(reader: Reader, from: Date, to: Date): Promise<void> {
    const { chatId, lang } = reader;
    const report = await buildReport(this.deps.reports, from, to, new Date());
    const dates = { from: readableDate(from, lang), to: readableDate(new Date(to.getTime() - 1), lang) };
    // The chart follows only a report that arrived (a member who never started the bot gets neither).
    if (
      !(await this.deps.gateway.tell(
        chatId,
        formatReport(report, (key, params) => this.t(lang, key, params), dates),
      ))
    )
      return;
    const chart = await renderChart(chartSeries(report));
    await this.deps.gateway.sending(chatId, (t) => t.sendPhoto(chatId, { source: chart, filename: 'report-chart.png' }));
  }

  private say(reader: Reader, key: string): Promise<boolean> {
    return this.deps.gateway.tell(reader.chatId, this.t(reader.lang, key));
  }

  private t(lang: Language, key: string, params?: Record<string, string | number>): string {
    return this.deps.translate(lang, key, params);
  }
}
