/**
 * Paces every request of one Notion integration through one p-queue: one request at a time,
 * spaced evenly at the configured rate (sliding window), so nothing bursts past Notion's limit.
 * A 429 or 529 pauses the whole queue for the time Notion asked for.
 */
import PQueue from 'p-queue';

export interface PacerOptions {
  requestsPerSecond: number;
  /** Injectable for tests. */
  setTimer?: (fn: () => void, ms: number) => { unref?: () => void };
  clearTimer?: (handle: unknown) => void;
  now?: () => number;
}

export class RequestPacer {
  private queue: PQueue;
  private rate: number;
  private resumeAt = 0;
  private timer: unknown;
  private readonly setTimer: NonNullable<PacerOptions['setTimer']>;
  private readonly clearTimer: NonNullable<PacerOptions['clearTimer']>;
  private readonly now: () => number;

  constructor(options: PacerOptions) {
    if (!(options.requestsPerSecond > 0) || !Number.isFinite(options.requestsPerSecond)) {
      throw new TypeError(
        `requestsPerSecond must be a finite number above 0, got ${String(options.requestsPerSecond)} (${typeof options.requestsPerSecond})`,
      );
    }
    this.rate = options.requestsPerSecond;
    this.queue = RequestPacer.makeQueue(this.rate);
    this.setTimer = options.setTimer ?? ((fn, ms) => setTimeout(fn, ms));
    this.clearTimer = options.clearTimer ?? ((handle) => clearTimeout(handle as NodeJS.Timeout));
    this.now = options.now ?? Date.now;
  }

  /** One request per `1000 / rate` ms in any rolling window: smooth pacing, no burst at a window's edge. */
  private static makeQueue(requestsPerSecond: number): PQueue {
    return new PQueue({ concurrency: 1, intervalCap: 1, interval: 1000 / requestsPerSecond, strict: true });
  }

  get requestsPerSecond(): number {
    return this.rate;
  }

  /** Runs `request` when its turn comes. */
  run<T>(request: () => Promise<T>): Promise<T> {
    return this.queue.add(request);
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

  /** Resolves when nothing is queued or running. */
  onIdle(): Promise<void> {
    return this.queue.onIdle();
  }
}
