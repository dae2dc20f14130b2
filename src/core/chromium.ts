/**
 * How the service starts Debian's Chromium, headless, wherever it does (WhatsApp's client, the
 * PDF forms). `--no-sandbox` because the service may run as root in a container; the
 * background-networking flags keep Chromium from calling Google's services, which a closed
 * network refuses.
 */
export const HEADLESS_CHROMIUM_ARGS: readonly string[] = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-dev-shm-usage',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];
