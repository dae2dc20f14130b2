import { z } from 'zod';
import { inboundAttemptsProblem } from '../services/retry-policy.js';
import { parseWorkingHours } from '../core/working-hours.js';
import { LanguageSchema } from '../engine/session.js';

const hours = (fallback: number) => z.coerce.number().positive().default(fallback);

/** Every environment variable the service reads, with its default; see `.env.example`. */
export const ConfigSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** Where the logs go while the console chat has the terminal (rolled over by size); elsewhere logs go to stdout. */
  CONSOLE_LOG_DIR: z.string().min(1).default('.data/logs'),
  MONGODB_URI: z
    .string()
    .regex(/^mongodb(\+srv)?:\/\//, 'must start with mongodb:// or mongodb+srv://')
    .default('mongodb://127.0.0.1:27017/intake'),
  REDIS_URL: z
    .string()
    .regex(/^rediss?:\/\//, 'must start with redis:// or rediss://')
    .default('redis://127.0.0.1:6379'),
  /** Prefix of every Redis key the queues use, so several deployments (or tests) can share one Redis. */
  QUEUE_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9_-]+$/)
    .default('intake'),
  /** Data keys as `id:base64,id:base64` (32 bytes each); old ones stay listed until re-encryption finishes. */
  DATA_KEYS: z.string({ error: 'is required (generate keys with: npm run admin -- keys generate)' }),
  DATA_KEY_CURRENT: z.string({ error: 'is required: the id of the key new data is encrypted with' }),
  /** HMAC key (base64, 32 bytes) for looking up national IDs and chats without storing them in clear. */
  LOOKUP_KEY: z.string({ error: 'is required (generate keys with: npm run admin -- keys generate)' }),
  HTTP_HOST: z.string().default('127.0.0.1'),
  HTTP_PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  TELEGRAM_BOT_TOKEN: z.string().optional(),
  TELEGRAM_API_ROOT: z.url().default('https://api.telegram.org'),
  /** The researchers' group (a negative number); alerts go there and its buttons are honoured. */
  TELEGRAM_STAFF_GROUP_ID: z.coerce.number().int().negative('is a group id: a negative number').optional(),
  /** Public HTTPS URL of this service's webhook (…/telegram/webhook); unset means long polling. */
  TELEGRAM_WEBHOOK_URL: z.url().optional(),
  /** Secret Telegram sends in a header with every webhook call; required with TELEGRAM_WEBHOOK_URL. */
  TELEGRAM_WEBHOOK_SECRET: z
    .string()
    .regex(/^[A-Za-z0-9_-]{16,256}$/, 'must be 16–256 letters, digits, _ or -')
    .optional(),
  /** Telegram's sending limits (30/s overall, 1/s per chat, 20/min per group); off only for capacity benchmarks. */
  TELEGRAM_RATE_LIMITS: z.enum(['on', 'off']).default('on'),
  /** WhatsApp Web through whatsapp-web.js and Chromium: off until the association's number is to be linked. */
  WHATSAPP_ENABLED: z.enum(['on', 'off']).default('off'),
  /** Where the linked session is kept, encrypted: MongoDB (survives a moved process) or local disk. */
  WHATSAPP_SESSION_STORE: z.enum(['mongodb', 'disk']).default('mongodb'),
  /** WhatsApp's working directory: Chromium's profile while running, the disk store, the QR PNG. */
  WHATSAPP_DATA_DIR: z.string().min(1).default('.data/whatsapp'),
  /** Names the linked session; change it only to link a second number. */
  WHATSAPP_CLIENT_ID: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,50}$/, 'must be 1–50 letters, digits, _ or -')
    .default('association'),
  CHROMIUM_PATH: z.string().min(1).default('/usr/bin/chromium'),
  /** The least time between two messages to one WhatsApp chat. */
  WHATSAPP_SEND_GAP_MS: z.coerce.number().int().min(0).max(60_000).default(1500),
  /** Administrators are alerted on Telegram when WhatsApp stays unlinked this long. */
  WHATSAPP_ALERT_AFTER_MINUTES: z.coerce.number().positive().default(10),
  /** Administrators are alerted when the linked session has not been backed up this long (backups run every 5 minutes). */
  WHATSAPP_BACKUP_STALE_MINUTES: z.coerce.number().positive().default(30),
  /** While linked, chats are re-read this often for messages the live feed missed. */
  WHATSAPP_CATCH_UP_MINUTES: z.coerce.number().positive().default(10),
  WHATSAPP_CATCH_UP_BUDGET_SECONDS: z.coerce.number().positive().default(60),
  /**
   * Deprecated: one bearer token shared by every administrator, accepted by the admin HTTP
   * endpoints while set. Each admin now has their own (npm run admin -- staff token).
   */
  ADMIN_HTTP_TOKEN: z.string().min(32, 'must be at least 32 characters (e.g. openssl rand -hex 24)').optional(),
  /** Serve the local console chat (on by default when no messaging token is configured). */
  CONSOLE_CHAT: z.enum(['auto', 'on', 'off']).default('auto'),
  DRAFT_IDLE_HOURS: hours(72),
  /** When researchers answer referrals, in Saudi time: outside these hours a person is told when to expect them. */
  WORKING_HOURS: z
    .string()
    .default('sun-thu 08:00-16:00')
    .refine((spec) => {
      try {
        parseWorkingHours(spec);
        return true;
      } catch {
        return false;
      }
    }, 'must look like "sun-thu 08:00-16:00" (days sun…sat, 24-hour times, Saudi time)'),
  /** A referral no researcher has taken is announced again after this many minutes. */
  REFERRAL_REANNOUNCE_MINUTES: z.coerce.number().positive().default(30),
  /** How long after *Send* a committee member can take a decision back before the beneficiary is told (0: told at once). */
  DECISION_UNDO_MINUTES: z.coerce.number().min(0).max(60).default(2),
  /**
   * on: the committee's Approve and Reject ask for a researcher's recommendation first; off: a
   * decision may be taken without one, and the case's history says so.
   */
  REQUIRE_RECOMMENDATION: z.enum(['on', 'off']).default('on'),
  /**
   * The association's language for staff texts: the group's alerts, and what a member reads
   * privately until they choose their own (`/language`, `staff add --language`).
   */
  STAFF_GROUP_LANGUAGE: LanguageSchema.default('ar'),
  /** calendar: every day counts; working: Sunday to Thursday only (the Saudi weekend is Friday and Saturday). */
  COMMITTEE_DAY_COUNT: z.enum(['calendar', 'working']).default('calendar'),
  COMMITTEE_ANSWER_DAYS: z.coerce.number().int().min(14, 'the policy promises no less than two weeks').default(14),
  /** Hours after a decision or a service before the beneficiary is invited to rate it. */
  SURVEY_DELAY_HOURS: z.coerce.number().min(0).default(24),
  /** Optional messages (survey invitations) sent at most this often per WhatsApp number per day. */
  OPTIONAL_MESSAGES_PER_DAY: z.coerce.number().int().min(1).default(2),
  /** Days a finished case (rejected, closed, withdrawn) keeps its personal data before it is anonymised. */
  RETENTION_DAYS: z.coerce.number().int().min(1).max(36_500, 'at most 100 years').default(1825),
  /** On which day after submission (counted like the answer period) researchers are reminded of an undecided case. */
  COMMITTEE_REMINDER_DAY: z.coerce.number().int().min(1).default(10),
  /** Days after submission on which a person who promised documents "later" is reminded of them, once. */
  DOCUMENTS_REMINDER_DAYS: z.coerce.number().min(0).default(3),
  PRIVACY_NOTICE_VERSION: z.string().default('privacy-2026-1'),
  MAX_DOCUMENT_MB: z.coerce.number().positive().max(20, 'Telegram downloads at most 20 MB').default(10),
  MAX_IMAGE_PIXELS: z.coerce.number().int().positive().default(40_000_000),
  /** A chat sending more than this many messages in FLOOD_WINDOW_SECONDS has the rest refused, with one notice. */
  FLOOD_MAX_MESSAGES: z.coerce.number().int().min(1).default(20),
  FLOOD_WINDOW_SECONDS: z.coerce.number().positive().default(10),
  /** Attempts at handling one inbound message before it is set aside. */
  INBOUND_MAX_ATTEMPTS: z.coerce
    .number()
    .int()
    .min(1)
    .default(5)
    .superRefine((value, ctx) => {
      const problem = inboundAttemptsProblem(value);
      if (problem) ctx.addIssue({ code: 'custom', message: problem });
    }),
  /** How often the sweeper re-arms work from MongoDB (outbox, inbox, half-done submissions, idle drafts). */
  SWEEP_INTERVAL_SECONDS: z.coerce.number().positive().default(30),
});

/** The validated configuration: one frozen object. */
export type Config = Readonly<z.infer<typeof ConfigSchema>>;

/** Thrown when the environment is incomplete or wrong; its message names the variable. */
export class ConfigError extends Error {
  readonly code = 'CONFIG';
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

/**
 * Parses the environment. Empty strings count as unset, so a blank line in `.env`
 * falls back to the default instead of failing as "0" or "".
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v.trim() !== ''));
  const parsed = ConfigSchema.refine((c) => !c.TELEGRAM_WEBHOOK_URL || c.TELEGRAM_WEBHOOK_SECRET, {
    path: ['TELEGRAM_WEBHOOK_SECRET'],
    message: 'is required when TELEGRAM_WEBHOOK_URL is set',
  })
    .refine((c) => c.COMMITTEE_REMINDER_DAY < c.COMMITTEE_ANSWER_DAYS, {
      path: ['COMMITTEE_REMINDER_DAY'],
      message: 'must come before the end of the answer period (COMMITTEE_ANSWER_DAYS)',
    })
    .safeParse(cleaned);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const name = issue?.path.join('.') ?? 'environment';
    throw new ConfigError(`configuration: ${name} ${issue?.message ?? 'is invalid'}`);
  }
  return Object.freeze(parsed.data);
}
