/**
 * The Gumloop REST API, as its docs describe it (https://docs.gumloop.com/api-reference):
 * `POST /start_pipeline` starts a flow (a "saved item") and answers its run id; `GET /get_pl_run`
 * answers the run's state, log and, once DONE, its outputs keyed by the flow's output node names.
 * Every request carries `Authorization: Bearer <api key>`; personal keys also need the user id in
 * `x-auth-key`, which the official SDK always sends, so we do too.
 *
 * Errors: the docs list the statuses (400 bad request, 401 bad key, 403 key does not match the
 * user, 404 unknown run, 429 too many concurrent runs, 5xx) but not the bodies. The official SDK
 * reads `{"error": "<text>"}` or `{"error": {"message": ...}}`, so we read both.
 */
import {
  GumloopAuthError,
  GumloopNotFoundError,
  GumloopRequestError,
  GumloopRunFailedError,
  GumloopTimeoutError,
} from '../errors.js';
import { parseRetryAfterMs } from '../time/retry-after.js';
import { sleepRejectingOnAbort } from '../time/sleep.js';

/**
 * The states the docs list for a run. QUEUED (a newer spec) and STARTED (the getting-started
 * page) are not in every version; any state we do not know is treated as still in progress.
 */
export type GumloopRunState =
  | 'QUEUED'
  | 'STARTED'
  | 'RUNNING'
  | 'TERMINATING'
  | 'DONE'
  | 'FAILED'
  | 'TERMINATED'
  | (string & {});

export interface GumloopRun {
  runId: string;
  state: GumloopRunState;
  /** Keyed by the flow's output node names; filled when the run is DONE. */
  outputs: Record<string, unknown>;
  log: string[];
  createdTs?: string;
  finishedTs?: string;
}

export interface GumloopPipelineInput {
  input_name: string;
  value: string;
}

export interface GumloopClientOptions {
  apiUrl: string;
  apiKey: string;
  userId: string;
  projectId?: string;
  fetch?: typeof fetch;
  /** One request's time-out. */
  timeoutMs?: number;
}

export interface WaitForRunOptions {
  /** The whole wait, polls and pauses included. */
  timeoutMs: number;
  /** The first pause between polls; it doubles after each poll up to maxDelayMs. */
  initialDelayMs: number;
  maxDelayMs: number;
  /** Called with the run whenever its state changes (and for the first answer). */
  onState?: (run: GumloopRun) => void;
  signal?: AbortSignal;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  now?: () => number;
}

export const DEFAULT_GUMLOOP_REQUEST_TIMEOUT_MS = 30_000;
/** How many of a failed run's log lines its error shows. */
export const FAILED_RUN_LOG_LINES = 5;

/** DONE has outputs; FAILED and TERMINATED never will, nor will TERMINATING (the official SDK stops there too). */
export function runOutcome(state: GumloopRunState): 'done' | 'failed' | 'pending' {
  if (state === 'DONE') return 'done';
  if (state === 'FAILED' || state === 'TERMINATED' || state === 'TERMINATING') return 'failed';
  return 'pending';
}

/** Whether one poll that failed this way may be tried again: no answer, a server error, or 429. */
export function isRetryablePollError(error: unknown): error is GumloopRequestError {
  if (!(error instanceof GumloopRequestError)) return false;
  return error.status === undefined || error.status === 429 || error.status >= 500;
}

export class GumloopClient {
  private readonly apiUrl: string;
  private readonly fetch: typeof fetch;
  private readonly timeoutMs: number;

  constructor(private readonly options: GumloopClientOptions) {
    for (const key of ['apiUrl', 'apiKey', 'userId'] as const) {
      const value: unknown = options[key];
      if (typeof value !== 'string' || value.trim() === '') {
        throw new TypeError(`GumloopClient needs a non-empty ${key}, got ${value === '' ? 'an empty string' : typeof value}.`);
      }
    }
    const timeoutMs = options.timeoutMs ?? DEFAULT_GUMLOOP_REQUEST_TIMEOUT_MS;
    if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) {
      throw new TypeError(`GumloopClient's timeoutMs must be a positive number of milliseconds, got ${String(timeoutMs)} (${typeof timeoutMs}).`);
    }
    this.apiUrl = options.apiUrl.replace(/\/+$/, '');
    this.fetch = options.fetch ?? globalThis.fetch;
    this.timeoutMs = timeoutMs;
  }

  /** Starts the flow. Not retried: start_pipeline is not idempotent, and a retry could start a second run. */
  async startPipeline(
    savedItemId: string,
    inputs: GumloopPipelineInput[],
    signal?: AbortSignal,
  ): Promise<{ runId: string; savedItemId: string; url: string | undefined }> {
    const body: Record<string, unknown> = {
      user_id: this.options.userId,
      saved_item_id: savedItemId,
      pipeline_inputs: inputs,
    };
    if (this.options.projectId) body.project_id = this.options.projectId;
    const answer = await this.request('POST', '/start_pipeline', { body, notFound: { kind: 'flow', id: savedItemId }, signal });
    const runId = answer.run_id;
    if (typeof runId !== 'string' || runId === '') {
      throw new GumloopRequestError(`Gumloop started flow ${savedItemId} but did not say which run it is (no run_id in its answer).`, 200);
    }
    return {
      runId,
      savedItemId: typeof answer.saved_item_id === 'string' ? answer.saved_item_id : savedItemId,
      url: typeof answer.url === 'string' ? answer.url : undefined,
    };
  }

  async getRun(runId: string, signal?: AbortSignal): Promise<GumloopRun> {
    const query = new URLSearchParams({ run_id: runId, user_id: this.options.userId });
    if (this.options.projectId) query.set('project_id', this.options.projectId);
    const answer = await this.request('GET', `/get_pl_run?${query}`, { notFound: { kind: 'run', id: runId }, signal });
    if (typeof answer.state !== 'string') {
      throw new GumloopRequestError(`Gumloop's answer about run ${runId} has no state, so Quote Sync cannot tell whether it is done.`, 200);
    }
    const run: GumloopRun = {
      runId,
      state: answer.state,
      outputs: isPlainObject(answer.outputs) ? answer.outputs : {},
      log: Array.isArray(answer.log) ? answer.log.map((line) => this.redact(String(line))) : [],
    };
    if (typeof answer.created_ts === 'string') run.createdTs = answer.created_ts;
    if (typeof answer.finished_ts === 'string') run.finishedTs = answer.finished_ts;
    return run;
  }

  /**
   * Polls until the run is DONE, pausing initialDelayMs, then twice as long each time up to
   * maxDelayMs. A poll that fails for a passing reason (no answer, 5xx, 429) is tried again
   * within the same bounded wait, after Retry-After when Gumloop sends one.
   */
  async waitForRun(runId: string, options: WaitForRunOptions): Promise<GumloopRun> {
    const { timeoutMs, initialDelayMs, maxDelayMs, onState, signal } = options;
    // A zero delay would never double: the wait would become a busy loop of polls.
    for (const [name, value] of Object.entries({ timeoutMs, initialDelayMs, maxDelayMs })) {
      if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
        throw new TypeError(`waitForRun's ${name} must be a positive number of milliseconds, got ${String(value)} (${typeof value}).`);
      }
    }
    const sleep = options.sleep ?? sleepRejectingOnAbort;
    const now = options.now ?? Date.now;
    const deadline = now() + timeoutMs;
    let delayMs = initialDelayMs;
    let lastState: string | undefined;

    for (;;) {
      signal?.throwIfAborted();
      let waitMs = delayMs;
      let retryAfterMs: number | undefined;
      let run: GumloopRun | undefined;
      try {
        run = await this.getRun(runId, signal);
      } catch (error) {
        if (signal?.aborted || !isRetryablePollError(error)) throw error;
        retryAfterMs = error.retryAfterMs;
        if (retryAfterMs !== undefined) waitMs = Math.max(waitMs, retryAfterMs);
      }
      if (run) {
        if (run.state !== lastState) {
          lastState = run.state;
          onState?.(run);
        }
        const outcome = runOutcome(run.state);
        if (outcome === 'done') return run;
        if (outcome === 'failed') throw new GumloopRunFailedError(runId, run.state, run.log.slice(-FAILED_RUN_LOG_LINES));
      }
      delayMs = Math.min(delayMs * 2, maxDelayMs);

      const remainingMs = deadline - now();
      // Polling again before the Retry-After Gumloop asked for would only be refused again.
      if (remainingMs <= 0 || (retryAfterMs !== undefined && retryAfterMs > remainingMs)) {
        throw new GumloopTimeoutError(runId, timeoutMs, lastState);
      }
      // The last pause is cut short so that one poll happens right at the deadline.
      await sleep(Math.min(waitMs, remainingMs), signal);
    }
  }

  private async request(
    method: 'GET' | 'POST',
    path: string,
    options: { body?: unknown; notFound: { kind: 'flow' | 'run'; id: string }; signal?: AbortSignal | undefined },
  ): Promise<Record<string, unknown>> {
    const headers: Record<string, string> = {
      authorization: `Bearer ${this.options.apiKey}`,
      'x-auth-key': this.options.userId,
      accept: 'application/json',
    };
    if (options.body !== undefined) headers['content-type'] = 'application/json';
    const timeout = AbortSignal.timeout(this.timeoutMs);
    const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;

    let response: Response;
    let text: string;
    try {
      response = await this.fetch(`${this.apiUrl}${path}`, {
        method,
        headers,
        body: options.body === undefined ? undefined : JSON.stringify(options.body),
        signal,
      });
      text = await response.text();
    } catch (error) {
      if (options.signal?.aborted) throw error;
      const why = timeout.aborted ? `no answer within ${Math.round(this.timeoutMs / 1000)} seconds` : this.redact(describeNetworkError(error));
      throw new GumloopRequestError(`Quote Sync could not reach Gumloop (${why}). Try again in a few minutes.`, undefined);
    }

    const body = parseJson(text);
    if (response.ok) {
      if (!isPlainObject(body)) {
        throw new GumloopRequestError(`Gumloop answered ${method} ${pathOnly(path)} with something that is not a JSON object, so Quote Sync cannot read it.`, response.status);
      }
      return body;
    }
    const status = response.status;
    if (status === 401 || status === 403) throw new GumloopAuthError(status);
    if (status === 404) throw new GumloopNotFoundError(options.notFound.kind, options.notFound.id);
    const detail = this.redact(gumloopErrorText(body) ?? text.slice(0, 200)).trim();
    const said = detail ? ` Gumloop said: "${detail}".` : '';
    if (status === 429) {
      const retryAfterMs = parseRetryAfterMs(response.headers.get('retry-after'));
      throw new GumloopRequestError(
        `Gumloop is busy: it is already running as many flows as the plan allows (HTTP 429).${said} Wait for a run to finish and try again.`,
        status,
        retryAfterMs,
      );
    }
    if (status >= 500) {
      throw new GumloopRequestError(`Gumloop had a server error (HTTP ${status}).${said} Try again in a few minutes.`, status);
    }
    throw new GumloopRequestError(`Gumloop refused the request (HTTP ${status}).${said}`, status);
  }

  /** The API key never appears in a message, even if Gumloop or the network echoes it back. */
  private redact(text: string): string {
    return text.split(this.options.apiKey).join('[redacted]');
  }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** `{"error": "text"}` or `{"error": {"message": "text"}}`, the two shapes the official SDK reads. */
function gumloopErrorText(body: unknown): string | undefined {
  if (!isPlainObject(body)) return undefined;
  const error = body.error;
  if (typeof error === 'string') return error;
  if (isPlainObject(error) && typeof error.message === 'string') return error.message;
  return typeof body.message === 'string' ? body.message : undefined;
}

function describeNetworkError(error: unknown): string {
  // fetch wraps the reason (ECONNREFUSED, ECONNRESET, …) in `cause`.
  const cause = error instanceof Error ? (error.cause as { code?: unknown; message?: unknown } | undefined) : undefined;
  if (typeof cause?.code === 'string') return cause.code;
  if (typeof cause?.message === 'string') return cause.message;
  return error instanceof Error ? error.message : String(error);
}

function pathOnly(path: string): string {
  const q = path.indexOf('?');
  return q < 0 ? path : path.slice(0, q);
}
