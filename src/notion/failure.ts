/**
 * What went wrong with one Notion request, as a closed union the writer can decide on.
 * Pure: no I/O. The SDK's errors carry status, headers and code; network errors are plain.
 */
import { APIResponseError, RequestTimeoutError, UnknownHTTPResponseError, isNotionClientError } from '@notionhq/client';
import { parseRetryAfterMs } from '../time/retry-after.js';
import { RequestsBlockedError, type Refusal } from './pacing/refusals.js';

export type NotionFailure =
  | {
      kind: 'rate_limited';
      status: 429;
      retryAfterMs: number | undefined;
      limit: RateLimitKind;
      message: string;
      /** The request's endpoint (`POST /v1/pages`…), as the gateway tagged it: what an endpoint limit holds. */
      endpoint?: string;
    }
  | { kind: 'overloaded'; status: 529; retryAfterMs: number | undefined; message: string }
  | { kind: 'conflict'; status: 409; message: string }
  | { kind: 'server'; status: number; message: string; committedResourceId?: string }
  | { kind: 'timeout'; message: string }
  | { kind: 'network'; message: string; code?: string }
  | { kind: 'unauthorized'; status: 401; message: string }
  | { kind: 'forbidden'; status: 403; message: string }
  | { kind: 'not_found'; status: number; message: string }
  | { kind: 'workspace_full'; status: number; message: string }
  /** 429 `rate_limit_reason: "public_api_request_blocked"`: Notion blocks the integration's requests; not to be retried. */
  | { kind: 'blocked'; status: 429; message: string }
  | { kind: 'invalid'; status: number; code: string; message: string };

export type NotionFailureKind = NotionFailure['kind'];

/**
 * Which limit a 429 names in `additional_data.rate_limit_reason` (Notion's request-limits page):
 * this integration's own, the workspace's (shared by all its integrations), one endpoint's own
 * ("Some endpoints also have their own limit"), or another, which is waited out like any other
 * 429. A 429 naming none is the integration's own (the older limit).
 */
export type RateLimitKind = 'connection' | 'workspace' | 'endpoint' | 'other';

export const RATE_LIMIT_REASONS: Readonly<Record<string, RateLimitKind>> = {
  public_api_request_rate_limit: 'connection',
  public_api_space_request_rate_limit: 'workspace',
  public_api_endpoint_rate_limit: 'endpoint',
};

/** Where the gateway notes which endpoint a failed request was for (a refusal of one endpoint holds only it). */
const ENDPOINT = Symbol('quote-sync.notion-endpoint');

/** Tags a failed request's error with its endpoint (`POST /v1/pages`); returns the error. */
export function tagEndpoint<T>(error: T, endpoint: string): T {
  if (error && typeof error === 'object' && !Object.isFrozen(error)) {
    Object.defineProperty(error, ENDPOINT, { value: endpoint, enumerable: false, configurable: true });
  }
  return error;
}

/** The endpoint a failed request was for, when the gateway tagged it. */
export function endpointOf(error: unknown): string | undefined {
  const value = error && typeof error === 'object' ? (error as Record<symbol, unknown>)[ENDPOINT] : undefined;
  return typeof value === 'string' ? value : undefined;
}

/** Connection-level error codes from Node's fetch (undici) and sockets. */
const NETWORK_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'EPIPE',
  'ETIMEDOUT',
  'EAI_AGAIN',
  'ENOTFOUND',
  'UND_ERR_SOCKET',
  'UND_ERR_CLOSED',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
]);

/** Classifies a thrown value; returns undefined for anything that is not a Notion or network failure (a bug). */
export function classifyNotionError(error: unknown): NotionFailure | undefined {
  // Not sent: Notion blocked the integration's requests after this job was asked for.
  if (error instanceof RequestsBlockedError) return { kind: 'blocked', status: 429, message: error.message };
  if (RequestTimeoutError.isRequestTimeoutError(error)) return { kind: 'timeout', message: 'the request timed out' };
  if (APIResponseError.isAPIResponseError(error) || UnknownHTTPResponseError.isUnknownHTTPResponseError(error)) {
    const status = error.status;
    const message = error.message;
    // The header first; 429 and 529 bodies carry the same wait in `additional_data.retry_after`.
    const retryAfterMs = parseRetryAfterMs(headerOf(error.headers, 'retry-after')) ?? bodyRetryAfterMs(error);
    if (status === 429 && rateLimitReason(error) === REQUEST_BLOCKED) return { kind: 'blocked', status, message };
    if (status === 429) {
      const endpoint = endpointOf(error);
      return { kind: 'rate_limited', status, retryAfterMs, limit: rateLimitKind(error), message, ...(endpoint ? { endpoint } : {}) };
    }
    if (status === 529) return { kind: 'overloaded', status, retryAfterMs, message };
    if (status === 409) return { kind: 'conflict', status, message };
    if (status === 401) return { kind: 'unauthorized', status, message };
    // A Free workspace out of blocks (Notion's "Workspace block limits"): 403 restricted_resource
    // with `additional_data.block_limit`; every create fails until a person acts.
    if (status === 403 && hasBlockLimit(error)) return { kind: 'workspace_full', status, message };
    if (status === 403) return { kind: 'forbidden', status, message };
    if (status === 404) return { kind: 'not_found', status, message };
    // The same, as a 400 that names it (before Notion documented the 403).
    if (status === 400 && /block limit/i.test(message)) return { kind: 'workspace_full', status, message };
    // Writing into a database in the trash answers 400 "Can't edit block that is archived": the target is gone.
    if (status === 400 && /\barchived\b/i.test(message)) return { kind: 'not_found', status, message };
    if (status >= 500) {
      // A write Notion committed before failing names what it made: it is written, not to be sent again.
      const committed = (error.additional_data as { committed_resource_id?: unknown } | undefined)?.committed_resource_id;
      return { kind: 'server', status, message, ...(typeof committed === 'string' && committed ? { committedResourceId: committed } : {}) };
    }
    return { kind: 'invalid', status, code: String(error.code), message };
  }
  if (isNotionClientError(error)) return { kind: 'invalid', status: 0, code: error.code, message: error.message };
  if (isNetworkError(error)) {
    const code = networkCode(error);
    return { kind: 'network', message: describeNetworkError(error), ...(code ? { code } : {}) };
  }
  return undefined;
}

/** A rate-limit or overload answer, as the pacer needs it; undefined for any other failure. */
export function refusalOf(error: unknown): Refusal | undefined {
  if (error instanceof RequestsBlockedError) return undefined;
  const failure = classifyNotionError(error);
  if (failure?.kind === 'blocked') return { limit: 'blocked', retryAfterMs: undefined };
  if (failure?.kind === 'rate_limited') {
    return { limit: failure.limit, retryAfterMs: failure.retryAfterMs, ...(failure.endpoint ? { endpoint: failure.endpoint } : {}) };
  }
  if (failure?.kind === 'overloaded') return { limit: 'overloaded', retryAfterMs: failure.retryAfterMs };
  return undefined;
}

/** `additional_data.retry_after` of a 429 or 529 body, in seconds, as ms. */
function bodyRetryAfterMs(error: { additional_data?: unknown }): number | undefined {
  const value = (error.additional_data as { retry_after?: unknown } | undefined)?.retry_after;
  if (typeof value === 'number') return Number.isFinite(value) && value >= 0 ? Math.round(value * 1000) : undefined;
  return typeof value === 'string' ? parseRetryAfterMs(value) : undefined;
}

function hasBlockLimit(error: { additional_data?: unknown; message: string }): boolean {
  const data = error.additional_data as { block_limit?: unknown } | undefined;
  return (data?.block_limit !== undefined && data.block_limit !== null) || /block limit/i.test(error.message);
}

/** The `rate_limit_reason` Notion says not to retry: the integration's requests are blocked. */
export const REQUEST_BLOCKED = 'public_api_request_blocked';

function rateLimitReason(error: { additional_data?: unknown }): string | undefined {
  const reason = (error.additional_data as { rate_limit_reason?: unknown } | undefined)?.rate_limit_reason;
  return typeof reason === 'string' ? reason : undefined;
}

function rateLimitKind(error: { additional_data?: unknown }): RateLimitKind {
  const reason = rateLimitReason(error);
  if (reason === undefined) return 'connection';
  return RATE_LIMIT_REASONS[reason] ?? 'other';
}

/** A create that failed this way may have been applied by Notion: look it up before writing it again. */
export function mayHaveBeenApplied(failure: NotionFailure): boolean {
  return failure.kind === 'server' || failure.kind === 'timeout' || failure.kind === 'network';
}

function headerOf(headers: unknown, name: string): string | undefined {
  if (headers && typeof (headers as Headers).get === 'function') return (headers as Headers).get(name) ?? undefined;
  if (headers && typeof headers === 'object') {
    for (const [key, value] of Object.entries(headers as Record<string, unknown>)) {
      if (key.toLowerCase() === name) return Array.isArray(value) ? String(value[0]) : String(value);
    }
  }
  return undefined;
}

function isNetworkError(error: unknown): error is Error {
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code ?? (error.cause as { code?: unknown } | undefined)?.code;
  if (typeof code === 'string' && NETWORK_CODES.has(code)) return true;
  // Node's fetch reports every transport failure as TypeError('fetch failed') with the reason in `cause`.
  return error instanceof TypeError && error.message === 'fetch failed';
}

function networkCode(error: Error): string | undefined {
  const code = (error as { code?: unknown }).code ?? (error.cause as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' ? code : undefined;
}

function describeNetworkError(error: Error): string {
  const cause = error.cause as { code?: string; message?: string } | undefined;
  const detail = cause?.code ?? cause?.message ?? error.message;
  return `the connection to Notion failed (${detail})`;
}
