/**
 * Turns a CSV or JSON file into validated quotes. Every data row ends up in exactly one place:
 * `quotes` (valid, first of its id), `duplicates` (same id as an earlier row) or `rejected` (no
 * text, or a row the CSV reader could not split into cells). A field that cannot be used is left
 * out of its quote with a warning naming the row, the field and the value; nothing is dropped
 * silently. Input that is unusable as a whole throws InputError with a sentence a person can act on.
 */
import { isUtf8 } from 'node:buffer';
import { basename, extname } from 'node:path';
import Papa from 'papaparse';
import { InputError } from '../../errors.js';
import { unescapeCell } from '../cells.js';
import {
  FIELD_LABELS,
  TEXT_COLUMN_NAMES,
  cutToLength,
  describeValue,
  fieldForKey,
  kindOf,
  normaliseCategory,
  normaliseDate,
  normaliseKey,
  normaliseOptionalText,
  normaliseRelevance,
  normaliseSentiment,
  normaliseSubreddit,
  normaliseText,
  normaliseUrl,
  postFieldForKey,
  subredditFromUrl,
  type Normalised,
  type QuoteField,
} from '../fields.js';
import { quoteId } from '../id.js';
import type { DuplicateRow, FieldWarning, ParsedQuotes, Quote, QuoteRow, RejectedRow } from '../model.js';

export interface ParseQuotesOptions {
  /** Used to pick the format from the extension and to name the input in messages. */
  filename?: string;
  /** Overrides the extension and sniffing. */
  format?: 'csv' | 'json';
}

/** Warnings about the input as a whole (ignored columns, …) carry this row number. */
export const INPUT_WARNING_ROW = 0;

/** How many reasons an "every row was rejected" message quotes. */
const REASONS_IN_SUMMARY = 3;
/** How many names a list of columns or keys in a message shows. */
const NAMES_IN_MESSAGE = 20;

export function parseQuotes(input: string | Buffer, options: ParseQuotesOptions = {}): ParsedQuotes {
  const name = options.filename ? basename(options.filename) : 'The input';
  const text = decode(input, name);
  if (text.trim() === '') throw new InputError(`${name} is empty.`);
  const format = options.format ?? formatFromExtension(options.filename) ?? sniffFormat(text);
  const collector = new QuoteCollector();
  if (format === 'csv') readCsv(text, name, isTsv(options.filename), collector);
  else readJson(text, name, collector);
  return collector.finish(format, name);
}

// ---------------------------------------------------------------------------------------------
// Bytes and format

const UTF8_BOM = '\uFEFF';

function decode(input: string | Buffer, name: string): string {
  let text: string;
  if (typeof input === 'string') {
    text = input;
  } else if (input[0] === 0xff && input[1] === 0xfe) {
    text = new TextDecoder('utf-16le').decode(input);
  } else if (input[0] === 0xfe && input[1] === 0xff) {
    text = new TextDecoder('utf-16be').decode(input);
  } else if (isUtf8(input)) {
    text = input.toString('utf8');
  } else {
    throw new InputError(
      `${name} is not UTF-8 text. Save it as UTF-8 (in Excel: "CSV UTF-8") and try again.`,
    );
  }
  return text.startsWith(UTF8_BOM) ? text.slice(1) : text;
}

function formatFromExtension(filename: string | undefined): 'csv' | 'json' | undefined {
  const ext = filename ? extname(filename).toLowerCase() : '';
  if (ext === '.csv' || ext === '.tsv') return 'csv';
  if (ext === '.json') return 'json';
  return undefined;
}

function isTsv(filename: string | undefined): boolean {
  return filename !== undefined && extname(filename).toLowerCase() === '.tsv';
}

const FIRST_NON_SPACE = /\S/;

function sniffFormat(text: string): 'csv' | 'json' {
  const first = FIRST_NON_SPACE.exec(text)?.[0];
  return first === '[' || first === '{' ? 'json' : 'csv';
}

// ---------------------------------------------------------------------------------------------
// From field values to quotes

type FieldValues = Partial<Record<QuoteField, unknown>>;
type RawRow = Record<string, unknown>;

/** Validates rows one by one, de-duplicates them by id and gathers what became of each. */
class QuoteCollector {
  private readonly quotes: QuoteRow[] = [];
  private readonly rejected: RejectedRow[] = [];
  private readonly duplicates: DuplicateRow[] = [];
  private readonly inputWarnings: FieldWarning[] = [];
  private readonly rowWarnings: FieldWarning[] = [];
  private readonly firstRowById = new Map<string, number>();
  private emptyMessage = 'has no quotes';

  /** What to say when the input holds no data rows at all (header only, empty list). */
  noRows(message: string): void {
    this.emptyMessage = message;
  }

  warnInput(message: string): void {
    this.inputWarnings.push({ row: INPUT_WARNING_ROW, message });
  }

  warnRow(row: number, message: string): void {
    this.rowWarnings.push({ row, message: `row ${row}: ${message}` });
  }

  reject(row: number, reason: string, raw: RawRow): void {
    this.rejected.push({ row, reason: `row ${row}: ${reason}`, raw });
  }

  add(row: number, values: FieldValues, raw: () => RawRow): void {
    const text = normaliseText(values.text);
    if (text.kind !== 'ok') {
      this.reject(row, text.kind === 'absent' ? 'the text is empty' : `the text ${text.problem}`, raw());
      return;
    }
    const ownId = this.keep(row, values, 'id', normaliseOptionalText(values.id));
    const category = this.keep(row, values, 'category', normaliseCategory(values.category));
    const sentiment = this.keep(row, values, 'sentiment', normaliseSentiment(values.sentiment));
    const relevanceScore = this.keep(row, values, 'relevanceScore', normaliseRelevance(values.relevanceScore));
    const relevanceJustification = this.keep(row, values, 'relevanceJustification', normaliseOptionalText(values.relevanceJustification));
    const url = this.keep(row, values, 'redditUrl', normaliseUrl(values.redditUrl));
    const subreddit = this.keep(row, values, 'subreddit', normaliseSubreddit(values.subreddit)) ?? (url && subredditFromUrl(url.url));
    const postTitle = this.keep(row, values, 'postTitle', normaliseOptionalText(values.postTitle));
    const insertedAt = this.keep(row, values, 'insertedAt', normaliseDate(values.insertedAt));

    // Fields in a fixed order, and absent ones not even as `undefined`, so quotes compare and serialise alike.
    const quote: Quote = { id: quoteId(text.value, url?.url, ownId), text: text.value };
    if (category !== undefined) quote.category = category;
    if (sentiment !== undefined) quote.sentiment = sentiment;
    if (relevanceScore !== undefined) quote.relevanceScore = relevanceScore;
    if (relevanceJustification !== undefined) quote.relevanceJustification = relevanceJustification;
    if (url !== undefined) quote.redditUrl = url.text;
    if (subreddit !== undefined) quote.subreddit = subreddit;
    if (postTitle !== undefined) quote.postTitle = postTitle;
    if (insertedAt !== undefined) quote.insertedAt = insertedAt;

    const firstRow = this.firstRowById.get(quote.id);
    if (firstRow !== undefined) {
      this.duplicates.push({ row, id: quote.id, firstRow });
      return;
    }
    this.firstRowById.set(quote.id, row);
    this.quotes.push({ row, quote });
  }

  /** The field's value when usable; a warning naming the row, field and value when not, or when changed. */
  private keep<T>(row: number, values: FieldValues, field: QuoteField, verdict: Normalised<T>): T | undefined {
    if (verdict.kind === 'absent') return undefined;
    if (verdict.kind === 'invalid') {
      this.warnRow(row, `${FIELD_LABELS[field]} ${describeValue(values[field])} ${verdict.problem}, so it was left out.`);
      return undefined;
    }
    if (verdict.changed) {
      this.warnRow(row, `${FIELD_LABELS[field]} ${describeValue(values[field])} ${verdict.changed}; written as ${describeValue(verdict.value)}.`);
    }
    return verdict.value;
  }

  finish(format: 'csv' | 'json', name: string): ParsedQuotes {
    if (this.quotes.length === 0) {
      if (this.rejected.length === 0) throw new InputError(`${name} ${this.emptyMessage}.`);
      const shown = this.rejected.slice(0, REASONS_IN_SUMMARY).map((r) => r.reason);
      const more = this.rejected.length - shown.length;
      throw new InputError(
        `${name} has no valid quote: ${this.rejected.length === 1 ? 'its only row was' : `all ${this.rejected.length} rows were`} rejected (${shown.join('; ')}${more > 0 ? `; and ${more} more` : ''}).`,
      );
    }
    return {
      format,
      quotes: this.quotes,
      rejected: this.rejected,
      duplicates: this.duplicates,
      warnings: [...this.inputWarnings, ...this.rowWarnings],
    };
  }
}

/** A column or key name as a message shows it: cut short if it is long (a broken header can be). */
function describeName(name: string): string {
  const cut = cutToLength(name, 40);
  return cut.length < name.length ? `${cut}…` : cut;
}

function listNames(names: readonly string[]): string {
  const shown = names.slice(0, NAMES_IN_MESSAGE).join(', ');
  return names.length > NAMES_IN_MESSAGE ? `${shown} and ${names.length - NAMES_IN_MESSAGE} more` : shown;
}

// ---------------------------------------------------------------------------------------------
// CSV

/**
 * Rows are numbered as a spreadsheet shows them: every record papaparse reads is one row (a
 * quoted cell over several lines stays one row), blank lines included, so the header is row 1
 * when the file starts with it. papaparse runs without `header: true`: in header mode it renames
 * repeated column names with a console warning, takes a blank first line as the header, and
 * numbers quote errors one row off. We map columns and check cell counts ourselves, a row at a
 * time (`step`), so the rows are never all held as arrays at once.
 */
function readCsv(text: string, name: string, tsv: boolean, collector: QuoteCollector): void {
  let index = -1;
  let header: string[] | undefined;
  let columns: Array<[QuoteField, number]> = [];
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
      collector.add(row, values, () => rawCsvRow(head, cells));
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
      columns = mapColumns(header, name, collector);
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
 * The field each column holds. Unknown columns are ignored with one warning; when two columns
 * hold the same field (`text` and `Quote`) the first is used, with a warning.
 */
function mapColumns(names: readonly string[], name: string, collector: QuoteCollector): Array<[QuoteField, number]> {
  const columns: Array<[QuoteField, number]> = [];
  const unknown: string[] = [];
  const namesByField = new Map<QuoteField, string[]>();
  names.forEach((columnName, index) => {
    const field = fieldForKey(columnName);
    if (field === 'ignored') return;
    if (field === undefined) {
      if (columnName !== '') unknown.push(describeName(columnName));
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
  if (unknown.length > 0) {
    collector.warnInput(`${name} has columns Quote Sync does not use, which were ignored: ${listNames(unknown)}.`);
  }
  for (const [field, seen] of namesByField) {
    if (seen.length > 1) {
      collector.warnInput(
        `${name} has more than one column for ${FIELD_LABELS[field]} (${listNames(seen)}); the first, ${seen[0]}, was used.`,
      );
    }
  }
  return columns;
}

// ---------------------------------------------------------------------------------------------
// JSON

const POST_KEY = 'post';

/**
 * An array of quotes, `{ "quotes": [...] }`, or one quote object. Records may be flat or
 * Gumloop-shaped with a nested `post: { url, title, subreddit }`; a flat field wins over the
 * nested one (with a warning when they differ). Records are numbered from 1.
 */
function readJson(text: string, name: string, collector: QuoteCollector): void {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new InputError(jsonSyntaxMessage(text, name, error));
  }
  const records = recordsIn(value, name);
  collector.noRows('has no quotes: its list is empty');

  const fieldByKey = new Map<string, QuoteField | 'ignored' | typeof POST_KEY | undefined>();
  const lookup = (key: string) => {
    if (!fieldByKey.has(key)) fieldByKey.set(key, normaliseKey(key) === POST_KEY ? POST_KEY : fieldForKey(key));
    return fieldByKey.get(key);
  };
  const unknownKeys = new Set<string>();
  const repeatedFields = new Map<QuoteField, Set<string>>();
  const seenKeys = new Set<string>();
  let hasTextKey = false;

  records.forEach((record, index) => {
    const row = index + 1;
    if (!isPlainObject(record)) {
      collector.reject(row, `expected a quote object, found ${kindOf(record)}`, { value: record });
      return;
    }
    const values: FieldValues = {};
    const keyOf: Partial<Record<QuoteField, string>> = {};
    let post: unknown;
    for (const key of Object.keys(record)) {
      seenKeys.add(key);
      const field = lookup(key);
      if (field === undefined) unknownKeys.add(key);
      if (field === undefined || field === 'ignored') continue;
      if (field === POST_KEY) {
        post ??= record[key];
        continue;
      }
      if (field === 'text') hasTextKey = true;
      const first = keyOf[field];
      if (first !== undefined) {
        const names = repeatedFields.get(field) ?? new Set([first]);
        repeatedFields.set(field, names.add(key));
        continue;
      }
      keyOf[field] = key;
      values[field] = record[key];
    }
    if (isPlainObject(post)) {
      mergePost(row, post, values, keyOf, unknownKeys, collector);
    } else if (post !== undefined && post !== null) {
      collector.warnRow(row, `post ${describeValue(post)} is not an object, so it was left out.`);
    }
    collector.add(row, values, () => record);
  });

  if (!hasTextKey && records.some(isPlainObject)) {
    throw new InputError(
      `${name} has no text field (${TEXT_COLUMN_NAMES.join(' or ')}) in ${records.length === 1 ? 'its one record' : `any of its ${records.length} records`}; the fields found are: ${listNames([...seenKeys])}.`,
    );
  }
  if (unknownKeys.size > 0) {
    collector.warnInput(`${name} has fields Quote Sync does not use, which were ignored: ${listNames([...unknownKeys])}.`);
  }
  for (const [field, keys] of repeatedFields) {
    const [first] = keys;
    collector.warnInput(`${name} has more than one field for ${FIELD_LABELS[field]} (${listNames([...keys])}); the first, ${first}, was used.`);
  }
}

/** Fills fields from the nested post where the record has no flat value for them. */
function mergePost(
  row: number,
  post: Record<string, unknown>,
  values: FieldValues,
  keyOf: Partial<Record<QuoteField, string>>,
  unknownKeys: Set<string>,
  collector: QuoteCollector,
): void {
  const taken = new Set<QuoteField>();
  for (const key of Object.keys(post)) {
    const field = postFieldForKey(key);
    if (field === undefined) {
      unknownKeys.add(`${POST_KEY}.${key}`);
      continue;
    }
    if (taken.has(field)) continue;
    taken.add(field);
    const nested = post[key];
    if (isBlank(nested)) continue;
    const flat = values[field];
    if (isBlank(flat)) {
      values[field] = nested;
    } else if (String(flat).trim() !== String(nested).trim()) {
      collector.warnRow(
        row,
        `${keyOf[field]} ${describeValue(flat)} and ${POST_KEY}.${key} ${describeValue(nested)} differ; ${keyOf[field]} was used.`,
      );
    }
  }
}

function isBlank(value: unknown): boolean {
  return value === undefined || value === null || (typeof value === 'string' && value.trim() === '');
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function recordsIn(value: unknown, name: string): unknown[] {
  if (Array.isArray(value)) return value;
  const expected =
    'a list of quotes, an object with a "quotes" list, or a single quote object with a "text" field';
  if (isPlainObject(value)) {
    const keys = Object.keys(value);
    const quotesKey = keys.find((key) => normaliseKey(key) === 'quotes');
    if (quotesKey !== undefined) {
      const quotes = value[quotesKey];
      if (Array.isArray(quotes)) return quotes;
      throw new InputError(`${name} is JSON of an unknown shape: its "${quotesKey}" field is ${kindOf(quotes)}, not a list of quotes.`);
    }
    if (keys.some((key) => fieldForKey(key) === 'text')) return [value];
    throw new InputError(
      `${name} is JSON of an unknown shape: expected ${expected}; found an object with ${keys.length === 0 ? 'no keys' : `the keys ${listNames(keys)}`}.`,
    );
  }
  throw new InputError(`${name} is JSON of an unknown shape: expected ${expected}; found ${kindOf(value)}.`);
}

// ---------------------------------------------------------------------------------------------
// Where JSON.parse failed. Node 20's messages often have no position ("Unexpected token ']',
// "[1,]" is not valid JSON"), so a small scanner finds the first offending character.

function jsonSyntaxMessage(text: string, name: string, error: unknown): string {
  const offset = jsonErrorOffset(text);
  if (offset < 0) return `${name} is not valid JSON (${error instanceof Error ? error.message : String(error)}).`;
  const { line, column } = lineAndColumn(text, offset);
  if (offset >= text.length) {
    return `${name} is not valid JSON: it ends at line ${line}, column ${column} before the JSON is complete.`;
  }
  const found = String.fromCodePoint(text.codePointAt(offset)!);
  return `${name} is not valid JSON: unexpected ${JSON.stringify(found)} at line ${line}, column ${column}.`;
}

function lineAndColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = text.indexOf('\n'); i >= 0 && i < offset; i = text.indexOf('\n', i + 1)) {
    line++;
    lineStart = i + 1;
  }
  return { line, column: offset - lineStart + 1 };
}

const JSON_NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const JSON_ESCAPABLE = new Set(['"', '\\', '/', 'b', 'f', 'n', 'r', 't']);
const HEX4 = /^[0-9a-fA-F]{4}$/;

/** Offset of the first character that makes `text` invalid JSON (text.length if it ends early); -1 if valid. */
export function jsonErrorOffset(text: string): number {
  const stack: Array<'[' | '{'> = [];
  let i = 0;
  const skipSpace = () => {
    while (i < text.length && (text[i] === ' ' || text[i] === '\t' || text[i] === '\n' || text[i] === '\r')) i++;
  };
  /** Moves past a string starting at i; false at the offending character. */
  const string = (): boolean => {
    i++;
    while (i < text.length) {
      const c = text.charCodeAt(i);
      if (c === 0x22) {
        i++;
        return true;
      }
      if (c < 0x20) return false;
      if (c === 0x5c) {
        const next = text[i + 1];
        if (next === 'u') {
          if (!HEX4.test(text.slice(i + 2, i + 6))) return false;
          i += 6;
        } else if (next !== undefined && JSON_ESCAPABLE.has(next)) {
          i += 2;
        } else {
          i++;
          return false;
        }
      } else {
        i++;
      }
    }
    return false;
  };

  let state: 'value' | 'key' | 'after' = 'value';
  for (;;) {
    skipSpace();
    if (state === 'value') {
      const c = text[i];
      if (c === '{' || c === '[') {
        i++;
        skipSpace();
        if (text[i] === (c === '{' ? '}' : ']')) {
          i++;
          state = 'after';
        } else {
          stack.push(c);
          state = c === '{' ? 'key' : 'value';
        }
      } else if (c === '"') {
        if (!string()) return i;
        state = 'after';
      } else if (c === '-' || (c !== undefined && c >= '0' && c <= '9')) {
        JSON_NUMBER.lastIndex = i;
        if (!JSON_NUMBER.test(text)) return i;
        i = JSON_NUMBER.lastIndex;
        state = 'after';
      } else {
        const literal = ['true', 'false', 'null'].find((word) => text.startsWith(word, i));
        if (literal === undefined) return i;
        i += literal.length;
        state = 'after';
      }
    } else if (state === 'key') {
      if (text[i] !== '"' || !string()) return i;
      skipSpace();
      if (text[i] !== ':') return i;
      i++;
      state = 'value';
    } else {
      const top = stack[stack.length - 1];
      if (top === undefined) return i < text.length ? i : -1;
      const c = text[i];
      if (c === ',') {
        i++;
        state = top === '{' ? 'key' : 'value';
      } else if (c === (top === '{' ? '}' : ']')) {
        i++;
        stack.pop();
      } else {
        return i;
      }
    }
  }
}
