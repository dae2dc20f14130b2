import { describe, expect, it } from 'vitest';
import { PDFArray, PDFDict, PDFDocument, PDFName, PDFString, StandardFonts } from '@cantoo/pdf-lib';
import { cleanPdf } from '../../../src/services/documents/clean-pdf.js';
import { onePagePdf } from '../../helpers/pdf.js';

/** The entries and words a hostile or careless PDF carries, none of which may reach staff. */
const FORBIDDEN = [
  '/JavaScript',
  '/JS ',
  '/JS(',
  '/OpenAction',
  '/AA',
  '/EmbeddedFile',
  '/EF ',
  '/Metadata',
  '/FileAttachment',
  '/Launch',
  '/Info',
  'Ahmed',
  'secret.txt',
  'app.alert',
];

/**
 * A one-page salary certificate with everything issue 19 names: an action on opening and a
 * document script, an embedded file and a file attached to the page, a page action, a link
 * that runs a script beside a plain web link, a filled form whose field runs a script on change,
 * the document information and XMP metadata naming the person.
 */
async function hostilePdf(): Promise<Buffer> {
  const doc = await PDFDocument.create();
  const page = doc.addPage([595, 842]);
  page.drawText('Salary certificate 4000 SAR', { x: 50, y: 780, size: 14, font: await doc.embedFont(StandardFonts.Helvetica) });
  const ctx = doc.context;
  const js = (code: string) => ctx.obj({ Type: 'Action', S: 'JavaScript', JS: PDFString.of(code) });
  doc.catalog.set(PDFName.of('OpenAction'), ctx.register(js("app.alert('opened')")));
  doc.catalog.set(PDFName.of('Names'), ctx.obj({ JavaScript: ctx.obj({ Names: [PDFString.of('init'), ctx.register(js("app.alert('init')"))] }) }));
  await doc.attach(Buffer.from('the secret attachment'), 'secret.txt', { mimeType: 'text/plain' });
  const fileStream = ctx.register(ctx.stream('hidden file body', { Type: 'EmbeddedFile' }));
  const fileSpec = ctx.obj({ Type: 'Filespec', F: PDFString.of('secret.txt'), EF: ctx.obj({ F: fileStream }) });
  const attachment = ctx.register(ctx.obj({ Type: 'Annot', Subtype: 'FileAttachment', Rect: [10, 10, 30, 30], FS: fileSpec }));
  const scriptLink = ctx.register(ctx.obj({ Type: 'Annot', Subtype: 'Link', Rect: [50, 700, 200, 720], A: js("app.alert('clicked')") }));
  const webLink = ctx.register(
    ctx.obj({ Type: 'Annot', Subtype: 'Link', Rect: [50, 650, 200, 670], A: ctx.obj({ S: 'URI', URI: PDFString.of('https://example.org/') }) }),
  );
  page.node.set(PDFName.of('Annots'), ctx.obj([attachment, scriptLink, webLink]));
  page.node.set(PDFName.of('AA'), ctx.obj({ O: js("app.alert('page')") }));
  const field = doc.getForm().createTextField('employer');
  field.setText('Ministry');
  field.addToPage(page, { x: 50, y: 600, width: 200, height: 20 });
  field.acroField.dict.set(PDFName.of('AA'), ctx.obj({ K: js("app.alert('typed')") }));
  doc.setTitle('Salary of Ahmed');
  doc.setAuthor('Ahmed');
  const xmp = ctx.register(ctx.stream('<x:xmpmeta><dc:creator>Ahmed</dc:creator></x:xmpmeta>', { Type: 'Metadata', Subtype: 'XML' }));
  doc.catalog.set(PDFName.of('Metadata'), xmp);
  return Buffer.from(await doc.save({ useObjectStreams: false }));
}

describe('cleanPdf', () => {
  it('keeps the pages and what they show, and nothing that runs, carries a file or names the person', async () => {
    const source = await hostilePdf();
    const sourceText = source.toString('latin1');
    // The fixture carries each of them, so the test below proves their removal.
    for (const token of ['/JavaScript', '/OpenAction', '/AA', '/EmbeddedFile', '/EF', '/Metadata', '/FileAttachment', 'Ahmed', 'secret.txt']) {
      expect(sourceText, token).toContain(token);
    }

    const cleaned = await cleanPdf(source);
    expect(cleaned.ok).toBe(true);
    if (!cleaned.ok) return;
    const text = cleaned.bytes.toString('latin1');
    expect(FORBIDDEN.filter((token) => text.includes(token))).toEqual([]);

    const parsed = await PDFDocument.load(cleaned.bytes, { updateMetadata: false });
    expect(parsed.getPageCount()).toBe(1);
    expect(parsed.context.trailerInfo.Info).toBeUndefined();
    for (const key of ['Names', 'AcroForm', 'OpenAction', 'Metadata']) expect(parsed.catalog.get(PDFName.of(key)), key).toBeUndefined();
    // The page still draws its text (its content and font came along), and the plain web link stays.
    const page = parsed.getPage(0);
    expect(page.node.Contents()).toBeDefined();
    expect(page.node.Resources()?.get(PDFName.of('Font'))).toBeDefined();
    const annots = page.node.Annots() as PDFArray;
    const kinds = annots.asArray().map((ref) => (parsed.context.lookup(ref) as PDFDict).get(PDFName.of('A')));
    expect(kinds.filter((action) => action !== undefined)).toHaveLength(1);
    expect(text).toContain('https://example.org/');
  });

  it('refuses a PDF locked with a password, and one that cannot be read', async () => {
    const encrypted = onePagePdf(['<< /Filter /Standard /V 1 /R 2 /O <00> /U <00> /P -4 >>'], '/Encrypt 4 0 R');
    expect(await cleanPdf(encrypted)).toEqual({ ok: false, reason: 'locked' });
    expect(await cleanPdf(Buffer.from('%PDF-1.7\nnot a pdf at all\n%%EOF\n', 'latin1'))).toEqual({ ok: false, reason: 'unreadable' });
  });

  it('cleans a plain PDF of the kind a phone makes without losing its page', async () => {
    const plain = onePagePdf();
    const cleaned = await cleanPdf(plain);
    expect(cleaned).toMatchObject({ ok: true, pages: 1 });
  });
});
