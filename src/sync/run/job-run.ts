/**
 * One run of a job, under a lease its caller holds: the job marked running, its chunks written
 * one after another (one that cannot be written does not stop the others), the state the run
 * leaves it in, then the CSV of what was not written and the report, told to the reporter and
 * the observer. A lease lost mid-run ends the run at once: the job is its new holder's.
 */
import { LeaseLostError } from '../../errors.js';
import { forJob, type Logger } from '../../logger.js';
import type { SyncJob } from '../../store/index.js';
import { writeFallbackCsv } from '../outcome/fallback.js';
import { buildReport, type SyncReport } from '../outcome/report.js';
import type { RetryRuntime } from '../resilience/requests.js';
import { retryPolicyFor } from '../resilience/retry.js';
import { failureEvent, type WriterEvent } from '../write/writer-events.js';
import { chunkCount, failChunk, runChunk, type RunContext } from './chunk.js';
import { connect, type EngineParts } from './connection.js';
import { runQuotes } from './job-observer.js';
import type { JobReporter } from './job-reporter.js';
import type { HeldLease } from './lease.js';
import { settledCount } from './progress.js';

export interface RunOptions {
  reporter?: JobReporter;
  signal?: AbortSignal;
  resumed?: boolean;
  /** When a person asked for this run (ms): a block Notion answered after it stops its requests unsent. */
  askedAt?: number;
  logger?: Logger;
}

/** Runs the job until every quote is settled, Notion stops it, or `options.signal` (which the caller ties to the lease) aborts it. */
export async function runHeldJob(parts: EngineParts, job: SyncJob, token: string, lease: HeldLease, options: RunOptions): Promise<SyncReport> {
  const { store, config, observer } = parts;
  const jobId = job.id;
  // Every line of the run names the job (and what the caller's logger names: the Slack request).
  const logger = forJob(options.logger ?? parts.logger, jobId);
  const reporter = options.reporter ?? {};
  // No write goes out once the lease may have run out: another holder may have the job then.
  // A block Notion answered after the job was asked for (here, or on another replica) stops its requests unsent.
  const { gateway, runtime: base } = connect(parts, token, {
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
  const started = parts.now();
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
    writeStart: parts.now(),
    announced: false,
    ...(options.signal ? { signal: options.signal } : {}),
  };
  const chunks = await chunkCount(store, job);
  const toRun = [...new Set((await store.quotes.toWrite(jobId)).map((q) => q.chunk))].sort((a, b) => a - b);
  let interrupted = false;
  let stopReason: string | undefined;
  let chunksStopped = 0;
  try {
    // Each chunk is isolated: one that cannot be written does not stop the others.
    for (const chunk of toRun.length > 0 ? toRun : [0]) {
      const outcome = await runChunk(parts, context, chunk, chunks);
      if (outcome.outcome === 'interrupted') {
        interrupted = true;
        break;
      }
      if (outcome.outcome === 'stopped') {
        chunksStopped += 1;
        stopReason ??= outcome.reason;
        await failChunk(store, jobId, chunk, outcome.reason);
      }
    }
    if (interrupted && leaseLost()) {
      throw lease.lost.reason;
    } else if (interrupted) {
      await store.jobs.setState(jobId, 'interrupted', 'Stopped before the end; resume the job to finish it.');
    } else if (stopReason) {
      const whole = chunksStopped >= Math.max(1, toRun.length);
      await store.jobs.setState(jobId, whole ? 'failed' : 'partial', stopReason);
      logger.info({ reason: stopReason }, 'job stopped');
    } else {
      await store.jobs.setState(jobId, (await store.quotes.counts(jobId)).failed > 0 ? 'partial' : 'done');
    }
  } catch (error) {
    if (leaseLost()) {
      logger.warn('the job lease ran out here: another holder goes on with the job');
      observer?.jobRan?.(jobId, { end: 'lost', durationMs: parts.now() - started });
      throw lease.lost.reason;
    }
    // Told first: the store, which records the state below, may be what failed.
    if (!options.signal?.aborted) observer?.jobRan?.(jobId, { end: 'error', durationMs: parts.now() - started });
    await store.jobs.setState(
      jobId,
      'interrupted',
      options.signal?.aborted
        ? 'Stopped before the end; resume the job to finish it.'
        : 'Stopped by an unexpected error; resume the job to finish it.',
    );
    if (!options.signal?.aborted) throw error;
  } finally {
    await store.jobs.addUsage(jobId, gateway.requests, parts.now() - started);
  }
  const fallbackCsv = await writeFallbackCsv(store, jobId, config.dataDir);
  const report: SyncReport = { ...(await buildReport(store, jobId)), ...(fallbackCsv ? { fallbackCsv } : {}) };
  observer?.jobRan?.(jobId, { end: report.state, durationMs: parts.now() - started, quotes: runQuotes(countsBefore, report) });
  await reporter.finished?.(report);
  return report;
}
