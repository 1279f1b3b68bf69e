/** A store in a fresh temporary folder (or PostgreSQL database), and one small input with every kind of row. */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ParsedQuotes } from '../../src/quotes/model.js';
import Database from 'better-sqlite3';
import pg from 'pg';
import { isPostgresLocation, type JobTarget } from '../../src/store/index.js';
import { freshPostgresDatabase, postgresAvailable } from './postgres.js';

/** Three valid quotes (rows 2, 3, 5), one rejected row (4) and one duplicate (6). */
export const parsed: ParsedQuotes = {
  format: 'csv',
  quotes: [
    { row: 2, quote: { id: 'q1', text: 'first' } },
    { row: 3, quote: { id: 'q2', text: 'second', category: 'Pricing' } },
    { row: 5, quote: { id: 'q3', text: 'third' } },
  ],
  rejected: [{ row: 4, reason: 'the text is empty', raw: { text: '' } }],
  duplicates: [{ row: 6, id: 'q1', firstRow: 2 }],
  warnings: [],
};

export const target: JobTarget = { kind: 'parent', parentPageId: 'p', title: 'Quotes' };

/** A path for a store file that does not exist yet, in a folder that does not exist yet either. */
export function freshStorePath(): string {
  return join(mkdtempSync(join(tmpdir(), 'quote-sync-store-')), 'nested', 'jobs.db');
}

/** A kind of store the store's tests run against: `fresh()` gives the location of a new, empty one. */
export interface StoreBackend {
  name: 'SQLite' | 'PostgreSQL';
  fresh(): Promise<string>;
}

/** Both stores: a SQLite file, and a database on the run's PostgreSQL server (unless the run has none). */
export function storeBackends(): StoreBackend[] {
  const sqlite: StoreBackend = { name: 'SQLite', fresh: async () => freshStorePath() };
  const postgres: StoreBackend = { name: 'PostgreSQL', fresh: freshPostgresDatabase };
  return postgresAvailable() ? [sqlite, postgres] : [sqlite];
}

/** Rows in each table, read straight from the store's database (not through the store). */
export async function rowCounts(location: string, tables: readonly string[]): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  if (isPostgresLocation(location)) {
    const client = new pg.Client({ connectionString: location });
    await client.connect();
    try {
      for (const table of tables) counts[table] = Number((await client.query(`SELECT COUNT(*) AS n FROM ${table}`)).rows[0].n);
    } finally {
      await client.end();
    }
    return counts;
  }
  const file = new Database(location, { readonly: true });
  try {
    for (const table of tables) counts[table] = (file.prepare(`SELECT COUNT(*) AS n FROM ${table}`).get() as { n: number }).n;
  } finally {
    file.close();
  }
  return counts;
}
