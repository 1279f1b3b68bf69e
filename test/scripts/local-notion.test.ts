/**
 * `npm run local-notion` as a person runs it: a process that prints where the local Notion is and
 * the lines that point quote-sync at it, takes a `quote-sync sync` run with those lines, and stops
 * on Ctrl-C (SIGINT), saying what it held and leaving no store behind.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { exited, runProcess, until } from '../support/cli.js';
import { makeQuoteRecords } from '../support/quote-factory.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const SCRIPT = join(ROOT, 'scripts', 'local-notion.ts');

let child: ChildProcess | undefined;
afterEach(async () => {
  if (child && child.exitCode === null && child.signalCode === null) {
    const gone = exited(child);
    child.kill('SIGKILL');
    await gone;
  }
  child = undefined;
});
const dir = mkdtempSync(join(tmpdir(), 'quote-sync-local-notion-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function startScript(args: string[]): { child: ChildProcess; stdout: () => string; stderr: () => string } {
  const started = spawn(process.execPath, ['--import', 'tsx', SCRIPT, ...args], { cwd: ROOT, env: { PATH: process.env.PATH ?? '' }, stdio: ['ignore', 'pipe', 'pipe'] });
  child = started;
  let out = '';
  let err = '';
  started.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  started.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  return { child: started, stdout: () => out, stderr: () => err };
}

describe('npm run local-notion', () => {
  it('is the script package.json runs', () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
    expect(pkg.scripts['local-notion']).toBe('tsx scripts/local-notion.ts');
  });

  it('prints its URL and the lines to paste, takes a sync, and stops on SIGINT', async () => {
    const local = startScript(['--port', '0']);
    await until(() => local.stdout().includes('then sync a file:'), 30_000);
    const url = /^local Notion on (http:\/\/127\.0\.0\.1:\d+) /.exec(local.stdout())?.[1];
    expect(url).toBeDefined();
    expect(local.stdout()).toMatch(/^ {2}token: {7}ntn_\w+$/m);
    const env = Object.fromEntries([...local.stdout().matchAll(/^export (\w+)=(.*)$/gm)].map((m) => [m[1]!, m[2]!]));
    expect(Object.keys(env)).toEqual(['NOTION_API_URL', 'NOTION_TOKEN', 'NOTION_PARENT_PAGE_ID', 'NOTION_DATABASE_ID', 'QUOTE_SYNC_DB']);
    expect(env.NOTION_API_URL).toBe(url);
    expect(local.stdout()).toContain(`  parent page: ${env.NOTION_PARENT_PAGE_ID} ("Research"`);

    const file = join(dir, 'quotes.json');
    writeFileSync(file, JSON.stringify(makeQuoteRecords(8, 61)));
    const sync = await runProcess(['sync', file, '--json'], { ...env, NOTION_REQUESTS_PER_SECOND: '100' });
    expect(sync.code, sync.stderr).toBe(0);
    expect(JSON.parse(sync.stdout)).toMatchObject({ state: 'done', written: 8 });
    expect(existsSync(env.QUOTE_SYNC_DB!)).toBe(true);

    local.child.kill('SIGINT');
    expect(await exited(local.child)).toEqual({ code: 0, signal: null });
    expect(local.stdout()).toMatch(/\nSIGINT: local Notion stopped after \d+ request\(s\); it held 1 database\(s\): "Quotes" \(8 page\(s\)\)\.\n$/);
    // Its store went with it: the next start's in-memory Notion would not have these databases.
    expect(existsSync(dirname(env.QUOTE_SYNC_DB!))).toBe(false);
  });

  it('says so when its port is taken', async () => {
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const port = (taken.address() as { port: number }).port;
    try {
      const local = startScript(['--port', String(port)]);
      expect((await exited(local.child)).code).toBe(1);
      expect(local.stderr()).toBe(`Port ${port} is taken: pass another, e.g. npm run local-notion -- --port 0\n`);
    } finally {
      await new Promise((resolve) => taken.close(resolve));
    }
  });
});
