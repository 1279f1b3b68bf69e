/**
 * `npm run bench`: how close Quote Sync gets to Notion's rate limit, what it costs, and how it
 * compares with the naive plan, in one run against the local Notion with its budget enforced.
 *
 * Time is scaled: the local Notion allows SCALE times Notion's 3 requests a second, with a
 * burst of one real second's worth, and every delay (Retry-After, back-off, the naive plan's
 * pauses) is divided by SCALE. Ratios carry over; seconds are scaled seconds.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../src/cli/run.js';
import { quoteToPage } from '../src/notion/pages/page.js';
import { parseQuotes } from '../src/quotes/parse/index.js';
import type { SyncReport } from '../src/sync/outcome/report.js';
import type { LocalNotionOptions, RecordedRequest } from '../test/fakes/local-notion.js';
import { makeQuoteRecords } from '../test/support/quote-factory.js';
import { PostgresUnavailableError, startPostgres, type PostgresServer } from '../test/support/postgres-server.js';
import { runBaseline } from './baseline.js';
import { checkExtraValues, EXTRA_COLUMNS, extraValues, withExtraFields } from './extra-fields.js';
import { measureParse, parseSentence, writeParseFiles } from './parse-runs.js';
import { measureReplicas, type ReplicaFigures } from './replicas.js';
import { measureAcks, percentile } from './slack-ack.js';
import { measureTargetOptions, type OptionsFigures } from './target-options.js';
import { remoteNotion, type RemoteNotion } from './notion-process.js';

const SCALE = Number(process.env.BENCH_SCALE ?? 20);
const NOTION_RPS = 3;
const BUDGET = NOTION_RPS * SCALE;
const RETRY_AFTER_S = 1 / SCALE;
const QUOTES = Number(process.env.BENCH_QUOTES ?? 1000);
/** The window model: the budget per (scaled) 60 s window, and the batch of the issue that found it. */
const WINDOW_BUDGET = 180;
const WINDOW_QUOTES = 817;
/** Growth: quotes already in the database, the batch added, and how many of the batch are already there. */
const GROWTH_EXISTING = 20_000;
const GROWTH_BATCH = 1000;
const GROWTH_OVERLAP = 200;
/** Replicas: quotes per upload (two uploads), and slot reservations timed in the rate ledger. */
const REPLICA_QUOTES = Math.floor(QUOTES / 2);
const RESERVATIONS = 2000;
/** Extra fields: the seed of the benchmark's quotes' extra values; parses of each 100,000-row file. */
const EXTRA_SEED = 2027;
const PARSE_RUNS = Number(process.env.BENCH_PARSE_RUNS ?? 3);
const dir = mkdtempSync(join(tmpdir(), 'quote-sync-bench-'));
const quiet = { write: () => undefined };

function env(notion: RemoteNotion, extra: Record<string, string> = {}): Record<string, string> {
  return {
    NOTION_TOKEN: notion.token,
    NOTION_API_URL: notion.url,
    NOTION_PARENT_PAGE_ID: notion.parentPageId,
    NOTION_REQUESTS_PER_SECOND: String(BUDGET),
    NOTION_RETRY_BASE_MS: String(1000 / SCALE),
    NOTION_RETRY_MAX_MS: String(30_000 / SCALE),
    NOTION_TIMEOUT_MS: String(30_000 / SCALE),
    NOTION_READY_TIMEOUT_MS: String(60_000 / SCALE),
    NOTION_RATE_RECOVERY_MS: String(60_000 / SCALE),
    BREAKER_COOLDOWN_MS: String(30_000 / SCALE),
    QUOTE_SYNC_DB: join(mkdtempSync(join(dir, 'db-')), 'q.db'),
    LOG_LEVEL: 'silent',
    ...extra,
  };
}

/** The local Notion runs in a process of its own, as Notion is remote: it must not share the writer's event loop. */
function server(options: LocalNotionOptions = {}, budget = BUDGET) {
  return remoteNotion({
    seed: 7,
    rateLimit: { requestsPerSecond: budget, burst: budget / SCALE, retryAfterSeconds: RETRY_AFTER_S },
    ...options,
  });
}

async function sync(file: string, e: Record<string, string>): Promise<{ report: SyncReport; ms: number }> {
  let out = '';
  const started = performance.now();
  const code = await runCli(['sync', file, '--json'], { stdout: { write: (t) => void (out += t) }, stderr: quiet, env: e });
  const ms = performance.now() - started;
  if (code !== 0) throw new Error(`sync exited ${code}: ${out}`);
  return { report: JSON.parse(out) as SyncReport, ms };
}

async function exactlyOnce(notion: RemoteNotion, dataSourceId: string, expected: string[]) {
  const ids = await notion.propertyTexts(dataSourceId, 'Quote ID');
  const seen = new Set(ids);
  return { duplicates: ids.length - seen.size, missing: expected.filter((id) => !seen.has(id)).length };
}

const count = (requests: RecordedRequest[], status: number) => requests.filter((r) => r.status === status).length;
/** Requests per second from the first page create to the last: the pace of the write phase alone. */
function writePhaseRate(requests: RecordedRequest[]): number {
  const creates = requests.filter((r) => r.route === 'POST /v1/pages' || r.route === 'POST /v1/data_sources/:id/query');
  const span = (creates[creates.length - 1]!.at - creates[0]!.at) / 1000;
  return (creates.length - 1) / span;
}
const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

const records = makeQuoteRecords(QUOTES, 2026);
const file = join(dir, 'quotes.json');
writeFileSync(file, JSON.stringify(records));
const ids = parseQuotes(JSON.stringify(records)).quotes.map((q) => q.quote.id);
const quotes = parseQuotes(JSON.stringify(records)).quotes.map((q) => q.quote);
const rows: string[][] = [];
const log = (line: string) => process.stderr.write(`${line}\n`);

log(`scale ×${SCALE}: local Notion budget ${BUDGET} requests/s (Notion's ${NOTION_RPS} × ${SCALE}), burst ${BUDGET / SCALE}, Retry-After ${RETRY_AFTER_S} s; ${QUOTES} quotes`);

// BENCH_ONLY=limits runs the rate-limit and growth rows alone (a minute), printing them;
// BENCH_ONLY=replicas the replica and rate-ledger rows alone (two minutes), printing them;
// BENCH_ONLY=fields the extra-field rows alone (the sync with extra fields and the two parses, under
// a minute), printing them; its no-fault reference is a run at 10× the budget, for its request count.
const ONLY_LIMITS = process.env.BENCH_ONLY === 'limits';
const ONLY_REPLICAS = process.env.BENCH_ONLY === 'replicas';
const ONLY_FIELDS = process.env.BENCH_ONLY === 'fields';
// BENCH_ONLY=options the target form's pickers while a job writes (half a minute), printing them.
const ONLY_OPTIONS = process.env.BENCH_ONLY === 'options';
const ALL = !ONLY_LIMITS && !ONLY_REPLICAS && !ONLY_FIELDS && !ONLY_OPTIONS && process.env.BENCH_ONLY !== 'committed';

/** The pickers of `/sync-quotes target` while a job writes, in one line. */
function optionsLine(o: OptionsFigures): string {
  const share = o.typing / o.alone;
  return (
    `Target form while a ${o.quotes}-quote job wrote at ${o.rate} requests/s: ${o.people} people typing database names (a key every 150 ms, a pause of 600 ms after each name), ` +
    `${o.answers.length} options requests: median ${percentile(o.answers, 50).toFixed(0)} ms, p99 ${percentile(o.answers, 99).toFixed(0)} ms, ` +
    `max ${Math.max(...o.answers).toFixed(0)} ms (Slack allows 3000), ${o.withResults} with databases listed; ${o.searches} searches reached Notion; ` +
    `the job wrote ${o.typing.toFixed(1)} quotes/s against ${o.alone.toFixed(1)} alone (${(share * 100).toFixed(1)}%); 429s: ${o.rateLimited}.`
  );
}
// BENCH_ONLY=committed: 5% of creates answer 5xx, half of them applied; a 503 among those names
// its page (`committed_resource_id`) or, as before Notion documented it, does not. Requests per quote.
if (process.env.BENCH_ONLY === 'committed') {
  const faults = { serverErrorRate: 0.05, serverErrorAppliedRate: 0.5 };
  const measured: string[] = [];
  for (const committed of [false, true]) {
    const notion = await server({ faults, committedResourceIds: committed });
    const { report } = await sync(file, env(notion));
    const requests = await notion.requests();
    const once = await exactlyOnce(notion, report.databases[0]!.dataSourceId, ids);
    const lookUps = requests.filter((r) => r.route === 'POST /v1/data_sources/:id/query').length;
    measured.push(
      `${committed ? 'with' : 'without'} committed_resource_id: ${(requests.length / report.written).toFixed(3)} requests per quote ` +
        `(${requests.length} for ${report.written}; ${lookUps} look-ups; ${count(requests, 503)} 503s), ${once.duplicates} duplicates, ${once.missing} missing`,
    );
    await notion.close();
  }
  process.stdout.write(`${QUOTES} quotes, 5% of creates 5xx (half applied): ${measured.join('; ')}.\n`);
  process.exit(0);
}

if (ONLY_OPTIONS) {
  const figures = await measureTargetOptions({ quotes: 300, rate: BUDGET, people: 3, keyMs: 150 });
  process.stdout.write(`${optionsLine(figures)}\n`);
  process.exit(0);
}

/** Requests per route other than page creates: the set-up and wrap-up of a job. */
function setUpRequests(requests: RecordedRequest[]): string {
  const byRoute = new Map<string, number>();
  for (const r of requests) if (r.route !== 'POST /v1/pages') byRoute.set(r.route, (byRoute.get(r.route) ?? 0) + 1);
  return [...byRoute].map(([route, n]) => `${n} ${route}`).join(', ');
}

// 1. No faults; then 4. the same file again, against the same store and database.
let rerunRequests = 0;
let noFaults: { requests: number; written: number } | undefined;
if (ALL) {
  const notion = await server();
  const e = env(notion);
  const { report, ms } = await sync(file, e);
  const log1 = await notion.requests();
  const requests = log1.length;
  const rate = report.written / (ms / 1000);
  const once = await exactlyOnce(notion, report.databases[0]!.dataSourceId, ids);
  const phase = writePhaseRate(log1);
  rows.push([
    'no faults',
    s(ms),
    pct(rate / BUDGET),
    (requests / report.written).toFixed(3),
    String(count(log1, 429)),
    String(once.duplicates),
    String(once.missing),
    `write phase alone: ${pct(phase / BUDGET)} of the budget; the rest is ${s(ms - ((report.written - 1) / phase) * 1000)} of start-up and wrap-up work (parse, store, database creation), which time scaling does not shrink`,
  ]);
  log(`no faults: ${s(ms)}, ${rate.toFixed(1)} writes/s; besides creates: ${setUpRequests(log1)}`);
  noFaults = { requests, written: report.written };

  const again = await sync(file, e);
  if (again.report.written !== 0) throw new Error('the re-run wrote pages');
  rerunRequests = (await notion.requests()).length - requests;
  await notion.close();
}

// 1b. No faults, each quote carrying EXTRA_COLUMNS.length extra fields (JSON, `post.num_comments`
// nested): they become properties of their own, added by one data source update; every page is
// then read back and each extra value checked. Requests per quote against the no-faults row.
if (ALL || ONLY_FIELDS) {
  if (!noFaults) {
    // BENCH_ONLY=fields: the no-faults request count of the same file, at 10× the budget (time aside).
    const notion = await server({}, BUDGET * 10);
    const { report } = await sync(file, env(notion, { NOTION_REQUESTS_PER_SECOND: String(BUDGET * 10) }));
    const requests = await notion.requests();
    noFaults = { requests: requests.length, written: report.written };
    log(`no-fault reference (10× budget): ${requests.length} requests for ${report.written} quotes; besides creates: ${setUpRequests(requests)}`);
    await notion.close();
  }
  const extraFile = join(dir, 'quotes-extra.json');
  writeFileSync(extraFile, JSON.stringify(withExtraFields(records, EXTRA_SEED)));
  const notion = await server();
  const { report, ms } = await sync(extraFile, env(notion));
  const logX = await notion.requests();
  const dataSourceId = report.databases[0]!.dataSourceId;
  const once = await exactlyOnce(notion, dataSourceId, ids);
  const added = report.fields.filter((f) => f.added);
  const properties = new Map(report.fields.flatMap((f) => (f.property ? [[f.field, f.property] as const] : [])));
  const values = extraValues(records, EXTRA_SEED);
  if (values.length !== ids.length) throw new Error('the benchmark quotes and their ids differ in number');
  const checked = checkExtraValues(await notion.pages(dataSourceId), new Map(ids.map((id, i) => [id, values[i]!])), properties);
  const updates = logX.filter((r) => r.route === 'PATCH /v1/data_sources/:id').length;
  if (added.length !== EXTRA_COLUMNS.length) throw new Error(`${added.length} properties added, expected ${EXTRA_COLUMNS.length}: ${JSON.stringify(report.fields)}`);
  const perQuote = logX.length / report.written;
  const refPerQuote = noFaults.requests / noFaults.written;
  rows.push([
    `no faults, ${EXTRA_COLUMNS.length} extra fields per quote`,
    s(ms),
    pct(report.written / (ms / 1000) / BUDGET),
    perQuote.toFixed(3),
    String(count(logX, 429)),
    String(once.duplicates),
    String(once.missing),
    `${added.length} properties added (${added.map((f) => `${f.property} ${f.type}`).join(', ')}) by ${updates} data source update; ` +
      `requests per quote ${Math.abs(logX.length - noFaults.requests) <= 5 ? 'unchanged' : 'changed'} against no faults (${refPerQuote.toFixed(3)}${ALL ? '' : ', a run at 10× the budget'}; ` +
      `${logX.length - noFaults.requests >= 0 ? '+' : ''}${logX.length - noFaults.requests} request${Math.abs(logX.length - noFaults.requests) === 1 ? '' : 's'} in all); ` +
      `every page read back: ${checked.values} extra values (${checked.pages} pages × ${EXTRA_COLUMNS.length}) as in the input`,
  ]);
  log(`extra fields: ${s(ms)}, ${logX.length} requests; besides creates: ${setUpRequests(logX)}; ${checked.values} values checked`);
  await notion.close();
}

/** 6. Parsing and validating 100,000 rows, without and with extra columns, each in a child process. */
function parseFigures(): string {
  log(`parse: two ${(100_000).toLocaleString('en')}-row CSV files, ${PARSE_RUNS} child processes each`);
  const files = writeParseFiles(dir);
  const result = measureParse(files, PARSE_RUNS);
  const plain = result('plain');
  const extra = result('extra');
  if (extra.runs[0]!.quotes !== plain.runs[0]!.quotes || extra.runs[0]!.extraFields !== EXTRA_COLUMNS.length) {
    throw new Error(`the file with extra columns parsed to ${extra.runs[0]!.quotes} quotes with ${extra.runs[0]!.extraFields} extra fields`);
  }
  return parseSentence(plain, extra, PARSE_RUNS);
}

if (ONLY_FIELDS) {
  const parseLine = parseFigures();
  process.stdout.write(
    `| ${QUOTES} quotes | wall time | writes/s ÷ budget | requests per quote | 429s | duplicates | missing | notes |\n|---|---|---|---|---|---|---|---|\n` +
      `${rows.map((r) => `| ${r.join(' | ')} |`).join('\n')}\n\n${parseLine}\n`,
  );
  process.exit(0);
}

// 2. Faults: 10% conflicts, 2% lost responses, 1% 529, 1% of creates applied then 503 naming the
// page (`committed_resource_id`). First the same faults with the 503s naming nothing, as before
// Notion documented it: the requests per quote that the named page saves.
let faultReport: SyncReport | undefined;
let faultMs = 0;
const FAULTS = { conflictRate: 0.1, lostResponseRate: 0.02, overloadRate: 0.01, committedUnavailableRate: 0.01 };
let withoutCommitted: { perQuote: number; lookUps: number } | undefined;
let committedLine = '';
if (ALL) {
  const notion = await server({ faults: FAULTS, committedResourceIds: false });
  const { report } = await sync(file, env(notion));
  const requests = await notion.requests();
  withoutCommitted = { perQuote: requests.length / report.written, lookUps: requests.filter((r) => r.route === 'POST /v1/data_sources/:id/query').length };
  await notion.close();
}
if (ALL) {
  const notion = await server({ faults: FAULTS });
  const { report, ms } = await sync(file, env(notion));
  const log2 = await notion.requests();
  const requests = log2.length;
  const waits = (count(log2, 429) + count(log2, 529)) * RETRY_AFTER_S * 1000;
  const ideal = (requests / BUDGET) * 1000 + waits;
  const once = await exactlyOnce(notion, report.databases[0]!.dataSourceId, ids);
  rows.push([
    '10% 409, 2% lost, 1% 529, 1% 503 committed',
    s(ms),
    pct(report.written / (ms / 1000) / BUDGET),
    (requests / report.written).toFixed(3),
    String(count(log2, 429)),
    String(once.duplicates),
    String(once.missing),
    `${(ms / ideal).toFixed(3)} × (requests/budget + Retry-After ${s(waits)})`,
  ]);
  faultReport = report;
  faultMs = ms;
  log(`faults: ${s(ms)}, ${requests} requests, breaker trips ${report.breakerTrips}`);
  const lookUps = log2.filter((r) => r.route === 'POST /v1/data_sources/:id/query').length;
  committedLine =
    `Fault row, the 1% committed-then-503 answers: ${(requests / report.written).toFixed(3)} requests per quote (${lookUps} look-ups) reading \`committed_resource_id\`, ` +
      `against ${withoutCommitted!.perQuote.toFixed(3)} (${withoutCommitted!.lookUps} look-ups) when the 503 names nothing, as before Notion documented it.`;
  await notion.close();
}

// 3. The server allows half the configured rate.
if (ALL) {
  const half = BUDGET / 2;
  const notion = await server({}, half);
  const { report, ms } = await sync(file, env(notion));
  const log3 = await notion.requests();
  const limited = log3.filter((r) => r.status === 429).map((r) => r.at);
  const ok = log3.filter((r) => r.status === 200).map((r) => r.at);
  const end = ok[ok.length - 1]!;
  const lastThird = ok.filter((t) => t >= end - ms / 3);
  const settledRate = (lastThird.length - 1) / ((end - lastThird[0]!) / 1000);
  // Settled: the first stretch of two probe periods without a 429.
  const quiet = (2 * 60_000) / SCALE;
  let settledAfter = limited.length;
  for (let i = 0; i < limited.length; i++) {
    const next = limited[i + 1] ?? Number.POSITIVE_INFINITY;
    if (next - limited[i]! >= quiet) {
      settledAfter = i + 1;
      break;
    }
  }
  const once3 = await exactlyOnce(notion, report.databases[0]!.dataSourceId, ids);
  rows.push([
    `budget ${half}/s, configured ${BUDGET}/s`,
    s(ms),
    pct(report.written / (ms / 1000) / half),
    (log3.length / report.written).toFixed(3),
    String(limited.length),
    String(once3.duplicates),
    String(once3.missing),
    `settled after ${settledAfter} 429s at ${pct(settledRate / half)} of the real budget (last third)`,
  ]);
  log(`half budget: ${limited.length} 429s, settled at ${settledRate.toFixed(1)}/s`);
  await notion.close();
}

// 4b. Notion's current per-connection limit: a budget per 60 s window (scaled), spendable in a
// burst, Retry-After until the reset. The writer is configured at twice the budget's average pace.
const windowRows: string[][] = [];
if (!ONLY_REPLICAS) {
  const windowS = 60 / SCALE;
  const budget = WINDOW_BUDGET;
  const notion = await remoteNotion({ seed: 8, rateLimit: { model: 'window', requests: budget, windowSeconds: windowS, retryAfter: 'exact' } });
  const e = env(notion, { NOTION_REQUESTS_PER_SECOND: String((2 * budget) / windowS), NOTION_RATE_WINDOW_MS: String(windowS * 1000) });
  const batches = [makeQuoteRecords(WINDOW_QUOTES, 8101), makeQuoteRecords(WINDOW_QUOTES, 8102)];
  let seen = 0;
  for (const [i, batch] of batches.entries()) {
    const path = join(dir, `window-${i}.json`);
    writeFileSync(path, JSON.stringify(batch));
    const { report, ms } = await sync(path, e);
    const all = await notion.requests();
    const mine = all.slice(seen);
    seen = all.length;
    const limited = mine.filter((r) => r.status === 429).length;
    // Share of the budget: requests Notion took in each of its windows (back to back from the
    // token's first request) that the job spanned whole, against the budget.
    const origin = all[0]!.at;
    const windowOf = (r: RecordedRequest) => Math.floor((r.at - origin) / (windowS * 1000));
    const accepted = mine.filter((r) => r.status !== 429);
    const perWindow = new Map<number, number>();
    for (const r of accepted) perWindow.set(windowOf(r), (perWindow.get(windowOf(r)) ?? 0) + 1);
    const whole = [...perWindow.keys()].sort((a, b) => a - b).slice(i === 0 ? 0 : 1, -1);
    const share = whole.reduce((sum, w) => sum + perWindow.get(w)!, 0) / (whole.length * budget);
    const once = await exactlyOnce(notion, report.databases[0]!.dataSourceId, []);
    windowRows.push([
      i === 0 ? 'first job (budget unknown)' : 'next job, right after (budget remembered)',
      s(ms),
      String(report.written),
      String(limited),
      `${pct(share)} (${whole.length} whole windows)`,
      String(once.duplicates),
    ]);
    log(`window model, job ${i + 1}: ${limited} 429s, ${pct(share)} of the budget`);
  }
  await notion.close();
}

// 4c. A batch added to a database that already holds GROWTH_EXISTING quotes (past Notion's
// 10,000-result query cap): the batch's ids are looked up, the database is never read whole.
let growthLine = '';
if (!ONLY_REPLICAS) {
  const notion = await server();
  const e = env(notion);
  const seedFile = join(dir, 'growth-seed.json');
  writeFileSync(seedFile, JSON.stringify(makeQuoteRecords(1, 9000)));
  const first = await sync(seedFile, e);
  const dataSourceId = first.report.databases[0]!.dataSourceId;
  const old = parseQuotes(JSON.stringify(makeQuoteRecords(GROWTH_EXISTING, 9001))).quotes.map((q) => q.quote);
  for (let i = 0; i < old.length; i += 5000) {
    await notion.seedPages(
      dataSourceId,
      old.slice(i, i + 5000).map((q) => {
        const page = quoteToPage(q, dataSourceId);
        if (!page.ok) throw new Error(page.reason);
        return page.body.properties as Record<string, unknown>;
      }),
    );
  }
  // The new batch: GROWTH_BATCH quotes, of which the last GROWTH_OVERLAP are the newest already there.
  const fresh = makeQuoteRecords(GROWTH_BATCH - GROWTH_OVERLAP, 9002);
  const overlap = makeQuoteRecords(GROWTH_EXISTING, 9001).slice(-GROWTH_OVERLAP);
  const batchFile = join(dir, 'growth-batch.json');
  writeFileSync(batchFile, JSON.stringify([...fresh, ...overlap]));
  const before = (await notion.requests()).length;
  const { report } = await sync(batchFile, e);
  const requests = (await notion.requests()).length - before;
  const ids = await notion.propertyTexts(dataSourceId, 'Quote ID');
  const duplicates = ids.length - new Set(ids).size;
  const target = 1.01 * report.written + GROWTH_BATCH / 100 + 5;
  growthLine =
    `Adding ${GROWTH_BATCH} quotes (${GROWTH_OVERLAP} of them already there, the newest) to a database of ${GROWTH_EXISTING + 1}: ` +
    `${report.written} written, ${report.alreadyPresent} found already there, ${requests} requests ` +
    `(target: at most 1.01 × ${report.written} + ${GROWTH_BATCH}/100 + 5 = ${Math.floor(target)}), ${duplicates} duplicates.`;
  log(growthLine);
  await notion.close();
}

if (ONLY_LIMITS) {
  process.stdout.write(`${growthLine}\n${windowRows.map((r) => `| ${r.join(' | ')} |`).join('\n')}\n`);
  process.exit(0);
}

// 4d. Replicas: two app processes on one PostgreSQL database share the window budget through the
// store's rate ledger; one process on PostgreSQL and one on SQLite do the same two uploads. Then
// the cost of one slot reservation in the ledger. A private PostgreSQL server is started here and
// stopped when these rows are done, whether they succeed or not.
let replicaFigures: ReplicaFigures | undefined;
let replicaSkipped = '';
{
  let postgres: PostgresServer | undefined;
  try {
    postgres = await startPostgres();
  } catch (error) {
    if (!(error instanceof PostgresUnavailableError)) throw error;
    replicaSkipped = `Replica rows skipped: PostgreSQL is not available here. ${error.message}`;
    log(replicaSkipped);
  }
  if (postgres) {
    try {
      replicaFigures = await measureReplicas(postgres, {
        windowBudget: WINDOW_BUDGET,
        windowSeconds: 60 / SCALE,
        quotesPerUpload: REPLICA_QUOTES,
        reservations: RESERVATIONS,
        env: (notion) => env(notion),
        tempDir: () => mkdtempSync(join(dir, 'replica-')),
        log,
      });
    } finally {
      await postgres.stop();
    }
  }
}
const replicaLines = replicaFigures
  ? [
      `Replicas: the app as processes (\`commands/main.ts\`, HTTP mode, the local Slack), two uploads of ${REPLICA_QUOTES} quotes, each upload's message event delivered to one process and its file_shared to the other. Notion's window limit as above (${WINDOW_BUDGET} requests per ${60 / SCALE} s window); every process is set to the whole budget (${WINDOW_BUDGET / (60 / SCALE)} requests/s, its average pace), so two replicas keep within it only through the rate ledger they share in PostgreSQL. Wall time: from the first event delivered to both jobs' "Done." in Slack. Share of the budget: requests Notion accepted in the whole windows of the run (empty ones included) ÷ (budget × those windows). A job's thread ends when it is up to date: its last progress edit and its summary keep to Slack's pace for chat.update (one per 2 s, real seconds, which time scaling does not shrink). One process starts writing its next job as soon as Notion is done with the one before, while that thread's last edits go out; "while writing" leaves out any stretch of over 500 ms without a request.`,
      '',
      `| two uploads of ${REPLICA_QUOTES} quotes | wall time | share of the budget | 429s | requests per quote | duplicates | missing | databases | notes |`,
      '|---|---|---|---|---|---|---|---|---|',
      ...replicaFigures.runs.map((r) => `| ${r.join(' | ')} |`),
      '',
      `One slot reservation in the rate ledger (\`store.rateLedgers.reserve\`, one transaction with the ledger row locked) before each request, on the PostgreSQL server above (loopback, fsync off), at the budget above; against the pacer's timeline in memory. At Notion's real pace a slot comes every ${(1000 / NOTION_RPS).toFixed(0)} ms (${(1000 / BUDGET).toFixed(1)} ms scaled), and the reservation is made before the wait for the slot.`,
      '',
      '| one slot reservation | reservations | median | p95 | max | reservations/s |',
      '|---|---|---|---|---|---|',
      ...replicaFigures.reservations.map((r) => `| ${r.join(' | ')} |`),
    ]
  : [replicaSkipped];

if (ONLY_REPLICAS) {
  process.stdout.write(`${replicaLines.join('\n')}\n`);
  process.exit(0);
}

// 5. The naive plan (Plan A: 1 s between quotes, 10 s after a 409), scaled like the rest.
const baselineRows: string[][] = [];
for (const [label, faults] of [
  ['no faults', {}],
  ['10% 409, 2% lost, 1% 529, 1% 503 committed', FAULTS],
] as const) {
  const notion = await server({ faults });
  const { dataSourceId, ms } = await runBaseline(quotes, {
    url: notion.url,
    token: notion.token,
    parentPageId: notion.parentPageId,
    pauseMs: 1000 / SCALE,
    conflictWaitMs: 10_000 / SCALE,
    errorWaitMs: 1000 / SCALE,
    timeoutMs: 30_000 / SCALE,
  });
  const once = await exactlyOnce(notion, dataSourceId, ids);
  baselineRows.push([label, s(ms), String(once.duplicates), String(once.missing), String((await notion.requests()).length)]);
  log(`baseline ${label}: ${s(ms)}, ${once.duplicates} duplicates`);
  await notion.close();
}

// 6. Parsing and validating 100,000 rows, without and with extra columns.
const parseLine = parseFigures();

// 7. Slack: how fast the app acks while a job writes.
log('slack: acks while a job writes');
const acks = await measureAcks({ quotes: 300, rate: BUDGET, commands: 60, uploads: 10 });
log('slack: the target form\'s pickers while a job writes');
const targetOptions = optionsLine(await measureTargetOptions({ quotes: 300, rate: BUDGET, people: 3, keyMs: 150 }));
const ackLine = (label: string, v: number[]) =>
  `${v.length} ${label}: median ${percentile(v, 50).toFixed(1)} ms, p95 ${percentile(v, 95).toFixed(1)} ms, max ${Math.max(...v).toFixed(1)} ms`;

// The table.
const ourNoFault = rows[0]!;
const lines = [
  `Quote Sync benchmark, ${new Date().toISOString().slice(0, 10)}, ${cpus()[0]?.model ?? 'unknown CPU'} (${cpus().length} cores, ${Math.round(totalmem() / 2 ** 30)} GiB), Node ${process.version}.`,
  `Time scaled ×${SCALE}; the local Notion runs in a process of its own. It allows ${BUDGET} requests/s (Notion's ${NOTION_RPS}/s × ${SCALE}) with a burst of ${BUDGET / SCALE}, Retry-After is ${RETRY_AFTER_S} s, and every delay is divided by ${SCALE}. Seconds below are scaled seconds; ratios carry over.`,
  '',
  `| ${QUOTES} quotes | wall time | writes/s ÷ budget | requests per quote | 429s | duplicates | missing | notes |`,
  '|---|---|---|---|---|---|---|---|',
  ...rows.map((r) => `| ${r.join(' | ')} |`),
  '',
  committedLine,
  '',
  `Re-running the finished file (no faults): ${rerunRequests} requests for ${QUOTES} quotes already in Notion (target: at most ${Math.ceil(QUOTES / 100) + 5}); pages written: 0.`,
  '',
  growthLine,
  '',
  `Notion's current per-connection limit: ${WINDOW_BUDGET} requests per ${60 / SCALE} s window (60 s scaled), any pace, Retry-After until the reset; the writer configured at twice that pace. Two ${WINDOW_QUOTES}-quote jobs, one after the other, each a process of its own in effect (a new engine on the same store):`,
  '',
  '| window model | wall time | written | 429s | share of the budget | duplicates |',
  '|---|---|---|---|---|---|',
  ...windowRows.map((r) => `| ${r.join(' | ')} |`),
  '',
  ...replicaLines,
  '',
  '| naive plan (Plan A) | wall time | duplicates | missing | requests |',
  '|---|---|---|---|---|',
  ...baselineRows.map((r) => `| ${r.join(' | ')} |`),
  '',
  `Our time / naive time: no faults ${(parseFloat(ourNoFault[1]!) / parseFloat(baselineRows[0]![1]!)).toFixed(2)}, with faults ${(faultMs / 1000 / parseFloat(baselineRows[1]![1]!)).toFixed(2)} (breaker trips in our faulty run: ${faultReport?.breakerTrips ?? 0}).`,
  '',
  parseLine,
  '',
  `Slack acks while a ${acks.quotes}-quote job wrote at ${acks.rate} requests/s (the real Bolt app over HTTP, signed requests; Slack allows 3000 ms):`,
  `${ackLine('slash commands', acks.commands)}; ${ackLine('event deliveries', acks.events)}. ` +
    `${acks.uploads + 1} uploads, each delivered twice, started ${acks.jobsStarted} jobs.`,
  '',
  targetOptions,
];
const text = lines.join('\n') + '\n';
process.stdout.write(text);
if (process.env.BENCH_WRITE_RESULTS !== '0') {
  writeFileSync(new URL('./RESULTS.md', import.meta.url), `# Benchmark results\n\nProduced by \`npm run bench\`.\n\n${text}`);
}
