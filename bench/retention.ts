/**
 * `npx tsx bench/retention.ts`: what retention (RETENTION_DAYS) gives back on disk. A few runs of
 * a large file leave a data folder with the SQLite store and its fallback CSVs; one sweep as the
 * app or the command line runs it, 31 days later (by the sweep's clock), clears what the finished
 * jobs left. Prints the data folder's size before and after, on a store made by this code
 * (incremental auto-vacuum) and on one made before it (rewritten once by VACUUM).
 *
 * The runs: (1) the file into a workspace at its block limit (every create refused: the job
 * fails, every quote goes to its CSV), (2) that CSV synced again into the same workspace (a new
 * job, another CSV), (3) a second file of the same size into a working Notion (done).
 * BENCH_RETENTION_MB sets the size of each file (default 30). Its temporary folder is removed at the end.
 */
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { runCli } from '../src/cli/run.js';
import { sweepRetention } from '../src/retention/sweep.js';
import { JobStore } from '../src/store/index.js';
import type { SyncReport } from '../src/sync/outcome/report.js';
import { startNotionServer, type LocalNotionOptions } from '../test/fakes/local-notion.js';
import { makeQuoteRecords } from '../test/support/quote-factory.js';

const MB = 1024 * 1024;
const TARGET_MB = Number(process.env.BENCH_RETENTION_MB ?? 30);
const DAY_MS = 86_400_000;
const dir = mkdtempSync(join(tmpdir(), 'quote-sync-retention-bench-'));
const dataDir = join(dir, 'data');
const dbPath = join(dataDir, 'quote-sync.db');
const log = (line: string) => process.stderr.write(`${line}\n`);

/** A JSON file of about TARGET_MB of quotes (540 bytes each, as the factory makes them). */
function inputFile(name: string, seed: number): { path: string; quotes: number; bytes: number } {
  const perQuote = JSON.stringify(makeQuoteRecords(200, seed)).length / 200;
  const quotes = Math.round((TARGET_MB * MB) / perQuote);
  const text = JSON.stringify(makeQuoteRecords(quotes, seed));
  const path = join(dir, name);
  writeFileSync(path, text);
  return { path, quotes, bytes: text.length };
}

async function sync(file: string, notion: LocalNotionOptions): Promise<SyncReport> {
  const server = await startNotionServer({ seed: 5, rateLimit: false, ...notion });
  try {
    let out = '';
    const env = {
      NOTION_TOKEN: server.token,
      NOTION_API_URL: server.url,
      NOTION_PARENT_PAGE_ID: server.parentPageId,
      NOTION_REQUESTS_PER_SECOND: '100000',
      NOTION_RETRY_BASE_MS: '1',
      NOTION_RETRY_MAX_MS: '5',
      QUOTE_SYNC_DB: dbPath,
      LOG_LEVEL: 'silent',
    };
    await runCli(['sync', file, '--json'], { stdout: { write: (t) => void (out += t) }, stderr: { write: () => undefined }, env });
    return JSON.parse(out) as SyncReport;
  } finally {
    await server.close();
  }
}

/** Every file of the folder, by kind, in bytes. */
function sizes(folder: string): { store: number; csv: number; total: number; files: number } {
  let store = 0;
  let csv = 0;
  const names = readdirSync(folder);
  for (const name of names) {
    const size = statSync(join(folder, name)).size;
    if (name.endsWith('.csv')) csv += size;
    else store += size;
  }
  return { store, csv, total: store + csv, files: names.length };
}

const mb = (bytes: number) => `${(bytes / MB).toFixed(1)} MB`;
const line = (s: ReturnType<typeof sizes>) => `${mb(s.total)} (store ${mb(s.store)}, fallback CSVs ${mb(s.csv)}; ${s.files} files)`;

const first = inputFile('quotes-a.json', 1);
const second = inputFile('quotes-b.json', 2);
log(`${dir}: two inputs of ${mb(first.bytes)} (${first.quotes} quotes) and ${mb(second.bytes)} (${second.quotes} quotes)`);

const failed = await sync(first.path, { faults: { workspaceFull: true } });
log(`run 1: ${failed.state}, ${failed.failed.length} not written → ${failed.fallbackCsv}`);
const again = await sync(failed.fallbackCsv!, { faults: { workspaceFull: true } });
log(`run 2 (its CSV again): ${again.state}, ${again.failed.length} not written → ${again.fallbackCsv}`);
const done = await sync(second.path, {});
log(`run 3: ${done.state}, ${done.written} written`);

// The same folder as a store made before retention would have it: no auto-vacuum.
const oldDataDir = join(dir, 'data-old-store');
const oldDbPath = join(oldDataDir, 'quote-sync.db');
{
  const store = new Database(dbPath);
  store.pragma('wal_checkpoint(TRUNCATE)');
  store.close();
  mkdirSync(oldDataDir);
  for (const name of readdirSync(dataDir)) copyFileSync(join(dataDir, name), join(oldDataDir, name));
  const old = new Database(oldDbPath);
  old.exec('PRAGMA auto_vacuum = NONE; VACUUM');
  old.pragma('wal_checkpoint(TRUNCATE)');
  old.close();
}

/** The store's largest tables and indexes, from SQLite's dbstat. */
function largestTables(path: string): string {
  const db = new Database(path, { readonly: true });
  try {
    const rows = db.prepare(`SELECT name, SUM(pgsize) AS size FROM dbstat GROUP BY name ORDER BY size DESC LIMIT 4`).all() as { name: string; size: number }[];
    return rows.map((r) => `${r.name} ${mb(r.size)}`).join(', ');
  } finally {
    db.close();
  }
}

const later = () => new Date(Date.now() + 31 * DAY_MS);
const figures: string[] = [];
for (const [label, folder, path] of [
  ['store made by this code (incremental auto-vacuum)', dataDir, dbPath],
  ['store made before retention (no auto-vacuum)', oldDataDir, oldDbPath],
] as const) {
  const before = sizes(folder);
  const store = await JobStore.open(path);
  const started = performance.now();
  const result = await sweepRetention({ store, dataDir: folder, days: 30, now: later });
  const ms = performance.now() - started;
  const idle = performance.now();
  await sweepRetention({ store, dataDir: folder, days: 30, now: later });
  const idleMs = performance.now() - idle;
  await store.close();
  const after = sizes(folder);
  figures.push(
    `${label}: ${line(before)} → ${line(after)}; the sweep cleared ${result.clearedJobs.length} jobs and deleted ${result.deletedFiles.length} CSVs ` +
      `in ${(ms / 1000).toFixed(2)} s (${result.space?.how ?? 'no space given back'}); a sweep with nothing to do: ${idleMs.toFixed(0)} ms. ` +
      `What the store still holds: ${largestTables(path)}.`,
  );
}
process.stdout.write(
  `Retention, ${new Date().toISOString().slice(0, 10)}: a ${mb(first.bytes)} file (${first.quotes} quotes) and then its CSV, both failed into a full workspace, ` +
    `and a ${mb(second.bytes)} file (${second.quotes} quotes) done.\n${figures.map((f) => `- ${f}`).join('\n')}\n`,
);
rmSync(dir, { recursive: true, force: true });
