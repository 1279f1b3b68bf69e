/**
 * Trigger claims: something that may start a job (say, one uploaded Slack file) starts at most
 * one, across processes, replicas and restarts. Slack delivers one upload as two events and
 * retries deliveries, to any replica; only the claim that returns true may start a job. A claim
 * that led to a job is bound to it (`job_id`); one that is still unbound after a while was left
 * by a process that stopped between the claim and the job, and a caller that says so may take it
 * over. Each step is one statement, so two replicas never both win.
 */
import type { Db } from './db.js';

export interface TriggerClaim {
  key: string;
  /** The job the claim started; unset while the claimant works, or when it ended without a job. */
  jobId?: string;
  claimedAt: string;
}

export interface ClaimOptions {
  /** A claim without a job at least this old is taken over (its claimant is taken to be gone). Never, when unset. */
  takeOverUnboundAfterMs?: number;
}

export class Triggers {
  constructor(
    private readonly db: Db,
    /** The time of a change, as stored. */
    private readonly stamp: () => string,
  ) {}

  /** True for the first claim of `key`, false for every later one (but see `takeOverUnboundAfterMs`). */
  async claim(key: string, options: ClaimOptions = {}): Promise<boolean> {
    const now = this.stamp();
    if ((await this.db.run(`INSERT INTO triggers (key, claimed_at) VALUES (?, ?) ON CONFLICT DO NOTHING`, [key, now])) === 1) return true;
    if (options.takeOverUnboundAfterMs === undefined) return false;
    const cutoff = new Date(Date.parse(now) - options.takeOverUnboundAfterMs).toISOString();
    // One statement: of two processes taking over the same stale claim, one changes the row.
    return (await this.db.run(`UPDATE triggers SET claimed_at = ? WHERE key = ? AND job_id IS NULL AND claimed_at <= ?`, [now, key, cutoff])) === 1;
  }

  /** Records the job a claim started: the claim is then settled for good. */
  async bind(key: string, jobId: string): Promise<void> {
    await this.db.run(`UPDATE triggers SET job_id = ? WHERE key = ?`, [jobId, key]);
  }

  /** Gives a claim back (what it guarded did not happen), so a later attempt can claim the key. */
  async release(key: string): Promise<void> {
    await this.db.run(`DELETE FROM triggers WHERE key = ?`, [key]);
  }

  async get(key: string): Promise<TriggerClaim | undefined> {
    const row = await this.db.get<{ key: string; job_id: string | null; claimed_at: string }>(
      `SELECT key, job_id, claimed_at FROM triggers WHERE key = ?`,
      [key],
    );
    return row && { key: row.key, ...(row.job_id !== null ? { jobId: row.job_id } : {}), claimedAt: row.claimed_at };
  }
}
