/**
 * A database that grows by a batch a day passes Notion's 10,000-result query cap in weeks. A job
 * must find which of its quotes are there by looking their ids up, never by reading the database,
 * so that it neither writes the newest quotes twice nor pays for the whole database.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { quoteToPage } from '../../../src/notion/pages/page.js';
import { parseQuotes } from '../../../src/quotes/parse/index.js';
import { multiplicity, startHarness, type Harness } from '../../support/harness.js';
import { makeQuoteRecords, type QuoteRecord } from '../../support/quote-factory.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

/** A first job makes the database; returns its data source. */
async function databaseWith(harness: Harness, seed: number): Promise<string> {
  const prepared = await harness.engine.prepare(
    { name: 'first.json', content: JSON.stringify(makeQuoteRecords(1, seed)) },
    harness.engine.targetFor(),
  );
  const report = await harness.engine.run(prepared.job.id);
  return report.databases[0]!.dataSourceId;
}

/** Puts these records into the data source as pages, without HTTP (another day's batches), `copies` times each. */
function seed(harness: Harness, dataSourceId: string, records: QuoteRecord[], copies = 1): void {
  const pages = parseQuotes(JSON.stringify(records)).quotes.flatMap(({ quote }) => {
    const page = quoteToPage(quote, dataSourceId);
    if (!page.ok) throw new Error(page.reason);
    return Array.from({ length: copies }, () => page.body.properties as Record<string, unknown>);
  });
  harness.notion.seedPages(dataSourceId, pages);
}

describe('a database past 10,000 quotes', () => {
  it('adds a batch whose newest 200 quotes are already past the cap: none written twice, cost follows the batch', async () => {
    h = await startHarness({ seed: 41 });
    const dataSourceId = await databaseWith(h, 4100);
    const old = makeQuoteRecords(10_500, 4101);
    seed(h, dataSourceId, old);
    // A query of the whole database would stop at 10,000: the last 500 are beyond it.
    const batch = [...makeQuoteRecords(212, 4102), ...old.slice(-200)];
    const before = h.notion.requests.length;
    const prepared = await h.engine.prepare({ name: 'batch.json', content: JSON.stringify(batch) }, h.engine.targetFor());
    const report = await h.engine.run(prepared.job.id);
    const requests = h.notion.requests.length - before;

    expect(report).toMatchObject({ state: 'done', written: 212, alreadyPresent: 200 });
    const ids = h.notion.propertyTexts(dataSourceId, 'Quote ID');
    expect(multiplicity(ids).duplicates).toEqual([]);
    expect(ids).toHaveLength(1 + 10_500 + 212);
    // 1.01 × new pages + n/100 + 5: here 214 + 5 + 5 (the database checks, the look-ups, the creates).
    expect(requests).toBeLessThanOrEqual(Math.floor(1.01 * 212 + 412 / 100 + 5));
    const queries = h.notion.requests.slice(before).filter((r) => r.route === 'POST /v1/data_sources/:id/query');
    expect(queries).toHaveLength(Math.ceil(412 / 100));
  });

  it('never reads a capped answer as absent: ids held by thousands of pages are asked again until the answer is whole', async () => {
    // A small cap stands in for 10,000: one quote id was imported 60 times by another tool.
    h = await startHarness({ seed: 42, notion: { queryResultLimit: 50 } });
    const dataSourceId = await databaseWith(h, 4200);
    const records = makeQuoteRecords(30, 4201);
    const copied = records[0]!;
    seed(h, dataSourceId, [copied], 60);
    seed(h, dataSourceId, records.slice(1, 10));

    const before = h.notion.requests.length;
    const prepared = await h.engine.prepare({ name: 'batch.json', content: JSON.stringify(records) }, h.engine.targetFor());
    const report = await h.engine.run(prepared.job.id);
    expect(report).toMatchObject({ state: 'done', written: 20, alreadyPresent: 10 });
    const queries = h.notion.requests.slice(before).filter((r) => r.route === 'POST /v1/data_sources/:id/query');
    // The first answer was cut: the ids it did not return were asked again, in halves.
    expect(queries.length).toBeGreaterThan(1);
    const counts = multiplicity(h.notion.propertyTexts(dataSourceId, 'Quote ID'));
    // Only the 59 copies made outside Quote Sync are repeats; nothing this job wrote is.
    expect(counts.duplicates).toHaveLength(59);
    expect(counts.unique.size).toBe(1 + 30);
  });
});
