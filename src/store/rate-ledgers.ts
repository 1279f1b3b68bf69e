/**
 * One Notion budget for every replica of an integration: a row per integration holding the next
 * free slot on the shared timeline, the pause in force and the learned budget per window, and the
 * sends of the last two windows. A replica reserves each request's slot in one short transaction
 * (the row is locked, so two replicas never take the same slot), then waits for it and sends.
 */
import type { Db, SqlRunner } from './db.js';

export interface ReserveRequest {
  /** Not before this (ms since the epoch): now, or later. */
  earliest: number;
  /** The next slot comes at least this long after this one (1000 / requests per second). */
  spacingMs: number;
  /** This replica's budget per window, if it knows one; the ledger's, once any replica learned it, wins. */
  budget: number | undefined;
  windowMs: number;
  /** The span that may hold at most `budget` sends: the window plus a guard. */
  spanMs: number;
  /** Names this reservation among others at the same instant. */
  ref: string;
}

export interface Reservation {
  /** When to send (ms since the epoch). */
  slot: number;
  /** The budget per window all replicas keep to, once learned. */
  budget: number | undefined;
  /** When Notion last blocked the integration's requests, on any replica (integration_blocks). */
  blockedAt: number | undefined;
}

interface LedgerRow {
  next_slot: number;
  paused_until: number;
  budget: number | null;
  window_ms: number;
  started_at: number;
  blocked_at: number | null;
}

export class RateLedgers {
  constructor(private readonly db: Db) {}

  /** Takes the next free slot for `integration` and records it as a send. */
  reserve(integration: string, request: ReserveRequest): Promise<Reservation> {
    return this.db.transaction(async (tx) => {
      const row = await this.lockRow(tx, integration, request.windowMs, request.earliest);
      const shared = row.budget !== null && row.window_ms === request.windowMs ? row.budget : undefined;
      const budget = shared ?? request.budget;
      if (shared === undefined && request.budget !== undefined) {
        await tx.run(`UPDATE rate_ledgers SET budget = ?, window_ms = ? WHERE integration = ?`, [request.budget, request.windowMs, integration]);
      }
      let slot = Math.max(request.earliest, row.next_slot, row.paused_until);
      if (budget !== undefined) {
        // The budget-th latest send in the span before the slot must leave the span first.
        const limiting = await tx.get<{ at: number }>(
          `SELECT at FROM rate_sends WHERE integration = ? AND at > ? ORDER BY at DESC LIMIT 1 OFFSET ?`,
          [integration, slot - request.spanMs, budget - 1],
        );
        if (limiting) slot = Math.max(slot, limiting.at + request.spanMs);
      }
      await tx.run(`INSERT INTO rate_sends (integration, at, id) VALUES (?, ?, ?)`, [integration, slot, request.ref]);
      await tx.run(`UPDATE rate_ledgers SET next_slot = ? WHERE integration = ?`, [slot + request.spacingMs, integration]);
      await tx.run(`DELETE FROM rate_sends WHERE integration = ? AND at < ?`, [integration, request.earliest - 2 * request.windowMs]);
      return { slot, budget, blockedAt: row.blocked_at ?? undefined };
    });
  }

  /** A reserved send that was not sent, or that a rate limit refused (it used no budget). */
  async unsend(integration: string, slot: number, ref: string): Promise<void> {
    await this.db.run(`DELETE FROM rate_sends WHERE integration = ? AND at = ? AND id = ?`, [integration, slot, ref]);
  }

  /** Holds every replica's next slot until `until`, unless a longer pause is in force. */
  async pause(integration: string, until: number): Promise<void> {
    await this.db.run(`UPDATE rate_ledgers SET paused_until = ? WHERE integration = ? AND paused_until < ?`, [until, integration, until]);
  }

  /** Records the budget a replica learned (it may lower or raise the shared one: the latest refusal is the best count). */
  async learned(integration: string, budget: number, windowMs: number): Promise<void> {
    await this.db.run(`UPDATE rate_ledgers SET budget = ?, window_ms = ? WHERE integration = ?`, [budget, windowMs, integration]);
  }

  /**
   * Every replica's sends since `since`, in order, and from when that history is complete: the
   * ledger's first send, or `since` (sends are kept for two windows, and callers ask for no more).
   */
  async history(integration: string, since: number): Promise<{ sends: number[]; completeFrom: number }> {
    const rows = await this.db.all<{ at: number }>(`SELECT at FROM rate_sends WHERE integration = ? AND at >= ? ORDER BY at`, [integration, since]);
    const row = await this.db.get<{ started_at: number }>(`SELECT started_at FROM rate_ledgers WHERE integration = ?`, [integration]);
    return { sends: rows.map((r) => r.at), completeFrom: Math.max(row?.started_at ?? Number.POSITIVE_INFINITY, since) };
  }

  private async lockRow(tx: SqlRunner, integration: string, windowMs: number, now: number): Promise<LedgerRow> {
    // SQLite's IMMEDIATE transaction already holds the write lock.
    // With it, in the same statement, when Notion last blocked the integration's requests (any replica's).
    const select =
      `SELECT l.next_slot, l.paused_until, l.budget, l.window_ms, l.started_at, b.blocked_at FROM rate_ledgers l ` +
      `LEFT JOIN integration_blocks b ON b.integration = l.integration WHERE l.integration = ?${tx.dialect === 'postgres' ? ' FOR UPDATE OF l' : ''}`;
    const row = await tx.get<LedgerRow>(select, [integration]);
    if (row) return row;
    // The integration's first request: make its row (another replica may make it at the same moment).
    await tx.run(
      `INSERT INTO rate_ledgers (integration, next_slot, paused_until, budget, window_ms, started_at)
       VALUES (?, 0, 0, NULL, ?, ?) ON CONFLICT DO NOTHING`,
      [integration, windowMs, now],
    );
    return (await tx.get<LedgerRow>(select, [integration]))!;
  }

}
