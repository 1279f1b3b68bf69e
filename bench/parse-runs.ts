/**
 * The 100,000-row parse of the benchmark: the plain CSV and the same rows with 8 extra columns,
 * each parsed in a child process of its own (bench/parse-100k.ts), so time and peak RSS are the
 * parse's alone and not the benchmark's.
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { makeQuoteRecords, recordsToCsv } from '../test/support/quote-factory.js';
import { EXTRA_COLUMNS, recordsToCsvWithExtras } from './extra-fields.js';

export const PARSE_ROWS = 100_000;
const RECORD_SEED = 99;
const EXTRA_SEED = 990;

export interface ParseFigures {
  ms: number;
  quotes: number;
  rejected: number;
  duplicates: number;
  warnings: number;
  extraFields: number;
  peakRssMb: number;
  src: string;
}

/** Writes the two files into `dir`: the same rows (`makeQuoteRecords(100_000, 99)`), without and with the extra columns. */
export function writeParseFiles(dir: string): { plain: string; extra: string } {
  const records = makeQuoteRecords(PARSE_ROWS, RECORD_SEED);
  const plain = join(dir, 'quotes-100k.csv');
  const extra = join(dir, 'quotes-100k-extra.csv');
  writeFileSync(plain, recordsToCsv(records));
  writeFileSync(extra, recordsToCsvWithExtras(records, EXTRA_SEED));
  return { plain, extra };
}

/** One parse of `file` in a child process; `src`: another checkout's source tree (PARSE_SRC). */
export function parseInChild(file: string, src?: string): ParseFigures {
  const script = fileURLToPath(new URL('./parse-100k.ts', import.meta.url));
  const env = { ...process.env };
  if (src) env.PARSE_SRC = src;
  else delete env.PARSE_SRC;
  return JSON.parse(execFileSync(process.execPath, ['--import', 'tsx', script, file], { encoding: 'utf8', env })) as ParseFigures;
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

export interface ParseMedians {
  runs: ParseFigures[];
  ms: number;
  peakRssMb: number;
}

/**
 * `runs` parses of each file, interleaved (plain, extra, plain, …) so a slow stretch of the machine
 * falls on both alike; the medians of each. `sources` as for `parseInChild`, one entry per parser.
 */
export function measureParse(files: Record<string, string>, runs: number, sources: Array<string | undefined> = [undefined]) {
  const all = new Map<string, ParseFigures[]>();
  const key = (name: string, src: string | undefined) => `${src ?? ''}\0${name}`;
  for (let i = 0; i < runs; i++) {
    for (const src of sources) {
      for (const [name, file] of Object.entries(files)) {
        const list = all.get(key(name, src)) ?? [];
        list.push(parseInChild(file, src));
        all.set(key(name, src), list);
      }
    }
  }
  const result = (name: string, src?: string): ParseMedians => {
    const list = all.get(key(name, src))!;
    return { runs: list, ms: median(list.map((r) => r.ms)), peakRssMb: median(list.map((r) => r.peakRssMb)) };
  };
  return result;
}

/** The sentence of RESULTS.md. */
export function parseSentence(plain: ParseMedians, extra: ParseMedians, runs: number): string {
  const p = plain.runs[0]!;
  const x = extra.runs[0]!;
  const sec = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
  return (
    `Parsing and validating a ${PARSE_ROWS.toLocaleString('en')}-row CSV (${p.quotes} quotes): ${sec(plain.ms)}, peak RSS ${Math.round(plain.peakRssMb)} MB (whole process, Node included). ` +
    `The same rows with ${EXTRA_COLUMNS.length} extra columns (${EXTRA_COLUMNS.join(', ')}; ${x.quotes} quotes, ${x.extraFields} extra fields kept): ${sec(extra.ms)}, peak RSS ${Math.round(extra.peakRssMb)} MB. ` +
    `With ÷ without: time ${(extra.ms / plain.ms).toFixed(2)}×, peak RSS ${(extra.peakRssMb / plain.peakRssMb).toFixed(2)}× (medians of ${runs} runs each, a child process per run).`
  );
}
