/**
 * Job events: what happened to a job beyond its quotes' states (a retry, a pause, the breaker,
 * a recovery). Reports and the digest count them by kind, so the kinds are one closed list.
 */
import { jsonIsTrue, type Db } from './db.js';

export type JobEventKind =
  // Recorded by the writer, each a request that failed or a step it took.
  | 'conflict'
  | 'rate_limited'
  | 'workspace_limited'
  | 'endpoint_limited'
  | 'overloaded'
  | 'server_error'
  | 'timeout'
  | 'network'
  | 'lookup'
  | 'rejected'
  | 'failed'
  | 'breaker_open'
  | 'breaker_closed'
  | 'recovered'
  // Recorded by the engine: a recovery began, and a deleted database was made again.
  | 'recovery'
  | 'database_recreated';

/** Events by kind; a kind that never happened is absent. */
export type JobEventCounts = Partial<Record<JobEventKind, number>>;

export class JobEvents {
  constructor(
    private readonly db: Db,
    /** The time of a change, as stored. */
    private readonly stamp: () => string,
  ) {}

  async add(jobId: string | undefined, kind: JobEventKind, detail: Record<string, unknown> = {}): Promise<void> {
    await this.db.run(`INSERT INTO events (job_id, at, kind, detail) VALUES (?, ?, ?, ?)`, [jobId ?? null, this.stamp(), kind, JSON.stringify(detail)]);
  }

  /** A job's events, by kind. */
  async counts(jobId: string): Promise<JobEventCounts> {
    const rows = await this.db.all<{ kind: JobEventKind; n: number }>(`SELECT kind, COUNT(*) AS n FROM events WHERE job_id = ? GROUP BY kind`, [jobId]);
    return Object.fromEntries(rows.map((r) => [r.kind, r.n]));
  }

  /** Failed creates that may have been applied, each of which needed a look-up. */
  async ambiguousFailures(jobId: string): Promise<number> {
    const r = await this.db.get<{ n: number }>(
      `SELECT COUNT(*) AS n FROM events WHERE job_id = ? AND ${jsonIsTrue(this.db.dialect, 'detail', 'ambiguous')}`,
      [jobId],
    );
    return r?.n ?? 0;
  }
}
