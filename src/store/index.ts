/**
 * The job store (SQLite through better-sqlite3): jobs, every quote's state, rejected rows,
 * duplicates, the databases a job writes to, and events. Each state change is committed before
 * the next Notion request, so a process killed at any point can be resumed without loss.
 *
 * One file, one connection, one namespace per table or concern: `store.jobs`, `store.quotes`,
 * `store.leases`, `store.databases`, `store.triggers`, `store.events`, `store.digest`,
 * `store.rateBudgets`.
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { TargetDatabases } from './databases.js';
import { DigestQueries } from './digest.js';
import { JobEvents } from './events.js';
import { Jobs } from './jobs.js';
import { Leases } from './leases.js';
import { JobQuotes } from './quotes.js';
import { RateBudgets } from './rate-budgets.js';
import { applySchema } from './schema.js';
import { Triggers } from './triggers.js';

export type { CreatedDatabase } from './databases.js';
export type { JobEventCounts, JobEventKind } from './events.js';
export type { NewJob } from './jobs.js';
export type { LeaseResult } from './leases.js';
export * from './types.js';

export class JobStore {
  readonly jobs: Jobs;
  readonly quotes: JobQuotes;
  readonly leases: Leases;
  readonly databases: TargetDatabases;
  readonly triggers: Triggers;
  readonly events: JobEvents;
  readonly digest: DigestQueries;
  readonly rateBudgets: RateBudgets;
  private readonly db: Database.Database;

  constructor(path: string, options: { now?: () => Date } = {}) {
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    this.db = new Database(path);
    this.db.pragma('journal_mode = WAL');
    // NORMAL keeps every commit across a killed process; only a power loss can drop the last ones.
    this.db.pragma('synchronous = NORMAL');
    this.db.pragma('busy_timeout = 5000');
    applySchema(this.db);
    const now = options.now ?? (() => new Date());
    const stamp = () => now().toISOString();
    this.jobs = new Jobs(this.db, stamp);
    this.quotes = new JobQuotes(this.db, stamp);
    this.leases = new Leases(this.db, now);
    this.databases = new TargetDatabases(this.db, stamp);
    this.triggers = new Triggers(this.db, stamp);
    this.events = new JobEvents(this.db, stamp);
    this.digest = new DigestQueries(this.db);
    this.rateBudgets = new RateBudgets(this.db, stamp);
  }

  close(): void {
    this.db.close();
  }
}
