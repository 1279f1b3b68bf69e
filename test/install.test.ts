/**
 * A production install, as docs/install.md gives it, without the network: the
 * `prepare` script builds dist/ when TypeScript is there, keeps a built dist/ when it is not (a
 * `--omit=dev` install), and says what to run when neither is there. Then, in a copy of the
 * project whose node_modules holds only the production dependencies of the lock file (what
 * `npm prune --omit=dev` leaves), `npm start` loads the whole app and the command line syncs.
 */
import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { startNotionServer } from './fakes/local-notion.js';
import { makeQuoteRecords } from './support/quote-factory.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const PREPARE = join(ROOT, 'scripts', 'prepare.mjs');
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string; scripts: Record<string, string> };

const made: string[] = [];
afterAll(() => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
});
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'quote-sync-install-'));
  made.push(dir);
  return dir;
}

/** `command args…` in `cwd` with only PATH (and `env`) set, to its exit. */
function run(cwd: string, command: string, args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.once('error', reject);
    child.once('exit', (code) => resolve({ code, output }));
  });
}

/** A node_modules of symlinks to the checkout's packages the lock file does not mark as dev-only. */
function productionNodeModules(target: string): void {
  const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as { packages: Record<string, { dev?: boolean }> };
  for (const [path, entry] of Object.entries(lock.packages)) {
    const name = path.startsWith('node_modules/') ? path.slice('node_modules/'.length) : '';
    if (!name || name.includes('/node_modules/') || entry.dev) continue;
    const installed = join(ROOT, 'node_modules', name);
    // Optional packages for other platforms are in the lock file but not installed.
    if (!existsSync(installed)) continue;
    mkdirSync(dirname(join(target, name)), { recursive: true });
    symlinkSync(installed, join(target, name), 'dir');
  }
}

describe('the prepare script', () => {
  it('npm start runs the built app, and prepare is the script that tolerates a production install', () => {
    expect(pkg.scripts.start).toBe('exec node dist/commands/main.js');
    expect(pkg.scripts.prepare).toBe('node scripts/prepare.mjs');
    expect(pkg.scripts.build).toBe('tsc -p tsconfig.build.json');
  });

  it('without TypeScript, keeps the dist/ built before and exits 0', async () => {
    const dir = tempDir();
    mkdirSync(join(dir, 'dist', 'commands'), { recursive: true });
    writeFileSync(join(dir, 'dist', 'commands', 'main.js'), '// built before\n');
    writeFileSync(join(dir, 'package.json'), '{"name":"quote-sync","type":"module"}\n');
    const result = await run(dir, process.execPath, [PREPARE]);
    expect(result).toEqual({ code: 0, output: 'quote-sync: TypeScript is not installed (a production install): keeping the dist/ built before.\n' });
    expect(readFileSync(join(dir, 'dist', 'commands', 'main.js'), 'utf8')).toBe('// built before\n');
  });

  it('without TypeScript and without dist/, stops with the commands that make a production install', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'package.json'), '{"name":"quote-sync","type":"module"}\n');
    const result = await run(dir, process.execPath, [PREPARE]);
    expect(result.code).toBe(1);
    expect(result.output).toMatch(/no dist\/commands\/main\.js to run.*`npm ci` \(it builds dist\/\), then `npm prune --omit=dev`/);
  });
});

describe('a production install', () => {
  it('builds with the dev dependencies, then runs the app and the command line with the production ones only', { timeout: 240_000 }, async () => {
    const dir = tempDir();
    for (const entry of ['package.json', 'package-lock.json', 'tsconfig.json', 'tsconfig.build.json', 'manifest.json', 'src', 'commands', 'scripts/prepare.mjs']) {
      cpSync(join(ROOT, entry), join(dir, entry), { recursive: true });
    }
    // `npm ci`: every dependency, dev ones included; prepare builds dist/.
    symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir');
    const build = await run(dir, process.execPath, ['scripts/prepare.mjs']);
    expect(build, build.output).toMatchObject({ code: 0 });
    expect(existsSync(join(dir, 'dist', 'commands', 'main.js'))).toBe(true);

    // `npm prune --omit=dev`: only the production dependencies are left, and prepare keeps dist/.
    rmSync(join(dir, 'node_modules'));
    productionNodeModules(join(dir, 'node_modules'));
    expect(existsSync(join(dir, 'node_modules', 'typescript'))).toBe(false);
    expect((await run(dir, process.execPath, ['scripts/prepare.mjs'])).code).toBe(0);

    // The whole app loads (ESM imports every module before main runs) and names what it needs.
    const start = await run(dir, 'npm', ['start', '--silent']);
    expect(start.code, start.output).toBe(2);
    expect(start.output).toMatch(/^quote-sync: 3 settings need fixing:\n {2}- SLACK_BOT_TOKEN is not set/);

    const cli = join(dir, 'dist', 'src', 'cli', 'main.js');
    expect(await run(dir, process.execPath, [cli, '--version'])).toEqual({ code: 0, output: `quote-sync ${pkg.version}\n` });
    const notion = await startNotionServer({ seed: 51 });
    try {
      writeFileSync(join(dir, 'quotes.json'), JSON.stringify(makeQuoteRecords(5, 51)));
      const sync = await run(dir, process.execPath, [cli, 'sync', 'quotes.json', '--json'], {
        NOTION_API_URL: notion.url,
        NOTION_TOKEN: notion.token,
        NOTION_PARENT_PAGE_ID: notion.parentPageId,
        NOTION_REQUESTS_PER_SECOND: '100',
        QUOTE_SYNC_DB: join(dir, 'data', 'quote-sync.db'),
      });
      expect(sync.code, sync.output).toBe(0);
      expect(sync.output).toMatch(/"written": 5/);
    } finally {
      await notion.close();
    }
  });
});
