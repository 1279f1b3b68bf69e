/**
 * Every failure the app reports, as a code and a class that carries its data. Messages are
 * sentences a person can act on; they never contain secrets.
 */
import { durationInWords } from './time/duration.js';

export type QuoteSyncErrorCode =
  | 'config_invalid'
  | 'input_unusable'
  | 'notion_unauthorized'
  | 'notion_target_unreachable'
  | 'notion_request_failed'
  | 'job_not_found'
  | 'job_busy'
  | 'lease_lost'
  | 'job_texts_cleared'
  | 'store_unavailable'
  | 'gumloop_unauthorized'
  | 'gumloop_not_found'
  | 'gumloop_request_failed'
  | 'gumloop_run_failed'
  | 'gumloop_timeout'
  | 'gumloop_busy'
  | 'gumloop_output_unusable';

export abstract class QuoteSyncError extends Error {
  abstract readonly code: QuoteSyncErrorCode;
  static is(error: unknown): error is QuoteSyncErrorType {
    return error instanceof QuoteSyncError;
  }
}

/** One missing or malformed setting: the variable (or flag) and a sentence saying what it should be. */
export interface ConfigProblem {
  readonly variable: string;
  readonly message: string;
}

/** Configuration values are missing or malformed; `problems` has every one, `variable` the first. */
export class ConfigError extends QuoteSyncError {
  readonly code = 'config_invalid';
  override readonly name = 'ConfigError';
  readonly problems: readonly ConfigProblem[];
  constructor(
    message: string,
    readonly variable?: string,
    problems?: readonly ConfigProblem[],
  ) {
    super(message);
    this.problems = problems ?? (variable ? [{ variable, message }] : []);
  }

  /** One error naming every problem: a single one as its sentence, several as a list, so one run shows them all. */
  static naming(problems: readonly ConfigProblem[]): ConfigError {
    const [first] = problems;
    if (problems.length === 1 && first) return new ConfigError(first.message, first.variable, problems);
    const list = problems.map((p) => `\n  - ${p.message}`).join('');
    return new ConfigError(`${problems.length} settings need fixing:${list}`, first?.variable, problems);
  }
}

/** The input cannot be used at all (unknown shape, no text column, no valid quote). Nothing is written. */
export class InputError extends QuoteSyncError {
  readonly code = 'input_unusable';
  override readonly name = 'InputError';
}

/** Notion refused the token (401): nothing more can be written with it. */
export class NotionUnauthorizedError extends QuoteSyncError {
  readonly code = 'notion_unauthorized';
  override readonly name = 'NotionUnauthorizedError';
}

/** The target page or database is missing or not shared with the integration (403/404). */
export class NotionTargetError extends QuoteSyncError {
  readonly code = 'notion_target_unreachable';
  override readonly name = 'NotionTargetError';
  constructor(
    message: string,
    readonly targetId: string,
    readonly status: number,
  ) {
    super(message);
  }
}

/** A Notion request failed after the retries allowed for it. */
export class NotionRequestError extends QuoteSyncError {
  readonly code = 'notion_request_failed';
  override readonly name = 'NotionRequestError';
  constructor(
    message: string,
    readonly status: number | undefined,
    readonly notionCode: string | undefined,
  ) {
    super(message);
  }
}

export class JobNotFoundError extends QuoteSyncError {
  readonly code = 'job_not_found';
  override readonly name = 'JobNotFoundError';
  constructor(readonly jobId: string) {
    super(`There is no job ${jobId} in this store.`);
  }
}

/** Another process (or app instance) sharing the store is running this job right now. */
export class JobBusyError extends QuoteSyncError {
  readonly code = 'job_busy';
  override readonly name = 'JobBusyError';
  constructor(
    readonly jobId: string,
    /** Until when the other runner's lease holds unless it renews it (ms since the epoch). */
    readonly expiresAt: number,
  ) {
    super(`Job ${jobId} is being run by another process sharing this store; it was left alone so no quote is written twice. Try again when that run ends.`);
  }
}

/** This process stalled or lost the store past its job lease: another holder may run the job now, so this one stopped writing it. */
export class LeaseLostError extends QuoteSyncError {
  readonly code = 'lease_lost';
  override readonly name = 'LeaseLostError';
  constructor(readonly jobId: string) {
    super(`Job ${jobId} was left to another process or replica: this one could not keep its lease (it stalled, or lost the store), so it stopped writing the job.`);
  }
}

/**
 * The job finished long enough ago that retention (RETENTION_DAYS) cleared its quote texts: it is
 * kept as a record (counts, pages) and cannot be resumed or retried. Syncing the file again makes
 * a new job, and the quotes Notion has already are found there, not written twice.
 */
export class JobTextsClearedError extends QuoteSyncError {
  readonly code = 'job_texts_cleared';
  override readonly name = 'JobTextsClearedError';
  constructor(
    readonly jobId: string,
    /** When the texts were cleared (ISO 8601). */
    readonly clearedAt: string,
  ) {
    super(
      `Job ${jobId} finished long ago: its quotes were cleared from the store on ${clearedAt.slice(0, 10)} (RETENTION_DAYS), so it cannot be resumed or retried. ` +
        'Sync the file again: the quotes already in Notion are found there and not written twice.',
    );
  }
}

/** The job store (a PostgreSQL server) cannot be reached or stopped answering. What was committed stays. */
export class StoreUnavailableError extends QuoteSyncError {
  readonly code = 'store_unavailable';
  override readonly name = 'StoreUnavailableError';
  constructor(readonly detail: string) {
    super(
      `The job store stopped answering (${detail}). Nothing is lost: each quote's state was saved before its request. ` +
        'Resume the job once the store answers again.',
    );
  }
}

export type QuoteSyncErrorType =
  | ConfigError
  | InputError
  | NotionUnauthorizedError
  | NotionTargetError
  | NotionRequestError
  | JobNotFoundError
  | JobBusyError
  | LeaseLostError
  | JobTextsClearedError
  | StoreUnavailableError
  | GumloopErrorType;

// ---------------------------------------------------------------------------------------------
// Gumloop

export type GumloopErrorType =
  | GumloopAuthError
  | GumloopNotFoundError
  | GumloopRequestError
  | GumloopRunFailedError
  | GumloopTimeoutError
  | GumloopBusyError
  | GumloopOutputError;

/** Any failure to get quotes out of Gumloop. */
export abstract class GumloopError extends QuoteSyncError {
  static isGumloopError(error: unknown): error is GumloopErrorType {
    return error instanceof GumloopError;
  }
}

/** Gumloop refused the API key (401), or the key may not act for this user (403). */
export class GumloopAuthError extends GumloopError {
  readonly code = 'gumloop_unauthorized';
  override readonly name = 'GumloopAuthError';
  constructor(readonly status: number) {
    super(
      status === 403
        ? 'Gumloop refused to run this for GUMLOOP_USER_ID with this API key (HTTP 403). A personal key only acts for its own user: check GUMLOOP_USER_ID and GUMLOOP_API_KEY.'
        : 'Gumloop refused the API key (HTTP 401). Check GUMLOOP_API_KEY: it may be mistyped, revoked or regenerated.',
    );
  }
}

/** The flow (saved item) or run does not exist for this user (404). */
export class GumloopNotFoundError extends GumloopError {
  readonly code = 'gumloop_not_found';
  override readonly name = 'GumloopNotFoundError';
  constructor(
    readonly kind: 'flow' | 'run',
    readonly id: string,
  ) {
    super(
      kind === 'run'
        ? `Gumloop has no run ${id} for this user. Check the run id (it is in the run's link, after run_id=).`
        : `Gumloop has no flow ${id} for this user. Check the flow id (the saved item id in the flow's link).`,
    );
  }
}

/** A request to Gumloop failed: refused (4xx), a server error, a dropped connection, or an answer we cannot read. */
export class GumloopRequestError extends GumloopError {
  readonly code = 'gumloop_request_failed';
  override readonly name = 'GumloopRequestError';
  constructor(
    message: string,
    /** Undefined when no HTTP answer came (network error, time-out). */
    readonly status: number | undefined,
    /** The wait Gumloop asked for with Retry-After, if it did. */
    readonly retryAfterMs?: number,
  ) {
    super(message);
  }
}

/** The run ended without outputs: FAILED, or stopped (TERMINATING / TERMINATED). */
export class GumloopRunFailedError extends GumloopError {
  readonly code = 'gumloop_run_failed';
  override readonly name = 'GumloopRunFailedError';
  constructor(
    readonly runId: string,
    readonly state: string,
    /** The run's last log lines, oldest first. */
    readonly lastLog: string[],
  ) {
    const how = state === 'FAILED' ? 'failed' : `was stopped (${state}) before it finished`;
    const log = lastLog.length > 0 ? ` Its last log lines:\n${lastLog.map((line) => `> ${line}`).join('\n')}\n` : ' It left no log lines. ';
    super(`The Gumloop run ${runId} ${how}, so it has no quotes.${log}Fix the flow in Gumloop if needed and run it again.`);
  }
}

/** The run was not finished when the bounded wait ran out. It may still finish in Gumloop. */
export class GumloopTimeoutError extends GumloopError {
  readonly code = 'gumloop_timeout';
  override readonly name = 'GumloopTimeoutError';
  constructor(
    readonly runId: string,
    readonly timeoutMs: number,
    /** The last state seen, if any poll answered. */
    readonly lastState: string | undefined,
  ) {
    const what = lastState
      ? `The Gumloop run ${runId} was still ${lastState} after ${durationInWords(timeoutMs)}`
      : `Gumloop did not report the state of run ${runId} within ${durationInWords(timeoutMs)}`;
    super(`${what}, so Quote Sync stopped waiting. When it is done in Gumloop, sync it with \`/sync-quotes gumloop ${runId}\`.`);
  }
}

/** Gumloop kept rejecting the start (429: the plan's concurrent runs were busy) until the wait ran out. Nothing ran. */
export class GumloopBusyError extends GumloopError {
  readonly code = 'gumloop_busy';
  override readonly name = 'GumloopBusyError';
  constructor(
    readonly savedItemId: string,
    readonly waitedMs: number,
    /** How many starts Gumloop rejected. */
    readonly rejections: number,
  ) {
    super(
      `Gumloop was still running as many flows as the plan allows after ${durationInWords(waitedMs)}, so the flow ${savedItemId} did not start (nothing ran). ` +
        'Start it again once a run has finished in Gumloop, or raise the plan\'s limit on runs at once.',
    );
  }
}

/** The run finished but its quotes output is missing or unusable. */
export class GumloopOutputError extends GumloopError {
  readonly code = 'gumloop_output_unusable';
  override readonly name = 'GumloopOutputError';
  constructor(
    message: string,
    readonly runId: string,
    readonly outputName: string,
    /** The names of the outputs the run has. */
    readonly available: string[],
  ) {
    super(message);
  }
}

// ---------------------------------------------------------------------------------------------
// Slack

/** The code Slack gave a failed Web API call (`not_in_channel`, `invalid_auth`…), if the error is one. */
export function slackErrorCode(error: unknown): string | undefined {
  const code = (error as { data?: { error?: unknown } } | undefined)?.data?.error;
  return typeof code === 'string' ? code : undefined;
}

/** For logs: Slack's code, else the error's message. */
export function slackFailure(error: unknown): string {
  return slackErrorCode(error) ?? (error instanceof Error ? error.message : String(error));
}
