/**
 * The command line as a new user meets it, each case a process of its own: every bad setting named
 * in one message, both Notion targets set said out loud (the database wins), several files synced
 * one job each with the worst exit code, `--version`, and a `--help` that says what each flag does.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { EXIT, worstExit } from '../../src/cli/run.js';
import { startNotionServer, type LocalNotion } from '../fakes/local-notion.js';
import { runProcess } from '../support/cli.js';
import { fastEnv, multiplicity } from '../support/harness.js';
import { makeQuoteRecords } from '../support/quote-factory.js';

let dir = '';
let runs = 0;
beforeAll(() => void (dir = mkdtempSync(join(tmpdir(), 'quote-sync-front-door-'))));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let notion: LocalNotion | undefined;
afterEach(async () => {
  await notion?.close();
  notion = undefined;
});

function quotesFile(name: string, count: number, seed: number): string {
  const path = join(dir, name);
  writeFileSync(path, JSON.stringify(makeQuoteRecords(count, seed)));
  return path;
}

/** A store of its own for each test. */
function dbPath(): string {
  runs += 1;
  return join(dir, `store-${runs}.db`);
}

interface FileReport {
  file: string;
  written?: number;
  error?: string;
  databases?: { id: string; dataSourceId: string }[];
}

describe('configuration problems', () => {
  it('names every bad or missing setting and flag in one message, and opens nothing', async () => {
    const store = dbPath();
    const env = { NOTION_API_URL: 'ftp://notion', NOTION_REQUESTS_PER_SECOND: 'lots', QUOTE_SYNC_DB: store };
    const run = await runProcess(['sync', quotesFile('one.json', 3, 1), '--chunk-size', 'ten'], env);
    expect(run.code).toBe(2);
    expect(run.stderr.trimEnd().split('\n')).toEqual([
      'quote-sync: 5 settings need fixing:',
      '  - NOTION_API_URL is "ftp://notion": expected an http(s) URL.',
      '  - NOTION_REQUESTS_PER_SECOND is "lots": expected a number greater than 0.',
      '  - --chunk-size "ten" must be a whole number of at least 1.',
      expect.stringMatching(/^ {2}- NOTION_TOKEN is not set: the internal integration secret/),
      expect.stringMatching(/^ {2}- NOTION_PARENT_PAGE_ID is not set: set it to a page shared with the integration \(or NOTION_DATABASE_ID/),
    ]);
    expect(existsSync(store)).toBe(false);
  });

  it('a flag that names the target stands in for the configured one', async () => {
    const run = await runProcess(['sync', quotesFile('two.json', 3, 2), '--parent-page', 'nope'], { QUOTE_SYNC_DB: dbPath() });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/^quote-sync: 2 settings need fixing:\n {2}- --parent-page "nope" is not a Notion id or URL/);
    expect(run.stderr).toContain('NOTION_TOKEN is not set');
    expect(run.stderr).not.toContain('NOTION_PARENT_PAGE_ID is not set');
  });

  it('with both NOTION_DATABASE_ID and NOTION_PARENT_PAGE_ID set, writes into the database and says the page is not used', async () => {
    notion = await startNotionServer({ seed: 41 });
    const env = fastEnv(notion, dbPath());
    const first = await runProcess(['sync', quotesFile('first.json', 4, 41), '--json'], env);
    expect(first.code, first.stderr).toBe(0);
    const database = (JSON.parse(first.stdout) as FileReport).databases![0]!;

    const run = await runProcess(['sync', quotesFile('second.json', 6, 42), '--json'], { ...env, NOTION_DATABASE_ID: database.id });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toContain(
      `note: NOTION_DATABASE_ID and NOTION_PARENT_PAGE_ID are both set: quotes go to the database ${database.id}, and the page ${notion.parentPageId} is not used.`,
    );
    expect((JSON.parse(run.stdout) as FileReport).databases!.map((d) => d.id)).toEqual([database.id]);
    expect(notion.databaseIds()).toEqual([database.id]);
    expect(notion.propertyTexts(database.dataSourceId, 'Quote ID')).toHaveLength(10);
  });
});

describe('several files', () => {
  it('syncs each in turn, one job per file, and reports each', async () => {
    notion = await startNotionServer({ seed: 43 });
    const env = fastEnv(notion, dbPath());
    const a = quotesFile('a.json', 5, 43);
    const b = quotesFile('b.json', 7, 44);
    const run = await runProcess(['sync', a, b, '--json'], env);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr.match(/^job \w+$/gm)).toHaveLength(2);
    expect(run.stderr).toContain(`── ${a} (1 of 2)`);
    expect(run.stderr).toContain(`── ${b} (2 of 2)`);
    const reports = JSON.parse(run.stdout) as FileReport[];
    expect(reports.map((r) => [r.file, r.written])).toEqual([
      [a, 5],
      [b, 7],
    ]);
    const ids = notion.propertyTexts(reports[0]!.databases![0]!.dataSourceId, 'Quote ID');
    expect(ids).toHaveLength(12);
    expect(multiplicity(ids).duplicates).toEqual([]);
  });

  it('goes on past a file it cannot use, and exits with the worst code', async () => {
    notion = await startNotionServer({ seed: 45 });
    const env = fastEnv(notion, dbPath());
    const missing = join(dir, 'missing.json');
    const good = quotesFile('good.json', 4, 45);
    const run = await runProcess(['sync', missing, good], env);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(`There is no file ${missing}.`);
    expect(run.stderr).toContain(`${missing}: not synced (exit 2)\n${good}: done (exit 0)`);
    expect(run.stdout).toMatch(/4 written/);
    const [database] = notion.databaseIds();
    expect(notion.propertyTexts(notion.dataSourceOf(database!), 'Quote ID')).toHaveLength(4);
  });

  it('ranks exit codes: an interrupt, a failure, unusable input, quotes not written, then success', () => {
    expect(worstExit([EXIT.ok, EXIT.ok])).toBe(EXIT.ok);
    expect(worstExit([EXIT.ok, EXIT.incomplete])).toBe(EXIT.incomplete);
    expect(worstExit([EXIT.incomplete, EXIT.unusable, EXIT.ok])).toBe(EXIT.unusable);
    expect(worstExit([EXIT.unusable, EXIT.failure])).toBe(EXIT.failure);
    expect(worstExit([EXIT.failure, EXIT.interrupted, EXIT.ok])).toBe(EXIT.interrupted);
    expect(worstExit([])).toBe(EXIT.ok);
  });
});

describe('--version and --help', () => {
  const version = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;

  it.each([['--version'], ['-v'], ['sync', '--version']])('%s prints the package version', async (...argv) => {
    const run = await runProcess(argv, {});
    expect(run).toEqual({ code: 0, stdout: `quote-sync ${version}\n`, stderr: '' });
  });

  it('says in a line what each command and each flag does', async () => {
    const run = await runProcess(['--help'], {});
    expect(run.code).toBe(0);
    /** The words after the name on its line, the description. */
    const description = (name: string) => run.stdout.split('\n').find((line) => line.startsWith(`  ${name} `))?.slice(name.length + 2).trim() ?? '';
    for (const name of ['sync <file>...', 'resume <jobId>', 'jobs']) expect(description(name).split(' ').length, name).toBeGreaterThan(4);
    for (const flag of ['--database ID', '--parent-page ID', '--map FIELD=PROP', '--chunk-size N', '--careful', '--update', '--json', '--limit N', '-h, --help', '-v, --version']) {
      expect(description(flag).split(' ').length, flag).toBeGreaterThan(3);
    }
  });
});
