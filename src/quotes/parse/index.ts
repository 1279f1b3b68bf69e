/**
 * Turns a CSV or JSON file into validated quotes. Every data row ends up in exactly one place:
 * `quotes` (valid, first of its id), `duplicates` (same id as an earlier row) or `rejected` (no
 * text, or a row the CSV reader could not split into cells). A field that cannot be used is left
 * out of its quote with a warning naming the row, the field and the value; nothing is dropped
 * silently. Input that is unusable as a whole throws InputError with a sentence a person can act on.
 */
import { basename } from 'node:path';
import { InputError } from '../../errors.js';
import type { ParsedQuotes } from '../model.js';
import { QuoteCollector } from './collector.js';
import { readCsv } from './csv.js';
import { decode, formatFromExtension, isTsv, sniffFormat, type InputFormat } from './decode.js';
import { readJson } from './json.js';

export { INPUT_WARNING_ROW } from './collector.js';
export { jsonErrorOffset } from './json-error.js';

export interface ParseQuotesOptions {
  /** Used to pick the format from the extension and to name the input in messages. */
  filename?: string;
  /** Overrides the extension and sniffing. */
  format?: InputFormat;
}

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
