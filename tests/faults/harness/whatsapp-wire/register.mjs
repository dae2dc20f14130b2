// Loaded with `--import` into a fault-suite service process that runs WhatsApp: the service's own
// `import … from 'whatsapp-web.js'` then gets the library with its `Client` wired to the test
// process (library.ts), while everything else, the service's code included, is the real thing.
import { register } from 'node:module';

register('./hooks.mjs', import.meta.url);
