/**
 * The only module that calls @notionhq/client. Every call is paced by the integration's
 * RequestPacer, counted, and told to the pacer's observer if it has one. It never retries: the
 * SDK's own retry is switched off so the writer, which owns retries, sees and paces every request.
 * What Notion answers is read into the app's shapes by responses.ts; the SDK's fetch is given one
 * deadline per exchange by fetch-deadline.ts.
 */
import { Client } from '@notionhq/client';
import type {
  CreateDatabaseParameters,
  CreatePageParameters,
  QueryDataSourceParameters,
  UpdateDataSourceParameters,
  UpdatePageParameters,
} from '@notionhq/client';
import { tagEndpoint } from './failure.js';
import { fetchWithDeadline, SDK_TIMEOUT_BACKSTOP_MS } from './fetch-deadline.js';
import type { RequestPacer } from './pacing/pacer.js';
import type { PauseInfo } from './pacing/refusals.js';
import {
  toDatabaseInfo,
  toDataSourceInfo,
  toPageInfo,
  toPageSummary,
  toQueryPage,
  toSearchPage,
  type DatabaseInfo,
  type DataSourceInfo,
  type PageInfo,
  type PageSummary,
  type QueryPage,
  type SearchPage,
} from './responses.js';

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

export type QueryFilter = QueryDataSourceParameters['filter'];

export interface QueryInput {
  filter?: QueryFilter;
  startCursor?: string;
  filterProperties?: string[];
  pageSize?: number;
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
  async retrievePage(pageId: string): Promise<PageSummary> {
    const page = await this.send('GET /v1/pages/:id', (c) => c.pages.retrieve({ page_id: pageId }));
    return toPageSummary(page);
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
    return toQueryPage(result);
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
    return toSearchPage(result);
  }

  /** `pages.update`: sets just these properties of the page; safe to repeat. */
  async updatePage(pageId: string, properties: Record<string, unknown>): Promise<PageInfo> {
    const page = await this.send('PATCH /v1/pages/:id', (c) => c.pages.update({ page_id: pageId, properties } as UpdatePageParameters));
    return toPageInfo(page);
  }

  async createPage(body: CreatePageParameters): Promise<PageInfo> {
    const page = await this.send('POST /v1/pages', (c) => c.pages.create(body));
    return toPageInfo(page);
  }
}
