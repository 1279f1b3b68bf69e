/**
 * From the bytes of an upload to text, and which of the two formats that text is in. People
 * upload what their spreadsheet saved: UTF-8 with or without a BOM, or UTF-16 ("Unicode text" in
 * Excel); anything else (Latin-1, Windows-1252) is refused rather than guessed at.
 */
import { isUtf8 } from 'node:buffer';
import { extname } from 'node:path';
import { InputError } from '../../errors.js';
import type { ParsedQuotes } from '../model.js';

export type InputFormat = ParsedQuotes['format'];

const UTF8_BOM = '\uFEFF';

/** The input as text without its byte order mark; `name` is how messages call the input. */
export function decode(input: string | Buffer, name: string): string {
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

export function formatFromExtension(filename: string | undefined): InputFormat | undefined {
  const ext = filename ? extname(filename).toLowerCase() : '';
  if (ext === '.csv' || ext === '.tsv') return 'csv';
  if (ext === '.json') return 'json';
  return undefined;
}

/** A `.tsv` is read with tabs whatever its header holds (a column name may contain a comma). */
export function isTsv(filename: string | undefined): boolean {
  return filename !== undefined && extname(filename).toLowerCase() === '.tsv';
}

const FIRST_NON_SPACE = /\S/;

/** JSON when the text opens a list or an object, CSV otherwise. */
export function sniffFormat(text: string): InputFormat {
  const first = FIRST_NON_SPACE.exec(text)?.[0];
  return first === '[' || first === '{' ? 'json' : 'csv';
}
