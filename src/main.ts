import { existsSync } from 'node:fs';
import type { Logger } from 'pino';
import { Command, Option } from 'commander';
import { ConfigError, loadConfig, type Config } from './config/config.js';
import { ContentError } from './i18n/content.js';
import { DataFormatError } from './models/data-format.js';
import { createLogger, errorFields, rollingLogFile } from './logger.js';
import { startApp, type Role, type RunningApp } from './app.js';
import { installProcessGuard } from './process-guard.js';
import { RELEASE } from './release.js';
import type { FaultInjector } from './services/submission.js';
import type { ChannelAdapter } from './core/channel.js';
import { ConsoleChannel, runConsoleChat } from './bots/console/console-channel.js';

const ROLES: readonly Role[] = ['bot', 'worker', 'http'];

interface CliOptions {
  role: string;
  chat: string;
  env: string;
}

/** Whether this process serves the local console chat. */
function consoleWanted(config: Config, roles: ReadonlySet<Role>): boolean {
  if (config.CONSOLE_CHAT === 'off' || !roles.has('bot')) return false;
  return config.CONSOLE_CHAT === 'on' || (!config.TELEGRAM_BOT_TOKEN && config.WHATSAPP_ENABLED === 'off');
}

async function main(): Promise<void> {
  const program = new Command()
    .name('intake-bot')
    .description('The association intake service: messaging channels, queue workers and the HTTP server.')
    .addOption(new Option('--role <roles>', 'comma-separated roles to run: bot, worker, http').default('bot,worker,http'))
    .option('--chat <id>', 'the console chat id (several people can test from one machine)', 'local')
    // Not --env-file: Node takes that option for itself, wherever it stands on the command line.
    .option('--env <path>', 'read variables from this file when it exists (set variables win)', '.env')
    .parse();
  const options = program.opts<CliOptions>();
  const roles = new Set(options.role.split(',').map((r) => r.trim()) as Role[]);
  const unknown = [...roles].filter((r) => !ROLES.includes(r));
  if (unknown.length > 0) throw new ConfigError(`--role: unknown role ${unknown.join(', ')} (use ${ROLES.join(', ')})`);
  if (existsSync(options.env)) process.loadEnvFile(options.env);
  const config = loadConfig();

  const withConsole = consoleWanted(config, roles);
  // With the console chat in the terminal, logs go to a file, so the terminal reads like a chat.
  const logFile = withConsole ? await rollingLogFile(config.CONSOLE_LOG_DIR, { maxBytes: 10_000_000, keep: 4, alsoErrorsTo: process.stderr }) : null;
  const logger = createLogger({
    level: config.LOG_LEVEL,
    pretty: config.NODE_ENV === 'development' && !withConsole,
    ...(logFile ? { destination: logFile.destination } : {}),
  });
  if (logFile) process.stdout.write(`Logs: ${logFile.current} (rolled over at 10 MB, four older files kept; errors show here too)\n`);
  // The file is written in the background: what is buffered is written before the process ends.
  const exit = (code: number) => {
    logFile?.flush();
    process.exit(code);
  };
  const channels = new Map<string, ChannelAdapter>();
  if (withConsole) channels.set('console', new ConsoleChannel(process.stdout));

  // Installed before the service starts, so that nothing it starts can end the process unlogged.
  let running: RunningApp | null = null;
  installProcessGuard({
    logger,
    exit,
    rebuildWhatsApp: () => {
      if (!running?.whatsapp) return false;
      running.whatsapp.rebuild();
      return true;
    },
    stop: async () => {
      await running?.stop();
    },
    count: (source) => running?.metrics.unhandledErrors.inc({ source }),
  });
  const app = await startApp({ config, roles, channels, logger, ...faultPauses(logger) });
  running = app;
  logger.info({ release: RELEASE, roles: [...roles], channels: app.channels }, 'service started');

  let stopping = false;
  const stop = async (reason: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ reason }, 'stopping');
    await app.stop();
    exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));

  if (withConsole) {
    process.stdout.write('Console chat ready — اكتب رسالتك (type a message; /file PATH sends a document; Ctrl-D quits)\n');
    await runConsoleChat({ input: process.stdin, chatId: options.chat, ingest: app.ingest, report: (text) => process.stdout.write(`${text}\n`) });
    // Input closed: let the last replies go out before stopping.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    await stop('console closed');
  }
}

/**
 * The fault suite's pause (tests/faults/staff-actions.test.ts): with FAULTS_PAUSE_AFTER_STAFF_WRITE_MS
 * set, a staff act logs "fault point reached" right after its write and waits that long before
 * performing what it owes, so the suite can kill the process or stop the database exactly there.
 * Never set in production; read here, at the composition root, so nothing else knows of it.
 */
function faultPauses(logger: Logger): { faults?: FaultInjector } {
  const ms = Number(process.env.FAULTS_PAUSE_AFTER_STAFF_WRITE_MS ?? 0);
  if (!(ms > 0)) return {};
  return {
    faults: {
      at: (point: string) => {
        if (point !== 'staff-act-written') return undefined;
        logger.warn({ point }, 'fault point reached');
        return new Promise<void>((resolve) => setTimeout(resolve, ms));
      },
    },
  };
}

main().catch((error: unknown) => {
  if (error instanceof ConfigError || error instanceof ContentError || error instanceof DataFormatError) {
    // Each names what to fix (a variable; a content file and key; the release to run) and carries no data.
    process.stderr.write(`${error.message}\n`);
  } else {
    process.stderr.write(`start-up failed: ${JSON.stringify(errorFields(error).err)}\n`);
  }
  process.exit(1);
});
