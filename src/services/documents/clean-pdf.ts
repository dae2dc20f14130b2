import { EncryptedPDFError, PDFArray, PDFDict, PDFDocument, PDFName, PDFRef, PDFStream } from '@cantoo/pdf-lib';

/** What cleaning a PDF came to: the clean bytes, or why it could not be cleaned (it is then refused). */
export type CleanedPdf = { ok: true; bytes: Buffer; pages: number } | { ok: false; reason: 'locked' | 'unreadable' };

/**
 * Entries that make a PDF do something or carry something besides its pages, removed wherever
 * they are: scripts (`JS`, `JavaScript`), actions run on opening or on events (`OpenAction`,
 * `AA`), embedded files (`EmbeddedFiles`, a file specification's `EF`), XMP metadata
 * (`Metadata`) and the thumbnails and page pieces that can hide content (`Thumb`, `PieceInfo`).
 */
const REMOVED_KEYS = ['JS', 'JavaScript', 'OpenAction', 'AA', 'EmbeddedFiles', 'EF', 'Metadata', 'PieceInfo', 'Thumb'];

/** Actions that run code, open other files or send data: a link keeps only URI and in-document (GoTo) actions. */
const SAFE_ACTIONS = new Set(['URI', 'GoTo']);

/** Annotations that carry files, media or form fields (flattened into the page first) and are dropped. */
const DROPPED_ANNOTATIONS = new Set(['FileAttachment', 'Screen', 'Movie', 'Sound', 'RichMedia', '3D', 'Widget']);

/**
 * Rewrites a PDF as its pages only: a new document into which the pages are copied (with what
 * they draw), after any form is flattened into them. What the catalogue held (open actions,
 * document scripts, embedded files, the form, the outline, XMP) is left behind, the document
 * information (title, author, producer, dates) is not written, and on every object copied the
 * entries above are removed and annotations that carry files or media are dropped. Written
 * without object streams, so every dictionary in the output is plain to read.
 */
export async function cleanPdf(bytes: Buffer): Promise<CleanedPdf> {
  let source: PDFDocument;
  try {
    source = await PDFDocument.load(bytes, { updateMetadata: false });
  } catch (error) {
    return { ok: false, reason: error instanceof EncryptedPDFError ? 'locked' : 'unreadable' };
  }
  try {
    const pageCount = source.getPageCount();
    if (pageCount === 0) return { ok: false, reason: 'unreadable' };
    try {
      // A filled form shows its values in its fields; flattened, they stay on the page as drawn.
      source.getForm().flatten();
    } catch {
      // A form pdf-lib cannot flatten loses its fields' appearance below, not the page.
    }
    const clean = await PDFDocument.create({ updateMetadata: false });
    for (const page of await clean.copyPages(source, source.getPageIndices())) clean.addPage(page);
    for (const [, object] of clean.context.enumerateIndirectObjects()) {
      const dict = object instanceof PDFStream ? object.dict : object instanceof PDFDict ? object : null;
      if (dict) scrub(dict, clean);
    }
    dropUnreachable(clean);
    const out = await clean.save({ useObjectStreams: false, updateFieldAppearances: false });
    return { ok: true, bytes: Buffer.from(out), pages: pageCount };
  } catch {
    return { ok: false, reason: 'unreadable' };
  }
}

/** Removes the active entries of one dictionary, unsafe actions, and the annotations that carry files or media. */
function scrub(dict: PDFDict, doc: PDFDocument): void {
  for (const key of REMOVED_KEYS) dict.delete(PDFName.of(key));
  const action = resolveDict(dict.get(PDFName.of('A')), doc);
  if (action && !SAFE_ACTIONS.has(nameOf(action.get(PDFName.of('S'))))) dict.delete(PDFName.of('A'));
  const annots = resolve(dict.get(PDFName.of('Annots')), doc);
  if (annots instanceof PDFArray) {
    const kept = annots.asArray().filter((entry) => !DROPPED_ANNOTATIONS.has(nameOf(resolveDict(entry, doc)?.get(PDFName.of('Subtype')))));
    dict.set(PDFName.of('Annots'), doc.context.obj(kept));
  }
}

/** Deletes every object no longer reachable from the catalogue (a dropped annotation's file, say): save writes all it holds. */
function dropUnreachable(doc: PDFDocument): void {
  const reachable = new Set<string>();
  const pending: unknown[] = [doc.context.trailerInfo.Root];
  while (pending.length > 0) {
    const value = pending.pop();
    if (value instanceof PDFRef) {
      if (reachable.has(value.toString())) continue;
      reachable.add(value.toString());
      pending.push(doc.context.lookup(value));
    } else if (value instanceof PDFStream) {
      pending.push(value.dict);
    } else if (value instanceof PDFDict) {
      for (const [, entry] of value.entries()) pending.push(entry);
    } else if (value instanceof PDFArray) {
      pending.push(...value.asArray());
    }
  }
  for (const [ref] of doc.context.enumerateIndirectObjects()) if (!reachable.has(ref.toString())) doc.context.delete(ref);
}

function resolve(value: unknown, doc: PDFDocument): unknown {
  return value instanceof PDFRef ? doc.context.lookup(value) : value;
}

function resolveDict(value: unknown, doc: PDFDocument): PDFDict | undefined {
  const resolved = resolve(value, doc);
  return resolved instanceof PDFDict ? resolved : undefined;
}

function nameOf(value: unknown): string {
  return value instanceof PDFName ? value.decodeText() : '';
}
