/**
 * `npm run demo`: syncs the bundled sample quotes into the bundled local Notion, with faults
 * switched on (conflicts, lost responses, a rate budget), and shows that every quote landed
 * exactly once. No account and no .env needed.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runCli } from '../src/cli/run.js';
import { startNotionServer } from '../test/fakes/local-notion.js';

const sample = fileURLToPath(new URL('../test/fixtures/quotes/sample-gumloop.json', import.meta.url));
const RATE = 8;

const notion = await startNotionServer({
  seed: 2026,
  rateLimit: { requestsPerSecond: RATE },
  faults: { conflictRate: 0.1, lostResponseRate: 0.05, serverErrorRate: 0.02 },
});
const dbPath = join(mkdtempSync(join(tmpdir(), 'quote-sync-demo-')), 'demo.db');
process.stderr.write(
  `local Notion on ${notion.url}: budget ${RATE} requests/s, 10% conflicts, 5% lost responses, 2% server errors\n` +
    `syncing ${sample}\n\n`,
);

const env = {
  ...process.env,
  NOTION_TOKEN: notion.token,
  NOTION_API_URL: notion.url,
  NOTION_PARENT_PAGE_ID: notion.parentPageId,
  NOTION_DATABASE_ID: '',
  NOTION_REQUESTS_PER_SECOND: String(RATE),
  NOTION_RETRY_BASE_MS: '200',
  NOTION_RETRY_MAX_MS: '2000',
  NOTION_TIMEOUT_MS: '5000',
  QUOTE_SYNC_DB: dbPath,
};
const code = await runCli(['sync', sample], { stdout: process.stdout, stderr: process.stderr, env });

const [databaseId] = notion.databaseIds();
if (databaseId) {
  const ids = notion.propertyTexts(notion.dataSourceOf(databaseId), 'Quote ID');
  const unique = new Set(ids).size;
  const byStatus = notion.stats().byStatus;
  process.stdout.write(
    `\nthe local Notion now holds ${ids.length} quote page(s), ${unique} distinct: ${ids.length - unique} duplicate(s)\n` +
      `answers it gave: ${Object.entries(byStatus)
        .map(([status, n]) => `${status}×${n}`)
        .join(', ')}\n`,
  );
}
await notion.close();
process.exitCode = code;
