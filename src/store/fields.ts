/**
 * What a job's input said of itself, and where its fields went: the warnings of reading it and of
 * fitting its values to Notion (job_warnings, each said once however often a job is resumed), the
 * field plan of its last run (job_fields), and the mappings a person chose for a database
 * (field_maps), which later syncs into that database follow without being told again.
 */
import type { FieldWarning } from '../quotes/model.js';
import type { Db, SqlRunner } from './db.js';
import type { FieldReport } from './types.js';

/** A PostgreSQL index entry holds about 2.7 kB: a warning longer than this is cut (the value previews in it are short). */
const WARNING_MAX_CHARS = 1000;
const ROWS_PER_INSERT = 200;

/** Records warnings not yet recorded for the job; the same sentence twice is kept once. */
export async function insertWarnings(db: SqlRunner, jobId: string, warnings: readonly FieldWarning[]): Promise<void> {
  for (let i = 0; i < warnings.length; i += ROWS_PER_INSERT) {
    const batch = warnings.slice(i, i + ROWS_PER_INSERT);
    await db.run(
      `INSERT INTO job_warnings (job_id, row, message) VALUES ${batch.map(() => '(?, ?, ?)').join(', ')} ON CONFLICT DO NOTHING`,
      batch.flatMap((w) => [jobId, w.row, w.message.length > WARNING_MAX_CHARS ? `${w.message.slice(0, WARNING_MAX_CHARS - 1)}…` : w.message]),
    );
  }
}

export class JobFields {
  constructor(
    private readonly db: Db,
    /** The time of a change, as stored. */
    private readonly stamp: () => string,
  ) {}

  addWarnings(jobId: string, warnings: readonly FieldWarning[]): Promise<void> {
    return insertWarnings(this.db, jobId, warnings);
  }

  /** The job's warnings: about the input as a whole first (row 0), then by row. */
  async warnings(jobId: string): Promise<FieldWarning[]> {
    return this.db.all<FieldWarning>(`SELECT row, message FROM job_warnings WHERE job_id = ? ORDER BY row, message`, [jobId]);
  }

  /** Replaces the job's field plan with that of the run now starting. */
  async setPlan(jobId: string, fields: readonly FieldReport[]): Promise<void> {
    await this.db.transaction(async (tx) => {
      await tx.run(`DELETE FROM job_fields WHERE job_id = ?`, [jobId]);
      for (let i = 0; i < fields.length; i += ROWS_PER_INSERT) {
        const batch = fields.slice(i, i + ROWS_PER_INSERT);
        await tx.run(
          `INSERT INTO job_fields (job_id, position, detail) VALUES ${batch.map(() => '(?, ?, ?)').join(', ')}`,
          batch.flatMap((f, j) => [jobId, i + j, JSON.stringify(f)]),
        );
      }
    });
  }

  async plan(jobId: string): Promise<FieldReport[]> {
    const rows = await this.db.all<{ detail: string }>(`SELECT detail FROM job_fields WHERE job_id = ? ORDER BY position`, [jobId]);
    return rows.map((r) => JSON.parse(r.detail) as FieldReport);
  }

  /** The mappings chosen for a database: field → property. */
  async mapsFor(databaseId: string): Promise<Record<string, string>> {
    const rows = await this.db.all<{ field: string; property: string }>(`SELECT field, property FROM field_maps WHERE database_id = ? ORDER BY field`, [
      databaseId,
    ]);
    return Object.fromEntries(rows.map((r) => [r.field, r.property]));
  }

  /** Keeps these mappings for the database, each replacing the field's earlier one; an empty property forgets the field's. */
  async rememberMaps(databaseId: string, maps: Readonly<Record<string, string>>): Promise<void> {
    for (const [field, property] of Object.entries(maps)) {
      if (property === '') {
        await this.db.run(`DELETE FROM field_maps WHERE database_id = ? AND field = ?`, [databaseId, field]);
        continue;
      }
      await this.db.run(
        `INSERT INTO field_maps (database_id, field, property, updated_at) VALUES (?, ?, ?, ?)
         ON CONFLICT (database_id, field) DO UPDATE SET property = excluded.property, updated_at = excluded.updated_at`,
        [databaseId, field, property, this.stamp()],
      );
    }
  }
}
