/**
 * The Notion request budget learned per integration (a hash of its token and API URL), so the
 * next process starts at the pace the last one found instead of meeting the same 429s.
 */
import type Database from 'better-sqlite3';
import type { LearnedWindow } from '../notion/window-budget.js';

export class RateBudgets {
  constructor(
    private readonly db: Database.Database,
    /** The time of a change, as stored. */
    private readonly stamp: () => string,
  ) {}

  /** The per-window budget learned for an integration, if any. */
  get(integration: string): LearnedWindow | undefined {
    const row = this.db
      .prepare('SELECT budget, window_ms, recent_sends FROM rate_budgets WHERE integration = ?')
      .get(integration) as { budget: number; window_ms: number; recent_sends: string } | undefined;
    if (!row) return undefined;
    return { budget: row.budget, windowMs: row.window_ms, recentSends: JSON.parse(row.recent_sends) as number[] };
  }

  save(integration: string, learned: LearnedWindow): void {
    this.db
      .prepare(
        `INSERT INTO rate_budgets (integration, budget, window_ms, recent_sends, updated_at) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (integration) DO UPDATE SET budget = excluded.budget, window_ms = excluded.window_ms,
           recent_sends = excluded.recent_sends, updated_at = excluded.updated_at`,
      )
      .run(integration, learned.budget, learned.windowMs, JSON.stringify(learned.recentSends ?? []), this.stamp());
  }
}
