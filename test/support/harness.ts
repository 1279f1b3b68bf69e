/**
 * Test set-up shared by the end-to-end suites: a local Notion, a fresh store, and a
 * configuration pointing the real SDK at it with timings scaled down.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, type Config } from '../../src/config.js';
import { silentLogger } from '../../src/logger.js';
import { isPostgresLocation, JobStore } from '../../src/store/index.js';
import { SyncEngine } from '../../src/sync/run/engine.js';
import { seededRandom } from './random.js';
import { startNotionServer, type LocalNotion, type LocalNotionOptions } from '../fakes/local-notion.js';

/** Environment for a fast run against the local Notion: every delay scaled down. */
export function fastEnv(notion: LocalNotion, dbPath: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    NOTION_TOKEN: notion.token,
    NOTION_API_URL: notion.url,
    NOTION_PARENT_PAGE_ID: notion.parentPageId,
    NOTION_REQUESTS_PER_SECOND: '1000',
    NOTION_RETRY_BASE_MS: '2',
    NOTION_RETRY_MAX_MS: '20',
    NOTION_MAX_ATTEMPTS: '8',
    NOTION_TIMEOUT_MS: '1000',
    NOTION_READY_TIMEOUT_MS: '2000',
    BREAKER_COOLDOWN_MS: '20',
    LOG_LEVEL: 'silent',
    QUOTE_SYNC_DB: dbPath,
    // A PostgreSQL store has no folder to keep fallback CSVs beside: they would land in ./data of the checkout.
    ...(isPostgresLocation(dbPath) ? { QUOTE_SYNC_DATA_DIR: mkdtempSync(join(tmpdir(), 'quote-sync-data-')) } : {}),
    ...extra,
  };
}

/** A store file in a fresh folder of the run's temporary folder (removed at the end of the run: temp-global-setup.ts). */
export function tempDbPath(): string {
  return join(mkdtempSync(join(tmpdir(), 'quote-sync-')), 'quote-sync.db');
}

export { seededRandom };

export interface Harness {
  notion: LocalNotion;
  config: Config;
  store: JobStore;
  engine: SyncEngine;
  env: Record<string, string>;
  close(): Promise<void>;
}

export async function startHarness(
  options: { notion?: LocalNotionOptions; env?: Record<string, string>; seed?: number } = {},
): Promise<Harness> {
  const notion = await startNotionServer({ seed: options.seed ?? 1, ...options.notion });
  const env = fastEnv(notion, tempDbPath(), options.env);
  const config = loadConfig(env);
  const store = await JobStore.open(config.dbPath);
  const engine = await SyncEngine.open({ config, store, logger: silentLogger, random: seededRandom(options.seed ?? 1) });
  return {
    notion,
    config,
    store,
    engine,
    env,
    async close() {
      await engine.close();
      await store.close();
      await notion.close();
    },
  };
}

/** Counts of each value: the exactly-once check. */
export function multiplicity(values: string[]): { duplicates: string[]; unique: Set<string> } {
  const seen = new Set<string>();
  const duplicates: string[] = [];
  for (const v of values) {
    if (seen.has(v)) duplicates.push(v);
    seen.add(v);
  }
  return { duplicates, unique: seen };
}
