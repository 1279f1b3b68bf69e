/** A job's progress as people see it: how far, how fast, how long still. Pure arithmetic. */
import type { JobCounts } from '../../store/index.js';
import type { SyncReport } from '../outcome/report.js';

export interface JobProgress {
  jobId: string;
  counts: JobCounts;
  /** Quotes this run set out to write. */
  toWrite: number;
  /** Of those, how many are settled (written, found, rejected or failed). */
  settled: number;
  requests: number;
  /** Pages written per second in this run. */
  ratePerSecond: number;
  etaSeconds: number | undefined;
  retries: SyncReport['retries'];
}

/** Quotes that need nothing more: written, found already there (updated or not), rejected or failed. */
export function settledCount(c: JobCounts): number {
  return c.written + c.alreadyPresent + c.updated + c.unchanged + c.failed + c.rejected;
}

/** Progress of a run that set out to write `toWrite` quotes `elapsedMs` ago, when `settledBefore` were settled already. */
export function progressOf(input: {
  jobId: string;
  counts: JobCounts;
  toWrite: number;
  settledBefore: number;
  elapsedMs: number;
  requests: number;
  retries: SyncReport['retries'];
}): JobProgress {
  const settled = settledCount(input.counts) - input.settledBefore;
  const elapsed = input.elapsedMs / 1000;
  const rate = elapsed > 0 ? settled / elapsed : 0;
  return {
    jobId: input.jobId,
    counts: input.counts,
    toWrite: input.toWrite,
    settled,
    requests: input.requests,
    ratePerSecond: rate,
    etaSeconds: rate > 0 ? Math.max(0, input.toWrite - settled) / rate : undefined,
    retries: input.retries,
  };
}
