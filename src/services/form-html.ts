import type { Language } from '../engine/session.js';
import { escapeHtml } from '../core/text/html.js';
import type { CaseForm, FormRow, FormTable } from './case-form.js';

/**
 * The support request form as one self-contained HTML page for Chromium to print: right to left
 * for Arabic, in Debian's Noto fonts (fonts-noto-core), named here so that Arabic never falls
 * back to a font without it. Everything from the case is escaped and isolated (`<bdi>`), so a
 * name in Latin letters or a number sits right inside an Arabic line.
 */
export function formHtml(form: CaseForm): string {
  return printedPage(form.lang, form.heading, [
    rows(form.facts, 'facts'),
    form.erased ? `<p class="erased">${esc(form.erased)}</p>` : '',
    ...form.sections.map((s) => section(s.title, rows(s.rows))),
    form.family ? section(form.family.title, table(form.family.table)) : '',
    section(form.documents.title, form.documents.table.rows.length > 0 ? table(form.documents.table) : `<p>${esc(form.documents.none)}</p>`),
    section(
      form.declaration.title,
      `<blockquote>${lines(form.declaration.words)}</blockquote><p>${esc(form.declaration.signed)}</p><p class="hash">${esc(form.declaration.hash)}</p>`,
    ),
    form.study.lines.length > 0 ? section(form.study.title, form.study.lines.map((l) => `<p>${lines(l)}</p>`).join('')) : '',
    section(form.decision.title, form.decision.lines.map((l) => `<p>${lines(l)}</p>`).join('')),
    section(form.history.title, table(form.history.table)),
    section(form.signatures.title, `<div class="signatures">${form.signatures.lines.map((l) => `<div><span>${esc(l)}</span><i></i></div>`).join('')}</div>`),
    `<footer>${esc(form.printed)}</footer>`,
  ]);
}

/** The committee's agenda for a meeting, on the form's paper: a table with a blank column for each decision. */
export function agendaHtml(agenda: AgendaPaper): string {
  return printedPage(agenda.lang, agenda.heading, [
    `<p>${esc(agenda.intro)}</p>`,
    // Seven columns: the agenda is printed across the page.
    '<style>@page{size:A4 landscape}</style>',
    agenda.table.rows.length > 0 ? table(agenda.table, 'agenda') : `<p>${esc(agenda.none)}</p>`,
    `<footer>${esc(agenda.printed)}</footer>`,
  ]);
}

/** The committee's agenda as printed: see agenda-printing.ts. */
export interface AgendaPaper {
  lang: Language;
  heading: PaperHeading;
  intro: string;
  table: FormTable;
  none: string;
  printed: string;
}

type PaperHeading = { country: string; association: string; registration: string; title: string };

/** The association's paper: its heading, then the parts, right to left for Arabic. */
function printedPage(lang: Language, heading: PaperHeading, parts: readonly string[]): string {
  const rtl = lang === 'ar';
  const body = [
    `<header><div class="country">${esc(heading.country)}</div><div class="association">${esc(heading.association)}</div>`,
    `<div class="registration">${esc(heading.registration)}</div><h1>${esc(heading.title)}</h1></header>`,
    ...parts,
  ].join('\n');
  return `<!doctype html><html lang="${lang}" dir="${rtl ? 'rtl' : 'ltr'}"><head><meta charset="utf-8"><title>${esc(heading.title)}</title>
<style>${STYLE}${rtl ? 'body{font-family:"Noto Naskh Arabic","Noto Sans",sans-serif}' : 'body{font-family:"Noto Sans","Noto Naskh Arabic",sans-serif}'}</style></head>
<body>${body}</body></html>`;
}

const STYLE = `
@page{size:A4}
body{font-size:11pt;line-height:1.55;color:#111;margin:0}
header{text-align:center;border-bottom:2px solid #2f5d50;padding-bottom:6px;margin-bottom:10px}
.country,.registration{font-size:9pt;color:#333}
.association{font-size:14pt;font-weight:bold;color:#2f5d50}
h1{font-size:16pt;margin:6px 0 0}
h2{font-size:12pt;background:#e8efec;color:#1f3d35;padding:3px 8px;margin:12px 0 6px;break-after:avoid}
section{break-inside:auto}
table{width:100%;border-collapse:collapse;font-size:10pt}
th,td{border:1px solid #9aa;padding:3px 6px;text-align:start;vertical-align:top}
th{background:#f2f5f4}
tr{break-inside:avoid}
thead{display:table-header-group}
table.rows th{width:32%;font-weight:normal;color:#333}
table.facts th{width:32%}
p{margin:3px 0}
blockquote{margin:4px 0;padding:6px 10px;border-inline-start:3px solid #2f5d50;background:#fafafa}
.hash{font-size:8pt;color:#444;word-break:break-all}
.erased{border:1px solid #a33;color:#a33;padding:6px 10px;margin:8px 0}
.signatures{display:grid;grid-template-columns:1fr 1fr;gap:22px 28px;margin-top:10px}
.signatures div{display:flex;flex-direction:column;break-inside:avoid}
.signatures i{display:block;border-bottom:1px solid #333;height:34px}
footer{margin-top:14px;font-size:8pt;color:#555}
table.agenda td:last-child{width:22%}
table.agenda td:nth-child(2){white-space:nowrap}
table.agenda td{height:44px}
`;

function section(title: string, content: string): string {
  return `<section><h2>${esc(title)}</h2>${content}</section>`;
}

function rows(items: readonly FormRow[], kind = 'rows'): string {
  return `<table class="${kind}">${items.map((r) => `<tr><th>${esc(r.label)}</th><td><bdi>${lines(r.value)}</bdi></td></tr>`).join('')}</table>`;
}

/** A table whose head row is repeated on every page it runs onto. */
function table(t: FormTable, kind = ''): string {
  const head = `<thead><tr>${t.columns.map((c) => `<th>${esc(c)}</th>`).join('')}</tr></thead>`;
  return `<table class="${kind}">${head}<tbody>${t.rows.map((r) => `<tr>${r.map((c) => `<td><bdi>${lines(c)}</bdi></td>`).join('')}</tr>`).join('')}</tbody></table>`;
}

/** Escaped, each line break kept. */
function lines(text: string): string {
  return esc(text).replace(/\n/g, '<br>');
}

/** Escaped for HTML, without the emoji staff texts carry: paper has no use for them, and the form's fonts have none. */
function esc(text: string): string {
  return escapeHtml(text.replace(/[\p{Extended_Pictographic}\uFE0F]\s?/gu, ''));
}
