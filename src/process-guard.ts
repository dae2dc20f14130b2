import type { Logger } from 'pino';
import { errorFields } from './logger.js';

/** Where an error that nothing else caught came from. */
export type UnhandledSource = 'whatsapp' | 'other';

/** The frames of the WhatsApp library and the browser driver it runs on. */
const WHATSAPP_FRAMES = /[\\/]node_modules[\\/](?:whatsapp-web\.js|puppeteer-core|puppeteer|@puppeteer[\\/][^\\/]+)[\\/]/;

/**
 * Whether an error comes from whatsapp-web.js or Puppeteer: its stack runs through their code.
 * An error without such a stack (a string thrown, an `fs` error raised by the runtime) is not
 * recognised, and ends the process like any other: a restart is the safe answer to what cannot
 * be placed.
 */
export function isWhatsAppLibraryError(error: unknown): boolean {
  return error instanceof Error && typeof error.stack === 'string' && WHATSAPP_FRAMES.test(error.stack);
}

/** What the guard does with what reaches it. */
export interface ProcessGuardOptions {
  logger: Logger;
  /**
   * An error from the WhatsApp library: replace the client. False when this process has no
   * WhatsApp client (then the error ends the process like any other).
   */
  rebuildWhatsApp: () => boolean;
  /** Stops the service: workers closed, connections closed; what was in flight is left to the sweeper. */
  stop: () => Promise<void>;
  /** Counts what reached the guard (metrics). */
  count?: (source: UnhandledSource) => void;
  /** How long `stop` may take before the process exits anyway. */
  stopTimeoutMs?: number;
  exit?: (code: number) => void;
}

/**
 * The process-wide policy for errors nothing else caught (`unhandledRejection`,
 * `uncaughtException`; Node 20 would end the process at the first one, Telegram and the
 * workers with it):
 *
 * - an error from whatsapp-web.js or Puppeteer replaces the WhatsApp client, is logged with its
 *   frames (never its data: {@link errorFields}) and counted; the rest of the service goes on;
 * - any other is logged and counted, the service is stopped (within `stopTimeoutMs`), and the
 *   process exits with code 1 so that its supervisor starts it again. Work in flight is safe:
 *   every inbound message is stored before it is acknowledged, replies wait in the outbox, and
 *   the sweeper finishes what a stop interrupted.
 *
 * Returns a function that removes the guard.
 */
export function installProcessGuard(options: ProcessGuardOptions): () => void {
  const { logger } = options;
  const exit = options.exit ?? ((code: number) => process.exit(code));
  let ending = false;

  const handle = (error: unknown, origin: 'unhandledRejection' | 'uncaughtException'): void => {
    if (isWhatsAppLibraryError(error) && options.rebuildWhatsApp()) {
      options.count?.('whatsapp');
      logger.error(
        { origin, ...errorFields(error, { stack: true }) },
        'an error from the WhatsApp library reached the process; the WhatsApp client is being rebuilt',
      );
      return;
    }
    options.count?.('other');
    logger.fatal(
      { origin, ...errorFields(error, { stack: true }) },
      'an unexpected error reached the process; stopping so that the supervisor starts it again',
    );
    if (ending) return;
    ending = true;
    // Not withTimeout (src/timeout.ts): this timer must hold the process until exit(1), or an
    // emptied event loop would end it with code 0 and the supervisor would not restart it.
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, options.stopTimeoutMs ?? 10_000);
    });
    void Promise.race([options.stop().catch(() => undefined), deadline]).finally(() => {
      clearTimeout(timer);
      exit(1);
    });
  };
  const onRejection = (reason: unknown) => handle(reason, 'unhandledRejection');
  const onException = (error: unknown) => handle(error, 'uncaughtException');
  process.on('unhandledRejection', onRejection);
  process.on('uncaughtException', onException);
  return () => {
    process.off('unhandledRejection', onRejection);
    process.off('uncaughtException', onException);
  };
}
