/**
 * The only module that calls @notionhq/client. Every call is paced by the integration's
 * RequestPacer, counted, and told to the pacer's observer if it has one. It never retries: the
 * SDK's own retry is switched off so the writer, which owns retries, sees and paces every request.
 */
import { Client, RequestTimeoutError } from '@notionhq/client';
import type {
  CreateDatabaseParameters,
  CreatePageParameters,
  QueryDataSourceParameters,
  UpdateDataSourceParameters,
  UpdatePageParameters,
} from '@notionhq/client';
import { tagEndpoint } from './failure.js';
import type { PauseInfo, RequestPacer } from './pacer.js';

export interface GatewayOptions {
  token: string;
  apiUrl: string;
  timeoutMs: number;
  pacer: RequestPacer;
  /** Takes requests not yet sent out of the pacer's queue (a job being stopped). */
  signal?: AbortSignal;
  /** Called as each request is about to go out; a throw keeps it from being sent (the job's lease may have run out). */
  beforeSend?: () => void;
  /** When a person asked for the job these requests serve (ms): a block Notion answered after it stops them unsent. */
  askedAt?: number;
}

export interface DatabaseInfo {
  id: string;
  url: string;
  title: string;
  inTrash: boolean;
  dataSourceIds: string[];
}

export interface PropertyInfo {
  id: string;
  name: string;
  type: string;
  /** Option names of a select, multi-select or status property. */
  options?: string[];
}

export interface DataSourceInfo {
  id: string;
  databaseId: string | undefined;
  inTrash: boolean;
  properties: PropertyInfo[];
}

/** A page as the writer needs it: its id, url and properties (possibly filtered). */
export interface PageInfo {
  id: string;
  url: string;
  properties: Record<string, unknown>;
}

export interface QueryPage {
  pages: PageInfo[];
  nextCursor: string | undefined;
  /** Notion stopped the query at its result cap (10,000): pages past it exist but were not returned. */
  incomplete: boolean;
}

export type QueryFilter = QueryDataSourceParameters['filter'];

export interface QueryInput {
  filter?: QueryFilter;
  startCursor?: string;
  filterProperties?: string[];
  pageSize?: number;
}

/** One result of `search`: a data source (with its database) or a page, as a picker shows it. */
export interface SearchHit {
  object: 'data_source' | 'page';
  id: string;
  /** A data source's database: what a job's target names. */
  databaseId?: string;
  title: string;
  url: string;
  /** What the object sits in: a page of a data source is a database row, not a place for a new database. */
  parentType: string | undefined;
  /** A data source's database's own parent page (`database_parent.page_id`), when it sits in a page. */
  databaseParentPageId?: string;
  createdTime: string | undefined;
  lastEditedTime: string | undefined;
}

export interface SearchPage {
  hits: SearchHit[];
  nextCursor: string | undefined;
}

/** The pause in force on the integration's queue: what the retry paths tell people about. */
export interface PacedGateway {
  readonly pacer: { readonly pause: PauseInfo | undefined };
}

/** What the writer and the quote-id look-ups need of the gateway: creates and queries (tests give a fake of it). */
export interface NotionPages extends PacedGateway {
  createPage(body: CreatePageParameters): Promise<PageInfo>;
  updatePage(pageId: string, properties: Record<string, unknown>): Promise<PageInfo>;
  queryDataSource(dataSourceId: string, input?: QueryInput): Promise<QueryPage>;
}

export class NotionGateway implements NotionPages {
  private client: Client;
  private count = 0;

  constructor(private readonly options: GatewayOptions) {
    this.client = NotionGateway.makeClient(options);
  }

  private static makeClient(options: GatewayOptions): Client {
    return new Client({
      auth: options.token,
      baseUrl: options.apiUrl.replace(/\/+$/, ''),
      // Our fetch enforces the deadline; the SDK's own timer is a backstop that never fires first.
      timeoutMs: options.timeoutMs + SDK_TIMEOUT_BACKSTOP_MS,
      fetch: fetchWithDeadline(options.timeoutMs),
      retry: false,
      // The SDK logs warnings to the console by default; our logger records what matters.
      logger: () => undefined,
    });
  }

  /** Requests sent so far (each counted when it starts). */
  get requests(): number {
    return this.count;
  }

  get pacer(): RequestPacer {
    return this.options.pacer;
  }

  /** A fresh client: new connections, as after a reset. */
  resetClient(): void {
    this.client = NotionGateway.makeClient(this.options);
  }

  /** Sends one request to `endpoint` (method and path template) through the pacer; a failure is tagged with the endpoint. */
  private send<T>(endpoint: string, call: (client: Client) => Promise<T>): Promise<T> {
    const askedAt = this.options.askedAt;
    return this.options.pacer.run(
      async () => {
        this.options.beforeSend?.();
        this.count += 1;
        // The integration's observer (the app's metrics), carried by the pacer every gateway shares.
        const observer = this.options.pacer.observer;
        const sentAt = performance.now();
        try {
          const result = await call(this.client);
          observer?.answered?.({ endpoint, ms: performance.now() - sentAt });
          return result;
        } catch (error) {
          observer?.answered?.({ endpoint, ms: performance.now() - sentAt, error });
          throw tagEndpoint(error, endpoint);
        }
      },
      this.options.signal,
      { endpoint, ...(askedAt !== undefined ? { askedAt } : {}) },
    );
  }

  async retrieveDatabase(databaseId: string): Promise<DatabaseInfo> {
    const db = await this.send('GET /v1/databases/:id', (c) => c.databases.retrieve({ database_id: databaseId }));
    return toDatabaseInfo(db);
  }

  /** `pages.retrieve`: a page's id, url and whether it is in the trash (the set-up check of a parent page). */
  async retrievePage(pageId: string): Promise<{ id: string; url: string; title: string; inTrash: boolean; parentType: string | undefined }> {
    const page = await this.send('GET /v1/pages/:id', (c) => c.pages.retrieve({ page_id: pageId }));
    const p = page as { id: string; url?: string; in_trash?: boolean; archived?: boolean; parent?: { type?: string }; properties?: Record<string, { type?: string; title?: unknown }> };
    const title = plainTitle(Object.values(p.properties ?? {}).find((q) => q.type === 'title')?.title);
    return { id: p.id, url: p.url ?? '', title, inTrash: Boolean(p.in_trash ?? p.archived), parentType: p.parent?.type };
  }

  async createDatabase(input: {
    parentPageId: string;
    title: string;
    properties: NonNullable<CreateDatabaseParameters['initial_data_source']>['properties'];
  }): Promise<DatabaseInfo> {
    const db = await this.send('POST /v1/databases', (c) =>
      c.databases.create({
        parent: { type: 'page_id', page_id: input.parentPageId },
        title: [{ type: 'text', text: { content: input.title } }],
        initial_data_source: { properties: input.properties },
      }),
    );
    return toDatabaseInfo(db);
  }

  async retrieveDataSource(dataSourceId: string): Promise<DataSourceInfo> {
    const ds = await this.send('GET /v1/data_sources/:id', (c) => c.dataSources.retrieve({ data_source_id: dataSourceId }));
    return toDataSourceInfo(ds);
  }

  async updateDataSource(
    dataSourceId: string,
    properties: NonNullable<UpdateDataSourceParameters['properties']>,
  ): Promise<DataSourceInfo> {
    const ds = await this.send('PATCH /v1/data_sources/:id', (c) => c.dataSources.update({ data_source_id: dataSourceId, properties }));
    return toDataSourceInfo(ds);
  }

  async queryDataSource(
    dataSourceId: string,
    input: QueryInput = {},
  ): Promise<QueryPage> {
    const result = await this.send('POST /v1/data_sources/:id/query', (c) =>
      c.dataSources.query({
        data_source_id: dataSourceId,
        page_size: input.pageSize ?? 100,
        ...(input.filter ? { filter: input.filter } : {}),
        ...(input.startCursor ? { start_cursor: input.startCursor } : {}),
        ...(input.filterProperties ? { filter_properties: input.filterProperties } : {}),
      }),
    );
    const pages: PageInfo[] = [];
    for (const item of result.results) {
      if (item.object === 'page' && 'properties' in item) {
        pages.push({ id: item.id, url: 'url' in item ? String(item.url) : '', properties: item.properties });
      }
    }
    return {
      pages,
      nextCursor: result.has_more ? (result.next_cursor ?? undefined) : undefined,
      incomplete: result.request_status?.type === 'incomplete',
    };
  }

  /**
   * `search` (POST /v1/search): the data sources or pages shared with the integration whose title
   * matches `query`, last edited first. Notion answers at most 100 per page.
   */
  async search(input: { query: string; object: 'data_source' | 'page'; pageSize?: number; startCursor?: string }): Promise<SearchPage> {
    const result = await this.send('POST /v1/search', (c) =>
      c.search({
        query: input.query,
        filter: { property: 'object', value: input.object },
        sort: { timestamp: 'last_edited_time', direction: 'descending' },
        page_size: Math.min(100, input.pageSize ?? 100),
        ...(input.startCursor ? { start_cursor: input.startCursor } : {}),
      }),
    );
    const hits: SearchHit[] = [];
    for (const item of result.results as Record<string, unknown>[]) {
      const object = item.object;
      if (object !== 'data_source' && object !== 'page') continue;
      const parent = item.parent as { type?: string; database_id?: string } | undefined;
      const databaseParent = item.database_parent as { type?: string; page_id?: string } | undefined;
      const title =
        object === 'data_source'
          ? plainTitle(item.title)
          : plainTitle(Object.values((item.properties ?? {}) as Record<string, { type?: string; title?: unknown }>).find((p) => p.type === 'title')?.title);
      hits.push({
        object,
        id: String(item.id),
        ...(object === 'data_source' && parent?.database_id ? { databaseId: parent.database_id } : {}),
        title,
        url: typeof item.url === 'string' ? item.url : '',
        parentType: parent?.type,
        ...(object === 'data_source' && databaseParent?.type === 'page_id' && databaseParent.page_id ? { databaseParentPageId: databaseParent.page_id } : {}),
        createdTime: typeof item.created_time === 'string' ? item.created_time : undefined,
        lastEditedTime: typeof item.last_edited_time === 'string' ? item.last_edited_time : undefined,
      });
    }
    return { hits, nextCursor: result.has_more ? (result.next_cursor ?? undefined) : undefined };
  }

  /** `pages.update`: sets just these properties of the page; safe to repeat. */
  async updatePage(pageId: string, properties: Record<string, unknown>): Promise<PageInfo> {
    const page = await this.send('PATCH /v1/pages/:id', (c) => c.pages.update({ page_id: pageId, properties } as UpdatePageParameters));
    return {
      id: page.id,
      url: 'url' in page ? String(page.url) : '',
      properties: 'properties' in page ? page.properties : {},
    };
  }

  async createPage(body: CreatePageParameters): Promise<PageInfo> {
    const page = await this.send('POST /v1/pages', (c) => c.pages.create(body));
    return {
      id: page.id,
      url: 'url' in page ? String(page.url) : '',
      properties: 'properties' in page ? page.properties : {},
    };
  }
}

/** Added to the SDK's timeout so that the deadline below, which also closes the socket, always fires first. */
const SDK_TIMEOUT_BACKSTOP_MS = 1000;

/**
 * `fetch` with one deadline for the whole exchange, headers and body. The SDK's timeout only
 * stops waiting: the request it gave up on keeps its socket open, and a process with a hung
 * socket never exits. Aborting closes the socket. The body is read here, inside the deadline.
 */
export function fetchWithDeadline(timeoutMs: number) {
  return async (url: string, init?: { body?: string | FormData; headers?: Record<string, string>; method?: string }) => {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), timeoutMs);
    try {
      const response = await fetch(url, {
        ...(init?.method ? { method: init.method } : {}),
        ...(init?.headers ? { headers: init.headers } : {}),
        ...(init?.body !== undefined ? { body: init.body } : {}),
        signal: controller.signal,
      });
      const text = await response.text();
      return { ok: response.ok, status: response.status, headers: response.headers, body: null, text: async () => text };
    } catch (error) {
      if (controller.signal.aborted) throw new RequestTimeoutError();
      throw error;
    } finally {
      clearTimeout(timer);
    }
  };
}

function plainTitle(items: unknown): string {
  if (!Array.isArray(items)) return '';
  return items.map((i: { plain_text?: string }) => i.plain_text ?? '').join('');
}

function toDatabaseInfo(db: object): DatabaseInfo {
  const d = db as {
    id: string;
    url?: string;
    title?: unknown;
    in_trash?: boolean;
    archived?: boolean;
    data_sources?: { id: string }[];
  };
  return {
    id: d.id,
    url: d.url ?? '',
    title: plainTitle(d.title),
    inTrash: Boolean(d.in_trash ?? d.archived),
    dataSourceIds: (d.data_sources ?? []).map((s) => s.id),
  };
}

function toDataSourceInfo(ds: object): DataSourceInfo {
  const d = ds as {
    id: string;
    parent?: { type?: string; database_id?: string };
    in_trash?: boolean;
    archived?: boolean;
    properties?: Record<string, { id: string; name?: string; type: string } & Record<string, unknown>>;
  };
  return {
    id: d.id,
    databaseId: d.parent?.database_id,
    inTrash: Boolean(d.in_trash ?? d.archived),
    properties: Object.entries(d.properties ?? {}).map(([name, p]) => {
      const options = (p[p.type] as { options?: { name?: unknown }[] } | undefined)?.options;
      return {
        id: p.id,
        name: p.name ?? name,
        type: p.type,
        ...(Array.isArray(options) ? { options: options.map((o) => String(o.name ?? '')) } : {}),
      };
    }),
  };
}
