/**
 * The service's logger: pino, with personal fields redacted and errors reduced
 * to fields that are safe to write.
 *
 * The rule is that personal data (names, national IDs, phones, incomes,
 * documents, message text) is never passed to a log call. Redaction and the
 * error serializer here are defence in depth for the day that rule is broken,
 * not a licence to log whole objects.
 *
 * @packageDocumentation
 */

import { createRequire } from 'node:module';
import { pino, type DestinationStream, type LoggerOptions } from 'pino';
import { mkdir } from 'node:fs/promises';
import pinoRoll from 'pino-roll';

/** The logger type used across the service. */
export type Logger = pino.Logger;

/** Options for {@link createLogger}. */
export interface CreateLoggerOptions {
  /** The lowest level written: `fatal`, `error`, `warn`, `info`, `debug`, `trace` or `silent`. */
  level: string;
  /** Human-readable output through pino-pretty, when it is installed (it is a devDependency). */
  pretty: boolean;
  /**
   * Where log lines go instead of stdout; used by tests to capture output.
   * When set, `pretty` is ignored: pino-pretty runs as a worker-thread transport
   * and cannot write into a caller's stream.
   */
  destination?: DestinationStream;
}

/** The value that replaces a redacted field. */
export const REDACTED = '[redacted]';

/**
 * Field names that hold, or commonly wrap, personal data. Each is redacted at
 * the top level and one level down (`text` and `*.text`).
 *
 * `msg` is deliberately absent: it is pino's own message key, and log messages
 * are constant strings by convention.
 */
const PERSONAL_FIELDS = [
  // What people type, and the structures that carry it.
  'text',
  'caption',
  'message',
  'body',
  'update',
  'ctx',
  'answers',
  'session',
  'documents',
  'document',
  'contact',
  // Identity and contact.
  'name',
  'fullName',
  'full_name',
  'firstName',
  'first_name',
  'lastName',
  'last_name',
  'username',
  'nationalId',
  'national_id',
  'mobile',
  'phone',
  'phoneNumber',
  'phone_number',
  'email',
  'address',
  // Money.
  'income',
  'iban',
] as const;

/**
 * Keys whose values go through {@link errorFields}; their `name`, `code`,
 * `message` and `stack` are error metadata, not personal data, and survive
 * `*.name` and `*.message`.
 */
const ERROR_KEYS = new Set(['err', 'error']);
const ERROR_OWN_FIELDS = new Set(['name', 'code', 'message', 'stack']);

/**
 * pino reports a wildcard-first match (`*.name`) to the censor with `null` in
 * place of the top-level key, so the censor cannot tell `err.name` from
 * `user.name`. A literal path under `err` and `error` gives those keys their own
 * namespace, for which pino passes the real key. (The serializers below leave
 * only the error's own fields, so these paths have nothing else to do.)
 */
const ERROR_NAMESPACE_PATHS = ['err.input', 'error.input'];

/** Every path pino redacts; exported so tests can see what is covered. */
export const REDACT_PATHS: readonly string[] = [...PERSONAL_FIELDS.flatMap((field) => [field, `*.${field}`]), ...ERROR_NAMESPACE_PATHS];

function censor(value: unknown, path: string[]): unknown {
  const [parent, field] = path;
  if (path.length === 2 && parent !== undefined && field !== undefined && ERROR_KEYS.has(parent) && ERROR_OWN_FIELDS.has(field)) {
    return value;
  }
  return REDACTED;
}

/**
 * Creates the service's logger.
 *
 * With `pretty: true` and pino-pretty installed, lines are formatted for a
 * terminal; without it (a production install omits devDependencies), JSON lines
 * are written and one warning says why.
 */
export function createLogger({ level, pretty, destination }: CreateLoggerOptions): Logger {
  const options: LoggerOptions = {
    level,
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: { paths: [...REDACT_PATHS], censor },
    serializers: { err: serializeError, error: serializeError },
  };
  if (destination !== undefined) {
    return pino(options, destination);
  }
  if (!pretty) {
    return pino(options);
  }
  const prettyPath = resolvePinoPretty();
  if (prettyPath === undefined) {
    const logger = pino(options);
    logger.warn('pino-pretty is not installed; writing JSON lines');
    return logger;
  }
  return pino(
    options,
    pino.transport({
      target: prettyPath,
      options: { colorize: true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname' },
    }),
  );
}

/**
 * The absolute path of pino-pretty, or undefined when it is not installed.
 *
 * Resolved here rather than by name in the transport, because the transport's
 * worker thread resolves names relative to pino's own location.
 */
function resolvePinoPretty(): string | undefined {
  try {
    return createRequire(import.meta.url).resolve('pino-pretty');
  } catch {
    return undefined;
  }
}

/** The parts of an error that {@link errorFields} keeps. */
export interface ErrorFields {
  /** The error class name, such as `MongoServerSelectionError`. */
  name: string;
  /** The error's `code`, when it has a string or numeric one. */
  code?: string | number;
  /** The message, at most 200 characters, with long digit runs masked. */
  message: string;
  /** Stack frames without the message line; only when asked for. */
  stack?: string;
}

/** Options for {@link errorFields}. */
export interface ErrorFieldsOptions {
  /**
   * Include the stack frames. Off by default: expected errors (validation,
   * timeouts, a dependency down) are explained by name and code, and frames only
   * add noise.
   */
  stack?: boolean;
}

const MAX_MESSAGE_LENGTH = 200;
const MAX_STACK_FRAMES = 15;
const MIN_MASKED_DIGITS = 9;
const MASK = '*****';

/**
 * A run of decimal digits in any script, allowing one space, hyphen or
 * invisible direction mark between digits, because phones and IDs are often
 * written `050 123 4567` or copied out of right-to-left text with marks inside.
 */
const DIGIT_RUN = /\p{Nd}(?:[ \-\u200B-\u200F\u2066-\u2069\u061C]?\p{Nd})*/gu;
const DIGIT = /\p{Nd}/gu;

/**
 * Log fields for an error: `{ err: { name, code, message } }`, safe to spread
 * into a log call.
 *
 * Library error messages sometimes echo their input (a duplicate-key error
 * quoting the key, a parse error quoting the text), so the message is cut to 200
 * characters and every run of nine or more digits, a national ID or phone
 * number in any digit script, becomes `*****`.
 */
export function errorFields(err: unknown, options: ErrorFieldsOptions = {}): { err: ErrorFields } {
  const fields: ErrorFields = { name: errorName(err), message: safeMessage(errorMessage(err)) };
  const code = errorCode(err);
  if (code !== undefined) {
    fields.code = code;
  }
  if (options.stack === true && err instanceof Error && typeof err.stack === 'string') {
    // The first lines of a stack repeat the message unmasked; keep only frames.
    const frames = err.stack
      .split('\n')
      .filter((line) => /^\s+at /.test(line))
      .slice(0, MAX_STACK_FRAMES);
    if (frames.length > 0) {
      fields.stack = frames.map((line) => line.trim()).join('\n');
    }
  }
  return { err: fields };
}

/**
 * The pino serializer for `err` and `error`: whatever was passed becomes
 * {@link ErrorFields}, with frames for real errors, since an error logged whole
 * is usually an unexpected one.
 */
function serializeError(value: unknown): ErrorFields {
  return errorFields(value, { stack: value instanceof Error }).err;
}

function errorName(err: unknown): string {
  if (isRecord(err) && typeof err.name === 'string' && err.name !== '') {
    return err.name;
  }
  return err instanceof Error ? 'Error' : 'NonError';
}

function errorCode(err: unknown): string | number | undefined {
  if (!isRecord(err)) {
    return undefined;
  }
  const { code } = err;
  return typeof code === 'string' || typeof code === 'number' ? code : undefined;
}

function errorMessage(err: unknown): string {
  if (isRecord(err)) {
    return typeof err.message === 'string' ? err.message : '';
  }
  // A thrown string or number is still text that may have come from input.
  return err === undefined || err === null ? '' : String(err);
}

function safeMessage(message: string): string {
  const masked = message.replace(DIGIT_RUN, (run) => ((run.match(DIGIT)?.length ?? 0) >= MIN_MASKED_DIGITS ? MASK : run));
  // Counted in code points so a cut never splits a surrogate pair.
  const chars = Array.from(masked);
  return chars.length <= MAX_MESSAGE_LENGTH ? masked : `${chars.slice(0, MAX_MESSAGE_LENGTH - 1).join('')}…`;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

/**
 * A log file that rolls over by size (pino-roll): the one written is `<folder>/current.log`
 * (a link to the numbered file), and `keep` older files are kept besides it, from earlier
 * runs too. For the console chat, whose terminal is the conversation: logs go here, not
 * between the bot's messages, except errors, which the terminal shows as well (a database
 * out of reach must not pass in silence). `flush` writes what is buffered, before an exit.
 */
export async function rollingLogFile(
  folder: string,
  options: { maxBytes: number; keep: number; alsoErrorsTo?: NodeJS.WritableStream },
): Promise<{ destination: DestinationStream; current: string; flush: () => void }> {
  // Made first: pino-roll links current.log before its stream has made the folder (pino-roll 4.0.0, lib/utils.js createSymlinkSync).
  await mkdir(folder, { recursive: true });
  // pino-roll reads a bare number as megabytes: the size is given in kilobytes, spelt out.
  const size = `${Math.max(1, Math.round(options.maxBytes / 1024))}k`;
  // With removeOtherLogFiles the count includes the file being written (pino-roll 4.0.0, lib/utils.js removeOldFiles).
  const file = await pinoRoll({
    file: `${folder}/service.log`,
    size,
    symlink: true,
    limit: { count: options.keep + 1, removeOtherLogFiles: true },
    mode: 0o600,
  });
  // A failed rollover (a full disk) is said on the terminal; unheard, it would end the process.
  file.on('error', (error: Error) => options.alsoErrorsTo?.write(`log file: ${error.name} (${(error as NodeJS.ErrnoException).code ?? 'no code'})\n`));
  const destination = options.alsoErrorsTo
    ? pino.multistream([
        { level: 'trace', stream: file },
        { level: 'error', stream: options.alsoErrorsTo },
      ])
    : file;
  return {
    destination,
    current: `${folder}/current.log`,
    flush: () => {
      try {
        file.flushSync();
      } catch {
        // Nothing buffered, or the file is gone: nothing more can be written anyway.
      }
    },
  };
}
