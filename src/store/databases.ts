/**
 * The Notion databases jobs write into: each job's, one per chunk (job_databases), and those this
 * app created under a page (created_databases), so later syncs there write into the same one.
 */
import type { Db } from './db.js';
import type { JobDatabase } from './types.js';

/** A database this app created under a page. */
export type CreatedDatabase = Omit<JobDatabase, 'chunk'>;

export class TargetDatabases {
  constructor(
    private readonly db: Db,
    /** The time of a change, as stored. */
    private readonly stamp: () => string,
  ) {}

  /** Records (or replaces) the database a job's chunk writes into. */
  async setForJob(jobId: string, database: JobDatabase): Promise<void> {
    await this.db.run(
      `INSERT INTO job_databases (job_id, chunk, database_id, data_source_id, url, title) VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT (job_id, chunk) DO UPDATE SET database_id = excluded.database_id,
         data_source_id = excluded.data_source_id, url = excluded.url, title = excluded.title`,
      [jobId, database.chunk, database.databaseId, database.dataSourceId, database.url, database.title],
    );
  }

  /** A job's databases, by chunk. */
  async forJob(jobId: string): Promise<JobDatabase[]> {
    const rows = await this.db.all<{ chunk: number; database_id: string; data_source_id: string; url: string; title: string }>(
      `SELECT chunk, database_id, data_source_id, url, title FROM job_databases WHERE job_id = ? ORDER BY chunk`,
      [jobId],
    );
    return rows.map((r) => ({
      chunk: r.chunk,
      databaseId: r.database_id,
      dataSourceId: r.data_source_id,
      url: r.url,
      title: r.title,
    }));
  }

  /** Remembers a database this app created under a page, so later syncs there write into it. */
  async rememberCreated(parentPageId: string, database: CreatedDatabase): Promise<void> {
    await this.db.run(
      `INSERT INTO created_databases (parent_page_id, title, database_id, data_source_id, url, created_at)
       VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT (parent_page_id, title) DO UPDATE SET database_id = excluded.database_id,
         data_source_id = excluded.data_source_id, url = excluded.url, created_at = excluded.created_at`,
      [parentPageId, database.title, database.databaseId, database.dataSourceId, database.url, this.stamp()],
    );
  }

  /** Whether the store knows the database: this app created and recorded it (under any page), or a job writes into it. */
  async isKnown(databaseId: string): Promise<boolean> {
    const r = await this.db.get<{ known: number }>(
      `SELECT 1 AS known FROM created_databases WHERE database_id = ?
       UNION ALL SELECT 1 AS known FROM job_databases WHERE database_id = ? LIMIT 1`,
      [databaseId, databaseId],
    );
    return r !== undefined;
  }

  /** The database of this title this app last created under the page, if any. */
  async createdUnder(parentPageId: string, title: string): Promise<CreatedDatabase | undefined> {
    const r = await this.db.get<{ database_id: string; data_source_id: string; url: string; title: string }>(
      `SELECT database_id, data_source_id, url, title FROM created_databases WHERE parent_page_id = ? AND title = ?`,
      [parentPageId, title],
    );
    return r && { databaseId: r.database_id, dataSourceId: r.data_source_id, url: r.url, title: r.title };
  }
}
