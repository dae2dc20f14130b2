/**
 * The process-wide policy for errors nothing caught, in a real Node process (Node 20 ends a
 * process at its first unhandled rejection: main's behaviour before the guard).
 */
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { isWhatsAppLibraryError } from '../../src/process-guard.js';

function run(what: string) {
  const result = spawnSync('npx', ['tsx', 'tests/helpers/guarded-child.ts', what], { encoding: 'utf8', timeout: 30_000 });
  return { code: result.status, out: result.stdout };
}

describe('the process guard', () => {
  it('an error from whatsapp-web.js rebuilds the client, is logged, and the process stays up', () => {
    const { code, out } = run('whatsapp');
    expect(out).toContain('REBUILT 1');
    expect(out).toContain('the WhatsApp client is being rebuilt');
    expect(out).toContain('STILL UP');
    expect(code).toBe(0);
  }, 40_000);

  it('any other unhandled rejection stops the service and exits non-zero, logged', () => {
    const { code, out } = run('other');
    expect(out).toContain('an unexpected error reached the process');
    expect(out).toContain('STOPPED');
    expect(out).not.toContain('STILL UP');
    expect(out).not.toContain('REBUILT');
    expect(code).toBe(1);
  }, 40_000);

  it('an uncaught exception does the same', () => {
    const { code, out } = run('exception');
    expect(out).toContain('uncaughtException');
    expect(out).toContain('STOPPED');
    expect(code).toBe(1);
  }, 40_000);

  it('knows the library by the frames of its stack, not by its message', () => {
    const library = new Error('Protocol error');
    library.stack = 'Error: Protocol error\n    at CdpCDPSession.send (/app/node_modules/puppeteer-core/lib/cjs/puppeteer/cdp/CDPSession.js:90:19)';
    const ours = new Error('whatsapp-web.js said no');
    expect(isWhatsAppLibraryError(library)).toBe(true);
    expect(isWhatsAppLibraryError(ours)).toBe(false);
    expect(isWhatsAppLibraryError('ready timeout')).toBe(false);
  });
});
