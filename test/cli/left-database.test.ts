/**
 * The command line killed between Notion creating the database and the store recording it: the
 * local Notion applies `POST /v1/databases` and holds its answer, and the process is SIGKILLed
 * while it waits. The next run takes the stale creation claim over, finds that database under the
 * parent page and adopts it: one database in the end, every quote in it once.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { JobStore } from '../../src/store/index.js';
import { startNotionServer, type LocalNotion } from '../fakes/local-notion.js';
import { exited, runProcess, spawnCli, until } from '../support/cli.js';
import { fastEnv, multiplicity, tempDbPath } from '../support/harness.js';
import { makeQuoteRecords } from '../support/quote-factory.js';

let notion: LocalNotion | undefined;
afterEach(async () => {
  await notion?.close();
  notion = undefined;
});

const DATABASE_CREATE = 'POST /v1/databases';

describe('killed between database creation and recording', () => {
  it('the next run adopts the database the killed one made: one database under the page, every quote in it', { timeout: 60_000 }, async () => {
    notion = await startNotionServer({ seed: 31 });
    // The held answer never times out while the test kills the process; the stale claim is taken over after 0.5 s.
    const env = fastEnv(notion, tempDbPath(), { NOTION_TIMEOUT_MS: '30000', NOTION_CREATE_CLAIM_TAKEOVER_MS: '500' });
    const path = join(mkdtempSync(join(tmpdir(), 'quote-sync-left-db-')), 'quotes.json');
    writeFileSync(path, JSON.stringify(makeQuoteRecords(60, 31)));

    // Notion makes the database and its answer never comes.
    notion.injectNext(DATABASE_CREATE, 'hang');
    const child = spawnCli(['sync', path], env);
    const gone = exited(child);
    await until(() => notion!.requests.some((r) => r.route === DATABASE_CREATE && r.applied));
    child.kill('SIGKILL');
    expect((await gone).signal).toBe('SIGKILL');
    const [made] = notion.databaseIds();
    expect(notion.databaseIds()).toEqual([made]);
    // The claim to make it is left without a database, and the store knows none.
    const parentPageId = loadConfig(env).notion.parentPageId!;
    const store = await JobStore.open(env.QUOTE_SYNC_DB!);
    expect(await store.triggers.get(`notion-database:${parentPageId}:new:Quotes`)).toEqual({ key: expect.any(String), claimedAt: expect.any(String) });
    expect(await store.databases.createdUnder(parentPageId, 'Quotes')).toBeUndefined();
    await store.close();

    const rerun = await runProcess(['sync', path, '--json'], env);
    expect(rerun.code, rerun.stderr).toBe(0);
    const report = JSON.parse(rerun.stdout) as { databases: { id: string }[]; written: number };
    expect(report.databases.map((d) => d.id)).toEqual([made]);
    expect(notion.databaseIds()).toEqual([made]);
    expect(notion.requests.filter((r) => r.route === DATABASE_CREATE)).toHaveLength(1);
    const ids = notion.propertyTexts(notion.dataSourceOf(made!), 'Quote ID');
    expect(ids).toHaveLength(60);
    expect(multiplicity(ids).duplicates).toEqual([]);
    expect(report.written).toBe(60);
  });
});
