/**
 * The Notion request budget learned per integration (a hash of its token and API URL), so the
 * next process starts at the pace the last one found instead of meeting the same 429s; and when
 * Notion last blocked the integration's requests, so jobs asked for before it stop unsent.
 */
import type { LearnedWindow } from '../notion/pacing/window-budget.js';
import type { Db } from './db.js';

export class RateBudgets {
  constructor(
    private readonly db: Db,
    /** The time of a change, as stored. */
    private readonly stamp: () => string,
  ) {}

  /** The per-window budget learned for an integration, if any. */
  async get(integration: string): Promise<LearnedWindow | undefined> {
    const row = await this.db.get<{ budget: number; window_ms: number; recent_sends: string }>(
      'SELECT budget, window_ms, recent_sends FROM rate_budgets WHERE integration = ?',
      [integration],
    );
    if (!row) return undefined;
    return { budget: row.budget, windowMs: row.window_ms, recentSends: JSON.parse(row.recent_sends) as number[] };
  }

  async save(integration: string, learned: LearnedWindow): Promise<void> {
    await this.db.run(
      `INSERT INTO rate_budgets (integration, budget, window_ms, recent_sends, updated_at) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (integration) DO UPDATE SET budget = excluded.budget, window_ms = excluded.window_ms,
         recent_sends = excluded.recent_sends, updated_at = excluded.updated_at`,
      [integration, learned.budget, learned.windowMs, JSON.stringify(learned.recentSends ?? []), this.stamp()],
    );
  }

  /** When Notion last blocked the integration's requests (429 public_api_request_blocked), in ms; undefined if never. */
  async blockedAt(integration: string): Promise<number | undefined> {
    const row = await this.db.get<{ blocked_at: number }>('SELECT blocked_at FROM integration_blocks WHERE integration = ?', [integration]);
    return row?.blocked_at;
  }

  /** Remembers that Notion blocked the integration's requests at `at` (ms); a later block moves it on. */
  async block(integration: string, at: number): Promise<void> {
    await this.db.run(
      `INSERT INTO integration_blocks (integration, blocked_at, updated_at) VALUES (?, ?, ?)
       ON CONFLICT (integration) DO UPDATE SET blocked_at = excluded.blocked_at, updated_at = excluded.updated_at
       WHERE integration_blocks.blocked_at < excluded.blocked_at`,
      [integration, at, this.stamp()],
    );
  }
}
