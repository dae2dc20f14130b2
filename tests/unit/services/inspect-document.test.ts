import { crc32, deflateSync } from 'node:zlib';
import sharp, { type Sharp } from 'sharp';
import { describe, expect, it } from 'vitest';
import { onePagePdf } from '../../helpers/pdf.js';
import { canDecodeHeic, inspectDocument, type InspectDocumentOptions } from '../../../src/services/documents/inspect-document.js';

const limits: InspectDocumentOptions = { maxBytes: 5 * 1024 * 1024, maxPixels: 50_000_000 };

function solid(width: number, height: number): Sharp {
  return sharp({ create: { width, height, channels: 3, background: { r: 200, g: 30, b: 30 } } });
}

/** A JPEG as a phone writes it: rotated by an EXIF tag, with camera and GPS data. */
async function phoneJpeg(): Promise<Buffer> {
  return solid(40, 20)
    .jpeg()
    .withMetadata({ orientation: 6 })
    .withExifMerge({
      IFD0: { Make: 'AcmePhone', Model: 'X1' },
      IFD3: { GPSLatitudeRef: 'N', GPSLatitude: '24/1 42/1 0/1', GPSLongitudeRef: 'E', GPSLongitude: '46/1 40/1 0/1' },
    })
    .toBuffer();
}

function pngChunk(type: string, data: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const typeAndData = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(typeAndData));
  return Buffer.concat([length, typeAndData, crc]);
}

/** A 74-byte PNG whose header claims 30000 x 30000 pixels: a decompression bomb's calling card. */
function hugeHeaderPng(): Buffer {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(30_000, 0);
  header.writeUInt32BE(30_000, 4);
  header[8] = 8; // bit depth
  header[9] = 2; // truecolour
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    pngChunk('IHDR', header),
    pngChunk('IDAT', deflateSync(Buffer.alloc(1000))),
    pngChunk('IEND', Buffer.alloc(0)),
  ]);
}

describe('inspectDocument images', () => {
  it('strips EXIF and GPS from a JPEG and applies its orientation', async () => {
    const input = await phoneJpeg();
    const before = await sharp(input).metadata();
    // The fixture really carries what must be removed.
    expect(before.exif).toBeDefined();
    expect(before.exif?.includes('AcmePhone')).toBe(true);
    expect(before.orientation).toBe(6);

    const result = await inspectDocument(input, limits);
    expect(result).toMatchObject({ ok: true, kind: 'image', mime: 'image/jpeg', width: 20, height: 40 });
    if (!result.ok) throw new Error('expected ok');
    const after = await sharp(result.bytes).metadata();
    expect(after.exif).toBeUndefined();
    expect(after.xmp).toBeUndefined();
    expect(after.iptc).toBeUndefined();
    expect(after.orientation).toBeUndefined();
    expect(after.format).toBe('jpeg');
    expect([after.width, after.height]).toEqual([20, 40]);
    expect(result.bytes.includes('AcmePhone')).toBe(false);
  });

  it('drops data hidden after the image', async () => {
    const jpeg = await solid(16, 16).jpeg().toBuffer();
    const polyglot = Buffer.concat([jpeg, Buffer.from('PK\u0003\u0004 hidden archive payload')]);
    const result = await inspectDocument(polyglot, limits);
    expect(result).toMatchObject({ ok: true, mime: 'image/jpeg' });
    if (result.ok) expect(result.bytes.includes('hidden archive payload')).toBe(false);
  });

  it('keeps PNG as PNG and WebP as WebP', async () => {
    const png = await inspectDocument(await solid(30, 10).png().toBuffer(), limits);
    expect(png).toMatchObject({ ok: true, kind: 'image', mime: 'image/png', width: 30, height: 10 });
    if (png.ok) expect((await sharp(png.bytes).metadata()).format).toBe('png');

    const webp = await inspectDocument(
      await solid(12, 34)
        .webp()
        .withExif({ IFD0: { Make: 'AcmePhone' } })
        .toBuffer(),
      limits,
    );
    expect(webp).toMatchObject({ ok: true, kind: 'image', mime: 'image/webp', width: 12, height: 34 });
    if (webp.ok) expect((await sharp(webp.bytes).metadata()).exif).toBeUndefined();
  });

  it('converts AVIF to JPEG', async () => {
    const avif = await solid(24, 16).avif().toBuffer();
    const result = await inspectDocument(avif, limits);
    expect(result).toMatchObject({ ok: true, kind: 'image', mime: 'image/jpeg', width: 24, height: 16 });
  });

  it('converts HEIC to JPEG when this sharp can decode it, and refuses it otherwise', async () => {
    // An HEIF container branded heic: file-type calls it image/heic. The payload is AV1, so a
    // build that does decode HEVC finds it corrupt; the prebuilt sharp refuses the type up front.
    const avif = await solid(16, 16).avif().toBuffer();
    const heic = Buffer.from(avif.toString('latin1').replaceAll('avif', 'heic'), 'latin1');
    const result = await inspectDocument(heic, limits);
    expect(result).toEqual(
      canDecodeHeic() ? { ok: false, error: 'document.corrupt' } : { ok: false, error: 'document.unsupportedType', params: { detected: 'image/heic' } },
    );
  });

  it('refuses other image formats', async () => {
    const gif = await solid(4, 4).gif().toBuffer();
    expect(await inspectDocument(gif, limits)).toEqual({
      ok: false,
      error: 'document.unsupportedType',
      params: { detected: 'image/gif' },
    });
  });

  it('refuses a truncated image as corrupt', async () => {
    const jpeg = await solid(400, 200).jpeg().toBuffer();
    expect(await inspectDocument(jpeg.subarray(0, jpeg.length / 2), limits)).toEqual({
      ok: false,
      error: 'document.corrupt',
    });
  });
});

describe('inspectDocument decompression bombs', () => {
  it('refuses a PNG that declares 30000 x 30000 pixels from its header, without decoding', async () => {
    const bomb = hugeHeaderPng();
    expect(bomb.length).toBeLessThan(100);
    const started = performance.now();
    const result = await inspectDocument(bomb, limits);
    expect(result).toEqual({
      ok: false,
      error: 'document.tooManyPixels',
      params: { width: 30_000, height: 30_000, maxPixels: 50_000_000 },
    });
    expect(performance.now() - started).toBeLessThan(1_000);
  });

  it('refuses a large solid image that compresses small', async () => {
    const png = await solid(4000, 4000).png({ compressionLevel: 9 }).toBuffer();
    expect(png.length).toBeLessThan(200_000);
    const result = await inspectDocument(png, { maxBytes: limits.maxBytes, maxPixels: 1_000_000 });
    expect(result).toEqual({
      ok: false,
      error: 'document.tooManyPixels',
      params: { width: 4000, height: 4000, maxPixels: 1_000_000 },
    });
  });
});

describe('inspectDocument PDFs', () => {
  it('accepts a well-formed PDF and stores it rewritten, never as uploaded', async () => {
    const pdf = onePagePdf();
    const result = await inspectDocument(pdf, limits);
    expect(result).toMatchObject({ ok: true, kind: 'pdf', mime: 'application/pdf' });
    if (!result.ok) return;
    // The rewritten file (clean-pdf.ts, tested on a hostile PDF in clean-pdf.test.ts) replaces the upload.
    expect(result.bytes.equals(pdf)).toBe(false);
    expect(result.bytes.subarray(0, 5).toString('latin1')).toBe('%PDF-');
  });

  it('goes by content, not by the name or type the sender gave', async () => {
    const upload = { fileName: 'id-card.jpg', declaredMime: 'image/jpeg', bytes: onePagePdf() };
    expect(await inspectDocument(upload.bytes, limits)).toMatchObject({ ok: true, kind: 'pdf', mime: 'application/pdf' });

    const text = { fileName: 'salary.pdf', declaredMime: 'application/pdf', bytes: Buffer.from('Salary: 4000 SAR\n') };
    expect(await inspectDocument(text.bytes, limits)).toEqual({
      ok: false,
      error: 'document.unsupportedType',
      params: { detected: 'unknown' },
    });
  });

  it('refuses a PDF cut short (no %%EOF at the end)', async () => {
    const pdf = onePagePdf();
    expect(await inspectDocument(pdf.subarray(0, pdf.length - 20), limits)).toEqual({
      ok: false,
      error: 'document.corrupt',
    });
    expect(await inspectDocument(Buffer.from('%PDF-1.7\n1 0 obj\n<<>>\n'), limits)).toEqual({
      ok: false,
      error: 'document.corrupt',
    });
  });
});

describe('inspectDocument limits', () => {
  it('refuses an empty upload', async () => {
    expect(await inspectDocument(Buffer.alloc(0), limits)).toEqual({ ok: false, error: 'document.empty' });
  });

  it('refuses an upload over maxBytes before looking inside', async () => {
    const pdf = onePagePdf();
    expect(await inspectDocument(pdf, { maxBytes: pdf.length - 1, maxPixels: limits.maxPixels })).toEqual({
      ok: false,
      error: 'document.tooLarge',
      params: { size: pdf.length, maxBytes: pdf.length - 1, maxMegabytes: 0 },
    });
    expect(await inspectDocument(pdf, { maxBytes: pdf.length, maxPixels: limits.maxPixels })).toMatchObject({ ok: true });
  });
});
