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
 * Property schemas of every type the API reference lists, so a test can make the database a person
 * made by hand (a title called `Name`, multi-selects, checkboxes, formulas, created times...)
 * through `databases.create`: select, multi-select and status options get ids and colours (a status
 * without options gets Notion's three, in their groups), relations and rollups name real properties,
 * and a data source has exactly one title. A data source update adds, removes, renames and
 * reconfigures properties, but changes no property's type.
 *
 * Pages are created (`POST /v1/pages`) and updated (`PATCH /v1/pages/{id}`: only the properties
 * given change); `editedPageIds` lists the updates applied, so a test sees exactly which pages changed.
 * Each writable value is validated as the reference gives its shape; a value for a property Notion
 * computes (formula, rollup, created and last edited time and by, unique id, button, verification)
 * is a 400. A page answers every property of its data source: empty values for those never set,
 * computed ones filled in (its times, the bot user, a number counting up per data source).
 *
 * Search (`POST /v1/search`) as the API reference describes it for Notion-Version 2025-09-03: the
 * pages (rows of databases among them) and data sources shared with the integration whose title
 * holds the query, the trash left out, most recently edited first unless sorted, filtered by
 * object (`page` or `data_source`: since 2025-09-03 `database` is refused), paged with opaque
 * cursors. A test can make a database or a page the integration cannot see (`unshareDatabase`,
 * `addUnsharedPage`): it answers 404 exactly as a missing one does, and search leaves it out.
 * `seedDatabase` makes a database as a person would, in a moment, shared or not.
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
  /** Page creates: applied, then a 503 naming the page in `additional_data.committed_resource_id` (the benchmark's fault row). */
  committedUnavailableRate?: number;
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

/**
 * One endpoint's own limit ("Some endpoints also have their own limit"): fixed windows per
 * connection, opened at the endpoint's first request; a refusal is a 429 naming
 * `public_api_endpoint_rate_limit`, its Retry-After the seconds until the window resets.
 */
export interface EndpointLimitOptions {
  requests: number;
  windowSeconds: number;
}

export interface LocalNotionOptions {
  token?: string;
  /** Limits of single endpoints, by route (`POST /v1/pages`, `POST /v1/data_sources/:id/query`…), per connection. */
  endpointLimits?: Readonly<Record<string, EndpointLimitOptions>>;
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
  /** `false`: an applied 503 does not name its page (`committed_resource_id`), as before Notion documented it (benchmark's reference). */
  committedResourceIds?: boolean;
  /** `false`: a 429 or 529 says its wait only in the body's `additional_data.retry_after`, not in a Retry-After header. */
  retryAfterHeader?: boolean;
  port?: number;
}

export type InjectedFault =
  | 'conflict'
  | 'server_error'
  | 'server_error_applied'
  /** A 503 to a page create that was applied, naming the page in `additional_data.committed_resource_id`. */
  | 'unavailable_committed'
  | 'overload'
  | 'rate_limited'
  | 'workspace_rate_limited'
  /** 429 `rate_limit_reason: "public_api_request_blocked"`: the integration's requests are blocked ("Request limits": do not retry). */
  | 'request_blocked'
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

/**
 * `id` is the decoded id (`|7S?`); responses carry it URL-encoded (`%7C7S%3F`). `config` is the
 * type's configuration as stored: select, multi-select and status options with their ids, a
 * relation's target, a rollup's property ids (names are looked up when answering, so renames show).
 */
type PropertySchema = { id: string; name: string; type: string; description: string | null; config: Record<string, unknown> };

/** A select, multi-select or status option as a data source stores and answers it. */
interface SelectOption {
  id: string;
  name: string;
  color: string;
  description: string | null;
}

interface DataSource {
  id: string;
  databaseId: string;
  properties: PropertySchema[];
  pages: Page[];
  /** The number the next page gets: what a `unique_id` property shows, counting up per data source. */
  nextNumber: number;
}

interface DatabaseRecord {
  id: string;
  title: string;
  parentPageId: string;
  dataSourceId: string;
  inTrash: boolean;
  createdAt: number;
  readyAt: number;
  /**
   * Whether the integration can open it. "Make sure the relevant pages and databases are shared
   * with your integration": one not shared answers 404 as a missing one does, its data source and
   * rows too, and search leaves it out.
   */
  shared: boolean;
  /** When its title, trash state or schema last changed (ms): the `last_edited_time` of it and of its data source. */
  lastEditedAt: number;
}

/**
 * A page outside any database (a parent page a database can be made under), its title its
 * `title` property. One not `shared` with the integration answers 404 as a missing page does
 * ("Could not find page with ID… Make sure the relevant pages and databases are shared with your
 * integration") and search leaves it out.
 */
interface WorkspacePage {
  id: string;
  title: string;
  shared: boolean;
  inTrash: boolean;
  createdTime: string;
  lastEditedTime: string;
}

/** One object a search found: what answers it and what orders it (`last_edited_time`, in ms). */
interface SearchHit {
  object: 'page' | 'data_source';
  id: string;
  lastEditedAt: number;
}

/** The search a cursor continues: the objects it found, in order, and where the next page starts. */
interface SearchCursor {
  hits: readonly SearchHit[];
  offset: number;
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
  /** Its `unique_id` number, given when it was added, whether the data source has such a property yet or not. */
  number: number;
  /**
   * Values of writable properties keyed by decoded property id, so a rename leaves them alone and
   * a property removed and added again starts empty. Select and status hold an option id,
   * multi-select an array of them (answered as the options are now); the others their answer's shape.
   */
  values: Record<string, unknown>;
}

/**
 * Notion's limits (developers.notion.com, "Request limits"): emails and phone numbers 200
 * characters, a multi-select 100 options, a relation 100 pages, people 100 users. The API
 * reference adds 100 options in a select, multi-select or status schema and 280 characters in a
 * property's description.
 */
export const LIMITS = {
  richTextContentChars: 2000,
  arrayItems: 100,
  urlChars: 2000,
  selectNameChars: 100,
  emailChars: 200,
  phoneNumberChars: 200,
  propertyDescriptionChars: 280,
  bodyBytes: 500_000,
  pageSize: 100,
  queryResults: 10_000,
} as const;

/** `additional_data.rate_limit_reason` of a 429, by the limit that refused the request. */
export const RATE_LIMIT_REASONS = {
  connection: 'public_api_request_rate_limit',
  workspace: 'public_api_space_request_rate_limit',
  blocked: 'public_api_request_blocked',
  endpoint: 'public_api_endpoint_rate_limit',
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
const SEARCH = 'POST /v1/search';
const QUERY = 'POST /v1/data_sources/:id/query';
/**
 * POSTs that may come without a body: a query, and a search, which the SDK sends without one when
 * given no parameters (`notion.search({})`); with no `query`, a search answers everything shared.
 */
const BODY_OPTIONAL = new Set([QUERY, SEARCH]);
/** The keys of a search body (the reference's schema has `additionalProperties: false`). */
const SEARCH_KEYS = ['query', 'filter', 'sort', 'start_cursor', 'page_size'] as const;
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
  /** The integration's bot user: created_by and last_edited_by of every page, in people values as a full user. */
  readonly botUserId = randomUUID();
  private readonly server: LoopbackServer;
  private readonly random: () => number;
  /** Property ids come from a stream of their own, so that creating a schema leaves the fault draws as they were. */
  private readonly idRandom: () => number;
  private faults: NotionFaults;
  private rateLimit: RateLimitOptions | undefined;
  /** Per-connection budgets by token, each opened at its token's first request. */
  private readonly connectionBudgets = new Map<string, RequestBudget>();
  private workspaceBudget: RequestBudget | undefined;
  /** Endpoint budgets by token and route, each opened at that route's first request of the token. */
  private readonly endpointBudgets = new Map<string, RequestBudget>();
  /** Tokens whose requests are blocked: every request answers 429 `public_api_request_blocked`. */
  private readonly blockedTokens = new Set<string>();
  private readonly tokens = new Set<string>();
  private revoked = false;
  /** Pages outside databases (parent pages), shared with the integration or not. */
  private readonly workspacePages = new Map<string, WorkspacePage>();
  private readonly databases = new Map<string, DatabaseRecord>();
  private readonly dataSources = new Map<string, DataSource>();
  private readonly pagesById = new Map<string, Page>();
  /** Ids of the pages each applied `PATCH /v1/pages/{id}` changed, in order. */
  private readonly edits: string[] = [];
  private readonly injected = new Map<string, InjectedFault[]>();
  private readonly hanging = new Set<ServerResponse>();
  /**
   * The searches each `next_cursor` continues, by cursor. "Treat this as an opaque value"
   * (Pagination): each is a UUID, valid for as long as the server runs.
   */
  private readonly searchCursors = new Map<string, SearchCursor>();
  /** The maps above, for the schema and value functions that look across data sources. */
  private readonly workspace: Workspace = {
    dataSources: this.dataSources,
    databases: this.databases,
    pagesById: this.pagesById,
    botUserId: this.botUserId,
  };

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

  /**
   * Blocks the integration's requests (the default token's, or `token`'s): from now on every one
   * answers 429 `public_api_request_blocked`, which "Request limits" says not to retry, until `unblock`.
   */
  blockIntegration(token: string = this.token): void {
    this.blockedTokens.add(token);
  }

  unblock(token: string = this.token): void {
    this.blockedTokens.delete(token);
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

  /**
   * A page outside any database, shared with the integration: a parent a database can be made
   * under, answered by `GET /v1/pages/{id}`, found by search by its title ("Returns all pages or
   * data_sources … that have titles that include the `query` param", Search by title).
   */
  addSharedPage(title = 'Shared page'): string {
    const id = randomUUID();
    const now = new Date().toISOString();
    this.workspacePages.set(id, { id, title, shared: true, inTrash: false, createdTime: now, lastEditedTime: now });
    return id;
  }

  /**
   * A page the integration cannot see: Notion answers 404 `object_not_found` for a page not shared
   * with the integration as for one that does not exist, so retrieving it, or making a database
   * under it, is refused, and search leaves it out (it returns only what is shared).
   */
  addUnsharedPage(title = 'Private page'): string {
    const id = this.addSharedPage(title);
    this.workspacePages.get(id)!.shared = false;
    return id;
  }

  /** Shares a page made by `addSharedPage` or `addUnsharedPage` with the integration (again). */
  sharePage(pageId: string): void {
    this.workspacePage(pageId).shared = true;
  }

  /** Takes the integration's access to a page away: from now on it answers 404 and is not searched. */
  unsharePage(pageId: string): void {
    this.workspacePage(pageId).shared = false;
  }

  /**
   * Moves a page to the trash as a person would, or back (`inTrash` false): a parent page, or a
   * row of a database. Retrieving it answers `in_trash: true`; search leaves pages in the trash out.
   */
  trashPage(pageId: string, inTrash = true): void {
    const id = normaliseId(pageId);
    const now = new Date().toISOString();
    const parent = this.workspacePages.get(id);
    const row = this.pagesById.get(id);
    if (parent) Object.assign(parent, { inTrash, lastEditedTime: now });
    else if (row) Object.assign(row, { inTrash, lastEditedTime: now });
    else throw new Error(`no page ${pageId}`);
  }

  /**
   * Takes the integration's access to a database away, as a person removing its connection does:
   * the database, its data source and its rows answer 404 `object_not_found` exactly as missing
   * ones do ("Make sure the relevant pages and databases are shared with your integration"),
   * queries and page creates in it too, and search leaves them out. `shareDatabase` undoes it.
   */
  unshareDatabase(databaseId: string): void {
    this.databaseRecord(databaseId).shared = false;
  }

  /** Shares a database with the integration (again): it answers and is searched as before. */
  shareDatabase(databaseId: string): void {
    this.databaseRecord(databaseId).shared = true;
  }

  /**
   * Makes a database as a person does in Notion, without HTTP, rate limits or faults, ready at
   * once: its schema validated as for `POST /v1/databases` (any property types, exactly one
   * title; by default just a title called `Name`), under `parentPageId` (default: the shared
   * parent page; an unshared page will do). `shared: false` makes one the integration cannot see.
   * Fill it with `seedPages`.
   */
  seedDatabase(
    options: { title?: string; properties?: Record<string, unknown>; parentPageId?: string; shared?: boolean } = {},
  ): { databaseId: string; dataSourceId: string } {
    const parentPageId = normaliseId(options.parentPageId ?? this.parentPageId);
    if (!this.workspacePages.has(parentPageId)) throw new Error(`no page ${parentPageId}`);
    const db = this.makeDatabase(
      options.title ?? 'My database',
      parentPageId,
      'properties',
      options.properties ?? { Name: { type: 'title', title: {} } },
      Date.now(),
    );
    db.shared = options.shared ?? true;
    return { databaseId: db.id, dataSourceId: db.dataSourceId };
  }

  /** Every token of the workspace answers 401 until `restoreToken`. */
  revokeToken(): void {
    this.revoked = true;
  }

  restoreToken(): void {
    this.revoked = false;
  }

  trashDatabase(databaseId: string): void {
    const db = this.databaseRecord(databaseId);
    db.inTrash = true;
    db.lastEditedAt = Date.now();
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
    const schema = ds.properties.find((p) => p.name === name);
    return ds.pages.filter((p) => !p.inTrash).map((p) => (schema ? plainText(readValue(this.workspace, ds, schema, p)) : ''));
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
    const pending = new Map<PropertySchema, SelectOption[]>();
    const built = pages.map((properties) => this.newPage(ds, properties, createdTime, pending));
    commitOptions(pending);
    for (const page of built) this.addPage(ds, page);
  }

  /**
   * The page of every `PATCH /v1/pages/{id}` applied since start, in order, repeats included: an
   * update applied but answered with a 5xx, or whose response was lost, is here too.
   */
  editedPageIds(): string[] {
    return [...this.edits];
  }

  /** 429s answered so far, by the limit named in their `rate_limit_reason`. */
  rateLimited(): { connection: number; workspace: number; endpoint: number; blocked: number } {
    const counts = { connection: 0, workspace: 0, endpoint: 0, blocked: 0 };
    for (const r of this.requests) {
      if (r.rateLimitReason === RATE_LIMIT_REASONS.connection) counts.connection += 1;
      else if (r.rateLimitReason === RATE_LIMIT_REASONS.workspace) counts.workspace += 1;
      else if (r.rateLimitReason === RATE_LIMIT_REASONS.endpoint) counts.endpoint += 1;
      else if (r.rateLimitReason === RATE_LIMIT_REASONS.blocked) counts.blocked += 1;
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
        let extra = error.additionalData;
        let headers = error.headers;
        const reason = extra?.rate_limit_reason;
        if (error.status === 429 && typeof reason === 'string') record.rateLimitReason = reason;
        // 429 and 529 bodies carry the wait too, in `additional_data.retry_after` (seconds), for
        // clients that cannot read the header ("Request limits"); `retryAfterHeader: false` sends it only there.
        const wait = headers['retry-after'];
        if ((error.status === 429 || error.status === 529) && wait !== undefined) {
          extra = { ...extra, retry_after: Number(wait) };
          if (this.options.retryAfterHeader === false) headers = Object.fromEntries(Object.entries(headers).filter(([k]) => k !== 'retry-after'));
        }
        this.send(
          res,
          record,
          error.status,
          { object: 'error', status: error.status, code: error.code, message: error.message, ...(extra ? { additional_data: extra } : {}) },
          headers,
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
    if (this.blockedTokens.has(token)) throw requestBlocked();
    // Rate limits come first: a request over a budget costs nothing and does nothing. The
    // connection's limit is asked first; a request either limit refuses is counted by neither.
    const now = Date.now();
    const connection = this.connectionBudget(token, now);
    const connectionWait = connection?.refusal(now);
    if (connectionWait !== undefined) throw rateLimited(connectionWait);
    const workspaceWait = this.workspaceBudget?.refusal(now);
    if (workspaceWait !== undefined) throw workspaceRateLimited(workspaceWait);
    const endpoint = this.endpointBudget(token, route);
    const endpointWait = endpoint?.refusal(now);
    if (endpointWait !== undefined) throw endpointRateLimited(endpointWait);
    const injected = this.injected.get(route)?.shift();
    if (injected === 'rate_limited') throw rateLimited(connection?.retryAfter(now) ?? 1);
    if (injected === 'workspace_rate_limited') throw workspaceRateLimited(this.options.workspaceRetryAfterSeconds ?? 90);
    if (injected === 'request_blocked') throw requestBlocked();
    connection?.spend(now);
    this.workspaceBudget?.spend(now);
    endpoint?.spend(now);
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
      pick(f.committedUnavailableRate, 'unavailable_committed', route === PAGE_CREATE);
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

    if (!raw.length && (method === 'POST' || method === 'PATCH') && !BODY_OPTIONAL.has(route)) {
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
    if (fault === 'server_error_applied' || fault === 'unavailable_committed') {
      const error = fault === 'unavailable_committed' ? serverError(0.5) : serverError(this.random());
      // A 503 after a write that was committed names what it made ("Request limits": retry guidance):
      // `additional_data.committed_resource_id`, so the client takes it as written and does not create again.
      const id = (result.body as { id?: unknown } | undefined)?.id;
      if (error.status === 503 && route === PAGE_CREATE && typeof id === 'string' && this.options.committedResourceIds !== false) {
        throw new ApiError(503, error.code, error.message, {}, { committed_resource_id: id, retry_guidance: 'do_not_retry' });
      }
      throw error;
    }
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

  /** The endpoint's own budget for this token, when the route has a limit of its own. */
  private endpointBudget(token: string, route: string): RequestBudget | undefined {
    const limit = this.options.endpointLimits?.[route];
    if (!limit) return undefined;
    const key = `${token}\n${route}`;
    let budget = this.endpointBudgets.get(key);
    if (!budget) {
      budget = new FixedWindows(limit.requests, limit.windowSeconds * 1000, wholeSeconds);
      this.endpointBudgets.set(key, budget);
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
      case QUERY:
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
      case SEARCH:
        return { body: this.search(body), applied: false };
      default:
        throw new ApiError(400, 'invalid_request_url', 'Invalid request URL.');
    }
  }

  // -- databases and data sources --------------------------------------------------------------

  /**
   * A database the integration can open. One not yet ready, or not shared with the integration,
   * answers 404 as one that does not exist: "Could not find database with ID: … Make sure the
   * relevant pages and databases are shared with your integration."
   */
  private database(id: string, forWrite = false): DatabaseRecord {
    const db = this.databases.get(id);
    if (!db || !db.shared || Date.now() < db.readyAt) throw notFound('database', id);
    if (forWrite && db.inTrash) throw archived();
    return db;
  }

  /** A data source the integration can open: that of a database not shared is answered as a missing data source. */
  private dataSource(id: string, forWrite = false): DataSource {
    const ds = this.dataSources.get(id);
    if (!ds || !this.databases.get(ds.databaseId)!.shared) throw notFound('data_source', id);
    this.database(ds.databaseId, forWrite);
    return ds;
  }

  /** A database by id for a test's set-up helpers, shared or not; unknown ids throw. */
  private databaseRecord(databaseId: string): DatabaseRecord {
    const db = this.databases.get(normaliseId(databaseId));
    if (!db) throw new Error(`no database ${databaseId}`);
    return db;
  }

  /** A page made by `addSharedPage` or `addUnsharedPage`, for a test's set-up helpers; unknown ids throw. */
  private workspacePage(pageId: string): WorkspacePage {
    const page = this.workspacePages.get(normaliseId(pageId));
    if (!page) throw new Error(`no page ${pageId}`);
    return page;
  }

  private createDatabase(body: Record<string, unknown>): unknown {
    const parent = body.parent as { type?: string; page_id?: string } | undefined;
    if (!parent || parent.type !== 'page_id' || !parent.page_id) {
      throw validation('body.parent.page_id should be defined, instead was `undefined`.');
    }
    const pageId = normaliseId(parent.page_id);
    const parentPage = this.workspacePages.get(pageId);
    if (!parentPage?.shared) throw notFound('page', parent.page_id);
    if (parentPage.inTrash) throw archived();
    const initial = (body.initial_data_source as { properties?: unknown } | undefined)?.properties ?? {};
    if (!isObject(initial)) throw validation(`body.initial_data_source.properties should be an object, instead was \`${quoted(initial)}\`.`);
    const readyAt = Date.now() + (this.faults.readyDelayMs ?? 0);
    const db = this.makeDatabase(plainText(body.title), pageId, 'body.initial_data_source.properties', initial, readyAt);
    return this.databaseObject(db);
  }

  /**
   * A new database with one data source whose schema is `schemas` (validated at `path`), shared
   * with the integration, answering from `readyAt`. "Each database must have exactly one database
   * property schema object of type title" (Property schema object).
   */
  private makeDatabase(title: string, parentPageId: string, path: string, schemas: Record<string, unknown>, readyAt: number): DatabaseRecord {
    const properties = this.newSchemas(path, schemas, []);
    if (properties.filter((p) => p.type === 'title').length !== 1) {
      throw validation(`${path} should have exactly one title property.`);
    }
    const now = Date.now();
    const db: DatabaseRecord = {
      id: randomUUID(),
      title,
      parentPageId,
      dataSourceId: randomUUID(),
      inTrash: false,
      createdAt: now,
      readyAt,
      shared: true,
      lastEditedAt: now,
    };
    this.databases.set(db.id, db);
    const ds: DataSource = { id: db.dataSourceId, databaseId: db.id, properties, pages: [], nextNumber: 1 };
    this.dataSources.set(ds.id, ds);
    this.linkDualRelations(ds, properties);
    return db;
  }

  /**
   * New property schemas from a body's `properties` (names to schemas), validated, ids drawn in the
   * body's order. Rollups are made last: each names a relation of the same data source, which may
   * come after it in the body. `existing`: the data source's properties, which a rollup may name too.
   */
  private newSchemas(path: string, schemas: Record<string, unknown>, existing: readonly PropertySchema[]): PropertySchema[] {
    const taken = existing.map((p) => p.id);
    const slots = Object.entries(schemas).map(([name, schema]) => {
      const id = this.propertyId(taken);
      taken.push(id);
      return { name, schema, id };
    });
    const made = new Map<string, PropertySchema>();
    for (const rollups of [false, true]) {
      for (const slot of slots) {
        if ((schemaType(slot.schema) === 'rollup') !== rollups) continue;
        made.set(slot.name, toSchema(`${path}.${slot.name}`, slot.name, slot.schema, slot.id, this.workspace, [...existing, ...made.values()]));
      }
    }
    return slots.map((slot) => made.get(slot.name)!);
  }

  /**
   * For each new dual-property relation, its mirror in the other data source, named as asked or
   * "Related to <database> (<property>)". Only once the request is valid: it changes another data source.
   */
  private linkDualRelations(ds: DataSource, added: readonly PropertySchema[]): void {
    for (const p of added) {
      const c = p.config as unknown as RelationConfig;
      if (p.type !== 'relation' || c.type !== 'dual_property' || c.synced_property_id) continue;
      const target = this.dataSources.get(c.data_source_id)!;
      const base = c.synced_property_name ?? `Related to ${this.databases.get(ds.databaseId)!.title} (${p.name})`;
      let name = base;
      for (let n = 2; target.properties.some((q) => q.name === name); n++) name = `${base} ${n}`;
      const mirror: RelationConfig = { data_source_id: ds.id, database_id: ds.databaseId, type: 'dual_property', synced_property_id: p.id };
      const synced: PropertySchema = { id: this.propertyId(target.properties), name, type: 'relation', description: null, config: { ...mirror } };
      target.properties.push(synced);
      this.databases.get(target.databaseId)!.lastEditedAt = Date.now();
      c.synced_property_id = synced.id;
      delete c.synced_property_name;
    }
  }

  private updateDatabase(id: string, body: Record<string, unknown>): unknown {
    const db = this.database(id);
    if (typeof body.in_trash === 'boolean') {
      if (body.in_trash) this.trashDatabase(id);
      else db.inTrash = false;
    }
    if (Array.isArray(body.title)) db.title = plainText(body.title);
    db.lastEditedAt = Date.now();
    return this.databaseObject(db);
  }

  /**
   * `PATCH /v1/data_sources/{id}` `properties`: null removes a property (not the title: a data
   * source has exactly one), `{name}` renames one of any type, a schema of the same type
   * reconfigures it (options left out of a select are removed, as the reference says; a status's
   * options cannot be changed), a schema under a new name adds one (not a second title). Changing a
   * type is refused. All or nothing: the changes are made on copies, kept only if all are valid.
   */
  private updateDataSource(id: string, body: Record<string, unknown>): unknown {
    const ds = this.dataSource(id, true);
    const changes = body.properties ?? {};
    if (!isObject(changes)) throw validation(`body.properties should be an object, instead was \`${quoted(changes)}\`.`);
    const next = ds.properties.map((p) => ({ ...p, config: structuredClone(p.config) }));
    const additions: Record<string, unknown> = {};
    for (const [key, change] of Object.entries(changes)) {
      const path = `body.properties.${key}`;
      const existing = propertyIn(next, key);
      if (change === null) {
        if (existing?.type === 'title') throw validation(`${path}: a data source has exactly one title property, which can't be removed.`);
        if (existing) next.splice(next.indexOf(existing), 1);
        continue;
      }
      if (!isObject(change)) throw validation(`${path} should be an object or \`null\`, instead was \`${quoted(change)}\`.`);
      const name = change.name;
      if (name !== undefined && (typeof name !== 'string' || name.trim() === '')) {
        throw validation(`${path}.name should be a non-empty string, instead was \`${quoted(name)}\`.`);
      }
      const type = schemaType(change);
      if (!existing) {
        if (!type) throw validation(`Could not find property with name or id: ${key}`);
        // "Each database must have exactly one database property schema object of type title."
        if (type === 'title') throw validation('A data source can have only one title property.');
        additions[name ?? key] = change;
        continue;
      }
      if (type && type !== existing.type) {
        // "Note that the property type of the title cannot be changed." (Update data source properties)
        if (existing.type === 'title') throw validation('The property type of the title cannot be changed.');
        if (type === 'title') throw validation('A data source can have only one title property.');
        throw validation(`Cannot change the type of property ${key} in this test server.`);
      }
      if (type) {
        const schema = Object.fromEntries(Object.entries(change).filter(([k]) => k !== 'name'));
        const updated = toSchema(path, existing.name, schema, existing.id, this.workspace, next, existing);
        existing.config = updated.config;
        existing.description = updated.description;
      } else if (change.description !== undefined) {
        onlyKeys(path, change, ['name', 'description']);
        existing.description = propertyDescription(path, change.description);
      }
      if (name !== undefined && name !== existing.name) {
        if (next.some((p) => p !== existing && p.name === name)) throw validation(`${path}.name: a property named ${name} already exists.`);
        existing.name = name;
      }
    }
    for (const name of Object.keys(additions)) {
      if (next.some((p) => p.name === name)) throw validation(`body.properties.${name}: a property named ${name} already exists.`);
    }
    const added = this.newSchemas('body.properties', additions, next);
    ds.properties = [...next, ...added];
    this.linkDualRelations(ds, added);
    this.databases.get(ds.databaseId)!.lastEditedAt = Date.now();
    return this.dataSourceObject(ds);
  }

  private databaseObject(db: DatabaseRecord): unknown {
    const created = new Date(db.createdAt).toISOString();
    const edited = new Date(db.lastEditedAt).toISOString();
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
      last_edited_time: edited,
      data_sources: [{ id: db.dataSourceId, name: db.title }],
      icon: null,
      cover: null,
      url: `https://www.notion.so/${db.id.replace(/-/g, '')}`,
      public_url: null,
    };
  }

  /**
   * A data source as `dataSourceObjectResponse` has it: its database's title, parents, trash
   * state, created and last edited times and by whom, its properties' schemas.
   */
  private dataSourceObject(ds: DataSource): Record<string, unknown> {
    const db = this.databases.get(ds.databaseId)!;
    const bot = { object: 'user', id: this.botUserId };
    return {
      object: 'data_source',
      id: ds.id,
      title: [richTextItem(db.title)],
      description: [],
      parent: { type: 'database_id', database_id: db.id },
      database_parent: { type: 'page_id', page_id: db.parentPageId },
      is_inline: false,
      in_trash: db.inTrash,
      archived: db.inTrash,
      created_time: new Date(db.createdAt).toISOString(),
      last_edited_time: new Date(db.lastEditedAt).toISOString(),
      created_by: bot,
      last_edited_by: bot,
      properties: Object.fromEntries(ds.properties.map((p) => [p.name, schemaObject(this.workspace, ds, p)])),
      icon: null,
      cover: null,
      url: `https://www.notion.so/${ds.id.replace(/-/g, '')}`,
      public_url: null,
    };
  }

  // -- pages ---------------------------------------------------------------------------------

  /**
   * A page outside any database shared with the integration (a parent page), as `GET
   * /v1/pages/{id}` answers for it (`pageObjectResponse`); undefined for any other id, or for a
   * page not shared, which is answered as a missing page.
   */
  private sharedPageObject(id: string): Record<string, unknown> | undefined {
    const page = this.workspacePages.get(normaliseId(id));
    if (!page?.shared) return undefined;
    const bot = { object: 'user', id: this.botUserId };
    return {
      object: 'page',
      id: page.id,
      created_time: page.createdTime,
      last_edited_time: page.lastEditedTime,
      created_by: bot,
      last_edited_by: bot,
      in_trash: page.inTrash,
      archived: page.inTrash,
      is_locked: false,
      parent: { type: 'workspace', workspace: true },
      properties: { title: { id: 'title', type: 'title', title: [richTextItem(page.title)] } },
      icon: null,
      cover: null,
      url: `https://www.notion.so/${page.id.replace(/-/g, '')}`,
      public_url: null,
    };
  }

  /** A row of a database by its id, with or without dashes; a row of a database not shared is answered as a missing page. */
  private page(id: string): Page {
    const page = this.pagesById.get(normaliseId(id));
    if (!page || !this.databases.get(this.dataSources.get(page.dataSourceId)!.databaseId)!.shared) throw notFound('page', id);
    return page;
  }

  private createPage(body: Record<string, unknown>): unknown {
    if (this.faults.workspaceFull) throw workspaceFull();
    const parent = body.parent as { type?: string; data_source_id?: string; database_id?: string } | undefined;
    let ds: DataSource;
    if (parent?.data_source_id) ds = this.dataSource(normaliseId(parent.data_source_id), true);
    else if (parent?.database_id) ds = this.dataSource(this.database(normaliseId(parent.database_id), true).dataSourceId, true);
    else throw validation('body.parent.data_source_id should be defined, instead was `undefined`.');
    const pending = new Map<PropertySchema, SelectOption[]>();
    const page = this.newPage(ds, body.properties ?? {}, new Date().toISOString(), pending);
    page.icon = pageDecoration(body, 'icon') ?? null;
    page.cover = pageDecoration(body, 'cover') ?? null;
    commitOptions(pending);
    this.addPage(ds, page);
    return this.pageObject(page);
  }

  /** A validated page, not yet added; the options its values would add wait in `pending`. */
  private newPage(ds: DataSource, input: unknown, createdTime: string, pending: Map<PropertySchema, SelectOption[]>): Page {
    if (!isObject(input)) throw validation(`body.properties should be an object, instead was \`${quoted(input)}\`.`);
    return {
      id: randomUUID(),
      dataSourceId: ds.id,
      createdTime,
      lastEditedTime: createdTime,
      inTrash: false,
      icon: null,
      cover: null,
      number: 0,
      values: propertyValues({ ws: this.workspace, ds, pendingOptions: pending }, input),
    };
  }

  /** Adds a validated page to its data source, numbered, its dual relations mirrored. */
  private addPage(ds: DataSource, page: Page): void {
    page.number = ds.nextNumber++;
    ds.pages.push(page);
    this.pagesById.set(page.id, page);
    this.mirrorRelations(ds, page, Object.keys(page.values));
  }

  /**
   * A dual-property relation is one link seen from both sides: after `page`'s relations among
   * `changed` (property ids) are set, the mirror property of each page on the other side lists
   * `page` exactly when `page` lists it.
   */
  private mirrorRelations(ds: DataSource, page: Page, changed: readonly string[]): void {
    for (const p of ds.properties) {
      const c = p.config as unknown as RelationConfig;
      if (p.type !== 'relation' || c.type !== 'dual_property' || !changed.includes(p.id)) continue;
      const target = this.dataSources.get(c.data_source_id);
      const synced = target?.properties.find((q) => q.id === c.synced_property_id);
      if (!target || !synced) continue;
      const linked = new Set(((page.values[p.id] as { id: string }[] | undefined) ?? []).map((r) => r.id));
      for (const other of target.pages) {
        const back = (other.values[synced.id] as { id: string }[] | undefined) ?? [];
        const has = back.some((r) => r.id === page.id);
        if (linked.has(other.id) && !has) other.values[synced.id] = [...back, { id: page.id }];
        else if (!linked.has(other.id) && has) other.values[synced.id] = back.filter((r) => r.id !== page.id);
      }
    }
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
    const pending = new Map<PropertySchema, SelectOption[]>();
    const changes = propertyValues({ ws: this.workspace, ds, pendingOptions: pending }, input as Record<string, unknown>);
    const icon = pageDecoration(body, 'icon');
    const cover = pageDecoration(body, 'cover');
    const only = this.onlyProperties(ds, filterProperties);
    commitOptions(pending);
    Object.assign(page.values, changes);
    this.mirrorRelations(ds, page, Object.keys(changes));
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

  /** A fresh decoded property id, unlike any in `taken` (properties or ids). */
  private propertyId(taken: readonly (PropertySchema | string)[]): string {
    for (;;) {
      let id = '';
      for (let i = 0; i < 4; i++) {
        const chars = this.idRandom() < PROPERTY_ID_CHARS.encodedShare ? PROPERTY_ID_CHARS.encoded : PROPERTY_ID_CHARS.plain;
        id += chars[Math.floor(this.idRandom() * chars.length)];
      }
      if (!taken.some((p) => (typeof p === 'string' ? p : p.id) === id)) return id;
    }
  }

  /**
   * A page as Notion answers it: every property of its data source (`only`: just those named in
   * `filter_properties`), each `{id, type, [type]: value}`, and who created and last edited it.
   */
  private pageObject(page: Page, only?: Set<string>): Record<string, unknown> {
    const ds = this.dataSources.get(page.dataSourceId)!;
    const properties = Object.fromEntries(
      ds.properties
        .filter((p) => !only || only.has(p.name))
        .map((p) => [p.name, { id: encodeURIComponent(p.id), type: p.type, [p.type]: readValue(this.workspace, ds, p, page) }]),
    );
    const bot = { object: 'user', id: this.botUserId };
    return {
      object: 'page',
      id: page.id,
      created_time: page.createdTime,
      last_edited_time: page.lastEditedTime,
      created_by: bot,
      last_edited_by: bot,
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
    const pageSize = pageSizeOf(body);
    const filter = body.filter as Filter | undefined;
    if (filter) checkFilter(filter, 0);
    const test = filter ? compileFilter(filter, ds, this.workspace) : undefined;
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
      if (start < 0) throw badCursor(body.start_cursor);
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

  // -- search ----------------------------------------------------------------------------------

  /**
   * `POST /v1/search` ("Search by title"): "Returns all pages or data_sources, excluding duplicated
   * linked databases, that have titles that include the `query` param. If no `query` param is
   * provided, then the response contains all pages or data_sources that have been shared with the
   * connection." Titles are matched case-insensitively; rows of databases are pages too. Ordered by
   * `last_edited_time`, "If `sort` is not provided, then the most recently edited results are
   * returned first" (equal times keep a fixed order). The whole result is fixed at
   * the first request: its `next_cursor`s page through it, each object answered as it is then, and
   * left out if it was unshared or trashed meanwhile ("The response may contain fewer than
   * `page_size` of results", Pagination). A `start_cursor` continues the search it came from.
   */
  private search(body: Record<string, unknown>): unknown {
    const request = searchRequest(body);
    let cursor: SearchCursor;
    if (request.startCursor !== undefined) {
      const found = this.searchCursors.get(request.startCursor);
      if (!found) throw badCursor(body.start_cursor);
      cursor = found;
    } else {
      const query = request.query.toLowerCase();
      const hits = this.searchable().filter(
        (c) => (!request.object || c.hit.object === request.object) && c.title.toLowerCase().includes(query),
      );
      const sign = request.direction === 'ascending' ? 1 : -1;
      cursor = { hits: hits.map((c) => c.hit).sort((a, b) => sign * (a.lastEditedAt - b.lastEditedAt)), offset: 0 };
    }
    const end = cursor.offset + request.pageSize;
    const results = cursor.hits.slice(cursor.offset, end).flatMap((hit) => this.searchObject(hit) ?? []);
    const hasMore = end < cursor.hits.length;
    let nextCursor: string | null = null;
    if (hasMore) {
      nextCursor = randomUUID();
      this.searchCursors.set(nextCursor, { hits: cursor.hits, offset: end });
    }
    return {
      object: 'list',
      results,
      next_cursor: nextCursor,
      has_more: hasMore,
      type: 'page_or_data_source',
      page_or_data_source: {},
      request_id: randomUUID(),
    };
  }

  /**
   * Everything a search can find now, with its title, in the order it was made: the shared pages
   * outside databases, and for each shared database that is ready, its data source and its rows.
   * What is in the trash is left out, as are databases and pages not shared with the integration.
   */
  private searchable(): { hit: SearchHit; title: string }[] {
    const found: { hit: SearchHit; title: string }[] = [];
    for (const page of this.workspacePages.values()) {
      if (!page.shared || page.inTrash) continue;
      found.push({ hit: { object: 'page', id: page.id, lastEditedAt: Date.parse(page.lastEditedTime) }, title: page.title });
    }
    const now = Date.now();
    for (const db of this.databases.values()) {
      if (!db.shared || db.inTrash || now < db.readyAt) continue;
      const ds = this.dataSources.get(db.dataSourceId)!;
      found.push({ hit: { object: 'data_source', id: ds.id, lastEditedAt: db.lastEditedAt }, title: db.title });
      const titleSchema = ds.properties.find((p) => p.type === 'title');
      for (const row of ds.pages) {
        if (row.inTrash) continue;
        const title = titleSchema ? plainText(readValue(this.workspace, ds, titleSchema, row)) : '';
        found.push({ hit: { object: 'page', id: row.id, lastEditedAt: Date.parse(row.lastEditedTime) }, title });
      }
    }
    return found;
  }

  /** A search result as it is now: a page or a data source, or undefined once it is no longer shared or is in the trash. */
  private searchObject(hit: SearchHit): Record<string, unknown> | undefined {
    const now = Date.now();
    const visible = (db: DatabaseRecord | undefined) => db !== undefined && db.shared && !db.inTrash && now >= db.readyAt;
    if (hit.object === 'data_source') {
      const ds = this.dataSources.get(hit.id);
      return ds && visible(this.databases.get(ds.databaseId)) ? this.dataSourceObject(ds) : undefined;
    }
    const parent = this.workspacePages.get(hit.id);
    if (parent) return parent.inTrash ? undefined : this.sharedPageObject(parent.id);
    const row = this.pagesById.get(hit.id);
    if (!row || row.inTrash) return undefined;
    return visible(this.databases.get(this.dataSources.get(row.dataSourceId)!.databaseId)) ? this.pageObject(row) : undefined;
  }
}

// -- property schemas ------------------------------------------------------------------------

/** What schema and value code looks up beyond one data source. */
interface Workspace {
  dataSources: Map<string, DataSource>;
  databases: Map<string, DatabaseRecord>;
  pagesById: Map<string, Page>;
  /** The integration's bot user, who creates and edits every page here. */
  botUserId: string;
}

/**
 * Every type a property schema may have: the API reference's `propertyConfigurationRequest`
 * (Notion-Version 2025-09-03), which lists more than the "Property object" page's enum (button,
 * location, verification, last_visited_time, place).
 */
const PROPERTY_TYPES = new Set([
  'number',
  'formula',
  'select',
  'multi_select',
  'status',
  'relation',
  'rollup',
  'unique_id',
  'title',
  'rich_text',
  'url',
  'people',
  'files',
  'email',
  'phone_number',
  'date',
  'checkbox',
  'created_by',
  'created_time',
  'last_edited_by',
  'last_edited_time',
  'button',
  'location',
  'verification',
  'last_visited_time',
  'place',
]);

/** Types whose configuration is the reference's `emptyObject`: `{}`, no key allowed. */
const EMPTY_CONFIG_TYPES = new Set([
  'title',
  'rich_text',
  'url',
  'people',
  'files',
  'email',
  'phone_number',
  'date',
  'checkbox',
  'created_by',
  'created_time',
  'last_edited_by',
  'last_edited_time',
  'button',
  'location',
  'verification',
  'last_visited_time',
  'place',
]);

/**
 * The value keys a page body may hold, in the order of the reference's page `properties` (the
 * same for create and update). Every other type is computed by Notion, so a page body cannot
 * name it: formula, rollup, created_time, created_by, last_edited_time, last_edited_by (the page
 * property values page: "can't be updated"), unique_id, button, verification, and location and
 * last_visited_time, which have no documented value at all.
 */
const WRITABLE_TYPES = [
  'title',
  'rich_text',
  'number',
  'url',
  'select',
  'multi_select',
  'people',
  'email',
  'phone_number',
  'date',
  'checkbox',
  'relation',
  'files',
  'status',
  'place',
] as const;
const WRITABLE = new Set<string>(WRITABLE_TYPES);

/** The reference's `selectColor`. */
const SELECT_COLORS = new Set(['default', 'gray', 'brown', 'orange', 'yellow', 'green', 'blue', 'purple', 'pink', 'red']);

/** The reference's `rollupFunction`. */
const ROLLUP_FUNCTIONS = new Set([
  'count',
  'count_values',
  'empty',
  'not_empty',
  'unique',
  'show_unique',
  'percent_empty',
  'percent_not_empty',
  'sum',
  'average',
  'median',
  'min',
  'max',
  'range',
  'earliest_date',
  'latest_date',
  'date_range',
  'checked',
  'unchecked',
  'percent_checked',
  'percent_unchecked',
  'count_per_group',
  'percent_per_group',
  'show_original',
]);

/**
 * A status property made without options gets Notion's three, each in its group. The reference
 * documents only the shape (`options` and `groups` with `option_ids`); these names and colours are
 * those of status properties Notion made. Options given (newer API versions and the SDK's types
 * allow them) all land in the To-do group: Notion was seen to ignore group assignments.
 */
const STATUS_DEFAULTS = {
  options: [
    ['Not started', 'default'],
    ['In progress', 'blue'],
    ['Done', 'green'],
  ],
  groups: [
    ['To-do', 'gray'],
    ['In progress', 'blue'],
    ['Complete', 'green'],
  ],
} as const;

/** Rollups of rollups are followed this deep, no further (Notion refuses formulas past a depth of 10). */
const ROLLUP_DEPTH = 3;

interface StatusGroup {
  id: string;
  name: string;
  color: string;
  option_ids: string[];
}

/** A relation's stored configuration: property ids, not names, so a rename of the synced property shows. */
interface RelationConfig {
  data_source_id: string;
  database_id: string;
  type: 'single_property' | 'dual_property';
  /** For `dual_property`: the property of the other data source that mirrors this one, once made. */
  synced_property_id?: string;
  /** For `dual_property`: the name asked for the mirror, until it is made. */
  synced_property_name?: string;
}

interface RollupConfig {
  function: string;
  relation_property_id: string;
  rollup_property_id: string;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A value as Notion's validation messages quote it: JSON, cut at 50 characters. */
function quoted(value: unknown): string {
  const json = JSON.stringify(value) ?? 'undefined';
  return json.length > 50 ? `${json.slice(0, 50)}...` : json;
}

/** A schema's type: its `type`, else its one key besides `name` and `description`. */
function schemaType(schema: unknown): string | undefined {
  if (!isObject(schema)) return undefined;
  if (typeof schema.type === 'string') return schema.type;
  return Object.keys(schema).find((k) => k !== 'name' && k !== 'description' && k !== 'type');
}

function optionsOf(schema: PropertySchema): SelectOption[] {
  return (schema.config.options as SelectOption[] | undefined) ?? [];
}

/** A short option id (as select ids are here), unlike any in `taken`. */
function optionId(taken: readonly SelectOption[]): string {
  for (;;) {
    const id = randomUUID().slice(0, 4);
    if (!taken.some((o) => o.id === id)) return id;
  }
}

/**
 * An option's name: what Notion refuses in a select's (commas, over 100 characters), the same for
 * multi-select (the reference gives both the same option shape).
 */
function checkOptionName(path: string, name: unknown): string {
  if (typeof name !== 'string' || name === '') throw validation(`${path}.name should be a non-empty string, instead was \`${quoted(name)}\`.`);
  if (name.includes(',')) throw validation(`Invalid select option, commas not allowed: ${name}`);
  if (name.length > LIMITS.selectNameChars) {
    throw validation(`${path}.name.length should be ≤ \`${LIMITS.selectNameChars}\`, instead was \`${name.length}\`.`);
  }
  return name;
}

function checkColor(path: string, color: unknown): string | undefined {
  if (color === undefined) return undefined;
  if (typeof color !== 'string' || !SELECT_COLORS.has(color)) {
    throw validation(`${path}.color should be one of ${[...SELECT_COLORS].map((c) => `\`"${c}"\``).join(', ')}, instead was \`${quoted(color)}\`.`);
  }
  return color;
}

/**
 * The options of a select, multi-select or status schema, with ids. An option named as one in
 * `previous` keeps its id (and colour unless one is given); one given by `id` may rename it. As the
 * reference says of updates, options left out are removed. A name given twice counts once.
 */
function schemaOptions(path: string, raw: unknown, previous: readonly SelectOption[] = []): SelectOption[] {
  if (raw === undefined) return [];
  if (!Array.isArray(raw)) throw validation(`${path} should be an array, instead was \`${quoted(raw)}\`.`);
  if (raw.length > LIMITS.arrayItems) throw validation(`${path}.length should be ≤ \`${LIMITS.arrayItems}\`, instead was \`${raw.length}\`.`);
  const options: SelectOption[] = [];
  raw.forEach((item: unknown, i) => {
    const at = `${path}[${i}]`;
    if (!isObject(item)) throw validation(`${at} should be an object, instead was \`${quoted(item)}\`.`);
    const before =
      typeof item.id === 'string' ? previous.find((o) => o.id === item.id) : previous.find((o) => o.name === item.name);
    if (typeof item.id === 'string' && !before) throw validation(`${at}.id: no option with id \`${item.id}\` exists.`);
    const name = checkOptionName(at, item.name ?? before?.name);
    if (options.some((o) => o.name === name)) return;
    const description = item.description === undefined ? (before?.description ?? null) : item.description;
    if (description !== null && typeof description !== 'string') {
      throw validation(`${at}.description should be a string or \`null\`, instead was \`${quoted(description)}\`.`);
    }
    options.push({
      id: before?.id ?? optionId([...previous, ...options]),
      name,
      color: checkColor(at, item.color) ?? before?.color ?? 'default',
      description,
    });
  });
  return options;
}

/** A property's description: null, or 1 to 280 characters (the reference's `propertyDescriptionRequest`). */
function propertyDescription(path: string, description: unknown): string | null {
  if (description === null) return null;
  if (typeof description !== 'string' || description === '') {
    throw validation(`${path}.description should be a non-empty string or \`null\`, instead was \`${quoted(description)}\`.`);
  }
  if (description.length > LIMITS.propertyDescriptionChars) {
    throw validation(`${path}.description.length should be ≤ \`${LIMITS.propertyDescriptionChars}\`, instead was \`${description.length}\`.`);
  }
  return description;
}

/** No key but `allowed` in a schema's configuration: Notion fails unknown keys. */
function onlyKeys(path: string, config: Record<string, unknown>, allowed: readonly string[]): void {
  for (const [key, value] of Object.entries(config)) {
    if (!allowed.includes(key)) throw validation(`${path}.${key} should be not present, instead was \`${quoted(value)}\`.`);
  }
}

/** A property in `properties` by its name, or by its id decoded or URL-encoded as responses carry it. */
function propertyIn(properties: readonly PropertySchema[], key: unknown): PropertySchema | undefined {
  if (typeof key !== 'string') return undefined;
  return properties.find((p) => p.name === key) ?? properties.find((p) => p.id === key || encodeURIComponent(p.id) === key);
}

/**
 * A property schema from a request (`initial_data_source.properties` of a new database, or a data
 * source update), validated, its configuration as stored. `path`: where the body holds it.
 * `id`: a fresh decoded id (a title's is always `title`). `own`: the data source's properties,
 * where a rollup finds its relation. `previous`: the property this one reconfigures, whose option
 * ids are kept.
 */
function toSchema(
  path: string,
  name: string,
  body: unknown,
  id: string,
  ws: Workspace,
  own: readonly PropertySchema[],
  previous?: PropertySchema,
): PropertySchema {
  if (!isObject(body)) throw validation(`${path} should be an object, instead was \`${quoted(body)}\`.`);
  const type = schemaType(body);
  if (!type || !PROPERTY_TYPES.has(type)) throw validation(`${path} should be a valid property schema.`);
  onlyKeys(path, body, ['type', 'name', 'description', type]);
  const description = body.description === undefined ? (previous?.description ?? null) : propertyDescription(path, body.description);
  const raw = body[type] ?? {};
  const at = `${path}.${type}`;
  if (!isObject(raw)) throw validation(`${at} should be an object, instead was \`${quoted(raw)}\`.`);
  const schema = (config: Record<string, unknown>): PropertySchema => ({ id: type === 'title' ? 'title' : id, name, type, description, config });
  const before = previous?.type === type ? previous : undefined;

  if (EMPTY_CONFIG_TYPES.has(type)) {
    onlyKeys(at, raw, []);
    return schema({});
  }
  switch (type) {
    case 'number': {
      onlyKeys(at, raw, ['format']);
      const format = raw.format ?? before?.config.format ?? 'number';
      if (typeof format !== 'string' || format === '') throw validation(`${at}.format should be a string, instead was \`${quoted(format)}\`.`);
      return schema({ format });
    }
    case 'formula': {
      onlyKeys(at, raw, ['expression']);
      const expression = raw.expression ?? before?.config.expression ?? '';
      if (typeof expression !== 'string') throw validation(`${at}.expression should be a string, instead was \`${quoted(expression)}\`.`);
      return schema({ expression });
    }
    case 'select':
    case 'multi_select':
      onlyKeys(at, raw, ['options']);
      // Reconfigured without `options`, a select keeps its options; with them, those left out go.
      if (before && raw.options === undefined) return schema({ options: optionsOf(before) });
      return schema({ options: schemaOptions(`${at}.options`, raw.options, before ? optionsOf(before) : []) });
    case 'status': {
      onlyKeys(at, raw, ['options']);
      if (before) {
        // "It's not possible to update the name or options values of a status property via the API."
        if (raw.options !== undefined) throw validation("It's not possible to update the name or options values of a status property via the API.");
        return schema(before.config);
      }
      const given = schemaOptions(`${at}.options`, raw.options);
      const options = given.length ? given : [];
      if (!given.length) {
        for (const [optionName, color] of STATUS_DEFAULTS.options) {
          options.push({ id: optionId(options), name: optionName, color, description: null });
        }
      }
      const groups: StatusGroup[] = STATUS_DEFAULTS.groups.map(([groupName, color], i) => ({
        id: randomUUID(),
        name: groupName,
        color,
        option_ids: given.length ? (i === 0 ? options.map((o) => o.id) : []) : [options[i]!.id],
      }));
      return schema({ options, groups });
    }
    case 'relation': {
      onlyKeys(at, raw, ['data_source_id', 'database_id', 'type', 'single_property', 'dual_property']);
      const target = typeof raw.data_source_id === 'string' ? ws.dataSources.get(normaliseId(raw.data_source_id)) : undefined;
      if (typeof raw.data_source_id !== 'string') throw validation(`${at}.data_source_id should be defined, instead was \`undefined\`.`);
      if (!target) throw validation(`${at}.data_source_id: Could not find data source with ID: ${raw.data_source_id}. ${NOT_SHARED}`);
      const kind = raw.type ?? (raw.dual_property !== undefined ? 'dual_property' : 'single_property');
      if (kind !== 'single_property' && kind !== 'dual_property') {
        throw validation(`${at}.type should be \`"single_property"\` or \`"dual_property"\`, instead was \`${quoted(kind)}\`.`);
      }
      const detail = raw[kind] ?? {};
      if (!isObject(detail)) throw validation(`${at}.${kind} should be an object, instead was \`${quoted(detail)}\`.`);
      onlyKeys(`${at}.${kind}`, detail, kind === 'dual_property' ? ['synced_property_name', 'synced_property_id'] : []);
      if (before) {
        const was = before.config as unknown as RelationConfig;
        if (was.data_source_id !== target.id || was.type !== kind) {
          throw validation(`Cannot change the related data source or kind of relation ${name} in this test server.`);
        }
        return schema(before.config);
      }
      const config: RelationConfig = { data_source_id: target.id, database_id: target.databaseId, type: kind };
      if (kind === 'dual_property' && detail.synced_property_name !== undefined) {
        if (typeof detail.synced_property_name !== 'string' || detail.synced_property_name === '') {
          throw validation(`${at}.dual_property.synced_property_name should be a non-empty string, instead was \`${quoted(detail.synced_property_name)}\`.`);
        }
        config.synced_property_name = detail.synced_property_name;
      }
      return schema({ ...config });
    }
    case 'rollup': {
      onlyKeys(at, raw, ['function', 'relation_property_name', 'relation_property_id', 'rollup_property_name', 'rollup_property_id']);
      if (typeof raw.function !== 'string' || !ROLLUP_FUNCTIONS.has(raw.function)) {
        throw validation(`${at}.function should be a rollup function (\`"count"\`, \`"sum"\`, \`"show_original"\`...), instead was \`${quoted(raw.function)}\`.`);
      }
      const relationKey = raw.relation_property_id ?? raw.relation_property_name;
      const relation = propertyIn(own, relationKey);
      if (relationKey === undefined) throw validation(`${at}.relation_property_name should be defined, instead was \`undefined\`.`);
      if (!relation || relation.type !== 'relation') throw validation(`${at}: no relation property ${String(relationKey)} in this data source.`);
      const target = ws.dataSources.get((relation.config as unknown as RelationConfig).data_source_id);
      const rolledKey = raw.rollup_property_id ?? raw.rollup_property_name;
      if (rolledKey === undefined) throw validation(`${at}.rollup_property_name should be defined, instead was \`undefined\`.`);
      const rolled = target && propertyIn(target.properties, rolledKey);
      if (!rolled) throw validation(`${at}: no property ${String(rolledKey)} in the data source relation ${relation.name} links to.`);
      const config: RollupConfig = { function: raw.function, relation_property_id: relation.id, rollup_property_id: rolled.id };
      return schema({ ...config });
    }
    case 'unique_id': {
      onlyKeys(at, raw, ['prefix']);
      const prefix = raw.prefix === undefined ? (before?.config.prefix ?? null) : raw.prefix;
      if (prefix !== null && typeof prefix !== 'string') throw validation(`${at}.prefix should be a string or \`null\`, instead was \`${quoted(prefix)}\`.`);
      return schema({ prefix });
    }
    default:
      throw validation(`${path} should be a valid property schema.`);
  }
}

/**
 * A property as a data source answers it (the reference's `databasePropertyConfigResponse`): the
 * id URL-encoded, a description, and the type's configuration, names looked up from ids.
 */
function schemaObject(ws: Workspace, ds: DataSource, p: PropertySchema): Record<string, unknown> {
  return { id: encodeURIComponent(p.id), name: p.name, description: p.description, type: p.type, [p.type]: schemaConfig(ws, ds, p) };
}

function schemaConfig(ws: Workspace, ds: DataSource, p: PropertySchema): Record<string, unknown> {
  switch (p.type) {
    case 'select':
    case 'multi_select':
      return { options: optionsOf(p).map((o) => ({ ...o })) };
    case 'status':
      return {
        options: optionsOf(p).map((o) => ({ ...o })),
        groups: (p.config.groups as StatusGroup[]).map((g) => ({ ...g, option_ids: [...g.option_ids] })),
      };
    case 'relation': {
      const c = p.config as unknown as RelationConfig;
      const common = { database_id: c.database_id, data_source_id: c.data_source_id };
      if (c.type === 'single_property') return { ...common, type: 'single_property', single_property: {} };
      const synced = ws.dataSources.get(c.data_source_id)?.properties.find((q) => q.id === c.synced_property_id);
      // The reference gives the synced property's id without saying it is encoded; it is sent decoded, as stored.
      return { ...common, type: 'dual_property', dual_property: { synced_property_id: c.synced_property_id ?? '', synced_property_name: synced?.name ?? '' } };
    }
    case 'rollup': {
      const c = p.config as unknown as RollupConfig;
      const relation = ds.properties.find((q) => q.id === c.relation_property_id);
      const target = relation && ws.dataSources.get((relation.config as unknown as RelationConfig).data_source_id);
      const rolled = target?.properties.find((q) => q.id === c.rollup_property_id);
      return {
        function: c.function,
        relation_property_name: relation?.name ?? '',
        relation_property_id: c.relation_property_id,
        rollup_property_name: rolled?.name ?? '',
        rollup_property_id: c.rollup_property_id,
      };
    }
    default:
      return { ...p.config };
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

/** The text of an array of rich text items, as a request or a response holds them. */
function plainText(items: unknown): string {
  if (!Array.isArray(items)) return '';
  return (items as { plain_text?: string; text?: { content?: string } }[]).map((i) => i.plain_text ?? i.text?.content ?? '').join('');
}

/** A property by its name, or by its id decoded or URL-encoded as responses carry it. */
function findProperty(ds: DataSource, key: unknown): PropertySchema | undefined {
  return propertyIn(ds.properties, key);
}

/** What validating a page body needs besides its values. */
interface ValueContext {
  ws: Workspace;
  ds: DataSource;
  /** Options new names would add, by property: added once the whole body (every seeded page) is valid. */
  pendingOptions: Map<PropertySchema, SelectOption[]>;
}

/** A page body's values keyed by decoded property id, validated; a key may be a name or an id, decoded or as sent. */
function propertyValues(ctx: ValueContext, input: Record<string, unknown>): Record<string, unknown> {
  const values: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(input)) {
    const schema = findProperty(ctx.ds, key);
    if (!schema) throw validation(`${key} is not a property that exists.`);
    values[schema.id] = validateValue(ctx, schema, value);
  }
  return values;
}

/** The options a valid body named for the first time join their properties. */
function commitOptions(pending: Map<PropertySchema, SelectOption[]>): void {
  for (const [schema, options] of pending) schema.config.options = [...optionsOf(schema), ...options];
  pending.clear();
}

/** A page body's trash flag (`in_trash`, or its older names `archived`, `is_archived`), when given. */
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

/**
 * A value with no key Notion can write (or one it cannot: `formula`, `created_time`...) fails the
 * request's validation before any property is looked at; Notion lists every value key it accepts
 * (seen in its answers; the reference's page `properties` gives the same keys in this order).
 */
function notAValue(path: string): ApiError {
  const lines = WRITABLE_TYPES.map((type) => `${path}.${type} should be defined, instead was \`undefined\`.`);
  return new ApiError(400, 'validation_error', `body failed validation. Fix one:\n${lines.join('\n')}`);
}

/** A writable value key given for a property Notion computes. Notion documents no wording for this. */
function readOnly(schema: PropertySchema): ApiError {
  return validation(`${schema.name} is a ${schema.type} property: Notion computes its value, which can't be set or updated.`);
}

/** An array of a page value, at most `max` items long. */
function arrayValue(path: string, value: unknown, max: number = LIMITS.arrayItems): unknown[] {
  if (!Array.isArray(value)) throw validation(`${path} should be an array, instead was \`${quoted(value)}\`.`);
  if (value.length > max) throw validation(`${path}.length should be ≤ \`${max}\`, instead was \`${value.length}\`.`);
  return value;
}

/** A user or page id: a UUID with or without dashes, normalised. */
function uuidValue(path: string, value: unknown): string {
  const id = typeof value === 'string' ? normaliseId(value) : '';
  if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(id)) {
    throw validation(`${path} should be a valid uuid, instead was \`${quoted(value)}\`.`);
  }
  return id;
}

/** A string value that may be cleared with null (email, phone number): 1 to `max` characters. */
function stringValue(path: string, value: unknown, max: number): string | null {
  if (value === null) return null;
  if (typeof value !== 'string') throw validation(`${path} should be a string or \`null\`, instead was \`${quoted(value)}\`.`);
  if (value.length < 1) throw validation(`${path}.length should be ≥ \`1\`, instead was \`0\`.`);
  if (value.length > max) throw validation(`${path}.length should be ≤ \`${max}\`, instead was \`${value.length}\`.`);
  return value;
}

function botUser(ws: Workspace): Record<string, unknown> {
  return { object: 'user', id: ws.botUserId, name: 'Local Notion integration', avatar_url: null, type: 'bot', bot: {} };
}

/**
 * A select, multi-select or status option a page value names, by `id` (which must exist) or by
 * `name`. An unknown name makes a select or multi-select option (default colour unless one is
 * given), as Notion does; a status property's options are only those it has.
 */
function optionValue(ctx: ValueContext, schema: PropertySchema, path: string, value: unknown, orNull: boolean): SelectOption {
  if (!isObject(value)) {
    throw validation(`${path} should be an object${orNull ? ' or `null`' : ''}, instead was \`${quoted(value)}\`.`);
  }
  const known = [...optionsOf(schema), ...(ctx.pendingOptions.get(schema) ?? [])];
  if (value.id !== undefined) {
    const found = known.find((o) => o.id === value.id);
    if (!found) throw validation(`${path}.id: no option with id \`${quoted(value.id)}\` exists in property ${schema.name}.`);
    return found;
  }
  if (schema.type === 'status') {
    const found = known.find((o) => o.name === value.name);
    if (!found) {
      throw validation(
        `Invalid status option ${quoted(value.name)} for property ${schema.name}: a status value must be one of its options (${known.map((o) => o.name).join(', ')}); the API can't add one.`,
      );
    }
    return found;
  }
  const name = checkOptionName(path, value.name);
  const found = known.find((o) => o.name === name);
  if (found) return found;
  const option: SelectOption = { id: optionId(known), name, color: checkColor(path, value.color) ?? 'default', description: null };
  ctx.pendingOptions.set(schema, [...(ctx.pendingOptions.get(schema) ?? []), option]);
  return option;
}

/** A page value, validated, in the form a page stores it (see `Page.values`). */
function validateValue(ctx: ValueContext, schema: PropertySchema, value: unknown): unknown {
  const path = `body.properties.${schema.name}`;
  if (!isObject(value)) throw validation(`${path} should be an object, instead was \`${String(value)}\`.`);
  const keys = Object.keys(value).filter((k) => k !== 'type' && k !== 'id');
  if (!keys.length || keys.some((k) => !WRITABLE.has(k))) throw notAValue(path);
  if (!WRITABLE.has(schema.type)) throw readOnly(schema);
  if (!keys.includes(schema.type)) throw validation(`${path}.${schema.type} should be defined, instead was \`undefined\`.`);
  const v = value[schema.type];
  const at = `${path}.${schema.type}`;
  switch (schema.type) {
    case 'title':
    case 'rich_text':
      return arrayValue(at, v).map((item, i) => {
        const content = (item as { text?: { content?: unknown } } | null)?.text?.content;
        if (typeof content !== 'string') throw validation(`${at}[${i}].text.content should be a string.`);
        if (content.length > LIMITS.richTextContentChars) {
          throw validation(`${at}[${i}].text.content.length should be ≤ \`${LIMITS.richTextContentChars}\`, instead was \`${content.length}\`.`);
        }
        return richTextItem(content);
      });
    case 'select':
      return v === null ? null : optionValue(ctx, schema, at, v, true).id;
    case 'status':
      return v === null ? null : optionValue(ctx, schema, at, v, true).id;
    case 'multi_select': {
      const ids = arrayValue(at, v).map((item, i) => optionValue(ctx, schema, `${at}[${i}]`, item, false).id);
      return [...new Set(ids)];
    }
    case 'number':
      if (v !== null && (typeof v !== 'number' || !Number.isFinite(v))) {
        throw validation(`${at} should be a number or \`null\`, instead was \`${JSON.stringify(v)}\`.`);
      }
      return v;
    case 'checkbox':
      if (typeof v !== 'boolean') throw validation(`${at} should be a boolean, instead was \`${quoted(v)}\`.`);
      return v;
    case 'url':
      if (v !== null && typeof v !== 'string') throw validation(`${at} should be a string or \`null\`.`);
      if (typeof v === 'string' && v.length > LIMITS.urlChars) {
        throw validation(`${at}.length should be ≤ \`${LIMITS.urlChars}\`, instead was \`${v.length}\`.`);
      }
      return v;
    case 'email':
      return stringValue(at, v, LIMITS.emailChars);
    case 'phone_number':
      return stringValue(at, v, LIMITS.phoneNumberChars);
    case 'date': {
      if (v === null) return null;
      const { start, end, time_zone } = (v ?? {}) as { start?: unknown; end?: unknown; time_zone?: unknown };
      const isDate = (date: unknown) => typeof date === 'string' && !Number.isNaN(Date.parse(date));
      const notADate = (key: string, date: unknown) =>
        validation(`${at}.${key} should be a valid ISO 8601 date string, instead was \`${JSON.stringify(date)}\`.`);
      if (!isDate(start)) throw notADate('start', start);
      if (end !== undefined && end !== null && !isDate(end)) throw notADate('end', end);
      if (time_zone !== undefined && time_zone !== null && typeof time_zone !== 'string') {
        throw validation(`${at}.time_zone should be a string or \`null\`, instead was \`${JSON.stringify(time_zone)}\`.`);
      }
      return { start, end: end ?? null, time_zone: time_zone ?? null };
    }
    case 'people':
      // Users are not checked against the workspace (the local Notion knows only its bot); a group keeps its name.
      return arrayValue(at, v).map((item, i) => {
        if (!isObject(item)) throw validation(`${at}[${i}] should be an object, instead was \`${quoted(item)}\`.`);
        const id = uuidValue(`${at}[${i}].id`, item.id);
        if (item.object === 'group') return { id, object: 'group', name: typeof item.name === 'string' ? item.name : null };
        return id === ctx.ws.botUserId ? botUser(ctx.ws) : { object: 'user', id };
      });
    case 'files':
      return arrayValue(at, v).map((item, i) => {
        const itemAt = `${at}[${i}]`;
        if (!isObject(item)) throw validation(`${itemAt} should be an object, instead was \`${quoted(item)}\`.`);
        if (item.file_upload !== undefined) {
          throw validation(`${itemAt}.file_upload: the local Notion has no file uploads; give an external file ({ name, external: { url } }).`);
        }
        const name = stringValue(`${itemAt}.name`, item.name ?? undefined, LIMITS.selectNameChars);
        if (name === null) throw validation(`${itemAt}.name should be a string, instead was \`null\`.`);
        const source = isObject(item.external) ? 'external' : isObject(item.file) ? 'file' : undefined;
        if (!source) throw validation(`${itemAt}.external should be defined, instead was \`undefined\`.`);
        const file = item[source] as Record<string, unknown>;
        const url = stringValue(`${itemAt}.${source}.url`, file.url ?? undefined, LIMITS.urlChars);
        if (url === null) throw validation(`${itemAt}.${source}.url should be a string, instead was \`null\`.`);
        if (source === 'external') return { name, type: 'external', external: { url } };
        const expiry = typeof file.expiry_time === 'string' ? file.expiry_time : new Date(Date.now() + 3_600_000).toISOString();
        return { name, type: 'file', file: { url, expiry_time: expiry } };
      });
    case 'relation': {
      const target = (schema.config as unknown as RelationConfig).data_source_id;
      const ids = arrayValue(at, v).map((item, i) => {
        const id = uuidValue(`${at}[${i}].id`, (item as { id?: unknown } | null)?.id);
        if (ctx.ws.pagesById.get(id)?.dataSourceId !== target) {
          throw validation(`${at}[${i}].id: ${id} is not a page of the data source relation ${schema.name} links to.`);
        }
        return id;
      });
      return [...new Set(ids)].map((id) => ({ id }));
    }
    case 'place': {
      if (v === null) return null;
      if (!isObject(v)) throw validation(`${at} should be an object or \`null\`, instead was \`${quoted(v)}\`.`);
      for (const key of ['lat', 'lon']) {
        if (typeof v[key] !== 'number' || !Number.isFinite(v[key])) throw validation(`${at}.${key} should be a number, instead was \`${quoted(v[key])}\`.`);
      }
      const place: Record<string, unknown> = { lat: v.lat, lon: v.lon };
      for (const key of ['name', 'address', 'aws_place_id', 'google_place_id']) {
        const text = v[key] ?? null;
        if (text !== null && typeof text !== 'string') throw validation(`${at}.${key} should be a string or \`null\`, instead was \`${quoted(text)}\`.`);
        place[key] = text;
      }
      return place;
    }
    default:
      throw readOnly(schema);
  }
}

/** An option as a page value answers it (`partialSelectPropertyValueResponse`: no description). */
function optionResponse(option: SelectOption): Record<string, unknown> {
  return { id: option.id, name: option.name, color: option.color };
}

/**
 * A page's value of a property as Notion answers it (the `[type]` of a page property value): what
 * was written, empty when nothing was (`[]`, `false` or `null`), and the computed ones filled in:
 * the page's times, the bot user, the page's number, a rollup of the related pages. A formula is
 * not evaluated: always an empty string result, `{type: 'string', string: null}`.
 */
function readValue(ws: Workspace, ds: DataSource, schema: PropertySchema, page: Page, depth = 0): unknown {
  const stored = page.values[schema.id];
  switch (schema.type) {
    case 'title':
    case 'rich_text':
    case 'people':
    case 'files':
    case 'relation':
      return stored ?? [];
    case 'checkbox':
      return stored ?? false;
    case 'select':
    case 'status': {
      const option = stored === undefined || stored === null ? undefined : optionsOf(schema).find((o) => o.id === stored);
      return option ? optionResponse(option) : null;
    }
    case 'multi_select': {
      const options = optionsOf(schema);
      return ((stored as string[] | undefined) ?? []).flatMap((id) => options.filter((o) => o.id === id).map(optionResponse));
    }
    case 'created_time':
      return page.createdTime;
    case 'last_edited_time':
      return page.lastEditedTime;
    case 'created_by':
    case 'last_edited_by':
      return botUser(ws);
    case 'unique_id':
      return { prefix: schema.config.prefix ?? null, number: page.number };
    case 'formula':
      return { type: 'string', string: null };
    case 'rollup':
      return rollupValue(ws, ds, schema, page, depth);
    case 'button':
      return {};
    case 'verification':
      return { state: 'unverified', date: null, verified_by: null };
    default:
      // number, url, email, phone_number, date, place; location and last_visited_time have no documented value.
      return stored ?? null;
  }
}

/**
 * A rollup's value (`partialRollupValueResponse`): the function applied to the rolled-up property
 * of the pages the relation links to. Counts, percentages (as fractions), sums and the like are
 * numbers, earliest and latest dates dates, show_original and show_unique arrays of values; the
 * per-group functions, whose results the reference does not describe, a null number.
 */
function rollupValue(ws: Workspace, ds: DataSource, schema: PropertySchema, page: Page, depth: number): Record<string, unknown> {
  const c = schema.config as unknown as RollupConfig;
  const relation = ds.properties.find((p) => p.id === c.relation_property_id && p.type === 'relation');
  const target = relation && ws.dataSources.get((relation.config as unknown as RelationConfig).data_source_id);
  const rolled = target?.properties.find((p) => p.id === c.rollup_property_id);
  const related = relation && target && rolled && depth < ROLLUP_DEPTH ? ((page.values[relation.id] as { id: string }[] | undefined) ?? []) : [];
  const values = related.flatMap(({ id }) => {
    const other = ws.pagesById.get(id);
    return other && target && rolled ? [readValue(ws, target, rolled, other, depth + 1)] : [];
  });
  const isEmpty = (x: unknown) => x === null || x === undefined || x === false || x === '' || (Array.isArray(x) && x.length === 0);
  const share = (n: number) => (values.length ? n / values.length : 0);
  const numbers = values.filter((x): x is number => typeof x === 'number').sort((a, b) => a - b);
  const dates = values.filter((x): x is { start: string } => isObject(x) && typeof x.start === 'string').map((d) => d.start).sort();
  const number = (n: number | null) => ({ type: 'number', number: n, function: c.function });
  const date = (start: string | undefined, end: string | null = null) => ({
    type: 'date',
    date: start === undefined ? null : { start, end, time_zone: null },
    function: c.function,
  });
  const array = (list: unknown[]) => ({
    type: 'array',
    array: list.map((x) => ({ type: rolled?.type, [rolled?.type ?? 'number']: x })),
    function: c.function,
  });
  const unique = () => [...new Map(values.filter((x) => !isEmpty(x)).map((x) => [JSON.stringify(x), x])).values()];
  const sum = numbers.reduce((a, b) => a + b, 0);
  const median = numbers.length ? (numbers[Math.floor((numbers.length - 1) / 2)]! + numbers[Math.ceil((numbers.length - 1) / 2)]!) / 2 : null;
  switch (c.function) {
    case 'count':
      return number(values.length);
    case 'count_values':
      return number(values.reduce<number>((n, x) => n + (Array.isArray(x) ? x.length : isEmpty(x) ? 0 : 1), 0));
    case 'empty':
      return number(values.filter(isEmpty).length);
    case 'not_empty':
      return number(values.filter((x) => !isEmpty(x)).length);
    case 'unique':
      return number(unique().length);
    case 'percent_empty':
      return number(share(values.filter(isEmpty).length));
    case 'percent_not_empty':
      return number(share(values.filter((x) => !isEmpty(x)).length));
    case 'sum':
      return number(sum);
    case 'average':
      return number(numbers.length ? sum / numbers.length : null);
    case 'median':
      return number(median);
    case 'min':
      return number(numbers[0] ?? null);
    case 'max':
      return number(numbers.at(-1) ?? null);
    case 'range':
      return number(numbers.length ? numbers.at(-1)! - numbers[0]! : null);
    case 'checked':
      return number(values.filter((x) => x === true).length);
    case 'unchecked':
      return number(values.filter((x) => x === false).length);
    case 'percent_checked':
      return number(share(values.filter((x) => x === true).length));
    case 'percent_unchecked':
      return number(share(values.filter((x) => x === false).length));
    case 'earliest_date':
      return date(dates[0]);
    case 'latest_date':
      return date(dates.at(-1));
    case 'date_range':
      return date(dates[0], dates.at(-1) ?? null);
    case 'show_original':
      return array(values);
    case 'show_unique':
      return array(unique());
    default:
      return number(null);
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

/** The filter conditions the local Notion understands, by the key that holds them. */
const FILTER_KEYS = ['rich_text', 'title', 'select', 'number', 'status', 'checkbox', 'multi_select', 'url', 'email', 'phone_number'];

/**
 * The filter as a test of a page, its properties resolved once. An `or` of `equals` conditions on
 * one property (a lookup of ids) becomes a set lookup, so 100 conditions cost one read per page.
 */
function compileFilter(filter: Filter, ds: DataSource, ws: Workspace): PageTest {
  if (filter.and) {
    const all = filter.and.map((f) => compileFilter(f, ds, ws));
    return (page) => all.every((t) => t(page));
  }
  if (filter.or) {
    const lookups = new Map<PropertySchema, Set<unknown>>();
    const tests: PageTest[] = [];
    for (const f of filter.or) {
      const condition = f.or || f.and ? undefined : compileCondition(f, ds, ws);
      if (!condition) tests.push(compileFilter(f, ds, ws));
      else if (condition.equals) {
        const values = lookups.get(condition.schema) ?? new Set<unknown>();
        values.add(condition.equals.value);
        lookups.set(condition.schema, values);
      } else tests.push(condition.test);
    }
    for (const [schema, values] of lookups) tests.push((page) => values.has(comparable(ws, ds, schema, page)));
    return (page) => tests.some((t) => t(page));
  }
  return compileCondition(filter, ds, ws).test;
}

function compileCondition(
  filter: Filter,
  ds: DataSource,
  ws: Workspace,
): { schema: PropertySchema; test: PageTest; equals?: { value: unknown } } {
  const schema = findProperty(ds, filter.property);
  if (!schema) throw validation(`Could not find property with name or id: ${String(filter.property)}`);
  const key = FILTER_KEYS.find((k) => filter[k] !== undefined);
  const condition = key === undefined ? undefined : (filter[key] as Record<string, unknown>);
  if (!condition) throw validation('body.filter should define a condition for the property type.');
  const read = (page: Page) => comparable(ws, ds, schema, page);
  const empty = (actual: unknown) => actual === '' || actual === null || actual === undefined || (Array.isArray(actual) && actual.length === 0);
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
        // A multi-select contains an option by its name; text contains a part of itself.
        if (Array.isArray(actual)) return actual.some((o) => (o as { name?: string }).name === part);
        return typeof actual === 'string' && actual.includes(part);
      },
    };
  }
  if ('is_empty' in condition) return { schema, test: (page) => empty(read(page)) };
  if ('is_not_empty' in condition) return { schema, test: (page) => !empty(read(page)) };
  throw validation('Unsupported filter condition.');
}

/** A page's value of a property as filters compare it: plain text, an option's name, else the value as answered. */
function comparable(ws: Workspace, ds: DataSource, schema: PropertySchema, page: Page): unknown {
  const value = readValue(ws, ds, schema, page);
  if (schema.type === 'title' || schema.type === 'rich_text') return plainText(value);
  if (schema.type === 'select' || schema.type === 'status') return (value as { name?: string } | null)?.name ?? '';
  return value;
}

// -- request bodies ----------------------------------------------------------------------------

/**
 * `page_size` of a paginated request: "The number of items from the full list desired in the
 * response. Default: 100. Maximum: 100" (Pagination).
 */
function pageSizeOf(body: Record<string, unknown>): number {
  const size = body.page_size;
  if (size === undefined) return LIMITS.pageSize;
  if (typeof size !== 'number' || !Number.isInteger(size)) throw validation(`body.page_size should be an integer, instead was \`${quoted(size)}\`.`);
  if (size < 1) throw validation(`body.page_size should be ≥ \`1\`, instead was \`${size}\`.`);
  if (size > LIMITS.pageSize) throw validation(`body.page_size should be ≤ \`${LIMITS.pageSize}\`, instead was \`${size}\`.`);
  return size;
}

/** A `start_cursor` that no previous answer gave: "A cursor returned from a previous response" is all Notion takes. */
function badCursor(value: unknown): ApiError {
  return validation(`body.start_cursor should be a valid cursor, instead was \`${quoted(value)}\`.`);
}

/** A value that must be one of `allowed`, worded as Notion's validation messages word it. */
function oneOf<const T extends string>(path: string, value: unknown, allowed: readonly T[]): T {
  if (value === undefined) throw validation(`${path} should be defined, instead was \`undefined\`.`);
  if (typeof value !== 'string' || !allowed.includes(value as T)) {
    throw validation(`${path} should be ${allowed.map((a) => `\`"${a}"\``).join(' or ')}, instead was \`${quoted(value)}\`.`);
  }
  return value as T;
}

/**
 * A search body checked against the API reference's schema of `POST /v1/search` (Notion-Version
 * 2025-09-03), which allows no other keys: `query` a string; `filter` `{property: "object",
 * value: "page" | "data_source"}` (2025-09-03 replaced the value `"database"` by `"data_source"`:
 * the old one is refused); `sort` `{timestamp: "last_edited_time", direction: "ascending" |
 * "descending"}`, descending when not given; `start_cursor` a UUID; `page_size` at most 100.
 */
function searchRequest(body: Record<string, unknown>): {
  query: string;
  object: 'page' | 'data_source' | undefined;
  direction: 'ascending' | 'descending';
  startCursor: string | undefined;
  pageSize: number;
} {
  onlyKeys('body', body, SEARCH_KEYS);
  const { query = '', filter, sort, start_cursor: startCursor } = body;
  if (typeof query !== 'string') throw validation(`body.query should be a string, instead was \`${quoted(query)}\`.`);
  let object: 'page' | 'data_source' | undefined;
  if (filter !== undefined) {
    if (!isObject(filter)) throw validation(`body.filter should be an object, instead was \`${quoted(filter)}\`.`);
    onlyKeys('body.filter', filter, ['property', 'value']);
    oneOf('body.filter.property', filter.property, ['object']);
    object = oneOf('body.filter.value', filter.value, ['page', 'data_source']);
  }
  let direction: 'ascending' | 'descending' = 'descending';
  if (sort !== undefined) {
    if (!isObject(sort)) throw validation(`body.sort should be an object, instead was \`${quoted(sort)}\`.`);
    onlyKeys('body.sort', sort, ['timestamp', 'direction']);
    oneOf('body.sort.timestamp', sort.timestamp, ['last_edited_time']);
    direction = oneOf('body.sort.direction', sort.direction, ['ascending', 'descending']);
  }
  let cursor: string | undefined;
  if (startCursor !== undefined) {
    if (typeof startCursor !== 'string') throw validation(`body.start_cursor should be a string, instead was \`${quoted(startCursor)}\`.`);
    cursor = uuidValue('body.start_cursor', startCursor);
  }
  return { query, object, direction, startCursor: cursor, pageSize: pageSizeOf(body) };
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

/** "Request limits": the integration's requests are blocked; not to be retried. No Retry-After. */
function requestBlocked(): ApiError {
  return new ApiError(429, 'rate_limited', 'Requests from this integration are blocked.', {}, { rate_limit_reason: RATE_LIMIT_REASONS.blocked });
}

function endpointRateLimited(retryAfterSeconds: number): ApiError {
  return new ApiError(
    429,
    'rate_limited',
    'This endpoint has been rate limited. Please try again later.',
    { 'retry-after': String(retryAfterSeconds) },
    { rate_limit_reason: RATE_LIMIT_REASONS.endpoint },
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

/**
 * A write that would create blocks in a Free workspace past its block limit ("Workspace block
 * limits": Free workspaces with more than one member have 1,000 lifetime blocks; after the
 * three-day grace, requests that create blocks fail; reads and edits that create none go on):
 * 403 `restricted_resource` naming the limit in `additional_data.block_limit`. The fields inside
 * `block_limit` are modelled; the app reads only that it is there.
 */
function workspaceFull(): ApiError {
  return new ApiError(
    403,
    'restricted_resource',
    'This workspace has reached its block limit. Upgrade the workspace plan to add more content.',
    {},
    { block_limit: { limit: 1000, plan: 'free' } },
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
