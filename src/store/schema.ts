/**
 * The store's tables. Every statement is IF NOT EXISTS, so opening a file made by an earlier run
 * leaves its tables and rows as they are; a change to an existing table would need a migration.
 */
import type Database from 'better-sqlite3';

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

/** Creates whatever tables and indexes the file lacks. */
export function applySchema(db: Database.Database): void {
  db.exec(SCHEMA);
}
