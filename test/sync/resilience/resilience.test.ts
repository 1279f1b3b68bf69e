import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { parseQuotes } from '../../../src/quotes/parse/index.js';
import type { WriterEvent } from '../../../src/sync/write/writer-events.js';
import { makeQuoteRecords } from '../../support/quote-factory.js';
import { multiplicity, startHarness, type Harness } from '../../support/harness.js';

let harness: Harness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

const json = (records: unknown) => ({ name: 'quotes.json', content: JSON.stringify(records) });

function idsIn(h: Harness, dataSourceId: string) {
  return h.notion.propertyTexts(dataSourceId, 'Quote ID');
}

describe('resilience against the local Notion', () => {
  it('a storm of 409s trips the breaker, which probes and closes; every quote lands once', async () => {
    harness = await startHarness({ env: { BREAKER_WINDOW: '10', BREAKER_COOLDOWN_MS: '30' } });
    harness.notion.injectNext('POST /v1/pages', 'conflict', 12);
    const events: WriterEvent[] = [];
    const { job } = await harness.engine.prepare(json(makeQuoteRecords(60, 31)), harness.engine.targetFor());
    const report = await harness.engine.run(job.id, { reporter: { event: (e) => events.push(e) } });
    expect(report.state).toBe('done');
    expect(report.breakerTrips).toBeGreaterThanOrEqual(1);
    const open = events.find((e) => e.kind === 'breaker_open')!;
    expect(open.trip).toMatchObject({ reason: 'conflicts', windowSize: 10 });
    expect(open.message).toMatch(/Circuit breaker opened \(trip 1\): \d+% of the last 10 writes met a conflict/);
    expect(events.some((e) => e.kind === 'breaker_closed')).toBe(true);
    const ids = idsIn(harness, report.databases[0]!.dataSourceId);
    expect(multiplicity(ids).duplicates).toEqual([]);
    expect(ids).toHaveLength(60);
  });

  it('rides out an outage of a moment: breaker opens, the probe fails, then succeeds', async () => {
    harness = await startHarness({ env: { BREAKER_COOLDOWN_MS: '40' } });
    const events: WriterEvent[] = [];
    let outage = false;
    const { job } = await harness.engine.prepare(json(makeQuoteRecords(80, 32)), harness.engine.targetFor());
    const report = await harness.engine.run(job.id, {
      reporter: {
        progress: (p) => {
          if (!outage && p.settled >= 20) {
            outage = true;
            harness!.notion.setFaults({ serverErrorRate: 1, serverErrorAppliedRate: 0.3 });
          }
        },
        event: (e) => {
          events.push(e);
          // The outage ends after the second trip.
          if (e.kind === 'breaker_open' && e.trip!.trip === 2) harness!.notion.setFaults({});
        },
      },
    });
    expect(report.state).toBe('done');
    expect(report.breakerTrips).toBe(2);
    expect(events.filter((e) => e.kind === 'breaker_open').map((e) => e.trip!.reason)).toEqual(['failures', 'probe_failed']);
    const ids = idsIn(harness, report.databases[0]!.dataSourceId);
    expect(multiplicity(ids).duplicates).toEqual([]);
    expect(ids).toHaveLength(80);
    expect(report.fallbackCsv).toBeUndefined();
  });

  it('a permanent outage ends in a fallback CSV holding exactly the unwritten quotes; re-importing it finishes the job', async () => {
    harness = await startHarness({ env: { BREAKER_COOLDOWN_MS: '5', BREAKER_RECOVER_AFTER_TRIPS: '2', NOTION_MAX_ATTEMPTS: '3' } });
    const records = makeQuoteRecords(50, 33);
    records.push({ ...records[0]!, text: '   ' } as never); // one rejected row rides along
    let down = false;
    const { job } = await harness.engine.prepare(json(records), harness.engine.targetFor());
    const report = await harness.engine.run(job.id, {
      reporter: {
        progress: (p) => {
          if (!down && p.settled >= 15) {
            down = true;
            harness!.notion.setFaults({ serverErrorRate: 1, serverErrorAppliedRate: 0 });
          }
        },
      },
    });
    expect(report.state).toBe('failed');
    expect(report.error).toMatch(/Recovery failed|kept failing/);
    expect(report.fallbackCsv).toBeTruthy();
    const dataSourceId = report.databases[0]!.dataSourceId;
    const inNotion = new Set(idsIn(harness, dataSourceId));
    const csv = parseQuotes(readFileSync(report.fallbackCsv!), { filename: report.fallbackCsv! });
    const all = (await harness.store.quotes.list(job.id)).map((q) => q.quote.id);
    const notWritten = all.filter((id) => !inNotion.has(id));
    expect(csv.quotes.map((q) => q.quote.id).sort()).toEqual(notWritten.sort());
    expect(csv.rejected).toHaveLength(1);
    expect(report.failed.map((f) => f.id).sort()).toEqual(notWritten.sort());

    // Notion is back: uploading the fallback file again writes the rest, nothing twice.
    harness.notion.setFaults({});
    const again = await harness.engine.prepare(
      { name: 'not-written.csv', content: readFileSync(report.fallbackCsv!) },
      harness.engine.targetFor(),
    );
    const second = await harness.engine.run(again.job.id);
    expect(second.state).toBe('done');
    expect(second.written + second.alreadyPresent).toBe(notWritten.length);
    const ids = idsIn(harness, dataSourceId);
    expect(multiplicity(ids).duplicates).toEqual([]);
    expect(new Set(ids)).toEqual(new Set(all));
  });

  it('a revoked token goes straight to the fallback, no breaker', async () => {
    harness = await startHarness();
    let revoked = false;
    const { job } = await harness.engine.prepare(json(makeQuoteRecords(30, 34)), harness.engine.targetFor());
    const report = await harness.engine.run(job.id, {
      reporter: {
        progress: (p) => {
          if (!revoked && p.settled >= 10) {
            revoked = true;
            harness!.notion.revokeToken();
          }
        },
      },
    });
    expect(report).toMatchObject({ state: 'failed', breakerTrips: 0 });
    expect(report.error).toMatch(/401.*NOTION_TOKEN/);
    expect(report.written + report.failed.length).toBe(30);
    expect(report.failed[0]!.reason).toContain('401');
    const csv = parseQuotes(readFileSync(report.fallbackCsv!), { format: 'csv' });
    expect(csv.quotes).toHaveLength(report.failed.length);
    expect(harness.notion.stats().byStatus['401']).toBe(1);
  });

  it('a 503 to a create that names its committed page is taken as written: no look-up, no second create', async () => {
    harness = await startHarness();
    harness.notion.injectNext('POST /v1/pages', 'unavailable_committed', 3);
    const { job } = await harness.engine.prepare(json(makeQuoteRecords(10, 36)), harness.engine.targetFor());
    const report = await harness.engine.run(job.id);
    expect(report).toMatchObject({ state: 'done', written: 10, failed: [] });
    expect(harness.notion.stats().byStatus['503']).toBe(3);
    expect(harness.notion.requests.filter((r) => r.route === 'POST /v1/pages')).toHaveLength(10);
    expect(harness.notion.requests.filter((r) => r.route === 'POST /v1/data_sources/:id/query')).toHaveLength(0);
    const ids = harness.notion.propertyTexts(harness.notion.dataSourceOf(harness.notion.databaseIds()[0]!), 'Quote ID');
    expect(new Set(ids).size).toBe(10);
    expect(ids).toHaveLength(10);
    // Each committed page is the one the store keeps for its quote.
    const stored = (await harness.store.quotes.list(job.id)).map((q) => q.pageId);
    expect(stored.every((id) => typeof id === 'string')).toBe(true);
    expect(new Set(stored).size).toBe(10);
  });

  it('a full workspace goes straight to the fallback with a sentence saying so', async () => {
    harness = await startHarness();
    harness.notion.setFaults({ workspaceFull: true });
    const { job } = await harness.engine.prepare(json(makeQuoteRecords(12, 35)), harness.engine.targetFor());
    const report = await harness.engine.run(job.id);
    expect(report).toMatchObject({ state: 'failed', written: 0, breakerTrips: 0 });
    // The documented cause and what to do; nothing retried.
    expect(report.error).toMatch(/block limit: Notion's Free plan allows a workspace with more than one member 1,000 blocks/);
    expect(report.error).toMatch(/Upgrade the workspace's plan, or choose a database in another workspace/);
    expect(report.failed).toHaveLength(12);
    expect(harness.notion.stats().byStatus['403']).toBe(1);
    expect(harness.notion.requests.filter((r) => r.route === 'POST /v1/pages')).toHaveLength(1);
  });

  it('a database deleted mid-job is recreated under the page and the job finishes there', async () => {
    harness = await startHarness();
    const events: WriterEvent[] = [];
    let deleted: string | undefined;
    const { job } = await harness.engine.prepare(json(makeQuoteRecords(40, 36)), harness.engine.targetFor());
    const report = await harness.engine.run(job.id, {
      reporter: {
        started: ({ database }) => void (deleted = database.databaseId),
        progress: (p) => {
          if (p.settled === 15 && harness!.notion.databaseIds().length === 1) harness!.notion.trashDatabase(deleted!);
        },
        event: (e) => events.push(e),
      },
    });
    expect(report.state).toBe('done');
    expect(report.databases[0]!.id).not.toBe(deleted);
    expect(events.find((e) => e.kind === 'recovered')?.message).toMatch(/deleted.*created a new one.*15 earlier quote/);
    const ids = idsIn(harness, report.databases[0]!.dataSourceId);
    expect(multiplicity(ids).duplicates).toEqual([]);
    expect(ids).toHaveLength(40);
  });

  it('chunking makes one database per chunk and a failing chunk does not stop the others', async () => {
    harness = await startHarness();
    const { job } = await harness.engine.prepare(json(makeQuoteRecords(25, 37)), harness.engine.targetFor(), { chunkSize: 10 });
    const report = await harness.engine.run(job.id, {
      reporter: {
        // Part 1 is open: make the next database create fail as if the page were not shared.
        started: () => harness!.notion.injectNext('POST /v1/databases', 'not_found', 1),
      },
    });
    expect(harness.notion.databaseTitles()).toEqual(['Quotes (part 1/3)', 'Quotes (part 3/3)']);
    expect(report.databases.map((d) => d.title)).toEqual(['Quotes (part 1/3)', 'Quotes (part 3/3)']);
    expect(report.written).toBe(15);
    expect(report.failed).toHaveLength(10);
    expect(report.state).toBe('partial');
    const csv = parseQuotes(readFileSync(report.fallbackCsv!), { format: 'csv' });
    expect(csv.quotes).toHaveLength(10);
  });

  it('refuses chunking into a single existing database', async () => {
    harness = await startHarness();
    await expect(harness.engine.prepare(json(makeQuoteRecords(3, 38)), { kind: 'database', databaseId: 'x' }, { chunkSize: 2 })).rejects.toThrow(
      /parent page/,
    );
  });

  it('the careful profile pauses between quotes and backs off long after a conflict', async () => {
    harness = await startHarness({ env: { NOTION_PROFILE: 'careful', NOTION_CAREFUL_PAUSE_MS: '7', NOTION_CAREFUL_CONFLICT_MS: '40' } });
    harness.notion.injectNext('POST /v1/pages', 'conflict', 1);
    const creates: number[] = [];
    const { job } = await harness.engine.prepare(json(makeQuoteRecords(4, 39)), harness.engine.targetFor());
    expect(job.options.careful).toBe(true);
    const report = await harness.engine.run(job.id);
    for (const r of harness.notion.requests) if (r.route === 'POST /v1/pages') creates.push(r.at);
    expect(report.written).toBe(4);
    const gaps = creates.slice(1).map((t, i) => t - creates[i]!);
    expect(Math.min(...gaps)).toBeGreaterThanOrEqual(6);
    expect(report.retries.conflict).toBe(1);
  });
});
