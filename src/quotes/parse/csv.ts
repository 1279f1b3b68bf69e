/**
 * The CSV reader: papaparse splits the text into cells, the header says which column holds which
 * field, and each row goes to the collector as field values (cells formula-unescaped, see cells.ts).
 */
import Papa from 'papaparse';
import { InputError } from '../../errors.js';
import { unescapeCell } from '../cells.js';
import { TEXT_COLUMN_NAMES, fieldForKey, type QuoteField } from '../field-names.js';
import type { FieldValues, QuoteCollector, RawRow } from './collector.js';
import { cleanExtraValue } from './extra-values.js';
import { matchKey } from '../extra-fields.js';
import { describeName, keyWarnings, listNames } from './input-warnings.js';

/**
 * Rows are numbered as a spreadsheet shows them: every record papaparse reads is one row (a
 * quoted cell over several lines stays one row), blank lines included, so the header is row 1
 * when the file starts with it. papaparse runs without `header: true`: in header mode it renames
 * repeated column names with a console warning, takes a blank first line as the header, and
 * numbers quote errors one row off. We map columns and check cell counts ourselves, a row at a
 * time (`step`), so the rows are never all held as arrays at once.
 */
export function readCsv(text: string, name: string, tsv: boolean, collector: QuoteCollector): void {
  let index = -1;
  let header: string[] | undefined;
  let columns: Array<[QuoteField, number]> = [];
  let extraColumns: Array<[string, number]> = [];
  let unusable: InputError | undefined;

  const readRow = (cells: string[], errors: Papa.ParseError[]): void => {
    const row = index + 1;
    // An unterminated quote says more than the stray quote that often comes with it.
    const quoteError = errors.find((e) => e.code === 'MissingQuotes') ?? errors.find((e) => e.type === 'Quotes');
    if (quoteError === undefined && isBlankRow(cells)) return;
    const head = header!;
    if (quoteError !== undefined) {
      collector.reject(row, describeQuoteError(quoteError), rawCsvRow(head, cells));
    } else if (cells.length < head.length) {
      collector.reject(row, `it has ${cells.length} cells but the header has ${head.length} (a line break outside quotes?)`, rawCsvRow(head, cells));
    } else if (cells.length > head.length && cells.slice(head.length).some((cell) => cell.trim() !== '')) {
      collector.reject(row, `it has ${cells.length} cells but the header has ${head.length} (a comma outside quotes?)`, rawCsvRow(head, cells));
    } else {
      const values: FieldValues = {};
      for (const [field, column] of columns) values[field] = unescapeCell(cells[column] ?? '');
      let extra: Record<string, unknown> | undefined;
      for (const [key, column] of extraColumns) {
        const cell = cells[column];
        if (cell === undefined || cell === '') continue;
        const value = cleanExtraValue(unescapeCell(cell));
        if (value !== undefined) (extra ??= {})[key] = value;
      }
      collector.add(row, values, () => rawCsvRow(head, cells), extra);
    }
  };

  Papa.parse<string[]>(text, {
    header: false,
    delimiter: tsv ? '\t' : sniffDelimiter(text),
    // Rows end at \n whether the file uses LF, CRLF or both (a line appended with another
    // editor); the \r an unquoted last cell is then left with is removed below. Copying the
    // whole input to replace CRLF would double the memory a large file needs.
    newline: text.includes('\n') || !text.includes('\r') ? '\n' : '\r',
    skipEmptyLines: false,
    dynamicTyping: false,
    step: ({ data: cells, errors }, parser) => {
      index++;
      const last = cells.length - 1;
      if (cells[last]?.endsWith('\r')) cells[last] = cells[last].slice(0, -1);
      if (header !== undefined) return readRow(cells, errors);
      if (isBlankRow(cells)) return;
      header = cells.map((cell) => cell.trim());
      ({ columns, extraColumns } = mapColumns(header, name, collector));
      if (!columns.some(([field]) => field === 'text')) {
        const found = header.map((h, i) => (h ? describeName(h) : `(blank column ${i + 1})`));
        unusable = new InputError(
          `${name} has no text column (one named ${TEXT_COLUMN_NAMES.join(' or ')}); its columns are: ${listNames(found)}.`,
        );
        parser.abort();
      }
    },
  });
  if (unusable) throw unusable;
  if (header === undefined) throw new InputError(`${name} has no header row: every line is blank.`);
  collector.noRows('has a header row but no quote rows');
}

function isBlankRow(cells: readonly string[]): boolean {
  return cells.every((cell) => cell.trim() === '');
}

const FIRST_NON_SPACE = /\S/;

/** The delimiter the header line uses most: comma, tab or semicolon (comma when none). */
function sniffDelimiter(text: string): string {
  const start = FIRST_NON_SPACE.exec(text)?.index ?? 0;
  const end = text.indexOf('\n', start);
  const line = text.slice(start, end < 0 ? undefined : end);
  let best = ',';
  let bestCount = count(line, ',');
  for (const candidate of ['\t', ';']) {
    const n = count(line, candidate);
    if (n > bestCount) [best, bestCount] = [candidate, n];
  }
  return best;
}

function count(s: string, char: string): number {
  let n = 0;
  for (let i = s.indexOf(char); i >= 0; i = s.indexOf(char, i + 1)) n++;
  return n;
}

function describeQuoteError(error: Papa.ParseError): string {
  return error.code === 'MissingQuotes'
    ? 'a quoted cell is never closed (a " without its partner), so everything after it to the end of the file was read into this row'
    : 'a quoted cell has a stray " in it (a " inside a quoted cell must be doubled as "")';
}

/** The row as read, keyed by the header's names, so the fallback CSV can hand it back. */
function rawCsvRow(header: readonly string[], cells: readonly string[]): RawRow {
  const raw: RawRow = {};
  cells.forEach((cell, i) => {
    let key = header[i] || `column ${i + 1}`;
    if (key in raw) key = `${key} (column ${i + 1})`;
    raw[key] = unescapeCell(cell);
  });
  return raw;
}

/**
 * The field each column holds. Other columns are fields of their own, by their header (a blank
 * one is "column N", one spelled like an earlier one "Name (column N)"); when two columns hold the same known field (`text` and `Quote`) the first
 * is used, with a warning. The not-written CSV's own `reason` and `row` are read, not written.
 */
function mapColumns(
  names: readonly string[],
  name: string,
  collector: QuoteCollector,
): { columns: Array<[QuoteField, number]>; extraColumns: Array<[string, number]> } {
  const columns: Array<[QuoteField, number]> = [];
  const extraColumns: Array<[string, number]> = [];
  const namesByField = new Map<QuoteField, string[]>();
  const keys = new Set<string>();
  const ignored: string[] = [];
  names.forEach((columnName, index) => {
    const field = fieldForKey(columnName);
    if (field === 'ignored') {
      ignored.push(columnName);
      return;
    }
    if (field === undefined) {
      // Two columns spelled alike (`Note`, `note`) are two fields: the second is named by its place.
      let key = columnName === '' ? `column ${index + 1}` : columnName;
      if (keys.has(matchKey(key))) key = `${key} (column ${index + 1})`;
      keys.add(matchKey(key));
      extraColumns.push([key, index]);
      return;
    }
    const seen = namesByField.get(field);
    if (seen) {
      seen.push(columnName);
      return;
    }
    namesByField.set(field, [columnName]);
    columns.push([field, index]);
  });
  for (const warning of keyWarnings(name, 'column', { keysByField: namesByField })) collector.warnInput(warning);
  collector.ignore(ignored);
  return { columns, extraColumns };
}
