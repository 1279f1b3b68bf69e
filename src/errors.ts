/**
 * Every failure the app reports, as a code and a class that carries its data. Messages are
 * sentences a person can act on; they never contain secrets.
 */

export type QuoteSyncErrorCode =
  | 'config_invalid'
  | 'input_unusable'
  | 'notion_unauthorized'
  | 'notion_target_unreachable'
  | 'notion_request_failed'
  | 'job_not_found';

export abstract class QuoteSyncError extends Error {
  abstract readonly code: QuoteSyncErrorCode;
  static is(error: unknown): error is QuoteSyncErrorType {
    return error instanceof QuoteSyncError;
  }
}

/** A configuration value is missing or malformed. */
export class ConfigError extends QuoteSyncError {
  readonly code = 'config_invalid';
  override readonly name = 'ConfigError';
  constructor(
    message: string,
    readonly variable?: string,
  ) {
    super(message);
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

export type QuoteSyncErrorType =
  | ConfigError
  | InputError
  | NotionUnauthorizedError
  | NotionTargetError
  | NotionRequestError
  | JobNotFoundError;
