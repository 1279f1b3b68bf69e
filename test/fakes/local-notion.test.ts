/**
 * The local Notion answers as Notion's documentation says it does now, checked through the real
 * @notionhq/client (retries off, so every answer is seen): per-connection window budgets and the
 * workspace limit with their `rate_limit_reason`, the 10,000-result cap on a query, URL-encoded
 * property ids, seeding a large data source without HTTP, and page updates (`pages.update`).
 */
import { APIResponseError, Client, RequestTimeoutError } from '@notionhq/client';
import type { CreateDatabaseParameters, QueryDataSourceParameters, UpdatePageParameters } from '@notionhq/client';
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
    expect(notion.rateLimited()).toEqual({ connection: 3, workspace: 0 });
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
    expect(notion.rateLimited()).toEqual({ connection: 4, workspace: 0 });
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
    expect(notion.rateLimited()).toEqual({ connection: 3, workspace: 1 });
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
    expect(plain.notion.rateLimited()).toEqual({ connection: 0, workspace: 1 });

    const scaled = await withDataSource({ workspaceRetryAfterSeconds: 1.5 });
    scaled.notion.injectNext('GET /v1/data_sources/:id', 'workspace_rate_limited');
    expect(await scaled.retrieve()).toMatchObject({ status: 429, reason: WORKSPACE, retryAfter: '1.5' });
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
