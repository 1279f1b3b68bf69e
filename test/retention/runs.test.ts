/**
 * Retention as runs meet it: a cleared job is never resumed or retried, the same file synced
 * again finds its quotes already in Notion, the command line sweeps after a run, and the app at
 * start (and says why a retry cannot happen). Old jobs are made with the store's clock set back.
 */
import { existsSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { JobTextsClearedError } from '../../src/errors.js';
import { silentLogger } from '../../src/logger.js';
import { sweepRetention } from '../../src/retention/sweep.js';
import { JobStore } from '../../src/store/index.js';
import { SyncEngine } from '../../src/sync/run/engine.js';
import { fallbackFileName } from '../../src/sync/outcome/fallback.js';
import { startNotionServer, type LocalNotion } from '../fakes/local-notion.js';
import { cli } from '../support/cli.js';
import { fastEnv, multiplicity, tempDbPath } from '../support/harness.js';
import { makeQuoteRecords, quotesFile } from '../support/quote-factory.js';
import { startSlackApp, type SlackAppHarness } from '../support/slack-app.js';
import { parsed, storeBackends, target } from '../support/store.js';

const DAY = 86_400_000;
const monthLater = () => new Date(Date.now() + 31 * DAY);

let notion: LocalNotion | undefined;
let h: SlackAppHarness | undefined;
const closing: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of closing.splice(0).reverse()) await close();
  await h?.close();
  await notion?.close();
  h = notion = undefined;
});

/** A finished job made `daysAgo` days ago (the store's clock set back), with its fallback CSV. */
async function oldJob(location: string, dataDir: string, state: 'done' | 'failed', daysAgo: number): Promise<string> {
  const store = await JobStore.open(location, { now: () => new Date(Date.now() - daysAgo * DAY) });
  const job = await store.jobs.create({ source: 'old.csv', sourceSha256: `old-${state}`, target, parsed });
  await store.quotes.setState(job.id, 'q2', 'failed', { reason: 'Notion said no' });
  await store.jobs.setState(job.id, state);
  await store.close();
  writeFileSync(join(dataDir, fallbackFileName(job.id)), 'text,reason\n');
  return job.id;
}

describe.each(storeBackends())('a cleared job, on $name', ({ fresh }) => {
  async function engineOn(location: string) {
    notion = await startNotionServer({ seed: 31 });
    const config = loadConfig(fastEnv(notion, location));
    const store = await JobStore.open(location);
    const engine = await SyncEngine.open({ config, store, logger: silentLogger });
    closing.push(() => store.close(), () => engine.close());
    return { config, store, engine };
  }

  it('is not resumed: the same file again is a new job that finds every quote already in Notion and writes none twice', async () => {
    const { config, store, engine } = await engineOn(await fresh());
    const file = { name: 'quotes.json', content: JSON.stringify(makeQuoteRecords(40, 31)) };
    const first = await engine.prepare(file, engine.targetFor());
    expect((await engine.run(first.job.id)).written).toBe(40);

    expect((await sweepRetention({ store, dataDir: config.dataDir, days: 30, now: monthLater })).clearedJobs).toEqual([first.job.id]);
    const again = await engine.prepare(file, engine.targetFor());
    expect(again.resumed).toBe(false);
    expect(again.job.id).not.toBe(first.job.id);
    const report = await engine.run(again.job.id);
    expect(report).toMatchObject({ state: 'done', written: 0, alreadyPresent: 40 });
    const ids = notion!.propertyTexts(report.databases[0]!.dataSourceId, 'Quote ID');
    expect(ids).toHaveLength(40);
    expect(multiplicity(ids).duplicates).toEqual([]);
  });

  it('is neither run nor retried: both say why, and what to do instead', async () => {
    const location = await fresh();
    const { config, store, engine } = await engineOn(location);
    const failed = await oldJob(location, config.dataDir, 'failed', 40);
    expect((await sweepRetention({ store, dataDir: config.dataDir, days: 30 })).clearedJobs).toEqual([failed]);
    await expect(engine.run(failed)).rejects.toBeInstanceOf(JobTextsClearedError);
    await expect(engine.requeueFailed(failed)).rejects.toThrow(/Job [0-9a-f]{10} finished long ago: its quotes were cleared from the store on \d{4}-\d\d-\d\d \(RETENTION_DAYS\), so it cannot be resumed or retried\. Sync the file again/);
    // Its record is as it was: one quote failed, with its reason.
    expect(await engine.report(failed)).toMatchObject({ state: 'failed', failed: [{ id: 'q2', reason: 'Notion said no' }] });
    expect(await store.leases.isFree(failed)).toBe(true);
  });
});

describe('the command line', () => {
  it('clears old finished jobs after a run, keeps the new one, and refuses to resume a cleared job (exit 2)', async () => {
    notion = await startNotionServer({ seed: 32 });
    const env = fastEnv(notion, tempDbPath());
    const dataDir = dirname(env.QUOTE_SYNC_DB!);
    const old = await oldJob(env.QUOTE_SYNC_DB!, dataDir, 'failed', 31);
    const recent = await oldJob(env.QUOTE_SYNC_DB!, dataDir, 'done', 29);

    const run = await cli(['sync', quotesFile(5, 32), '--json'], env);
    expect(run.code).toBe(0);
    expect(existsSync(join(dataDir, fallbackFileName(old)))).toBe(false);
    expect(existsSync(join(dataDir, fallbackFileName(recent)))).toBe(true);
    const store = await JobStore.open(env.QUOTE_SYNC_DB!);
    closing.push(() => store.close());
    expect(await store.retention.clearedAt(old)).toBeDefined();
    expect(await store.retention.clearedAt(recent)).toBeUndefined();
    expect(await store.retention.clearedAt(JSON.parse(run.stdout).jobId)).toBeUndefined();

    const resume = await cli(['resume', old], env);
    expect(resume.code).toBe(2);
    expect(resume.stderr).toMatch(new RegExp(`Job ${old} finished long ago: .* Sync the file again: the quotes already in Notion are found there and not written twice\\.\\n$`));
  });

  it('keeps everything with RETENTION_DAYS=0', async () => {
    notion = await startNotionServer({ seed: 33 });
    const env = fastEnv(notion, tempDbPath(), { RETENTION_DAYS: '0' });
    const old = await oldJob(env.QUOTE_SYNC_DB!, dirname(env.QUOTE_SYNC_DB!), 'done', 400);
    expect((await cli(['sync', quotesFile(3, 33)], env)).code).toBe(0);
    expect(existsSync(join(dirname(env.QUOTE_SYNC_DB!), fallbackFileName(old)))).toBe(true);
  });
});

describe('the Slack app', () => {
  it('sweeps at start, and answers a retry of a cleared job with why and what to do', async () => {
    const dbPath = tempDbPath();
    const old = await oldJob(dbPath, dirname(dbPath), 'failed', 45);
    h = await startSlackApp({ dbPath });
    const store = h.app.context.store;
    // The first sweep runs as the app starts, beside the rest of the start-up.
    await expect.poll(() => existsSync(join(dirname(dbPath), fallbackFileName(old))), { interval: 5, timeout: 10_000 }).toBe(false);
    expect(await store.retention.clearedAt(old)).toBeDefined();

    const retry = await h.driver.command(`retry ${old}`);
    expect((await h.slack.commandResponse(retry.responseId)).text).toMatch(new RegExp(`^Job ${old} finished long ago: its quotes were cleared from the store on `));
  });
});
