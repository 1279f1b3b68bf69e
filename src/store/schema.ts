/**
 * The store's tables. Every statement is IF NOT EXISTS, so opening a store made by an earlier run
 * leaves its tables and rows as they are; a change to an existing table would need a migration.
 *
 * Written for SQLite; PostgreSQL gets the same tables with 64-bit integers, a sequence for the
 * events' ids and one for the jobs' insertion order (SQLite's rowid). Replicas that start at once
 * create it one at a time, under an advisory lock.
 */
import type { Db } from './db.js';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS jobs (
  id TEXT PRIMARY KEY,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  state TEXT NOT NULL,
  source TEXT NOT NULL,
  source_sha256 TEXT NOT NULL,
  target TEXT NOT NULL,
  options TEXT NOT NULL,
  origin TEXT,
  error TEXT,
  requests INTEGER NOT NULL DEFAULT 0,
  active_ms INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS jobs_by_source ON jobs (source_sha256, state);
CREATE TABLE IF NOT EXISTS job_quotes (
  job_id TEXT NOT NULL REFERENCES jobs(id),
  quote_id TEXT NOT NULL,
  position INTEGER NOT NULL,
  row INTEGER NOT NULL,
  chunk INTEGER NOT NULL DEFAULT 0,
  quote TEXT NOT NULL,
  state TEXT NOT NULL,
  page_id TEXT,
  reason TEXT,
  attempts INTEGER NOT NULL DEFAULT 0,
  updated_at TEXT NOT NULL,
  PRIMARY KEY (job_id, quote_id)
);
CREATE INDEX IF NOT EXISTS job_quotes_by_state ON job_quotes (job_id, state, position);
CREATE TABLE IF NOT EXISTS job_leases (
  job_id TEXT PRIMARY KEY REFERENCES jobs(id),
  owner TEXT NOT NULL,
  expires_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS job_rejects (
  job_id TEXT NOT NULL REFERENCES jobs(id),
  row INTEGER NOT NULL,
  reason TEXT NOT NULL,
  raw TEXT NOT NULL,
  PRIMARY KEY (job_id, row)
);
CREATE TABLE IF NOT EXISTS job_duplicates (
  job_id TEXT NOT NULL REFERENCES jobs(id),
  row INTEGER NOT NULL,
  quote_id TEXT NOT NULL,
  first_row INTEGER NOT NULL,
  PRIMARY KEY (job_id, row)
);
CREATE TABLE IF NOT EXISTS job_databases (
  job_id TEXT NOT NULL REFERENCES jobs(id),
  chunk INTEGER NOT NULL,
  database_id TEXT NOT NULL,
  data_source_id TEXT NOT NULL,
  url TEXT NOT NULL,
  title TEXT NOT NULL,
  PRIMARY KEY (job_id, chunk)
);
CREATE TABLE IF NOT EXISTS created_databases (
  parent_page_id TEXT NOT NULL,
  title TEXT NOT NULL,
  database_id TEXT NOT NULL,
  data_source_id TEXT NOT NULL,
  url TEXT NOT NULL,
  created_at TEXT NOT NULL,
  PRIMARY KEY (parent_page_id, title)
);
CREATE TABLE IF NOT EXISTS triggers (
  key TEXT PRIMARY KEY,
  job_id TEXT,
  claimed_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS events (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  job_id TEXT,
  at TEXT NOT NULL,
  kind TEXT NOT NULL,
  detail TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS events_by_job ON events (job_id, kind);
CREATE TABLE IF NOT EXISTS rate_budgets (
  integration TEXT PRIMARY KEY,
  budget INTEGER NOT NULL,
  window_ms INTEGER NOT NULL,
  recent_sends TEXT NOT NULL,
  updated_at TEXT NOT NULL
);
`;

/** Tables added after the first stores were made: Notion's budget shared by replicas (store/rate-ledgers.ts). Times are fractional ms. */
const SHARED_PACING = `
CREATE TABLE IF NOT EXISTS rate_ledgers (
  integration TEXT PRIMARY KEY,
  next_slot REAL NOT NULL,
  paused_until REAL NOT NULL,
  budget INTEGER,
  window_ms INTEGER NOT NULL,
  started_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS rate_sends (
  integration TEXT NOT NULL,
  at REAL NOT NULL,
  id TEXT NOT NULL,
  PRIMARY KEY (integration, at, id)
);
`;

/**
 * Tables added with every field landing in Notion: what the input said of itself (warnings),
 * where each field of a job went (the plan of its last run), and the mappings a person chose for
 * a database (`--map`), kept for later syncs into it.
 */
const FIELDS = `
CREATE TABLE IF NOT EXISTS job_warnings (
  job_id TEXT NOT NULL REFERENCES jobs(id),
  row INTEGER NOT NULL,
  message TEXT NOT NULL,
  PRIMARY KEY (job_id, message)
);
CREATE TABLE IF NOT EXISTS job_fields (
  job_id TEXT NOT NULL REFERENCES jobs(id),
  position INTEGER NOT NULL,
  detail TEXT NOT NULL,
  PRIMARY KEY (job_id, position)
);
CREATE TABLE IF NOT EXISTS field_maps (
  database_id TEXT NOT NULL,
  field TEXT NOT NULL,
  property TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  PRIMARY KEY (database_id, field)
);
`;

/** Added with a target per channel (store/channels.ts): where each Slack channel's quotes go. */
const CHANNELS = `
CREATE TABLE IF NOT EXISTS channel_targets (
  channel TEXT PRIMARY KEY,
  target TEXT NOT NULL,
  target_key TEXT NOT NULL,
  title TEXT NOT NULL,
  url TEXT NOT NULL,
  set_by TEXT,
  set_at TEXT NOT NULL
);
`;

/**
 * Added with waits on Gumloop runs that outlive a replica (store/gumloop-waits.ts): a run to poll
 * and the thread its quotes go to, leased like a job. Instants in ms since the epoch.
 */
const GUMLOOP_WAITS = `
CREATE TABLE IF NOT EXISTS gumloop_waits (
  id TEXT PRIMARY KEY,
  run_id TEXT NOT NULL,
  flow TEXT,
  channel TEXT NOT NULL,
  message_ts TEXT NOT NULL,
  thread_ts TEXT NOT NULL,
  user_id TEXT,
  update_mode INTEGER NOT NULL,
  deadline_at INTEGER NOT NULL,
  state TEXT NOT NULL,
  job_id TEXT,
  error TEXT,
  owner TEXT,
  lease_expires_at INTEGER NOT NULL,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS gumloop_waits_by_state ON gumloop_waits (state, created_at);
`;

/** Added with Notion's `public_api_request_blocked`: when it last blocked an integration's requests (ms). */
const BLOCKS = `
CREATE TABLE IF NOT EXISTS integration_blocks (
  integration TEXT PRIMARY KEY,
  blocked_at REAL NOT NULL,
  updated_at TEXT NOT NULL
);
`;

/**
 * Added with claims taken up again without a redelivery (store/triggers.ts): what the trigger of a
 * claim said (an upload's file, channel and thread), kept while the claim has no job.
 */
const TRIGGER_EVENTS = `
CREATE TABLE IF NOT EXISTS trigger_events (
  key TEXT PRIMARY KEY,
  kind TEXT NOT NULL,
  payload TEXT NOT NULL
);
`;

/**
 * Added with the Workflow Builder step (store/workflow-steps.ts): each execution of the step, the
 * job it became, and its token until the step is completed. Instants in ms since the epoch.
 */
const WORKFLOW_STEPS = `
CREATE TABLE IF NOT EXISTS workflow_steps (
  execution_id TEXT PRIMARY KEY,
  job_id TEXT,
  token TEXT,
  token_expires_at INTEGER NOT NULL,
  state TEXT NOT NULL,
  claimed_at INTEGER,
  outcome TEXT,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS workflow_steps_by_job ON workflow_steps (job_id, state);
`;

/**
 * Added with retention (store/retention.ts): the finished jobs whose quote texts were cleared
 * once their time was up (RETENTION_DAYS), and when. Such a job is kept as a record only.
 */
const RETENTION = `
CREATE TABLE IF NOT EXISTS job_texts_cleared (
  job_id TEXT PRIMARY KEY REFERENCES jobs(id),
  cleared_at TEXT NOT NULL
);
`;

/** The PostgreSQL spelling of the schema. */
function postgresSchema(): string {
  return (
    (SCHEMA + SHARED_PACING + FIELDS + CHANNELS + TRIGGER_EVENTS + BLOCKS + GUMLOOP_WAITS + WORKFLOW_STEPS + RETENTION)
      .replace('id INTEGER PRIMARY KEY AUTOINCREMENT', 'id BIGSERIAL PRIMARY KEY')
      .replaceAll(' INTEGER', ' BIGINT')
      .replaceAll(' REAL', ' DOUBLE PRECISION') + '\nALTER TABLE jobs ADD COLUMN IF NOT EXISTS seq BIGSERIAL;\n'
  );
}

/** Any fixed number: the lock replicas take while they create the schema. */
const SCHEMA_LOCK = 7_301_443_581;

/** Creates whatever tables and indexes the store lacks. */
export async function applySchema(db: Db): Promise<void> {
  if (db.dialect === 'sqlite') {
    await db.exec(SCHEMA + SHARED_PACING + FIELDS + CHANNELS + TRIGGER_EVENTS + BLOCKS + GUMLOOP_WAITS + WORKFLOW_STEPS + RETENTION);
    return;
  }
  // CREATE ... IF NOT EXISTS is not safe against itself in PostgreSQL (two at once can both
  // try to create a type): replicas starting together take turns.
  await db.transaction(async (tx) => {
    await tx.get('SELECT pg_advisory_xact_lock(?)', [SCHEMA_LOCK]);
    for (const statement of postgresSchema().split(';').map((s) => s.trim()).filter(Boolean)) await tx.run(statement);
  });
}
