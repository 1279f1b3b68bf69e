/**
 * Trigger claims: something that may start a job (say, one uploaded Slack file) starts at most
 * one, across processes, replicas and restarts. Slack delivers one upload as two events and
 * retries deliveries, to any replica; only the claim that returns true may start a job. A claim
 * that led to a job is bound to it (`job_id`); one that is still unbound after a while was left
 * by a process that stopped between the claim and the job, and a caller that says so may take it
 * over. Each step is one statement, so two replicas never both win.
 *
 * A claim may keep what its trigger said (`trigger_events`: the upload's file, channel, thread…),
 * written with the claim, so that a claim left unbound can be taken up again without Slack
 * delivering the event again (`leftUnbound`). The event goes once the claim is bound, settled or
 * given back.
 */
import type { Db, SqlRunner } from './db.js';

export interface TriggerClaim {
  key: string;
  /** The job the claim started; unset while the claimant works, or when it ended without a job. */
  jobId?: string;
  claimedAt: string;
}

/** What a trigger said, kept with its claim: `kind` names the trigger (`slack-upload`), `payload` is its JSON-able content. */
export interface TriggerEvent {
  kind: string;
  payload: unknown;
}

/** A claim left without a job, with the event that made it. */
export interface LeftClaim {
  key: string;
  claimedAt: string;
  payload: unknown;
}

export interface ClaimOptions {
  /** A claim without a job at least this old is taken over (its claimant is taken to be gone). Never, when unset. */
  takeOverUnboundAfterMs?: number;
  /** Kept with the claim (replacing what an earlier claimant kept), until it is bound, settled or given back. */
  event?: TriggerEvent;
}

export class Triggers {
  constructor(
    private readonly db: Db,
    /** The time of a change, as stored. */
    private readonly stamp: () => string,
  ) {}

  /** True for the first claim of `key`, false for every later one (but see `takeOverUnboundAfterMs`). */
  async claim(key: string, options: ClaimOptions = {}): Promise<boolean> {
    const { event } = options;
    if (!event) return this.claimOn(this.db, key, options);
    // The claim and its event in one transaction: a claim that can be taken up again always says what to take up.
    return this.db.transaction(async (tx) => {
      if (!(await this.claimOn(tx, key, options))) return false;
      await tx.run(
        `INSERT INTO trigger_events (key, kind, payload) VALUES (?, ?, ?)
         ON CONFLICT (key) DO UPDATE SET kind = excluded.kind, payload = excluded.payload`,
        [key, event.kind, JSON.stringify(event.payload)],
      );
      return true;
    });
  }

  private async claimOn(sql: SqlRunner, key: string, options: ClaimOptions): Promise<boolean> {
    const now = this.stamp();
    if ((await sql.run(`INSERT INTO triggers (key, claimed_at) VALUES (?, ?) ON CONFLICT DO NOTHING`, [key, now])) === 1) return true;
    if (options.takeOverUnboundAfterMs === undefined) return false;
    const cutoff = new Date(Date.parse(now) - options.takeOverUnboundAfterMs).toISOString();
    // One statement: of two processes taking over the same stale claim, one changes the row.
    return (await sql.run(`UPDATE triggers SET claimed_at = ? WHERE key = ? AND job_id IS NULL AND claimed_at <= ?`, [now, key, cutoff])) === 1;
  }

  /**
   * Takes over `key`'s claim if it is unbound and at least `olderThanMs` old, and returns it as its
   * claimant left it (what it guarded may have begun after `claimedAt`); undefined when the claim
   * is fresh, bound, missing, or another process took it over first (one statement decides).
   */
  async takeOverUnbound(key: string, olderThanMs: number): Promise<TriggerClaim | undefined> {
    const left = await this.get(key);
    if (!left || left.jobId !== undefined) return undefined;
    const now = this.stamp();
    if (Date.parse(left.claimedAt) > Date.parse(now) - olderThanMs) return undefined;
    const changed = await this.db.run(`UPDATE triggers SET claimed_at = ? WHERE key = ? AND job_id IS NULL AND claimed_at = ?`, [now, key, left.claimedAt]);
    return changed === 1 ? left : undefined;
  }

  /** Records the job a claim started: the claim is then settled for good. */
  async bind(key: string, jobId: string): Promise<void> {
    await this.db.run(`UPDATE triggers SET job_id = ? WHERE key = ?`, [jobId, key]);
    await this.db.run(`DELETE FROM trigger_events WHERE key = ?`, [key]);
  }

  /** The claim ended without a job and never will lead to one (the person was told why): it stays, its event goes. */
  async settle(key: string): Promise<void> {
    await this.db.run(`DELETE FROM trigger_events WHERE key = ?`, [key]);
  }

  /** Gives a claim back (what it guarded did not happen), so a later attempt can claim the key. */
  async release(key: string): Promise<void> {
    await this.db.transaction(async (tx) => {
      await tx.run(`DELETE FROM trigger_events WHERE key = ?`, [key]);
      await tx.run(`DELETE FROM triggers WHERE key = ?`, [key]);
    });
  }

  async get(key: string): Promise<TriggerClaim | undefined> {
    const row = await this.db.get<{ key: string; job_id: string | null; claimed_at: string }>(
      `SELECT key, job_id, claimed_at FROM triggers WHERE key = ?`,
      [key],
    );
    return row && { key: row.key, ...(row.job_id !== null ? { jobId: row.job_id } : {}), claimedAt: row.claimed_at };
  }

  /**
   * The claims of trigger `kind` still without a job at least `olderThanMs` after they were taken,
   * with their events, oldest first: their claimants are taken to be gone. Listing takes nothing
   * over; `claim` with `takeOverUnboundAfterMs` does, for one caller.
   */
  async leftUnbound(kind: string, olderThanMs: number, limit = 100): Promise<LeftClaim[]> {
    const cutoff = new Date(Date.parse(this.stamp()) - olderThanMs).toISOString();
    const rows = await this.db.all<{ key: string; claimed_at: string; payload: string }>(
      `SELECT t.key, t.claimed_at, e.payload FROM trigger_events e JOIN triggers t ON t.key = e.key
       WHERE e.kind = ? AND t.job_id IS NULL AND t.claimed_at <= ? ORDER BY t.claimed_at, t.key LIMIT ?`,
      [kind, cutoff, limit],
    );
    return rows.map((r) => ({ key: r.key, claimedAt: r.claimed_at, payload: JSON.parse(r.payload) as unknown }));
  }
}
