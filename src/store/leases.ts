/** Job leases: which app instance may run a job now, so two sharing one file never write the same job at once. */
import type Database from 'better-sqlite3';

export type LeaseResult = { ok: true } | { ok: false; expiresAt: number };

export class Leases {
  constructor(
    private readonly db: Database.Database,
    private readonly now: () => Date,
  ) {}

  /**
   * Takes, or renews, the right to run a job for `ttlMs`. Refused, with the holder's expiry,
   * while another owner holds it; a holder that died stops renewing and its lease runs out.
   */
  acquire(
    jobId: string,
    owner: string,
    ttlMs: number,
    /** True for a holder known to be gone (say, a process that no longer exists): its lease is taken at once. */
    isGone: (holder: string) => boolean = () => false,
  ): LeaseResult {
    const now = this.now().getTime();
    const take = this.db.transaction((): LeaseResult => {
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

  /** Gives the lease up; only its holder can. */
  release(jobId: string, owner: string): void {
    this.db.prepare(`DELETE FROM job_leases WHERE job_id = ? AND owner = ?`).run(jobId, owner);
  }
}
