/**
 * Notion's older rate limit, "3 requests a second on average, small bursts", which may still
 * describe some workspaces: a token bucket whose rate is learned. The configured rate is a
 * ceiling; each 429 that the window model cannot explain means the real rate is lower, so the
 * rate drops by RATE_DECREASE; after a quiet spell it probes a step (RATE_INCREASE of the
 * ceiling) higher. A probe that draws a 429 returns to the last good rate and the next probe
 * waits twice as long, so a settled writer rarely meets a 429 again.
 */

/** Each 429 multiplies the rate by this. */
export const RATE_DECREASE = 0.9;
/** Each quiet spell adds this share of the ceiling back. */
export const RATE_INCREASE = 0.05;
export const DEFAULT_RATE_RECOVERY_MS = 60_000;
/** Failed probes double the wait before the next one, up to this many times the recovery time. */
const MAX_PROBE_WAIT_FACTOR = 16;
/** The learned rate never goes below this share of the ceiling. */
const MIN_RATE_SHARE = 0.05;

export class AdaptiveRate {
  private rateValue: number;
  private lastStep = Number.NEGATIVE_INFINITY;
  private lastLimitedAt = Number.NEGATIVE_INFINITY;
  /** The rate before the current probe; where a failed probe returns to. */
  private goodRate: number;
  private probing = false;
  private probeWaitMs: number;

  constructor(
    readonly ceiling: number,
    private readonly recoveryMs: number = DEFAULT_RATE_RECOVERY_MS,
  ) {
    this.rateValue = ceiling;
    this.goodRate = ceiling;
    this.probeWaitMs = recoveryMs;
  }

  /** Requests per second now. */
  get rate(): number {
    return this.rateValue;
  }

  /** A 429 at `now` asking to wait `retryAfterMs`: the real rate is lower than the current one. */
  limited(now: number, retryAfterMs = 0): void {
    const sinceLast = now - this.lastLimitedAt;
    this.lastLimitedAt = now;
    this.lastStep = now;
    if (this.probing) {
      // The step up was one too many: back to the rate that held, and probe less often.
      this.probing = false;
      this.rateValue = this.goodRate;
      this.probeWaitMs = Math.min(this.probeWaitMs * 2, this.recoveryMs * MAX_PROBE_WAIT_FACTOR);
      return;
    }
    // A 429 right after the pause of another is the same overload answering twice: one cut is enough.
    if (sinceLast < retryAfterMs + 2 * (1000 / this.rateValue)) return;
    this.rateValue = Math.max(this.ceiling * MIN_RATE_SHARE, this.rateValue * RATE_DECREASE);
    this.goodRate = this.rateValue;
  }

  /** Before each request: after a quiet spell below the ceiling, try a step higher. */
  maybeClimb(now: number): void {
    if (this.rateValue >= this.ceiling) return;
    if (now - this.lastStep < this.probeWaitMs) return;
    if (this.probing) this.probeWaitMs = this.recoveryMs; // the last probe held for a whole spell
    this.lastStep = now;
    this.goodRate = this.rateValue;
    this.probing = true;
    this.rateValue = Math.min(this.ceiling, this.rateValue + this.ceiling * RATE_INCREASE);
  }
}
