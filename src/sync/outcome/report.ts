/** The final report of a job, built from the store: the same whether the job ran once or was resumed. */
import type { FieldWarning } from '../../quotes/model.js';
import type { FieldReport, JobEventKind, JobState, JobStore } from '../../store/index.js';

export interface SyncReport {
  jobId: string;
  state: JobState;
  error?: string;
  total: number;
  written: number;
  alreadyPresent: number;
  /** Update mode: pages changed in place, and pages that held the input's values already. */
  updated: number;
  unchanged: number;
  duplicates: number;
  /** Quotes still to write (an interrupted job). */
  pending: number;
  rejected: { row: number; reason: string }[];
  /** Where each field of the input went: property, type, how it was chosen, whether this job added it. */
  fields: FieldReport[];
  /** What reading the input and fitting it to Notion changed or left out, by row (row 0: the input as a whole). */
  warnings: FieldWarning[];
  failed: { id: string; reason: string }[];
  databases: { id: string; dataSourceId: string; url: string; title: string }[];
  requests: number;
  retries: { conflict: number; rateLimited: number; server: number; ambiguous: number };
  durationMs: number;
  /** Times the circuit breaker opened. */
  breakerTrips: number;
  /** Path of the CSV of what was not written (and rejected rows), when there is any. */
  fallbackCsv?: string;
}

/** Retries by kind, from the job's events (cheap enough to call after every quote). */
export async function retryCounts(store: JobStore, jobId: string): Promise<SyncReport['retries']> {
  const events = await store.events.counts(jobId);
  const n = (kind: JobEventKind) => events[kind] ?? 0;
  return {
    conflict: n('conflict'),
    rateLimited: n('rate_limited') + n('workspace_limited') + n('endpoint_limited') + n('overloaded'),
    server: n('server_error') + n('timeout') + n('network'),
    ambiguous: await store.events.ambiguousFailures(jobId),
  };
}

export async function buildReport(store: JobStore, jobId: string): Promise<SyncReport> {
  const job = await store.jobs.get(jobId);
  if (!job) throw new Error(`no job ${jobId}`);
  const counts = await store.quotes.counts(jobId);
  const events = await store.events.counts(jobId);
  const n = (kind: JobEventKind) => events[kind] ?? 0;
  return {
    jobId,
    state: job.state,
    ...(job.error ? { error: job.error } : {}),
    total: counts.total,
    written: counts.written,
    alreadyPresent: counts.alreadyPresent,
    updated: counts.updated,
    unchanged: counts.unchanged,
    duplicates: counts.duplicates,
    pending: counts.pending,
    rejected: (await store.quotes.rejected(jobId)).map(({ row, reason }) => ({ row, reason })),
    fields: await store.fields.plan(jobId),
    warnings: await store.fields.warnings(jobId),
    failed: (await store.quotes.failed(jobId)).map(({ id, reason }) => ({ id, reason })),
    databases: (await store.databases.forJob(jobId)).map((d) => ({ id: d.databaseId, dataSourceId: d.dataSourceId, url: d.url, title: d.title })),
    requests: job.requests,
    retries: await retryCounts(store, jobId),
    durationMs: job.activeMs,
    breakerTrips: n('breaker_open'),
  };
}

/** Every valid quote is in Notion (written now or before); rejected rows do not count against it. */
export function isComplete(report: SyncReport): boolean {
  return report.failed.length === 0 && report.pending === 0 && report.state === 'done';
}
