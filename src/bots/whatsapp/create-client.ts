import pkg from 'whatsapp-web.js';
import type { AuthStrategy, Client as ClientType } from 'whatsapp-web.js';

const { Client } = pkg;

/** How to start WhatsApp Web. */
export interface WhatsAppClientOptions {
  /** Debian's Chromium; Puppeteer's own download is skipped (see .puppeteerrc.cjs). */
  executablePath: string;
  authStrategy: AuthStrategy;
}

/**
 * A whatsapp-web.js client on Debian's Chromium, headless. `--no-sandbox` because the
 * service may run as root in a container; the background-networking flags keep Chromium
 * from calling Google's services, which a closed network refuses.
 */
export function createWhatsAppClient(options: WhatsAppClientOptions): ClientType {
  return new Client({
    authStrategy: options.authStrategy,
    puppeteer: {
      executablePath: options.executablePath,
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    },
  });
}
