/**
 * The app's metrics, in a prom-client registry of its own (tests start several apps in one
 * process, and the global registry would mix them): what Notion answered and how long requests
 * waited for a slot, jobs and their quotes, the circuit breaker, Slack Web API calls, and store
 * latency. They come in through the observers the pacer, the gateway, the engine and the store
 * take (none of those imports this module); what can simply be read, the budget learned and the
 * jobs by state, is read when scraped.
 *
 * Names follow Prometheus's guide: `quote_sync_` then what, then the base unit (`_seconds`),
 * `_total` on counters. Labels take a handful of values each (an endpoint, an outcome, a state),
 * never an id.
 */
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { classifyNotionError } from '../notion/failure.js';
import type { NotionObserver } from '../notion/pacing/observer.js';
import type { RequestPacer } from '../notion/pacing/pacer.js';
import type { JobStore, StoreObserver } from '../store/index.js';
import type { EngineObserver } from '../sync/run/job-observer.js';
import { processMetricsText } from './process-metrics.js';

/** How long a scrape waits for the store's count of jobs by state before leaving it out. */
export const JOB_STATES_TIMEOUT_MS = 1000;

const SECOND_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120];
const JOB_BUCKETS = [1, 5, 15, 30, 60, 120, 300, 600, 1800, 3600, 7200];
const STORE_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];

/** What a scrape reads rather than counts. */
export interface ReadAtScrape {
  pacer: RequestPacer;
  store: JobStore;
  /** Length of Notion's per-connection window (NOTION_RATE_WINDOW_MS), which the budget is per. */
  windowMs: number;
}

export class AppMetrics {
  readonly registry = new Registry();
  private sources: ReadAtScrape | undefined;
  /** Runs whose breaker is open now (job ids are kept here, never as labels). */
  private readonly openBreakers = new Set<string>();

  private readonly notionRequests = this.counter('notion_requests_total', 'Notion API requests sent, by endpoint and outcome (2xx, or the failure kind: rate_limited, conflict, server, timeout, network…).', ['endpoint', 'outcome']);
  private readonly notionDuration = this.histogram('notion_request_duration_seconds', 'Time from sending a Notion request to its answer or failure.', ['endpoint'], SECOND_BUCKETS);
  private readonly notionRateLimited = this.counter('notion_rate_limited_total', "Notion 429 answers, by the limit their rate_limit_reason names: connection, workspace, endpoint, blocked, other.", ['reason']);
  private readonly slotWait = this.histogram('notion_slot_wait_seconds', 'Time a Notion request waited for its slot (queue, spacing, pauses after 429s, endpoint holds) before it went out.', ['endpoint'], SECOND_BUCKETS);
  private readonly quotes = this.counter('quotes_total', 'Quotes settled by job runs in this process, by outcome: written, already_present, updated, failed.', ['outcome']);
  private readonly jobRuns = this.histogram('job_run_duration_seconds', 'Duration of one run of a job, by how it ended (done, partial, failed, interrupted, lost, error).', ['end'], JOB_BUCKETS);
  private readonly jobEvents = this.counter('job_events_total', "Job events recorded by the writer, by kind (conflict, rate_limited, lookup, breaker_open…).", ['kind']);
  private readonly breakerTrips = this.counter('breaker_trips_total', 'Times a circuit breaker opened, by reason: conflicts, failures, probe_failed.', ['reason']);
  private readonly slackCalls = this.counter('slack_api_calls_total', 'Slack Web API calls (HTTP requests, retries included), by method.', ['method']);
  private readonly slackErrors = this.counter('slack_api_errors_total', "Slack Web API calls that failed, by method and Slack's error code (ratelimited, http_5xx, network…).", ['method', 'error']);
  private readonly storeDuration = this.histogram('store_operation_duration_seconds', 'Job store operations, by kind: run, get, all, transaction.', ['operation'], STORE_BUCKETS);
  private readonly storeFailures = this.counter('store_operation_failures_total', 'Job store operations that failed, by kind.', ['operation']);

  constructor() {
    this.gauge('notion_window_budget_requests', "Notion's per-connection budget per window, once learned from its answers (absent before).", ['window_seconds'], (gauge) => {
      gauge.reset();
      const budget = this.sources?.pacer.windowBudget;
      if (budget !== undefined) gauge.set({ window_seconds: String(this.sources!.windowMs / 1000) }, budget);
    });
    this.gauge('notion_requests_per_second', 'The rate the pacer sends Notion requests at now (lowered after unexplained 429s).', [], (gauge) => {
      if (this.sources) gauge.set(this.sources.pacer.requestsPerSecond);
    });
    this.gauge('jobs', 'Jobs in the store, by state (shared by every replica on the same store). Absent when the store does not answer.', ['state'], async (gauge) => {
      const counts = await this.jobStates();
      gauge.reset();
      for (const [state, n] of Object.entries(counts ?? {})) gauge.set({ state }, n ?? 0);
    });
    this.gauge('breakers_open', 'Job runs in this process whose circuit breaker is open now.', [], (gauge) => gauge.set(this.openBreakers.size));
  }

  /** Starts reading what scrapes read: the integration's pacer, the store. */
  readAtScrape(sources: ReadAtScrape): void {
    this.sources = sources;
  }

  /** The Notion side's observer: each request's answer and wait. */
  readonly notion: NotionObserver = {
    answered: ({ endpoint, ms, error }) => {
      this.notionDuration.observe({ endpoint }, ms / 1000);
      if (error === undefined) return void this.notionRequests.inc({ endpoint, outcome: '2xx' });
      const failure = classifyNotionError(error);
      this.notionRequests.inc({ endpoint, outcome: failure?.kind ?? 'other' });
      if (failure?.kind === 'rate_limited') this.notionRateLimited.inc({ reason: failure.limit });
      else if (failure?.kind === 'blocked') this.notionRateLimited.inc({ reason: 'blocked' });
    },
    waited: ({ endpoint, ms }) => this.slotWait.observe({ endpoint: endpoint ?? 'unnamed' }, ms / 1000),
  };

  /** The engine's observer: the Notion side, the writer's events, each run's end. */
  readonly engine: EngineObserver = {
    notion: this.notion,
    jobEvent: (jobId, event) => {
      this.jobEvents.inc({ kind: event.kind });
      if (event.kind === 'breaker_open') {
        this.openBreakers.add(jobId);
        this.breakerTrips.inc({ reason: event.trip?.reason ?? 'unknown' });
      } else if (event.kind === 'breaker_closed') {
        this.openBreakers.delete(jobId);
      }
    },
    jobRan: (jobId, run) => {
      this.openBreakers.delete(jobId);
      this.jobRuns.observe({ end: run.end }, run.durationMs / 1000);
      if (!run.quotes) return;
      const { written, alreadyPresent, updated, failed } = run.quotes;
      this.quotes.inc({ outcome: 'written' }, written);
      this.quotes.inc({ outcome: 'already_present' }, alreadyPresent);
      this.quotes.inc({ outcome: 'updated' }, updated);
      this.quotes.inc({ outcome: 'failed' }, failed);
    },
  };

  /** The store's observer: each operation's kind and latency. */
  readonly store: StoreObserver = (operation, ms, failed) => {
    this.storeDuration.observe({ operation }, ms / 1000);
    if (failed) this.storeFailures.inc({ operation });
  };

  /** One Slack Web API call (see slack-calls.ts); `error` is set when it failed. */
  slackCall(method: string, error?: string): void {
    this.slackCalls.inc({ method });
    if (error !== undefined) this.slackErrors.inc({ method, error });
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  /** The exposition: this process's default metrics, then the app's. */
  async text(): Promise<string> {
    return `${await processMetricsText()}\n${await this.registry.metrics()}`;
  }

  private async jobStates(): Promise<Partial<Record<string, number>> | undefined> {
    const store = this.sources?.store;
    if (!store) return undefined;
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), JOB_STATES_TIMEOUT_MS)));
    try {
      return await Promise.race([store.jobs.countByState(), late]);
    } catch {
      // The store out of reach: /readyz says so; the gauge is left out rather than shown as zero.
      return undefined;
    } finally {
      clearTimeout(timer);
    }
  }

  private counter(name: string, help: string, labelNames: string[]): Counter {
    return new Counter({ name: `quote_sync_${name}`, help, labelNames, registers: [this.registry] });
  }

  private histogram(name: string, help: string, labelNames: string[], buckets: number[]): Histogram {
    return new Histogram({ name: `quote_sync_${name}`, help, labelNames, buckets, registers: [this.registry] });
  }

  /** A gauge set when scraped, by `collect`. */
  private gauge(name: string, help: string, labelNames: string[], collect: (gauge: Gauge) => void | Promise<void>): void {
    new Gauge({
      name: `quote_sync_${name}`,
      help,
      labelNames,
      registers: [this.registry],
      collect() {
        return collect(this);
      },
    });
  }
}
