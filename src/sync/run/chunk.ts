/**
 * One chunk of a job written into its database ("Quotes (part 2/17)"; a job without chunking is
 * one chunk): the database opened (the one an earlier run used, else resolved from the job's
 * target), the fields placed in it, the quotes already there settled, then the writer, with the
 * progress, the breaker and recovery wired in.
 */
import { QuoteSyncError } from '../../errors.js';
import type { Logger } from '../../logger.js';
import type { NotionGateway } from '../../notion/gateway.js';
import type { JobStore, SyncJob } from '../../store/index.js';
import { retryCounts } from '../outcome/report.js';
import { breakerFor } from '../resilience/breaker.js';
import type { RetryRuntime } from '../resilience/requests.js';
import type { RetryPolicy } from '../resilience/retry.js';
import { placeFields, type PlacedDatabase } from '../target/job-fields.js';
import { recoverTarget } from '../target/recovery.js';
import { openDatabase, resolveTarget, type ResolvedDatabase } from '../target/target.js';
import type { WriteItem } from '../write/create-quote.js';
import { settleExisting } from '../write/existing-quotes.js';
import { writeQuotes, type Recovery, type WriteResult } from '../write/writer.js';
import type { WriterEvent } from '../write/writer-events.js';
import { targetDepsOf, type EngineParts } from './connection.js';
import type { JobReporter } from './job-reporter.js';
import { progressOf } from './progress.js';

/** What every chunk of one run shares. */
export interface RunContext {
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

/** Chunks a job is split into: one database each. */
export async function chunkCount(store: JobStore, job: SyncJob): Promise<number> {
  const size = job.options.chunkSize;
  if (!size) return 1;
  return Math.max(1, Math.ceil((await store.quotes.list(job.id)).length / size));
}

/** Writes one chunk's quotes into its database. Notion errors that end the chunk come back as 'stopped'. */
export async function runChunk(parts: EngineParts, context: RunContext, chunk: number, chunkCount: number): Promise<WriteResult> {
  const { store, config } = parts;
  const { job, runtime, reporter, gateway } = context;
  const jobId = job.id;
  let database: PlacedDatabase;
  let items: WriteItem[];
  const fieldDeps = { store, runtime, onNote: (message: string) => reporter.note?.(message) };
  try {
    const opened = await openTarget(parts, job, chunk, chunkCount, runtime);
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
        elapsedMs: parts.now() - context.writeStart,
        requests: gateway.requests,
        retries: await retryCounts(store, jobId),
      }),
    );
  const breaker = breakerFor(config, parts.now);
  let active = database;
  const recover = async (why: string): Promise<Recovery> => {
    const result = await recoverTarget(job, active, why, { store, logger: context.logger, gateway, target: targetDepsOf(parts, runtime) });
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
    random: parts.random,
    now: parts.now,
    sleep: parts.sleep,
    onEvent: context.record,
    onProgress: reporter.progress ? progress : async () => undefined,
    ...(job.options.careful ? { pauseBetweenQuotesMs: config.notion.carefulPauseMs } : {}),
    ...(context.signal ? { signal: context.signal } : {}),
  });
}

/** A chunk cannot go on: each quote it did not write is failed with the reason, so it lands in the fallback. */
export async function failChunk(store: JobStore, jobId: string, chunk: number, reason: string): Promise<void> {
  for (const item of await store.quotes.toWrite(jobId)) {
    if (item.chunk === chunk) await store.quotes.setState(jobId, item.quote.id, 'failed', { reason });
  }
}

/** A chunk's database: the one an earlier run used, else resolved from the job's target. */
async function openTarget(parts: EngineParts, job: SyncJob, chunk: number, chunkCount: number, runtime: RetryRuntime): Promise<ResolvedDatabase> {
  const deps = targetDepsOf(parts, runtime);
  const known = (await parts.store.databases.forJob(job.id)).find((d) => d.chunk === chunk);
  if (known) return openDatabase(known.databaseId, chunk, deps);
  const base = job.target.kind === 'parent' ? job.target.title : '';
  const title = chunkCount > 1 ? `${base} (part ${chunk + 1}/${chunkCount})` : base;
  return resolveTarget(job.target, chunk, title, deps);
}
