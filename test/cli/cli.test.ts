import { writeFileSync, mkdtempSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startNotionServer, type LocalNotion } from '../fakes/local-notion.js';
import { JobStore } from '../../src/store/index.js';
import { cli } from '../support/cli.js';
import { fastEnv, multiplicity, tempDbPath } from '../support/harness.js';
import { makeQuoteRecords, recordsToCsv } from '../support/quote-factory.js';

let notion: LocalNotion | undefined;
afterEach(async () => {
  await notion?.close();
  notion = undefined;
});

function file(name: string, content: string): string {
  const path = join(mkdtempSync(join(tmpdir(), 'quote-sync-cli-')), name);
  writeFileSync(path, content);
  return path;
}

describe('quote-sync command line', () => {
  it('syncs a CSV and prints one JSON report with the documented fields', async () => {
    notion = await startNotionServer({ seed: 3 });
    const env = fastEnv(notion, tempDbPath());
    const path = file('quotes.csv', recordsToCsv(makeQuoteRecords(25, 3)) + '\n,Pricing,positive,,,,,,\n');
    const result = await cli(['sync', path, '--json'], env);
    expect(result.code).toBe(0);
    const jobId = /^job (\w+)$/m.exec(result.stderr)?.[1];
    expect(jobId).toBeTruthy();
    const report = JSON.parse(result.stdout);
    expect(Object.keys(report).sort()).toEqual(
      [
        'alreadyPresent',
        'breakerTrips',
        'databases',
        'duplicates',
        'durationMs',
        'failed',
        'fallbackCsv',
        'fields',
        'jobId',
        'pending',
        'rejected',
        'requests',
        'retries',
        'state',
        'total',
        'unchanged',
        'updated',
        'warnings',
        'written',
      ].sort(),
    );
    expect(report).toMatchObject({ jobId, total: 26, written: 25, failed: [], state: 'done' });
    expect(report.rejected).toEqual([{ row: 27, reason: expect.stringMatching(/text/) }]);
    expect(Object.keys(report.retries).sort()).toEqual(['ambiguous', 'conflict', 'rateLimited', 'server']);
    expect(report.databases[0]).toMatchObject({ title: 'Quotes', url: expect.stringContaining('notion.so') });

    const jobs = await cli(['jobs', '--json'], env);
    expect(JSON.parse(jobs.stdout)[0]).toMatchObject({
      id: jobId,
      state: 'done',
      written: 25,
      target: { kind: 'parent', parentPageId: notion.parentPageId, title: 'Quotes' },
      databases: [{ title: 'Quotes', url: report.databases[0].url }],
    });
    // Each job's line says where it wrote.
    expect((await cli(['jobs'], env)).stdout).toContain(`→ "Quotes" ${report.databases[0].url}`);
  });

  it('exits 2 with a clear message and writes nothing for unusable input or configuration', async () => {
    notion = await startNotionServer({ seed: 4 });
    const env = fastEnv(notion, tempDbPath());
    const cases: [string[], Record<string, string | undefined>, RegExp][] = [
      [['sync', '/nonexistent/quotes.csv'], env, /no file/i],
      [['sync', file('q.json', '{"rows": 3}')], env, /shape|quotes/i],
      [['sync', file('q.csv', 'name,score\nx,1\n')], env, /text/i],
      [['sync', file('q.csv', 'text\n\n   \n')], env, /quote/i],
      [['sync', file('q.json', '[{"text": "a"')], env, /JSON/],
      [['sync', file('q.csv', 'text\nhello\n')], { ...env, NOTION_TOKEN: '' }, /NOTION_TOKEN/],
      [['sync', file('q.csv', 'text\nhello\n')], { ...env, NOTION_PARENT_PAGE_ID: '' }, /NOTION_DATABASE_ID|NOTION_PARENT_PAGE_ID/],
      [['sync', file('q.csv', 'text\nhello\n')], { ...env, NOTION_REQUESTS_PER_SECOND: 'lots' }, /NOTION_REQUESTS_PER_SECOND/],
      [['sync', file('q.csv', 'text\nhello\n'), '--database', 'nope'], env, /not a Notion id/],
      [['sync', file('q.csv', 'text\nhello\n'), '--chunk-size', '0'], env, /--chunk-size "0"/],
      [['sync', file('q.csv', 'text\nhello\n'), '--chunk-size', 'ten'], env, /--chunk-size "ten"/],
      [['sync', file('q.csv', 'text\nhello\n'), '--database', 'x', '--parent-page', 'y'], env, /not both/],
      [['sync', file('q.csv', 'text\nhello\n'), '--chunk-size', '5', '--database', '0123456789abcdef0123456789abcdef'], env, /parent page/],
      [['sync'], env, /needs a file/],
      [['sync', '--bogus', 'q.csv'], env, /bogus/],
      [['frobnicate'], env, /unknown command/],
      [['resume', 'nosuchjob'], env, /no job nosuchjob/],
    ];
    for (const [argv, e, message] of cases) {
      const result = await cli(argv, e);
      expect({ argv, code: result.code }).toEqual({ argv, code: 2 });
      expect(result.stderr).toMatch(message);
      expect(result.stderr).not.toMatch(/at .*\.ts:\d+/); // no stack traces
    }
    expect(notion.requests.filter((r) => r.method === 'POST')).toEqual([]);
  });

  it('exits 3 and names the failed quotes when Notion refuses the token', async () => {
    notion = await startNotionServer({ seed: 5 });
    const env = fastEnv(notion, tempDbPath());
    notion.revokeToken();
    const result = await cli(['sync', file('q.json', JSON.stringify(makeQuoteRecords(5, 5))), '--json'], env);
    expect(result.code).toBe(3);
    const report = JSON.parse(result.stdout);
    expect(report.state).toBe('failed');
    expect(report.failed).toHaveLength(5);
    expect(report.error).toMatch(/token/);
  });

  it('leaves a job alone (exit 3, nothing written) while another live process holds its lease', async () => {
    notion = await startNotionServer({ seed: 5 });
    const env = fastEnv(notion, tempDbPath());
    const path = file('quotes.csv', recordsToCsv(makeQuoteRecords(6, 5)));
    notion.revokeToken();
    const first = await cli(['sync', path], env);
    expect(first.code).toBe(3);
    notion.restoreToken();
    const jobId = /^job (\w+)$/m.exec(first.stderr)![1]!;
    // The test runner's parent process is alive on this host: its lease is respected.
    const store = await JobStore.open(env.QUOTE_SYNC_DB!);
    expect((await store.leases.acquire(jobId, `${hostname()}:${process.ppid}:other`, 60_000)).ok).toBe(true);
    await store.close();
    const before = notion.requests.length;
    const second = await cli(['resume', jobId], env);
    expect(second.code).toBe(3);
    expect(second.stderr).toContain(`Job ${jobId} is being run by another process sharing this store`);
    expect(notion.requests.length).toBe(before);
  });

  it('running sync twice on the same file writes each quote once', async () => {
    notion = await startNotionServer({ seed: 6, faults: { lostResponseRate: 0.1 } });
    const env = fastEnv(notion, tempDbPath());
    const path = file('q.json', JSON.stringify(makeQuoteRecords(60, 6)));
    const first = await cli(['sync', path, '--json'], env);
    const second = await cli(['sync', path, '--json'], env);
    expect([first.code, second.code]).toEqual([0, 0]);
    const a = JSON.parse(first.stdout);
    const b = JSON.parse(second.stdout);
    expect(b).toMatchObject({ written: 0, alreadyPresent: a.written });
    const ids = notion.propertyTexts(a.databases[0].dataSourceId, 'Quote ID');
    expect(multiplicity(ids).duplicates).toEqual([]);
    expect(ids).toHaveLength(a.written);
  });
});
