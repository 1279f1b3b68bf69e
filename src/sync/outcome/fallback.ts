/**
 * The fallback CSV: every quote a job did not write, with every field it came with and the
 * reason, plus the rejected rows with their row numbers. Its columns are ones the importer reads, so
 * uploading the file again finishes the job; every cell is escaped so a spreadsheet never runs it.
 */
import { writeFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import Papa from 'papaparse';
import { escapeCell } from '../../quotes/cells.js';
import { textOfValue } from '../../notion/pages/property-values.js';
import { FIELD_LABELS, fieldForKey, postFieldForKey, type QuoteField } from '../../quotes/field-names.js';
import { QUOTE_CSV_COLUMNS } from '../../quotes/model.js';
import { quoteRecord } from '../../quotes/quote-record.js';
import type { JobStore, QuoteState } from '../../store/index.js';

/** One row of the CSV: a cell per column, by column name (our columns, then the input's other fields). */
export type FallbackRow = Record<string, string>;

/** Quote states after which Notion holds the quote as the input says (or the row is listed as rejected). */
const SETTLED: ReadonlySet<QuoteState> = new Set(['written', 'present', 'updated', 'unchanged', 'rejected']);

/** Our columns before the input's other fields, and the two that say why after them. */
const LEADING_COLUMNS = QUOTE_CSV_COLUMNS.filter((c) => c !== 'reason' && c !== 'row');
const TRAILING_COLUMNS = ['reason', 'row'] as const;

/** Rows for every quote not in Notion as the input says (failed, or still to write or update) and every rejected row, in input order. */
export async function fallbackRows(store: JobStore, jobId: string): Promise<FallbackRow[]> {
  const rows: { order: number; row: FallbackRow }[] = [];
  for (const item of await store.quotes.list(jobId)) {
    if (SETTLED.has(item.state)) continue;
    const reason =
      item.reason ??
      (item.state === 'failed' ? 'not written' : item.state === 'stale' ? 'not updated yet (the job stopped first)' : 'not written yet (the job stopped first)');
    rows.push({ order: item.row, row: cellsOf(quoteRecord(item.quote), reason, item.row) });
  }
  for (const rejected of await store.quotes.rejected(jobId)) {
    rows.push({ order: rejected.row, row: cellsOf(recordOfRaw(rejected.raw), rejected.reason, rejected.row) });
  }
  return rows.sort((a, b) => a.order - b.order).map((r) => r.row);
}

/** The columns of these rows: ours, every other field in the order first met, then reason and row. */
export function fallbackColumns(rows: readonly FallbackRow[]): string[] {
  const others = new Set<string>();
  const ours = new Set<string>([...LEADING_COLUMNS, ...TRAILING_COLUMNS]);
  for (const row of rows) for (const column of Object.keys(row)) if (!ours.has(column)) others.add(column);
  return [...LEADING_COLUMNS, ...others, ...TRAILING_COLUMNS];
}

export function fallbackCsv(rows: FallbackRow[]): string {
  const columns = fallbackColumns(rows);
  const escaped = rows.map((row) => columns.map((column) => escapeCell(row[column] ?? '')));
  return Papa.unparse({ fields: columns, data: escaped }, { newline: '\n' }) + '\n';
}

/** The name of a job's fallback CSV, in the data folder. */
export function fallbackFileName(jobId: string): string {
  return `quote-sync-${jobId}-not-written.csv`;
}

/** The job a file name is the fallback CSV of, or undefined for any other file (retention deletes only these). */
export function jobOfFallbackFile(name: string): string | undefined {
  return /^quote-sync-([0-9a-z]+)-not-written\.csv$/.exec(name)?.[1];
}

/** Writes the job's fallback CSV into `dir`; returns its path, or undefined when nothing is left over. */
export async function writeFallbackCsv(store: JobStore, jobId: string, dir: string): Promise<string | undefined> {
  const rows = await fallbackRows(store, jobId);
  if (rows.length === 0) return undefined;
  await mkdir(dir, { recursive: true });
  const path = join(dir, fallbackFileName(jobId));
  await writeFile(path, fallbackCsv(rows));
  return path;
}

/** A record's values as cells: text as it is, numbers and true/false written out, lists and objects as JSON (read back as they were). */
function cellsOf(record: Record<string, unknown>, reason: string, row: number): FallbackRow {
  const out: FallbackRow = {};
  for (const [key, value] of Object.entries(record)) {
    if (value === undefined || value === null) continue;
    out[key] = textOfValue(value);
  }
  out.reason = reason;
  out.row = String(row);
  return out;
}

/**
 * A rejected row as read, under the names the parser reads back: known fields in our columns
 * (from the nested `post` too), every other field under its own name, a nested object's keys one
 * level down as `parent.key`, as a sync would have written them.
 */
function recordOfRaw(raw: Record<string, unknown>): Record<string, unknown> {
  const record: Record<string, unknown> = {};
  const put = (key: string, field: QuoteField | 'ignored' | undefined, value: unknown) => {
    if (field === 'ignored' || value === undefined || value === null || value === '') return;
    const column = field ? FIELD_LABELS[field] : key;
    if (!(column in record)) record[column] = value;
  };
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) return record;
  for (const [key, value] of Object.entries(raw)) {
    const nested = value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
    if (key === 'post' && nested) {
      for (const [postKey, postValue] of Object.entries(nested)) put(`post.${postKey}`, postFieldForKey(postKey), postValue);
    } else if (nested && fieldForKey(key) === undefined) {
      for (const [sub, subValue] of Object.entries(nested)) put(`${key}.${sub}`, undefined, subValue);
    } else {
      put(key, fieldForKey(key), value);
    }
  }
  return record;
}
