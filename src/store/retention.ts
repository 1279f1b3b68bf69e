/**
 * Retention in the store (job_texts_cleared): which finished jobs are past their time, and the
 * clearing of their quote texts.
 *
 * A cleared job stays as a record: its row, each quote's state, page id and times, its rejected
 * rows' numbers and reasons, its databases and events. Reports, `quote-sync jobs` and the Home tab
 * (counts, a channel's "last written") read only those, and the digest's texts come from quotes
 * changed in its last day, which are never cleared. What goes is the bulk:
 * each quote's JSON (job_quotes.quote, replaced by `{"id": …}`) and each rejected row's cells.
 * Nothing but a run needs them, so a cleared job can no longer be resumed or retried
 * (assertKept); the same file synced again is a new job, and Notion's look-up finds what is there.
 */
import { JobTextsClearedError } from '../errors.js';
import type { Db, SqlRunner } from './db.js';
import type { JobState } from './types.js';

/** States in which a job's run is over; the retention time runs from the job's last change. */
export const RETAINED_STATES: readonly JobState[] = ['done', 'partial', 'failed', 'cancelled'];

/** What giving the cleared space back to the file system did (SQLite only). */
export interface SpaceReclaimed {
  /** `incremental`: freed pages handed back; `vacuum`: the file rewritten once, to allow that from then on. */
  how: 'incremental' | 'vacuum';
  bytesBefore: number;
  bytesAfter: number;
}

/** Free pages below this are left for SQLite to reuse: not worth a file operation. */
const RECLAIM_MIN_BYTES = 1024 * 1024;

const FINISHED = RETAINED_STATES.map((s) => `'${s}'`).join(', ');

/**
 * Finished, still kept, and neither the job nor any of its quotes changed at or after the cutoff
 * (a quote's change is what the digest reads, so none in its window is cleared).
 */
const EXPIRED = `j.state IN (${FINISHED}) AND j.updated_at < ?
  AND NOT EXISTS (SELECT 1 FROM job_texts_cleared c WHERE c.job_id = j.id)
  AND NOT EXISTS (SELECT 1 FROM job_quotes q WHERE q.job_id = j.id AND q.updated_at >= ?)`;

export class JobRetention {
  constructor(
    private readonly db: Db,
    /** The time of a change, as stored. */
    private readonly stamp: () => string,
  ) {}

  /** Ids of finished jobs whose texts are still kept and whose last change was before `cutoff`, oldest first. */
  async expired(cutoff: Date, limit = 100): Promise<string[]> {
    const at = cutoff.toISOString();
    const rows = await this.db.all<{ id: string }>(`SELECT j.id FROM jobs j WHERE ${EXPIRED} ORDER BY j.updated_at, j.id LIMIT ?`, [at, at, limit]);
    return rows.map((r) => r.id);
  }

  /**
   * Clears the job's quote texts if it is still expired (checked again in the same transaction).
   * The caller holds the job's lease, so no run starts meanwhile. True when cleared now.
   */
  async clearTexts(jobId: string, cutoff: Date): Promise<boolean> {
    const at = cutoff.toISOString();
    return this.db.transaction(async (tx) => {
      if (!(await tx.get(`SELECT j.id FROM jobs j WHERE j.id = ? AND ${EXPIRED}`, [jobId, at, at]))) return false;
      await rewriteWithoutTexts(tx, jobId);
      await tx.run(`UPDATE job_rejects SET raw = '{}' WHERE job_id = ?`, [jobId]);
      await tx.run(`INSERT INTO job_texts_cleared (job_id, cleared_at) VALUES (?, ?)`, [jobId, this.stamp()]);
      return true;
    });
  }

  /** When the job's texts were cleared, if they were. */
  async clearedAt(jobId: string): Promise<string | undefined> {
    return (await this.db.get<{ cleared_at: string }>(`SELECT cleared_at FROM job_texts_cleared WHERE job_id = ?`, [jobId]))?.cleared_at;
  }

  /** Throws JobTextsClearedError when the job's texts were cleared: nothing can be written from it any more. */
  async assertKept(jobId: string): Promise<void> {
    const at = await this.clearedAt(jobId);
    if (at) throw new JobTextsClearedError(jobId, at);
  }

  /**
   * SQLite keeps freed pages (those the rewrite of cleared jobs left) inside its file for reuse;
   * this gives them back to the file system. A file in incremental auto-vacuum mode (every file
   * made since retention) just hands its free pages back. An older file is rewritten once by
   * VACUUM into that mode (it takes a moment and up to the file's size again on disk, and blocks
   * writers meanwhile), then never again.
   * PostgreSQL's autovacuum makes the space reusable by itself: nothing is done there (VACUUM
   * FULL would lock the tables the replicas are writing). Undefined when nothing was done.
   */
  async reclaimSpace(): Promise<SpaceReclaimed | undefined> {
    if (this.db.dialect !== 'sqlite') return undefined;
    const pragma = async (name: string) => Number(Object.values((await this.db.get<Record<string, number>>(`PRAGMA ${name}`)) ?? {})[0] ?? 0);
    const pageSize = await pragma('page_size');
    const freeBytes = (await pragma('freelist_count')) * pageSize;
    if (freeBytes < RECLAIM_MIN_BYTES) return undefined;
    const bytesBefore = (await pragma('page_count')) * pageSize;
    const incremental = (await pragma('auto_vacuum')) === 2;
    if (incremental) {
      await this.db.exec('PRAGMA incremental_vacuum');
    } else {
      await this.db.exec('PRAGMA auto_vacuum = INCREMENTAL; VACUUM');
    }
    // The write-ahead log held the pages on their way out: empty it, so the disk sees the gain.
    await this.db.exec('PRAGMA wal_checkpoint(TRUNCATE)');
    return { how: incremental ? 'incremental' : 'vacuum', bytesBefore, bytesAfter: (await pragma('page_count')) * pageSize };
  }
}

/** A job_quotes row, all but its text. */
interface QuoteRecordRow {
  quote_id: string;
  position: number;
  row: number;
  chunk: number;
  state: string;
  page_id: string | null;
  reason: string | null;
  attempts: number;
  updated_at: string;
}

const KEPT_COLUMNS = ['quote_id', 'position', 'row', 'chunk', 'state', 'page_id', 'reason', 'attempts', 'updated_at'] as const;
const ROWS_PER_INSERT = 200;

/**
 * The job's quotes written again with `{"id": …}` for a text (a report's `failed` names each quote
 * by it), everything else as it was. Deleted and inserted rather than updated: in SQLite the
 * short rows then fill whole pages, and the pages the long ones held are free for reclaimSpace
 * to hand back; an UPDATE in place would leave every page mostly empty, and the file as large.
 */
async function rewriteWithoutTexts(tx: SqlRunner, jobId: string): Promise<void> {
  const rows = await tx.all<QuoteRecordRow>(`SELECT ${KEPT_COLUMNS.join(', ')} FROM job_quotes WHERE job_id = ? ORDER BY position`, [jobId]);
  await tx.run(`DELETE FROM job_quotes WHERE job_id = ?`, [jobId]);
  const columns = ['job_id', 'quote', ...KEPT_COLUMNS];
  const placeholders = `(${columns.map(() => '?').join(', ')})`;
  for (let i = 0; i < rows.length; i += ROWS_PER_INSERT) {
    const batch = rows.slice(i, i + ROWS_PER_INSERT);
    const values = batch.flatMap((r) => [jobId, JSON.stringify({ id: r.quote_id }), ...KEPT_COLUMNS.map((c) => r[c])]);
    await tx.run(`INSERT INTO job_quotes (${columns.join(', ')}) VALUES ${batch.map(() => placeholders).join(', ')}`, values);
    // SQLite answers at once: a job of many thousand quotes would hold the event loop (Slack's acks) until the end.
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
}
