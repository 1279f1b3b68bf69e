/**
 * Paces every request of one Notion integration through one p-queue: one request at a time,
 * spaced on an ideal timeline at the current rate, never more than the configured ceiling.
 *
 * It owns everything about Notion's rate limits, because only it sees every request in order:
 * - a refusal (429 or 529) pauses the whole queue for the time Notion asked for, before the next
 *   request can start;
 * - a per-connection 429 teaches the window budget (window-budget.ts), which then keeps the
 *   requests within it; what is learned is handed to `onLearned`, to be remembered per integration;
 * - a 429 the window model cannot explain lowers the adaptive rate (adaptive-rate.ts), for
 *   workspaces still on the older "average rate" limit;
 * - a workspace-wide 429 only pauses: other integrations spent that limit, not this one;
 * - a 429 of one endpoint's own limit (`public_api_endpoint_rate_limit`) holds only the requests
 *   to that endpoint for its Retry-After; the rest go on, and the window budget is learned from
 *   them as before;
 * - a 429 saying the integration's requests are blocked (`public_api_request_blocked`, not to be
 *   retried) is remembered: every request of a job asked for before it fails without being sent
 *   (`RequestsBlockedError`), here and, through the store, on every replica.
 *
 * Replicas of the app that share a store share one budget too (`shared`, the store's rate
 * ledger): each request's slot is taken on a timeline common to all of them, within the budget
 * any of them learned, after any pause any of them met; a refusal is counted against every
 * replica's sends.
 *
 * Its timers keep the process alive while a request waits (a command line must not exit in the
 * middle of a pause); `close()` clears them.
 *
 * Here: the queue, the timeline and the pause, and what a refusal teaches them. Beside it: what a
 * refusal is and the holds it leaves (refusals.ts), the budget replicas share (shared-budget.ts).
 */
import PQueue from 'p-queue';
import { sleepEndingOnAbort } from '../../time/sleep.js';
import { AdaptiveRate, DEFAULT_RATE_RECOVERY_MS } from './adaptive-rate.js';
import type { NotionObserver } from './observer.js';
import { RequestHolds, type PauseInfo, type Refusal, type RefusalLimit, type RequestLabel } from './refusals.js';
import type { SharedBudget } from './shared-budget.js';
import { DEFAULT_WINDOW_MS, WindowBudget, type LearnedWindow } from './window-budget.js';

export interface PacerOptions {
  /** Ceiling: requests per second the queue never exceeds. */
  requestsPerSecond: number;
  /** Quiet time after a 429 before the adaptive rate climbs back a step. Default 60 s. */
  recoveryMs?: number;
  /** Length of Notion's per-connection window. Default 60 s (Notion's request-limits page). */
  windowMs?: number;
  /** A budget learned by an earlier job of this integration. */
  learned?: LearnedWindow;
  /** Told whenever the budget is learned or the pacer closes, to remember it. */
  onLearned?: (learned: LearnedWindow) => Promise<void> | void;
  /** A block an earlier process met (ms), read from the store. */
  blockedAt?: number;
  /** Told when Notion blocks the integration's requests, to remember it for later processes. */
  onBlocked?: (at: number) => Promise<void> | void;
  /** The budget replicas share, when they share a store. */
  shared?: SharedBudget;
  /** Reads a failed request: a rate-limit or overload refusal, or undefined for anything else. */
  refusalOf?: (error: unknown) => Refusal | undefined;
  /** Told how long each request waited for its slot; the gateways on this pacer report their requests to it too. */
  observe?: NotionObserver;
  /** Pause after a refusal without Retry-After; doubles while they repeat. Default 1 s. */
  fallbackWaitMs?: number;
  /** Injectable for tests. */
  setTimer?: (fn: () => void, ms: number) => unknown;
  clearTimer?: (handle: unknown) => void;
  now?: () => number;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

/** What a queued request answers when its endpoint became held while it waited: not sent, to wait and go again. */
const HELD: unique symbol = Symbol('held');

export class RequestPacer {
  private readonly queue: PQueue;
  private readonly adaptive: AdaptiveRate;
  private readonly window: WindowBudget;
  /** When the next request is due on the ideal timeline (one every 1000 / rate ms). */
  private nextSlot = Number.NEGATIVE_INFINITY;
  private resumeAt = 0;
  private pauseLimit: RefusalLimit = 'connection';
  private timer: unknown;
  /** A block of the integration's requests, endpoints held by their own limit, the fallback pause. */
  private readonly holds: RequestHolds;
  private readonly options: PacerOptions;
  private readonly setTimer: NonNullable<PacerOptions['setTimer']>;
  private readonly clearTimer: NonNullable<PacerOptions['clearTimer']>;
  private readonly now: () => number;
  private readonly sleep: NonNullable<PacerOptions['sleep']>;

  constructor(options: PacerOptions) {
    const ceiling = options.requestsPerSecond;
    if (!(ceiling > 0) || !Number.isFinite(ceiling)) {
      throw new TypeError(`requestsPerSecond must be a finite number above 0, got ${String(ceiling)} (${typeof ceiling})`);
    }
    this.options = options;
    this.adaptive = new AdaptiveRate(ceiling, options.recoveryMs ?? DEFAULT_RATE_RECOVERY_MS);
    this.window = new WindowBudget(options.windowMs ?? DEFAULT_WINDOW_MS, options.learned);
    // The queue is the hard ceiling: at most one second's worth of requests in any rolling second,
    // one at a time. Within it, requests are spaced evenly on an ideal timeline (below), so a timer
    // that fires a millisecond late does not push every later request back.
    const cap = Math.max(1, Math.round(ceiling));
    this.queue = new PQueue({ concurrency: 1, intervalCap: cap, interval: (cap * 1000) / ceiling, strict: true });
    this.setTimer = options.setTimer ?? ((fn, ms) => setTimeout(fn, ms));
    this.clearTimer = options.clearTimer ?? ((handle) => clearTimeout(handle as NodeJS.Timeout));
    this.now = options.now ?? Date.now;
    this.sleep = options.sleep ?? sleepEndingOnAbort;
    this.holds = new RequestHolds(options.fallbackWaitMs ?? 1000, this.now, options.blockedAt);
  }

  /** Whoever watches this integration's requests (see PacerOptions.observe). */
  get observer(): NotionObserver | undefined {
    return this.options.observe;
  }

  /** The rate requests are sent at now (requests per second). */
  get requestsPerSecond(): number {
    return this.adaptive.rate;
  }

  /** The per-connection budget per window, once learned. */
  get windowBudget(): number | undefined {
    return this.window.budget;
  }

  get isPaused(): boolean {
    return this.queue.isPaused;
  }

  /** When Notion blocked the integration's requests, if it did (ms). */
  get blockedAt(): number | undefined {
    return this.holds.blockedAt;
  }

  /** How long requests to `endpoint` are still held by its own limit, if they are. */
  endpointPause(endpoint: string): PauseInfo | undefined {
    return this.holds.endpointPause(endpoint);
  }

  /** The pause in force, if any: how much of it is left and what caused it. */
  get pause(): PauseInfo | undefined {
    const left = this.resumeAt - this.now();
    return this.queue.isPaused && left > 0 ? { limit: this.pauseLimit, ms: left } : undefined;
  }

  /**
   * Runs `request` when its turn comes. `signal` takes it out of the queue (rejecting with the
   * signal's reason) as long as it has not been sent; a request already sent is let finish.
   * A request to an endpoint held by its own limit waits outside the queue, so the others pass.
   */
  async run<T>(request: () => Promise<T>, signal?: AbortSignal, label: RequestLabel = {}): Promise<T> {
    const since = this.now();
    for (;;) {
      this.holds.throwIfBlocked(label);
      const held = label.endpoint === undefined ? undefined : this.endpointPause(label.endpoint);
      if (held) {
        await this.sleep(held.ms, signal);
        if (signal?.aborted) throw signal.reason;
        continue;
      }
      const result = await this.runQueued(request, signal, label, since);
      // Held while it waited in the queue: it was not sent, and waits for the hold like the rest.
      if (result !== HELD) return result;
    }
  }

  /** `since`: when the request first asked for its turn, for the wait told to the observer. */
  private runQueued<T>(request: () => Promise<T>, signal: AbortSignal | undefined, label: RequestLabel, since: number): Promise<T | typeof HELD> {
    let sent = false;
    const unqueue = new AbortController();
    const onAbort = () => {
      if (!sent) unqueue.abort(signal?.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    if (signal?.aborted) onAbort();
    return this.queue
      .add(
        async () => {
          this.holds.throwIfBlocked(label);
          if (label.endpoint !== undefined && this.endpointPause(label.endpoint)) return HELD;
          this.adaptive.maybeClimb(this.now());
          const { slot, release, blockedAt } = await this.takeSlot();
          if (blockedAt !== undefined) this.holds.block(blockedAt);
          if (this.holds.isBlockedFor(label)) {
            await release?.();
            this.holds.throwIfBlocked(label);
          }
          const now = this.now();
          if (slot > now) await this.sleep(slot - now, signal);
          if (signal?.aborted) {
            await release?.();
            throw signal.reason;
          }
          sent = true;
          const at = this.now();
          this.window.sent(at);
          this.options.observe?.waited?.({ endpoint: label.endpoint, ms: at - since });
          try {
            const result = await request();
            this.holds.answered();
            return result;
          } catch (error) {
            const refusal = this.options.refusalOf?.(error);
            if (refusal) {
              // Notion does nothing with a request over a rate limit: it used no budget.
              if (refusal.limit !== 'overloaded') await release?.();
              if (refusal.limit === 'blocked') await this.blocked(at);
              else if (refusal.limit === 'endpoint' && refusal.endpoint !== undefined) this.holdEndpoint(refusal, at);
              else await this.refused(refusal, at);
            }
            throw error;
          }
        },
        { signal: unqueue.signal },
      )
      .finally(() => signal?.removeEventListener('abort', onAbort));
  }

  /** Holds every queued request for `ms` (from now), extending a pause already in force. */
  pauseFor(ms: number, limit: RefusalLimit = 'connection'): void {
    const until = this.now() + Math.max(0, ms);
    if (until <= this.resumeAt) return;
    this.resumeAt = until;
    this.pauseLimit = limit;
    this.queue.pause();
    if (this.timer !== undefined) this.clearTimer(this.timer);
    this.timer = this.setTimer(() => {
      this.timer = undefined;
      this.resumeAt = 0;
      this.queue.start();
    }, ms);
  }

  /** Notion blocked the integration's requests: remembered here, in the store, and by every replica. */
  private async blocked(at: number): Promise<void> {
    this.holds.block(at);
    this.window.unsend(at);
    await this.options.onBlocked?.(at);
    await this.options.shared?.blocked(at);
  }

  /** One endpoint's own limit: only its requests wait; the window and the rate learn nothing from it. */
  private holdEndpoint(refusal: Refusal, sentAt: number): void {
    this.holds.holdEndpoint(refusal.endpoint!, refusal.retryAfterMs);
    this.window.unsend(sentAt);
  }

  /** Clears the pause timer and hands what was learned over to be remembered. Requests still queued stay queued. */
  async close(): Promise<void> {
    if (this.timer !== undefined) this.clearTimer(this.timer);
    this.timer = undefined;
    await this.remember();
  }

  /**
   * When the next request may go. Alone, slots follow the ideal timeline, so a timer that fires
   * early or late (Node truncates fractional delays) changes no average; a missed slot is not
   * caught up (after a pause that would fire two requests into an empty budget). Shared, the
   * ledger does the same for every replica at once.
   */
  private async takeSlot(): Promise<{ slot: number; release?: () => Promise<void>; blockedAt?: number | undefined }> {
    const now = this.now();
    const spacingMs = 1000 / this.adaptive.rate;
    const shared = this.options.shared;
    if (!shared) {
      const slot = Math.max(this.nextSlot, now + this.window.waitMs(now));
      this.nextSlot = slot + spacingMs;
      return { slot };
    }
    const taken = await shared.reserve({
      earliest: Math.max(now, this.nextSlot),
      spacingMs,
      budget: this.window.budget,
      windowMs: this.window.windowMs,
      spanMs: this.window.spanMs,
    });
    if (taken.budget !== undefined) this.window.adoptBudget(taken.budget);
    this.nextSlot = taken.slot + spacingMs;
    return { slot: taken.slot, release: () => taken.release(), blockedAt: taken.blockedAt };
  }

  private async refused(refusal: Refusal, sentAt: number): Promise<void> {
    const now = this.now();
    const waitMs = refusal.retryAfterMs ?? this.holds.fallbackWait();
    const shared = this.options.shared;
    this.pauseFor(waitMs, refusal.limit);
    if (refusal.limit !== 'overloaded') this.window.unsend(sentAt);
    if (refusal.limit === 'connection' && refusal.retryAfterMs !== undefined) {
      if (shared) {
        const history = await shared.history(sentAt - 2 * this.window.windowMs);
        this.window.adoptHistory(history.sends, history.completeFrom);
      }
      // Counted from when the answer came, not from the send: the count can then only come out short.
      const outcome = this.window.refused(now, refusal.retryAfterMs);
      if (outcome.kind === 'learned') {
        await shared?.learned(outcome.budget, this.window.windowMs);
        await this.remember();
      }
      // A second refusal that does not fit a window, or one within a known budget: the older,
      // average-rate limit (or a neighbour on this connection); slow down.
      else if (outcome.kind === 'unexpected' || outcome.again) this.adaptive.limited(now, waitMs);
    } else if (refusal.limit === 'connection' || refusal.limit === 'other') {
      this.adaptive.limited(now, waitMs);
    }
    await shared?.pause(now + waitMs);
  }

  private async remember(): Promise<void> {
    const snapshot = this.window.snapshot(this.now());
    if (snapshot) await this.options.onLearned?.(snapshot);
  }
}
