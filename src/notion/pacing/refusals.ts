/**
 * Notion's refusals as the pacer reads them (which limit, how long to wait), and what holds
 * requests back besides the pacing itself: a block of the integration's requests, remembered so
 * that every request of a job asked for before it fails unsent; one endpoint's own limit, which
 * holds only that endpoint's requests; and the pause after a refusal that named no Retry-After,
 * doubled while they repeat.
 */

/** Which limit refused a request. */
export type RefusalLimit =
  /** This integration's own budget (`public_api_request_rate_limit`, or a 429 naming none). */
  | 'connection'
  /** The workspace's, shared by all its integrations (`public_api_space_request_rate_limit`). */
  | 'workspace'
  /** A 429 with another reason: waited out like any other. */
  | 'other'
  /** One endpoint's own limit (`public_api_endpoint_rate_limit`): holds only that endpoint. */
  | 'endpoint'
  /** `public_api_request_blocked`: Notion blocks the integration's requests; never retried. */
  | 'blocked'
  /** 529 service_overload. */
  | 'overloaded';

export interface Refusal {
  limit: RefusalLimit;
  retryAfterMs: number | undefined;
  /** For an endpoint limit: the endpoint it holds (`POST /v1/pages`). */
  endpoint?: string;
}

/** What one request is, for the pacer: its endpoint, and when the job it serves was asked for. */
export interface RequestLabel {
  /** `POST /v1/pages`, `POST /v1/data_sources/:id/query`…: what an endpoint limit holds. */
  endpoint?: string;
  /** When a person asked for the job (ms): a block met after it stops the job; one before it does not. */
  askedAt?: number;
}

/**
 * A request not sent because Notion blocked the integration's requests (429
 * `public_api_request_blocked`) after the job it serves was asked for. Classified as `blocked`.
 */
export class RequestsBlockedError extends Error {
  constructor(readonly blockedAt: number) {
    super(`Notion blocked this integration's requests (429 public_api_request_blocked) at ${new Date(blockedAt).toISOString()}; the request was not sent.`);
    this.name = 'RequestsBlockedError';
  }
}

/** The pause in force: how long, and which limit caused it. */
export interface PauseInfo {
  limit: RefusalLimit;
  ms: number;
}

/** Refusals without Retry-After double the fallback pause up to this many times it. */
const MAX_FALLBACK_FACTOR = 32;

/** The holds of one integration's requests other than the queue's pause (which the pacer keeps). */
export class RequestHolds {
  /** When Notion last blocked the integration's requests (ms), if it did. */
  private blockedAtValue: number | undefined;
  /** Endpoints held by their own limit, until when (ms). */
  private readonly endpointHolds = new Map<string, number>();
  private fallbackRepeats = 0;

  /** `fallbackWaitMs`: the first pause after a refusal without Retry-After; `blockedAt`: a block an earlier process met. */
  constructor(
    private readonly fallbackWaitMs: number,
    private readonly now: () => number,
    blockedAt?: number,
  ) {
    this.blockedAtValue = blockedAt;
  }

  /** When Notion blocked the integration's requests, if it did (ms). */
  get blockedAt(): number | undefined {
    return this.blockedAtValue;
  }

  /** Notion blocked the integration's requests at `at` (told here, or by another replica): the latest block is kept. */
  block(at: number): void {
    if (at > (this.blockedAtValue ?? Number.NEGATIVE_INFINITY)) this.blockedAtValue = at;
  }

  /** Whether a request of a job asked for at `label.askedAt` is to fail unsent: Notion blocked the integration since. */
  isBlockedFor(label: RequestLabel): boolean {
    return this.blockedAtValue !== undefined && label.askedAt !== undefined && label.askedAt <= this.blockedAtValue;
  }

  throwIfBlocked(label: RequestLabel): void {
    if (this.isBlockedFor(label)) throw new RequestsBlockedError(this.blockedAtValue!);
  }

  /** How long requests to `endpoint` are still held by its own limit, if they are. */
  endpointPause(endpoint: string): PauseInfo | undefined {
    const left = (this.endpointHolds.get(endpoint) ?? 0) - this.now();
    return left > 0 ? { limit: 'endpoint', ms: left } : undefined;
  }

  /** One endpoint's own limit refused a request: its requests wait for Retry-After (else the fallback pause). */
  holdEndpoint(endpoint: string, retryAfterMs: number | undefined): void {
    const until = this.now() + (retryAfterMs ?? this.fallbackWait());
    if (until > (this.endpointHolds.get(endpoint) ?? 0)) this.endpointHolds.set(endpoint, until);
  }

  /** The pause after a refusal without Retry-After: doubles with each one in a row, up to MAX_FALLBACK_FACTOR times. */
  fallbackWait(): number {
    const ms = this.fallbackWaitMs * Math.min(MAX_FALLBACK_FACTOR, 2 ** this.fallbackRepeats);
    this.fallbackRepeats += 1;
    return ms;
  }

  /** A request was answered: the next refusal without Retry-After waits the first fallback pause again. */
  answered(): void {
    this.fallbackRepeats = 0;
  }
}
