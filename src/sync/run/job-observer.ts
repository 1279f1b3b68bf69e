/**
 * What the engine tells whoever watches its jobs (the app's metrics): the writer's events as they
 * are recorded, and how each run of a job ended, with the quotes it settled. Optional: the
 * command line passes none. Job ids are given so an observer can follow a run (a breaker open
 * until the run ends), never to be kept as labels.
 */
import type { NotionObserver } from '../../notion/pacing/observer.js';
import type { JobCounts, JobState } from '../../store/index.js';
import type { SyncReport } from '../outcome/report.js';
import type { WriterEvent } from '../write/writer-events.js';

/** How a run ended: the job's state as the run left it, or `lost` (another holder took the job) or `error` (an unexpected one). */
export type JobRunEnd = JobState | 'lost' | 'error';

/** Quotes one run settled, by outcome. */
export interface RunQuotes {
  written: number;
  alreadyPresent: number;
  updated: number;
  failed: number;
}

export interface JobRun {
  end: JobRunEnd;
  durationMs: number;
  /** Absent when the run ended before its counts could be read (an error, a lost lease). */
  quotes?: RunQuotes;
}

export interface EngineObserver {
  /** Given to the integration's pacer: every Notion request, and its wait. */
  notion?: NotionObserver;
  /** The writer recorded `event` for the job (a retry, a rate limit, the breaker opening or closing). */
  jobEvent?(jobId: string, event: WriterEvent): void;
  /** One run of the job ended. */
  jobRan?(jobId: string, run: JobRun): void;
}

/** The quotes a run settled: the job's counts at its end less those at its start (a retry's requeued failures are not counted twice). */
export function runQuotes(before: JobCounts, report: SyncReport): RunQuotes {
  const settled = (after: number, was: number) => Math.max(0, after - was);
  return {
    written: settled(report.written, before.written),
    alreadyPresent: settled(report.alreadyPresent, before.alreadyPresent),
    updated: settled(report.updated, before.updated),
    failed: settled(report.failed.length, before.failed),
  };
}
