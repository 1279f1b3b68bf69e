/**
 * The Notion databases jobs write into: each job's, one per chunk (job_databases), and those this
 * app created under a page (created_databases), so later syncs there write into the same one.
 */
import type Database from 'better-sqlite3';
import type { JobDatabase } from './types.js';

/** A database this app created under a page. */
export type CreatedDatabase = Omit<JobDatabase, 'chunk'>;

export class TargetDatabases {
  constructor(
    private readonly db: Database.Database,
    /** The time of a change, as stored. */
    private readonly stamp: () => string,
  ) {}

  /** Records (or replaces) the database a job's chunk writes into. */
  setForJob(jobId: string, database: JobDatabase): void {
    this.db
      .prepare(
        `INSERT INTO job_databases (job_id, chunk, database_id, data_source_id, url, title) VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT (job_id, chunk) DO UPDATE SET database_id = excluded.database_id,
           data_source_id = excluded.data_source_id, url = excluded.url, title = excluded.title`,
      )
      .run(jobId, database.chunk, database.databaseId, database.dataSourceId, database.url, database.title);
  }

  /** A job's databases, by chunk. */
  forJob(jobId: string): JobDatabase[] {
    const rows = this.db
      .prepare(`SELECT chunk, database_id, data_source_id, url, title FROM job_databases WHERE job_id = ? ORDER BY chunk`)
      .all(jobId) as { chunk: number; database_id: string; data_source_id: string; url: string; title: string }[];
    return rows.map((r) => ({
      chunk: r.chunk,
      databaseId: r.database_id,
      dataSourceId: r.data_source_id,
      url: r.url,
      title: r.title,
    }));
  }

  /** Remembers a database this app created under a page, so later syncs there write into it. */
  rememberCreated(parentPageId: string, database: CreatedDatabase): void {
    this.db
      .prepare(
        `INSERT INTO created_databases (parent_page_id, title, database_id, data_source_id, url, created_at)
         VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT (parent_page_id, title) DO UPDATE SET database_id = excluded.database_id,
           data_source_id = excluded.data_source_id, url = excluded.url, created_at = excluded.created_at`,
      )
      .run(parentPageId, database.title, database.databaseId, database.dataSourceId, database.url, this.stamp());
  }

  /** The database of this title this app last created under the page, if any. */
  createdUnder(parentPageId: string, title: string): CreatedDatabase | undefined {
    const r = this.db
      .prepare(`SELECT database_id, data_source_id, url, title FROM created_databases WHERE parent_page_id = ? AND title = ?`)
      .get(parentPageId, title) as { database_id: string; data_source_id: string; url: string; title: string } | undefined;
    return r && { databaseId: r.database_id, dataSourceId: r.data_source_id, url: r.url, title: r.title };
  }
}
