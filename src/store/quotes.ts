/**
 * A job's quotes (job_quotes), with the rows it will never write: rejected input rows
 * (job_rejects) and duplicates (job_duplicates). Each quote's state is committed before the next
 * Notion request, so a job killed at any point resumes from what this table says.
 */
import type Database from 'better-sqlite3';
import type { ParsedQuotes } from '../quotes/model.js';
import type { FailedEntry, JobCounts, QuoteState, RejectedEntry, StoredQuote } from './types.js';

/** The columns a StoredQuote is read from (see toStoredQuote). */
const QUOTE_COLUMNS = 'quote, row, position, state, page_id, reason, chunk';

/** A job_quotes row as QUOTE_COLUMNS reads it. */
interface JobQuoteRow {
  quote: string;
  row: number;
  position: number;
  state: QuoteState;
  page_id: string | null;
  reason: string | null;
  chunk: number;
}

function toStoredQuote(row: JobQuoteRow): StoredQuote {
  return {
    quote: JSON.parse(row.quote),
    row: row.row,
    position: row.position,
    state: row.state,
    pageId: row.page_id ?? undefined,
    reason: row.reason ?? undefined,
    chunk: row.chunk,
  };
}

/**
 * Records a new job's input: every quote pending, its rejected rows and its duplicates. Called by
 * Jobs.create inside the transaction that records the job itself.
 */
export function insertParsedQuotes(
  db: Database.Database,
  jobId: string,
  parsed: ParsedQuotes,
  chunkOf: ((position: number) => number) | undefined,
  at: string,
): void {
  const insertQuote = db.prepare(
    `INSERT INTO job_quotes (job_id, quote_id, position, row, chunk, quote, state, updated_at)
     VALUES (?, ?, ?, ?, ?, ?, 'pending', ?)`,
  );
  const insertReject = db.prepare(`INSERT INTO job_rejects (job_id, row, reason, raw) VALUES (?, ?, ?, ?)`);
  const insertDuplicate = db.prepare(`INSERT INTO job_duplicates (job_id, row, quote_id, first_row) VALUES (?, ?, ?, ?)`);
  parsed.quotes.forEach((q, position) => {
    const chunk = chunkOf ? chunkOf(position) : 0;
    insertQuote.run(jobId, q.quote.id, position, q.row, chunk, JSON.stringify(q.quote), at);
  });
  for (const r of parsed.rejected) insertReject.run(jobId, r.row, r.reason, JSON.stringify(r.raw));
  for (const d of parsed.duplicates) insertDuplicate.run(jobId, d.row, d.id, d.firstRow);
}

export class JobQuotes {
  constructor(
    private readonly db: Database.Database,
    /** The time of a change, as stored. */
    private readonly stamp: () => string,
  ) {}

  /** Quotes with work left, in input order. */
  toWrite(jobId: string): StoredQuote[] {
    return this.select(`job_id = ? AND state IN ('pending', 'in_flight', 'uncertain', 'stale')`, jobId);
  }

  /** Every valid quote of the job, in input order. */
  list(jobId: string): StoredQuote[] {
    return this.select(`job_id = ?`, jobId);
  }

  setState(
    jobId: string,
    quoteId: string,
    state: QuoteState,
    details: { pageId?: string; reason?: string; attempt?: boolean } = {},
  ): void {
    this.db
      .prepare(
        `UPDATE job_quotes SET state = ?, page_id = COALESCE(?, page_id), reason = ?,
           attempts = attempts + ?, updated_at = ? WHERE job_id = ? AND quote_id = ?`,
      )
      .run(state, details.pageId ?? null, details.reason ?? null, details.attempt ? 1 : 0, this.stamp(), jobId, quoteId);
  }

  /** Puts failed quotes back to pending so a retry writes them. Returns how many. */
  requeueFailed(jobId: string): number {
    return this.db
      .prepare(`UPDATE job_quotes SET state = 'pending', reason = NULL, updated_at = ? WHERE job_id = ? AND state = 'failed'`)
      .run(this.stamp(), jobId).changes;
  }

  counts(jobId: string): JobCounts {
    const byState = this.db
      .prepare(`SELECT state, COUNT(*) AS n FROM job_quotes WHERE job_id = ? GROUP BY state`)
      .all(jobId) as { state: QuoteState; n: number }[];
    const n = (s: QuoteState) => byState.find((r) => r.state === s)?.n ?? 0;
    const rejectedRows = (this.db.prepare(`SELECT COUNT(*) AS n FROM job_rejects WHERE job_id = ?`).get(jobId) as { n: number }).n;
    const duplicates = (this.db.prepare(`SELECT COUNT(*) AS n FROM job_duplicates WHERE job_id = ?`).get(jobId) as { n: number }).n;
    const valid = byState.reduce((sum, r) => sum + r.n, 0);
    return {
      total: valid + rejectedRows + duplicates,
      pending: n('pending') + n('in_flight') + n('uncertain') + n('stale'),
      written: n('written'),
      alreadyPresent: n('present'),
      updated: n('updated'),
      unchanged: n('unchanged'),
      duplicates,
      rejected: rejectedRows + n('rejected'),
      failed: n('failed'),
    };
  }

  /** Rows that will never be written: unusable input rows, and quotes too large for Notion. By row. */
  rejected(jobId: string): RejectedEntry[] {
    const rows = this.db.prepare(`SELECT row, reason, raw FROM job_rejects WHERE job_id = ?`).all(jobId) as {
      row: number;
      reason: string;
      raw: string;
    }[];
    const entries: RejectedEntry[] = rows.map((r) => ({ row: r.row, reason: r.reason, raw: JSON.parse(r.raw) }));
    for (const q of this.select(`job_id = ? AND state = ?`, jobId, 'rejected')) {
      entries.push({ row: q.row, reason: q.reason ?? 'rejected', raw: { ...q.quote } });
    }
    return entries.sort((a, b) => a.row - b.row);
  }

  failed(jobId: string): FailedEntry[] {
    return this.select(`job_id = ? AND state = ?`, jobId, 'failed').map((q) => ({
      id: q.quote.id,
      row: q.row,
      reason: q.reason ?? 'not written',
      quote: q.quote,
    }));
  }

  /** Quotes matching `where`, in input order. */
  private select(where: string, ...params: unknown[]): StoredQuote[] {
    const rows = this.db
      .prepare(`SELECT ${QUOTE_COLUMNS} FROM job_quotes WHERE ${where} ORDER BY position`)
      .all(...params) as JobQuoteRow[];
    return rows.map(toStoredQuote);
  }
}
