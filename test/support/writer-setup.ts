/**
 * The writer's edges for unit tests: a job in a real store on ':memory:', the fake Notion, the
 * fake clock, a seeded random, and the events it tells, with writeQuotes and createQuotePage
 * ready to call on the job's quotes.
 */
import { afterEach } from 'vitest';
import type { ParsedQuotes, QuoteRow } from '../../src/quotes/model.js';
import { JobStore, type QuoteState } from '../../src/store/index.js';
import { createQuotePage, type QueuedQuote } from '../../src/sync/write/create-quote.js';
import type { RetryPolicy } from '../../src/sync/resilience/retry.js';
import { writeQuotes, type WriteResult, type WriteTarget, type WriterDeps } from '../../src/sync/write/writer.js';
import type { WriterEvent } from '../../src/sync/write/writer-events.js';
import { FakeClock } from './fake-clock.js';
import { FakePages, type FakePagesOptions } from './fake-pages.js';
import { seededRandom } from './random.js';

export const TARGET: WriteTarget = { dataSourceId: 'ds-1' };

/** Back-offs of 50–100 ms for the first retry, four attempts, three rate-limit answers in a row. */
export const POLICY: RetryPolicy = { baseMs: 100, maxMs: 1000, maxAttempts: 4, maxRateLimitWaits: 3 };

/** Quotes q1…qN, rows 1…N. */
export function numberedQuotes(count: number): QuoteRow[] {
  return Array.from({ length: count }, (_, i) => ({ row: i + 1, quote: { id: `q${i + 1}`, text: `Quote number ${i + 1}` } }));
}

export interface WriterSetup {
  store: JobStore;
  jobId: string;
  clock: FakeClock;
  notion: FakePages;
  events: WriterEvent[];
  deps: WriterDeps;
  /** writeQuotes on the job's quotes left to write, into TARGET, with `extra` over the deps. */
  write(extra?: Partial<WriterDeps>): Promise<WriteResult>;
  /** One quote of the job, queued as the writer queues it. */
  queued(quoteId: string): Promise<QueuedQuote>;
  /** createQuotePage for `p` into `target`. */
  create(p: QueuedQuote, target?: WriteTarget): ReturnType<typeof createQuotePage>;
  /** Each quote's state, by id, in input order. */
  states(): Promise<Record<string, QuoteState>>;
}

export async function setUpWriter(
  options: { quotes?: QuoteRow[]; policy?: RetryPolicy; seed?: number } & Omit<FakePagesOptions, 'clock'> = {},
): Promise<WriterSetup> {
  const { quotes = numberedQuotes(3), policy = POLICY, seed = 1, ...fake } = options;
  const store = await JobStore.open(':memory:');
  const parsed: ParsedQuotes = { format: 'json', quotes, rejected: [], duplicates: [], warnings: [] };
  const job = await store.jobs.create({ source: 'quotes.json', sourceSha256: 'sha', target: { kind: 'database', databaseId: 'db-1' }, parsed });
  const clock = new FakeClock();
  const notion = new FakePages({ clock, ...fake });
  const events: WriterEvent[] = [];
  const deps: WriterDeps = {
    gateway: notion,
    store,
    jobId: job.id,
    policy,
    random: seededRandom(seed),
    now: clock.now,
    sleep: clock.sleep,
    onEvent: (event) => void events.push(event),
    onProgress: async () => undefined,
    ...(fake.signal ? { signal: fake.signal } : {}),
  };
  return {
    store,
    jobId: job.id,
    clock,
    notion,
    events,
    deps,
    write: async (extra = {}) => writeQuotes(await store.quotes.toWrite(job.id), TARGET, { ...deps, ...extra }),
    queued: async (quoteId) => {
      const item = (await store.quotes.list(job.id)).find((q) => q.quote.id === quoteId);
      if (!item) throw new Error(`no quote ${quoteId} in the job`);
      return { item, attempts: 0, rateLimitWaits: 0, at: 0 };
    },
    create: (p, target = TARGET) => createQuotePage(p, target, deps),
    states: async () => Object.fromEntries((await store.quotes.list(job.id)).map((q) => [q.quote.id, q.state])),
  };
}

/** `setUpWriter` for one test file: every store it opens is closed after each test. */
export function writersClosedAfterEach(): typeof setUpWriter {
  const opened: WriterSetup[] = [];
  afterEach(async () => {
    for (const w of opened.splice(0)) await w.store.close();
  });
  return async (options) => {
    const w = await setUpWriter(options);
    opened.push(w);
    return w;
  };
}
