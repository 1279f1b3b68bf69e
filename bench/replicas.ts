/**
 * Replicas sharing Notion's budget through a PostgreSQL store, for the benchmark:
 *
 * - two app processes (`commands/main.ts`, HTTP mode) on one PostgreSQL database, each set to the
 *   whole budget, two uploads delivered to different replicas; against one app process doing both
 *   uploads on PostgreSQL (it still reserves every slot in the ledger) and on SQLite (its pacer
 *   keeps the timeline in memory);
 * - the cost of one slot reservation in the store's rate ledger (`store.rateLedgers.reserve`),
 *   from one connection and from two at once, against the in-memory timeline.
 *
 * The local Notion runs in a process of its own (notion-process.ts) with the window model; the
 * local Slack runs in this process and receives the apps' messages.
 */
import { join } from 'node:path';
import { WindowBudget } from '../src/notion/pacing/window-budget.js';
import { JobStore } from '../src/store/index.js';
import { parseQuotes } from '../src/quotes/parse/index.js';
import type { RecordedRequest } from '../test/fakes/local-notion.js';
import { startSlackServer, type LocalSlack } from '../test/fakes/local-slack.js';
import type { PostgresServer } from '../test/support/postgres-server.js';
import { makeQuoteRecords, recordsToCsv } from '../test/support/quote-factory.js';
import { startAppProcess, stopAppProcess, type AppProcess } from '../test/support/app-process.js';
import { CHANNEL, SIGNING_SECRET, USER } from '../test/support/slack-app.js';
import { remoteNotion, type RemoteNotion } from './notion-process.js';
import { percentile } from './slack-ack.js';

/** The thread message that ends a job that wrote everything. */
const DONE = ':white_check_mark: Done.';
const JOB_TIMEOUT_MS = 180_000;
/** A stretch this long without a request to Notion is idle time, not pacing. */
const IDLE_MS = 500;

export interface ReplicaBenchOptions {
  /** The budget per window and the window (scaled seconds), as the window-model rows use. */
  windowBudget: number;
  windowSeconds: number;
  /** Quotes per upload; two uploads. */
  quotesPerUpload: number;
  /** Sequential reservations in the ledger measurement (split across two connections in its second row). */
  reservations: number;
  /** The bench's environment for a writer against `notion` (scaled timings). */
  env: (notion: RemoteNotion) => Record<string, string>;
  /** A fresh folder for SQLite files and data directories. */
  tempDir: () => string;
  log: (line: string) => void;
}

export interface ReplicaFigures {
  /** Rows of the run table: label, wall time, share of the budget, 429s, requests per quote, duplicates, missing, databases, notes. */
  runs: string[][];
  /** Rows of the reservation table: label, reservations, median, p95, max, reservations per second. */
  reservations: string[][];
}

type Replica = AppProcess;

async function until(condition: () => boolean, what: string, replicas: Replica[], timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) {
      const logs = replicas
        .flatMap((r) => r.lines.filter((l) => Number(l.level) >= 40).map((l) => `${r.name}: ${JSON.stringify(l)}`))
        .slice(-20)
        .join('\n');
      throw new Error(`timed out waiting for ${what}\n${logs}`);
    }
    await new Promise((r) => setTimeout(r, 10));
  }
}

/**
 * Share of the budget over the run, as the window-model rows count it: the requests Notion
 * accepted in each of its windows (back to back from the token's first request) that the run
 * spanned whole, against the budget. Windows without a request count too.
 */
export function budgetShare(all: RecordedRequest[], from: number, budget: number, windowMs: number): { share: number; windows: number } {
  const origin = all[0]!.at;
  const windowOf = (at: number) => Math.floor((at - origin) / windowMs);
  const mine = all.filter((r) => r.at >= from);
  const accepted = mine.filter((r) => r.status !== 429);
  // The first window counts when it opened with the run's first request; the last is cut short by the run's end.
  const first = windowOf(mine[0]!.at) + (mine[0]!.at === origin ? 0 : 1);
  const last = windowOf(mine[mine.length - 1]!.at) - 1;
  const windows = Math.max(0, last - first + 1);
  const inWhole = accepted.filter((r) => windowOf(r.at) >= first && windowOf(r.at) <= last).length;
  return { share: windows > 0 ? inWhole / (windows * budget) : Number.NaN, windows };
}

interface Scenario {
  label: string;
  processes: number;
  /** A PostgreSQL database URL, or undefined for a SQLite file. */
  store: string | undefined;
}

async function runScenario(scenario: Scenario, seed: number, o: ReplicaBenchOptions): Promise<string[]> {
  const windowMs = o.windowSeconds * 1000;
  const notion = await remoteNotion({ seed, rateLimit: { model: 'window', requests: o.windowBudget, windowSeconds: o.windowSeconds, retryAfter: 'exact' } });
  let slack: LocalSlack | undefined;
  const replicas: Replica[] = [];
  try {
    slack = await startSlackServer();
    const folder = o.tempDir();
    const env = {
      ...o.env(notion),
      // Each process is set to the whole budget: only the shared ledger keeps two of them within it.
      NOTION_REQUESTS_PER_SECOND: String(o.windowBudget / o.windowSeconds),
      NOTION_RATE_WINDOW_MS: String(windowMs),
      QUOTE_SYNC_DB: scenario.store ?? join(folder, 'q.db'),
      QUOTE_SYNC_DATA_DIR: folder,
      SLACK_BOT_TOKEN: slack.token,
      SLACK_SIGNING_SECRET: SIGNING_SECRET,
      SLACK_API_URL: slack.apiUrl,
      PORT: '0',
      LOG_LEVEL: 'info',
    };
    const names = scenario.processes === 2 ? ['one', 'two'] : ['one'];
    replicas.push(...(await Promise.all(names.map((name) => startAppProcess(name, env, slack!)))));
    const [one, two = one] = replicas as [Replica, Replica?];

    const csvA = recordsToCsv(makeQuoteRecords(o.quotesPerUpload, seed * 10 + 1));
    const csvB = recordsToCsv(makeQuoteRecords(o.quotesPerUpload, seed * 10 + 2));
    const ids = [csvA, csvB].flatMap((csv) => parseQuotes(csv, { filename: 'q.csv' }).quotes.map((q) => q.quote.id));
    const uploadA = slack.userUpload({ channel: CHANNEL, user: USER, name: 'a.csv', content: csvA });
    const uploadB = slack.userUpload({ channel: CHANNEL, user: USER, name: 'b.csv', content: csvB });
    const before = (await notion.requests()).length;
    const started = Date.now();
    // As a load balancer spreads Slack's deliveries: each upload's message event to one replica,
    // its file_shared to the other (with one process, all four reach it).
    await Promise.all([one.driver.event(uploadA.message), two.driver.event(uploadB.message)]);
    await Promise.all([two.driver.event(uploadA.fileShared), one.driver.event(uploadB.fileShared)]);
    const done = (ts: string) => slack!.thread(CHANNEL, ts).some((m) => m.text.includes(DONE));
    const doneAt: number[] = [];
    await until(
      () => {
        for (const [i, upload] of [uploadA, uploadB].entries()) if (doneAt[i] === undefined && done(upload.message.ts)) doneAt[i] = Date.now() - started;
        return doneAt[0] !== undefined && doneAt[1] !== undefined;
      },
      'both jobs done',
      replicas,
      JOB_TIMEOUT_MS,
    );
    const ms = Date.now() - started;

    const all = await notion.requests();
    const run = all.slice(before);
    const limited = run.filter((r) => r.status === 429).length;
    // Stretches without a request to Notion (none is pacing: a slot comes every 1000 / rate ms).
    let idleMs = 0;
    for (let i = 1; i < run.length; i++) {
      const gap = run[i]!.at - run[i - 1]!.at;
      if (gap > IDLE_MS) idleMs += gap;
    }
    const writingS = (run[run.length - 1]!.at - run[0]!.at - idleMs) / 1000;
    const writeShare = (run.filter((r) => r.status !== 429).length - 1) / writingS / (o.windowBudget / o.windowSeconds);
    const { share, windows } = budgetShare(all, started, o.windowBudget, windowMs);
    const databases = await notion.databaseIds();
    const written = databases.length > 0 ? await notion.propertyTexts(await notion.dataSourceOf(databases[0]!), 'Quote ID') : [];
    const seen = new Set(written);
    const duplicates = written.length - seen.size;
    const missing = ids.filter((id) => !seen.has(id)).length;
    const jobsCreated = replicas.map((r) => r.lines.filter((l) => l.msg === 'job created').length);
    const warnings = replicas.reduce((n, r) => n + r.lines.filter((l) => Number(l.level) >= 40).length, 0);
    const seconds = (t: number) => `${(t / 1000).toFixed(1)} s`;
    const notes = [
      scenario.processes === 2 ? `jobs created: ${jobsCreated.join(' + ')}, at once` : 'one job at a time',
      `jobs done at ${[...doneAt].sort((a, b) => a - b).map(seconds).join(' and ')}, last request at ${seconds(run[run.length - 1]!.at - started)}`,
      ...(idleMs > 0 ? [`Notion idle ${seconds(idleMs)} (stretches over ${IDLE_MS} ms)`] : []),
      `while writing: ${(writeShare * 100).toFixed(1)}% of the budget`,
      ...(before > 0 ? [`${before} requests before the uploads`] : []),
      ...(warnings > 0 ? [`${warnings} warning log lines`] : []),
    ].join('; ');
    o.log(`${scenario.label}: ${(ms / 1000).toFixed(1)} s, ${limited} 429s, ${(share * 100).toFixed(1)}% of the budget over ${windows} windows, ${duplicates} duplicates, ${databases.length} database(s)`);
    return [
      scenario.label,
      `${(ms / 1000).toFixed(1)} s`,
      `${(share * 100).toFixed(1)}% (${windows} whole windows)`,
      String(limited),
      (run.length / ids.length).toFixed(3),
      String(duplicates),
      String(missing),
      String(databases.length),
      notes,
    ];
  } finally {
    await Promise.all(replicas.map((r) => stopAppProcess(r.child)));
    await slack?.close();
    await notion.close();
  }
}

/**
 * `count` reservations split across `connections` stores (each its own pool, used by one caller in
 * sequence, as a replica's pacer does), all at once; each call timed. The clock is virtual: each
 * caller asks from its previous slot on, as a pacer at full pace does, so the ledger holds the two
 * windows of sends it holds in use, and the budget check looks through them.
 */
async function reserveTimes(url: string, count: number, connections: number, budget: number, windowMs: number): Promise<{ times: number[]; ms: number }> {
  const stores = await Promise.all(Array.from({ length: connections }, () => JobStore.open(url)));
  try {
    const integration = `bench-${connections}-${Date.now()}`;
    const spacingMs = windowMs / budget;
    const spanMs = new WindowBudget(windowMs).spanMs;
    const caller = async (store: JobStore, n: number, index: number, times: number[] | undefined) => {
      let next = Date.now();
      for (let i = 0; i < n; i++) {
        const t = performance.now();
        const taken = await store.rateLedgers.reserve(integration, { earliest: next, spacingMs, budget, windowMs, spanMs, ref: `${index}:${i}` });
        times?.push(performance.now() - t);
        next = taken.slot + spacingMs;
      }
    };
    // Warm-up: connections opened, statements seen once.
    await Promise.all(stores.map((store, i) => caller(store, 20, i + 100, undefined)));
    const times: number[] = [];
    const started = performance.now();
    await Promise.all(stores.map((store, i) => caller(store, Math.round(count / connections), i, times)));
    return { times, ms: performance.now() - started };
  } finally {
    await Promise.all(stores.map((s) => s.close()));
  }
}

/** The in-memory timeline a pacer keeps alone (SQLite): the budget check and the send recorded, per request. */
function inMemoryTimes(count: number, budget: number, windowMs: number): { times: number[]; ms: number } {
  const window = new WindowBudget(windowMs, { budget, windowMs });
  const spacingMs = windowMs / budget;
  let nextSlot = Date.now();
  const times: number[] = [];
  const started = performance.now();
  for (let i = 0; i < count; i++) {
    const t = performance.now();
    const slot = Math.max(nextSlot, nextSlot + window.waitMs(nextSlot));
    window.sent(slot);
    nextSlot = slot + spacingMs;
    times.push(performance.now() - t);
  }
  return { times, ms: performance.now() - started };
}

function reservationRow(label: string, r: { times: number[]; ms: number }, digits: number): string[] {
  return [
    label,
    String(r.times.length),
    `${percentile(r.times, 50).toFixed(digits)} ms`,
    `${percentile(r.times, 95).toFixed(digits)} ms`,
    `${Math.max(...r.times).toFixed(digits)} ms`,
    Math.round(r.times.length / (r.ms / 1000)).toLocaleString('en-US'),
  ];
}

export async function measureReplicas(postgres: PostgresServer, o: ReplicaBenchOptions): Promise<ReplicaFigures> {
  const runs: string[][] = [];
  runs.push(await runScenario({ label: 'two replicas on PostgreSQL', processes: 2, store: await postgres.createDatabase() }, 31, o));
  runs.push(await runScenario({ label: 'one process on PostgreSQL', processes: 1, store: await postgres.createDatabase() }, 32, o));
  runs.push(await runScenario({ label: 'one process on SQLite', processes: 1, store: undefined }, 33, o));

  const windowMs = o.windowSeconds * 1000;
  const sequential = await reserveTimes(await postgres.createDatabase(), o.reservations, 1, o.windowBudget, windowMs);
  const split = await reserveTimes(await postgres.createDatabase(), o.reservations, 2, o.windowBudget, windowMs);
  const memory = inMemoryTimes(o.reservations, o.windowBudget, windowMs);
  const reservations = [
    reservationRow('PostgreSQL ledger, one connection, one after another', sequential, 2),
    reservationRow('PostgreSQL ledger, two connections at once (half each)', split, 2),
    reservationRow('in memory (SQLite store: the pacer keeps its own timeline)', memory, 4),
  ];
  o.log(`ledger reservations: ${reservations.map((r) => `${r[0]}: median ${r[2]}, p95 ${r[3]}`).join('; ')}`);
  return { runs, reservations };
}
