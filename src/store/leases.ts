/**
 * Job leases: which app instance may run a job now, so replicas and processes sharing one store
 * never write the same job at once. A lease is a row; taking it is one conditional upsert, so of
 * two replicas reaching for the same job, one gets it.
 */
import type { Db } from './db.js';

export type LeaseResult = { ok: true } | { ok: false; expiresAt: number };

export class Leases {
  constructor(
    private readonly db: Db,
    private readonly now: () => Date,
  ) {}

  /**
   * Takes, or renews, the right to run a job for `ttlMs`. Refused, with the holder's expiry,
   * while another owner holds it; a holder that died stops renewing and its lease runs out.
   */
  async acquire(
    jobId: string,
    owner: string,
    ttlMs: number,
    /** True for a holder known to be gone (say, a process that no longer exists): its lease is taken at once. */
    isGone: (holder: string) => boolean = () => false,
  ): Promise<LeaseResult> {
    const now = this.now().getTime();
    const held = await this.db.get<{ owner: string; expires_at: number }>(`SELECT owner, expires_at FROM job_leases WHERE job_id = ?`, [jobId]);
    const other = held && held.owner !== owner && held.expires_at > now ? held : undefined;
    // A live holder keeps it: refused without a write (replicas ask for every unheld job, often).
    if (other && !isGone(other.owner)) return { ok: false, expiresAt: other.expires_at };
    // A holder known to be gone is taken over only if it still holds the row when the update runs.
    const gone = other ? other.owner : null;
    const taken = await this.db.all<{ owner: string }>(
      `INSERT INTO job_leases (job_id, owner, expires_at) VALUES (?, ?, ?)
       ON CONFLICT (job_id) DO UPDATE SET owner = excluded.owner, expires_at = excluded.expires_at
       WHERE job_leases.owner = excluded.owner OR job_leases.expires_at <= ? OR job_leases.owner = ?
       RETURNING owner`,
      [jobId, owner, now + ttlMs, now, gone],
    );
    if (taken.length === 1) return { ok: true };
    const holder = await this.db.get<{ expires_at: number }>(`SELECT expires_at FROM job_leases WHERE job_id = ?`, [jobId]);
    return { ok: false, expiresAt: holder?.expires_at ?? now };
  }

  /** Gives the lease up; only its holder can. */
  async release(jobId: string, owner: string): Promise<void> {
    await this.db.run(`DELETE FROM job_leases WHERE job_id = ? AND owner = ?`, [jobId, owner]);
  }

  /** Jobs whose lease has run out, or that have none. */
  async isFree(jobId: string): Promise<boolean> {
    const held = await this.db.get<{ expires_at: number }>(`SELECT expires_at FROM job_leases WHERE job_id = ?`, [jobId]);
    return !held || held.expires_at <= this.now().getTime();
  }
}
