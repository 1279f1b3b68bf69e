/**
 * The job store (SQLite through better-sqlite3): jobs, every quote's state, rejected rows,
 * duplicates, the databases a job writes to, and events. Each state change is committed before
 * the next Notion request, so a process killed at any point can be resumed without loss.
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import type { LearnedWindow } from '../notion/window-budget.js';
import type { Quote } from '../quotes/model.js';
import { Jobs, toJob, type JobRow } from './jobs.js';
import { JobQuotes } from './quotes.js';
import { applySchema } from './schema.js';
import type { JobDatabase, JobState, QuoteState, SyncJob } from './types.js';

export type { NewJob } from './jobs.js';
export * from './types.js';

export interface StoredEvent {
  at: string;
  kind: string;
  detail: Record<string, unknown>;
}

export class JobStore {
  private readonly db: Database.Database;
  private readonly now: () => Date;
  readonly jobs: Jobs;
  readonly quotes: JobQuotes;

  constructor(path: string, options: { now?: () => Date } = {}) {
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    this.db = new Database(path);
    this.db.pragma('journal_mode = WAL');
    // NORMAL keeps every commit across a killed process; only a power loss can drop the last ones.
    this.db.pragma('synchronous = NORMAL');
    this.db.pragma('busy_timeout = 5000');
    applySchema(this.db);
    this.now = options.now ?? (() => new Date());
    const stamp = () => this.stamp();
    this.jobs = new Jobs(this.db, stamp);
    this.quotes = new JobQuotes(this.db, stamp);
  }

  close(): void {
    this.db.close();
  }

  private stamp(): string {
    return this.now().toISOString();
  }

  /**
   * Takes, or renews, the right to run a job for `ttlMs`: two app instances sharing this file never
   * write the same job at once. Refused, with the holder's expiry, while another owner holds it;
   * a holder that died stops renewing and its lease runs out.
   */
  acquireLease(
    jobId: string,
    owner: string,
    ttlMs: number,
    /** True for a holder known to be gone (say, a process that no longer exists): its lease is taken at once. */
    isGone: (holder: string) => boolean = () => false,
  ): { ok: true } | { ok: false; expiresAt: number } {
    const now = this.now().getTime();
    const take = this.db.transaction((): { ok: true } | { ok: false; expiresAt: number } => {
      const held = this.db.prepare(`SELECT owner, expires_at FROM job_leases WHERE job_id = ?`).get(jobId) as
        | { owner: string; expires_at: number }
        | undefined;
      if (held && held.owner !== owner && held.expires_at > now && !isGone(held.owner)) return { ok: false, expiresAt: held.expires_at };
      this.db
        .prepare(
          `INSERT INTO job_leases (job_id, owner, expires_at) VALUES (?, ?, ?)
           ON CONFLICT(job_id) DO UPDATE SET owner = excluded.owner, expires_at = excluded.expires_at`,
        )
        .run(jobId, owner, now + ttlMs);
      return { ok: true };
    });
    // IMMEDIATE: the read and the write happen under one write lock, across processes.
    return take.immediate();
  }

  releaseLease(jobId: string, owner: string): void {
    this.db.prepare(`DELETE FROM job_leases WHERE job_id = ? AND owner = ?`).run(jobId, owner);
  }

  setJobDatabase(jobId: string, database: JobDatabase): void {
    this.db
      .prepare(
        `INSERT INTO job_databases (job_id, chunk, database_id, data_source_id, url, title) VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT (job_id, chunk) DO UPDATE SET database_id = excluded.database_id,
           data_source_id = excluded.data_source_id, url = excluded.url, title = excluded.title`,
      )
      .run(jobId, database.chunk, database.databaseId, database.dataSourceId, database.url, database.title);
  }

  jobDatabases(jobId: string): JobDatabase[] {
    const rows = this.db
      .prepare(`SELECT chunk, database_id, data_source_id, url, title FROM job_databases WHERE job_id = ? ORDER BY chunk`)
      .all(jobId) as { chunk: number; database_id: string; data_source_id: string; url: string; title: string }[];
    return rows.map((r) => ({
      chunk: r.chunk,
      databaseId: r.database_id,
      dataSourceId: r.data_source_id,
      url: r.url,
      title: r.title,
    }));
  }

  /** Remembers a database this app created under a page, so later syncs there write into it. */
  rememberCreatedDatabase(parentPageId: string, database: Omit<JobDatabase, 'chunk'>): void {
    this.db
      .prepare(
        `INSERT INTO created_databases (parent_page_id, title, database_id, data_source_id, url, created_at)
         VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT (parent_page_id, title) DO UPDATE SET database_id = excluded.database_id,
           data_source_id = excluded.data_source_id, url = excluded.url, created_at = excluded.created_at`,
      )
      .run(parentPageId, database.title, database.databaseId, database.dataSourceId, database.url, this.stamp());
  }

  createdDatabase(parentPageId: string, title: string): Omit<JobDatabase, 'chunk'> | undefined {
    const r = this.db
      .prepare(`SELECT database_id, data_source_id, url, title FROM created_databases WHERE parent_page_id = ? AND title = ?`)
      .get(parentPageId, title) as { database_id: string; data_source_id: string; url: string; title: string } | undefined;
    return r && { databaseId: r.database_id, dataSourceId: r.data_source_id, url: r.url, title: r.title };
  }

  /**
   * Claims a trigger (say, one uploaded Slack file) once and for all: true for the first claim,
   * false for every later one, across processes and restarts. Slack delivers one upload as two
   * events and retries deliveries; only the claim that returns true may start a job.
   */
  claimTrigger(key: string): boolean {
    return this.db.prepare(`INSERT OR IGNORE INTO triggers (key, claimed_at) VALUES (?, ?)`).run(key, this.stamp()).changes === 1;
  }

  /** Records which job a claimed trigger started. */
  setTriggerJob(key: string, jobId: string): void {
    this.db.prepare(`UPDATE triggers SET job_id = ? WHERE key = ?`).run(jobId, key);
  }

  triggerJob(key: string): string | undefined {
    const r = this.db.prepare(`SELECT job_id FROM triggers WHERE key = ?`).get(key) as { job_id: string | null } | undefined;
    return r?.job_id ?? undefined;
  }

  addEvent(jobId: string | undefined, kind: string, detail: Record<string, unknown> = {}): void {
    this.db
      .prepare(`INSERT INTO events (job_id, at, kind, detail) VALUES (?, ?, ?, ?)`)
      .run(jobId ?? null, this.stamp(), kind, JSON.stringify(detail));
  }

  eventCounts(jobId: string): Record<string, number> {
    const rows = this.db
      .prepare(`SELECT kind, COUNT(*) AS n FROM events WHERE job_id = ? GROUP BY kind`)
      .all(jobId) as { kind: string; n: number }[];
    return Object.fromEntries(rows.map((r) => [r.kind, r.n]));
  }

  /** Failed creates that may have been applied, each of which needed a look-up. */
  ambiguousFailures(jobId: string): number {
    const r = this.db
      .prepare(`SELECT COUNT(*) AS n FROM events WHERE job_id = ? AND json_extract(detail, '$.ambiguous') = 1`)
      .get(jobId) as { n: number };
    return r.n;
  }

  events(jobId: string, kinds?: readonly string[]): StoredEvent[] {
    const rows = this.db.prepare(`SELECT at, kind, detail FROM events WHERE job_id = ? ORDER BY id`).all(jobId) as {
      at: string;
      kind: string;
      detail: string;
    }[];
    return rows
      .filter((r) => !kinds || kinds.includes(r.kind))
      .map((r) => ({ at: r.at, kind: r.kind, detail: JSON.parse(r.detail) }));
  }

  // ---------------------------------------------------------------------------------------------
  // Digest queries (src/digest/): read-only views of a time window (from, to].
  // Every stamp is `toISOString()` (one fixed width, UTC), so comparing stamps as text compares
  // instants. A quote's `updated_at` is the time of its latest state change, and a written quote
  // never changes again, so "written in the window" needs no new column. Rejected rows and
  // duplicates are recorded with their job, so they count in the window the job was created in.
  // These scan job_quotes without an index on updated_at: fine for one digest a day.

  /** Jobs that changed in the window (created, ran, finished), oldest first. */
  jobsUpdatedBetween(from: Date, to: Date): SyncJob[] {
    const rows = this.db
      .prepare(`SELECT * FROM jobs WHERE updated_at > ? AND updated_at <= ? ORDER BY updated_at, rowid`)
      .all(from.toISOString(), to.toISOString()) as JobRow[];
    return rows.map(toJob);
  }

  /** Jobs in these states however old, latest first: a failed job stays listed until retried or cancelled. */
  jobsInStates(states: readonly JobState[], limit = 50): SyncJob[] {
    if (states.length === 0) return [];
    const rows = this.db
      .prepare(
        `SELECT * FROM jobs WHERE state IN (${states.map(() => '?').join(', ')})
         ORDER BY updated_at DESC, rowid DESC LIMIT ?`,
      )
      .all(...states, limit) as JobRow[];
    return rows.map(toJob);
  }

  /** Quotes by the state they reached in the window. */
  quoteStatesBetween(from: Date, to: Date): Partial<Record<QuoteState, number>> {
    const rows = this.db
      .prepare(`SELECT state, COUNT(*) AS n FROM job_quotes WHERE updated_at > ? AND updated_at <= ? GROUP BY state`)
      .all(from.toISOString(), to.toISOString()) as { state: QuoteState; n: number }[];
    return Object.fromEntries(rows.map((r) => [r.state, r.n]));
  }

  /** Unusable rows and duplicates in the inputs of jobs created in the window. */
  inputIssuesBetween(from: Date, to: Date): { rejectedRows: number; duplicates: number } {
    const window = `SELECT id FROM jobs WHERE created_at > ? AND created_at <= ?`;
    const count = (table: 'job_rejects' | 'job_duplicates') =>
      (
        this.db
          .prepare(`SELECT COUNT(*) AS n FROM ${table} WHERE job_id IN (${window})`)
          .get(from.toISOString(), to.toISOString()) as { n: number }
      ).n;
    return { rejectedRows: count('job_rejects'), duplicates: count('job_duplicates') };
  }

  /** Quotes written in the window, counted by category or sentiment (undefined: the quote has none), most first. */
  writtenCountsBy(field: 'category' | 'sentiment', from: Date, to: Date): { value: string | undefined; count: number }[] {
    const rows = this.db
      .prepare(
        `SELECT json_extract(quote, ?) AS value, COUNT(*) AS n FROM job_quotes
         WHERE state = 'written' AND updated_at > ? AND updated_at <= ?
         GROUP BY value ORDER BY n DESC, value`,
      )
      .all(`$.${field}`, from.toISOString(), to.toISOString()) as { value: string | null; n: number }[];
    return rows.map((r) => ({ value: r.value ?? undefined, count: r.n }));
  }

  /** The quotes written in the window with the highest relevance (unscored last), with their pages. */
  topWrittenBetween(from: Date, to: Date, limit: number): { jobId: string; quote: Quote; pageId: string | undefined }[] {
    const rows = this.db
      .prepare(
        `SELECT job_id, quote, page_id FROM job_quotes
         WHERE state = 'written' AND updated_at > ? AND updated_at <= ?
         ORDER BY json_extract(quote, '$.relevanceScore') DESC NULLS LAST, updated_at, job_id, position
         LIMIT ?`,
      )
      .all(from.toISOString(), to.toISOString(), limit) as { job_id: string; quote: string; page_id: string | null }[];
    return rows.map((r) => ({ jobId: r.job_id, quote: JSON.parse(r.quote) as Quote, pageId: r.page_id ?? undefined }));
  }

  /** Events recorded in the window, by kind. */
  eventCountsBetween(from: Date, to: Date): Record<string, number> {
    const rows = this.db
      .prepare(`SELECT kind, COUNT(*) AS n FROM events WHERE at > ? AND at <= ? GROUP BY kind`)
      .all(from.toISOString(), to.toISOString()) as { kind: string; n: number }[];
    return Object.fromEntries(rows.map((r) => [r.kind, r.n]));
  }

  /** Gives a claim back (what it guarded did not happen), so a later attempt can claim the key. */
  /** The per-window budget learned for an integration (a hash of its token and API URL), if any. */
  rateBudget(integration: string): LearnedWindow | undefined {
    const row = this.db
      .prepare('SELECT budget, window_ms, recent_sends FROM rate_budgets WHERE integration = ?')
      .get(integration) as { budget: number; window_ms: number; recent_sends: string } | undefined;
    if (!row) return undefined;
    return { budget: row.budget, windowMs: row.window_ms, recentSends: JSON.parse(row.recent_sends) as number[] };
  }

  saveRateBudget(integration: string, learned: LearnedWindow): void {
    this.db
      .prepare(
        `INSERT INTO rate_budgets (integration, budget, window_ms, recent_sends, updated_at) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (integration) DO UPDATE SET budget = excluded.budget, window_ms = excluded.window_ms,
           recent_sends = excluded.recent_sends, updated_at = excluded.updated_at`,
      )
      .run(integration, learned.budget, learned.windowMs, JSON.stringify(learned.recentSends ?? []), this.stamp());
  }

  releaseTrigger(key: string): void {
    this.db.prepare(`DELETE FROM triggers WHERE key = ?`).run(key);
  }
}
