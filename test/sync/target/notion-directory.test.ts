/**
 * The Notion directory behind the target form's pickers and links, against the local Notion
 * (search, databases, pages) through the real pacer: debounced, cached, never late, and every
 * kind of pasted id told apart.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config.js';
import { refusalOf } from '../../../src/notion/failure.js';
import { RequestPacer } from '../../../src/notion/pacing/pacer.js';
import { NotionDirectory } from '../../../src/sync/target/notion-directory.js';
import { startNotionServer, type LocalNotion } from '../../fakes/local-notion.js';
import { fastEnv, tempDbPath } from '../../support/harness.js';

let notion: LocalNotion | undefined;
let pacer: RequestPacer | undefined;
afterEach(async () => {
  await pacer?.close();
  await notion?.close();
  notion = undefined;
});

async function directory(options: { debounceMs?: number; answerWithinMs?: number; cacheMs?: number; now?: () => number } = {}, latencyMs = 0) {
  notion = await startNotionServer({ seed: 3, latencyMs });
  const config = loadConfig(fastEnv(notion, tempDbPath()));
  pacer = new RequestPacer({ requestsPerSecond: 1000, refusalOf });
  return { notion, dir: new NotionDirectory({ config, pacer, debounceMs: 5, answerWithinMs: 2000, ...options }) };
}

const searches = (n: LocalNotion) => n.requests.filter((r) => r.route === 'POST /v1/search').length;

describe('NotionDirectory.find', () => {
  it('finds the databases the integration can see by title, with their database ids, and not those it cannot', async () => {
    const { notion, dir } = await directory();
    const acme = notion.seedDatabase({ title: 'Acme quotes' });
    notion.seedDatabase({ title: 'Beta quotes' });
    notion.seedDatabase({ title: 'Acme secrets', shared: false });
    const found = await dir.find('data_source', 'acme', 'U1');
    expect(found).toMatchObject({ pending: false });
    expect(found.hits.map((h) => [h.title, h.databaseId])).toEqual([['Acme quotes', acme.databaseId]]);
  });

  it('finds pages to create a database under, leaving out the rows of databases', async () => {
    const { notion, dir } = await directory();
    const { dataSourceId } = notion.seedDatabase({ title: 'Research notes' });
    notion.seedPages(dataSourceId, [{ Name: { title: [{ text: { content: 'Research row' } }] } }]);
    notion.addSharedPage('Research 2027');
    const found = await dir.find('page', 'research', 'U1');
    expect(found.hits.map((h) => h.title).sort()).toEqual(['Research', 'Research 2027']);
  });

  it('sends one search for a person typing fast: the earlier keys are answered from what is known', async () => {
    const { notion, dir } = await directory({ debounceMs: 40 });
    notion.seedDatabase({ title: 'Acme quotes' });
    const answers = await Promise.all(['a', 'ac', 'acm', 'acme'].map((q) => dir.find('data_source', q, 'U1')));
    expect(searches(notion)).toBe(1);
    expect(answers.slice(0, 3).every((a) => a.pending)).toBe(true);
    expect(answers[3]!.hits.map((h) => h.title)).toEqual(['Acme quotes']);
    expect(dir.stats).toMatchObject({ searches: 1, superseded: 3 });
  });

  it('answers a query asked again from its cache, and narrows what it knows without asking', async () => {
    let now = 1_000;
    const { notion, dir } = await directory({ now: () => now, cacheMs: 60_000 });
    notion.seedDatabase({ title: 'Acme quotes' });
    notion.seedDatabase({ title: 'Acme archive' });
    await dir.find('data_source', '', 'U1');
    expect((await dir.find('data_source', '', 'U2')).hits).toHaveLength(2);
    expect(searches(notion)).toBe(1);
    now += 61_000;
    await dir.find('data_source', '', 'U1');
    expect(searches(notion)).toBe(2);
  });

  it('is never late: a search Notion is slow to answer comes back pending with what is known, and the next key gets its results', async () => {
    const { notion, dir } = await directory({ answerWithinMs: 100 }, 400);
    notion.seedDatabase({ title: 'Acme quotes' });
    // Answered at its deadline (100 ms), while Notion takes 400: late, not timed out.
    const first = await dir.find('data_source', 'acme', 'U1');
    expect(first).toMatchObject({ pending: true, hits: [] });
    expect(dir.stats.late).toBe(1);
    await expect.poll(async () => (await dir.find('data_source', 'acme', 'U1')).hits.length, { timeout: 5000 }).toBe(1);
  });

  it('does not search while Notion has the integration waiting, and says so', async () => {
    const { dir } = await directory();
    pacer!.pauseFor(5_000);
    const found = await dir.find('data_source', 'acme', 'U1');
    expect(found).toMatchObject({ pending: true, problem: expect.stringMatching(/wait/) });
    expect(searches(notion!)).toBe(0);
  });
});

describe('NotionDirectory.inspect', () => {
  it('tells a database (with its properties), a page, and a data source (its database) apart', async () => {
    const { notion, dir } = await directory();
    const db = notion.seedDatabase({ title: 'Acme quotes', properties: { Name: { type: 'title', title: {} }, Score: { type: 'number', number: {} } } });
    expect(await dir.inspect(db.databaseId, 2000)).toMatchObject({
      ok: true,
      kind: 'database',
      databaseId: db.databaseId,
      title: 'Acme quotes',
      properties: expect.arrayContaining([expect.objectContaining({ name: 'Score', type: 'number' })]),
    });
    expect(await dir.inspect(notion.parentPageId, 2000)).toMatchObject({ ok: true, kind: 'page', pageId: notion.parentPageId, title: 'Research' });
    expect(await dir.inspect(db.dataSourceId, 2000)).toMatchObject({ ok: true, kind: 'database', databaseId: db.databaseId });
  });

  it('says how to share what the integration cannot open, and what is in the trash', async () => {
    const { notion, dir } = await directory();
    const hidden = notion.seedDatabase({ title: 'Hidden', shared: false });
    expect(await dir.inspect(hidden.databaseId, 2000)).toEqual({ ok: false, message: expect.stringMatching(/Connections/) });
    const trashed = notion.seedDatabase({ title: 'Old quotes' });
    notion.trashDatabase(trashed.databaseId);
    expect(await dir.inspect(trashed.databaseId, 2000)).toEqual({ ok: false, message: expect.stringMatching(/"Old quotes" is in the trash/) });
  });
});
