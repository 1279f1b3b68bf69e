/**
 * `npm run local-notion`: the bundled local Notion (test/fakes/local-notion.ts) on its own, to try
 * the command line or the app against it without an account. Prints its URL, token and parent page
 * and the environment lines that point quote-sync at it, then runs until Ctrl-C (SIGINT) or
 * SIGTERM, and says what it held. Everything is in memory, so each start comes with a store of its
 * own (a temporary QUOTE_SYNC_DB, removed at the end): a store that remembered another run's
 * databases would point at ones this Notion never had.
 *
 *   --port N    listen on this port (default 4010; 0 picks a free one)
 *   --rate N    a budget of N requests a second, answered 429 beyond it (default: none)
 *   --faults    the demo's faults: 10% conflicts, 5% lost responses, 2% server errors
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { startNotionServer, type LocalNotion } from '../test/fakes/local-notion.js';

export const DEFAULT_PORT = 4010;
const SAMPLE = 'test/fixtures/quotes/sample-gumloop.json';

function wholeNumber(flag: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (/^\d+$/.test(value)) return Number(value);
  process.stderr.write(`--${flag} "${value}" must be a whole number.\n`);
  process.exit(2);
}

let values;
try {
  ({ values } = parseArgs({ options: { port: { type: 'string' }, rate: { type: 'string' }, faults: { type: 'boolean', default: false } } }));
} catch (error) {
  process.stderr.write(`${(error as Error).message}\nusage: npm run local-notion -- [--port N] [--rate N] [--faults]\n`);
  process.exit(2);
}
const port = wholeNumber('port', values.port, DEFAULT_PORT);
const rate = wholeNumber('rate', values.rate, 0);

let notion: LocalNotion;
try {
  notion = await startNotionServer({
    port,
    ...(rate > 0 ? { rateLimit: { requestsPerSecond: rate } } : {}),
    ...(values.faults ? { faults: { conflictRate: 0.1, lostResponseRate: 0.05, serverErrorRate: 0.02 } } : {}),
  });
} catch (error) {
  const code = (error as NodeJS.ErrnoException).code;
  process.stderr.write(
    code === 'EADDRINUSE' ? `Port ${port} is taken: pass another, e.g. npm run local-notion -- --port 0\n` : `The local Notion did not start: ${(error as Error).message}\n`,
  );
  process.exit(1);
}
const storeDir = mkdtempSync(join(tmpdir(), 'quote-sync-local-notion-'));
const env = {
  NOTION_API_URL: notion.url,
  NOTION_TOKEN: notion.token,
  NOTION_PARENT_PAGE_ID: notion.parentPageId,
  NOTION_DATABASE_ID: '',
  QUOTE_SYNC_DB: join(storeDir, 'quote-sync.db'),
};
const behaviour = [rate > 0 ? `a budget of ${rate} requests/s` : 'no rate limit', values.faults ? 'faults on' : 'no faults'].join(', ');
process.stdout.write(
  `local Notion on ${notion.url} (${behaviour}; in memory: Ctrl-C stops it and forgets everything)\n` +
    `  token:       ${notion.token}\n` +
    `  parent page: ${notion.parentPageId} ("Research", shared with the integration)\n\n` +
    'In another terminal, point quote-sync at it (or put these lines, without `export`, in .env):\n\n' +
    Object.entries(env)
      .map(([name, value]) => `export ${name}=${value}\n`)
      .join('') +
    `\nthen sync a file:\n\n  npm run quote-sync -- sync ${SAMPLE}\n\n`,
);

let stopping = false;
async function stop(signal: string): Promise<void> {
  if (stopping) return;
  stopping = true;
  const titles = notion.databaseTitles();
  const held = notion.databaseIds().map((id, i) => `"${titles[i] ?? id}" (${notion.pages(notion.dataSourceOf(id)).length} page(s))`);
  await notion.close();
  rmSync(storeDir, { recursive: true, force: true });
  process.stdout.write(
    `\n${signal}: local Notion stopped after ${notion.stats().total} request(s); it held ${held.length} database(s)${held.length ? `: ${held.join(', ')}` : ''}.\n`,
  );
  process.exit(0);
}
process.once('SIGINT', () => void stop('SIGINT'));
process.once('SIGTERM', () => void stop('SIGTERM'));
