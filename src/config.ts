/**
 * Configuration, read once from an injectable environment, validated, typed and frozen.
 * A bad value names the variable, the value and the form expected.
 */
import { existsSync } from 'node:fs';
import { dirname } from 'node:path';
import { z } from 'zod';
import { ConfigError, type ConfigProblem } from './errors.js';
import { isPostgresLocation, redactLocation } from './store/db.js';

export const DEFAULT_NOTION_API_URL = 'https://api.notion.com';
export const DEFAULT_SLACK_API_URL = 'https://slack.com/api/';
export const DEFAULT_GUMLOOP_API_URL = 'https://api.gumloop.com/api/v1';
export const DEFAULT_DB_PATH = './data/quote-sync.db';
export const DEFAULT_DATA_DIR = './data';

/** Notion ids are UUIDs, with or without dashes; users often paste a whole URL. */
const NOTION_ID = /([0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12})(?:[?#].*)?$/i;

/** Accepts a Notion id or a Notion URL ending in one; returns the dashed UUID. */
export function parseNotionId(value: string): string | undefined {
  const match = NOTION_ID.exec(value.trim());
  if (!match?.[1]) return undefined;
  const hex = match[1].replace(/-/g, '').toLowerCase();
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

const text = z.string().trim();
const optionalText = text.optional().transform((v) => (v ? v : undefined));
const notionId = optionalText.refine((v) => v === undefined || parseNotionId(v) !== undefined, {
  message: 'expected a Notion id (32 hex digits, dashes optional) or a Notion URL ending in one',
}).transform((v) => (v === undefined ? undefined : parseNotionId(v)));
const httpUrl = text.refine((v) => /^https?:\/\//i.test(v) && URL.canParse(v), {
  message: 'expected an http(s) URL',
});
const int = (min: number, fallback: number) =>
  optionalText
    .refine((v) => v === undefined || (/^\d+$/.test(v) && Number(v) >= min), {
      message: `expected a whole number of at least ${min}`,
    })
    .transform((v) => (v === undefined ? fallback : Number(v)));
/** `int` without a default: unset stays undefined (the default depends on other settings). */
const optionalInt = (min: number) =>
  optionalText
    .refine((v) => v === undefined || (/^\d+$/.test(v) && Number(v) >= min), {
      message: `expected a whole number of at least ${min}`,
    })
    .transform((v) => (v === undefined ? undefined : Number(v)));
const positiveNumber = (fallback: number) =>
  optionalText
    .refine((v) => v === undefined || (Number.isFinite(Number(v)) && Number(v) > 0), {
      message: 'expected a number greater than 0',
    })
    .transform((v) => (v === undefined ? fallback : Number(v)));
const ratio = (fallback: number) =>
  optionalText
    .refine((v) => v === undefined || (Number.isFinite(Number(v)) && Number(v) > 0 && Number(v) <= 1), {
      message: 'expected a number between 0 and 1',
    })
    .transform((v) => (v === undefined ? fallback : Number(v)));
const bool = optionalText
  .refine((v) => v === undefined || /^(true|false|1|0|yes|no)$/i.test(v), { message: 'expected true or false' })
  .transform((v) => v !== undefined && /^(true|1|yes)$/i.test(v));
const idList = optionalText.transform((v) =>
  (v ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean),
);

const schema = z.object({
  NOTION_TOKEN: optionalText,
  NOTION_PARENT_PAGE_ID: notionId,
  NOTION_DATABASE_ID: notionId,
  NOTION_API_URL: httpUrl.default(DEFAULT_NOTION_API_URL),
  NOTION_REQUESTS_PER_SECOND: positiveNumber(3),
  NOTION_RETRY_BASE_MS: int(0, 1000),
  NOTION_RETRY_MAX_MS: int(0, 30_000),
  NOTION_MAX_ATTEMPTS: int(1, 8),
  NOTION_TIMEOUT_MS: int(1, 30_000),
  NOTION_READY_TIMEOUT_MS: int(0, 60_000),
  NOTION_CREATE_CLAIM_TAKEOVER_MS: optionalInt(1),
  NOTION_RATE_RECOVERY_MS: int(0, 60_000),
  NOTION_RATE_WINDOW_MS: int(1, 60_000),
  NOTION_PROFILE: z.enum(['default', 'careful']).default('default'),
  NOTION_CAREFUL_PAUSE_MS: int(0, 1000),
  NOTION_CAREFUL_CONFLICT_MS: int(0, 10_000),
  NOTION_DATABASE_TITLE: text.default('Quotes'),
  QUOTE_SYNC_DB: text.default(DEFAULT_DB_PATH),
  QUOTE_SYNC_DATA_DIR: optionalText,
  RETENTION_DAYS: int(0, 30),
  JOB_LEASE_MS: int(100, 60_000),
  BREAKER_WINDOW: int(1, 20),
  BREAKER_CONFLICT_RATIO: ratio(0.2),
  BREAKER_COOLDOWN_MS: int(0, 30_000),
  BREAKER_RECOVER_AFTER_TRIPS: int(1, 3),
  SLACK_BOT_TOKEN: optionalText,
  SLACK_SIGNING_SECRET: optionalText,
  SLACK_APP_TOKEN: optionalText,
  SLACK_API_URL: httpUrl.default(DEFAULT_SLACK_API_URL),
  PORT: int(0, 3000),
  METRICS_TOKEN: optionalText.refine((v) => v === undefined || v.length >= 16, {
    message: 'expected at least 16 random characters (e.g. `openssl rand -hex 32`)',
  }),
  DIGEST_CHANNEL_ID: optionalText,
  DIGEST_CRON: text.default('0 9 * * *'),
  DIGEST_TZ: text.default('UTC'),
  GUMLOOP_API_KEY: optionalText,
  GUMLOOP_USER_ID: optionalText,
  GUMLOOP_API_URL: httpUrl.default(DEFAULT_GUMLOOP_API_URL),
  GUMLOOP_QUOTES_OUTPUT: text.default('quotes'),
  GUMLOOP_PROJECT_ID: optionalText,
  GUMLOOP_RUN_TIMEOUT_MS: int(1, 900_000),
  GUMLOOP_POLL_MS: int(1, 2000),
  GUMLOOP_POLL_MAX_MS: int(1, 30_000),
  GUMLOOP_WEBHOOK_SECRET: optionalText,
  GUMLOOP_CHANNEL_ID: optionalText,
  ALLOWED_USER_IDS: idList,
  ALLOWED_CHANNEL_IDS: idList,
  ALLOW_PRIVATE_URLS: bool,
  MAX_FILE_BYTES: int(1, 20_000_000),
  UPLOAD_CLAIM_TAKEOVER_MS: int(1, 60_000),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

type Env = z.output<typeof schema>;

export interface NotionSettings {
  readonly token: string | undefined;
  readonly parentPageId: string | undefined;
  readonly databaseId: string | undefined;
  readonly apiUrl: string;
  readonly requestsPerSecond: number;
  readonly retryBaseMs: number;
  readonly retryMaxMs: number;
  readonly maxAttempts: number;
  readonly timeoutMs: number;
  readonly readyTimeoutMs: number;
  /**
   * A claim to create the database under a page still unrecorded after this long was left by a
   * process that stopped: another takes it over (adopting the database it may have made). By
   * default twice the ready wait and a minute, when the creation can no longer be under way.
   */
  readonly createClaimTakeoverMs: number;
  /** Quiet time after a 429 before the learned rate climbs back a step. */
  readonly rateRecoveryMs: number;
  /** Length of Notion's per-connection budget window (60 s on its request-limits page). */
  readonly rateWindowMs: number;
  /** `careful`: a pause between quotes and a long back-off after 409s, for workspaces where conflicts persist. */
  readonly profile: 'default' | 'careful';
  readonly carefulPauseMs: number;
  readonly carefulConflictMs: number;
  readonly databaseTitle: string;
}

export interface BreakerSettings {
  readonly window: number;
  readonly conflictRatio: number;
  readonly cooldownMs: number;
  /** Trips after which recovery runs (fresh client, database check); at three times it, the job gives up. */
  readonly recoverAfterTrips: number;
}

export interface Config {
  readonly notion: NotionSettings;
  readonly breaker: BreakerSettings;
  /** The job store: a SQLite file path, or a postgres:// URL that replicas share. */
  readonly dbPath: string;
  /** Where fallback CSVs are written: beside a SQLite file, else QUOTE_SYNC_DATA_DIR or ./data. */
  readonly dataDir: string;
  /** Days a finished job's fallback CSV and quote texts are kept after its last change; 0 keeps them for ever. */
  readonly retentionDays: number;
  /** How long a job stays with a replica that stopped renewing its lease, before another picks it up. */
  readonly jobLeaseMs: number;
  readonly logLevel: Env['LOG_LEVEL'];
  readonly slack: {
    readonly botToken: string | undefined;
    readonly signingSecret: string | undefined;
    readonly appToken: string | undefined;
    readonly apiUrl: string;
    readonly port: number;
    /** When set, `/metrics` on PORT answers only `Authorization: Bearer <this>`. */
    readonly metricsToken: string | undefined;
    /** A claim on an upload still without a job after this long was left by a process that stopped: it is taken over. */
    readonly uploadClaimTakeoverMs: number;
  };
  readonly digest: { readonly channelId: string | undefined; readonly cron: string; readonly timezone: string };
  readonly gumloop: {
    readonly apiKey: string | undefined;
    readonly userId: string | undefined;
    readonly apiUrl: string;
    readonly quotesOutput: string;
    readonly projectId: string | undefined;
    /** How long `/sync-quotes run` waits for a free slot to start a flow (the plan's runs all busy), then for the run to finish. */
    readonly runTimeoutMs: number;
    /** First pause between polls of a run; it doubles up to pollMaxMs. */
    readonly pollMs: number;
    readonly pollMaxMs: number;
    readonly webhookSecret: string | undefined;
    readonly channelId: string | undefined;
  };
  readonly access: {
    readonly allowedUserIds: readonly string[];
    readonly allowedChannelIds: readonly string[];
    readonly allowPrivateUrls: boolean;
    readonly maxFileBytes: number;
  };
}

/** Settings a program cannot run without (the app's Slack tokens, the command line's target), checked on the parsed configuration. */
export type ConfigRequirement = (config: Config) => readonly ConfigProblem[];

/**
 * Parses the environment, then checks `require` on the result. Throws one ConfigError naming every
 * bad or missing variable, so a person learns them all from one run.
 */
export function loadConfig(env: Record<string, string | undefined> = process.env, options: { require?: ConfigRequirement } = {}): Config {
  const { data: e, problems } = readEnv(env);
  const bad = new Set(problems.map((p) => p.variable));
  if (!bad.has('NOTION_RETRY_MAX_MS') && !bad.has('NOTION_RETRY_BASE_MS') && e.NOTION_RETRY_MAX_MS < e.NOTION_RETRY_BASE_MS) {
    problems.push({
      variable: 'NOTION_RETRY_MAX_MS',
      message: `NOTION_RETRY_MAX_MS (${e.NOTION_RETRY_MAX_MS}) must be at least NOTION_RETRY_BASE_MS (${e.NOTION_RETRY_BASE_MS}).`,
    });
  }
  const config = toConfig(e);
  // A variable already named as malformed is not named again as missing.
  problems.push(...(options.require?.(config) ?? []).filter((p) => !bad.has(p.variable)));
  if (problems.length > 0) throw ConfigError.naming(problems);
  return config;
}

/** The parsed environment and a problem per malformed variable; those read as unset, so the checks after still see the rest. */
function readEnv(env: Record<string, string | undefined>): { data: Env; problems: ConfigProblem[] } {
  const result = schema.safeParse(env);
  if (result.success) return { data: result.data, problems: [] };
  const problems: ConfigProblem[] = [];
  for (const issue of result.error.issues) {
    const variable = String(issue.path[0]);
    if (problems.some((p) => p.variable === variable)) continue;
    const raw = env[variable];
    const shown = raw === undefined ? 'nothing' : JSON.stringify(redactIfSecret(variable, raw));
    problems.push({ variable, message: `${variable} is ${shown}: ${issue.message}.` });
  }
  const rest = schema.safeParse(Object.fromEntries(Object.entries(env).filter(([name]) => !problems.some((p) => p.variable === name))));
  if (!rest.success) throw ConfigError.naming(problems);
  return { data: rest.data, problems };
}

function toConfig(e: Env): Config {
  return deepFreeze({
    notion: {
      token: e.NOTION_TOKEN,
      parentPageId: e.NOTION_PARENT_PAGE_ID,
      databaseId: e.NOTION_DATABASE_ID,
      apiUrl: e.NOTION_API_URL,
      requestsPerSecond: e.NOTION_REQUESTS_PER_SECOND,
      retryBaseMs: e.NOTION_RETRY_BASE_MS,
      retryMaxMs: e.NOTION_RETRY_MAX_MS,
      maxAttempts: e.NOTION_MAX_ATTEMPTS,
      timeoutMs: e.NOTION_TIMEOUT_MS,
      readyTimeoutMs: e.NOTION_READY_TIMEOUT_MS,
      createClaimTakeoverMs: e.NOTION_CREATE_CLAIM_TAKEOVER_MS ?? 2 * e.NOTION_READY_TIMEOUT_MS + 60_000,
      rateRecoveryMs: e.NOTION_RATE_RECOVERY_MS,
      rateWindowMs: e.NOTION_RATE_WINDOW_MS,
      profile: e.NOTION_PROFILE,
      carefulPauseMs: e.NOTION_CAREFUL_PAUSE_MS,
      carefulConflictMs: e.NOTION_CAREFUL_CONFLICT_MS,
      databaseTitle: e.NOTION_DATABASE_TITLE,
    },
    breaker: {
      window: e.BREAKER_WINDOW,
      conflictRatio: e.BREAKER_CONFLICT_RATIO,
      cooldownMs: e.BREAKER_COOLDOWN_MS,
      recoverAfterTrips: e.BREAKER_RECOVER_AFTER_TRIPS,
    },
    dbPath: e.QUOTE_SYNC_DB,
    dataDir: e.QUOTE_SYNC_DATA_DIR ?? (isPostgresLocation(e.QUOTE_SYNC_DB) ? DEFAULT_DATA_DIR : dirname(e.QUOTE_SYNC_DB)),
    retentionDays: e.RETENTION_DAYS,
    jobLeaseMs: e.JOB_LEASE_MS,
    logLevel: e.LOG_LEVEL,
    slack: {
      botToken: e.SLACK_BOT_TOKEN,
      signingSecret: e.SLACK_SIGNING_SECRET,
      appToken: e.SLACK_APP_TOKEN,
      apiUrl: e.SLACK_API_URL,
      port: e.PORT,
      metricsToken: e.METRICS_TOKEN,
      uploadClaimTakeoverMs: e.UPLOAD_CLAIM_TAKEOVER_MS,
    },
    digest: { channelId: e.DIGEST_CHANNEL_ID, cron: e.DIGEST_CRON, timezone: e.DIGEST_TZ },
    gumloop: {
      apiKey: e.GUMLOOP_API_KEY,
      userId: e.GUMLOOP_USER_ID,
      apiUrl: e.GUMLOOP_API_URL,
      quotesOutput: e.GUMLOOP_QUOTES_OUTPUT,
      projectId: e.GUMLOOP_PROJECT_ID,
      runTimeoutMs: e.GUMLOOP_RUN_TIMEOUT_MS,
      pollMs: e.GUMLOOP_POLL_MS,
      pollMaxMs: e.GUMLOOP_POLL_MAX_MS,
      webhookSecret: e.GUMLOOP_WEBHOOK_SECRET,
      channelId: e.GUMLOOP_CHANNEL_ID,
    },
    access: {
      allowedUserIds: e.ALLOWED_USER_IDS,
      allowedChannelIds: e.ALLOWED_CHANNEL_IDS,
      allowPrivateUrls: e.ALLOW_PRIVATE_URLS,
      maxFileBytes: e.MAX_FILE_BYTES,
    },
  });
}

/** The environment of this process, with a `.env` file in the working directory read first if there is one. */
export function processEnv(): Record<string, string | undefined> {
  if (existsSync('.env')) process.loadEnvFile('.env');
  return process.env;
}

const SECRET_NAMES = /TOKEN|SECRET|KEY/;
function redactIfSecret(variable: string, value: string): string {
  if (variable === 'QUOTE_SYNC_DB') return redactLocation(value);
  return SECRET_NAMES.test(variable) ? '[redacted]' : value;
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}
