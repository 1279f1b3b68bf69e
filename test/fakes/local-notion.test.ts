/**
 * The local Notion answers as Notion's documentation says it does now, checked through the real
 * @notionhq/client (retries off, so every answer is seen): per-connection window budgets and the
 * workspace limit with their `rate_limit_reason`, the 10,000-result cap on a query, URL-encoded
 * property ids, seeding a large data source without HTTP, page updates (`pages.update`), and the
 * property types of a database a person made by hand: every schema type, each value's shape, the
 * computed properties a page answers but a body cannot write, one title per data source; search
 * (`search`) by title over what is shared, filtered, sorted and paged, and databases and pages the
 * integration cannot see.
 */
import { APIResponseError, Client, RequestTimeoutError } from '@notionhq/client';
import type { CreateDatabaseParameters, QueryDataSourceParameters, SearchParameters, UpdatePageParameters } from '@notionhq/client';
import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { startNotionServer, type LocalNotion, type LocalNotionOptions } from './local-notion.js';

const servers: LocalNotion[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function start(options: LocalNotionOptions = {}): Promise<LocalNotion> {
  const notion = await startNotionServer({ seed: 7, ...options });
  servers.push(notion);
  return notion;
}

function clientOf(notion: LocalNotion, token = notion.token): Client {
  return new Client({ auth: token, baseUrl: notion.url, retry: false, logger: () => undefined });
}

/** The app's schema: ten properties, one of them the title. */
const SCHEMA: NonNullable<CreateDatabaseParameters['initial_data_source']>['properties'] = {
  Quote: { type: 'title', title: {} },
  Category: { type: 'select', select: { options: [] } },
  Sentiment: { type: 'select', select: { options: [] } },
  Relevance: { type: 'number', number: { format: 'number' } },
  Justification: { type: 'rich_text', rich_text: {} },
  'Reddit URL': { type: 'url', url: {} },
  Subreddit: { type: 'select', select: { options: [] } },
  'Post Title': { type: 'rich_text', rich_text: {} },
  'Date Added': { type: 'date', date: {} },
  'Quote ID': { type: 'rich_text', rich_text: {} },
};

async function createDataSource(client: Client, parentPageId: string): Promise<string> {
  const db = await client.databases.create({
    parent: { type: 'page_id', page_id: parentPageId },
    title: [{ type: 'text', text: { content: 'Quotes' } }],
    initial_data_source: { properties: SCHEMA },
  });
  return (db as { data_sources: { id: string }[] }).data_sources[0]!.id;
}

/** A page's `properties` body, as for POST /v1/pages. */
function quoteProperties(n: number, category = 'general'): Record<string, unknown> {
  return {
    Quote: { title: [{ type: 'text', text: { content: `Quote number ${n}` } }] },
    'Quote ID': { rich_text: [{ type: 'text', text: { content: `q-${n}` } }] },
    Category: { select: { name: category } },
  };
}

interface Outcome {
  status: number;
  code?: string;
  retryAfter?: string | null;
  reason?: unknown;
  message?: string;
}

/** A request's answer: 200, or the error status with what a client reads from it. */
async function outcome(request: Promise<unknown>): Promise<Outcome> {
  try {
    await request;
    return { status: 200 };
  } catch (error) {
    if (!APIResponseError.isAPIResponseError(error)) throw error;
    return {
      status: error.status,
      code: error.code,
      retryAfter: (error.headers as Headers).get('retry-after'),
      reason: error.additional_data?.rate_limit_reason,
      message: error.message,
    };
  }
}

const CONNECTION = 'public_api_request_rate_limit';
const WORKSPACE = 'public_api_space_request_rate_limit';

const count = (outcomes: Outcome[], status: number) => outcomes.filter((o) => o.status === status).length;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A database to make requests against, created before any limit applies. */
async function withDataSource(options: LocalNotionOptions = {}) {
  const notion = await start(options);
  const client = clientOf(notion);
  const dataSourceId = await createDataSource(client, notion.parentPageId);
  const retrieve = (c: Client = client) => outcome(c.dataSources.retrieve({ data_source_id: dataSourceId }));
  const burst = (n: number, c: Client = client) => Promise.all(Array.from({ length: n }, () => retrieve(c)));
  return { notion, client, dataSourceId, retrieve, burst };
}

describe('rate limits', () => {
  it('window: exactly N requests in a window, then 429 naming the connection limit, Retry-After in whole seconds', async () => {
    const { notion, burst } = await withDataSource();
    notion.setRateLimit({ model: 'window', requests: 5, windowSeconds: 0.5 });
    const outcomes = await burst(8);
    expect(count(outcomes, 200)).toBe(5);
    const refused = outcomes.filter((o) => o.status === 429);
    expect(refused).toHaveLength(3);
    // Under a second to the reset is still "1": Notion sends whole seconds, rounded up.
    for (const o of refused) expect(o).toMatchObject({ code: 'rate_limited', reason: CONNECTION, retryAfter: '1' });
    expect(notion.rateLimited()).toEqual({ connection: 3, workspace: 0, endpoint: 0, blocked: 0 });
    expect(notion.requests.filter((r) => r.status === 429).map((r) => r.rateLimitReason)).toEqual([CONNECTION, CONNECTION, CONNECTION]);
  });

  it('window: a refused request costs nothing, Retry-After can be exact, and the next window holds N more', async () => {
    const { notion, retrieve, burst } = await withDataSource();
    notion.setRateLimit({ model: 'window', requests: 4, windowSeconds: 0.5, retryAfter: 'exact' });
    notion.injectNext('GET /v1/data_sources/:id', 'rate_limited', 2);
    const injected = [await retrieve(), await retrieve()];
    for (const o of injected) expect(o).toMatchObject({ status: 429, reason: CONNECTION, retryAfter: expect.stringMatching(/^0\.\d{1,3}$/) });
    // The two refusals spent nothing: the whole budget is still there.
    expect(count(await burst(4), 200)).toBe(4);
    const over = await retrieve();
    expect(over).toMatchObject({ status: 429, reason: CONNECTION, retryAfter: expect.stringMatching(/^0\.\d{1,3}$/) });
    const waitSeconds = Number(over.retryAfter);
    expect(waitSeconds).toBeGreaterThan(0);
    expect(waitSeconds).toBeLessThanOrEqual(0.5);

    await sleep(waitSeconds * 1000 + 10);
    const next = await burst(5);
    expect(count(next, 200)).toBe(4);
    expect(count(next, 429)).toBe(1);
    expect(notion.rateLimited()).toEqual({ connection: 4, workspace: 0, endpoint: 0, blocked: 0 });
  });

  it('token bucket (the older model): small bursts, then 429 naming the connection limit', async () => {
    const { notion, burst } = await withDataSource();
    notion.setRateLimit({ requestsPerSecond: 1, burst: 2 });
    const outcomes = await burst(3);
    expect(count(outcomes, 200)).toBe(2);
    expect(outcomes.find((o) => o.status === 429)).toMatchObject({ reason: CONNECTION, retryAfter: '1' });
  });

  it('the workspace limit is shared by every connection; a request refused by one limit costs nothing in the other', async () => {
    const { notion, retrieve, burst } = await withDataSource();
    notion.setRateLimit({ model: 'window', requests: 2, windowSeconds: 5 });
    notion.setWorkspaceLimit({ requests: 3, windowSeconds: 0.5 });
    const other = clientOf(notion, notion.addToken());

    // Connection A: two in, the third refused by its own limit, so the workspace counted two.
    const first = await burst(3);
    expect(count(first, 200)).toBe(2);
    expect(first.find((o) => o.status === 429)).toMatchObject({ reason: CONNECTION });
    // Connection B has a budget of its own, but takes the workspace's last request.
    expect(await retrieve(other)).toEqual({ status: 200 });
    expect(await retrieve(other)).toMatchObject({ status: 429, code: 'rate_limited', reason: WORKSPACE, retryAfter: '1' });
    expect(await retrieve()).toMatchObject({ status: 429, reason: CONNECTION });

    // After the workspace window, B still has one request: the workspace's refusal spent none of its budget.
    await sleep(500);
    const later = await burst(2, other);
    expect(count(later, 200)).toBe(1);
    expect(later.find((o) => o.status === 429)).toMatchObject({ reason: CONNECTION });
    expect(notion.rateLimited()).toEqual({ connection: 3, workspace: 1, endpoint: 0, blocked: 0 });
  });

  it('the workspace Retry-After is the configured one when set, and may exceed a minute', async () => {
    const { burst } = await withDataSource({ workspaceLimit: { requests: 1, windowSeconds: 60, retryAfterSeconds: 75 } });
    // Creating the database opened the workspace window and spent its one request.
    const outcomes = await burst(2);
    expect(outcomes).toEqual([
      expect.objectContaining({ status: 429, reason: WORKSPACE, retryAfter: '75' }),
      expect.objectContaining({ status: 429, reason: WORKSPACE, retryAfter: '75' }),
    ]);
  });

  it('a token the workspace does not know is refused with 401', async () => {
    const { notion, retrieve } = await withDataSource();
    expect(await retrieve(clientOf(notion, 'ntn_someone_else'))).toMatchObject({ status: 401, code: 'unauthorized' });
  });

  it('an injected workspace 429 answers one request with workspaceRetryAfterSeconds (default 90)', async () => {
    const plain = await withDataSource();
    plain.notion.injectNext('GET /v1/data_sources/:id', 'workspace_rate_limited');
    expect(await plain.retrieve()).toMatchObject({ status: 429, code: 'rate_limited', reason: WORKSPACE, retryAfter: '90' });
    expect(await plain.retrieve()).toEqual({ status: 200 });
    expect(plain.notion.rateLimited()).toEqual({ connection: 0, workspace: 1, endpoint: 0, blocked: 0 });

    const scaled = await withDataSource({ workspaceRetryAfterSeconds: 1.5 });
    scaled.notion.injectNext('GET /v1/data_sources/:id', 'workspace_rate_limited');
    expect(await scaled.retrieve()).toMatchObject({ status: 429, reason: WORKSPACE, retryAfter: '1.5' });
  });
});

describe("one endpoint's own limit, and a blocked integration", () => {
  it('an endpoint limit refuses only that endpoint, naming it, with Retry-After; what it refuses costs the connection nothing', async () => {
    const { notion, client, dataSourceId, retrieve } = await withDataSource({ endpointLimits: { 'POST /v1/pages': { requests: 2, windowSeconds: 60 } } });
    notion.setRateLimit({ model: 'window', requests: 4, windowSeconds: 60 });
    const create = () =>
      outcome(client.pages.create({ parent: { type: 'data_source_id', data_source_id: dataSourceId }, properties: { Quote: { title: [{ text: { content: 'q' } }] } } as never }));
    // The endpoint's window opens at its first request; the connection's at the next request after setRateLimit.
    expect([await create(), await create()].map((o) => o.status)).toEqual([200, 200]);
    const refused = await create();
    expect(refused).toMatchObject({ status: 429, code: 'rate_limited', reason: 'public_api_endpoint_rate_limit', retryAfter: expect.stringMatching(/^\d+$/) });
    // Other endpoints go on, within the connection's budget (2 of 4 spent: the refused create cost nothing).
    expect([await retrieve(), await retrieve()].map((o) => o.status)).toEqual([200, 200]);
    expect((await retrieve()).reason).toBe(CONNECTION);
    expect(notion.rateLimited()).toEqual({ connection: 1, workspace: 0, endpoint: 1, blocked: 0 });
  });

  it('a blocked integration answers every request 429 public_api_request_blocked, without Retry-After, until unblocked', async () => {
    const { notion, retrieve } = await withDataSource();
    notion.blockIntegration();
    for (let i = 0; i < 2; i++) expect(await retrieve()).toMatchObject({ status: 429, code: 'rate_limited', reason: 'public_api_request_blocked', retryAfter: null });
    notion.unblock();
    expect(await retrieve()).toEqual({ status: 200 });
    expect(notion.rateLimited().blocked).toBe(2);
  });
});

describe('the query result cap', () => {
  type QueryPage = { results: { id: string }[]; has_more: boolean; next_cursor: string | null; request_status?: unknown };

  /** Every page of a query, followed by its cursors as a client would. */
  async function pagesOf(client: Client, args: QueryDataSourceParameters): Promise<QueryPage[]> {
    const pages: QueryPage[] = [];
    let cursor: string | undefined;
    do {
      const page = (await client.dataSources.query({ ...args, page_size: 100, ...(cursor ? { start_cursor: cursor } : {}) })) as QueryPage;
      pages.push(page);
      cursor = page.has_more ? (page.next_cursor ?? undefined) : undefined;
    } while (cursor);
    return pages;
  }

  const INCOMPLETE = { type: 'incomplete', incomplete_reason: 'query_result_limit_reached' };

  it('stops pagination at the cap and marks every page of a capped query incomplete', async () => {
    const { notion, client, dataSourceId } = await withDataSource({ queryResultLimit: 250 });
    // 600 pages, 300 of them "big": both the whole data source and "big" are past the cap of 250.
    notion.seedPages(dataSourceId, [
      ...Array.from({ length: 300 }, (_, i) => quoteProperties(i, 'big')),
      ...Array.from({ length: 120 }, (_, i) => quoteProperties(300 + i, 'small')),
      ...Array.from({ length: 180 }, (_, i) => quoteProperties(420 + i, 'rest')),
    ]);

    const all = await pagesOf(client, { data_source_id: dataSourceId });
    expect(all.map((p) => p.results.length)).toEqual([100, 100, 50]);
    expect(all.at(-1)).toMatchObject({ has_more: false, next_cursor: null });
    for (const page of all) expect(page.request_status).toEqual(INCOMPLETE);
    expect(new Set(all.flatMap((p) => p.results.map((r) => r.id))).size).toBe(250);

    const big = await pagesOf(client, { data_source_id: dataSourceId, filter: { property: 'Category', select: { equals: 'big' } } });
    expect(big.map((p) => p.results.length)).toEqual([100, 100, 50]);
    for (const page of big) expect(page.request_status).toEqual(INCOMPLETE);
  });

  it('answers a query under the cap completely, without request_status', async () => {
    const { notion, client, dataSourceId } = await withDataSource({ queryResultLimit: 250 });
    notion.seedPages(dataSourceId, [
      ...Array.from({ length: 400 }, (_, i) => quoteProperties(i, 'big')),
      ...Array.from({ length: 120 }, (_, i) => quoteProperties(400 + i, 'small')),
      ...Array.from({ length: 250 }, (_, i) => quoteProperties(520 + i, 'exact')),
    ]);
    const small = await pagesOf(client, { data_source_id: dataSourceId, filter: { property: 'Category', select: { equals: 'small' } } });
    expect(small.map((p) => p.results.length)).toEqual([100, 20]);
    for (const page of small) expect(page).not.toHaveProperty('request_status');
    // Exactly the cap is not past it: the query is complete.
    const exact = await pagesOf(client, { data_source_id: dataSourceId, filter: { property: 'Category', select: { equals: 'exact' } } });
    expect(exact.map((p) => p.results.length)).toEqual([100, 100, 50]);
    for (const page of exact) expect(page).not.toHaveProperty('request_status');
  });
});

describe('property ids', () => {
  async function schemaIds(seed: number): Promise<{ notion: LocalNotion; client: Client; dataSourceId: string; ids: Record<string, string> }> {
    const notion = await start({ seed });
    const client = clientOf(notion);
    const dataSourceId = await createDataSource(client, notion.parentPageId);
    const ds = await client.dataSources.retrieve({ data_source_id: dataSourceId });
    const ids = Object.fromEntries(Object.entries(ds.properties).map(([name, p]) => [name, p.id]));
    return { notion, client, dataSourceId, ids };
  }

  it('come URL-encoded in responses, the title as `title`, the same for the same seed', async () => {
    const { notion, client, dataSourceId, ids } = await schemaIds(7);
    expect(Object.keys(ids)).toHaveLength(10);
    expect(ids.Quote).toBe('title');
    for (const id of Object.values(ids)) expect(encodeURIComponent(decodeURIComponent(id))).toBe(id);
    expect(Object.values(ids).filter((id) => /%[0-9A-F]{2}/.test(id)).length).toBeGreaterThan(0);
    expect(new Set(Object.values(ids)).size).toBe(10);

    const page = await client.pages.create({ parent: { data_source_id: dataSourceId }, properties: quoteProperties(1) as never });
    const pageIds = Object.fromEntries(Object.entries((page as { properties: Record<string, { id: string }> }).properties).map(([n, p]) => [n, p.id]));
    expect(pageIds).toEqual(ids);
    expect(notion.pages(dataSourceId)[0]).toMatchObject({ properties: { 'Quote ID': { id: ids['Quote ID'] } } });

    expect((await schemaIds(7)).ids).toEqual(ids);
  });

  it('filter_properties takes an id as received and returns only that property; an unknown one is a 400', async () => {
    const { notion, client, dataSourceId, ids } = await schemaIds(7);
    notion.seedPages(dataSourceId, [quoteProperties(1), quoteProperties(2)]);
    // Sharpest when the decoded id holds a `%` itself: decoding it a second time would fail.
    const entries = Object.entries(ids);
    const [name, id] = entries.find(([, v]) => v.includes('%25')) ?? entries.find(([, v]) => /%[0-9A-F]{2}/.test(v))!;

    const query = await client.dataSources.query({ data_source_id: dataSourceId, filter_properties: [id] });
    expect(query.results).toHaveLength(2);
    for (const page of query.results) expect(Object.keys((page as { properties: object }).properties)).toEqual([name]);
    const one = await client.pages.retrieve({ page_id: query.results[0]!.id, filter_properties: [id, 'Quote ID'] });
    expect(Object.keys((one as { properties: object }).properties).sort()).toEqual([name, 'Quote ID'].sort());

    const unknown = await outcome(client.dataSources.query({ data_source_id: dataSourceId, filter_properties: ['zz9z'] }));
    expect(unknown).toMatchObject({ status: 400, code: 'validation_error', message: 'Could not find property with name or id: zz9z' });
  });

  it('a filter or a page body names a property by its name or its id, encoded or decoded', async () => {
    const { client, dataSourceId, ids } = await schemaIds(7);
    const quoteId = ids['Quote ID']!;
    const body = (key: string, n: number) => ({
      Quote: { title: [{ type: 'text', text: { content: `Quote ${n}` } }] },
      [key]: { rich_text: [{ type: 'text', text: { content: `q-${n}` } }] },
    });
    for (const [n, key] of [quoteId, decodeURIComponent(quoteId), 'Quote ID'].entries()) {
      await client.pages.create({ parent: { data_source_id: dataSourceId }, properties: body(key, n) as never });
    }
    for (const key of [quoteId, decodeURIComponent(quoteId), 'Quote ID']) {
      const found = await client.dataSources.query({ data_source_id: dataSourceId, filter: { property: key, rich_text: { equals: 'q-1' } } });
      expect(found.results).toHaveLength(1);
    }
    const missing = await outcome(
      client.dataSources.query({ data_source_id: dataSourceId, filter: { property: 'Nope', rich_text: { equals: 'x' } } }),
    );
    expect(missing).toMatchObject({ status: 400, message: 'Could not find property with name or id: Nope' });
  });
});

describe('seedPages', () => {
  // Speed is the benchmark's to measure (npm run bench seeds 20,000); here, what it does.
  it('puts 20,000 pages in without HTTP, and an `or` of 100 ids finds exactly those', async () => {
    const { notion, client, dataSourceId } = await withDataSource();
    const requestsBefore = notion.requests.length;
    notion.seedPages(
      dataSourceId,
      Array.from({ length: 20_000 }, (_, i) => quoteProperties(i)),
    );
    expect(notion.requests.length).toBe(requestsBefore);
    expect(notion.propertyTexts(dataSourceId, 'Quote ID')).toHaveLength(20_000);

    const wanted = Array.from({ length: 100 }, (_, i) => `q-${i * 199 + 3}`);
    const found = await client.dataSources.query({
      data_source_id: dataSourceId,
      filter: { or: wanted.map((id) => ({ property: 'Quote ID', rich_text: { equals: id } })) },
    });
    expect(found.has_more).toBe(false);
    const texts = found.results.map((page) => {
      const value = (page as unknown as { properties: Record<string, { rich_text: { plain_text: string }[] }> }).properties['Quote ID']!;
      return value.rich_text[0]!.plain_text;
    });
    expect(texts.sort()).toEqual([...wanted].sort());
  });

  it('validates like a create, and adds nothing when one page is invalid', async () => {
    const { notion, dataSourceId } = await withDataSource();
    expect(() => notion.seedPages(dataSourceId, [quoteProperties(1), { Nope: { rich_text: [] } }])).toThrow('Nope is not a property that exists.');
    expect(() => notion.seedPages(dataSourceId, [{ Category: { select: { name: 'a,b' } } }])).toThrow(/commas not allowed/);
    expect(notion.pages(dataSourceId)).toEqual([]);
  });
});

describe('page updates (PATCH /v1/pages/{id})', () => {
  afterEach(async () => {
    vi.useRealTimers();
  });

  type PageProperties = Record<string, Record<string, unknown> & { id: string }>;
  type PageBody = { id: string; created_time: string; last_edited_time: string; in_trash: boolean; properties: PageProperties };

  const text = (content: string) => [{ type: 'text' as const, text: { content } }];
  const plain = (value: Record<string, unknown> | undefined) =>
    ((value?.rich_text ?? value?.title ?? []) as { plain_text: string }[]).map((t) => t.plain_text).join('');

  /** A data source with `count` pages, each with a title, a Quote ID, a category, a relevance (n / 10), a justification, a URL and a date. */
  async function withPages(count = 3) {
    const { notion, client, dataSourceId } = await withDataSource();
    notion.seedPages(
      dataSourceId,
      Array.from({ length: count }, (_, i) => i + 1).map((n) => ({
        ...quoteProperties(n),
        Relevance: { number: n / 10 },
        Justification: { rich_text: text(`Because ${n}`) },
        'Reddit URL': { url: `https://reddit.com/r/x/${n}` },
        'Date Added': { date: { start: `2025-01-${String(n).padStart(2, '0')}` } },
      })),
    );
    const ids = notion.pages(dataSourceId).map((p) => String(p.id));
    const update = (pageId: string, properties: Record<string, unknown>, c: Client = client) =>
      c.pages.update({ page_id: pageId, properties } as UpdatePageParameters) as Promise<PageBody>;
    const retrieve = async (pageId: string) => (await client.pages.retrieve({ page_id: pageId })) as PageBody;
    return { notion, client, dataSourceId, ids, update, retrieve };
  }

  it('sets only the properties given, by name or id, keeps the rest, and answers the page as GET does', async () => {
    const { notion, client, dataSourceId, ids, update, retrieve } = await withPages();
    const propertyIds = Object.fromEntries(
      Object.entries((await client.dataSources.retrieve({ data_source_id: dataSourceId })).properties).map(([name, p]) => [name, p.id]),
    );
    const before = await retrieve(ids[0]!);
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2030-01-02T03:04:05.678Z'));

    const answer = await update(ids[0]!, {
      Relevance: { number: 0.95 },
      [propertyIds.Category!]: { select: { name: 'Pricing' } },
      [decodeURIComponent(propertyIds.Justification!)]: { rich_text: text('Re-scored') },
    });

    expect(answer).toEqual(await retrieve(ids[0]!));
    expect(answer.properties.Relevance).toMatchObject({ id: propertyIds.Relevance, number: 0.95 });
    expect(answer.properties.Category).toMatchObject({ select: { name: 'Pricing' } });
    expect(plain(answer.properties.Justification)).toBe('Re-scored');
    const kept = Object.keys(before.properties).filter((name) => !['Relevance', 'Category', 'Justification'].includes(name));
    expect(kept).toHaveLength(7);
    for (const name of kept) expect(answer.properties[name]).toEqual(before.properties[name]);
    expect(answer.created_time).toBe(before.created_time);
    expect(answer.last_edited_time).toBe('2030-01-02T03:04:05.678Z');
    // The other pages were not touched.
    expect(notion.editedPageIds()).toEqual([ids[0]]);
    const untouched = await retrieve(ids[1]!);
    expect(untouched.last_edited_time).toBe(untouched.created_time);
  });

  it('select, number, rich_text, url, date and the title round-trip, and null clears', async () => {
    const { ids, update, retrieve } = await withPages();
    const long = 'x'.repeat(2000);
    await update(ids[0]!, {
      Quote: { title: text('A new title') },
      Sentiment: { select: { name: 'negative' } },
      Relevance: { number: 0 },
      'Post Title': { rich_text: [...text(long), ...text('!')] },
      'Reddit URL': { url: 'https://reddit.com/'.padEnd(2000, 'p') },
      'Date Added': { date: { start: '2025-06-01T10:00:00.000+02:00', end: '2025-06-02', time_zone: null } },
    });
    const page = (await retrieve(ids[0]!)).properties;
    expect(plain(page.Quote)).toBe('A new title');
    expect(page.Sentiment).toMatchObject({ type: 'select', select: { name: 'negative', color: 'default' } });
    expect(page.Relevance).toMatchObject({ type: 'number', number: 0 });
    expect(plain(page['Post Title'])).toBe(`${long}!`);
    expect(page['Reddit URL']!.url).toBe('https://reddit.com/'.padEnd(2000, 'p'));
    expect(page['Date Added']!.date).toEqual({ start: '2025-06-01T10:00:00.000+02:00', end: '2025-06-02', time_zone: null });

    await update(ids[0]!, { Sentiment: { select: null }, Relevance: { number: null }, 'Reddit URL': { url: null }, 'Date Added': { date: null } });
    const cleared = (await retrieve(ids[0]!)).properties;
    expect([cleared.Sentiment!.select, cleared.Relevance!.number, cleared['Reddit URL']!.url, cleared['Date Added']!.date]).toEqual([
      null,
      null,
      null,
      null,
    ]);
    expect(plain(cleared.Quote)).toBe('A new title');
  });

  it('validates like a create, all or nothing: an unknown property or a value over a limit is a 400 and nothing changes', async () => {
    const { notion, ids, update, retrieve } = await withPages();
    const before = await retrieve(ids[0]!);
    const refused: [Record<string, unknown>, string | RegExp][] = [
      [{ Relevance: { number: 0.5 }, Nope: { rich_text: text('x') } }, 'Nope is not a property that exists.'],
      [{ Justification: { rich_text: text('x'.repeat(2001)) } }, /text\.content\.length should be ≤ `2000`, instead was `2001`/],
      [{ Justification: { rich_text: Array.from({ length: 101 }, () => text('x')[0]) } }, /rich_text\.length should be ≤ `100`/],
      [{ Category: { select: { name: 'a,b' } } }, 'Invalid select option, commas not allowed: a,b'],
      [{ Category: { select: { name: 'c'.repeat(101) } } }, /select\.name\.length should be ≤ `100`/],
      [{ Relevance: { number: 'high' } }, /number should be a number or `null`/],
      [{ 'Reddit URL': { url: 'https://x/'.padEnd(2001, 'u') } }, /url\.length should be ≤ `2000`, instead was `2001`/],
      [{ 'Date Added': { date: { start: 'yesterday' } } }, /date\.start should be a valid ISO 8601 date string/],
    ];
    for (const [properties, message] of refused) {
      const answer = await outcome(update(ids[0]!, properties));
      expect(answer).toMatchObject({ status: 400, code: 'validation_error' });
      expect(answer.message).toMatch(message);
    }
    expect(await retrieve(ids[0]!)).toEqual(before);
    expect(notion.editedPageIds()).toEqual([]);
    expect(notion.requests.filter((r) => r.route === 'PATCH /v1/pages/:id').map((r) => r.applied)).toEqual(refused.map(() => false));
  });

  it('a page that does not exist is a 404; one in the trash, or in a trashed database, is a 400 until restored', async () => {
    const { notion, client, dataSourceId, ids, update } = await withPages();
    const missing = '0b4e2f6c-4d8a-4c4b-9a1e-3f1d2c5b6a7e';
    expect(await outcome(update(missing, { Relevance: { number: 1 } }))).toMatchObject({
      status: 404,
      code: 'object_not_found',
      message: `Could not find page with ID: ${missing}. Make sure the relevant pages and databases are shared with your integration.`,
    });

    const ARCHIVED = "Can't edit block that is archived. You must unarchive the block before editing.";
    await client.pages.update({ page_id: ids[0]!, in_trash: true });
    expect(notion.pages(dataSourceId).map((p) => p.id)).toEqual(ids.slice(1));
    expect(await outcome(update(ids[0]!, { Relevance: { number: 1 } }))).toMatchObject({ status: 400, code: 'validation_error', message: ARCHIVED });
    // Restoring is the one edit a trashed page takes; the dashes of its id are optional.
    const restored = (await client.pages.update({ page_id: ids[0]!.replace(/-/g, ''), in_trash: false })) as PageBody;
    expect(restored.in_trash).toBe(false);
    expect(await outcome(update(ids[0]!, { Relevance: { number: 1 } }))).toEqual({ status: 200 });

    notion.trashDatabase(notion.databaseIds()[0]!);
    for (const id of ids) {
      expect(await outcome(update(id, { Relevance: { number: 2 } }))).toMatchObject({ status: 400, message: ARCHIVED });
      expect(await outcome(client.pages.update({ page_id: id, in_trash: false }))).toMatchObject({ status: 400, message: ARCHIVED });
    }
    expect(notion.editedPageIds()).toEqual([ids[0], ids[0], ids[0]]);
  });

  it('injected faults: a 409 or a 5xx changes nothing; applied-then-5xx, a lost response and a hang change the page', async () => {
    const { notion, ids, update, retrieve } = await withPages();
    const route = 'PATCH /v1/pages/:id';
    const relevance = async (pageId: string) => (await retrieve(pageId)).properties.Relevance!.number;

    notion.injectNext(route, 'conflict');
    expect(await outcome(update(ids[0]!, { Relevance: { number: 0.7 } }))).toMatchObject({ status: 409, code: 'conflict_error' });
    notion.injectNext(route, 'server_error');
    expect((await outcome(update(ids[0]!, { Relevance: { number: 0.7 } }))).status).toBeGreaterThanOrEqual(500);
    expect(await relevance(ids[0]!)).toBe(0.1);

    notion.injectNext(route, 'server_error_applied');
    expect((await outcome(update(ids[0]!, { Relevance: { number: 0.7 } }))).status).toBeGreaterThanOrEqual(500);
    expect(await relevance(ids[0]!)).toBe(0.7);

    notion.injectNext(route, 'lost_response');
    const lost = await update(ids[1]!, { Relevance: { number: 0.8 } }).catch((error: unknown) => error);
    expect(lost).toBeInstanceOf(Error);
    expect(APIResponseError.isAPIResponseError(lost)).toBe(false);
    expect(await relevance(ids[1]!)).toBe(0.8);

    notion.injectNext(route, 'hang');
    const impatient = new Client({ auth: notion.token, baseUrl: notion.url, retry: false, timeoutMs: 200, logger: () => undefined });
    const hung = await update(ids[2]!, { Relevance: { number: 0.9 } }, impatient).catch((error: unknown) => error);
    expect(RequestTimeoutError.isRequestTimeoutError(hung)).toBe(true);
    expect(await relevance(ids[2]!)).toBe(0.9);

    const patches = notion.requests.filter((r) => r.route === route);
    const status = (r: (typeof patches)[number]) => (typeof r.status === 'number' && r.status >= 500 ? '5xx' : r.status);
    expect(patches.map((r) => [status(r), r.applied])).toEqual([
      [409, false],
      ['5xx', false],
      ['5xx', true],
      ['lost', true],
      ['hang', true],
    ]);
    expect(notion.editedPageIds()).toEqual([ids[0], ids[1], ids[2]]);
  });

  it('random faults draw on updates as on creates: conflicts, applied 5xx and lost responses', async () => {
    const { notion, ids, update, retrieve } = await withPages();
    notion.setFaults({ conflictRate: 1 });
    expect(await outcome(update(ids[0]!, { Relevance: { number: 0.5 } }))).toMatchObject({ status: 409, code: 'conflict_error' });
    notion.setFaults({ serverErrorRate: 1, serverErrorAppliedRate: 1 });
    expect((await outcome(update(ids[0]!, { Relevance: { number: 0.5 } }))).status).toBeGreaterThanOrEqual(500);
    notion.setFaults({ lostResponseRate: 1 });
    await expect(update(ids[1]!, { Relevance: { number: 0.6 } })).rejects.toThrow();
    notion.setFaults({});
    expect((await retrieve(ids[0]!)).properties.Relevance!.number).toBe(0.5);
    expect((await retrieve(ids[1]!)).properties.Relevance!.number).toBe(0.6);
    expect(notion.editedPageIds()).toEqual([ids[0], ids[1]]);
  });

  it('a rate-limited update costs nothing and changes nothing', async () => {
    const { notion, ids, update, retrieve } = await withPages();
    notion.setRateLimit({ model: 'window', requests: 2, windowSeconds: 30 });
    notion.injectNext('PATCH /v1/pages/:id', 'rate_limited');
    expect(await outcome(update(ids[0]!, { Relevance: { number: 0.5 } }))).toMatchObject({ status: 429, reason: CONNECTION });
    // The refusal spent nothing: both requests of the window are still there.
    expect(await outcome(update(ids[1]!, { Relevance: { number: 0.6 } }))).toEqual({ status: 200 });
    expect(await outcome(update(ids[2]!, { Relevance: { number: 0.7 } }))).toEqual({ status: 200 });
    expect(await outcome(update(ids[0]!, { Relevance: { number: 0.5 } }))).toMatchObject({ status: 429, reason: CONNECTION });
    notion.setRateLimit(false);
    expect((await retrieve(ids[0]!)).properties.Relevance!.number).toBe(0.1);
    expect(notion.editedPageIds()).toEqual([ids[1], ids[2]]);
    expect(notion.requests.filter((r) => r.status === 429).map((r) => r.applied)).toEqual([false, false]);
  });

  it('editedPageIds lists exactly the pages updated, in order, with repeats; the others keep their last_edited_time', async () => {
    const { notion, dataSourceId, ids, update } = await withPages(6);
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2030-05-06T07:08:09.000Z'));
    for (const i of [4, 1, 4]) {
      await update(ids[i]!, { Category: { select: { name: `edit-${i}` } } });
    }
    expect(notion.editedPageIds()).toEqual([ids[4], ids[1], ids[4]]);
    const edited = notion
      .pages(dataSourceId)
      .filter((p) => p.last_edited_time !== p.created_time)
      .map((p) => p.id);
    expect(edited).toEqual([ids[1], ids[4]]);
  });
});

describe('property types (a database a person made by hand)', () => {
  type Value = Record<string, unknown> & { id: string; type: string };
  type PageBody = { id: string; created_time: string; last_edited_time: string; created_by: unknown; properties: Record<string, Value> };
  type Schema = Record<string, unknown> & { id: string; name: string; type: string; description: unknown };
  type Option = { id: string; name: string; color: string; description?: unknown };

  afterEach(() => {
    vi.useRealTimers();
  });

  const text = (content: string) => [{ type: 'text' as const, text: { content } }];

  /** A person's own tasks database: the title is `Name`, and most of the types Notion has. */
  const PERSONAL: NonNullable<CreateDatabaseParameters['initial_data_source']>['properties'] = {
    Name: { type: 'title', title: {} },
    Tags: { type: 'multi_select', multi_select: { options: [{ name: 'reddit', color: 'orange' }] } },
    Link: { type: 'url', url: {} },
    Notes: { type: 'rich_text', rich_text: {} },
    Score: { type: 'number', number: { format: 'percent' } },
    Done: { type: 'checkbox', checkbox: {} },
    Stage: { type: 'status', status: {} },
    Formula: { type: 'formula', formula: { expression: 'prop("Score") * 2' } },
    Created: { type: 'created_time', created_time: {} },
    Kind: { type: 'select', select: { options: [] } },
    Due: { type: 'date', date: {} },
    Email: { type: 'email', email: {} },
    Phone: { type: 'phone_number', phone_number: {} },
    Owner: { type: 'people', people: {} },
    Attachments: { type: 'files', files: {} },
    Creator: { type: 'created_by', created_by: {} },
    Edited: { type: 'last_edited_time', last_edited_time: {} },
    Editor: { type: 'last_edited_by', last_edited_by: {} },
    Ticket: { type: 'unique_id', unique_id: { prefix: 'QS' } },
    Publish: { type: 'button', button: {} },
    Verified: { type: 'verification', verification: {} },
  };

  async function personalDatabase(properties = PERSONAL) {
    const notion = await start();
    const client = clientOf(notion);
    const db = await client.databases.create({
      parent: { type: 'page_id', page_id: notion.parentPageId },
      title: [{ type: 'text', text: { content: 'My tasks' } }],
      initial_data_source: { properties },
    });
    const dataSourceId = (db as { data_sources: { id: string }[] }).data_sources[0]!.id;
    const schema = async () =>
      (await client.dataSources.retrieve({ data_source_id: dataSourceId })).properties as unknown as Record<string, Schema>;
    const create = async (props: Record<string, unknown>) =>
      (await client.pages.create({ parent: { data_source_id: dataSourceId }, properties: props as never })) as unknown as PageBody;
    const update = async (pageId: string, props: Record<string, unknown>) =>
      (await client.pages.update({ page_id: pageId, properties: props } as UpdatePageParameters)) as unknown as PageBody;
    const retrieve = async (pageId: string) => (await client.pages.retrieve({ page_id: pageId })) as unknown as PageBody;
    return { notion, client, dataSourceId, schema, create, update, retrieve };
  }

  /** Every writable property of PERSONAL set. */
  function everyValue(botUserId: string): Record<string, unknown> {
    return {
      Name: { title: text('Write the digest') },
      Tags: { multi_select: [{ name: 'reddit' }, { name: 'new tag' }] },
      Link: { url: 'https://example.com/digest' },
      Notes: { rich_text: text('Before Friday') },
      Score: { number: 0.75 },
      Done: { checkbox: true },
      Stage: { status: { name: 'In progress' } },
      Kind: { select: { name: 'chore' } },
      Due: { date: { start: '2030-03-01' } },
      Email: { email: 'me@example.com' },
      Phone: { phone_number: '+44 20 7946 0000' },
      Owner: { people: [{ object: 'user', id: botUserId }] },
      Attachments: { files: [{ name: 'brief.pdf', external: { url: 'https://example.com/brief.pdf' } }] },
    };
  }

  it('accepts every documented property type and answers each schema as Notion does', async () => {
    const { schema } = await personalDatabase();
    const properties = await schema();
    expect(Object.keys(properties).sort()).toEqual(Object.keys(PERSONAL).sort());
    for (const [name, p] of Object.entries(properties)) {
      expect(p).toMatchObject({ name, type: (PERSONAL[name] as { type: string }).type, description: null });
      expect(p).toHaveProperty(p.type);
      expect(encodeURIComponent(decodeURIComponent(p.id))).toBe(p.id);
    }
    expect(properties.Name!.id).toBe('title');
    expect((properties.Tags!.multi_select as { options: Option[] }).options).toEqual([
      { id: expect.any(String), name: 'reddit', color: 'orange', description: null },
    ]);
    expect(properties.Score!.number).toEqual({ format: 'percent' });
    expect(properties.Formula!.formula).toEqual({ expression: 'prop("Score") * 2' });
    expect(properties.Ticket!.unique_id).toEqual({ prefix: 'QS' });
    for (const name of ['Link', 'Notes', 'Done', 'Created', 'Due', 'Email', 'Phone', 'Owner', 'Creator', 'Publish', 'Verified']) {
      expect(properties[name]![properties[name]!.type]).toEqual({});
    }
    // A status made without options gets Notion's three, each in its group.
    const status = properties.Stage!.status as { options: Option[]; groups: { name: string; color: string; option_ids: string[] }[] };
    expect(status.options.map((o) => [o.name, o.color])).toEqual([
      ['Not started', 'default'],
      ['In progress', 'blue'],
      ['Done', 'green'],
    ]);
    expect(status.groups.map((g) => [g.name, g.color, g.option_ids])).toEqual([
      ['To-do', 'gray', [status.options[0]!.id]],
      ['In progress', 'blue', [status.options[1]!.id]],
      ['Complete', 'green', [status.options[2]!.id]],
    ]);
  });

  it('a page with each writable value round-trips; the rest come back empty or computed', async () => {
    const { notion, client, dataSourceId, schema, create, update, retrieve } = await personalDatabase();
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2030-01-02T03:04:05.000Z'));
    const full = await create(everyValue(notion.botUserId));
    expect(await retrieve(full.id)).toEqual(full);
    const queried = await client.dataSources.query({ data_source_id: dataSourceId });
    expect(queried.results).toEqual([full]);

    const p = full.properties;
    expect(Object.keys(p).sort()).toEqual(Object.keys(PERSONAL).sort());
    expect(p.Name).toMatchObject({ id: 'title', type: 'title', title: [{ plain_text: 'Write the digest' }] });
    expect(p.Notes).toMatchObject({ type: 'rich_text', rich_text: [{ plain_text: 'Before Friday' }] });
    // A new multi-select name makes an option, as a new select name does.
    const tagOptions = ((await schema()).Tags!.multi_select as { options: Option[] }).options;
    expect(tagOptions.map((o) => o.name)).toEqual(['reddit', 'new tag']);
    expect(p.Tags!.multi_select).toEqual(tagOptions.map(({ id, name, color }) => ({ id, name, color })));
    expect(p.Link!.url).toBe('https://example.com/digest');
    expect(p.Score!.number).toBe(0.75);
    expect(p.Done!.checkbox).toBe(true);
    expect(p.Stage!.status).toEqual({ id: expect.any(String), name: 'In progress', color: 'blue' });
    expect(p.Kind!.select).toMatchObject({ name: 'chore', color: 'default' });
    expect(p.Due!.date).toEqual({ start: '2030-03-01', end: null, time_zone: null });
    expect(p.Email!.email).toBe('me@example.com');
    expect(p.Phone!.phone_number).toBe('+44 20 7946 0000');
    const bot = { object: 'user', id: notion.botUserId, type: 'bot' };
    expect(p.Owner!.people).toEqual([expect.objectContaining(bot)]);
    expect(p.Attachments!.files).toEqual([{ name: 'brief.pdf', type: 'external', external: { url: 'https://example.com/brief.pdf' } }]);
    // The computed ones, from the page itself.
    expect(p.Created!.created_time).toBe('2030-01-02T03:04:05.000Z');
    expect(p.Edited!.last_edited_time).toBe('2030-01-02T03:04:05.000Z');
    expect(p.Creator!.created_by).toMatchObject(bot);
    expect(p.Editor!.last_edited_by).toMatchObject(bot);
    expect(full.created_by).toEqual({ object: 'user', id: notion.botUserId });
    expect(p.Ticket!.unique_id).toEqual({ prefix: 'QS', number: 1 });
    expect(p.Formula!.formula).toEqual({ type: 'string', string: null });
    expect(p.Publish!.button).toEqual({});
    expect(p.Verified!.verification).toEqual({ state: 'unverified', date: null, verified_by: null });

    // A page with only its title: every other property is there, empty.
    const bare = (await create({ Name: { title: text('Bare') } })).properties;
    expect(Object.keys(bare).sort()).toEqual(Object.keys(PERSONAL).sort());
    const values = (names: string[]) => names.map((name) => bare[name]![bare[name]!.type]);
    expect(values(['Tags', 'Notes', 'Owner', 'Attachments'])).toEqual([[], [], [], []]);
    expect(values(['Link', 'Score', 'Stage', 'Kind', 'Due', 'Email', 'Phone'])).toEqual([null, null, null, null, null, null, null]);
    expect(bare.Done!.checkbox).toBe(false);
    expect(bare.Ticket!.unique_id).toEqual({ prefix: 'QS', number: 2 });

    // Null and [] clear; last_edited_time follows the edit, created_time does not.
    vi.setSystemTime(new Date('2030-01-03T00:00:00.000Z'));
    const cleared = (
      await update(full.id, {
        Tags: { multi_select: [] },
        Done: { checkbox: false },
        Stage: { status: null },
        Email: { email: null },
        Phone: { phone_number: null },
        Owner: { people: [] },
        Attachments: { files: [] },
      })
    ).properties;
    expect([cleared.Tags!.multi_select, cleared.Done!.checkbox, cleared.Stage!.status, cleared.Email!.email]).toEqual([[], false, null, null]);
    expect([cleared.Phone!.phone_number, cleared.Owner!.people, cleared.Attachments!.files]).toEqual([null, [], []]);
    expect(cleared.Created!.created_time).toBe('2030-01-02T03:04:05.000Z');
    expect(cleared.Edited!.last_edited_time).toBe('2030-01-03T00:00:00.000Z');
    expect(cleared.Score!.number).toBe(0.75);
  });

  it('filters by status, checkbox and multi-select, and the filters the app uses still work', async () => {
    const { notion, client, dataSourceId } = await personalDatabase();
    notion.seedPages(dataSourceId, [
      everyValue(notion.botUserId),
      { Name: { title: text('Second') }, Stage: { status: { name: 'Done' } }, Tags: { multi_select: [{ name: 'other' }] } },
      { Name: { title: text('Third') }, Done: { checkbox: true }, Score: { number: 0.5 }, Kind: { select: { name: 'chore' } } },
    ]);
    const names = async (filter: QueryDataSourceParameters['filter']) =>
      (await client.dataSources.query({ data_source_id: dataSourceId, filter })).results.map(
        (r) => ((r as unknown as PageBody).properties.Name!.title as { plain_text: string }[])[0]!.plain_text,
      );
    expect(await names({ property: 'Stage', status: { equals: 'Done' } })).toEqual(['Second']);
    expect(await names({ property: 'Done', checkbox: { equals: true } })).toEqual(['Write the digest', 'Third']);
    expect(await names({ property: 'Tags', multi_select: { contains: 'reddit' } })).toEqual(['Write the digest']);
    expect(await names({ property: 'Kind', select: { equals: 'chore' } })).toEqual(['Write the digest', 'Third']);
    expect(await names({ property: 'Score', number: { equals: 0.5 } })).toEqual(['Third']);
    expect(
      await names({ or: [{ property: 'Name', title: { equals: 'Second' } }, { property: 'Notes', rich_text: { equals: 'Before Friday' } }] }),
    ).toEqual(['Write the digest', 'Second']);
  });

  it('writing a property Notion computes is a 400 that names it, and nothing is written', async () => {
    const { notion, dataSourceId, create, update } = await personalDatabase();
    const page = await create({ Name: { title: text('Kept') } });
    const before = notion.pages(dataSourceId);
    const refused: [Record<string, unknown>, RegExp][] = [
      // Notion's own answer to a key it cannot write: its request validation lists the keys it can.
      [{ Formula: { formula: { type: 'string', string: 'x' } } }, /^body failed validation\. Fix one:\nbody\.properties\.Formula\.title should be defined/],
      [{ Created: { created_time: '2024-01-01T00:00:00.000Z' } }, /body\.properties\.Created\.status should be defined, instead was `undefined`\./],
      [{ Ticket: { unique_id: { prefix: 'QS', number: 7 } } }, /^body failed validation\. Fix one:\nbody\.properties\.Ticket\.title/],
      [{ Editor: { last_edited_by: { object: 'user', id: notion.botUserId } } }, /Fix one:\nbody\.properties\.Editor\.title/],
      // A value of a writable shape for a computed property.
      [{ Formula: { rich_text: text('x') } }, /^Formula is a formula property: Notion computes its value, which can't be set or updated\.$/],
      [{ Created: { date: { start: '2024-01-01' } } }, /^Created is a created_time property/],
    ];
    for (const [properties, message] of refused) {
      for (const write of [create({ Name: { title: text('New') }, ...properties }), update(page.id, properties)]) {
        const answer = await outcome(write);
        expect(answer).toMatchObject({ status: 400, code: 'validation_error' });
        expect(answer.message).toMatch(message);
      }
    }
    expect(notion.pages(dataSourceId)).toEqual(before);
    expect(notion.editedPageIds()).toEqual([]);
  });

  it('a status takes an existing option by name or id; an unknown name is a 400 and adds no option', async () => {
    const { notion, dataSourceId, schema, create, update } = await personalDatabase();
    const page = await create({ Name: { title: text('Task') } });
    const unknown = await outcome(update(page.id, { Stage: { status: { name: 'Blocked' } } }));
    expect(unknown).toMatchObject({ status: 400, code: 'validation_error' });
    expect(unknown.message).toBe(
      `Invalid status option "Blocked" for property Stage: a status value must be one of its options (Not started, In progress, Done); the API can't add one.`,
    );
    expect(await outcome(create({ Name: { title: text('Other') }, Stage: { status: { name: 'Blocked' } } }))).toMatchObject({ status: 400 });
    expect(await outcome(update(page.id, { Stage: { status: { id: 'nope' } } }))).toMatchObject({ status: 400, code: 'validation_error' });
    const options = ((await schema()).Stage!.status as { options: Option[] }).options;
    expect(options.map((o) => o.name)).toEqual(['Not started', 'In progress', 'Done']);

    const done = options.find((o) => o.name === 'Done')!;
    expect((await update(page.id, { Stage: { status: { id: done.id } } })).properties.Stage!.status).toEqual({
      id: done.id,
      name: 'Done',
      color: 'green',
    });
    expect(notion.pages(dataSourceId)).toHaveLength(1);
  });

  it('a multi-select takes names without commas, of at most 100 characters, at most 100 of them; a refused write adds no option', async () => {
    const { schema, create, update } = await personalDatabase();
    const page = await create({ Name: { title: text('Task') }, Tags: { multi_select: [{ name: 'reddit' }] } });
    const tags = (n: number) => Array.from({ length: n }, (_, i) => ({ name: `tag ${i}` }));
    const refused: [unknown, string | RegExp][] = [
      [[{ name: 'fresh' }, { name: 'a,b' }], 'Invalid select option, commas not allowed: a,b'],
      [[{ name: 'fresh' }, { name: 'c'.repeat(101) }], /multi_select\[1\]\.name\.length should be ≤ `100`, instead was `101`/],
      [tags(101), /multi_select\.length should be ≤ `100`, instead was `101`/],
      [[{ id: 'nope' }], /multi_select\[0\]\.id: no option with id/],
      [[{ name: '' }], /multi_select\[0\]\.name should be a non-empty string/],
      [{ name: 'reddit' }, /multi_select should be an array/],
    ];
    for (const [value, message] of refused) {
      const answer = await outcome(update(page.id, { Tags: { multi_select: value } }));
      expect(answer).toMatchObject({ status: 400, code: 'validation_error' });
      expect(answer.message).toMatch(message);
    }
    const options = () => schema().then((s) => (s.Tags!.multi_select as { options: Option[] }).options);
    expect((await options()).map((o) => o.name)).toEqual(['reddit']);

    // The limits themselves are fine; an option named twice counts once; an id names an option.
    const reddit = (await options())[0]!;
    const written = await update(page.id, { Tags: { multi_select: [...tags(99), { name: 'd'.repeat(100) }] } });
    expect(written.properties.Tags!.multi_select).toHaveLength(100);
    const again = await update(page.id, { Tags: { multi_select: [{ id: reddit.id }, { name: 'reddit' }] } });
    expect(again.properties.Tags!.multi_select).toEqual([{ id: reddit.id, name: 'reddit', color: 'orange' }]);
  });

  it('checkbox, email, phone number, people and files values are checked against their shapes', async () => {
    const { create, update } = await personalDatabase();
    const page = await create({ Name: { title: text('Task') } });
    const refused: [Record<string, unknown>, RegExp][] = [
      [{ Done: { checkbox: 'yes' } }, /body\.properties\.Done\.checkbox should be a boolean, instead was `"yes"`/],
      [{ Done: { checkbox: null } }, /checkbox should be a boolean/],
      [{ Email: { email: 42 } }, /body\.properties\.Email\.email should be a string or `null`, instead was `42`/],
      [{ Email: { email: `${'e'.repeat(189)}@example.com` } }, /email\.length should be ≤ `200`, instead was `201`/],
      [{ Email: { email: '' } }, /email\.length should be ≥ `1`/],
      [{ Phone: { phone_number: '1'.repeat(201) } }, /phone_number\.length should be ≤ `200`, instead was `201`/],
      [{ Phone: { phone_number: 447946 } }, /phone_number should be a string or `null`/],
      [{ Owner: { people: [{ id: 'someone' }] } }, /people\[0\]\.id should be a valid uuid/],
      [{ Owner: { people: { id: 'someone' } } }, /people should be an array/],
      [{ Attachments: { files: [{ name: 'a.pdf', file_upload: { id: 'x' } }] } }, /files\[0\]\.file_upload: the local Notion has no file uploads/],
      [{ Attachments: { files: [{ external: { url: 'https://example.com/a.pdf' } }] } }, /files\[0\]\.name should be a string/],
      // A writable key of another type: the property's own is missing.
      [{ Done: { rich_text: text('yes') } }, /body\.properties\.Done\.checkbox should be defined, instead was `undefined`/],
    ];
    for (const [properties, message] of refused) {
      const answer = await outcome(update(page.id, properties));
      expect(answer).toMatchObject({ status: 400, code: 'validation_error' });
      expect(answer.message).toMatch(message);
    }
    const email = `${'e'.repeat(188)}@example.com`;
    const person = '0b4e2f6c-4d8a-4c4b-9a1e-3f1d2c5b6a7e';
    const ok = await update(page.id, {
      Email: { email },
      Phone: { phone_number: '1'.repeat(200) },
      Owner: { people: [{ id: person.replace(/-/g, '') }] },
      Attachments: { files: [{ name: 'a.pdf', type: 'external', external: { url: 'https://example.com/a.pdf' } }] },
    });
    expect(ok.properties.Email!.email).toBe(email);
    expect(ok.properties.Owner!.people).toEqual([{ object: 'user', id: person }]);
  });

  it('exactly one title: none or two at creation, a second one added, or the title removed are 400s; the title can be renamed', async () => {
    const notion = await start();
    const client = clientOf(notion);
    const createWith = (properties: NonNullable<CreateDatabaseParameters['initial_data_source']>['properties']) =>
      outcome(
        client.databases.create({
          parent: { type: 'page_id', page_id: notion.parentPageId },
          title: [{ type: 'text', text: { content: 'X' } }],
          initial_data_source: { properties },
        }),
      );
    const ONE_TITLE = 'body.initial_data_source.properties should have exactly one title property.';
    expect(await createWith({ Notes: { type: 'rich_text', rich_text: {} } })).toMatchObject({ status: 400, message: `body failed validation: ${ONE_TITLE}` });
    expect(await createWith({ Name: { type: 'title', title: {} }, Other: { type: 'title', title: {} } })).toMatchObject({ status: 400, code: 'validation_error' });
    expect(notion.databaseIds()).toEqual([]);

    const { create, update: updatePage, schema, client: c, dataSourceId } = await personalDatabase();
    const page = await create({ Name: { title: text('Still here') } });
    const patch = (properties: Record<string, unknown>) =>
      outcome(c.dataSources.update({ data_source_id: dataSourceId, properties: properties as never }));
    expect(await patch({ Headline: { type: 'title', title: {} } })).toMatchObject({
      status: 400,
      code: 'validation_error',
      message: 'A data source can have only one title property.',
    });
    expect(await patch({ Notes: { title: {} } })).toMatchObject({ status: 400, message: 'A data source can have only one title property.' });
    expect(await patch({ Name: { rich_text: {} } })).toMatchObject({ status: 400, message: 'The property type of the title cannot be changed.' });
    expect(await patch({ Name: null })).toMatchObject({ status: 400, code: 'validation_error' });
    expect((await schema()).Name).toMatchObject({ id: 'title', type: 'title' });

    // The app renames a person's title to `Quote`: the same property, its values kept.
    expect(await patch({ Name: { name: 'Quote' } })).toEqual({ status: 200 });
    const after = await schema();
    expect(after.Name).toBeUndefined();
    expect(after.Quote).toMatchObject({ id: 'title', name: 'Quote', type: 'title' });
    const renamed = await updatePage(page.id, {});
    expect(renamed.properties.Quote).toMatchObject({ id: 'title', title: [{ plain_text: 'Still here' }] });
    expect(renamed.properties).not.toHaveProperty('Name');
  });

  it('any property can be renamed and keeps its values; a type change is refused; added and removed properties show on pages', async () => {
    const { notion, client, dataSourceId, schema, create, retrieve } = await personalDatabase();
    const page = await create(everyValue(notion.botUserId));
    const patch = (properties: Record<string, unknown>) =>
      outcome(client.dataSources.update({ data_source_id: dataSourceId, properties: properties as never }));
    const ids = Object.fromEntries(Object.entries(await schema()).map(([name, p]) => [name, p.id]));
    expect(
      await patch({
        Tags: { name: 'Labels' },
        Stage: { name: 'Phase' },
        Formula: { name: 'Calc' },
        Created: { name: 'Born' },
        [ids.Done!]: { name: 'Finished' },
      }),
    ).toEqual({ status: 200 });
    const renamed = (await retrieve(page.id)).properties;
    expect(renamed.Labels).toMatchObject({ id: ids.Tags, multi_select: [{ name: 'reddit' }, { name: 'new tag' }] });
    expect(renamed.Phase).toMatchObject({ id: ids.Stage, status: { name: 'In progress' } });
    expect(renamed.Calc).toMatchObject({ id: ids.Formula, formula: { type: 'string', string: null } });
    expect(renamed.Born).toMatchObject({ id: ids.Created, created_time: page.created_time });
    expect(renamed.Finished).toMatchObject({ id: ids.Done, checkbox: true });

    expect(await patch({ Score: { rich_text: {} } })).toMatchObject({ status: 400, message: 'Cannot change the type of property Score in this test server.' });
    expect(await patch({ Labels: { name: 'Kind' } })).toMatchObject({ status: 400, message: 'body failed validation: body.properties.Labels.name: a property named Kind already exists.' });

    expect(await patch({ Priority: { type: 'select', select: { options: [{ name: 'high', color: 'red' }] } }, Notes: null })).toEqual({ status: 200 });
    const changed = (await retrieve(page.id)).properties;
    expect(changed.Priority).toEqual({ id: expect.any(String), type: 'select', select: null });
    expect(changed).not.toHaveProperty('Notes');
    expect(((await schema()).Priority!.select as { options: Option[] }).options).toEqual([
      { id: expect.any(String), name: 'high', color: 'red', description: null },
    ]);
  });

  it('relations link pages of another data source, both ways when dual; rollups sum and count them', async () => {
    const notion = await start();
    const client = clientOf(notion);
    const newDatabase = async (title: string, properties: NonNullable<CreateDatabaseParameters['initial_data_source']>['properties']) => {
      const db = await client.databases.create({
        parent: { type: 'page_id', page_id: notion.parentPageId },
        title: [{ type: 'text', text: { content: title } }],
        initial_data_source: { properties },
      });
      return (db as { data_sources: { id: string }[] }).data_sources[0]!.id;
    };
    const projects = await newDatabase('Projects', { Project: { type: 'title', title: {} }, Budget: { type: 'number', number: {} } });
    const tasks = await newDatabase('Tasks', {
      Name: { type: 'title', title: {} },
      // A rollup may come before the relation it names.
      Total: { type: 'rollup', rollup: { function: 'sum', relation_property_name: 'Project', rollup_property_name: 'Budget' } },
      Project: { type: 'relation', relation: { data_source_id: projects, type: 'dual_property', dual_property: {} } },
      Count: { type: 'rollup', rollup: { function: 'count', relation_property_name: 'Project', rollup_property_name: 'Project' } },
    });
    const newPage = async (dataSourceId: string, properties: Record<string, unknown>) =>
      (await client.pages.create({ parent: { data_source_id: dataSourceId }, properties: properties as never })) as unknown as PageBody;
    const p1 = await newPage(projects, { Project: { title: text('Alpha') }, Budget: { number: 3 } });
    const p2 = await newPage(projects, { Project: { title: text('Beta') }, Budget: { number: 4 } });
    const task = await newPage(tasks, { Name: { title: text('Plan') }, Project: { relation: [{ id: p1.id }, { id: p2.id.replace(/-/g, '') }] } });

    expect(task.properties.Project!.relation).toEqual([{ id: p1.id }, { id: p2.id }]);
    expect(task.properties.Total!.rollup).toEqual({ type: 'number', number: 7, function: 'sum' });
    expect(task.properties.Count!.rollup).toEqual({ type: 'number', number: 2, function: 'count' });

    const taskSchema = (await client.dataSources.retrieve({ data_source_id: tasks })).properties as unknown as Record<string, Schema>;
    const projectSchema = (await client.dataSources.retrieve({ data_source_id: projects })).properties as unknown as Record<string, Schema>;
    const mirror = projectSchema['Related to Tasks (Project)']!;
    expect(taskSchema.Project!.relation).toEqual({
      // The related data source's database: Projects, made first.
      database_id: notion.databaseIds()[0],
      data_source_id: projects,
      type: 'dual_property',
      dual_property: { synced_property_id: decodeURIComponent(mirror.id), synced_property_name: 'Related to Tasks (Project)' },
    });
    expect(taskSchema.Total!.rollup).toEqual({
      function: 'sum',
      relation_property_name: 'Project',
      relation_property_id: decodeURIComponent(taskSchema.Project!.id),
      rollup_property_name: 'Budget',
      rollup_property_id: decodeURIComponent(projectSchema.Budget!.id),
    });
    // The other side of a dual relation lists the task, and stops when the task lets go.
    const mirrored = async (pageId: string) =>
      ((await client.pages.retrieve({ page_id: pageId })) as unknown as PageBody).properties['Related to Tasks (Project)']!.relation;
    expect(await mirrored(p1.id)).toEqual([{ id: task.id }]);
    await client.pages.update({ page_id: task.id, properties: { Project: { relation: [{ id: p2.id }] } } });
    expect([await mirrored(p1.id), await mirrored(p2.id)]).toEqual([[], [{ id: task.id }]]);

    // A page of another data source, or a rollup of a property that is not a relation, is refused.
    const stray = await newPage(tasks, { Name: { title: text('Stray') } });
    const wrong = await outcome(client.pages.update({ page_id: task.id, properties: { Project: { relation: [{ id: stray.id }] } } }));
    expect(wrong).toMatchObject({ status: 400, code: 'validation_error', message: expect.stringContaining('is not a page of the data source relation Project links to') });
    const badRollup = await outcome(
      client.dataSources.update({
        data_source_id: tasks,
        properties: { Bad: { type: 'rollup', rollup: { function: 'sum', relation_property_name: 'Name', rollup_property_name: 'Budget' } } },
      }),
    );
    expect(badRollup).toMatchObject({ status: 400, code: 'validation_error' });
  });
});

describe('search (POST /v1/search)', () => {
  type Text = { plain_text: string }[];
  type Found = {
    object: 'page' | 'data_source';
    id: string;
    last_edited_time: string;
    in_trash: boolean;
    parent: Record<string, unknown>;
    title?: Text;
    properties: Record<string, { type: string; title?: Text }>;
  };
  type Answer = { object: string; results: Found[]; next_cursor: string | null; has_more: boolean; type: string; page_or_data_source: unknown };

  afterEach(() => {
    vi.useRealTimers();
  });

  const text = (content: string) => [{ type: 'text' as const, text: { content } }];
  const search = async (client: Client, args: SearchParameters = {}) => (await client.search(args)) as unknown as Answer;
  /** A result's title: a data source's `title`, a page's title property. */
  const titleOf = (found: Found) =>
    (found.object === 'data_source' ? found.title! : Object.values(found.properties).find((p) => p.type === 'title')!.title!).map((t) => t.plain_text).join('');
  const titles = (answer: Answer) => answer.results.map(titleOf);
  const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

  /** The shared page `Research`, a page not shared, and a person's own database of two rows. */
  async function workspace() {
    const notion = await start();
    const client = clientOf(notion);
    const readingList = notion.addSharedPage('Reading list');
    const secret = notion.addUnsharedPage('Secret research notes');
    const { databaseId, dataSourceId } = notion.seedDatabase({ title: 'Research quotes' });
    notion.seedPages(dataSourceId, [{ Name: { title: text('research interview') } }, { Name: { title: text('Other row') } }]);
    return { notion, client, readingList, secret, databaseId, dataSourceId };
  }

  it('finds the pages, rows and data sources shared whose title holds the query, in any case; no query finds all that is shared', async () => {
    const { notion, client, databaseId, dataSourceId } = await workspace();
    const found = await search(client, { query: 'RESEARCH' });
    expect(found).toMatchObject({ object: 'list', type: 'page_or_data_source', page_or_data_source: {}, has_more: false, next_cursor: null });
    expect(titles(found).sort()).toEqual(['Research', 'Research quotes', 'research interview']);
    // A row of a database is a page whose parent is its data source.
    const row = found.results.find((r) => titleOf(r) === 'research interview')!;
    expect(row).toMatchObject({ object: 'page', parent: { type: 'data_source_id', data_source_id: dataSourceId, database_id: databaseId } });
    expect(row).toEqual(await client.pages.retrieve({ page_id: row.id }));
    const source = found.results.find((r) => r.object === 'data_source')!;
    expect(source).toEqual(await client.dataSources.retrieve({ data_source_id: dataSourceId }));
    expect(found.results.find((r) => titleOf(r) === 'Research')).toMatchObject({ id: notion.parentPageId, parent: { type: 'workspace', workspace: true } });

    expect(titles(await search(client)).sort()).toEqual(['Other row', 'Reading list', 'Research', 'Research quotes', 'research interview']);
    expect(titles(await search(client, { query: '' }))).toHaveLength(5);
    expect(titles(await search(client, { query: 'nothing like it' }))).toEqual([]);
    // Counted like any other read.
    expect(notion.stats().byRoute['POST /v1/search']).toBe(4);
  });

  it('filters by object: data_source or page; "database", the value before 2025-09-03, and any other key are refused', async () => {
    const { client } = await workspace();
    const sources = await search(client, { filter: { property: 'object', value: 'data_source' } });
    expect(sources.results.map((r) => [r.object, titleOf(r)])).toEqual([['data_source', 'Research quotes']]);
    const pages = await search(client, { query: 'r', filter: { property: 'object', value: 'page' } });
    expect(pages.results.every((r) => r.object === 'page')).toBe(true);
    expect(titles(pages).sort()).toEqual(['Other row', 'Reading list', 'Research', 'research interview']);

    const database = await outcome(client.search({ filter: { property: 'object', value: 'database' as never } }));
    expect(database).toMatchObject({
      status: 400,
      code: 'validation_error',
      message: 'body failed validation: body.filter.value should be `"page"` or `"data_source"`, instead was `"database"`.',
    });
    const refused = [
      client.search({ filter: { property: 'type' as never, value: 'page' } }),
      client.search({ filter: { property: 'object', value: 'page', in_trash: true } }),
      client.search({ query: 5 as never }),
      client.search({ sort: { timestamp: 'created_time' as never, direction: 'ascending' } }),
      client.search({ sort: { timestamp: 'last_edited_time', direction: 'up' as never } }),
      client.request({ path: 'search', method: 'post', body: { query: 'x', sorts: [] } }),
    ];
    const outcomes = await Promise.all(refused.map((r) => outcome(r)));
    for (const o of outcomes) expect(o).toMatchObject({ status: 400, code: 'validation_error', message: expect.stringMatching(/^body failed validation: body\./) });
    expect(outcomes.map((o) => o.message)).toEqual([
      'body failed validation: body.filter.property should be `"object"`, instead was `"type"`.',
      'body failed validation: body.filter.in_trash should be not present, instead was `true`.',
      'body failed validation: body.query should be a string, instead was `5`.',
      'body failed validation: body.sort.timestamp should be `"last_edited_time"`, instead was `"created_time"`.',
      'body failed validation: body.sort.direction should be `"ascending"` or `"descending"`, instead was `"up"`.',
      'body failed validation: body.sorts should be not present, instead was `[]`.',
    ]);
  });

  it('leaves out what is in the trash: a row, a database with its data source and rows, a page', async () => {
    const { notion, client, dataSourceId } = await workspace();
    const [interview] = notion.pages(dataSourceId);
    await client.pages.update({ page_id: String(interview!.id), in_trash: true });
    const other = notion.seedDatabase({ title: 'Old board' });
    notion.seedPages(other.dataSourceId, [{ Name: { title: text('Old row') } }]);
    const page = notion.addSharedPage('Old page');
    expect(titles(await search(client, { query: 'old' })).sort()).toEqual(['Old board', 'Old page', 'Old row']);

    notion.trashDatabase(other.databaseId);
    notion.trashPage(page);
    expect(titles(await search(client)).sort()).toEqual(['Other row', 'Reading list', 'Research', 'Research quotes']);
    // Still there to retrieve, marked as in the trash; restored, found again.
    expect(await client.pages.retrieve({ page_id: page })).toMatchObject({ in_trash: true });
    notion.trashPage(page, false);
    expect(titles(await search(client, { query: 'old' }))).toEqual(['Old page']);
  });

  it('a database not shared is answered as a missing one, its data source, rows and query too, and search leaves it out', async () => {
    const { notion, client, databaseId, dataSourceId } = await workspace();
    const [row] = notion.pages(dataSourceId);
    const rowId = String(row!.id);
    notion.unshareDatabase(databaseId);

    const missingDb = randomUUID();
    const missingDs = randomUUID();
    const missingPage = randomUUID();
    const answers = await Promise.all([
      outcome(client.databases.retrieve({ database_id: databaseId })),
      outcome(client.databases.update({ database_id: databaseId, title: text('Renamed') })),
      outcome(client.dataSources.retrieve({ data_source_id: dataSourceId })),
      outcome(client.dataSources.update({ data_source_id: dataSourceId, properties: { Extra: { type: 'checkbox', checkbox: {} } } })),
      outcome(client.dataSources.query({ data_source_id: dataSourceId })),
      outcome(client.pages.retrieve({ page_id: rowId })),
      outcome(client.pages.update({ page_id: rowId, properties: { Name: { title: text('x') } } })),
      outcome(client.pages.create({ parent: { data_source_id: dataSourceId }, properties: { Name: { title: text('x') } } })),
    ]);
    const missing = await Promise.all([
      outcome(client.databases.retrieve({ database_id: missingDb })),
      outcome(client.databases.update({ database_id: missingDb, title: text('Renamed') })),
      outcome(client.dataSources.retrieve({ data_source_id: missingDs })),
      outcome(client.dataSources.update({ data_source_id: missingDs, properties: { Extra: { type: 'checkbox', checkbox: {} } } })),
      outcome(client.dataSources.query({ data_source_id: missingDs })),
      outcome(client.pages.retrieve({ page_id: missingPage })),
      outcome(client.pages.update({ page_id: missingPage, properties: { Name: { title: text('x') } } })),
      outcome(client.pages.create({ parent: { data_source_id: missingDs }, properties: { Name: { title: text('x') } } })),
    ]);
    const named = (o: Outcome, from: string[], to: string) => ({ ...o, message: from.reduce((m, id) => m?.replaceAll(id, to), o.message) });
    expect(answers.map((o) => named(o, [databaseId, dataSourceId, rowId], 'ID'))).toEqual(missing.map((o) => named(o, [missingDb, missingDs, missingPage], 'ID')));
    expect(answers[0]).toMatchObject({
      status: 404,
      code: 'object_not_found',
      message: `Could not find database with ID: ${databaseId}. Make sure the relevant pages and databases are shared with your integration.`,
    });
    for (const o of answers) expect(o).toMatchObject({ status: 404, code: 'object_not_found' });
    expect(titles(await search(client, { query: 'research' }))).toEqual(['Research']);

    notion.shareDatabase(databaseId);
    expect(await outcome(client.databases.retrieve({ database_id: databaseId }))).toEqual({ status: 200 });
    expect(titles(await search(client, { query: 'research' })).sort()).toEqual(['Research', 'Research quotes', 'research interview']);

    // A database made not shared, or made through the API and then unshared, is the same.
    const own = notion.seedDatabase({ title: 'My tasks', shared: false });
    const made = await createDataSource(client, notion.parentPageId);
    notion.unshareDatabase(notion.databaseIds().at(-1)!);
    expect(await outcome(client.dataSources.retrieve({ data_source_id: own.dataSourceId }))).toMatchObject({ status: 404, code: 'object_not_found' });
    expect(await outcome(client.dataSources.retrieve({ data_source_id: made }))).toMatchObject({ status: 404, code: 'object_not_found' });
    expect((await search(client, { filter: { property: 'object', value: 'data_source' } })).results.map((r) => r.id)).toEqual([dataSourceId]);
  });

  it('a page not shared is answered as a missing one: no retrieve, no database under it, not searched', async () => {
    const { notion, client, secret, readingList } = await workspace();
    const missing = randomUUID();
    const [page, absent] = await Promise.all([outcome(client.pages.retrieve({ page_id: secret })), outcome(client.pages.retrieve({ page_id: missing }))]);
    expect(page).toMatchObject({ status: 404, code: 'object_not_found', message: `Could not find page with ID: ${secret}. Make sure the relevant pages and databases are shared with your integration.` });
    expect({ ...page, message: page.message?.replace(secret, 'ID') }).toEqual({ ...absent, message: absent.message?.replace(missing, 'ID') });
    expect(await outcome(createDataSource(client, secret))).toMatchObject({ status: 404, code: 'object_not_found' });
    expect(titles(await search(client, { query: 'secret' }))).toEqual([]);

    notion.sharePage(secret);
    notion.unsharePage(readingList);
    expect(titles(await search(client, { filter: { property: 'object', value: 'page' }, query: 'e' })).sort()).toEqual(['Other row', 'Research', 'Secret research notes', 'research interview']);
    expect(await outcome(createDataSource(client, secret))).toEqual({ status: 200 });
  });

  it('pages through more results than page_size with opaque cursors: each result once, all found, a cursor good again', async () => {
    const notion = await start();
    const client = clientOf(notion);
    const { dataSourceId } = notion.seedDatabase({ title: 'Notes' });
    notion.seedPages(dataSourceId, Array.from({ length: 9 }, (_, i) => ({ Name: { title: text(`Note ${i}`) } })));
    const everything = (await search(client)).results.map((r) => r.id);
    expect(everything).toHaveLength(11);

    const answers: Answer[] = [];
    let cursor: string | undefined;
    do {
      const answer = await search(client, { page_size: 2, ...(cursor ? { start_cursor: cursor } : {}) });
      answers.push(answer);
      cursor = answer.has_more ? answer.next_cursor! : undefined;
    } while (cursor);
    expect(answers.map((a) => a.results.length)).toEqual([2, 2, 2, 2, 2, 1]);
    expect(answers.at(-1)).toMatchObject({ has_more: false, next_cursor: null });
    const ids = answers.flatMap((a) => a.results.map((r) => r.id));
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids).toEqual(everything);
    // Opaque UUIDs, not the id of a result; the same cursor again answers the same page.
    const cursors = answers.slice(0, -1).map((a) => a.next_cursor!);
    for (const c of cursors) expect(c).toMatch(UUID);
    expect(cursors.filter((c) => everything.includes(c))).toEqual([]);
    const again = await search(client, { page_size: 2, start_cursor: cursors[2]! });
    expect(again.results.map((r) => r.id)).toEqual(answers[3]!.results.map((r) => r.id));
  });

  it('a start_cursor no answer gave, or a page_size over 100, is a 400 validation_error', async () => {
    const { client } = await workspace();
    const unknown = randomUUID();
    expect(await outcome(client.search({ start_cursor: unknown }))).toMatchObject({
      status: 400,
      code: 'validation_error',
      message: `body failed validation: body.start_cursor should be a valid cursor, instead was \`"${unknown}"\`.`,
    });
    expect(await outcome(client.search({ start_cursor: 'not-a-cursor' }))).toMatchObject({ status: 400, code: 'validation_error' });
    expect(await outcome(client.search({ page_size: 101 }))).toMatchObject({
      status: 400,
      code: 'validation_error',
      message: 'body failed validation: body.page_size should be ≤ `100`, instead was `101`.',
    });
    expect(await outcome(client.search({ page_size: 0 }))).toMatchObject({ status: 400, code: 'validation_error' });
    expect(await outcome(client.search({ page_size: 100 }))).toEqual({ status: 200 });
  });

  it('sorts by last_edited_time: most recently edited first by default, ascending or descending as asked', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    // The parent page `Research` is made first.
    vi.setSystemTime(new Date('2030-01-01T00:00:00.000Z'));
    const notion = await start();
    const client = clientOf(notion);
    vi.setSystemTime(new Date('2030-01-02T00:00:00.000Z'));
    notion.addSharedPage('Alpha page');
    vi.setSystemTime(new Date('2030-01-03T00:00:00.000Z'));
    const board = notion.seedDatabase({ title: 'Beta board' });
    vi.setSystemTime(new Date('2030-01-04T00:00:00.000Z'));
    notion.seedPages(board.dataSourceId, [{ Name: { title: text('Gamma row') } }]);
    vi.setSystemTime(new Date('2030-01-05T00:00:00.000Z'));
    // A schema change is an edit of the data source.
    await client.dataSources.update({ data_source_id: board.dataSourceId, properties: { Done: { type: 'checkbox', checkbox: {} } } });

    const newestFirst = ['Beta board', 'Gamma row', 'Alpha page', 'Research'];
    const byDefault = await search(client);
    expect(titles(byDefault)).toEqual(newestFirst);
    expect(byDefault.results.map((r) => r.last_edited_time)).toEqual([
      '2030-01-05T00:00:00.000Z',
      '2030-01-04T00:00:00.000Z',
      '2030-01-02T00:00:00.000Z',
      '2030-01-01T00:00:00.000Z',
    ]);
    expect(titles(await search(client, { sort: { timestamp: 'last_edited_time', direction: 'descending' } }))).toEqual(newestFirst);
    expect(titles(await search(client, { sort: { timestamp: 'last_edited_time', direction: 'ascending' } }))).toEqual([...newestFirst].reverse());
    // An edit moves a row to the front.
    vi.setSystemTime(new Date('2030-01-06T00:00:00.000Z'));
    const [row] = notion.pages(board.dataSourceId);
    await client.pages.update({ page_id: String(row!.id), properties: { Done: { checkbox: true } } });
    expect(titles(await search(client))[0]).toBe('Gamma row');
  });

  it('is a read like any other: rate limits, injected faults and 401s apply, and every request is counted', async () => {
    const { notion, client } = await workspace();
    notion.injectNext('POST /v1/search', 'server_error');
    expect((await outcome(client.search({}))).status).toBeGreaterThanOrEqual(500);
    notion.setRateLimit({ model: 'window', requests: 2, windowSeconds: 30 });
    const burst = await Promise.all([1, 2, 3].map(() => outcome(client.search({ query: 'research' }))));
    expect(burst.map((o) => o.status).sort()).toEqual([200, 200, 429]);
    notion.setRateLimit(false);
    notion.revokeToken();
    expect(await outcome(client.search({}))).toMatchObject({ status: 401, code: 'unauthorized' });
    notion.restoreToken();
    expect(notion.stats().byRoute['POST /v1/search']).toBe(5);
    expect(notion.requests.filter((r) => r.route === 'POST /v1/search').every((r) => !r.applied)).toBe(true);
  });
});
