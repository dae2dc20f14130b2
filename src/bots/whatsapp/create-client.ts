import { HEADLESS_CHROMIUM_ARGS } from '../../core/chromium.js';
import pkg from 'whatsapp-web.js';
import type { AuthStrategy, ClientOptions } from 'whatsapp-web.js';
import { withTimeout } from '../../timeout.js';

const { Client } = pkg;

/** How to start WhatsApp Web. */
export interface WhatsAppClientOptions {
  /** Debian's Chromium; Puppeteer's own download is skipped (see .puppeteerrc.cjs). */
  executablePath: string;
  authStrategy: AuthStrategy;
  /** Where the WhatsApp Web page is cached between starts (the library's default is `./.wwebjs_cache` in the working directory). */
  webCacheDirectory: string;
  /** More Chromium switches (tests point web.whatsapp.com at a local server that never answers). */
  extraArgs?: string[];
}

/** Emitted by {@link SupervisedClient} when Chromium or its page is gone (closed, crashed, killed). */
export const BROWSER_GONE = 'browser_gone';
/** Emitted by {@link SupervisedClient} when a step the library runs in the background failed; the client should be rebuilt. */
export const CLIENT_FAULT = 'client_fault';

/** How long closing Chromium may take before its process is killed. */
const CLOSE_TIMEOUT_MS = 10_000;

/** `Client.prototype.inject`, which the typings leave out. */
const libraryInject = (Client.prototype as unknown as { inject(this: unknown): Promise<void> }).inject;

/**
 * whatsapp-web.js 1.34.7's `Client` with what the library leaves to chance made observable:
 *
 * - Chromium's `disconnected` and the page's `close` and `error` (a crashed tab) become
 *   {@link BROWSER_GONE}: nothing in the library listens to them, so a dead browser left the
 *   client looking alive;
 * - the `inject` the library re-runs from its `framenavigated` listener (`Client.js` line 503,
 *   after a logout or a reload; nobody awaits it) reports a failure as {@link CLIENT_FAULT}
 *   instead of rejecting unhandled;
 * - `destroy` never rejects (the library calls it without awaiting, `Client.js` line 853), is
 *   bounded in time, and leaves no Chromium behind: the process is killed when closing it
 *   failed or hung, and a browser that finishes launching after `destroy` is closed at once.
 */
export class SupervisedClient extends Client {
  private initializing = false;
  private destroyed = false;
  private destroying: Promise<void> | null = null;

  constructor(options: ClientOptions) {
    super(options);
    // `initialize` calls the strategy's `afterBrowserInitialized` right after it set `pupBrowser`
    // and `pupPage` (Client.js line 480): the first moment the browser can be watched.
    const strategy = (this as unknown as { authStrategy: { afterBrowserInitialized: () => Promise<void> } }).authStrategy;
    const next = strategy.afterBrowserInitialized.bind(strategy);
    strategy.afterBrowserInitialized = async () => {
      await this.watchBrowser();
      await next();
    };
  }

  override async initialize(): Promise<void> {
    this.initializing = true;
    try {
      await super.initialize();
    } finally {
      this.initializing = false;
    }
  }

  /** The library's own injection; outside `initialize` a failure is reported, not thrown. */
  async inject(): Promise<void> {
    try {
      await libraryInject.call(this);
    } catch (error) {
      if (this.initializing) throw error;
      this.emit(CLIENT_FAULT, 'inject', error);
    }
  }

  override destroy(): Promise<void> {
    this.destroyed = true;
    this.destroying ??= this.teardown();
    return this.destroying;
  }

  private async teardown(): Promise<void> {
    await this.closeChromium(() => super.destroy()).catch((error: unknown) => this.emit(CLIENT_FAULT, 'destroy', error));
  }

  /** Runs `close` (at most {@link CLOSE_TIMEOUT_MS}), then kills Chromium's process if it still runs. */
  private async closeChromium(close: () => Promise<unknown>): Promise<void> {
    const chromium = this.pupBrowser?.process() ?? null;
    try {
      await withTimeout(close(), CLOSE_TIMEOUT_MS);
    } finally {
      if (chromium && chromium.exitCode === null && chromium.signalCode === null) chromium.kill('SIGKILL');
    }
  }

  private async watchBrowser(): Promise<void> {
    const browser = this.pupBrowser;
    const page = this.pupPage;
    if (this.destroyed) {
      // Destroyed while Chromium was launching: the library's destroy found no browser to close.
      // Its failure to close is beside the point: the start is aborted either way.
      await this.closeChromium(async () => browser?.close()).catch(() => undefined);
      throw new Error('WhatsApp client destroyed while starting');
    }
    const gone = (reason: string) => {
      if (!this.destroyed) this.emit(BROWSER_GONE, reason);
    };
    browser?.once('disconnected', () => gone('browser disconnected'));
    page?.once('close', () => gone('page closed'));
    page?.on('error', () => gone('page crashed'));
  }
}

/** A supervised whatsapp-web.js client on Debian's Chromium, headless (see HEADLESS_CHROMIUM_ARGS). */
export function createWhatsAppClient(options: WhatsAppClientOptions): SupervisedClient {
  return new SupervisedClient({
    authStrategy: options.authStrategy,
    webVersionCache: { type: 'local', path: options.webCacheDirectory },
    puppeteer: {
      executablePath: options.executablePath,
      headless: true,
      args: [...HEADLESS_CHROMIUM_ARGS, ...(options.extraArgs ?? [])],
    },
  });
}
