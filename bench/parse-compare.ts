/**
 * The 100,000-row parse of the benchmark (plain and with 8 extra columns) through this checkout's
 * parser and another's, for the ratio against older code. Not part of `npm run bench`. From the
 * repository root, against the code before extra fields were written:
 *
 *   git worktree add /tmp/qs-old 0ccebfb
 *   ln -s "$PWD/node_modules" /tmp/qs-old/node_modules   # ESM ignores NODE_PATH
 *   npx tsx bench/parse-compare.ts /tmp/qs-old/src        # PARSE_RUNS=3 by default
 *   git worktree remove --force /tmp/qs-old
 *
 * Prints a Markdown table of medians (time, peak RSS) and ratios.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { measureParse, writeParseFiles } from './parse-runs.js';

const other = process.argv[2];
if (!other) throw new Error('usage: tsx bench/parse-compare.ts /path/to/other/checkout/src');
const oldSrc = resolve(other);
const runs = Number(process.env.PARSE_RUNS ?? 3);
const files = writeParseFiles(mkdtempSync(join(tmpdir(), 'quote-sync-parse-')));
process.stderr.write(`files: ${files.plain}, ${files.extra}; ${runs} runs each, old = ${oldSrc}\n`);
const result = measureParse({ plain: files.plain, extra: files.extra }, runs, [oldSrc, undefined]);

const sec = (ms: number) => `${(ms / 1000).toFixed(3)} s`;
const mb = (v: number) => `${Math.round(v)} MB`;
const lines = [
  '| file | parser | median time | median peak RSS | quotes | extra fields kept | warnings | runs (ms) |',
  '|---|---|---|---|---|---|---|---|',
];
for (const name of ['plain', 'extra'] as const) {
  for (const [label, src] of [
    ['old', oldSrc],
    ['new', undefined],
  ] as const) {
    const m = result(name, src);
    const r = m.runs[0]!;
    lines.push(
      `| ${name === 'plain' ? '100k rows' : '100k rows + 8 extra columns'} | ${label} | ${sec(m.ms)} | ${mb(m.peakRssMb)} | ${r.quotes} | ${r.extraFields} | ${r.warnings} | ${m.runs.map((x) => x.ms.toFixed(0)).join(', ')} |`,
    );
  }
}
lines.push('', '| ratio | time | peak RSS |', '|---|---|---|');
const ratio = (a: { ms: number; peakRssMb: number }, b: { ms: number; peakRssMb: number }, label: string) =>
  lines.push(`| ${label} | ${(a.ms / b.ms).toFixed(2)}× | ${(a.peakRssMb / b.peakRssMb).toFixed(2)}× |`);
ratio(result('plain', undefined), result('plain', oldSrc), 'plain file: new ÷ old');
ratio(result('extra', undefined), result('extra', oldSrc), 'extra columns: new ÷ old');
ratio(result('extra', oldSrc), result('plain', oldSrc), 'old: extra ÷ plain');
ratio(result('extra', undefined), result('plain', undefined), 'new: extra ÷ plain');
ratio(result('extra', undefined), result('plain', oldSrc), 'new with extra ÷ old plain');
process.stdout.write(`${lines.join('\n')}\n`);
