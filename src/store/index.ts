/**
 * The job store: jobs, every quote's state, rejected rows, duplicates, the databases a job writes
 * to, and events. Each state change is committed before the next Notion request, so a process
 * killed at any point can be resumed without loss.
 *
 * It lives in a SQLite file (one host, nothing to install) or on a PostgreSQL server that app
 * replicas share (`QUOTE_SYNC_DB=postgres://…`): one set of statements (db.ts), two drivers.
 * One namespace per table or concern: `store.jobs`, `store.quotes`, `store.leases`,
 * `store.databases`, `store.triggers`, `store.events`, `store.fields`, `store.channels`, `store.digest`, `store.rateBudgets`,
 * `store.rateLedgers`, `store.gumloopWaits`, `store.workflowSteps`, `store.retention`.
 */
import { StoreUnavailableError } from '../errors.js';
import { isPostgresLocation, redactLocation, type Db } from './db.js';
import { observedDb, type StoreObserver } from './observed-db.js';
import { PostgresDb } from './postgres-db.js';
import { SqliteDb } from './sqlite-db.js';
import { ChannelTargets } from './channels.js';
import { TargetDatabases } from './databases.js';
import { DigestQueries } from './digest.js';
import { JobFields } from './fields.js';
import { JobEvents } from './events.js';
import { GumloopWaits } from './gumloop-waits.js';
import { Jobs } from './jobs.js';
import { Leases } from './leases.js';
import { JobQuotes } from './quotes.js';
import { RateBudgets } from './rate-budgets.js';
import { RateLedgers } from './rate-ledgers.js';
import { JobRetention } from './retention.js';
import { applySchema } from './schema.js';
import { Triggers } from './triggers.js';
import { WorkflowSteps } from './workflow-steps.js';

export type { ChannelTarget } from './channels.js';
export type { CreatedDatabase } from './databases.js';
export type { JobEventCounts, JobEventKind } from './events.js';
export type { GumloopWait, GumloopWaitMessage, GumloopWaitState, NewGumloopWait } from './gumloop-waits.js';
export type { NewJob } from './jobs.js';
export type { LeaseResult } from './leases.js';
export { RETAINED_STATES, type SpaceReclaimed } from './retention.js';
export type { StoreObserver, StoreOperation } from './observed-db.js';
export type { WorkflowStep, WorkflowStepState } from './workflow-steps.js';
export * from './types.js';
export { isPostgresLocation, redactLocation } from './db.js';

/** The sentence for a store that could not be opened: where (no password) and why. */
export function storeOpenProblem(location: string, error: unknown): string {
  const why = error instanceof StoreUnavailableError ? error.detail : (error as Error).message;
  return `The job store at ${redactLocation(location)} cannot be opened: ${why}`;
}

export interface StoreOptions {
  now?: () => Date;
  /** Told of a PostgreSQL connection dropped while idle (the pool opens another). */
  onIdleError?: (error: Error) => void;
  /** Told how long each operation took, by kind (the app's metrics). */
  observe?: StoreObserver;
}

export class JobStore {
  readonly jobs: Jobs;
  readonly quotes: JobQuotes;
  readonly leases: Leases;
  readonly databases: TargetDatabases;
  readonly triggers: Triggers;
  readonly events: JobEvents;
  readonly fields: JobFields;
  readonly channels: ChannelTargets;
  readonly digest: DigestQueries;
  readonly rateBudgets: RateBudgets;
  readonly rateLedgers: RateLedgers;
  readonly gumloopWaits: GumloopWaits;
  readonly workflowSteps: WorkflowSteps;
  /** Finished jobs past RETENTION_DAYS, and the clearing of their quote texts. */
  readonly retention: JobRetention;
  /** True when replicas share this store (PostgreSQL): they then share Notion's budget through it too. */
  readonly shared: boolean;

  /** Opens (and on first use creates) the store at `location`: a postgres:// URL, or a SQLite file path. */
  static async open(location: string, options: StoreOptions = {}): Promise<JobStore> {
    const db: Db = isPostgresLocation(location)
      ? new PostgresDb(location, options.onIdleError ? { onIdleError: options.onIdleError } : {})
      : new SqliteDb(location);
    try {
      await applySchema(db);
    } catch (error) {
      await db.close().catch(() => undefined);
      throw error;
    }
    return new JobStore(options.observe ? observedDb(db, options.observe) : db, options);
  }

  private constructor(
    private readonly db: Db,
    options: StoreOptions = {},
  ) {
    this.shared = db.dialect === 'postgres';
    const now = options.now ?? (() => new Date());
    const stamp = () => now().toISOString();
    this.jobs = new Jobs(this.db, stamp);
    this.quotes = new JobQuotes(this.db, stamp);
    this.leases = new Leases(this.db, now);
    this.databases = new TargetDatabases(this.db, stamp);
    this.triggers = new Triggers(this.db, stamp);
    this.events = new JobEvents(this.db, stamp);
    this.fields = new JobFields(this.db, stamp);
    this.channels = new ChannelTargets(this.db, stamp);
    this.digest = new DigestQueries(this.db);
    this.rateBudgets = new RateBudgets(this.db, stamp);
    this.rateLedgers = new RateLedgers(this.db);
    this.gumloopWaits = new GumloopWaits(this.db, now);
    this.workflowSteps = new WorkflowSteps(this.db, () => now().getTime());
    this.retention = new JobRetention(this.db, stamp);
  }

  /** Resolves when the store answers a trivial query: whether it can be reached now. */
  async ping(): Promise<void> {
    await this.db.get('SELECT 1 AS one');
  }

  close(): Promise<void> {
    return this.db.close();
  }
}
