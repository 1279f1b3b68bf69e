/**
 * Trigger claims: something that may start a job (say, one uploaded Slack file) starts at most
 * one, across processes and restarts. Slack delivers one upload as two events and retries
 * deliveries; only the claim that returns true may start a job.
 */
import type Database from 'better-sqlite3';

export class Triggers {
  constructor(
    private readonly db: Database.Database,
    /** The time of a change, as stored. */
    private readonly stamp: () => string,
  ) {}

  /** True for the first claim of `key`, false for every later one. */
  claim(key: string): boolean {
    return this.db.prepare(`INSERT OR IGNORE INTO triggers (key, claimed_at) VALUES (?, ?)`).run(key, this.stamp()).changes === 1;
  }

  /** Gives a claim back (what it guarded did not happen), so a later attempt can claim the key. */
  release(key: string): void {
    this.db.prepare(`DELETE FROM triggers WHERE key = ?`).run(key);
  }
}
