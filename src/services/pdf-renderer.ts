import puppeteer from 'puppeteer-core';
import { HEADLESS_CHROMIUM_ARGS } from '../core/chromium.js';
import { escapeHtml } from '../core/text/html.js';

/** Longest a render may take, Chromium's start included. */
const RENDER_TIMEOUT_MS = 30_000;

/** Thrown when Chromium could not make the PDF: the message names the step, never the page's content. */
export class PdfRenderError extends Error {
  constructor(step: string, cause: unknown) {
    super(`pdf render failed at ${step}: ${cause instanceof Error ? cause.name : 'error'}`);
    this.name = 'PdfRenderError';
  }
}

/** What a page's footer shows on every page, as plain text (escaped here). */
export interface PdfFooter {
  /** On the footer's start side, e.g. the reference. */
  label: string;
  /** 'rtl' for an Arabic document. */
  dir: 'rtl' | 'ltr';
}

/**
 * HTML to PDF with Debian's Chromium, the one the service already installs for WhatsApp: its
 * text engine shapes and joins Arabic letters and lays right-to-left text out properly, which
 * PDF libraries that write glyphs themselves do not. Renders run one at a time, each in its own
 * headless Chromium closed afterwards, so a stuck page cannot outlive its request and a form's
 * memory is given back. The page may load nothing: every request it makes is refused.
 */
export class PdfRenderer {
  #queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly options: { executablePath: string; timeoutMs?: number }) {}

  /** The PDF (A4, numbered pages) of a self-contained HTML document. */
  render(html: string, footer: PdfFooter): Promise<Buffer> {
    const run = this.#queue.then(() => this.#render(html, footer));
    this.#queue = run.catch(() => undefined);
    return run;
  }

  async #render(html: string, footer: PdfFooter): Promise<Buffer> {
    const timeout = this.options.timeoutMs ?? RENDER_TIMEOUT_MS;
    const browser = await puppeteer
      .launch({ executablePath: this.options.executablePath, headless: true, args: [...HEADLESS_CHROMIUM_ARGS], timeout })
      .catch((error: unknown) => {
        throw new PdfRenderError('launch', error);
      });
    try {
      const page = await browser.newPage();
      await page.setRequestInterception(true);
      page.on('request', (request) => void request.abort().catch(() => undefined));
      await page.setContent(html, { waitUntil: 'load', timeout });
      // Layout waits for the fonts: a page printed before them would fall back to a font without Arabic.
      await page.waitForFunction('document.fonts.status === "loaded"', { timeout });
      const pdf = await page.pdf({
        format: 'A4',
        // The page's own `@page { size }` wins: the agenda is printed landscape.
        preferCSSPageSize: true,
        printBackground: true,
        margin: { top: '16mm', bottom: '18mm', left: '14mm', right: '14mm' },
        displayHeaderFooter: true,
        headerTemplate: '<span></span>',
        footerTemplate: footerTemplate(footer),
        timeout,
      });
      return Buffer.from(pdf);
    } catch (error) {
      throw error instanceof PdfRenderError ? error : new PdfRenderError('render', error);
    } finally {
      await browser.close().catch(() => undefined);
    }
  }
}

/** Chromium fills `pageNumber` and `totalPages` itself; the footer has its own tiny style sheet. */
function footerTemplate(footer: PdfFooter): string {
  const label = escapeHtml(footer.label);
  return (
    `<div dir="${footer.dir}" style="width:100%;font-size:8px;font-family:'Noto Naskh Arabic','Noto Sans',sans-serif;` +
    `padding:0 14mm;display:flex;justify-content:space-between;color:#555">` +
    `<span>${label}</span><span dir="ltr"><span class="pageNumber"></span> / <span class="totalPages"></span></span></div>`
  );
}
