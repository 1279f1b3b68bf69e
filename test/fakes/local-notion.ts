/**
 * A local Notion API (Notion-Version 2025-09-03, the data-sources API) on 127.0.0.1 for tests,
 * the demo and the benchmark. The real @notionhq/client talks to it over HTTP. It follows Notion's
 * API reference: the same paths and bodies, error shapes ({object:'error', status, code, message,
 * request_id}), 429 with Retry-After, the request limits (2000 characters per rich text item, 100
 * items per array, 2000 per URL, select names without commas, 500 KB bodies), 404 for objects not
 * shared with the integration, and a new database that answers 404 for a moment.
 *
 * Rate limits as the "Request limits" page describes them now: a fixed budget per connection
 * (integration token) per window, spendable in one burst, and a limit per workspace shared by all
 * its connections, each 429 naming its limit in `additional_data.rate_limit_reason`. The older
 * model (a few requests a second on average, small bursts) is a token bucket. A query reaches at
 * most 10,000 results, and property ids are sent URL-encoded (`%7C7S%3F`), as Notion sends them.
 *
 * Pages are created (`POST /v1/pages`) and updated (`PATCH /v1/pages/{id}`: only the properties
 * given change); `editedPageIds` lists the updates applied, so a test sees exactly which pages changed.
 *
 * Fault injection, all drawn from one seeded random source: 409 conflicts, 5xx (some applied
 * anyway), 529, page writes applied but whose response is lost (the socket is destroyed) or never
 * sent, and scripted faults for the next requests of a route.
 *
 * No vitest here: the demo and the benchmark import it too.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { seededRandom } from '../support/random.js';
import { LoopbackServer } from './loopback.js';

export interface NotionFaults {
  /** Writes (page create and update, data source update, database create): 409 conflict_error, not applied. */
  conflictRate?: number;
  /** Any request: 500/502/503/504. */
  serverErrorRate?: number;
  /** Share of page writes (creates and updates) hit by a server error that were applied anyway (default 0.5). */
  serverErrorAppliedRate?: number;
  /** Any request: 529 service_overload. */
  overloadRate?: number;
  /** Page writes (creates and updates): applied, then the connection is destroyed without a response. */
  lostResponseRate?: number;
  /** Page writes (creates and updates): applied, and no response is ever sent (the client times out). */
  hangRate?: number;
  /** A database created through the API answers 404 for this long. */
  readyDelayMs?: number;
  /** Seconds in the Retry-After header of a 529 (default: the rate limit's, else 1). */
  overloadRetryAfterSeconds?: number;
  /** Every page create fails: the free workspace reached its block limit. */
  workspaceFull?: boolean;
}

/** The older per-connection model: a few requests a second on average, small bursts. */
export interface TokenBucketRateLimit {
  model?: 'token_bucket';
  requestsPerSecond: number;
  /** Bucket capacity; default one second's worth (Notion allows only small bursts). */
  burst?: number;
  /** Retry-After value to send (may be fractional in scaled-down runs); default: seconds until a token, at least 1. */
  retryAfterSeconds?: number;
}

/**
 * Notion's current per-connection model: `requests` per fixed window of `windowSeconds`, spendable
 * at any pace. A token's first window opens at its first request; the next follow back to back.
 */
export interface WindowRateLimit {
  model: 'window';
  requests: number;
  windowSeconds: number;
  /**
   * Retry-After of a refusal: 'whole' (default, as Notion) the seconds until the window resets,
   * rounded up, at least 1; 'exact' those seconds as a decimal, for runs whose windows last a few seconds.
   */
  retryAfter?: 'whole' | 'exact';
}

export type RateLimitOptions = TokenBucketRateLimit | WindowRateLimit;

/** Notion's per-workspace limit: fixed windows from the first request of any token, shared by all tokens. */
export interface WorkspaceLimitOptions {
  requests: number;
  windowSeconds: number;
  /** Retry-After of a refusal; default: the seconds until the workspace window resets, rounded up. */
  retryAfterSeconds?: number;
}

export interface LocalNotionOptions {
  token?: string;
  seed?: number;
  /** Per connection: each token has a budget of its own. */
  rateLimit?: RateLimitOptions | false;
  workspaceLimit?: WorkspaceLimitOptions;
  /** Retry-After of an injected `workspace_rate_limited` (default 90: it may exceed a minute; may be fractional). */
  workspaceRetryAfterSeconds?: number;
  /** Results one query can reach (Notion: 10,000); small values let tests reach the cap. */
  queryResultLimit?: number;
  faults?: NotionFaults;
  /** Added to every response. */
  latencyMs?: number;
  port?: number;
}

export type InjectedFault =
  | 'conflict'
  | 'server_error'
  | 'server_error_applied'
  | 'overload'
  | 'rate_limited'
  | 'workspace_rate_limited'
  | 'lost_response'
  | 'hang'
  | 'unauthorized'
  | 'not_found'
  | 'workspace_full';

export interface RecordedRequest {
  method: string;
  path: string;
  route: string;
  status: number | 'lost' | 'hang';
  at: number;
  applied: boolean;
  /** For a 429: `additional_data.rate_limit_reason`, the limit that refused it. */
  rateLimitReason?: string;
}

/** `id` is the decoded id (`|7S?`); responses carry it URL-encoded (`%7C7S%3F`). */
type PropertySchema = { id: string; name: string; type: string; config: Record<string, unknown> };

interface DataSource {
  id: string;
  databaseId: string;
  properties: PropertySchema[];
  pages: Page[];
}

interface DatabaseRecord {
  id: string;
  title: string;
  parentPageId: string;
  dataSourceId: string;
  inTrash: boolean;
  createdAt: number;
  readyAt: number;
}

interface Page {
  id: string;
  dataSourceId: string;
  createdTime: string;
  lastEditedTime: string;
  inTrash: boolean;
  /** As the request gave them (an emoji, an external file…), or null. */
  icon: unknown;
  cover: unknown;
  /** Keyed by name, each with the decoded property id, type and value (encoded only in responses). */
  properties: Record<string, Record<string, unknown>>;
}

/** Notion's limits (developers.notion.com, "Request limits"). */
export const LIMITS = {
  richTextContentChars: 2000,
  arrayItems: 100,
  urlChars: 2000,
  selectNameChars: 100,
  bodyBytes: 500_000,
  pageSize: 100,
  queryResults: 10_000,
} as const;

/** `additional_data.rate_limit_reason` of a 429, by the limit that refused the request. */
export const RATE_LIMIT_REASONS = {
  connection: 'public_api_request_rate_limit',
  workspace: 'public_api_space_request_rate_limit',
} as const;

/**
 * Characters of generated property ids. Notion's short ids often hold characters that need
 * URL-encoding (`|7S?`), `%` among them; about three ids in four here hold at least one.
 */
const PROPERTY_ID_CHARS = {
  plain: 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789',
  encoded: '|?%:;<>=[]',
  encodedShare: 0.3,
} as const;

const NOT_SHARED = 'Make sure the relevant pages and databases are shared with your integration.';
const PAGE_CREATE = 'POST /v1/pages';
const PAGE_UPDATE = 'PATCH /v1/pages/:id';
const WRITE_ROUTES = new Set([PAGE_CREATE, PAGE_UPDATE, 'PATCH /v1/data_sources/:id', 'POST /v1/databases']);
/** Writes whose 5xx may have been applied anyway, and whose response may be lost or never sent. */
const PAGE_WRITES = new Set([PAGE_CREATE, PAGE_UPDATE]);

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly headers: Record<string, string> = {},
    readonly additionalData?: Record<string, unknown>,
  ) {
    super(message);
  }
}

/** `/v1/data_sources/abc/query` → `/v1/data_sources/:id/query`. */
export function routeOf(method: string, path: string): string {
  const parts = path.split('/').filter(Boolean);
  const template = parts.map((p, i) => (i >= 2 && i % 2 === 0 ? ':id' : p));
  return `${method} /${template.join('/')}`;
}

/**
 * A request budget. Asking and spending are apart because a request refused by any limit costs
 * nothing: it is spent only once every limit has let it through.
 */
interface RequestBudget {
  /** The Retry-After (seconds) to refuse a request at `now` with, or undefined when it fits. */
  refusal(now: number): number | undefined;
  spend(now: number): void;
  /** The Retry-After of a 429 of this limit that the budget itself did not cause (an injected one). */
  retryAfter(now: number): number;
}

class TokenBucket implements RequestBudget {
  private tokens: number;
  private last: number;
  constructor(
    readonly options: TokenBucketRateLimit,
    now: number,
  ) {
    this.tokens = this.capacity;
    this.last = now;
  }
  get capacity(): number {
    return this.options.burst ?? this.options.requestsPerSecond;
  }
  refusal(now: number): number | undefined {
    this.refill(now);
    if (this.tokens >= 1) return undefined;
    const waitSeconds = (1 - this.tokens) / this.options.requestsPerSecond;
    return this.options.retryAfterSeconds ?? Math.max(1, Math.ceil(waitSeconds));
  }
  spend(now: number): void {
    this.refill(now);
    this.tokens -= 1;
  }
  retryAfter(): number {
    return this.options.retryAfterSeconds ?? 1;
  }
  private refill(now: number): void {
    this.tokens = Math.min(this.capacity, this.tokens + ((now - this.last) / 1000) * this.options.requestsPerSecond);
    this.last = now;
  }
}

/** `requests` per window; windows are fixed, the first opening at the first request asked about. */
class FixedWindows implements RequestBudget {
  private openedAt: number | undefined;
  private index = 0;
  private used = 0;
  constructor(
    private readonly requests: number,
    private readonly windowMs: number,
    /** Retry-After from the milliseconds until the current window resets. */
    private readonly retryAfterOf: (resetInMs: number) => number,
  ) {}
  refusal(now: number): number | undefined {
    this.roll(now);
    return this.used < this.requests ? undefined : this.retryAfter(now);
  }
  spend(now: number): void {
    this.roll(now);
    this.used += 1;
  }
  retryAfter(now: number): number {
    this.roll(now);
    return this.retryAfterOf(this.openedAt! + (this.index + 1) * this.windowMs - now);
  }
  private roll(now: number): void {
    this.openedAt ??= now;
    const index = Math.floor((now - this.openedAt) / this.windowMs);
    if (index !== this.index) {
      this.index = index;
      this.used = 0;
    }
  }
}

/** Retry-After as Notion sends it: whole seconds, rounded up, at least 1. */
function wholeSeconds(ms: number): number {
  return Math.max(1, Math.ceil(ms / 1000));
}

function workspaceBudget(limit: WorkspaceLimitOptions | undefined): RequestBudget | undefined {
  if (!limit) return undefined;
  return new FixedWindows(limit.requests, limit.windowSeconds * 1000, (ms) => limit.retryAfterSeconds ?? wholeSeconds(ms));
}

function connectionBudget(rate: RateLimitOptions, now: number): RequestBudget {
  if (rate.model !== 'window') return new TokenBucket(rate, now);
  const exact = rate.retryAfter === 'exact';
  return new FixedWindows(rate.requests, rate.windowSeconds * 1000, (ms) => (exact ? Math.ceil(ms) / 1000 : wholeSeconds(ms)));
}

export class LocalNotion {
  readonly token: string;
  readonly requests: RecordedRequest[] = [];
  readonly parentPageId: string;
  url = '';
  private readonly server: LoopbackServer;
  private readonly random: () => number;
  /** Property ids come from a stream of their own, so that creating a schema leaves the fault draws as they were. */
  private readonly idRandom: () => number;
  private faults: NotionFaults;
  private rateLimit: RateLimitOptions | undefined;
  /** Per-connection budgets by token, each opened at its token's first request. */
  private readonly connectionBudgets = new Map<string, RequestBudget>();
  private workspaceBudget: RequestBudget | undefined;
  private readonly tokens = new Set<string>();
  private revoked = false;
  private readonly sharedPages = new Map<string, string>();
  private readonly databases = new Map<string, DatabaseRecord>();
  private readonly dataSources = new Map<string, DataSource>();
  private readonly pagesById = new Map<string, Page>();
  /** Ids of the pages each applied `PATCH /v1/pages/{id}` changed, in order. */
  private readonly edits: string[] = [];
  private readonly injected = new Map<string, InjectedFault[]>();
  private readonly hanging = new Set<ServerResponse>();

  constructor(private readonly options: LocalNotionOptions = {}) {
    this.token = options.token ?? 'ntn_local_test_token';
    this.tokens.add(this.token);
    this.random = seededRandom(options.seed ?? 1);
    this.idRandom = seededRandom(((options.seed ?? 1) ^ 0x5eed1d5) >>> 0);
    this.faults = options.faults ?? {};
    this.rateLimit = options.rateLimit || undefined;
    this.workspaceBudget = workspaceBudget(options.workspaceLimit);
    this.parentPageId = this.addSharedPage('Research');
    this.server = new LoopbackServer((req, res) => void this.handle(req, res));
    this.server.server.keepAliveTimeout = 5000;
  }

  async listen(): Promise<this> {
    this.url = await this.server.listen(this.options.port ?? 0);
    return this;
  }

  async close(): Promise<void> {
    for (const res of this.hanging) res.destroy();
    await this.server.close();
  }

  setFaults(faults: NotionFaults): void {
    this.faults = faults;
  }

  /** Replaces the per-connection limit of every token; budgets start afresh. */
  setRateLimit(rate: RateLimitOptions | false): void {
    this.rateLimit = rate || undefined;
    this.connectionBudgets.clear();
  }

  /** Replaces the workspace limit; its windows start afresh at the next request. */
  setWorkspaceLimit(limit: WorkspaceLimitOptions | false): void {
    this.workspaceBudget = workspaceBudget(limit || undefined);
  }

  /** Registers another valid integration token: another connection of this workspace, with a budget of its own. */
  addToken(): string {
    const token = `${this.token}_${this.tokens.size + 1}`;
    this.tokens.add(token);
    return token;
  }

  injectNext(route: string, kind: InjectedFault, count = 1): void {
    const list = this.injected.get(route) ?? [];
    for (let i = 0; i < count; i++) list.push(kind);
    this.injected.set(route, list);
  }

  addSharedPage(title = 'Shared page'): string {
    const id = randomUUID();
    this.sharedPages.set(id, title);
    return id;
  }

  /** Every token of the workspace answers 401 until `restoreToken`. */
  revokeToken(): void {
    this.revoked = true;
  }

  restoreToken(): void {
    this.revoked = false;
  }

  trashDatabase(databaseId: string): void {
    const db = this.databases.get(databaseId);
    if (!db) throw new Error(`no database ${databaseId}`);
    db.inTrash = true;
    for (const page of this.dataSources.get(db.dataSourceId)!.pages) page.inTrash = true;
  }

  databaseIds(): string[] {
    return [...this.databases.keys()];
  }

  databaseTitles(): string[] {
    return [...this.databases.values()].map((d) => d.title);
  }

  dataSourceOf(databaseId: string): string {
    const db = this.databases.get(databaseId);
    if (!db) throw new Error(`no database ${databaseId}`);
    return db.dataSourceId;
  }

  /** Pages not in the trash, in creation order, as the API returns them. */
  pages(dataSourceId: string): Record<string, unknown>[] {
    const ds = this.dataSources.get(dataSourceId);
    if (!ds) throw new Error(`no data source ${dataSourceId}`);
    return ds.pages.filter((p) => !p.inTrash).map((p) => this.pageObject(p));
  }

  /** The plain text of property `name` of every page (not in the trash): count ids for exactly-once checks. */
  propertyTexts(dataSourceId: string, name: string): string[] {
    const ds = this.dataSources.get(dataSourceId);
    if (!ds) throw new Error(`no data source ${dataSourceId}`);
    return ds.pages.filter((p) => !p.inTrash).map((p) => plainText(p.properties[name]));
  }

  /**
   * Adds pages as `POST /v1/pages` would, with the same validation, but without HTTP, rate limits or
   * faults: a test fills a data source in a moment. Each item is a page's `properties` body.
   * All or nothing: a page that fails validation throws before any is added.
   */
  seedPages(dataSourceId: string, pages: Record<string, unknown>[]): void {
    const ds = this.dataSources.get(dataSourceId);
    if (!ds) throw new Error(`no data source ${dataSourceId}`);
    const createdTime = new Date().toISOString();
    const built = pages.map((properties) => this.newPage(ds, properties as Record<string, Record<string, unknown>>, createdTime));
    for (const page of built) {
      ds.pages.push(page);
      this.pagesById.set(page.id, page);
    }
  }

  /**
   * The page of every `PATCH /v1/pages/{id}` applied since start, in order, repeats included: an
   * update applied but answered with a 5xx, or whose response was lost, is here too.
   */
  editedPageIds(): string[] {
    return [...this.edits];
  }

  /** 429s answered so far, by the limit named in their `rate_limit_reason`. */
  rateLimited(): { connection: number; workspace: number } {
    const counts = { connection: 0, workspace: 0 };
    for (const r of this.requests) {
      if (r.rateLimitReason === RATE_LIMIT_REASONS.connection) counts.connection += 1;
      else if (r.rateLimitReason === RATE_LIMIT_REASONS.workspace) counts.workspace += 1;
    }
    return counts;
  }

  stats(): { total: number; byStatus: Record<string, number>; byRoute: Record<string, number> } {
    const byStatus: Record<string, number> = {};
    const byRoute: Record<string, number> = {};
    for (const r of this.requests) {
      byStatus[String(r.status)] = (byStatus[String(r.status)] ?? 0) + 1;
      byRoute[r.route] = (byRoute[r.route] ?? 0) + 1;
    }
    return { total: this.requests.length, byStatus, byRoute };
  }

  // -------------------------------------------------------------------------------------------

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const method = (req.method ?? 'GET').toUpperCase();
    const route = routeOf(method, url.pathname);
    const record: RecordedRequest = { method, path: url.pathname, route, status: 0, at: Date.now(), applied: false };
    this.requests.push(record);
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks);
    if (this.options.latencyMs) await new Promise((r) => setTimeout(r, this.options.latencyMs));
    try {
      const outcome = this.answer(method, url, route, raw, record, bearerToken(req.headers.authorization));
      if (outcome.kind === 'lost') {
        record.status = 'lost';
        res.socket?.destroy();
        return;
      }
      if (outcome.kind === 'hang') {
        record.status = 'hang';
        this.hanging.add(res);
        return;
      }
      this.send(res, record, 200, outcome.body);
    } catch (error) {
      if (error instanceof ApiError) {
        const extra = error.additionalData;
        const reason = extra?.rate_limit_reason;
        if (error.status === 429 && typeof reason === 'string') record.rateLimitReason = reason;
        this.send(
          res,
          record,
          error.status,
          { object: 'error', status: error.status, code: error.code, message: error.message, ...(extra ? { additional_data: extra } : {}) },
          error.headers,
        );
      } else {
        this.send(res, record, 500, {
          object: 'error',
          status: 500,
          code: 'internal_server_error',
          message: `Unexpected error: ${(error as Error).message}`,
        });
      }
    }
  }

  private send(res: ServerResponse, record: RecordedRequest, status: number, body: unknown, headers: Record<string, string> = {}): void {
    record.status = status;
    const requestId = randomUUID();
    const payload = JSON.stringify(status >= 400 ? { ...(body as object), request_id: requestId } : body);
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'x-request-id': requestId, ...headers });
    res.end(payload);
  }

  private answer(
    method: string,
    url: URL,
    route: string,
    raw: Buffer,
    record: RecordedRequest,
    token: string | undefined,
  ): { kind: 'ok'; body: unknown } | { kind: 'lost' } | { kind: 'hang' } {
    // A token this workspace does not know is no connection: no budget of its own to spend.
    if (token === undefined || !this.tokens.has(token)) throw unauthorized();
    // Rate limits come first: a request over a budget costs nothing and does nothing. The
    // connection's limit is asked first; a request either limit refuses is counted by neither.
    const now = Date.now();
    const connection = this.connectionBudget(token, now);
    const connectionWait = connection?.refusal(now);
    if (connectionWait !== undefined) throw rateLimited(connectionWait);
    const workspaceWait = this.workspaceBudget?.refusal(now);
    if (workspaceWait !== undefined) throw workspaceRateLimited(workspaceWait);
    const injected = this.injected.get(route)?.shift();
    if (injected === 'rate_limited') throw rateLimited(connection?.retryAfter(now) ?? 1);
    if (injected === 'workspace_rate_limited') throw workspaceRateLimited(this.options.workspaceRetryAfterSeconds ?? 90);
    connection?.spend(now);
    this.workspaceBudget?.spend(now);
    if (injected === 'unauthorized') throw unauthorized();
    this.authorize();

    const isWrite = WRITE_ROUTES.has(route);
    const isPageWrite = PAGE_WRITES.has(route);
    let fault: InjectedFault | undefined = injected;
    if (!fault) {
      const f = this.faults;
      const draw = this.random();
      let edge = 0;
      const pick = (rate: number | undefined, kind: InjectedFault, applies: boolean) => {
        if (fault || !applies || !rate) return;
        edge += rate;
        if (draw < edge) fault = kind;
      };
      pick(f.conflictRate, 'conflict', isWrite);
      pick(f.serverErrorRate, 'server_error', true);
      pick(f.overloadRate, 'overload', true);
      pick(f.lostResponseRate, 'lost_response', isPageWrite);
      pick(f.hangRate, 'hang', isPageWrite);
      if (fault === 'server_error' && isPageWrite && this.random() < (f.serverErrorAppliedRate ?? 0.5)) fault = 'server_error_applied';
    }
    switch (fault) {
      case 'conflict':
        throw new ApiError(409, 'conflict_error', 'Conflict occurred while saving. Please try again.');
      case 'overload':
        throw new ApiError(529, 'service_overload', 'Notion is experiencing high load. Please try again later.', {
          'retry-after': String(this.faults.overloadRetryAfterSeconds ?? this.bucketRetryAfterSeconds() ?? 1),
        });
      case 'workspace_full':
        throw workspaceFull();
      case 'server_error':
        throw serverError(this.random());
      case 'not_found':
        throw new ApiError(404, 'object_not_found', `Could not find object. ${NOT_SHARED}`);
      default:
        break;
    }

    if (!raw.length && (method === 'POST' || method === 'PATCH') && route !== 'POST /v1/data_sources/:id/query') {
      throw new ApiError(400, 'validation_error', 'body failed validation: body should be an object, instead was `undefined`.');
    }
    if (raw.length > LIMITS.bodyBytes) {
      throw new ApiError(413, 'validation_error', `Request body too large: ${raw.length} bytes; the limit is 500KB.`);
    }
    let body: Record<string, unknown> = {};
    if (raw.length) {
      try {
        body = JSON.parse(raw.toString('utf8'));
      } catch {
        throw new ApiError(400, 'invalid_json', 'Error parsing JSON body.');
      }
    }
    const result = this.route(method, url, route, body);
    record.applied = result.applied;
    if (fault === 'server_error_applied') throw serverError(this.random());
    if (fault === 'lost_response') return { kind: 'lost' };
    if (fault === 'hang') return { kind: 'hang' };
    return { kind: 'ok', body: result.body };
  }

  private authorize(): void {
    if (this.revoked) throw unauthorized();
  }

  private connectionBudget(token: string, now: number): RequestBudget | undefined {
    if (!this.rateLimit) return undefined;
    let budget = this.connectionBudgets.get(token);
    if (!budget) {
      budget = connectionBudget(this.rateLimit, now);
      this.connectionBudgets.set(token, budget);
    }
    return budget;
  }

  /** The token bucket's configured Retry-After, which 529s borrow in scaled-down runs. */
  private bucketRetryAfterSeconds(): number | undefined {
    return this.rateLimit && this.rateLimit.model !== 'window' ? this.rateLimit.retryAfterSeconds : undefined;
  }

  private route(method: string, url: URL, route: string, body: Record<string, unknown>): { body: unknown; applied: boolean } {
    const id = url.pathname.split('/')[3] ?? '';
    switch (route) {
      case 'POST /v1/databases':
        return { body: this.createDatabase(body), applied: true };
      case 'GET /v1/databases/:id':
        return { body: this.databaseObject(this.database(id)), applied: false };
      case 'PATCH /v1/databases/:id':
        return { body: this.updateDatabase(id, body), applied: true };
      case 'GET /v1/data_sources/:id':
        return { body: this.dataSourceObject(this.dataSource(id)), applied: false };
      case 'PATCH /v1/data_sources/:id':
        return { body: this.updateDataSource(id, body), applied: true };
      case 'POST /v1/data_sources/:id/query':
        return { body: this.query(id, body, url.searchParams.getAll('filter_properties')), applied: false };
      case 'POST /v1/pages':
        return { body: this.createPage(body), applied: true };
      case 'GET /v1/pages/:id': {
        const shared = this.sharedPageObject(id);
        if (shared) return { body: shared, applied: false };
        const page = this.page(id);
        const only = this.onlyProperties(this.dataSources.get(page.dataSourceId)!, url.searchParams.getAll('filter_properties'));
        return { body: this.pageObject(page, only), applied: false };
      }
      case PAGE_UPDATE:
        return { body: this.updatePage(id, body, url.searchParams.getAll('filter_properties')), applied: true };
      default:
        throw new ApiError(400, 'invalid_request_url', 'Invalid request URL.');
    }
  }

  // -- databases and data sources --------------------------------------------------------------

  private database(id: string, forWrite = false): DatabaseRecord {
    const db = this.databases.get(id);
    if (!db || Date.now() < db.readyAt) throw notFound('database', id);
    if (forWrite && db.inTrash) throw archived();
    return db;
  }

  private dataSource(id: string, forWrite = false): DataSource {
    const ds = this.dataSources.get(id);
    if (!ds) throw notFound('data_source', id);
    this.database(ds.databaseId, forWrite);
    return ds;
  }

  private createDatabase(body: Record<string, unknown>): unknown {
    const parent = body.parent as { type?: string; page_id?: string } | undefined;
    if (!parent || parent.type !== 'page_id' || !parent.page_id) {
      throw validation('body.parent.page_id should be defined, instead was `undefined`.');
    }
    const pageId = normaliseId(parent.page_id);
    if (!this.sharedPages.has(pageId)) throw notFound('page', parent.page_id);
    const initial = (body.initial_data_source as { properties?: Record<string, Record<string, unknown>> } | undefined)?.properties ?? {};
    const properties: PropertySchema[] = [];
    for (const [name, schema] of Object.entries(initial)) properties.push(toSchema(name, schema, this.propertyId(properties)));
    if (properties.filter((p) => p.type === 'title').length !== 1) {
      throw validation('body.initial_data_source.properties should have exactly one title property.');
    }
    const title = plainText({ title: body.title });
    const db: DatabaseRecord = {
      id: randomUUID(),
      title,
      parentPageId: pageId,
      dataSourceId: randomUUID(),
      inTrash: false,
      createdAt: Date.now(),
      readyAt: Date.now() + (this.faults.readyDelayMs ?? 0),
    };
    this.databases.set(db.id, db);
    this.dataSources.set(db.dataSourceId, { id: db.dataSourceId, databaseId: db.id, properties, pages: [] });
    return this.databaseObject(db);
  }

  private updateDatabase(id: string, body: Record<string, unknown>): unknown {
    const db = this.database(id);
    if (typeof body.in_trash === 'boolean') {
      if (body.in_trash) this.trashDatabase(id);
      else db.inTrash = false;
    }
    if (Array.isArray(body.title)) db.title = plainText({ title: body.title });
    return this.databaseObject(db);
  }

  private updateDataSource(id: string, body: Record<string, unknown>): unknown {
    const ds = this.dataSource(id, true);
    const changes = (body.properties ?? {}) as Record<string, Record<string, unknown> | null>;
    for (const [key, change] of Object.entries(changes)) {
      const existing = findProperty(ds, key);
      if (change === null) {
        if (existing) ds.properties.splice(ds.properties.indexOf(existing), 1);
        continue;
      }
      const type = Object.keys(change).find((k) => k !== 'name' && k !== 'type' && k !== 'description') ?? (change.type as string | undefined);
      if (existing && !type) {
        if (typeof change.name === 'string') {
          for (const page of ds.pages) {
            const value = page.properties[existing.name];
            delete page.properties[existing.name];
            if (value) page.properties[change.name] = value;
          }
          existing.name = change.name;
        }
        continue;
      }
      if (existing) throw validation(`Cannot change the type of property ${key} in this test server.`);
      if (type === 'title') throw validation('A data source can have only one title property.');
      ds.properties.push(toSchema(typeof change.name === 'string' ? change.name : key, change, this.propertyId(ds.properties)));
    }
    return this.dataSourceObject(ds);
  }

  private databaseObject(db: DatabaseRecord): unknown {
    const created = new Date(db.createdAt).toISOString();
    return {
      object: 'database',
      id: db.id,
      title: [richTextItem(db.title)],
      description: [],
      parent: { type: 'page_id', page_id: db.parentPageId },
      is_inline: false,
      in_trash: db.inTrash,
      archived: db.inTrash,
      is_locked: false,
      created_time: created,
      last_edited_time: created,
      data_sources: [{ id: db.dataSourceId, name: db.title }],
      icon: null,
      cover: null,
      url: `https://www.notion.so/${db.id.replace(/-/g, '')}`,
      public_url: null,
    };
  }

  private dataSourceObject(ds: DataSource): unknown {
    const db = this.databases.get(ds.databaseId)!;
    return {
      object: 'data_source',
      id: ds.id,
      title: [richTextItem(db.title)],
      description: [],
      parent: { type: 'database_id', database_id: db.id },
      database_parent: { type: 'page_id', page_id: db.parentPageId },
      in_trash: db.inTrash,
      archived: db.inTrash,
      properties: Object.fromEntries(
        ds.properties.map((p) => [p.name, { id: encodeURIComponent(p.id), name: p.name, type: p.type, [p.type]: p.config }]),
      ),
      url: `https://www.notion.so/${ds.id.replace(/-/g, '')}`,
    };
  }

  // -- pages ---------------------------------------------------------------------------------

  /** A page by its id, with or without dashes. */
  /** A page shared with the integration (a parent page), as `GET /v1/pages/{id}` answers for it. */
  private sharedPageObject(id: string): Record<string, unknown> | undefined {
    const pageId = normaliseId(id);
    const title = this.sharedPages.get(pageId);
    if (title === undefined) return undefined;
    return {
      object: 'page',
      id: pageId,
      in_trash: false,
      archived: false,
      parent: { type: 'workspace', workspace: true },
      properties: { title: { id: 'title', type: 'title', title: [{ type: 'text', text: { content: title }, plain_text: title }] } },
      url: `https://www.notion.so/${pageId.replace(/-/g, '')}`,
    };
  }

  private page(id: string): Page {
    const page = this.pagesById.get(normaliseId(id));
    if (!page) throw notFound('page', id);
    return page;
  }

  private createPage(body: Record<string, unknown>): unknown {
    if (this.faults.workspaceFull) throw workspaceFull();
    const parent = body.parent as { type?: string; data_source_id?: string; database_id?: string } | undefined;
    let ds: DataSource;
    if (parent?.data_source_id) ds = this.dataSource(normaliseId(parent.data_source_id), true);
    else if (parent?.database_id) ds = this.dataSource(this.database(normaliseId(parent.database_id), true).dataSourceId, true);
    else throw validation('body.parent.data_source_id should be defined, instead was `undefined`.');
    const page = this.newPage(ds, (body.properties ?? {}) as Record<string, Record<string, unknown>>, new Date().toISOString());
    page.icon = pageDecoration(body, 'icon') ?? null;
    page.cover = pageDecoration(body, 'cover') ?? null;
    ds.pages.push(page);
    this.pagesById.set(page.id, page);
    return this.pageObject(page);
  }

  /** A validated page, not yet added. */
  private newPage(ds: DataSource, input: Record<string, Record<string, unknown>>, createdTime: string): Page {
    const properties = propertyValues(ds, input);
    for (const schema of ds.properties) {
      if (!properties[schema.name]) properties[schema.name] = { id: schema.id, type: schema.type, ...emptyValue(schema.type) };
    }
    return {
      id: randomUUID(),
      dataSourceId: ds.id,
      createdTime,
      lastEditedTime: createdTime,
      inTrash: false,
      icon: null,
      cover: null,
      properties,
    };
  }

  /**
   * `PATCH /v1/pages/{id}`: sets the properties given and keeps the others. All or nothing: the
   * whole body is validated before anything changes. A page in the trash can only be restored
   * (`in_trash: false`); one whose database is in the trash cannot be edited at all.
   */
  private updatePage(id: string, body: Record<string, unknown>, filterProperties: string[]): unknown {
    const page = this.page(id);
    const ds = this.dataSources.get(page.dataSourceId)!;
    const inTrash = trashFlag(body);
    if (this.databases.get(ds.databaseId)!.inTrash || (page.inTrash && inTrash !== false)) throw archived();
    const input = body.properties ?? {};
    if (typeof input !== 'object' || input === null || Array.isArray(input)) {
      throw validation(`body.properties should be an object, instead was \`${JSON.stringify(input)}\`.`);
    }
    const changes = propertyValues(ds, input as Record<string, Record<string, unknown>>);
    const icon = pageDecoration(body, 'icon');
    const cover = pageDecoration(body, 'cover');
    const only = this.onlyProperties(ds, filterProperties);
    Object.assign(page.properties, changes);
    if (inTrash !== undefined) page.inTrash = inTrash;
    if (icon !== undefined) page.icon = icon;
    if (cover !== undefined) page.cover = cover;
    page.lastEditedTime = new Date().toISOString();
    this.edits.push(page.id);
    return this.pageObject(page, only);
  }

  /**
   * The property names a `filter_properties` list selects, or undefined for all. The SDK decodes
   * each id before sending it and the query string is decoded once here, so an id arrives decoded.
   */
  private onlyProperties(ds: DataSource, filterProperties: string[]): Set<string> | undefined {
    if (!filterProperties.length) return undefined;
    return new Set(
      filterProperties.map((value) => {
        const schema = ds.properties.find((p) => p.name === value || p.id === value);
        if (!schema) throw validation(`Could not find property with name or id: ${value}`);
        return schema.name;
      }),
    );
  }

  /** A fresh decoded property id, unlike any in `taken`. */
  private propertyId(taken: PropertySchema[]): string {
    for (;;) {
      let id = '';
      for (let i = 0; i < 4; i++) {
        const chars = this.idRandom() < PROPERTY_ID_CHARS.encodedShare ? PROPERTY_ID_CHARS.encoded : PROPERTY_ID_CHARS.plain;
        id += chars[Math.floor(this.idRandom() * chars.length)];
      }
      if (!taken.some((p) => p.id === id)) return id;
    }
  }

  /** `only`: the names of the properties to include (from `filter_properties`). */
  private pageObject(page: Page, only?: Set<string>): Record<string, unknown> {
    const ds = this.dataSources.get(page.dataSourceId)!;
    const properties = Object.fromEntries(
      Object.entries(page.properties)
        .filter(([name]) => !only || only.has(name))
        .map(([name, value]) => [name, { ...value, id: encodeURIComponent(String(value.id)) }]),
    );
    return {
      object: 'page',
      id: page.id,
      created_time: page.createdTime,
      last_edited_time: page.lastEditedTime,
      in_trash: page.inTrash,
      archived: page.inTrash,
      is_locked: false,
      parent: { type: 'data_source_id', data_source_id: ds.id, database_id: ds.databaseId },
      properties,
      icon: page.icon,
      cover: page.cover,
      url: `https://www.notion.so/${page.id.replace(/-/g, '')}`,
      public_url: null,
    };
  }

  private query(id: string, body: Record<string, unknown>, filterProperties: string[]): unknown {
    const ds = this.dataSource(id);
    const pageSize = body.page_size === undefined ? LIMITS.pageSize : Number(body.page_size);
    if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > LIMITS.pageSize) {
      throw validation(`body.page_size should be ≤ \`100\`, instead was \`${String(body.page_size)}\`.`);
    }
    const filter = body.filter as Filter | undefined;
    if (filter) checkFilter(filter, 0);
    const test = filter ? compileFilter(filter, ds) : undefined;
    const only = this.onlyProperties(ds, filterProperties);
    // One result past the limit is enough to know the query is capped.
    const limit = this.options.queryResultLimit ?? LIMITS.queryResults;
    const matching: Page[] = [];
    for (const page of ds.pages) {
      if (!page.inTrash && (!test || test(page))) matching.push(page);
      if (matching.length > limit) break;
    }
    const capped = matching.length > limit;
    if (capped) matching.pop();
    let start = 0;
    if (body.start_cursor !== undefined) {
      start = matching.findIndex((p) => p.id === body.start_cursor);
      if (start < 0) throw validation(`body.start_cursor should be a valid cursor, instead was \`${String(body.start_cursor)}\`.`);
    }
    const slice = matching.slice(start, start + pageSize);
    const next = matching[start + pageSize];
    return {
      object: 'list',
      results: slice.map((p) => this.pageObject(p, only)),
      next_cursor: next ? next.id : null,
      has_more: Boolean(next),
      type: 'page_or_data_source',
      page_or_data_source: {},
      ...(capped ? { request_status: { type: 'incomplete', incomplete_reason: 'query_result_limit_reached' } } : {}),
      request_id: randomUUID(),
    };
  }
}

// -- values ------------------------------------------------------------------------------------

type Filter = Record<string, unknown> & { or?: Filter[]; and?: Filter[]; property?: string };

function richTextItem(content: string): Record<string, unknown> {
  return {
    type: 'text',
    text: { content, link: null },
    annotations: { bold: false, italic: false, strikethrough: false, underline: false, code: false, color: 'default' },
    plain_text: content,
    href: null,
  };
}

function plainText(value: unknown): string {
  const v = value as { title?: { plain_text?: string; text?: { content?: string } }[]; rich_text?: { plain_text?: string }[] } | undefined;
  const items = (v?.title ?? v?.rich_text ?? []) as { plain_text?: string; text?: { content?: string } }[];
  return items.map((i) => i.plain_text ?? i.text?.content ?? '').join('');
}

/** `id`: the decoded id for a property that is not the title (whose id is always `title`). */
function toSchema(name: string, schema: Record<string, unknown>, id: string): PropertySchema {
  const type = (schema.type as string | undefined) ?? Object.keys(schema).find((k) => k !== 'name' && k !== 'description');
  const known = ['title', 'rich_text', 'select', 'number', 'url', 'date', 'multi_select', 'checkbox'];
  if (!type || !known.includes(type)) throw validation(`body.properties.${name} should be a valid property schema.`);
  const config = { ...((schema[type] as Record<string, unknown> | undefined) ?? {}) };
  if (type === 'select') {
    const options = ((config.options as { name: string; color?: string }[] | undefined) ?? []).map((o) => ({
      id: randomUUID().slice(0, 4),
      name: o.name,
      color: o.color ?? 'default',
    }));
    config.options = options;
  }
  return { id: type === 'title' ? 'title' : id, name, type, config };
}

/** A property by its name, or by its id decoded or URL-encoded as responses carry it. */
function findProperty(ds: DataSource, key: unknown): PropertySchema | undefined {
  if (typeof key !== 'string') return undefined;
  return ds.properties.find((p) => p.name === key) ?? ds.properties.find((p) => p.id === key || encodeURIComponent(p.id) === key);
}

/** A page body's values keyed by property name, validated; a key may be a name or an id, decoded or as sent. */
function propertyValues(ds: DataSource, input: Record<string, Record<string, unknown>>): Page['properties'] {
  const properties: Page['properties'] = {};
  for (const [key, value] of Object.entries(input)) {
    const schema = findProperty(ds, key);
    if (!schema) throw validation(`${key} is not a property that exists.`);
    properties[schema.name] = { id: schema.id, type: schema.type, ...validateValue(schema, value, ds) };
  }
  return properties;
}

/** A page update's `in_trash` (or its older names `archived`, `is_archived`), when given. */
function trashFlag(body: Record<string, unknown>): boolean | undefined {
  for (const key of ['in_trash', 'archived', 'is_archived']) {
    const value = body[key];
    if (value === undefined) continue;
    if (typeof value !== 'boolean') throw validation(`body.${key} should be a boolean, instead was \`${JSON.stringify(value)}\`.`);
    return value;
  }
  return undefined;
}

/** A page's `icon` or `cover` as the body gives it (an object, or null to remove it); undefined when absent. */
function pageDecoration(body: Record<string, unknown>, key: 'icon' | 'cover'): unknown {
  const value = body[key];
  if (value === undefined || value === null) return value;
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw validation(`body.${key} should be an object or \`null\`, instead was \`${JSON.stringify(value)}\`.`);
  }
  return value;
}

function emptyValue(type: string): Record<string, unknown> {
  switch (type) {
    case 'title':
    case 'rich_text':
      return { [type]: [] };
    case 'select':
    case 'number':
    case 'url':
    case 'date':
      return { [type]: null };
    default:
      return { [type]: null };
  }
}

function validateValue(schema: PropertySchema, value: Record<string, unknown>, ds: DataSource): Record<string, unknown> {
  const path = `body.properties.${schema.name}`;
  if (!value || typeof value !== 'object') throw validation(`${path} should be an object, instead was \`${String(value)}\`.`);
  const present = Object.keys(value).filter((k) => k !== 'type' && k !== 'id');
  if (!present.includes(schema.type)) {
    throw validation(`${path}.${schema.type} should be defined, instead was \`undefined\`.`);
  }
  const v = value[schema.type];
  switch (schema.type) {
    case 'title':
    case 'rich_text': {
      if (!Array.isArray(v)) throw validation(`${path}.${schema.type} should be an array.`);
      if (v.length > LIMITS.arrayItems) {
        throw validation(`${path}.${schema.type}.length should be ≤ \`${LIMITS.arrayItems}\`, instead was \`${v.length}\`.`);
      }
      return {
        [schema.type]: v.map((item: { text?: { content?: unknown } }, i: number) => {
          const content = item?.text?.content;
          if (typeof content !== 'string') throw validation(`${path}.${schema.type}[${i}].text.content should be a string.`);
          if (content.length > LIMITS.richTextContentChars) {
            throw validation(
              `${path}.${schema.type}[${i}].text.content.length should be ≤ \`${LIMITS.richTextContentChars}\`, instead was \`${content.length}\`.`,
            );
          }
          return richTextItem(content);
        }),
      };
    }
    case 'select': {
      if (v === null) return { select: null };
      const name = (v as { name?: unknown })?.name;
      if (typeof name !== 'string' || name === '') throw validation(`${path}.select.name should be a non-empty string.`);
      if (name.includes(',')) throw validation(`Invalid select option, commas not allowed: ${name}`);
      if (name.length > LIMITS.selectNameChars) {
        throw validation(`${path}.select.name.length should be ≤ \`${LIMITS.selectNameChars}\`, instead was \`${name.length}\`.`);
      }
      const options = (schema.config.options as { id: string; name: string; color: string }[]) ?? [];
      let option = options.find((o) => o.name === name);
      if (!option) {
        option = { id: randomUUID().slice(0, 4), name, color: 'default' };
        options.push(option);
        schema.config.options = options;
      }
      void ds;
      return { select: option };
    }
    case 'number':
      if (v !== null && (typeof v !== 'number' || !Number.isFinite(v))) {
        throw validation(`${path}.number should be a number or \`null\`, instead was \`${JSON.stringify(v)}\`.`);
      }
      return { number: v };
    case 'url':
      if (v !== null && typeof v !== 'string') throw validation(`${path}.url should be a string or \`null\`.`);
      if (typeof v === 'string' && v.length > LIMITS.urlChars) {
        throw validation(`${path}.url.length should be ≤ \`${LIMITS.urlChars}\`, instead was \`${v.length}\`.`);
      }
      return { url: v };
    case 'date': {
      if (v === null) return { date: null };
      const { start, end, time_zone } = (v ?? {}) as { start?: unknown; end?: unknown; time_zone?: unknown };
      const isDate = (date: unknown) => typeof date === 'string' && !Number.isNaN(Date.parse(date));
      const notADate = (key: string, date: unknown) =>
        validation(`${path}.date.${key} should be a valid ISO 8601 date string, instead was \`${JSON.stringify(date)}\`.`);
      if (!isDate(start)) throw notADate('start', start);
      if (end !== undefined && end !== null && !isDate(end)) throw notADate('end', end);
      if (time_zone !== undefined && time_zone !== null && typeof time_zone !== 'string') {
        throw validation(`${path}.date.time_zone should be a string or \`null\`, instead was \`${JSON.stringify(time_zone)}\`.`);
      }
      return { date: { start, end: end ?? null, time_zone: time_zone ?? null } };
    }
    default:
      return { [schema.type]: v };
  }
}

/** Notion allows compound filters nested two levels deep. */
function checkFilter(filter: Filter, depth: number): void {
  for (const key of ['or', 'and'] as const) {
    const list = filter[key];
    if (!list) continue;
    if (depth >= 2) throw validation('body.filter should be at most two levels of nested compound filters.');
    if (!Array.isArray(list)) throw validation(`body.filter.${key} should be an array.`);
    if (list.length > LIMITS.arrayItems) {
      throw validation(`body.filter.${key}.length should be ≤ \`${LIMITS.arrayItems}\`, instead was \`${list.length}\`.`);
    }
    for (const f of list) checkFilter(f, depth + 1);
  }
}

type PageTest = (page: Page) => boolean;

/**
 * The filter as a test of a page, its properties resolved once. An `or` of `equals` conditions on
 * one property (a lookup of ids) becomes a set lookup, so 100 conditions cost one read per page.
 */
function compileFilter(filter: Filter, ds: DataSource): PageTest {
  if (filter.and) {
    const all = filter.and.map((f) => compileFilter(f, ds));
    return (page) => all.every((t) => t(page));
  }
  if (filter.or) {
    const lookups = new Map<PropertySchema, Set<unknown>>();
    const tests: PageTest[] = [];
    for (const f of filter.or) {
      const condition = f.or || f.and ? undefined : compileCondition(f, ds);
      if (!condition) tests.push(compileFilter(f, ds));
      else if (condition.equals) {
        const values = lookups.get(condition.schema) ?? new Set<unknown>();
        values.add(condition.equals.value);
        lookups.set(condition.schema, values);
      } else tests.push(condition.test);
    }
    for (const [schema, values] of lookups) tests.push((page) => values.has(comparable(schema, page)));
    return (page) => tests.some((t) => t(page));
  }
  return compileCondition(filter, ds).test;
}

function compileCondition(filter: Filter, ds: DataSource): { schema: PropertySchema; test: PageTest; equals?: { value: unknown } } {
  const schema = findProperty(ds, filter.property);
  if (!schema) throw validation(`Could not find property with name or id: ${String(filter.property)}`);
  const condition = (filter.rich_text ?? filter.title ?? filter.select ?? filter.number) as Record<string, unknown> | undefined;
  if (!condition) throw validation('body.filter should define a condition for the property type.');
  const read = (page: Page) => comparable(schema, page);
  const empty = (actual: unknown) => actual === '' || actual === null || actual === undefined;
  if ('equals' in condition) {
    const value = condition.equals;
    return { schema, test: (page) => read(page) === value, equals: { value } };
  }
  if ('contains' in condition) {
    const part = String(condition.contains);
    return {
      schema,
      test: (page) => {
        const actual = read(page);
        return typeof actual === 'string' && actual.includes(part);
      },
    };
  }
  if ('is_empty' in condition) return { schema, test: (page) => empty(read(page)) };
  if ('is_not_empty' in condition) return { schema, test: (page) => !empty(read(page)) };
  throw validation('Unsupported filter condition.');
}

/** A page's value of a property as filters compare it: plain text, a select's name, else the raw value. */
function comparable(schema: PropertySchema, page: Page): unknown {
  const value = page.properties[schema.name];
  if (schema.type === 'title' || schema.type === 'rich_text') return plainText(value);
  if (schema.type === 'select') return (value?.select as { name?: string } | null)?.name ?? '';
  return value?.[schema.type];
}

// -- errors ------------------------------------------------------------------------------------

function normaliseId(id: string): string {
  const hex = id.replace(/-/g, '').toLowerCase();
  if (!/^[0-9a-f]{32}$/.test(hex)) return id;
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

function validation(message: string): ApiError {
  return new ApiError(400, 'validation_error', message.startsWith('body') ? `body failed validation: ${message}` : message);
}

function unauthorized(): ApiError {
  return new ApiError(401, 'unauthorized', 'API token is invalid.');
}

function notFound(kind: string, id: string): ApiError {
  return new ApiError(404, 'object_not_found', `Could not find ${kind} with ID: ${id}. ${NOT_SHARED}`);
}

function archived(): ApiError {
  return new ApiError(400, 'validation_error', "Can't edit block that is archived. You must unarchive the block before editing.");
}

function rateLimited(retryAfterSeconds: number): ApiError {
  return new ApiError(
    429,
    'rate_limited',
    'You have been rate limited. Please try again in a few minutes.',
    { 'retry-after': String(retryAfterSeconds) },
    { rate_limit_reason: RATE_LIMIT_REASONS.connection },
  );
}

function workspaceRateLimited(retryAfterSeconds: number): ApiError {
  return new ApiError(
    429,
    'rate_limited',
    "This workspace's integrations have made too many requests. Please try again later.",
    { 'retry-after': String(retryAfterSeconds) },
    { rate_limit_reason: RATE_LIMIT_REASONS.workspace },
  );
}

/** The token of an `Authorization: Bearer …` header. */
function bearerToken(header: string | undefined): string | undefined {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
  return match?.[1];
}

/** Notion documents no shape for this; modelled as a validation error that names the block limit. */
function workspaceFull(): ApiError {
  return new ApiError(
    400,
    'validation_error',
    'This workspace has reached its block limit. Upgrade the workspace plan or remove content to add more.',
  );
}

function serverError(draw: number): ApiError {
  const choices: [number, string, string][] = [
    [500, 'internal_server_error', 'Unexpected error occurred.'],
    [502, 'internal_server_error', 'Bad gateway.'],
    [503, 'service_unavailable', 'Notion is unavailable. Please try again later.'],
    [504, 'gateway_timeout', 'Notion timed out. Please try again later.'],
  ];
  const [status, code, message] = choices[Math.floor(draw * choices.length)]!;
  return new ApiError(status, code, message);
}

export async function startNotionServer(options: LocalNotionOptions = {}): Promise<LocalNotion> {
  return new LocalNotion(options).listen();
}

export type { LocalNotion as LocalNotionServer };
