import { execFileSync } from 'node:child_process';
/** The three objects of a one-page PDF: catalogue, page tree, an A4 page. */
const ONE_PAGE = ['<< /Type /Catalog /Pages 2 0 R >>', '<< /Type /Pages /Kids [3 0 R] /Count 1 >>', '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>'];

/** A PDF written by hand from its objects (object n is `n 0 obj`), with a correct cross-reference table; `trailer` adds entries to the trailer. */
export function handWrittenPdf(objects: readonly string[], trailer = ''): Buffer {
  let body = '%PDF-1.4\n';
  const offsets: number[] = [];
  objects.forEach((object, i) => {
    offsets.push(body.length);
    body += `${i + 1} 0 obj\n${object}\nendobj\n`;
  });
  const xref = body.length;
  body += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n${offsets.map((o) => `${String(o).padStart(10, '0')} 00000 n \n`).join('')}`;
  body += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R ${trailer}>>\nstartxref\n${xref}\n%%EOF\n`;
  return Buffer.from(body, 'latin1');
}

/**
 * A one-page PDF: what a phone's scanner makes, at its smallest. A PDF must have a page to be
 * kept (services/documents/clean-pdf.ts rewrites it as its pages); `extra` objects follow the
 * page (object 4 on), and `trailer` adds entries to the trailer (an /Encrypt, say).
 */
export function onePagePdf(extra: readonly string[] = [], trailer = ''): Buffer {
  return handWrittenPdf([...ONE_PAGE, ...extra], trailer);
}

/**
 * The text poppler's pdftotext reads out of a PDF (one page when given), in reading order, without
 * the directional marks it wraps each run of right-to-left text in (U+202A–U+202E).
 */
export function pdfText(pdf: Buffer, page?: number): string {
  const range = page === undefined ? [] : ['-f', String(page), '-l', String(page)];
  return execFileSync('pdftotext', [...range, '-enc', 'UTF-8', '-', '-'], { input: pdf })
    .toString('utf8')
    .replace(/[\u202A-\u202E]/g, '');
}

/** How many pages poppler's pdfinfo counts. */
export function pdfPages(pdf: Buffer): number {
  const info = execFileSync('pdfinfo', ['-'], { input: pdf }).toString('utf8');
  return Number(/^Pages:\s+(\d+)/m.exec(info)?.[1] ?? 0);
}
