/**
 * The sync engine: turns an input into a job in the store, then runs (or resumes) the job:
 * resolve the database, read the quote ids already there, write the rest, report.
 * Triggers (command line, Slack, Gumloop) call only this.
 */
import { createHash } from 'node:crypto';
import type { Config } from '../config.js';
import { JobNotFoundError, LeaseLostError, NotionTargetError, QuoteSyncError } from '../errors.js';
import { forJob, type Logger } from '../logger.js';
import { NotionGateway } from '../notion/gateway.js';
import type { RequestPacer } from '../notion/pacer.js';
import { parseQuotes } from '../quotes/parse/index.js';
import type { JobStore, JobTarget, SyncJob } from '../store/index.js';
import type { ClaimOptions } from '../store/triggers.js';
import { sleepEndingOnAbort } from '../time/sleep.js';
import { breakerFor } from './breaker.js';
import { writeFallbackCsv } from './fallback.js';
import { integrationPacer } from './integration-pacer.js';
import { holdLease, newOwnerId, type HeldLease } from './lease.js';
import { settleExisting } from './existing-quotes.js';
import { checkChunking, chooseTarget, requireNotionToken, type TargetOverrides } from './notion-settings.js';
import { progressOf, settledCount } from './progress.js';
import { recoverTarget } from './recovery.js';
import { buildReport, retryCounts, type SyncReport } from './report.js';
import type { RetryRuntime } from './requests.js';
import { retryPolicyFor, type RetryPolicy } from './retry.js';
import { openDatabase, resolveTarget, type ResolvedDatabase, type TargetDeps } from './target.js';
import { mappingsFor, placeFields, planOrExplain, rejectUnfit, type PlacedDatabase } from './job-fields.js';
import { ourSchemaProperties, type SchemaProperty } from '../notion/field-plan.js';
import type { ParsedQuotes } from '../quotes/model.js';
import type { WriteItem } from './create-quote.js';
import type { JobReporter, SyncSource } from './job-reporter.js';
import { writeQuotes, type Recovery, type WriteResult } from './writer.js';
import { failureEvent, type WriterEvent } from './writer-events.js';
import { runQuotes, type EngineObserver } from './job-observer.js';

export type { JobProgress } from './progress.js';

export type { JobReporter, SyncSource } from './job-reporter.js';

export interface EngineDeps {
  config: Config;
  store: JobStore;
  logger: Logger;
  /** One pacer per integration; shared by every job that uses the same token. */
  pacer?: RequestPacer;
  /** How long a job's lease lasts without renewal (see sync/lease.ts). */
  leaseTtlMs?: number;
  random?: () => number;
  now?: () => number;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** Told of every Notion request, the writer's events and each run's end (the app's metrics); none on the command line. */
  observer?: EngineObserver;
}

interface RunContext {
  job: SyncJob;
  gateway: NotionGateway;
  runtime: RetryRuntime;
  policy: RetryPolicy;
  reporter: JobReporter;
  /** The run's log: every line names the job. */
  logger: Logger;
  record: (event: WriterEvent) => void;
  resumed: boolean;
  toWrite: number;
  settledBefore: number;
  writeStart: number;
  /** `started` was reported (once per run, for the first chunk). */
  announced: boolean;
  signal?: AbortSignal;
}

export interface PreparedJob {
  job: SyncJob;
  /** An unfinished job of the same input and target was found and will be resumed. */
  resumed: boolean;
}

export class SyncEngine {
  readonly pacer: RequestPacer;
  /** This engine as the holder of job leases in the store. */
  readonly owner = newOwnerId();
  private readonly random: () => number;
  private readonly now: () => number;
  private readonly sleep: (ms: number, signal?: AbortSignal) => Promise<void>;

  /** An engine with the integration's pacer, primed with what the store remembers of Notion's budget. */
  static async open(deps: EngineDeps): Promise<SyncEngine> {
    return new SyncEngine({ ...deps, pacer: deps.pacer ?? (await integrationPacer(deps.config, deps.store, deps.observer?.notion)) });
  }

  constructor(private readonly deps: EngineDeps & { pacer: RequestPacer }) {
    this.pacer = deps.pacer;
    this.random = deps.random ?? Math.random;
    this.now = deps.now ?? Date.now;
    this.sleep = deps.sleep ?? sleepEndingOnAbort;
  }

  /** How long a job's lease lasts without renewal. */
  get leaseTtlMs(): number {
    return this.deps.leaseTtlMs ?? this.deps.config.jobLeaseMs;
  }

  get store(): JobStore {
    return this.deps.store;
  }

  // Job state has one owner: triggers (Slack, the command line) change it through these verbs.

  /**
   * Puts a job's failed quotes back to be written, for a retry. `onlyIfStopped`: only when the
   * job stopped on Notion's side (failed or partial), as when the same input comes again or a
   * stopped job is resumed. Returns how many went back.
   */
  async requeueFailed(jobId: string, options: { onlyIfStopped?: boolean } = {}): Promise<number> {
    const job = await this.deps.store.jobs.get(jobId);
    if (!job) throw new JobNotFoundError(jobId);
    if (options.onlyIfStopped && job.state !== 'failed' && job.state !== 'partial') return 0;
    await this.deps.store.retention.assertKept(jobId);
    return this.deps.store.quotes.requeueFailed(jobId);
  }

  /** Where the job talks to people now (a Slack thread): kept with the job so a restart resumes it there. */
  async setOrigin(jobId: string, origin: unknown): Promise<void> {
    await this.deps.store.jobs.setOrigin(jobId, origin);
  }

  /**
   * A person retries a cancelled job: it is no longer cancelled, so that a cancel seen from now on
   * (by another replica's SlackJobs) is a new one. Other states are left as they are.
   */
  async reopen(jobId: string): Promise<void> {
    const job = await this.deps.store.jobs.get(jobId);
    if (job?.state === 'cancelled') await this.deps.store.jobs.setState(jobId, 'interrupted', 'Retried after a cancel.');
  }

  /** The job will not be run or resumed unless a person retries it; `note` says who stopped it. */
  async cancel(jobId: string, note?: string): Promise<void> {
    await this.deps.store.jobs.setState(jobId, 'cancelled', note);
  }

  /**
   * One trigger (say, one Slack upload delivered twice) starts at most one job: true for the first
   * claim only, or for the take-over of a claim that never led to a job (see ClaimOptions).
   */
  claimTrigger(key: string, options: ClaimOptions = {}): Promise<boolean> {
    return this.deps.store.triggers.claim(key, options);
  }

  /** The claim of `key` started `jobId`: settled for good, never taken over. */
  async bindTrigger(key: string, jobId: string): Promise<void> {
    await this.deps.store.triggers.bind(key, jobId);
  }

  /** The claim of `key` ended without a job and never will lead to one (the person was told why): it is not taken up again. */
  async settleTrigger(key: string): Promise<void> {
    await this.deps.store.triggers.settle(key);
  }

  /** The claim of `key` did not lead to a job and may still: a later delivery can claim it again. */
  async releaseTrigger(key: string): Promise<void> {
    await this.deps.store.triggers.release(key);
  }

  /** Stops the pacer's timers and remembers what it learned; call before closing the store. */
  async close(): Promise<void> {
    await this.pacer.close();
  }

  /** The target named by the configuration, with command-line overrides. */
  targetFor(overrides: TargetOverrides = {}): JobTarget {
    return chooseTarget(this.deps.config, overrides);
  }

  /**
   * Parses the input and records a job, or returns the unfinished job of the same input and
   * target. Throws InputError (nothing recorded) when the input is unusable.
   */
  async prepare(
    source: SyncSource,
    target: JobTarget,
    options: { chunkSize?: number; careful?: boolean; update?: boolean; origin?: unknown; map?: Record<string, string>; logger?: Logger } = {},
  ): Promise<PreparedJob> {
    const token = requireNotionToken(this.deps.config);
    const { chunkSize, origin } = options;
    const careful = options.careful ?? this.deps.config.notion.profile === 'careful';
    checkChunking(chunkSize, target);
    const sha = createHash('sha256').update(source.content).digest('hex');
    const map = options.map && Object.keys(options.map).length > 0 ? options.map : undefined;
    const unfinished = await this.deps.store.jobs.findResumable(sha, target);
    // The same input in the other mode (update or not), or with other mappings, is another job.
    if (unfinished && Boolean(unfinished.options.update) === Boolean(options.update) && sameMaps(unfinished.options.map, map)) {
      return { job: unfinished, resumed: true };
    }
    const parsed = parseQuotes(source.content, {
      filename: source.name,
      ...(source.format ? { format: source.format } : {}),
    });
    const csv = parsed.format === 'csv';
    rejectUnfit(parsed, csv, source.name);
    await this.checkMappings(token, target, parsed, { csv, ...(map ? { map } : {}) });
    const job = await this.deps.store.jobs.create({
      source: source.name,
      sourceSha256: sha,
      target,
      parsed,
      origin,
      options: {
        ...(chunkSize ? { chunkSize } : {}),
        ...(careful ? { careful } : {}),
        ...(options.update ? { update: true } : {}),
        ...(csv ? { csv: true } : {}),
        ...(map ? { map } : {}),
        ...(parsed.ignored?.length ? { ignored: parsed.ignored } : {}),
      },
      ...(chunkSize ? { chunkOf: (position: number) => Math.floor(position / chunkSize) } : {}),
      lease: { owner: this.owner, ttlMs: this.leaseTtlMs },
    });
    (options.logger ?? this.deps.logger).info({ jobId: job.id, quotes: parsed.quotes.length, rejected: parsed.rejected.length }, 'job created');
    return { job, resumed: false };
  }

  /**
   * Mappings (the job's own and those kept for its database) are checked against the database
   * before the job exists, so one that cannot be followed stops everything with a ConfigError.
   * Costs two reads, only when there is a mapping to check.
   */
  private async checkMappings(token: string, target: JobTarget, parsed: ParsedQuotes, options: { csv: boolean; map?: Record<string, string> }): Promise<void> {
    const { store } = this.deps;
    const databaseId = target.kind === 'database' ? target.databaseId : (await store.databases.createdUnder(target.parentPageId, target.title))?.databaseId;
    const maps = await mappingsFor(store, { options: options.map ? { map: options.map } : {} }, databaseId);
    if (Object.keys(maps).length === 0) return;
    let properties: SchemaProperty[] = ourSchemaProperties();
    let title = target.kind === 'parent' ? target.title : target.databaseId;
    if (databaseId) {
      const { runtime } = this.connection(token);
      try {
        const database = await openDatabase(databaseId, 0, this.targetDeps(runtime));
        properties = database.properties;
        title = database.title;
      } catch (error) {
        // A database made here earlier and since deleted: the job makes a new one, with our schema.
        if (!(error instanceof NotionTargetError) || target.kind === 'database') throw error;
      }
    }
    planOrExplain(properties, parsed.quotes.map((q) => q.quote), { csv: options.csv, maps, title });
  }

  async report(jobId: string): Promise<SyncReport> {
    if (!(await this.deps.store.jobs.get(jobId))) throw new JobNotFoundError(jobId);
    return buildReport(this.deps.store, jobId);
  }

  /**
   * Runs a job until every quote is settled, the job is stopped by Notion, or `signal` aborts it.
   * Throws JobBusyError, touching nothing, while another process sharing the store runs the job.
   */
  async run(
    jobId: string,
    options: { reporter?: JobReporter; signal?: AbortSignal; resumed?: boolean; lease?: HeldLease; askedAt?: number; logger?: Logger } = {},
  ): Promise<SyncReport> {
    const job = await this.deps.store.jobs.get(jobId);
    if (!job) throw new JobNotFoundError(jobId);
    const token = requireNotionToken(this.deps.config);
    // A lease the caller holds (a job queued in the Slack app) stays the caller's to release.
    const lease = options.lease ?? (await this.holdJob(jobId));
    try {
      // Checked under the lease, which retention takes too: a job cleared meanwhile is not written from its ids alone.
      await this.deps.store.retention.assertKept(jobId);
      // A lost lease (this process stalled past it and another took over) stops this run like an abort.
      const signal = options.signal ? AbortSignal.any([options.signal, lease.lost]) : lease.lost;
      return await this.runHeld(job, token, lease, { ...options, signal });
    } finally {
      if (!options.lease) await lease.release();
    }
  }

  /**
   * Takes the job's lease for this engine and keeps it until released: no other process or
   * replica runs or picks up the job meanwhile. Throws JobBusyError while another holds it.
   */
  holdJob(jobId: string): Promise<HeldLease> {
    return holdLease(this.deps.store, jobId, this.owner, this.leaseTtlMs);
  }

  private async runHeld(
    job: SyncJob,
    token: string,
    lease: HeldLease,
    options: { reporter?: JobReporter; signal?: AbortSignal; resumed?: boolean; askedAt?: number; logger?: Logger },
  ): Promise<SyncReport> {
    const { store, config, observer } = this.deps;
    const jobId = job.id;
    // Every line of the run names the job (and what the caller's logger names: the Slack request).
    const logger = forJob(options.logger ?? this.deps.logger, jobId);
    const reporter = options.reporter ?? {};
    // No write goes out once the lease may have run out: another holder may have the job then.
    // A block Notion answered after the job was asked for (here, or on another replica) stops its requests unsent.
    const { gateway, runtime: base } = this.connection(token, {
      beforeSend: () => lease.check(),
      askedAt: options.askedAt ?? Date.now(),
      ...(options.signal ? { signal: options.signal } : {}),
    });
    // The job went to another holder: its state, report and thread are theirs now.
    const leaseLost = () => lease.lost.reason instanceof LeaseLostError;
    const policy = retryPolicyFor(config, job.options.careful === true);
    const record = async (event: WriterEvent) => {
      await store.events.add(jobId, event.kind, { ...event });
      observer?.jobEvent?.(jobId, event);
      logger.debug({ ...event }, 'notion event');
      reporter.event?.(event);
    };
    const runtime: RetryRuntime = {
      ...base,
      policy,
      onFailure: (failure, what, waitMs) => record({ ...failureEvent(failure, undefined, waitMs), message: `${what}: ${failure.message}` }),
    };
    const started = this.now();
    await store.jobs.setState(jobId, 'running');
    const countsBefore = await store.quotes.counts(jobId);
    const context: RunContext = {
      job,
      gateway,
      runtime,
      policy,
      reporter,
      logger,
      record,
      resumed: options.resumed ?? false,
      toWrite: (await store.quotes.toWrite(jobId)).length,
      settledBefore: settledCount(countsBefore),
      writeStart: this.now(),
      announced: false,
      ...(options.signal ? { signal: options.signal } : {}),
    };
    const chunkCount = await this.chunkCount(job);
    const chunks = [...new Set((await store.quotes.toWrite(jobId)).map((q) => q.chunk))].sort((a, b) => a - b);
    let interrupted = false;
    let stopReason: string | undefined;
    let chunksStopped = 0;
    try {
      // Each chunk is isolated: one that cannot be written does not stop the others.
      for (const chunk of chunks.length > 0 ? chunks : [0]) {
        const outcome = await this.runChunk(context, chunk, chunkCount);
        if (outcome.outcome === 'interrupted') {
          interrupted = true;
          break;
        }
        if (outcome.outcome === 'stopped') {
          chunksStopped += 1;
          stopReason ??= outcome.reason;
          await this.failChunk(jobId, chunk, outcome.reason);
        }
      }
      if (interrupted && leaseLost()) {
        throw lease.lost.reason;
      } else if (interrupted) {
        await store.jobs.setState(jobId, 'interrupted', 'Stopped before the end; resume the job to finish it.');
      } else if (stopReason) {
        const whole = chunksStopped >= Math.max(1, chunks.length);
        await store.jobs.setState(jobId, whole ? 'failed' : 'partial', stopReason);
        logger.info({ reason: stopReason }, 'job stopped');
      } else {
        await store.jobs.setState(jobId, (await store.quotes.counts(jobId)).failed > 0 ? 'partial' : 'done');
      }
    } catch (error) {
      if (leaseLost()) {
        logger.warn('the job lease ran out here: another holder goes on with the job');
        observer?.jobRan?.(jobId, { end: 'lost', durationMs: this.now() - started });
        throw lease.lost.reason;
      }
      // Told first: the store, which records the state below, may be what failed.
      if (!options.signal?.aborted) observer?.jobRan?.(jobId, { end: 'error', durationMs: this.now() - started });
      await store.jobs.setState(
        jobId,
        'interrupted',
        options.signal?.aborted
          ? 'Stopped before the end; resume the job to finish it.'
          : 'Stopped by an unexpected error; resume the job to finish it.',
      );
      if (!options.signal?.aborted) throw error;
    } finally {
      await store.jobs.addUsage(jobId, gateway.requests, this.now() - started);
    }
    const fallbackCsv = await writeFallbackCsv(store, jobId, config.dataDir);
    const report: SyncReport = { ...(await buildReport(store, jobId)), ...(fallbackCsv ? { fallbackCsv } : {}) };
    observer?.jobRan?.(jobId, { end: report.state, durationMs: this.now() - started, quotes: runQuotes(countsBefore, report) });
    await reporter.finished?.(report);
    return report;
  }

  /** A gateway paced by the integration's queue, and the retry runtime of set-up reads through it. */
  private connection(token: string, options: { beforeSend?: () => void; signal?: AbortSignal; askedAt?: number } = {}): { gateway: NotionGateway; runtime: RetryRuntime } {
    const { config } = this.deps;
    const gateway = new NotionGateway({
      token,
      apiUrl: config.notion.apiUrl,
      timeoutMs: config.notion.timeoutMs,
      pacer: this.pacer,
      ...options,
    });
    const runtime: RetryRuntime = {
      gateway,
      policy: retryPolicyFor(config, false),
      random: this.random,
      sleep: this.sleep,
      ...(options.signal ? { signal: options.signal } : {}),
    };
    return { gateway, runtime };
  }

  /** Chunks a job is split into: one database each ("Quotes (part 2/17)"). */
  private async chunkCount(job: SyncJob): Promise<number> {
    const size = job.options.chunkSize;
    if (!size) return 1;
    return Math.max(1, Math.ceil((await this.deps.store.quotes.list(job.id)).length / size));
  }

  /** Writes one chunk's quotes into its database. Notion errors that end the chunk come back as 'stopped'. */
  private async runChunk(context: RunContext, chunk: number, chunkCount: number): Promise<WriteResult> {
    const { store, config } = this.deps;
    const { job, runtime, reporter, gateway } = context;
    const jobId = job.id;
    let database: PlacedDatabase;
    let items: WriteItem[];
    const fieldDeps = { store, runtime, onNote: (message: string) => reporter.note?.(message) };
    try {
      const opened = await this.openTarget(job, chunk, chunkCount, runtime);
      await store.databases.setForJob(jobId, opened);
      items = (await store.quotes.toWrite(jobId)).filter((q) => q.chunk === chunk);
      database = await placeFields(job, opened, items, fieldDeps);
      if (!database.created && items.length > 0) {
        items = await settleExisting(store, jobId, items, database, runtime, { update: job.options.update === true, plan: database.plan });
      }
    } catch (error) {
      if (error instanceof QuoteSyncError) return { outcome: 'stopped', reason: error.message };
      throw error;
    }
    if (!context.announced) {
      context.announced = true;
      await reporter.started?.({
        job,
        database,
        toWrite: context.toWrite,
        resumed: context.resumed,
        fields: await store.fields.plan(jobId),
        warnings: await store.fields.warnings(jobId),
      });
    } else {
      reporter.note?.(`Writing part ${chunk + 1}/${chunkCount} into "${database.title}" ${database.url}`);
    }
    const progress = async () =>
      reporter.progress?.(
        progressOf({
          jobId,
          counts: await store.quotes.counts(jobId),
          toWrite: context.toWrite,
          settledBefore: context.settledBefore,
          elapsedMs: this.now() - context.writeStart,
          requests: gateway.requests,
          retries: await retryCounts(store, jobId),
        }),
      );
    const breaker = breakerFor(config, this.now);
    let active = database;
    const recover = async (why: string): Promise<Recovery> => {
      const result = await recoverTarget(job, active, why, { store, logger: context.logger, gateway, target: this.targetDeps(runtime) });
      if (!result.ok) return result;
      try {
        // A new database (or the same one, changed meanwhile): the fields are placed in it again.
        active = await placeFields(job, result.database, await store.quotes.toWrite(jobId), fieldDeps);
      } catch (error) {
        if (error instanceof QuoteSyncError) return { ok: false, reason: error.message };
        throw error;
      }
      return { ok: true, target: active, requeue: result.requeue, message: result.message };
    };
    if (reporter.progress) await progress();
    return writeQuotes(items, database, {
      breaker,
      recoverEveryTrips: config.breaker.recoverAfterTrips,
      recover,
      gateway,
      store,
      jobId,
      policy: context.policy,
      random: this.random,
      now: this.now,
      sleep: this.sleep,
      onEvent: context.record,
      onProgress: reporter.progress ? progress : async () => undefined,
      ...(job.options.careful ? { pauseBetweenQuotesMs: config.notion.carefulPauseMs } : {}),
      ...(context.signal ? { signal: context.signal } : {}),
    });
  }

  /** A chunk cannot go on: each quote it did not write is failed with the reason, so it lands in the fallback. */
  private async failChunk(jobId: string, chunk: number, reason: string): Promise<void> {
    const { store } = this.deps;
    for (const item of await store.quotes.toWrite(jobId)) {
      if (item.chunk === chunk) await store.quotes.setState(jobId, item.quote.id, 'failed', { reason });
    }
  }

  private targetDeps(runtime: RetryRuntime): TargetDeps {
    return {
      store: this.deps.store,
      runtime,
      readyTimeoutMs: this.deps.config.notion.readyTimeoutMs,
      creationTakeoverMs: this.deps.config.notion.createClaimTakeoverMs,
      now: this.now,
    };
  }

  /** A chunk's database: the one an earlier run used, else resolved from the job's target. */
  private async openTarget(
    job: SyncJob,
    chunk: number,
    chunkCount: number,
    runtime: RetryRuntime,
  ): Promise<ResolvedDatabase> {
    const deps = this.targetDeps(runtime);
    const known = (await this.deps.store.databases.forJob(job.id)).find((d) => d.chunk === chunk);
    if (known) return openDatabase(known.databaseId, chunk, deps);
    const base = job.target.kind === 'parent' ? job.target.title : '';
    const title = chunkCount > 1 ? `${base} (part ${chunk + 1}/${chunkCount})` : base;
    return resolveTarget(job.target, chunk, title, deps);
  }
}

/** Two jobs' mappings are the same when they map the same fields to the same properties. */
function sameMaps(a: Record<string, string> | undefined, b: Record<string, string> | undefined): boolean {
  const ea = Object.entries(a ?? {}).sort(([x], [y]) => x.localeCompare(y));
  const eb = Object.entries(b ?? {}).sort(([x], [y]) => x.localeCompare(y));
  return JSON.stringify(ea) === JSON.stringify(eb);
}
