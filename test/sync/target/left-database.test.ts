/**
 * A database creation claim left unbound: a process claimed making the database under the page,
 * Notion made it, and the process died before recording it. The sync that takes the stale claim
 * over adopts that database (our title, in the claim's page, created since the claim, our
 * `Quote ID` property, unknown to the store) instead of making an empty second one; anything else is left alone. The command
 * line in-process against the local Notion; the decisions as pure functions.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config.js';
import type { DataSourceInfo, SearchHit } from '../../../src/notion/responses.js';
import { quoteDatabaseProperties } from '../../../src/notion/pages/schema.js';
import { JobStore } from '../../../src/store/index.js';
import { hasQuoteIdProperty, mayBeLeftDatabase, type LeftCreation } from '../../../src/sync/target/left-database.js';
import { startNotionServer, type LocalNotion } from '../../fakes/local-notion.js';
import { cli } from '../../support/cli.js';
import { fastEnv, multiplicity, tempDbPath } from '../../support/harness.js';
import { makeQuoteRecords, recordsToCsv } from '../../support/quote-factory.js';

const LEFT: LeftCreation = { parentPageId: '1f2e3d4c-5b6a-4798-8a7b-6c5d4e3f2a1b', title: 'Quotes', claimedAt: '2026-03-02T10:00:42.500Z' };
const HIT: SearchHit = {
  object: 'data_source',
  id: 'ds-1',
  databaseId: 'db-1',
  title: 'Quotes',
  url: 'https://www.notion.so/ds1',
  parentType: 'database_id',
  databaseParentPageId: '1f2e3d4c5b6a47988a7b6c5d4e3f2a1b',
  createdTime: '2026-03-02T10:01:00.000Z',
  lastEditedTime: '2026-03-02T10:01:00.000Z',
};

describe('which search hit may be the database a stopped process made', () => {
  it("a data source of our title, in the claim's page, created since the claim", () => {
    expect(mayBeLeftDatabase(HIT, LEFT)).toBe(true);
  });

  it('counts a creation time in the claim minute as after it (Notion rounds it down to the minute)', () => {
    expect(mayBeLeftDatabase({ ...HIT, createdTime: '2026-03-02T10:00:00.000Z' }, LEFT)).toBe(true);
    expect(mayBeLeftDatabase({ ...HIT, createdTime: '2026-03-02T09:59:00.000Z' }, LEFT)).toBe(false);
  });

  it.each<[string, Partial<SearchHit>]>([
    ['another title', { title: 'Quotes (part 1/2)' }],
    ['a title that only contains ours', { title: 'Old Quotes' }],
    ['a page', { object: 'page' }],
    ['no database named', { databaseId: undefined }],
    ['no creation time', { createdTime: undefined }],
    ['made before the claim, edited since', { createdTime: '2026-03-01T08:00:00.000Z' }],
    ["under another page", { databaseParentPageId: '99999999999999999999999999999999' }],
    ['not in a page (a wiki, the workspace)', { databaseParentPageId: undefined }],
  ])('not %s', (_name, change) => {
    expect(mayBeLeftDatabase({ ...HIT, ...change }, LEFT)).toBe(false);
  });

  it('never the database being replaced', () => {
    expect(mayBeLeftDatabase(HIT, { ...LEFT, replacing: 'db-1' })).toBe(false);
  });

  it('has our Quote ID property as we make it, and is not in the trash', () => {
    const source = (properties: DataSourceInfo['properties'], inTrash = false): DataSourceInfo => ({ id: 'ds-1', databaseId: 'db-1', inTrash, properties });
    const quoteId = { id: 'a%3Ab', name: 'Quote ID', type: 'rich_text' };
    expect(hasQuoteIdProperty(source([{ id: 'title', name: 'Quote', type: 'title' }, quoteId]))).toBe(true);
    expect(hasQuoteIdProperty(source([quoteId], true))).toBe(false);
    expect(hasQuoteIdProperty(source([{ ...quoteId, type: 'number' }]))).toBe(false);
    expect(hasQuoteIdProperty(source([{ id: 'title', name: 'Name', type: 'title' }]))).toBe(false);
  });
});

let notion: LocalNotion | undefined;
afterEach(async () => {
  await notion?.close();
  notion = undefined;
});

function quotesFile(count: number, seed: number): string {
  const path = join(mkdtempSync(join(tmpdir(), 'quote-sync-left-db-')), 'quotes.csv');
  writeFileSync(path, recordsToCsv(makeQuoteRecords(count, seed)));
  return path;
}

/** A local Notion and a store in which a process claimed making the "Quotes" database two minutes ago, and died. */
async function leftClaim(seed: number): Promise<{ env: Record<string, string>; key: string }> {
  notion = await startNotionServer({ seed });
  const env = fastEnv(notion, tempDbPath());
  const key = `notion-database:${loadConfig(env).notion.parentPageId}:new:Quotes`;
  const died = await JobStore.open(env.QUOTE_SYNC_DB!, { now: () => new Date(Date.now() - 120_000) });
  expect(await died.triggers.claim(key)).toBe(true);
  await died.close();
  return { env, key };
}

async function syncReport(env: Record<string, string>, path: string) {
  const result = await cli(['sync', path, '--json'], env);
  expect(result.code, result.stderr).toBe(0);
  return JSON.parse(result.stdout) as { databases: { id: string; dataSourceId: string }[]; written: number };
}

describe('taking over a database creation claim left unbound', () => {
  it('adopts the database the stopped process made: one database under the page, every quote in it', async () => {
    const { env, key } = await leftClaim(41);
    const made = notion!.seedDatabase({ title: 'Quotes', properties: quoteDatabaseProperties() });
    const report = await syncReport(env, quotesFile(30, 41));
    expect(report.databases.map((d) => d.id)).toEqual([made.databaseId]);
    expect(notion!.databaseIds()).toEqual([made.databaseId]);
    const ids = notion!.propertyTexts(made.dataSourceId, 'Quote ID');
    expect(ids).toHaveLength(30);
    expect(multiplicity(ids).duplicates).toEqual([]);
    expect(notion!.requests.filter((r) => r.route === 'POST /v1/databases')).toEqual([]);
    // Recorded and settled as if the stopped process had lived: the next sync goes straight to it.
    const store = await JobStore.open(env.QUOTE_SYNC_DB!);
    expect(await store.triggers.get(key)).toMatchObject({ jobId: made.databaseId });
    expect(await store.databases.createdUnder(loadConfig(env).notion.parentPageId!, 'Quotes')).toMatchObject({ databaseId: made.databaseId });
    await store.close();
  });

  it.each([
    ['a database of our title without our Quote ID property (a person made it)', false],
    ['a database of our title this app made and recorded under another page', true],
  ])('leaves alone %s, and makes its own', async (_name, recordedElsewhere) => {
    const { env, key } = await leftClaim(42);
    const other = recordedElsewhere
      ? notion!.seedDatabase({ title: 'Quotes', properties: quoteDatabaseProperties(), parentPageId: notion!.addSharedPage('Elsewhere') })
      : notion!.seedDatabase({ title: 'Quotes', properties: { Name: { type: 'title', title: {} } } });
    if (recordedElsewhere) {
      const store = await JobStore.open(env.QUOTE_SYNC_DB!);
      await store.databases.rememberCreated('elsewhere', { databaseId: other.databaseId, dataSourceId: other.dataSourceId, url: 'u', title: 'Quotes' });
      await store.close();
    }
    const report = await syncReport(env, quotesFile(12, 42));
    const [made] = report.databases;
    expect(made!.id).not.toBe(other.databaseId);
    expect(notion!.databaseIds()).toHaveLength(2);
    expect(notion!.propertyTexts(made!.dataSourceId, 'Quote ID')).toHaveLength(12);
    const store = await JobStore.open(env.QUOTE_SYNC_DB!);
    expect(await store.triggers.get(key)).toMatchObject({ jobId: made!.id });
    await store.close();
  });
});
