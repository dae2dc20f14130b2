import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { mkdtemp, readdir, readFile, readlink, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger, errorFields, REDACTED, rollingLogFile, type Logger } from '../../src/logger.js';

const NATIONAL_ID = '1012345678';
const NATIONAL_ID_ARABIC = '١٠١٢٣٤٥٦٧٨';
const NAME = 'نورة عبدالله القحطاني';

/** A logger writing JSON lines into memory, and a way to read them back. */
function memoryLogger(level = 'trace'): { logger: Logger; output: () => string; lines: () => Record<string, unknown>[] } {
  let written = '';
  const destination = new Writable({
    write(chunk: Buffer | string, _encoding, callback) {
      written += chunk.toString();
      callback();
    },
  });
  const logger = createLogger({ level, pretty: false, destination });
  return {
    logger,
    output: () => written,
    lines: () =>
      written
        .split('\n')
        .filter((line) => line !== '')
        .map((line) => JSON.parse(line) as Record<string, unknown>),
  };
}

describe('createLogger', () => {
  it('redacts personal data under text, answers, session.answers and update', () => {
    const { logger, output, lines } = memoryLogger();
    logger.info({ text: `my id is ${NATIONAL_ID}, I am ${NAME}` }, 'inbound text');
    logger.info({ answers: { nationalId: NATIONAL_ID, fullName: NAME } }, 'answers');
    logger.info({ session: { flow: 'support', answers: { nationalId: NATIONAL_ID_ARABIC, name: NAME } } }, 'session');
    logger.info({ state: { answers: { name: NAME } } }, 'nested answers');
    logger.info({ update: { update_id: 1, message: { text: NATIONAL_ID, from: { first_name: NAME } } } }, 'telegram update');

    const text = output();
    expect(text).not.toContain(NATIONAL_ID);
    expect(text).not.toContain(NATIONAL_ID_ARABIC);
    expect(text).not.toContain(NAME);
    expect(text).toContain(REDACTED);
    // The message key is pino's own and must stay readable.
    expect(lines().map((line) => line.msg)).toEqual(['inbound text', 'answers', 'session', 'nested answers', 'telegram update']);
  });

  it('redacts personal fields one level down and keeps the fields around them', () => {
    const { logger, lines } = memoryLogger();
    logger.info({ beneficiary: { name: NAME, nationalId: NATIONAL_ID, mobile: '0501234567' }, chatCount: 2 }, 'x');
    const [line] = lines();
    expect(line?.beneficiary).toEqual({ name: REDACTED, nationalId: REDACTED, mobile: REDACTED });
    expect(line?.chatCount).toBe(2);
  });

  it('redacts personal data in child logger bindings', () => {
    const { logger, output } = memoryLogger();
    logger.child({ name: NAME }).info('from a child');
    expect(output()).not.toContain(NAME);
    expect(output()).toContain('from a child');
  });

  it('keeps an error name and code from errorFields while redacting other names', () => {
    const { logger, lines } = memoryLogger();
    const error = Object.assign(new Error(`duplicate key { nationalId: "${NATIONAL_ID}" }`), {
      name: 'MongoServerError',
      code: 11000,
    });
    logger.warn({ ...errorFields(error), user: { name: NAME } }, 'write failed');
    const [line] = lines();
    expect(line?.err).toEqual({ name: 'MongoServerError', code: 11000, message: 'duplicate key { nationalId: "*****" }' });
    expect(line?.user).toEqual({ name: REDACTED });
  });

  it('serializes an Error logged whole to masked fields with frames but no message line', () => {
    const { logger, output, lines } = memoryLogger();
    class LookupError extends Error {
      readonly code = 'LOOKUP';
      constructor(message: string) {
        super(message);
        this.name = 'LookupError';
      }
    }
    logger.error({ err: new LookupError(`no beneficiary with id ${NATIONAL_ID}`) }, 'unexpected');
    logger.error({ error: new LookupError(`no beneficiary with id ${NATIONAL_ID}`) }, 'unexpected');
    expect(output()).not.toContain(NATIONAL_ID);
    for (const line of lines()) {
      const err = (line.err ?? line.error) as Record<string, unknown>;
      expect(err).toMatchObject({ name: 'LookupError', code: 'LOOKUP', message: 'no beneficiary with id *****' });
      expect(err.stack).toMatch(/^at /);
    }
  });

  it("redacts a message field, which is not pino's msg", () => {
    const { logger, output } = memoryLogger();
    logger.info({ message: { text: NATIONAL_ID } }, 'outbound');
    expect(output()).not.toContain(NATIONAL_ID);
  });

  it('honours the level', () => {
    const { logger, output } = memoryLogger('info');
    logger.debug('hidden');
    logger.info('shown');
    expect(output()).not.toContain('hidden');
    expect(output()).toContain('shown');
  });
});

describe('errorFields', () => {
  it('masks runs of nine or more digits in any script and with separators', () => {
    const message = `id ${NATIONAL_ID}, arabic ${NATIONAL_ID_ARABIC}, phone 050 123 4567, +966501234567, port 27017, date 2026-01-15`;
    const { err } = errorFields(new Error(message));
    expect(err.message).toBe('id *****, arabic *****, phone *****, +*****, port 27017, date 2026-01-15');
  });

  it('masks a run of exactly nine digits but not eight', () => {
    expect(errorFields(new Error('a 123456789 b 12345678')).err.message).toBe('a ***** b 12345678');
  });

  it('cuts the message to 200 characters after masking', () => {
    const { err } = errorFields(new Error(`${'x'.repeat(195)} ${NATIONAL_ID} ${'y'.repeat(300)}`));
    expect(Array.from(err.message)).toHaveLength(200);
    expect(err.message).not.toContain('12345');
    expect(err.message.endsWith('…')).toBe(true);
  });

  it('keeps name and code and leaves out the stack unless asked', () => {
    const error = Object.assign(new TypeError('bad'), { code: 'E_BAD' });
    expect(errorFields(error)).toEqual({ err: { name: 'TypeError', code: 'E_BAD', message: 'bad' } });
    const withStack = errorFields(error, { stack: true }).err;
    expect(withStack.stack).toMatch(/^at /);
    expect(withStack.stack).not.toContain('bad');
  });

  it('describes thrown values that are not errors', () => {
    expect(errorFields(`rejected ${NATIONAL_ID}`)).toEqual({ err: { name: 'NonError', message: 'rejected *****' } });
    expect(errorFields(undefined)).toEqual({ err: { name: 'NonError', message: '' } });
  });
});

describe("the console chat's log file", () => {
  it('rolls over by size, keeps the newest files, and names the one written current.log', async () => {
    const folder = join(await mkdtemp(join(tmpdir(), 'logs-')), 'nested');
    try {
      const file = await rollingLogFile(folder, { maxBytes: 2048, keep: 2 });
      const logger = createLogger({ level: 'info', pretty: false, destination: file.destination });
      // Spaced out, as a service writes: the size is checked after each write reaches the file.
      for (let i = 0; i < 60; i++) {
        logger.info({ i }, 'a line long enough to fill a small file quickly');
        await new Promise((resolve) => setTimeout(resolve, 3));
      }
      await new Promise((resolve) => setTimeout(resolve, 200));
      const files = (await readdir(folder)).filter((name) => name !== 'current.log').sort();
      expect(files.length).toBe(3);
      expect(file.current).toBe(`${folder}/current.log`);
      const newest = files.map((name) => Number(/service\.(\d+)\.log/.exec(name)?.[1])).sort((a, b) => b - a)[0];
      expect(await readlink(file.current)).toBe(`service.${newest}.log`);
      // The newest lines are kept; the oldest went with the files rolled out of the count.
      const kept = (await Promise.all(files.map((name) => readFile(join(folder, name), 'utf8')))).join('');
      expect(kept).toContain('"i":59');
      expect(kept).not.toContain('"i":0,');
    } finally {
      await rm(join(folder, '..'), { recursive: true, force: true });
    }
  });
});
