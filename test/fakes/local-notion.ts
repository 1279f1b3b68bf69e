/**
 * A local Notion API (Notion-Version 2025-09-03, the data-sources API) on 127.0.0.1 for tests,
 * the demo and the benchmark. The real @notionhq/client talks to it over HTTP. It follows Notion's
 * API reference: the same paths and bodies, error shapes ({object:'error', status, code, message,
 * request_id}), 429 with Retry-After, the request limits (2000 characters per rich text item, 100
 * items per array, 2000 per URL, select names without commas, 500 KB bodies), 404 for objects not
 * shared with the integration, and a new database that answers 404 for a moment.
 *
 * Fault injection, all drawn from one seeded random source: a token-bucket rate budget, 409
 * conflicts, 5xx (some applied anyway), 529, creates applied but whose response is lost (the
 * socket is destroyed) or never sent, and scripted faults for the next requests of a route.
 *
 * No vitest here: the demo and the benchmark import it too.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { seededRandom } from '../support/random.js';
import { LoopbackServer } from './loopback.js';

export interface NotionFaults {
  /** Writes (page create, data source update, database create): 409 conflict_error, not applied. */
  conflictRate?: number;
  /** Any request: 500/502/503/504. */
  serverErrorRate?: number;
  /** Share of page creates hit by a server error that were applied anyway (default 0.5). */
  serverErrorAppliedRate?: number;
  /** Any request: 529 service_overload. */
  overloadRate?: number;
  /** Page creates: applied, then the connection is destroyed without a response. */
  lostResponseRate?: number;
  /** Page creates: applied, and no response is ever sent (the client times out). */
  hangRate?: number;
  /** A database created through the API answers 404 for this long. */
  readyDelayMs?: number;
  /** Seconds in the Retry-After header of a 529 (default: the rate limit's, else 1). */
  overloadRetryAfterSeconds?: number;
  /** Every page create fails: the free workspace reached its block limit. */
  workspaceFull?: boolean;
}

export interface RateLimitOptions {
  requestsPerSecond: number;
  /** Bucket capacity; default one second's worth (Notion allows only small bursts). */
  burst?: number;
  /** Retry-After value to send (may be fractional in scaled-down runs); default: seconds until a token, at least 1. */
  retryAfterSeconds?: number;
}

export interface LocalNotionOptions {
  token?: string;
  seed?: number;
  rateLimit?: RateLimitOptions | false;
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
}

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
  inTrash: boolean;
  /** Stored as returned: keyed by name, each with id, type and value. */
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
} as const;

const NOT_SHARED = 'Make sure the relevant pages and databases are shared with your integration.';
const WRITE_ROUTES = new Set(['POST /v1/pages', 'PATCH /v1/data_sources/:id', 'POST /v1/databases']);
const PAGE_CREATE = 'POST /v1/pages';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly headers: Record<string, string> = {},
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

class TokenBucket {
  private tokens: number;
  private last: number;
  constructor(
    readonly options: RateLimitOptions,
    now: number,
  ) {
    this.tokens = this.capacity;
    this.last = now;
  }
  get capacity(): number {
    return this.options.burst ?? this.options.requestsPerSecond;
  }
  /** Takes a token, or returns the seconds until one is there. */
  take(now: number): { ok: true } | { ok: false; waitSeconds: number } {
    this.tokens = Math.min(this.capacity, this.tokens + ((now - this.last) / 1000) * this.options.requestsPerSecond);
    this.last = now;
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return { ok: true };
    }
    return { ok: false, waitSeconds: (1 - this.tokens) / this.options.requestsPerSecond };
  }
}

export class LocalNotion {
  readonly token: string;
  readonly requests: RecordedRequest[] = [];
  readonly parentPageId: string;
  url = '';
  private readonly server: LoopbackServer;
  private readonly random: () => number;
  private faults: NotionFaults;
  private bucket: TokenBucket | undefined;
  private revoked = false;
  private readonly sharedPages = new Map<string, string>();
  private readonly databases = new Map<string, DatabaseRecord>();
  private readonly dataSources = new Map<string, DataSource>();
  private readonly pagesById = new Map<string, Page>();
  private readonly injected = new Map<string, InjectedFault[]>();
  private readonly hanging = new Set<ServerResponse>();

  constructor(private readonly options: LocalNotionOptions = {}) {
    this.token = options.token ?? 'ntn_local_test_token';
    this.random = seededRandom(options.seed ?? 1);
    this.faults = options.faults ?? {};
    this.bucket = options.rateLimit ? new TokenBucket(options.rateLimit, Date.now()) : undefined;
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

  setRateLimit(rate: RateLimitOptions | false): void {
    this.bucket = rate ? new TokenBucket(rate, Date.now()) : undefined;
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
      const outcome = this.answer(method, url, route, raw, record);
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
        const extra = (error as ApiError & { additionalData?: unknown }).additionalData;
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
  ): { kind: 'ok'; body: unknown } | { kind: 'lost' } | { kind: 'hang' } {
    // Rate limits come first: a request over the budget costs nothing and does nothing.
    if (this.bucket) {
      const taken = this.bucket.take(Date.now());
      if (!taken.ok) {
        const seconds = this.bucket.options.retryAfterSeconds ?? Math.max(1, Math.ceil(taken.waitSeconds));
        throw rateLimited(seconds);
      }
    }
    const injected = this.injected.get(route)?.shift();
    if (injected === 'rate_limited') throw rateLimited(this.bucket?.options.retryAfterSeconds ?? 1);
    if (injected === 'unauthorized') throw unauthorized();
    this.authorize();

    const isWrite = WRITE_ROUTES.has(route);
    const isCreate = route === PAGE_CREATE;
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
      pick(f.lostResponseRate, 'lost_response', isCreate);
      pick(f.hangRate, 'hang', isCreate);
      if (fault === 'server_error' && isCreate && this.random() < (f.serverErrorAppliedRate ?? 0.5)) fault = 'server_error_applied';
    }
    switch (fault) {
      case 'conflict':
        throw new ApiError(409, 'conflict_error', 'Conflict occurred while saving. Please try again.');
      case 'overload':
        throw new ApiError(529, 'service_overload', 'Notion is experiencing high load. Please try again later.', {
          'retry-after': String(this.faults.overloadRetryAfterSeconds ?? this.bucket?.options.retryAfterSeconds ?? 1),
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
      case 'GET /v1/pages/:id':
        return { body: this.pageObject(this.page(id)), applied: false };
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
    const properties = Object.entries(initial).map(([name, schema]) => toSchema(name, schema));
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
      const existing = ds.properties.find((p) => p.name === key || p.id === key);
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
      ds.properties.push(toSchema(typeof change.name === 'string' ? change.name : key, change));
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
      properties: Object.fromEntries(ds.properties.map((p) => [p.name, { id: p.id, name: p.name, type: p.type, [p.type]: p.config }])),
      url: `https://www.notion.so/${ds.id.replace(/-/g, '')}`,
    };
  }

  // -- pages ---------------------------------------------------------------------------------

  private page(id: string): Page {
    const page = this.pagesById.get(id);
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
    const input = (body.properties ?? {}) as Record<string, Record<string, unknown>>;
    const properties: Page['properties'] = {};
    for (const [key, value] of Object.entries(input)) {
      const schema = ds.properties.find((p) => p.name === key || p.id === key);
      if (!schema) throw validation(`${key} is not a property that exists.`);
      properties[schema.name] = { id: schema.id, type: schema.type, ...validateValue(schema, value, ds) };
    }
    for (const schema of ds.properties) {
      if (!properties[schema.name]) properties[schema.name] = { id: schema.id, type: schema.type, ...emptyValue(schema.type) };
    }
    const page: Page = { id: randomUUID(), dataSourceId: ds.id, createdTime: new Date().toISOString(), inTrash: false, properties };
    ds.pages.push(page);
    this.pagesById.set(page.id, page);
    return this.pageObject(page);
  }

  private pageObject(page: Page, only?: Set<string>): Record<string, unknown> {
    const ds = this.dataSources.get(page.dataSourceId)!;
    const properties = only
      ? Object.fromEntries(Object.entries(page.properties).filter(([name, v]) => only.has(name) || only.has(String(v.id))))
      : page.properties;
    return {
      object: 'page',
      id: page.id,
      created_time: page.createdTime,
      last_edited_time: page.createdTime,
      in_trash: page.inTrash,
      archived: page.inTrash,
      is_locked: false,
      parent: { type: 'data_source_id', data_source_id: ds.id, database_id: ds.databaseId },
      properties,
      icon: null,
      cover: null,
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
    const matching = ds.pages.filter((p) => !p.inTrash && (!filter || matches(filter, p, ds)));
    let start = 0;
    if (body.start_cursor !== undefined) {
      start = matching.findIndex((p) => p.id === body.start_cursor);
      if (start < 0) throw validation(`body.start_cursor should be a valid cursor, instead was \`${String(body.start_cursor)}\`.`);
    }
    const slice = matching.slice(start, start + pageSize);
    const next = matching[start + pageSize];
    const only = filterProperties.length ? new Set(filterProperties) : undefined;
    return {
      object: 'list',
      results: slice.map((p) => this.pageObject(p, only)),
      next_cursor: next ? next.id : null,
      has_more: Boolean(next),
      type: 'page_or_data_source',
      page_or_data_source: {},
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

function toSchema(name: string, schema: Record<string, unknown>): PropertySchema {
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
  return { id: type === 'title' ? 'title' : encodeURIComponent(randomUUID().slice(0, 4)), name, type, config };
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
      const start = (v as { start?: unknown })?.start;
      if (typeof start !== 'string' || Number.isNaN(Date.parse(start))) {
        throw validation(`${path}.date.start should be a valid ISO 8601 date string, instead was \`${JSON.stringify(start)}\`.`);
      }
      return { date: { start, end: null, time_zone: null } };
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

function matches(filter: Filter, page: Page, ds: DataSource): boolean {
  if (filter.or) return filter.or.some((f) => matches(f, page, ds));
  if (filter.and) return filter.and.every((f) => matches(f, page, ds));
  const schema = ds.properties.find((p) => p.name === filter.property || p.id === filter.property);
  if (!schema) throw validation(`Could not find property with name or id: ${String(filter.property)}`);
  const value = page.properties[schema.name];
  const condition = (filter.rich_text ?? filter.title ?? filter.select ?? filter.number) as Record<string, unknown> | undefined;
  if (!condition) throw validation('body.filter should define a condition for the property type.');
  const actual =
    schema.type === 'title' || schema.type === 'rich_text'
      ? plainText(value)
      : schema.type === 'select'
        ? ((value?.select as { name?: string } | null)?.name ?? '')
        : value?.[schema.type];
  if ('equals' in condition) return actual === condition.equals;
  if ('contains' in condition) return typeof actual === 'string' && actual.includes(String(condition.contains));
  if ('is_empty' in condition) return actual === '' || actual === null || actual === undefined;
  if ('is_not_empty' in condition) return !(actual === '' || actual === null || actual === undefined);
  throw validation('Unsupported filter condition.');
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
  const error = new ApiError(429, 'rate_limited', 'You have been rate limited. Please try again in a few minutes.', {
    'retry-after': String(retryAfterSeconds),
  });
  return Object.assign(error, { additionalData: { rate_limit_reason: 'public_api_request_rate_limit' } });
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
