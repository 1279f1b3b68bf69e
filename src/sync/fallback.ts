/**
 * The fallback CSV: every quote a job did not write, with all its fields and the reason, plus
 * the rejected rows with their row numbers. Its columns are ones the importer reads, so
 * uploading the file again finishes the job; every cell is escaped so a spreadsheet never runs it.
 */
import { writeFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import Papa from 'papaparse';
import { escapeCell } from '../quotes/cells.js';
import { FIELD_LABELS, fieldForKey, postFieldForKey, type QuoteField } from '../quotes/field-names.js';
import { QUOTE_CSV_COLUMNS, type Quote, type QuoteCsvColumn } from '../quotes/model.js';
import type { JobStore, QuoteState } from '../store/index.js';

export type FallbackRow = Record<QuoteCsvColumn, string>;

/** Quote states after which Notion holds the quote as the input says (or the row is listed as rejected). */
const SETTLED: ReadonlySet<QuoteState> = new Set(['written', 'present', 'updated', 'unchanged', 'rejected']);

/** Rows for every quote not in Notion as the input says (failed, or still to write or update) and every rejected row, in input order. */
export async function fallbackRows(store: JobStore, jobId: string): Promise<FallbackRow[]> {
  const rows: { order: number; row: FallbackRow }[] = [];
  for (const item of await store.quotes.list(jobId)) {
    if (SETTLED.has(item.state)) continue;
    const reason =
      item.reason ??
      (item.state === 'failed' ? 'not written' : item.state === 'stale' ? 'not updated yet (the job stopped first)' : 'not written yet (the job stopped first)');
    rows.push({ order: item.row, row: quoteRow(item.quote, reason, item.row) });
  }
  for (const rejected of await store.quotes.rejected(jobId)) {
    rows.push({ order: rejected.row, row: rawRow(rejected.raw, rejected.reason, rejected.row) });
  }
  return rows.sort((a, b) => a.order - b.order).map((r) => r.row);
}

export function fallbackCsv(rows: FallbackRow[]): string {
  const escaped = rows.map((row) => QUOTE_CSV_COLUMNS.map((column) => escapeCell(row[column])));
  return Papa.unparse({ fields: [...QUOTE_CSV_COLUMNS], data: escaped }, { newline: '\n' }) + '\n';
}

/** Writes the job's fallback CSV into `dir`; returns its path, or undefined when nothing is left over. */
export async function writeFallbackCsv(store: JobStore, jobId: string, dir: string): Promise<string | undefined> {
  const rows = await fallbackRows(store, jobId);
  if (rows.length === 0) return undefined;
  await mkdir(dir, { recursive: true });
  const path = join(dir, `quote-sync-${jobId}-not-written.csv`);
  await writeFile(path, fallbackCsv(rows));
  return path;
}

function emptyRow(): FallbackRow {
  return Object.fromEntries(QUOTE_CSV_COLUMNS.map((c) => [c, ''])) as FallbackRow;
}

function quoteRow(quote: Quote, reason: string, row: number): FallbackRow {
  const out = emptyRow();
  for (const [field, value] of Object.entries(quote) as [QuoteField, unknown][]) {
    if (value !== undefined) out[FIELD_LABELS[field] as QuoteCsvColumn] = String(value);
  }
  out.reason = reason;
  out.row = String(row);
  return out;
}

/** A rejected row as read: its known fields put in our columns (nested `post` too), the rest dropped. */
function rawRow(raw: Record<string, unknown>, reason: string, row: number): FallbackRow {
  const out = emptyRow();
  const put = (field: QuoteField | 'ignored' | undefined, value: unknown) => {
    if (!field || field === 'ignored' || value === undefined || value === null || typeof value === 'object') return;
    const column = FIELD_LABELS[field] as QuoteCsvColumn;
    if (out[column] === '') out[column] = String(value);
  };
  if (raw && typeof raw === 'object' && !Array.isArray(raw)) {
    for (const [key, value] of Object.entries(raw)) {
      if (key === 'post' && value && typeof value === 'object') {
        for (const [postKey, postValue] of Object.entries(value as Record<string, unknown>)) put(postFieldForKey(postKey), postValue);
      } else {
        put(fieldForKey(key), value);
      }
    }
  }
  out.reason = reason;
  out.row = String(row);
  return out;
}
