import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import noImportCycle from './eslint/no-import-cycle.js';

/**
 * The layers, bottom to top (README, Architecture): what each directory of src/ may not import.
 * A specifier is matched as written, type-only imports included. `core` is the ground floor
 * (the channel contract, text helpers, calendar code); the engine is pure; storage is the
 * only home of mongoose; nothing below the adapters knows a platform.
 */
const ABOVE_CORE = ['engine', 'flows', 'faq', 'i18n', 'privacy', 'models', 'services', 'workers', 'bots', 'http', 'cli', 'config'];
/** The modules at the top of src/: the wiring, which nothing imports; the logger and the timeout helper, which the pure layers do without. */
const WIRING = ['app', 'main', 'process-guard'];
const layerRule = (forbidden, packages, message, topModules = WIRING) => [
  'error',
  {
    patterns: [
      ...(forbidden.length + topModules.length > 0
        ? [{ regex: `^\\.{1,2}/(?:\\.\\./)*(?:${[...forbidden.map((d) => `${d}/`), ...topModules.map((m) => `${m}\\.js$`)].join('|')})`, message }]
        : []),
      { group: packages, message },
    ],
  },
];
const IO_PACKAGES = [
  'mongoose',
  'mongodb',
  'ioredis',
  'bullmq',
  'telegraf',
  'whatsapp-web.js',
  'puppeteer*',
  'pino',
  'node:fs',
  'node:fs/*',
  'node:net',
  'node:http',
  'node:https',
  'node:child_process',
];
/** What content (texts, FAQ, flows) may not import, and the I/O packages it does without. */
const ABOVE_CONTENT = ['privacy', 'models', 'services', 'workers', 'bots', 'http', 'cli', 'config'];
const CONTENT_PACKAGES = ['mongoose', 'mongodb', 'ioredis', 'bullmq', 'telegraf', 'whatsapp-web.js'];
const LAYERS = [
  {
    files: ['src/core/**'],
    rule: layerRule(ABOVE_CORE, IO_PACKAGES, 'src/core is the ground floor: it imports nothing of the service and does no I/O.', [
      ...WIRING,
      'logger',
      'timeout',
    ]),
  },
  {
    files: ['src/engine/**'],
    rule: layerRule(
      ABOVE_CORE.filter((d) => d !== 'engine'),
      IO_PACKAGES,
      'The engine is pure: it imports only src/core and does no I/O.',
      [...WIRING, 'logger', 'timeout'],
    ),
  },
  // Content sits on the engine, in three floors: the texts (i18n, which also loads the content
  // files), the FAQ (its topics come from those files), the flows (which offer the FAQ).
  {
    files: ['src/i18n/**'],
    rule: layerRule(
      ['faq', 'flows', ...ABOVE_CONTENT],
      CONTENT_PACKAGES,
      'Texts (src/i18n) sit on the engine, below the FAQ and the flows: no FAQ, flows, storage, services or channels.',
    ),
  },
  {
    files: ['src/faq/**'],
    rule: layerRule(['flows', ...ABOVE_CONTENT], CONTENT_PACKAGES, 'The FAQ sits on the texts, below the flows: no flows, storage, services or channels.'),
  },
  {
    files: ['src/flows/**'],
    rule: layerRule(ABOVE_CONTENT, CONTENT_PACKAGES, 'Content (flows, FAQ, texts) sits on the engine: no storage, services or channels.'),
  },
  {
    files: ['src/privacy/**'],
    rule: layerRule(
      ['engine', 'flows', 'faq', 'i18n', 'models', 'services', 'workers', 'bots', 'http', 'cli', 'config'],
      ['mongoose', 'mongodb'],
      'src/privacy (keys, sealing) sits below storage.',
    ),
  },
  {
    files: ['src/models/**'],
    rule: layerRule(
      ['flows', 'faq', 'i18n', 'services', 'workers', 'bots', 'http', 'cli', 'config'],
      ['telegraf'],
      'Storage (src/models) imports only core, the engine and privacy.',
    ),
  },
  {
    // The adapters and the wiring reach storage through src/models (its one factory, models/storage.ts).
    files: ['src/bots/**', 'src/http/**', 'src/cli/**', 'src/config/**'],
    rule: layerRule(
      [],
      ['mongoose', 'mongodb'],
      'Only src/models imports mongoose, and nothing imports the wiring (app, main): take repositories, not a connection.',
    ),
  },
  { files: ['src/*.ts'], rule: layerRule([], ['mongoose', 'mongodb'], 'Only src/models imports mongoose.', []) },
  {
    files: ['src/services/**', 'src/workers/**'],
    rule: layerRule(
      ['bots', 'http', 'cli'],
      ['mongoose', 'mongodb', 'telegraf', 'whatsapp-web.js'],
      'Services and workers know no channel and no mongoose: the contract is src/core/channel.ts, storage is src/models.',
    ),
  },
];

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'coverage/', '.data/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-console': 'error',
    },
  },
  ...LAYERS.map(({ files, rule }) => ({ files, rules: { 'no-restricted-imports': rule } })),
  {
    files: ['src/**/*.ts'],
    plugins: { local: { rules: { 'no-import-cycle': noImportCycle } } },
    rules: { 'local/no-import-cycle': 'error' },
  },
  {
    // CommonJS configuration files read by tools (Puppeteer's .puppeteerrc.cjs).
    files: ['**/*.cjs'],
    languageOptions: { sourceType: 'commonjs', globals: { module: 'writable', require: 'readonly' } },
  },
  {
    files: ['src/bots/console/**', 'src/cli/**', 'scripts/**', 'bench/**'],
    rules: { 'no-console': 'off' },
  },
);
