/**
 * Circuit breaker over the writer's outcomes. Closed: writes flow, and a rolling window of the
 * last outcomes is watched. It opens when the conflicts in a full window show the conflict rate
 * is above the ratio, or after a run of consecutive failures (5xx, timeouts, dropped
 * connections). Open: no writes until the cool-down (which doubles with each trip in a row) has
 * passed. Half-open: one probe quote is written; success closes it, failure opens it again.
 *
 * "Above the ratio" is a one-sided binomial test at 1%: with a window of 20 and a ratio of 0.2,
 * 9 conflicts open it. A plain "more than 20% of the last 20" would fire on noise: at a steady
 * 10% conflict rate, 4% of windows hold 5 or more, and a run of a thousand writes tripped it four
 * times, pausing a writer that was doing fine (each 409 costs one retry, nothing else).
 *
 * A hand-written breaker rather than cockatiel/opossum: both wrap a call and decide per call,
 * while this one must sit beside a paced queue, count 409s (which are not failures to them),
 * and tell the writer how long to wait. It is small and fully tested.
 */

import type { Config } from '../../config.js';

export type WriteOutcome = 'success' | 'conflict' | 'failure';

/** Consecutive failed writes (5xx, timeouts, dropped connections) that open the breaker. */
export const BREAKER_CONSECUTIVE_FAILURES = 5;
/** The breaker's cool-down doubles per trip, up to this many times the configured one. */
export const BREAKER_MAX_COOLDOWN_FACTOR = 8;

/** A job's breaker, as configured (BREAKER_*). */
export function breakerFor(config: Config, now: () => number): CircuitBreaker {
  return new CircuitBreaker(
    {
      window: config.breaker.window,
      conflictRatio: config.breaker.conflictRatio,
      consecutiveFailures: BREAKER_CONSECUTIVE_FAILURES,
      cooldownMs: config.breaker.cooldownMs,
      maxCooldownMs: config.breaker.cooldownMs * BREAKER_MAX_COOLDOWN_FACTOR,
    },
    now,
  );
}

export interface BreakerOptions {
  /** Outcomes in the rolling window. */
  window: number;
  /** Conflict share (of a full window) above which it opens. */
  conflictRatio: number;
  /** Consecutive failures that open it. */
  consecutiveFailures: number;
  cooldownMs: number;
  /** The cool-down doubles per trip up to this. */
  maxCooldownMs: number;
}

export type BreakerState =
  | { kind: 'closed' }
  | { kind: 'open'; trip: number; openedAt: number; retryAt: number }
  | { kind: 'half_open'; trip: number };

/** What an opening looked like, for the alert. */
export interface BreakerTrip {
  trip: number;
  reason: 'conflicts' | 'failures' | 'probe_failed';
  /** Conflicts / outcomes in the window when it opened. */
  conflictShare: number;
  consecutiveFailures: number;
  windowSize: number;
  cooldownMs: number;
  retryAt: number;
}

export type BreakerGate = { allowed: true; probe: boolean } | { allowed: false; waitMs: number };

export class CircuitBreaker {
  private outcomes: WriteOutcome[] = [];
  private failuresInARow = 0;
  private current: BreakerState = { kind: 'closed' };
  private tripCount = 0;
  /** Trips since the breaker last closed: the cool-down doubles with each. */
  private tripsInARow = 0;
  /** Conflicts in a full window that open the breaker. */
  readonly conflictThreshold: number;

  constructor(
    private readonly options: BreakerOptions,
    private readonly now: () => number = Date.now,
  ) {
    if (!Number.isInteger(options.window) || options.window < 1) throw new TypeError(`window must be a whole number ≥ 1, got ${options.window}`);
    if (!(options.conflictRatio > 0 && options.conflictRatio <= 1)) {
      throw new TypeError(`conflictRatio must be in (0, 1], got ${options.conflictRatio}`);
    }
    this.conflictThreshold = significantCount(options.window, options.conflictRatio, SIGNIFICANCE);
  }

  get state(): BreakerState {
    return this.current;
  }

  /** How many times it has opened. */
  get trips(): number {
    return this.tripCount;
  }

  /** May a write go now? Moves open → half-open once the cool-down has passed. */
  gate(): BreakerGate {
    const s = this.current;
    if (s.kind === 'closed') return { allowed: true, probe: false };
    if (s.kind === 'half_open') return { allowed: true, probe: true };
    const wait = s.retryAt - this.now();
    if (wait > 0) return { allowed: false, waitMs: wait };
    this.current = { kind: 'half_open', trip: s.trip };
    return { allowed: true, probe: true };
  }

  /** Records one write's outcome. Returns the trip when this outcome opened the breaker. */
  record(outcome: WriteOutcome): { opened?: BreakerTrip; closed?: boolean } {
    if (this.current.kind === 'open') return {}; // a straggler from before it opened
    if (this.current.kind === 'half_open') {
      if (outcome === 'success') {
        this.reset();
        return { closed: true };
      }
      return { opened: this.open('probe_failed') };
    }
    this.outcomes.push(outcome);
    if (this.outcomes.length > this.options.window) this.outcomes.shift();
    this.failuresInARow = outcome === 'failure' ? this.failuresInARow + 1 : 0;
    if (this.failuresInARow >= this.options.consecutiveFailures) return { opened: this.open('failures') };
    if (this.outcomes.length >= this.options.window && this.conflicts() >= this.conflictThreshold) {
      return { opened: this.open('conflicts') };
    }
    return {};
  }

  private conflicts(): number {
    return this.outcomes.filter((o) => o === 'conflict').length;
  }

  private conflictShare(): number {
    return this.outcomes.length === 0 ? 0 : this.conflicts() / this.outcomes.length;
  }

  private open(reason: BreakerTrip['reason']): BreakerTrip {
    this.tripCount += 1;
    this.tripsInARow += 1;
    const cooldownMs = Math.min(this.options.maxCooldownMs, this.options.cooldownMs * 2 ** (this.tripsInARow - 1));
    const openedAt = this.now();
    const trip: BreakerTrip = {
      trip: this.tripCount,
      reason,
      conflictShare: this.conflictShare(),
      consecutiveFailures: this.failuresInARow,
      windowSize: this.outcomes.length,
      cooldownMs,
      retryAt: openedAt + cooldownMs,
    };
    this.current = { kind: 'open', trip: this.tripCount, openedAt, retryAt: trip.retryAt };
    return trip;
  }

  private reset(): void {
    this.current = { kind: 'closed' };
    this.tripsInARow = 0;
    this.outcomes = [];
    this.failuresInARow = 0;
  }
}

/** One-sided significance of the conflict test. */
const SIGNIFICANCE = 0.01;

/**
 * The smallest k such that k or more conflicts in n writes would happen with probability below
 * `alpha` if the true conflict rate were `ratio`: seeing k means the rate is above the ratio.
 */
export function significantCount(n: number, ratio: number, alpha: number): number {
  if (ratio >= 1) return n + 1;
  let tail = 1; // P(X >= 0)
  let pmf = (1 - ratio) ** n; // P(X = 0)
  for (let k = 1; k <= n; k++) {
    tail -= pmf;
    if (tail < alpha) return k;
    pmf = (pmf * (n - k + 1) * ratio) / (k * (1 - ratio));
  }
  return n;
}
