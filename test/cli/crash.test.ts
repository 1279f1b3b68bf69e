import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startNotionServer, type LocalNotion } from '../fakes/local-notion.js';
import { exited, spawnCli, until } from '../support/cli.js';
import { fastEnv, multiplicity, seededRandom, tempDbPath } from '../support/harness.js';
import { makeQuoteRecords } from '../support/quote-factory.js';

let notion: LocalNotion | undefined;
afterEach(async () => {
  await notion?.close();
  notion = undefined;
});

const creates = (n: LocalNotion) => n.requests.filter((r) => r.method === 'POST' && r.path === '/v1/pages').length;

describe('kill and resume', () => {
  it('500 quotes, SIGKILL at random moments and resumed each time: every quote in Notion exactly once', async () => {
    notion = await startNotionServer({ seed: 21, faults: { conflictRate: 0.05, lostResponseRate: 0.03 } });
    // Slow enough that a kill lands mid-job: 300 requests a second.
    const env = fastEnv(notion, tempDbPath(), { NOTION_REQUESTS_PER_SECOND: '300' });
    const path = join(mkdtempSync(join(tmpdir(), 'quote-sync-crash-')), 'quotes.json');
    const records = makeQuoteRecords(500, 21);
    writeFileSync(path, JSON.stringify(records));
    const random = seededRandom(21);

    let jobId: string | undefined;
    let kills = 0;
    for (let round = 0; round < 6; round++) {
      const child = spawnCli(jobId ? ['resume', jobId] : ['sync', path], env);
      let stderr = '';
      child.stderr!.on('data', (d) => (stderr += d));
      const before = creates(notion);
      // Kill after a random number of further creates (10..60).
      const target = before + 20 + Math.floor(random() * 60);
      const exit = exited(child);
      let finished = false;
      void exit.then(() => (finished = true));
      await until(() => finished || creates(notion!) >= target);
      if (!finished) {
        child.kill('SIGKILL');
        kills += 1;
      }
      const { signal } = await exit;
      jobId ??= /^job (\w+)$/m.exec(stderr)?.[1];
      expect(jobId, stderr).toBeTruthy();
      if (!signal) break;
    }
    expect(kills).toBeGreaterThanOrEqual(3);

    const final = spawnCli(['resume', jobId!, '--json'], env);
    let stdout = '';
    final.stdout!.on('data', (d) => (stdout += d));
    const { code } = await exited(final);
    expect(code).toBe(0);
    const report = JSON.parse(stdout);
    const ids = notion.propertyTexts(report.databases[0].dataSourceId, 'Quote ID');
    expect(multiplicity(ids).duplicates).toEqual([]);
    expect(new Set(ids).size).toBe(report.total - report.duplicates - report.rejected.length);
    expect(report.failed).toEqual([]);
    expect(report.written + report.alreadyPresent).toBe(ids.length);
  });
});

describe('Ctrl-C', () => {
  it('SIGINT stops after the request in flight, exits 130, and resume finishes the job', async () => {
    notion = await startNotionServer({ seed: 22 });
    const env = fastEnv(notion, tempDbPath(), { NOTION_REQUESTS_PER_SECOND: '200' });
    const path = join(mkdtempSync(join(tmpdir(), 'quote-sync-sigint-')), 'quotes.json');
    writeFileSync(path, JSON.stringify(makeQuoteRecords(200, 22)));
    const child = spawnCli(['sync', path], env);
    let stderr = '';
    child.stderr!.on('data', (d) => (stderr += d));
    const exit = exited(child);
    await until(() => creates(notion!) >= 20);
    child.kill('SIGINT');
    const { code } = await exit;
    expect(code).toBe(130);
    expect(stderr).toMatch(/SIGINT: stopping after the request in flight/);
    const jobId = /^job (\w+)$/m.exec(stderr)![1]!;
    expect(stderr).toContain(`quote-sync resume ${jobId}`);
    expect(creates(notion)).toBeLessThan(200);

    const resumed = spawnCli(['resume', jobId, '--json'], env);
    let stdout = '';
    resumed.stdout!.on('data', (d) => (stdout += d));
    expect((await exited(resumed)).code).toBe(0);
    const report = JSON.parse(stdout);
    const ids = notion.propertyTexts(report.databases[0].dataSourceId, 'Quote ID');
    expect(ids).toHaveLength(200);
    expect(multiplicity(ids).duplicates).toEqual([]);
  });
});
