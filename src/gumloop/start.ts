/**
 * Starting a flow while the plan's runs may all be busy. Gumloop rejects a start with 429 while
 * the organisation runs as many flows as its plan allows (docs `core-concepts/rate_limits`: Free
 * 2 at once, Pro 5; Enterprise queues the start instead). A rejected start did not run, so it is
 * sent again, after Retry-After or a doubling pause, until Gumloop takes it or the wait is up.
 * A start whose answer was lost (no answer, a time-out, a 5xx) may have started the flow: it is
 * never sent again, or the flow could run twice.
 */
import { GumloopBusyError, GumloopRequestError } from '../errors.js';
import { sleepRejectingOnAbort } from '../time/sleep.js';
import type { GumloopClient, GumloopPipelineInput } from './client.js';

export type StartedRun = Awaited<ReturnType<GumloopClient['startPipeline']>>;

export interface StartWhenFreeOptions {
  /** The whole wait for a slot, pauses included. */
  timeoutMs: number;
  /** The first pause after a rejection; it doubles after each one up to maxDelayMs. */
  initialDelayMs: number;
  maxDelayMs: number;
  /** Told of the first rejection only: the thread hears once that the flow waits for a slot. */
  onBusy?: (error: GumloopRequestError) => void | Promise<void>;
  /** Ends the wait for a slot (the pause rejects with its reason); a start in flight is never cut short, its answer would be lost. */
  signal?: AbortSignal;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  now?: () => number;
}

/** Gumloop's answer when the plan's concurrent runs are busy: 429 to a start. */
export function isRunLimitError(error: unknown): error is GumloopRequestError {
  return error instanceof GumloopRequestError && error.status === 429;
}

/** A start whose answer never came, or came as a server error: Gumloop may have started the run. */
export function isLostStartAnswer(error: unknown): error is GumloopRequestError {
  return error instanceof GumloopRequestError && (error.status === undefined || error.status >= 500);
}

/** The pause before the next start: the doubling pause, or longer when Gumloop asked for longer. */
export function pauseBeforeNextStartMs(delayMs: number, retryAfterMs: number | undefined): number {
  return retryAfterMs === undefined ? delayMs : Math.max(delayMs, retryAfterMs);
}

/**
 * Starts the flow, waiting for a free slot while Gumloop says the plan's runs are busy. Throws
 * GumloopBusyError when no slot freed in time, and a GumloopRequestError that says the flow may
 * have started when a start's answer was lost; any other refusal as the client threw it.
 */
export async function startWhenSlotFrees(
  client: Pick<GumloopClient, 'startPipeline'>,
  savedItemId: string,
  inputs: GumloopPipelineInput[],
  options: StartWhenFreeOptions,
): Promise<StartedRun> {
  const { timeoutMs, initialDelayMs, maxDelayMs, onBusy, signal } = options;
  for (const [name, value] of Object.entries({ timeoutMs, initialDelayMs, maxDelayMs })) {
    if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
      throw new TypeError(`startWhenSlotFrees's ${name} must be a positive number of milliseconds, got ${String(value)} (${typeof value}).`);
    }
  }
  const sleep = options.sleep ?? sleepRejectingOnAbort;
  const now = options.now ?? Date.now;
  const deadline = now() + timeoutMs;
  let delayMs = initialDelayMs;
  let rejections = 0;
  for (;;) {
    signal?.throwIfAborted();
    try {
      return await client.startPipeline(savedItemId, inputs);
    } catch (error) {
      if (isLostStartAnswer(error)) throw lostStart(savedItemId, error);
      if (!isRunLimitError(error)) throw error;
      rejections += 1;
      if (rejections === 1) await onBusy?.(error);
      const pauseMs = pauseBeforeNextStartMs(delayMs, error.retryAfterMs);
      delayMs = Math.min(delayMs * 2, maxDelayMs);
      const remainingMs = deadline - now();
      // Starting again before the Retry-After Gumloop asked for would only be rejected again.
      if (remainingMs <= 0 || (error.retryAfterMs !== undefined && error.retryAfterMs > remainingMs)) {
        throw new GumloopBusyError(savedItemId, timeoutMs, rejections);
      }
      // The last pause is cut short so that one start is tried right at the deadline.
      await sleep(Math.min(pauseMs, remainingMs), signal);
    }
  }
}

function lostStart(savedItemId: string, error: GumloopRequestError): GumloopRequestError {
  const why = error.status === undefined ? 'no answer came' : `it answered HTTP ${error.status}`;
  return new GumloopRequestError(
    `Gumloop did not confirm starting the flow ${savedItemId} (${why}), so it may have started. ` +
      'Quote Sync does not start it again, so that it cannot run twice: look for the run in the flow\'s history in Gumloop, ' +
      'and once it is done, `/sync-quotes gumloop <run id>` syncs its quotes.',
    error.status,
  );
}
