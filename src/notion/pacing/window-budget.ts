/**
 * Notion's per-connection limit as its request-limits page now describes it: a fixed budget of
 * requests per window (60 s), spendable at any pace; over it, 429 with Retry-After = the time
 * until the window resets. The budget depends on the workspace's plan and is not published, so
 * it is learned from the first refusal: the requests Notion accepted since the window opened
 * (the reset time minus the window) are the budget. When this connection's history does not
 * reach back to that opening (the job started mid-window), the reset is a known boundary and the
 * next refusal, one window later, gives the exact count since it.
 *
 * Once known, the budget is spent as a sliding window: at most `budget` sends in any span of
 * `windowMs` (plus a small guard). Any fixed window is such a span, so this never exceeds
 * Notion's budget whatever the phase of its windows, and it needs no clock alignment.
 */

/** What was learned, as remembered per integration between jobs. */
export interface LearnedWindow {
  budget: number;
  windowMs: number;
  /** Send times (ms since the epoch) within the last window, so a job right after another keeps to the budget. */
  recentSends?: number[];
}

export type RefusalOutcome =
  /** The budget is known now (first or again). */
  | { kind: 'learned'; budget: number }
  /** A window boundary is known; the budget will be counted from it. `again`: an earlier boundary did not fit. */
  | { kind: 'boundary'; again: boolean }
  /** Refused although this connection kept within the budget it knew: others use the connection, or the budget shrank. */
  | { kind: 'unexpected' };

export const DEFAULT_WINDOW_MS = 60_000;
/** Retry-After is whole seconds: a reset time read from it is up to a second late. */
const RETRY_AFTER_RESOLUTION_MS = 1000;

export class WindowBudget {
  private sends: number[] = [];
  private firstSendAt: number | undefined;
  private budgetValue: number | undefined;
  /** A window boundary learned from a refusal whose history was incomplete. */
  private boundary: number | undefined;
  /** When the last refusal within the known budget came. */
  private lastUnexpectedAt = Number.NEGATIVE_INFINITY;
  /** Extra margin on the sliding window: responses arrive after the server counted the request. */
  private readonly guardMs: number;

  constructor(
    readonly windowMs: number = DEFAULT_WINDOW_MS,
    learned?: LearnedWindow,
  ) {
    if (!(windowMs > 0) || !Number.isFinite(windowMs)) {
      throw new TypeError(`windowMs must be a finite number above 0, got ${String(windowMs)} (${typeof windowMs})`);
    }
    this.guardMs = Math.max(2, windowMs * 0.005);
    if (learned && learned.windowMs === windowMs && learned.budget >= 1) {
      this.budgetValue = Math.floor(learned.budget);
      this.sends = [...(learned.recentSends ?? [])].sort((a, b) => a - b);
    }
  }

  /** The learned budget per window, if any. */
  get budget(): number | undefined {
    return this.budgetValue;
  }

  /** The span that holds at most `budget` sends: the window plus a guard. */
  get spanMs(): number {
    return this.windowMs + this.guardMs;
  }

  /** A budget learned elsewhere (another replica of the integration): kept to from now on. */
  adoptBudget(budget: number): void {
    if (budget >= 1 && budget !== this.budgetValue) this.learn(Math.floor(budget));
  }

  /**
   * Every sender's history, from a ledger replicas share: `sends` since at least two windows
   * ago, complete from `completeFrom` on. Read before a refusal is counted, so the count holds
   * every replica's requests, not this one's alone.
   */
  adoptHistory(sends: readonly number[], completeFrom: number): void {
    this.sends = [...sends].sort((a, b) => a - b);
    this.firstSendAt = completeFrom;
  }

  /** What to remember for the next job of this integration. */
  snapshot(now: number): LearnedWindow | undefined {
    if (this.budgetValue === undefined) return undefined;
    this.prune(now);
    return { budget: this.budgetValue, windowMs: this.windowMs, recentSends: [...this.sends] };
  }

  /** A request goes out now. */
  sent(now: number): void {
    this.firstSendAt ??= now;
    this.sends.push(now);
    this.prune(now);
  }

  /** The request sent last was refused by a rate limit: it used no budget. */
  unsend(at: number): void {
    const i = this.sends.lastIndexOf(at);
    if (i >= 0) this.sends.splice(i, 1);
  }

  /** How long the next request must wait to keep within the known budget (0 when unknown). */
  waitMs(now: number): number {
    const budget = this.budgetValue;
    if (budget === undefined) return 0;
    this.prune(now);
    const span = this.spanMs;
    const inWindow = this.sends.filter((t) => t > now - span);
    if (inWindow.length < budget) return 0;
    // The send that must leave the window before another may go.
    const oldest = inWindow[inWindow.length - budget]!;
    return Math.max(0, oldest + span - now);
  }

  /**
   * Notion refused a request (per-connection limit), and its answer came back at `answeredAt`; the
   * window resets `retryAfterMs` after Notion answered. Notion answered at or before `answeredAt`,
   * so the reset read from it is never earlier than the true one, nor the window's opening: every
   * send counted from there arrived inside the window. The count may miss a request or two sent
   * just before the opening that arrived after it, so a budget learned is at most one or two short,
   * never over: one over would draw a 429 in every window after.
   */
  refused(answeredAt: number, retryAfterMs: number): RefusalOutcome {
    const now = answeredAt;
    const reset = now + retryAfterMs;
    const windowStart = reset - this.windowMs;
    if (this.budgetValue !== undefined) {
      // Once can be another process's requests in one window; again in the next, the budget is lower.
      const recent = now - this.lastUnexpectedAt <= 2 * this.windowMs;
      this.lastUnexpectedAt = now;
      if (!recent) return { kind: 'unexpected' };
      // Lower only: a count that reaches past the window's opening (a slow answer) must not raise it.
      return this.learn(Math.min(this.budgetValue, this.countSince(windowStart)));
    }
    if (this.boundary !== undefined) {
      const windows = Math.round((reset - this.boundary) / this.windowMs);
      const drift = Math.abs(reset - (this.boundary + windows * this.windowMs));
      if (windows >= 1 && drift <= this.tolerance()) {
        return this.learn(this.countSince(this.boundary + (windows - 1) * this.windowMs));
      }
    }
    // A whole number of seconds may be rounded up by up to a second: the window opened somewhere
    // in the second before `windowStart`. Only a history that reaches back past that second, with
    // no send inside it, gives the exact count.
    const uncertainMs = retryAfterMs % 1000 === 0 ? RETRY_AFTER_RESOLUTION_MS : 0;
    if (this.firstSendAt !== undefined && this.firstSendAt <= windowStart - uncertainMs) {
      const count = this.countSince(windowStart);
      if (count === this.countSince(windowStart - uncertainMs)) return this.learn(count);
    }
    const again = this.boundary !== undefined;
    this.boundary = reset;
    return { kind: 'boundary', again };
  }

  private learn(count: number): RefusalOutcome {
    this.boundary = undefined;
    this.lastUnexpectedAt = Number.NEGATIVE_INFINITY;
    this.budgetValue = Math.max(1, count);
    return { kind: 'learned', budget: this.budgetValue };
  }

  private tolerance(): number {
    return Math.min(RETRY_AFTER_RESOLUTION_MS + this.guardMs, this.windowMs / 10);
  }

  private countSince(start: number): number {
    return this.sends.filter((t) => t >= start).length;
  }

  private prune(now: number): void {
    const keepAfter = now - 2 * this.windowMs;
    let drop = 0;
    while (drop < this.sends.length && this.sends[drop]! < keepAfter) drop += 1;
    if (drop > 0) this.sends.splice(0, drop);
  }
}
