/**
 * A process with the service's guard installed, for tests/integration/process-guard.test.ts:
 * argv[2] says what reaches it. Prints what the guard decided, as the supervisor would see it.
 */
import pino from 'pino';
import pkg from 'whatsapp-web.js';
import { installProcessGuard } from '../../src/process-guard.js';

const logger = pino({ level: 'info' }, pino.destination(1));
let rebuilt = 0;
installProcessGuard({
  logger,
  rebuildWhatsApp: () => {
    rebuilt += 1;
    process.stdout.write(`REBUILT ${rebuilt}\n`);
    return true;
  },
  stop: async () => {
    process.stdout.write('STOPPED\n');
  },
  stopTimeoutMs: 2_000,
});

const what = process.argv[2];
if (what === 'whatsapp') {
  // The real library, rejecting unawaited: getState before initialize reads a page that is not there (Client.js line 1976).
  const client = new pkg.Client({});
  void client.getState();
  setTimeout(() => {
    process.stdout.write('STILL UP\n');
    process.exit(0);
  }, 500);
} else if (what === 'other') {
  void Promise.reject(new Error('a bug of our own'));
  setTimeout(() => process.stdout.write('STILL UP\n'), 5_000);
} else {
  setTimeout(() => {
    throw new TypeError('thrown from a timer');
  }, 10);
  setTimeout(() => process.stdout.write('STILL UP\n'), 5_000);
}
