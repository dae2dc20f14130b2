import { fileTypeFromBuffer } from 'file-type';
import { cleanPdf } from './clean-pdf.js';
import sharp, { type Sharp } from 'sharp';

/** The kinds of document the association accepts. */
export type DocumentKind = 'image' | 'pdf';

/** The media types of stored documents; other image formats are converted to JPEG or refused. */
export type DocumentMime = 'image/jpeg' | 'image/png' | 'image/webp' | 'application/pdf';

/** Message keys for a refused document; each exists in the ar and en catalogues. */
export type DocumentErrorKey =
  'document.tooLarge' | 'document.unsupportedType' | 'document.corrupt' | 'document.tooManyPixels' | 'document.empty' | 'document.pdfLocked';

/** A document that passed inspection, with the bytes to store in place of the upload. */
export interface AcceptedDocument {
  ok: true;
  kind: DocumentKind;
  mime: DocumentMime;
  /** Images re-encoded without metadata and upright; PDFs rewritten as their pages only (clean-pdf.ts). */
  bytes: Buffer;
  /** Pixel width after orientation; images only. */
  width?: number;
  /** Pixel height after orientation; images only. */
  height?: number;
}

/** A refused document: a message key and the values it interpolates. */
export interface RefusedDocument {
  ok: false;
  error: DocumentErrorKey;
  params?: Record<string, string | number>;
}

/** The outcome of {@link inspectDocument}. */
export type InspectedDocument = AcceptedDocument | RefusedDocument;

/** Limits for {@link inspectDocument}. */
export interface InspectDocumentOptions {
  /** Largest upload accepted, in bytes; checked before anything is parsed. */
  maxBytes: number;
  /** Largest image accepted, in pixels (width x height); checked from the header before decoding. */
  maxPixels: number;
}

/** Output format per detected input type; HEIC and AVIF become JPEG, which every viewer opens. */
const IMAGE_OUTPUT: Readonly<Record<string, 'jpeg' | 'png' | 'webp'>> = {
  'image/jpeg': 'jpeg',
  'image/png': 'png',
  'image/apng': 'png',
  'image/webp': 'webp',
  'image/heic': 'jpeg',
  'image/heif': 'jpeg',
  'image/avif': 'jpeg',
};

const HEVC_TYPES = new Set(['image/heic', 'image/heif']);

const OUTPUT_MIME = { jpeg: 'image/jpeg', png: 'image/png', webp: 'image/webp' } as const;

/** How far from the end `%%EOF` may sit; readers look in the last 1024 bytes. */
const PDF_EOF_WINDOW = 1024;

/**
 * Checks an uploaded document and cleans it for storage, deciding its type by
 * content alone.
 *
 * The file name and the type the sender declared are ignored on purpose: a PDF
 * renamed `.jpg` is a PDF, and a text file named `.pdf` is refused. Images are
 * decoded and re-encoded upright with no metadata, which removes EXIF (GPS
 * position, camera, time), XMP and anything appended after the image data.
 * PDFs are checked for structure, then rewritten as their pages only, without scripts, actions,
 * embedded files or metadata (clean-pdf.ts): the upload itself is never stored, so never reaches staff.
 */
export async function inspectDocument(bytes: Buffer, opts: InspectDocumentOptions): Promise<InspectedDocument> {
  if (bytes.length === 0) return refuse('document.empty');
  if (bytes.length > opts.maxBytes) {
    return refuse('document.tooLarge', {
      size: bytes.length,
      maxBytes: opts.maxBytes,
      maxMegabytes: Number((opts.maxBytes / (1024 * 1024)).toFixed(1)),
    });
  }

  const detected = await fileTypeFromBuffer(bytes);
  if (detected === undefined) return refuse('document.unsupportedType', { detected: 'unknown' });
  if (detected.mime === 'application/pdf') return inspectPdf(bytes);

  const output = IMAGE_OUTPUT[detected.mime];
  if (output === undefined) return refuse('document.unsupportedType', { detected: detected.mime });
  if (HEVC_TYPES.has(detected.mime) && !canDecodeHeic()) {
    return refuse('document.unsupportedType', { detected: detected.mime });
  }
  return inspectImage(bytes, detected.mime, output, opts.maxPixels);
}

/**
 * Whether this sharp build decodes HEIC (HEVC-coded HEIF).
 *
 * sharp's prebuilt binaries do not: HEVC is patent-encumbered, so libheif ships
 * with AV1 only, and libvips then lists only `.avif` among the heif loader's
 * suffixes. A sharp built against a system libvips with libde265 lists `.heic`.
 */
export function canDecodeHeic(): boolean {
  return sharp.format.heif?.input.fileSuffix?.includes('.heic') ?? false;
}

async function inspectImage(bytes: Buffer, detectedMime: string, output: 'jpeg' | 'png' | 'webp', maxPixels: number): Promise<InspectedDocument> {
  // The header is read without the pixel limit so the refusal can say how big the image is;
  // reading a header allocates nothing in proportion to the pixels.
  let width: number;
  let height: number;
  try {
    const metadata = await sharp(bytes, { limitInputPixels: false, failOn: 'error' }).metadata();
    width = metadata.width;
    height = metadata.height;
  } catch (error) {
    return refuseFromSharp(error, detectedMime, maxPixels);
  }
  if (!(width > 0 && height > 0)) return refuse('document.corrupt');
  if (width * height > maxPixels) return refuse('document.tooManyPixels', { width, height, maxPixels });

  try {
    // limitInputPixels again: the decoder enforces it even if the header read above was fooled.
    // failOn 'error' refuses truncated or broken pixel data but lets pass warnings that some
    // phone cameras' otherwise readable JPEGs raise; sharp's default 'warning' refuses those.
    const pipeline = sharp(bytes, { limitInputPixels: maxPixels, failOn: 'error' }).rotate();
    const { data, info } = await encode(pipeline, output).toBuffer({ resolveWithObject: true });
    return {
      ok: true,
      kind: 'image',
      mime: OUTPUT_MIME[output],
      bytes: data,
      width: info.width,
      height: info.height,
    };
  } catch (error) {
    return refuseFromSharp(error, detectedMime, maxPixels);
  }
}

function encode(pipeline: Sharp, output: 'jpeg' | 'png' | 'webp'): Sharp {
  // No withMetadata/keepExif: sharp then writes no EXIF, XMP or IPTC and converts to sRGB.
  switch (output) {
    case 'jpeg':
      // Quality 90: these are ID cards and bills that a researcher must be able to read.
      return pipeline.jpeg({ quality: 90 });
    case 'png':
      return pipeline.png();
    case 'webp':
      return pipeline.webp({ quality: 90 });
  }
}

function refuseFromSharp(error: unknown, detectedMime: string, maxPixels: number): RefusedDocument {
  const message = error instanceof Error ? error.message : String(error);
  if (/pixel limit/i.test(message)) return refuse('document.tooManyPixels', { maxPixels });
  // libheif's answer when the HEVC decoder is missing despite the suffix check.
  if (HEVC_TYPES.has(detectedMime) && /unsupported (codec|feature)/i.test(message)) {
    return refuse('document.unsupportedType', { detected: detectedMime });
  }
  return refuse('document.corrupt');
}

async function inspectPdf(bytes: Buffer): Promise<InspectedDocument> {
  if (!bytes.subarray(0, 5).equals(Buffer.from('%PDF-', 'latin1'))) return refuse('document.corrupt');
  // A missing %%EOF is the usual sign of an upload cut short.
  const tail = bytes.subarray(Math.max(0, bytes.length - PDF_EOF_WINDOW));
  if (!tail.includes('%%EOF', 0, 'latin1')) return refuse('document.corrupt');
  const cleaned = await cleanPdf(bytes);
  if (!cleaned.ok) return refuse(cleaned.reason === 'locked' ? 'document.pdfLocked' : 'document.corrupt');
  return { ok: true, kind: 'pdf', mime: 'application/pdf', bytes: cleaned.bytes };
}

function refuse(error: DocumentErrorKey, params?: Record<string, string | number>): RefusedDocument {
  return params === undefined ? { ok: false, error } : { ok: false, error, params };
}
