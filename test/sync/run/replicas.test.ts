/**
 * Engines of several replicas on one store, in one process, against the local Notion: two jobs
 * for the same parent page started at once make one database between them, and both write into
 * it, every quote once. (test/replicas/ runs the replicas as processes.)
 */
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config.js';
import { silentLogger } from '../../../src/logger.js';
import { JobStore } from '../../../src/store/index.js';
import { SyncEngine } from '../../../src/sync/run/engine.js';
import { startNotionServer, type LocalNotion } from '../../fakes/local-notion.js';
import { fastEnv, multiplicity, seededRandom } from '../../support/harness.js';
import { makeQuoteRecords } from '../../support/quote-factory.js';
import { storeBackends } from '../../support/store.js';

let notion: LocalNotion | undefined;
const opened: { engine: SyncEngine; store: JobStore }[] = [];
afterEach(async () => {
  for (const { engine, store } of opened.splice(0)) {
    await engine.close();
    await store.close();
  }
  await notion?.close();
  notion = undefined;
});

async function replica(location: string, seed: number): Promise<SyncEngine> {
  const config = loadConfig(fastEnv(notion!, location));
  const store = await JobStore.open(config.dbPath);
  const engine = await SyncEngine.open({ config, store, logger: silentLogger, random: seededRandom(seed) });
  opened.push({ engine, store });
  return engine;
}

describe.each(storeBackends())('replicas on one $name store', ({ fresh }) => {
  it('two jobs into the same parent page at once make one database; every quote of both once', async () => {
    // A slow Notion: the first replica is still making the database when the second asks for it.
    notion = await startNotionServer({ seed: 81, latencyMs: 15 });
    const location = await fresh();
    const replicas = await Promise.all([replica(location, 1), replica(location, 2), replica(location, 3)]);
    const jobs = await Promise.all(
      replicas.map((engine, i) =>
        engine.prepare({ name: `batch-${i}.json`, content: JSON.stringify(makeQuoteRecords(8, 81 + i)) }, engine.targetFor()),
      ),
    );
    const reports = await Promise.all(replicas.map((engine, i) => engine.run(jobs[i]!.job.id)));
    expect(notion.databaseIds()).toHaveLength(1);
    expect(new Set(reports.map((r) => r.databases[0]!.id)).size).toBe(1);
    expect(reports.map((r) => r.state)).toEqual(['done', 'done', 'done']);
    const ids = notion.propertyTexts(reports[0]!.databases[0]!.dataSourceId, 'Quote ID');
    expect(ids).toHaveLength(24);
    expect(multiplicity(ids).duplicates).toEqual([]);
  });
});
