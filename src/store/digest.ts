/**
 * The digest's queries (src/digest/): read-only views of a time window (from, to].
 *
 * Every stamp is `toISOString()` (one fixed width, UTC), so comparing stamps as text compares
 * instants. A quote's `updated_at` is the time of its latest state change, and a written quote
 * never changes again, so "written in the window" needs no new column. Rejected rows and
 * duplicates are recorded with their job, so they count in the window the job was created in.
 * These scan job_quotes without an index on updated_at: fine for one digest a day.
 */
import { jobsInsertionOrder, jsonNumber, jsonText, type Db } from './db.js';
import type { Quote } from '../quotes/model.js';
import type { JobEventCounts, JobEventKind } from './events.js';
import { toJob, type JobRow } from './jobs.js';
import type { JobState, QuoteState, SyncJob } from './types.js';

export class DigestQueries {
  constructor(private readonly db: Db) {}

  private get order(): string {
    return jobsInsertionOrder(this.db.dialect);
  }

  /** Jobs that changed in the window (created, ran, finished), oldest first. */
  async jobsUpdatedBetween(from: Date, to: Date): Promise<SyncJob[]> {
    const rows = await this.db.all<JobRow>(`SELECT * FROM jobs WHERE updated_at > ? AND updated_at <= ? ORDER BY updated_at, ${this.order}`, [
      from.toISOString(),
      to.toISOString(),
    ]);
    return rows.map(toJob);
  }

  /**
   * Jobs in these states however old, latest first: a failed job stays listed until retried or
   * cancelled, or until retention clears its texts (it can no longer be retried then).
   */
  async jobsInStates(states: readonly JobState[], limit = 50): Promise<SyncJob[]> {
    if (states.length === 0) return [];
    const rows = await this.db.all<JobRow>(
      `SELECT * FROM jobs WHERE state IN (${states.map(() => '?').join(', ')}) AND id NOT IN (SELECT job_id FROM job_texts_cleared)
       ORDER BY updated_at DESC, ${this.order} DESC LIMIT ?`,
      [...states, limit],
    );
    return rows.map(toJob);
  }

  /** Quotes by the state they reached in the window. */
  async quoteStatesBetween(from: Date, to: Date): Promise<Partial<Record<QuoteState, number>>> {
    const rows = await this.db.all<{ state: QuoteState; n: number }>(
      `SELECT state, COUNT(*) AS n FROM job_quotes WHERE updated_at > ? AND updated_at <= ? GROUP BY state`,
      [from.toISOString(), to.toISOString()],
    );
    return Object.fromEntries(rows.map((r) => [r.state, r.n]));
  }

  /** Unusable rows and duplicates in the inputs of jobs created in the window. */
  async inputIssuesBetween(from: Date, to: Date): Promise<{ rejectedRows: number; duplicates: number }> {
    const window = `SELECT id FROM jobs WHERE created_at > ? AND created_at <= ?`;
    const count = async (table: 'job_rejects' | 'job_duplicates') =>
      (await this.db.get<{ n: number }>(`SELECT COUNT(*) AS n FROM ${table} WHERE job_id IN (${window})`, [from.toISOString(), to.toISOString()]))?.n ?? 0;
    return { rejectedRows: await count('job_rejects'), duplicates: await count('job_duplicates') };
  }

  /** Quotes written in the window, counted by category or sentiment (undefined: the quote has none), most first. */
  async writtenCountsBy(field: 'category' | 'sentiment', from: Date, to: Date): Promise<{ value: string | undefined; count: number }[]> {
    const rows = await this.db.all<{ value: string | null; n: number }>(
      `SELECT ${jsonText(this.db.dialect, 'quote', field)} AS value, COUNT(*) AS n FROM job_quotes
       WHERE state = 'written' AND updated_at > ? AND updated_at <= ?
       GROUP BY value ORDER BY n DESC, value`,
      [from.toISOString(), to.toISOString()],
    );
    return rows.map((r) => ({ value: r.value ?? undefined, count: r.n }));
  }

  /** The quotes written in the window with the highest relevance (unscored last), with their pages. */
  async topWrittenBetween(from: Date, to: Date, limit: number): Promise<{ jobId: string; quote: Quote; pageId: string | undefined }[]> {
    const rows = await this.db.all<{ job_id: string; quote: string; page_id: string | null }>(
      `SELECT job_id, quote, page_id FROM job_quotes
       WHERE state = 'written' AND updated_at > ? AND updated_at <= ?
       ORDER BY ${jsonNumber(this.db.dialect, 'quote', 'relevanceScore')} DESC NULLS LAST, updated_at, job_id, position
       LIMIT ?`,
      [from.toISOString(), to.toISOString(), limit],
    );
    return rows.map((r) => ({ jobId: r.job_id, quote: JSON.parse(r.quote) as Quote, pageId: r.page_id ?? undefined }));
  }

  /** Events recorded in the window, by kind. */
  async eventCountsBetween(from: Date, to: Date): Promise<JobEventCounts> {
    const rows = await this.db.all<{ kind: JobEventKind; n: number }>(`SELECT kind, COUNT(*) AS n FROM events WHERE at > ? AND at <= ? GROUP BY kind`, [
      from.toISOString(),
      to.toISOString(),
    ]);
    return Object.fromEntries(rows.map((r) => [r.kind, r.n]));
  }
}
