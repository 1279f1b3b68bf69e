/**
 * Job events: what happened to a job beyond its quotes' states (a retry, a pause, the breaker,
 * a recovery). Reports and the digest count them by kind, so the kinds are one closed list.
 */
import type Database from 'better-sqlite3';

export type JobEventKind =
  // Recorded by the writer, each a request that failed or a step it took.
  | 'conflict'
  | 'rate_limited'
  | 'workspace_limited'
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
    private readonly db: Database.Database,
    /** The time of a change, as stored. */
    private readonly stamp: () => string,
  ) {}

  add(jobId: string | undefined, kind: JobEventKind, detail: Record<string, unknown> = {}): void {
    this.db
      .prepare(`INSERT INTO events (job_id, at, kind, detail) VALUES (?, ?, ?, ?)`)
      .run(jobId ?? null, this.stamp(), kind, JSON.stringify(detail));
  }

  /** A job's events, by kind. */
  counts(jobId: string): JobEventCounts {
    const rows = this.db
      .prepare(`SELECT kind, COUNT(*) AS n FROM events WHERE job_id = ? GROUP BY kind`)
      .all(jobId) as { kind: JobEventKind; n: number }[];
    return Object.fromEntries(rows.map((r) => [r.kind, r.n]));
  }

  /** Failed creates that may have been applied, each of which needed a look-up. */
  ambiguousFailures(jobId: string): number {
    const r = this.db
      .prepare(`SELECT COUNT(*) AS n FROM events WHERE job_id = ? AND json_extract(detail, '$.ambiguous') = 1`)
      .get(jobId) as { n: number };
    return r.n;
  }
}
