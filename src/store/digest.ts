/**
 * The digest's queries (src/digest/): read-only views of a time window (from, to].
 *
 * Every stamp is `toISOString()` (one fixed width, UTC), so comparing stamps as text compares
 * instants. A quote's `updated_at` is the time of its latest state change, and a written quote
 * never changes again, so "written in the window" needs no new column. Rejected rows and
 * duplicates are recorded with their job, so they count in the window the job was created in.
 * These scan job_quotes without an index on updated_at: fine for one digest a day.
 */
import type Database from 'better-sqlite3';
import type { Quote } from '../quotes/model.js';
import type { JobEventCounts, JobEventKind } from './events.js';
import { toJob, type JobRow } from './jobs.js';
import type { JobState, QuoteState, SyncJob } from './types.js';

export class DigestQueries {
  constructor(private readonly db: Database.Database) {}

  /** Jobs that changed in the window (created, ran, finished), oldest first. */
  jobsUpdatedBetween(from: Date, to: Date): SyncJob[] {
    const rows = this.db
      .prepare(`SELECT * FROM jobs WHERE updated_at > ? AND updated_at <= ? ORDER BY updated_at, rowid`)
      .all(from.toISOString(), to.toISOString()) as JobRow[];
    return rows.map(toJob);
  }

  /** Jobs in these states however old, latest first: a failed job stays listed until retried or cancelled. */
  jobsInStates(states: readonly JobState[], limit = 50): SyncJob[] {
    if (states.length === 0) return [];
    const rows = this.db
      .prepare(
        `SELECT * FROM jobs WHERE state IN (${states.map(() => '?').join(', ')})
         ORDER BY updated_at DESC, rowid DESC LIMIT ?`,
      )
      .all(...states, limit) as JobRow[];
    return rows.map(toJob);
  }

  /** Quotes by the state they reached in the window. */
  quoteStatesBetween(from: Date, to: Date): Partial<Record<QuoteState, number>> {
    const rows = this.db
      .prepare(`SELECT state, COUNT(*) AS n FROM job_quotes WHERE updated_at > ? AND updated_at <= ? GROUP BY state`)
      .all(from.toISOString(), to.toISOString()) as { state: QuoteState; n: number }[];
    return Object.fromEntries(rows.map((r) => [r.state, r.n]));
  }

  /** Unusable rows and duplicates in the inputs of jobs created in the window. */
  inputIssuesBetween(from: Date, to: Date): { rejectedRows: number; duplicates: number } {
    const window = `SELECT id FROM jobs WHERE created_at > ? AND created_at <= ?`;
    const count = (table: 'job_rejects' | 'job_duplicates') =>
      (
        this.db
          .prepare(`SELECT COUNT(*) AS n FROM ${table} WHERE job_id IN (${window})`)
          .get(from.toISOString(), to.toISOString()) as { n: number }
      ).n;
    return { rejectedRows: count('job_rejects'), duplicates: count('job_duplicates') };
  }

  /** Quotes written in the window, counted by category or sentiment (undefined: the quote has none), most first. */
  writtenCountsBy(field: 'category' | 'sentiment', from: Date, to: Date): { value: string | undefined; count: number }[] {
    const rows = this.db
      .prepare(
        `SELECT json_extract(quote, ?) AS value, COUNT(*) AS n FROM job_quotes
         WHERE state = 'written' AND updated_at > ? AND updated_at <= ?
         GROUP BY value ORDER BY n DESC, value`,
      )
      .all(`$.${field}`, from.toISOString(), to.toISOString()) as { value: string | null; n: number }[];
    return rows.map((r) => ({ value: r.value ?? undefined, count: r.n }));
  }

  /** The quotes written in the window with the highest relevance (unscored last), with their pages. */
  topWrittenBetween(from: Date, to: Date, limit: number): { jobId: string; quote: Quote; pageId: string | undefined }[] {
    const rows = this.db
      .prepare(
        `SELECT job_id, quote, page_id FROM job_quotes
         WHERE state = 'written' AND updated_at > ? AND updated_at <= ?
         ORDER BY json_extract(quote, '$.relevanceScore') DESC NULLS LAST, updated_at, job_id, position
         LIMIT ?`,
      )
      .all(from.toISOString(), to.toISOString(), limit) as { job_id: string; quote: string; page_id: string | null }[];
    return rows.map((r) => ({ jobId: r.job_id, quote: JSON.parse(r.quote) as Quote, pageId: r.page_id ?? undefined }));
  }

  /** Events recorded in the window, by kind. */
  eventCountsBetween(from: Date, to: Date): JobEventCounts {
    const rows = this.db
      .prepare(`SELECT kind, COUNT(*) AS n FROM events WHERE at > ? AND at <= ? GROUP BY kind`)
      .all(from.toISOString(), to.toISOString()) as { kind: JobEventKind; n: number }[];
    return Object.fromEntries(rows.map((r) => [r.kind, r.n]));
  }
}
