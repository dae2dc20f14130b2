import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { QrDisplay } from '../../../../src/bots/whatsapp/qr-display.js';

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
const QR = '2@AbCdEfGhIjKlMnOpQrStUvWxYz0123456789,ABCDEFGHIJ=,abcdefghij=,0123456789=';
const ISSUED = new Date('2026-01-01T10:00:00.000Z');

let directory: string;

beforeEach(async () => {
  directory = await mkdtemp(path.join(tmpdir(), 'qr-display-'));
});

afterEach(async () => {
  await rm(directory, { recursive: true, force: true });
});

function display(pngPath = path.join(directory, 'whatsapp', 'link-qr.png')) {
  const printed: string[] = [];
  const qr = new QrDisplay({ pngPath, print: (text) => printed.push(text), now: () => ISSUED });
  return { qr, printed, pngPath };
}

describe('QrDisplay', () => {
  it('has no code before the first one is shown', () => {
    expect(display().qr.current()).toBeNull();
  });

  it('writes the code as a PNG readable only by its owner', async () => {
    const { qr, pngPath } = display();
    await qr.show(QR);
    const bytes = await readFile(pngPath);
    expect(bytes.subarray(0, 8).equals(PNG_SIGNATURE)).toBe(true);
    expect(bytes.length).toBeGreaterThan(100);
    expect((await stat(pngPath)).mode & 0o777).toBe(0o600);
    // The atomic write leaves no temporary file behind.
    expect(await readdir(path.dirname(pngPath))).toEqual(['link-qr.png']);
  });

  it('prints a terminal rendering that says where the PNG is', async () => {
    const { qr, printed, pngPath } = display();
    await qr.show(QR);
    expect(printed).toHaveLength(1);
    const text = printed[0] ?? '';
    expect(text).toContain(pngPath);
    expect(text).toContain('/admin/whatsapp/qr.png');
    // Half-block characters of the small terminal rendering, over many lines.
    expect(text).toMatch(/[▀▄█]/);
    expect(text.split('\n').length).toBeGreaterThan(15);
  });

  it('offers the shown code as the current image, the same bytes as the file', async () => {
    const { qr, pngPath } = display();
    await qr.show(QR);
    const current = qr.current();
    expect(current).not.toBeNull();
    expect(current?.issuedAt).toEqual(ISSUED);
    expect(current?.png.subarray(0, 8).equals(PNG_SIGNATURE)).toBe(true);
    expect(current?.png.equals(await readFile(pngPath))).toBe(true);
  });

  it('replaces the code when a new one is shown', async () => {
    const { qr, pngPath } = display();
    await qr.show(QR);
    const first = qr.current()?.png;
    await qr.show(`${QR}next`);
    const second = qr.current()?.png;
    expect(second).toBeDefined();
    expect(second?.equals(first ?? Buffer.alloc(0))).toBe(false);
    expect((await readFile(pngPath)).equals(second ?? Buffer.alloc(0))).toBe(true);
  });

  it('withdraws the code: clear removes the file and current becomes null', async () => {
    const { qr, pngPath } = display();
    await qr.show(QR);
    await qr.clear();
    expect(qr.current()).toBeNull();
    await expect(stat(pngPath)).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('clears without a file to remove', async () => {
    const { qr } = display(path.join(directory, 'never-written.png'));
    await expect(qr.clear()).resolves.toBeUndefined();
    expect(qr.current()).toBeNull();
  });

  it('withdraws the code when clear() comes while it is still being drawn (a qr event right before ready)', async () => {
    const pngPath = path.join(directory, 'race', 'link-qr.png');
    const qr = new QrDisplay({ pngPath, print: () => undefined });
    await Promise.all([qr.show(QR), qr.clear()]);
    expect(qr.current()).toBeNull();
    await expect(stat(pngPath)).rejects.toThrow();
  });
});

describe('QrDisplay without a terminal', () => {
  it('writes the owner-only PNG and prints nothing anywhere', async () => {
    const pngPath = path.join(directory, 'whatsapp', 'link-qr.png');
    const qr = new QrDisplay({ pngPath, now: () => ISSUED });
    await qr.show(QR);
    expect((await readFile(pngPath)).subarray(0, 8)).toEqual(PNG_SIGNATURE);
    expect((await stat(pngPath)).mode & 0o777).toBe(0o600);
    expect(qr.current()?.issuedAt).toEqual(ISSUED);
  });
});
