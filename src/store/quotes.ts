/**
 * A job's quotes (job_quotes), with the rows it will never write: rejected input rows
 * (job_rejects) and duplicates (job_duplicates). Each quote's state is committed before the next
 * Notion request, so a job killed at any point resumes from what this table says.
 */
import type { Db, SqlRunner } from './db.js';
import { insertWarnings } from './fields.js';
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
export async function insertParsedQuotes(
  db: SqlRunner,
  jobId: string,
  parsed: ParsedQuotes,
  chunkOf: ((position: number) => number) | undefined,
  at: string,
): Promise<void> {
  const quotes = parsed.quotes.map((q, position) => [jobId, q.quote.id, position, q.row, chunkOf ? chunkOf(position) : 0, JSON.stringify(q.quote), at]);
  await insertRows(db, `job_quotes (job_id, quote_id, position, row, chunk, quote, state, updated_at)`, `(?, ?, ?, ?, ?, ?, 'pending', ?)`, quotes);
  const rejects = parsed.rejected.map((r) => [jobId, r.row, r.reason, JSON.stringify(r.raw)]);
  await insertRows(db, `job_rejects (job_id, row, reason, raw)`, `(?, ?, ?, ?)`, rejects);
  const duplicates = parsed.duplicates.map((d) => [jobId, d.row, d.id, d.firstRow]);
  await insertRows(db, `job_duplicates (job_id, row, quote_id, first_row)`, `(?, ?, ?, ?)`, duplicates);
  await insertWarnings(db, jobId, parsed.warnings);
}

/** Rows inserted a few hundred per statement: one round trip each, not one per row. */
const ROWS_PER_INSERT = 200;

async function insertRows(db: SqlRunner, into: string, values: string, rows: unknown[][]): Promise<void> {
  for (let i = 0; i < rows.length; i += ROWS_PER_INSERT) {
    const batch = rows.slice(i, i + ROWS_PER_INSERT);
    await db.run(`INSERT INTO ${into} VALUES ${batch.map(() => values).join(', ')}`, batch.flat());
  }
}

export class JobQuotes {
  constructor(
    private readonly db: Db,
    /** The time of a change, as stored. */
    private readonly stamp: () => string,
  ) {}

  /** Quotes with work left, in input order. */
  toWrite(jobId: string): Promise<StoredQuote[]> {
    return this.select(`job_id = ? AND state IN ('pending', 'in_flight', 'uncertain', 'stale')`, jobId);
  }

  /** Every valid quote of the job, in input order. */
  list(jobId: string): Promise<StoredQuote[]> {
    return this.select(`job_id = ?`, jobId);
  }

  async setState(
    jobId: string,
    quoteId: string,
    state: QuoteState,
    details: { pageId?: string; reason?: string; attempt?: boolean } = {},
  ): Promise<void> {
    await this.db.run(
      `UPDATE job_quotes SET state = ?, page_id = COALESCE(?, page_id), reason = ?,
         attempts = attempts + ?, updated_at = ? WHERE job_id = ? AND quote_id = ?`,
      [state, details.pageId ?? null, details.reason ?? null, details.attempt ? 1 : 0, this.stamp(), jobId, quoteId],
    );
  }

  /** Puts failed quotes back to pending so a retry writes them. Returns how many. */
  requeueFailed(jobId: string): Promise<number> {
    return this.db.run(`UPDATE job_quotes SET state = 'pending', reason = NULL, updated_at = ? WHERE job_id = ? AND state = 'failed'`, [
      this.stamp(),
      jobId,
    ]);
  }

  async counts(jobId: string): Promise<JobCounts> {
    const byState = await this.db.all<{ state: QuoteState; n: number }>(`SELECT state, COUNT(*) AS n FROM job_quotes WHERE job_id = ? GROUP BY state`, [jobId]);
    const n = (s: QuoteState) => byState.find((r) => r.state === s)?.n ?? 0;
    const count = async (table: 'job_rejects' | 'job_duplicates') =>
      (await this.db.get<{ n: number }>(`SELECT COUNT(*) AS n FROM ${table} WHERE job_id = ?`, [jobId]))?.n ?? 0;
    const rejectedRows = await count('job_rejects');
    const duplicates = await count('job_duplicates');
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
  async rejected(jobId: string): Promise<RejectedEntry[]> {
    const rows = await this.db.all<{ row: number; reason: string; raw: string }>(`SELECT row, reason, raw FROM job_rejects WHERE job_id = ?`, [jobId]);
    const entries: RejectedEntry[] = rows.map((r) => ({ row: r.row, reason: r.reason, raw: JSON.parse(r.raw) }));
    for (const q of await this.select(`job_id = ? AND state = ?`, jobId, 'rejected')) {
      entries.push({ row: q.row, reason: q.reason ?? 'rejected', raw: { ...q.quote } });
    }
    return entries.sort((a, b) => a.row - b.row);
  }

  async failed(jobId: string): Promise<FailedEntry[]> {
    return (await this.select(`job_id = ? AND state = ?`, jobId, 'failed')).map((q) => ({
      id: q.quote.id,
      row: q.row,
      reason: q.reason ?? 'not written',
      quote: q.quote,
    }));
  }

  /** Quotes matching `where`, in input order. */
  private async select(where: string, ...params: unknown[]): Promise<StoredQuote[]> {
    const rows = await this.db.all<JobQuoteRow>(`SELECT ${QUOTE_COLUMNS} FROM job_quotes WHERE ${where} ORDER BY position`, params);
    return rows.map(toStoredQuote);
  }
}
