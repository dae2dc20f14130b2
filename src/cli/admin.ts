/**
 * The administrator's command line: `npm run admin -- <command>`.
 *
 * This module parses arguments, opens and closes the database, renders output
 * and maps errors to exit codes; the commands themselves live in
 * `staff-commands.ts` and `case-commands.ts` and take their dependencies, so
 * tests call them without spawning a process.
 */
import { createOutput, type CommandOutput } from './output.js';
import { realpathSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { writeFile } from 'node:fs/promises';
import { Argument, Command, CommanderError, Option } from 'commander';
import { LanguageSchema, type Language } from '../engine/session.js';
import { buildReport, parseRange } from '../services/reports.js';
import { formatReport } from '../services/report-text.js';
import { chartSeries, renderChart } from '../services/report-chart.js';
import { EXPORT_KINDS, exportAudited, type ExportKind } from '../services/csv-export.js';
import { createTranslator, loadCatalogues } from '../i18n/translator.js';
import { ConfigError } from '../config/config.js';
import { normalizeDigits } from '../core/text/digits.js';
import { AuditLogError } from '../models/audit-log.js';
import { DataFormatError } from '../models/data-format.js';
import { CaseStatusSchema, type CaseStatus } from '../models/case-states.js';
import { parseNewStaff, parseStaffId, parseStaffRoles, STAFF_ROLES, StaffError } from '../models/staff.js';
import { KeyConfigError, KeyRing } from '../privacy/key-ring.js';
import { listCases, MAX_CASE_LIST } from './case-commands.js';
import { decideErasureByReference, erasureDepsFor, ErasureNotFoundError, listErasures } from './erasure-commands.js';
import { addStaff, changeStaffRoles, issueAdminToken, listStaff, removeStaff, revokeAdminToken } from './staff-commands.js';
import { ChatLocks } from '../services/chat-lock.js';
import { RotationBusyError } from '../services/key-rotation.js';
import { rotateAndReport, RotationIncompleteError, showKeyStatus } from './key-commands.js';
import { existsSync, lstatSync } from 'node:fs';
import type { ErasureStatus } from '../models/erasure-repository.js';
import { probeKeys } from '../services/key-rotation.js';
import { backupDatabase, restoreDatabase, RestoreRefusedError } from './backup-commands.js';
import { BackupFileError } from './backup-file.js';
import { FormCaseNotFoundError, formPrintingDeps, writeCaseForm } from './form-commands.js';
import { normalizeReference } from '../core/reference.js';

/** Exit code for success. */
import { DatabaseUnreachableError, firstLine, hurryStaffChange, isUnreachable, withRedis, withReportStores, withStores, type AdminIo } from './admin-stores.js';

export { DatabaseUnreachableError, type AdminIo } from './admin-stores.js';

export const EXIT_OK = 0;
/** Exit code for a usage or validation error: the command was refused, nothing changed. */
export const EXIT_USAGE = 1;
/** Exit code when the database (or Redis, for a rotation) cannot be reached. */
export const EXIT_UNREACHABLE = 2;
/** Exit code for work done in part that should be run again (a key rotation that left values behind). */
export const EXIT_INCOMPLETE = 3;

const DEFAULT_CASE_LIMIT = 50;

/**
 * A usage error in the command line itself: a missing `--operator`, a malformed number.
 */
export class UsageError extends Error {
  /** Stable code for callers that branch on the kind of error. */
  readonly code = 'USAGE' as const;

  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/**
 * Builds the command tree. Errors thrown by actions propagate out of `parseAsync`;
 * {@link runAdmin} maps them to exit codes.
 */
export function buildProgram(io: AdminIo): Command {
  const program = new Command('npm run admin --')
    // Set before the subcommands are added, which inherit both.
    .exitOverride()
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr })
    .description('Administer the intake service: staff, cases and keys.')
    .showSuggestionAfterError()
    .helpCommand(false)
    .addHelpText(
      'after',
      '\nCommands that read or change staff or cases need --operator <name>: it is recorded in the audit log.\n' +
        'Variables are read from ./.env, or from the file named with --env FILE; variables already set win.\n' +
        'Exit codes: 0 success, 1 usage or validation error, 2 database or Redis unreachable, 3 incomplete (run it again).',
    );

  const staff = program.command('staff').description('Manage staff members.').helpCommand(false);

  const add = staff
    .command('add')
    .description('Add a staff member (or bring back a removed one with the same Telegram id).')
    .requiredOption('--name <name>', 'full name, 2 to 80 characters')
    .requiredOption('--telegram-id <id>', "the member's numeric Telegram user id")
    .addOption(roleOption())
    .addOption(
      new Option(
        '--language <language>',
        "the language of the member's staff texts (default: their earlier choice, or STAFF_GROUP_LANGUAGE; they can change it with /language)",
      ).choices(LanguageSchema.options),
    );
  withCommon(add).action(async (options: CommonOptions & { name: string; telegramId: string; role: string[]; language?: Language }, command: Command) => {
    const operator = requireOperator(options, command);
    const input = parseNewStaff({
      name: options.name,
      telegramUserId: parsePositiveInteger(options.telegramId, '--telegram-id'),
      roles: options.role,
      ...(options.language ? { language: options.language } : {}),
    });
    await withStores(io, async ({ staff, audit }) => {
      await addStaff({ staff, audit, operator, out: outputFor(io, options) }, input);
    });
  });

  const list = staff.command('list').description('List staff members.').option('--all', 'include removed members', false);
  withCommon(list).action(async (options: CommonOptions & { all: boolean }, command: Command) => {
    const operator = requireOperator(options, command);
    await withStores(io, async ({ staff, audit }) => {
      await listStaff({ staff, audit, operator, out: outputFor(io, options) }, { includeInactive: options.all });
    });
  });

  const roles = staff.command('roles').description("Replace a staff member's roles.").argument('<staffId>', 'the internal id, stf_…').addOption(roleOption());
  withCommon(roles).action(async (staffId: string, options: CommonOptions & { role: string[] }, command: Command) => {
    const operator = requireOperator(options, command);
    const id = parseStaffId(staffId);
    const newRoles = parseStaffRoles(options.role);
    await withStores(io, async ({ staff, audit, config }) => {
      await changeStaffRoles({ staff, audit, operator, out: outputFor(io, options) }, id, newRoles);
      await hurryStaffChange(io, config);
    });
  });

  const remove = staff
    .command('remove')
    .description('Remove a staff member; the record stays, inactive, for the audit trail.')
    .argument('<staffId>', 'the internal id, stf_…');
  withCommon(remove).action(async (staffId: string, options: CommonOptions, command: Command) => {
    const operator = requireOperator(options, command);
    const id = parseStaffId(staffId);
    await withStores(io, async ({ staff, audit, config }) => {
      await removeStaff({ staff, audit, operator, out: outputFor(io, options) }, id);
      await hurryStaffChange(io, config);
    });
  });

  const token = staff
    .command('token')
    .description("Issue an admin's own HTTP token (shown once; replaces an earlier one), or --revoke it.")
    .argument('<staffId>', 'the internal id, stf_…')
    .option('--revoke', "revoke the member's token instead", false);
  withCommon(token).action(async (staffId: string, options: CommonOptions & { revoke: boolean }, command: Command) => {
    const operator = requireOperator(options, command);
    const id = parseStaffId(staffId);
    await withStores(io, async ({ staff, audit }) => {
      const deps = { staff, audit, operator, out: outputFor(io, options) };
      if (options.revoke) await revokeAdminToken(deps, id);
      else await issueAdminToken(deps, id);
    });
  });

  const cases = program.command('cases').description('Look at cases.').helpCommand(false);

  const casesList = cases
    .command('list')
    .description('List the newest cases (nothing personal is shown). Times are Riyadh time.')
    .addOption(new Option('--status <status>', 'only cases in this status').choices(CaseStatusSchema.options))
    .option('--limit <n>', `how many, 1 to ${MAX_CASE_LIST}`, String(DEFAULT_CASE_LIMIT));
  withCommon(casesList).action(async (options: CommonOptions & { status?: CaseStatus; limit: string }, command: Command) => {
    const operator = requireOperator(options, command);
    const limit = parsePositiveInteger(options.limit, '--limit');
    if (limit > MAX_CASE_LIST) throw new UsageError(`--limit must be at most ${MAX_CASE_LIST}, got ${limit}.`);
    await withStores(io, async ({ storage, audit }) => {
      const filter = options.status ? { status: options.status, limit } : { limit };
      await listCases({ cases: storage.repositories.cases, audit, operator, out: outputFor(io, options) }, filter);
    });
  });

  const caseCommand = program.command('case').description('One case.').helpCommand(false);
  const form = caseCommand
    .command('form')
    .description("Write a case's support request form (طلب دعم مستفيد) as a PDF, for the paper file. Holds personal data: audited under --operator.")
    .argument('<reference>', 'the case, SR-XXXX-XXXX')
    .requiredOption('--out <file>', 'the PDF to create, owner-only (an existing file or a link is never written through)')
    .addOption(new Option('--language <language>', 'the language of the form').choices(LanguageSchema.options).default('ar'));
  withCommon(form).action(async (typed: string, options: CommonOptions & { out: string; language: Language }, command: Command) => {
    const operator = requireOperator(options, command);
    const reference = normalizeReference(typed, 'SR');
    if (!reference) throw new UsageError(`"${typed}" is not a case reference (SR-XXXX-XXXX).`);
    if (occupied(options.out)) throw new UsageError(`--out ${options.out} exists; a form never replaces a file or writes through a link, choose a new name.`);
    await withStores(io, async (stores) => {
      const bytes = await writeCaseForm(formPrintingDeps(stores), reference, options.out, options.language, operator);
      io.stdout(`The form of ${reference} written to ${options.out} (${Math.round(bytes / 1024)} kB).\n`);
    });
  });

  const report = program
    .command('report')
    .description(
      'The figures for a period: requests by status and support type, time to decision, cases past the deadline, satisfaction, referrals, complaints.',
    )
    .requiredOption('--from <date>', 'first day, YYYY-MM-DD (Saudi time)')
    .requiredOption('--to <date>', 'last day, YYYY-MM-DD, included')
    .option('--chart <file>', 'also write the weekly chart as a PNG');
  withCommon(report).action(async (options: CommonOptions & { from: string; to: string; chart?: string }, command: Command) => {
    const operator = requireOperator(options, command);
    const range = parseRange(options.from, options.to);
    if (!range) throw new UsageError('--from and --to must be days YYYY-MM-DD, --to not before --from.');
    await withReportStores(io, async (deps, audit) => {
      const figures = await buildReport(deps, range.from, range.to, new Date());
      await audit.record({
        at: new Date(),
        actor: { kind: 'operator', id: operator },
        action: 'report.read',
        target: { kind: 'report', id: `${options.from}_${options.to}` },
      });
      if (options.json) io.stdout(`${JSON.stringify(figures, null, 2)}\n`);
      else io.stdout(`${formatReport(figures, englishText(), { from: options.from, to: options.to })}\n`);
      if (options.chart) await writeFile(options.chart, await renderChart(chartSeries(figures)));
    });
  });

  const exporter = program
    .command('export')
    .description('Export cases, surveys or complaints of a period to CSV. Holds personal data: audited under --operator.')
    .addArgument(new Argument('<kind>', 'what to export').choices([...EXPORT_KINDS]))
    .requiredOption('--from <date>', 'first day, YYYY-MM-DD (Saudi time)')
    .requiredOption('--to <date>', 'last day, YYYY-MM-DD, included')
    .requiredOption('--out <file>', 'the CSV file to create, owner-only (an existing file or a link is never written through)');
  withCommon(exporter).action(async (kind: ExportKind, options: CommonOptions & { from: string; to: string; out: string }, command: Command) => {
    const operator = requireOperator(options, command);
    const range = parseRange(options.from, options.to);
    if (!range) throw new UsageError('--from and --to must be days YYYY-MM-DD, --to not before --from.');
    if (occupied(options.out))
      throw new UsageError(`--out ${options.out} exists; an export never replaces a file or writes through a link, choose a new name.`);
    await withReportStores(io, async (deps, audit) => {
      const dates = { from: options.from, to: options.to };
      const { csv, rows } = await exportAudited({ ...deps, audit }, { kind, ...range, dates, actor: { kind: 'operator', id: operator }, via: 'cli' });
      // Created, never opened: 'wx' fails on anything already there, a link included (O_CREAT|O_EXCL), so nothing is replaced or followed.
      await writeFile(options.out, csv, { mode: 0o600, flag: 'wx' });
      io.stdout(`${rows} ${kind} written to ${options.out}\n`);
    });
  });

  const backup = program
    .command('backup')
    .description('Write every collection of the database to a gzip file (owner-only). Encrypted data stays encrypted: keep the keys apart from it.')
    .requiredOption('--out <file>', 'the backup file to create (an existing file is never replaced)');
  withCommon(backup).action(async (options: CommonOptions & { out: string }, command: Command) => {
    const operator = requireOperator(options, command);
    if (occupied(options.out)) throw new UsageError(`--out ${options.out} exists; a backup never replaces a file, choose a new name.`);
    await withStores(io, async ({ storage, audit }) => {
      await backupDatabase({ dump: storage.dump(), audit, operator, out: outputFor(io, options), note: (text) => io.stderr(`${text}\n`) }, options.out);
    });
  });

  const restore = program
    .command('restore')
    .description('Restore a backup into the EMPTY database MONGODB_URI names (refused if it holds any document); indexes are recreated.')
    .requiredOption('--from <file>', 'a file written by "backup"');
  withCommon(restore).action(async (options: CommonOptions & { from: string }, command: Command) => {
    const operator = requireOperator(options, command);
    if (!existsSync(options.from)) throw new UsageError(`--from ${options.from} does not exist.`);
    await withStores(io, async ({ storage, keys: ring, audit }) => {
      const note = (text: string) => io.stderr(`${text}\n`);
      await restoreDatabase(
        { dump: storage.dump(), audit, operator, out: outputFor(io, options), note, ensureIndexes: () => storage.ensureIndexes() },
        options.from,
      );
      // The backup is only as good as the keys beside it: say so now, not when someone opens a case.
      const probe = await probeKeys(storage.sealed(), ring);
      const missing = Object.keys(probe).filter((id) => probe[id] === 'missing');
      const wrong = Object.keys(probe).filter((id) => probe[id] === 'wrong');
      if (missing.length > 0)
        note(`warning: the restored data is encrypted under keys not in DATA_KEYS (${missing.join(', ')}): it cannot be read until they are added.`);
      if (wrong.length > 0)
        note(`warning: DATA_KEYS has ${wrong.join(', ')}, but not the key the restored data was encrypted with: it cannot be read with these keys.`);
    });
  });

  const keys = program.command('keys').description('Encryption keys.').helpCommand(false);

  keys
    .command('generate')
    .description('Print a fresh DATA_KEYS / DATA_KEY_CURRENT / LOOKUP_KEY trio in .env syntax (secrets: keep them out of logs).')
    .option('--key-id <id>', 'id of the new data key (default: k and today’s date)')
    .option('--json', 'print JSON instead of .env lines', false)
    .option('--data-key-only', 'print one new data key entry (id:base64) to put first in DATA_KEYS, for a rotation; the lookup key stays', false)
    .action((options: { keyId?: string; json: boolean; dataKeyOnly: boolean }) => {
      const keyId = options.keyId ?? `k${new Date().toISOString().slice(0, 10).replaceAll('-', '')}`;
      if (options.dataKeyOnly) {
        const entry = `${keyId}:${KeyRing.generateKeyBase64()}`;
        KeyRing.parse(entry, keyId, KeyRing.generateKeyBase64());
        io.stdout(options.json ? `${JSON.stringify({ entry, keyId }, null, 2)}\n` : `${entry}\n`);
        return;
      }
      const trio = {
        DATA_KEYS: `${keyId}:${KeyRing.generateKeyBase64()}`,
        DATA_KEY_CURRENT: keyId,
        LOOKUP_KEY: KeyRing.generateKeyBase64(),
      };
      // Parsed before printing, so a bad --key-id is refused instead of producing an unusable .env.
      KeyRing.parse(trio.DATA_KEYS, trio.DATA_KEY_CURRENT, trio.LOOKUP_KEY);
      if (options.json) io.stdout(`${JSON.stringify(trio, null, 2)}\n`);
      else
        io.stdout(
          Object.entries(trio)
            .map(([name, value]) => `${name}=${value}\n`)
            .join(''),
        );
    });

  const status = keys
    .command('status')
    .description('How many encrypted values each key id still holds, collection by collection (ids and counts, never key material).')
    .option('--json', 'machine-readable output', false);
  status.action(async (options: { json: boolean }) => {
    await withStores(io, async ({ storage, keys: ring }) => {
      await showKeyStatus({
        storage: storage.sealed(),
        clearWords: () => storage.repositories.cases.countClearWords(),
        keys: ring,
        out: outputFor(io, { json: options.json }),
        note: (text) => io.stderr(`${text}\n`),
      });
    });
  });

  const rotate = keys
    .command('rotate')
    .description("Re-encrypt every stored value under DATA_KEY_CURRENT, beside the running service (it takes the service's locks); run again to resume.");
  withCommon(rotate).action(async (options: CommonOptions, command: Command) => {
    const operator = requireOperator(options, command);
    await withStores(io, async ({ storage, config, keys: ring, audit }) => {
      await withRedis(config, async (redis) => {
        await rotateAndReport({
          storage: storage.sealed(),
          keys: ring,
          locks: new ChatLocks(redis, config.QUEUE_PREFIX),
          audit,
          operator,
          out: outputFor(io, options),
          note: (text) => io.stderr(`${text}\n`),
        });
      });
    });
  });

  const erasures = program.command('erasures').description("Requests to erase a person's data (the Personal Data Protection Law).").helpCommand(false);
  const erasuresList = erasures
    .command('list')
    .description('List erasure requests (counts and dates only; there is nothing personal in them).')
    .addOption(new Option('--status <status>', 'which requests').choices(['pending', 'approved', 'refused', 'done']).default('pending'));
  withCommon(erasuresList).action(async (options: CommonOptions & { status: ErasureStatus }, command: Command) => {
    const operator = requireOperator(options, command);
    await withStores(io, async ({ storage, audit }) => {
      await listErasures({ erasures: storage.repositories.erasures, audit, operator, out: outputFor(io, options) }, options.status);
    });
  });
  for (const [name, approve, description] of [
    ['approve', true, "Approve a request: the person's data is erased now and they are told in their chat."],
    ['refuse', false, 'Refuse a request: nothing is erased and the person is told in their chat.'],
  ] as const) {
    const decide = erasures.command(name).description(description).argument('<reference>', "the request's reference, DEL-XXXX-XXXX");
    withCommon(decide).action(async (reference: string, options: CommonOptions, command: Command) => {
      const operator = requireOperator(options, command);
      await withStores(io, async ({ storage, config, keys: ring, audit }) => {
        await withRedis(config, async (redis) => {
          const erasure = erasureDepsFor(storage.repositories, ring, redis, config.QUEUE_PREFIX, audit);
          try {
            await decideErasureByReference({ erasures: erasure.erasures, erasure, audit, operator, out: outputFor(io, options) }, reference, approve);
          } finally {
            await erasure.close();
          }
        });
      });
    });
  }

  return program;
}

/**
 * Runs the CLI with the given arguments (without `node` and the script) and
 * returns the exit code; every error ends as one line on stderr, never a stack trace.
 */
export async function runAdmin(argv: string[], io: AdminIo): Promise<number> {
  try {
    await buildProgram(io).parseAsync(argv, { from: 'user' });
    return EXIT_OK;
  } catch (error) {
    // Commander has already printed its message (or the help).
    if (error instanceof CommanderError) return error.exitCode === 0 ? EXIT_OK : EXIT_USAGE;
    if (error instanceof DatabaseUnreachableError || isUnreachable(error)) {
      io.stderr(`error: ${error instanceof DatabaseUnreachableError ? error.message : `lost the database: ${firstLine(error)}`}\n`);
      return EXIT_UNREACHABLE;
    }
    if (error instanceof RotationIncompleteError) {
      io.stderr(`error: ${firstLine(error)}\n`);
      return EXIT_INCOMPLETE;
    }
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') {
      io.stderr('error: the file appeared while it was being written; nothing was replaced, choose a new name\n');
      return EXIT_USAGE;
    }
    if (
      error instanceof UsageError ||
      error instanceof RotationBusyError ||
      error instanceof BackupFileError ||
      error instanceof RestoreRefusedError ||
      error instanceof StaffError ||
      error instanceof ErasureNotFoundError ||
      error instanceof FormCaseNotFoundError ||
      error instanceof ConfigError ||
      error instanceof KeyConfigError ||
      error instanceof AuditLogError ||
      error instanceof DataFormatError
    ) {
      io.stderr(`error: ${firstLine(error)}\n`);
      return EXIT_USAGE;
    }
    const name = error instanceof Error ? error.name : 'Error';
    io.stderr(`error: unexpected ${name}: ${firstLine(error)}\n`);
    return EXIT_USAGE;
  }
}

interface CommonOptions {
  operator?: string;
  json: boolean;
}

function withCommon(command: Command): Command {
  return command.option('--operator <name>', 'your name, recorded in the audit log (required)').option('--json', 'machine-readable output', false);
}

function roleOption(): Option {
  return new Option('--role <role...>', 'one or more roles').choices(STAFF_ROLES).makeOptionMandatory();
}

function outputFor(io: AdminIo, options: CommonOptions): CommandOutput {
  return createOutput({ json: options.json, write: io.stdout });
}

/** The operator's name; checked before the database is opened, so a refusal is instant. */
function requireOperator(options: CommonOptions, command: Command): string {
  const name = options.operator?.trim() ?? '';
  const what = `${command.parent?.name() ?? ''} ${command.name()}`.trim();
  if (name === '') {
    throw new UsageError(`"${what}" needs --operator <name>: every read and change of staff or cases is recorded in the audit log under the operator's name.`);
  }
  if (name.length > 80 || /\p{Cc}/u.test(name)) {
    throw new UsageError('--operator must be a name of at most 80 characters without control characters.');
  }
  return name;
}

/** Whether anything is at `path`, a link included (a broken one too): an output file never replaces or follows one. */
function occupied(path: string): boolean {
  try {
    lstatSync(path);
    return true;
  } catch {
    return false;
  }
}

function parsePositiveInteger(text: string, flag: string): number {
  const digits = normalizeDigits(text.trim());
  const value = /^\d+$/.test(digits) ? Number(digits) : NaN;
  if (!Number.isSafeInteger(value) || value <= 0) {
    throw new UsageError(`${flag} must be a positive whole number, got "${text}".`);
  }
  return value;
}

/** The report's texts in English for the command line. */
function englishText(): (key: string, params?: Record<string, string | number>) => string {
  const translate = createTranslator(loadCatalogues());
  return (key, params) => translate('en', key, params);
}

function isEntryPoint(): boolean {
  const script = process.argv[1];
  if (script === undefined) return false;
  try {
    return import.meta.url === pathToFileURL(realpathSync(script)).href;
  } catch {
    return false;
  }
}

/**
 * `--env FILE`, anywhere on the command line: the variables are read from FILE instead of ./.env
 * (the restore drill reads the key holders' copies from a scratch file); variables already set
 * win, as for the service. Taken out before the command is parsed: the configuration is read
 * before any command runs.
 */
export function takeEnvFile(argv: readonly string[]): { file: string; explicit: boolean; rest: string[] } {
  const at = argv.indexOf('--env');
  if (at < 0) return { file: '.env', explicit: false, rest: [...argv] };
  const file = argv[at + 1];
  if (file === undefined || file.startsWith('--')) throw new UsageError('--env needs a file: --env /path/to/file');
  return { file, explicit: true, rest: [...argv.slice(0, at), ...argv.slice(at + 2)] };
}

if (isEntryPoint()) {
  const stderr = (text: string) => process.stderr.write(text);
  try {
    const { file, explicit, rest } = takeEnvFile(process.argv.slice(2));
    try {
      process.loadEnvFile(file);
    } catch (error) {
      // ./.env is optional (the variables may be set); a file named with --env is not.
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT' || explicit) throw new UsageError(`cannot read ${file}: ${firstLine(error)}`);
    }
    process.exitCode = await runAdmin(rest, { stdout: (text) => process.stdout.write(text), stderr, env: process.env });
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    stderr(`error: ${error.message}\n`);
    process.exitCode = EXIT_USAGE;
  }
}
