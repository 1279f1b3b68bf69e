/**
 * The sync engine: turns an input into a job in the store, then runs (or resumes) the job:
 * resolve the database, read the quote ids already there, write the rest, report.
 * Triggers (command line, Slack, Gumloop) call only this. The steps are the modules beside it:
 * preparing a job (prepare.ts), one run under its lease (job-run.ts), one chunk (chunk.ts).
 */
import type { Config } from '../../config.js';
import { JobNotFoundError } from '../../errors.js';
import type { Logger } from '../../logger.js';
import type { RequestPacer } from '../../notion/pacing/pacer.js';
import type { JobStore, JobTarget } from '../../store/index.js';
import type { ClaimOptions } from '../../store/triggers.js';
import { sleepEndingOnAbort } from '../../time/sleep.js';
import { buildReport, type SyncReport } from '../outcome/report.js';
import { chooseTarget, requireNotionToken, type TargetOverrides } from '../target/notion-settings.js';
import type { EngineParts } from './connection.js';
import { integrationPacer } from './integration-pacer.js';
import type { EngineObserver } from './job-observer.js';
import type { SyncSource } from './job-reporter.js';
import { runHeldJob, type RunOptions } from './job-run.js';
import { holdLease, newOwnerId, type HeldLease } from './lease.js';
import { prepareJob, type PrepareOptions, type PreparedJob } from './prepare.js';

export type { JobProgress } from './progress.js';

export type { JobReporter, SyncSource } from './job-reporter.js';

export type { PreparedJob } from './prepare.js';

export interface EngineDeps {
  config: Config;
  store: JobStore;
  logger: Logger;
  /** One pacer per integration; shared by every job that uses the same token. */
  pacer?: RequestPacer;
  /** How long a job's lease lasts without renewal (see sync/run/lease.ts). */
  leaseTtlMs?: number;
  random?: () => number;
  now?: () => number;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** Told of every Notion request, the writer's events and each run's end (the app's metrics); none on the command line. */
  observer?: EngineObserver;
}

export class SyncEngine {
  readonly pacer: RequestPacer;
  /** This engine as the holder of job leases in the store. */
  readonly owner = newOwnerId();
  /** What preparing and running a job take from this engine. */
  private readonly parts: EngineParts;

  /** An engine with the integration's pacer, primed with what the store remembers of Notion's budget. */
  static async open(deps: EngineDeps): Promise<SyncEngine> {
    return new SyncEngine({ ...deps, pacer: deps.pacer ?? (await integrationPacer(deps.config, deps.store, deps.observer?.notion)) });
  }

  constructor(private readonly deps: EngineDeps & { pacer: RequestPacer }) {
    this.pacer = deps.pacer;
    this.parts = {
      config: deps.config,
      store: deps.store,
      logger: deps.logger,
      pacer: deps.pacer,
      ...(deps.observer ? { observer: deps.observer } : {}),
      random: deps.random ?? Math.random,
      now: deps.now ?? Date.now,
      sleep: deps.sleep ?? sleepEndingOnAbort,
    };
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
  prepare(source: SyncSource, target: JobTarget, options: PrepareOptions = {}): Promise<PreparedJob> {
    return prepareJob(this.parts, { owner: this.owner, ttlMs: this.leaseTtlMs }, source, target, options);
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
    options: RunOptions & { lease?: HeldLease } = {},
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
      return await runHeldJob(this.parts, job, token, lease, { ...options, signal });
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
}
