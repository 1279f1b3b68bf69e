/**
 * Child process of the benchmark: parses one CSV (or JSON) file and reports its time and peak
 * memory. `npx tsx bench/parse-100k.ts FILE` prints one line of JSON.
 *
 * PARSE_SRC=/path/to/src parses with that source tree's parser instead of this checkout's: the
 * same file through older code, for a ratio against it. For example, against the code before
 * extra fields were written (0ccebfb), with this checkout's node_modules:
 *
 *   git worktree add /tmp/qs-old 0ccebfb
 *   ln -s "$PWD/node_modules" /tmp/qs-old/node_modules
 *   PARSE_SRC=/tmp/qs-old/src npx tsx bench/parse-100k.ts /tmp/quotes-100k-extra.csv
 *   git worktree remove --force /tmp/qs-old
 *
 * (ESM ignores NODE_PATH, hence the symlink.) `npx tsx bench/parse-compare.ts /tmp/qs-old/src`
 * writes the bench's two 100,000-row files and runs both through both parsers, three times each.
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

type ParseModule = typeof import('../src/quotes/parse/index.js');

const file = process.argv[2]!;
const src = process.env.PARSE_SRC ? resolve(process.env.PARSE_SRC) : undefined;
const { parseQuotes } = (await import(
  src ? pathToFileURL(join(src, 'quotes/parse/index.ts')).href : '../src/quotes/parse/index.js'
)) as ParseModule;

const started = performance.now();
const parsed = parseQuotes(readFileSync(file), { filename: file });
const ms = performance.now() - started;
// Extra fields the parser kept (none in code that predates them).
const extraFields = new Set<string>();
for (const row of parsed.quotes) for (const key of Object.keys((row.quote as { extra?: object }).extra ?? {})) extraFields.add(key);
process.stdout.write(
  JSON.stringify({
    ms,
    quotes: parsed.quotes.length,
    rejected: parsed.rejected.length,
    duplicates: parsed.duplicates.length,
    warnings: parsed.warnings.length,
    extraFields: extraFields.size,
    peakRssMb: process.resourceUsage().maxRSS / 1024,
    src: src ?? 'this checkout',
  }),
);
