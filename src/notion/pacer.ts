/**
 * Paces every request of one Notion integration through one p-queue: one request at a time,
 * spaced evenly (sliding window), so nothing bursts past Notion's limit. A 429 or 529 pauses the
 * whole queue for the time Notion asked for.
 *
 * The configured rate is a ceiling the queue enforces. Below it, the pacer keeps a learned rate:
 * each 429 means the real budget is lower (another integration sharing the workspace, a lower
 * limit than documented), so the rate drops by RATE_DECREASE; after a quiet spell it probes a
 * step (RATE_INCREASE of the ceiling) higher. A probe that draws a 429 returns to the last good
 * rate and the next probe waits twice as long, so a settled writer rarely meets a 429 again.
 */
import PQueue from 'p-queue';

export interface PacerOptions {
  requestsPerSecond: number;
  /** Quiet time after a 429 before the rate climbs back a step. */
  recoveryMs?: number;
  /** Injectable for tests. */
  setTimer?: (fn: () => void, ms: number) => { unref?: () => void };
  clearTimer?: (handle: unknown) => void;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

/** Each 429 multiplies the rate by this. */
export const RATE_DECREASE = 0.9;
/** Each quiet spell adds this share of the ceiling back. */
export const RATE_INCREASE = 0.05;
export const DEFAULT_RATE_RECOVERY_MS = 60_000;
/** Failed probes double the wait before the next one, up to this many times the recovery time. */
const MAX_PROBE_WAIT_FACTOR = 16;
/** The learned rate never goes below this share of the ceiling. */
const MIN_RATE_SHARE = 0.05;

export class RequestPacer {
  private readonly queue: PQueue;
  private readonly ceiling: number;
  private rate: number;
  /** When the next request is due on the ideal timeline (one every 1000 / rate ms). */
  private nextSlot = Number.NEGATIVE_INFINITY;
  private lastStep = Number.NEGATIVE_INFINITY;
  private lastLimitedAt = Number.NEGATIVE_INFINITY;
  /** The rate before the current probe; where a failed probe returns to. */
  private goodRate: number;
  private probing = false;
  private probeWaitMs: number;
  private resumeAt = 0;
  private timer: unknown;
  private readonly recoveryMs: number;
  private readonly setTimer: NonNullable<PacerOptions['setTimer']>;
  private readonly clearTimer: NonNullable<PacerOptions['clearTimer']>;
  private readonly now: () => number;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(options: PacerOptions) {
    if (!(options.requestsPerSecond > 0) || !Number.isFinite(options.requestsPerSecond)) {
      throw new TypeError(
        `requestsPerSecond must be a finite number above 0, got ${String(options.requestsPerSecond)} (${typeof options.requestsPerSecond})`,
      );
    }
    this.ceiling = options.requestsPerSecond;
    this.rate = this.ceiling;
    this.goodRate = this.ceiling;
    // The queue is the hard ceiling: at most one second's worth of requests in any rolling second
    // (Notion's allowance), one at a time. Within it, requests are spaced evenly on an ideal
    // timeline (below), so a timer that fires a millisecond late does not push every later
    // request back. A tighter window would bind on the jitter of request completions (the queue
    // stamps a task when it dispatches it) and lose slots.
    const cap = Math.max(1, Math.round(this.ceiling));
    this.queue = new PQueue({ concurrency: 1, intervalCap: cap, interval: (cap * 1000) / this.ceiling, strict: true });
    this.recoveryMs = options.recoveryMs ?? DEFAULT_RATE_RECOVERY_MS;
    this.probeWaitMs = this.recoveryMs;
    this.setTimer = options.setTimer ?? ((fn, ms) => setTimeout(fn, ms));
    this.clearTimer = options.clearTimer ?? ((handle) => clearTimeout(handle as NodeJS.Timeout));
    this.now = options.now ?? Date.now;
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
  }

  /** The rate requests are sent at now (requests per second). */
  get requestsPerSecond(): number {
    return this.rate;
  }

  /** Runs `request` when its turn comes. */
  run<T>(request: () => Promise<T>): Promise<T> {
    return this.queue.add(async () => {
      this.maybeClimb();
      const now = this.now();
      // Slots follow the ideal timeline; a missed slot is not caught up (after a 429's pause that
      // would fire two requests into an empty budget).
      const slot = Math.max(this.nextSlot, now);
      this.nextSlot = slot + 1000 / this.rate;
      if (slot > now) await this.sleep(slot - now);
      return request();
    });
  }

  /** Notion answered 429 (asking to wait `retryAfterMs`): the budget is lower than the current rate. */
  rateLimited(retryAfterMs = 0): void {
    const now = this.now();
    const sinceLast = now - this.lastLimitedAt;
    this.lastLimitedAt = now;
    this.lastStep = now;
    if (this.probing) {
      // The step up was one too many: back to the rate that held, and probe less often.
      this.probing = false;
      this.rate = this.goodRate;
      this.probeWaitMs = Math.min(this.probeWaitMs * 2, this.recoveryMs * MAX_PROBE_WAIT_FACTOR);
      return;
    }
    // A 429 right after the pause of another is the same overload answering twice: one cut is enough.
    if (sinceLast < retryAfterMs + 2 * (1000 / this.rate)) return;
    this.rate = Math.max(this.ceiling * MIN_RATE_SHARE, this.rate * RATE_DECREASE);
    this.goodRate = this.rate;
  }

  private maybeClimb(): void {
    if (this.rate >= this.ceiling) return;
    const now = this.now();
    if (now - this.lastStep < this.probeWaitMs) return;
    if (this.probing) this.probeWaitMs = this.recoveryMs; // the last probe held for a whole spell
    this.lastStep = now;
    this.goodRate = this.rate;
    this.probing = true;
    this.rate = Math.min(this.ceiling, this.rate + this.ceiling * RATE_INCREASE);
  }

  /** Holds every queued request for `ms` (from now), extending a pause already in force. */
  pauseFor(ms: number): void {
    const until = this.now() + Math.max(0, ms);
    if (until <= this.resumeAt) return;
    this.resumeAt = until;
    this.queue.pause();
    if (this.timer !== undefined) this.clearTimer(this.timer);
    const handle = this.setTimer(() => {
      this.timer = undefined;
      this.resumeAt = 0;
      this.queue.start();
    }, ms);
    handle.unref?.();
    this.timer = handle;
  }

  get isPaused(): boolean {
    return this.queue.isPaused;
  }
}
