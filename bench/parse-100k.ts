/** Child process of the benchmark: parses one CSV file and reports its time and peak memory. */
import { readFileSync } from 'node:fs';
import { parseQuotes } from '../src/quotes/parse/index.js';

const file = process.argv[2]!;
const started = performance.now();
const parsed = parseQuotes(readFileSync(file), { filename: file });
const ms = performance.now() - started;
process.stdout.write(
  JSON.stringify({
    ms,
    quotes: parsed.quotes.length,
    rejected: parsed.rejected.length,
    duplicates: parsed.duplicates.length,
    peakRssMb: process.resourceUsage().maxRSS / 1024,
  }),
);
