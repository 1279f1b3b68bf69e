import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config.js';
import { silentLogger } from '../../../src/logger.js';
import { SyncEngine } from '../../../src/sync/run/engine.js';
import { makeQuoteRecords } from '../../support/quote-factory.js';
import { multiplicity, seededRandom, startHarness, type Harness } from '../../support/harness.js';

let harness: Harness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

const json = (records: unknown) => ({ name: 'quotes.json', content: JSON.stringify(records) });

function quoteIdsIn(h: Harness, report: { databases: { dataSourceId: string }[] }) {
  return h.notion.propertyTexts(report.databases[0]!.dataSourceId, 'Quote ID');
}

describe('sync engine against the local Notion', () => {
  it('writes 1000 quotes exactly once under 10% conflicts and 5% lost responses', async () => {
    harness = await startHarness({
      seed: 7,
      notion: { faults: { conflictRate: 0.1, lostResponseRate: 0.05 } },
    });
    const records = makeQuoteRecords(1000, 7);
    const { job } = await harness.engine.prepare(json(records), harness.engine.targetFor());
    const report = await harness.engine.run(job.id);

    const ids = quoteIdsIn(harness, report);
    const { duplicates, unique } = multiplicity(ids);
    expect(duplicates).toEqual([]);
    const expected = (await harness.store.quotes.list(job.id)).map((q) => q.quote.id);
    expect([...unique].sort()).toEqual([...expected].sort());
    expect(report.state).toBe('done');
    expect(report.failed).toEqual([]);
    expect(report.written).toBe(expected.length);
    expect(report.retries.conflict).toBeGreaterThan(50);
    expect(report.retries.ambiguous).toBeGreaterThan(20);
    // A 409 is retried without a look-up; lost responses are looked up in batches.
    const lookups = harness.notion.requests.filter((r) => r.path.endsWith('/query')).length;
    expect(lookups).toBeLessThan(report.retries.ambiguous);
    expect(report.requests).toBe(harness.notion.requests.length);
  });

  it('keeps to the configured rate: no 429 when the server allows exactly that', async () => {
    harness = await startHarness({
      notion: { rateLimit: { requestsPerSecond: 40 } },
      env: { NOTION_REQUESTS_PER_SECOND: '40' },
    });
    const { job } = await harness.engine.prepare(json(makeQuoteRecords(120, 3)), harness.engine.targetFor());
    const report = await harness.engine.run(job.id);
    expect(report.failed).toEqual([]);
    expect(harness.notion.requests.filter((r) => r.status === 429)).toEqual([]);
    expect(report.retries.rateLimited).toBe(0);
  });

  it('pauses for Retry-After on 429 and 529 and goes on', async () => {
    // A generous budget with a short Retry-After, so the injected 429s cost milliseconds.
    harness = await startHarness({ notion: { rateLimit: { requestsPerSecond: 10_000, retryAfterSeconds: 0.05 } } });
    harness.notion.injectNext('POST /v1/pages', 'rate_limited', 2);
    harness.notion.injectNext('POST /v1/pages', 'overload', 1);
    const { job } = await harness.engine.prepare(json(makeQuoteRecords(10, 4)), harness.engine.targetFor());
    const report = await harness.engine.run(job.id);
    expect(report.retries.rateLimited).toBe(3);
    expect(report.written).toBe(10);
    expect(harness.notion.stats().byStatus).toMatchObject({ '429': 2, '529': 1 });
  });

  it('finishes an interrupted job on resume with nothing missing and nothing twice', async () => {
    harness = await startHarness({ seed: 11, notion: { faults: { lostResponseRate: 0.05, conflictRate: 0.05 } } });
    const records = makeQuoteRecords(200, 11);
    const { job } = await harness.engine.prepare(json(records), harness.engine.targetFor());
    const controller = new AbortController();
    let settled = 0;
    const first = await harness.engine.run(job.id, {
      signal: controller.signal,
      reporter: {
        progress: (p) => {
          settled = p.settled;
          if (settled >= 80) controller.abort();
        },
      },
    });
    expect(first.state).toBe('interrupted');
    expect(first.pending).toBeGreaterThan(0);

    const again = await harness.engine.prepare(json(records), harness.engine.targetFor());
    expect(again).toMatchObject({ resumed: true, job: { id: job.id } });
    const second = await harness.engine.run(job.id);
    expect(second.state).toBe('done');
    const ids = quoteIdsIn(harness, second);
    expect(multiplicity(ids).duplicates).toEqual([]);
    expect(ids.length).toBe((await harness.store.quotes.list(job.id)).length);
    expect(second.written + second.alreadyPresent).toBe(ids.length);
  });

  it('re-running a finished file writes nothing and reads the ids in pages of 100', async () => {
    harness = await startHarness();
    const records = makeQuoteRecords(250, 5);
    const first = await harness.engine.prepare(json(records), harness.engine.targetFor());
    const report = await harness.engine.run(first.job.id);
    expect(report.written).toBeGreaterThan(0);
    const before = harness.notion.requests.length;

    const second = await harness.engine.prepare(json(records), harness.engine.targetFor());
    expect(second.resumed).toBe(false);
    const rerun = await harness.engine.run(second.job.id);
    const used = harness.notion.requests.slice(before);
    expect(used.filter((r) => r.method === 'POST' && r.path === '/v1/pages')).toEqual([]);
    expect(rerun.written).toBe(0);
    expect(rerun.alreadyPresent).toBe(report.written);
    expect(rerun.databases[0]!.id).toBe(report.databases[0]!.id);
    expect(used.length).toBeLessThanOrEqual(Math.ceil(report.written / 100) + 5);
  });

  it('writes into an existing database, adding the properties it lacks', async () => {
    harness = await startHarness();
    // A database made by a person: only a title property, named differently.
    const config = loadConfig(harness.env);
    const seedEngine = await SyncEngine.open({ config, store: harness.store, logger: silentLogger, random: seededRandom(1) });
    const made = await seedEngine.prepare(json(makeQuoteRecords(3, 9)), seedEngine.targetFor());
    const firstReport = await seedEngine.run(made.job.id);
    const databaseId = firstReport.databases[0]!.id;

    const records = makeQuoteRecords(20, 10);
    const { job } = await harness.engine.prepare(json(records), harness.engine.targetFor({ databaseId }));
    const report = await harness.engine.run(job.id);
    expect(report.databases[0]!.id).toBe(databaseId);
    expect(report.written).toBe(20);
    expect(harness.notion.propertyTexts(report.databases[0]!.dataSourceId, 'Quote ID')).toHaveLength(23);
  });

  it('waits for a new database that answers 404 at first', async () => {
    harness = await startHarness({ notion: { faults: { readyDelayMs: 150 } } });
    const { job } = await harness.engine.prepare(json(makeQuoteRecords(5, 12)), harness.engine.targetFor());
    const report = await harness.engine.run(job.id);
    expect(report.written).toBe(5);
    expect(harness.notion.requests.some((r) => r.status === 404)).toBe(true);
  });

  it('stops with a clear reason when the parent page is not shared', async () => {
    harness = await startHarness();
    const { job } = await harness.engine.prepare(
      json(makeQuoteRecords(3, 14)),
      harness.engine.targetFor({ parentPageId: '11111111-2222-3333-4444-555555555555' }),
    );
    const report = await harness.engine.run(job.id);
    expect(report.state).toBe('failed');
    expect(report.error).toMatch(/shared with the integration/);
    expect(report.failed).toHaveLength(3);
  });

  it('rejects a quote too large for Notion with a reason and writes the others', async () => {
    harness = await startHarness();
    const records = makeQuoteRecords(4, 15);
    records[1]!.text = 'x'.repeat(200_001);
    const { job } = await harness.engine.prepare(json(records), harness.engine.targetFor());
    const report = await harness.engine.run(job.id);
    expect(report.written).toBe(3);
    expect(report.rejected).toHaveLength(1);
    expect(report.rejected[0]!.reason).toMatch(/200,001|200001/);
    expect(report.state).toBe('done');
  });

  it('recovers the full text of long and emoji-heavy quotes from the title segments', async () => {
    harness = await startHarness();
    const long = '👨‍👩‍👧‍👦 '.repeat(1200) + 'end — 引用 — اقتباس';
    const { job } = await harness.engine.prepare(
      json([{ text: long, post: { url: 'https://www.reddit.com/r/test/comments/1/x/' } }]),
      harness.engine.targetFor(),
    );
    const report = await harness.engine.run(job.id);
    expect(report.written).toBe(1);
    expect(harness.notion.propertyTexts(report.databases[0]!.dataSourceId, 'Quote')).toEqual([long]);
  });
});
