/**
 * Tests leave nothing behind: their temporary folders are made in the run's own folder, which the
 * run removes at its end, and a PostgreSQL store's fallback CSVs go there too, not to ./data.
 */
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, relative } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { fastEnv, tempDbPath } from './harness.js';
import setup, { TEST_RUN_FOLDER_PREFIX } from './temp-global-setup.js';
import { freshStorePath } from './store.js';

const TMPDIR = process.env.TMPDIR;
afterEach(() => {
  process.env.TMPDIR = TMPDIR;
});

describe('the run\'s temporary folder', () => {
  it('holds the folders tests make, in this worker too', () => {
    expect(basename(tmpdir())).toMatch(new RegExp(`^${TEST_RUN_FOLDER_PREFIX}`));
    for (const path of [tempDbPath(), freshStorePath()]) expect(relative(tmpdir(), path).startsWith('..')).toBe(false);
  });

  it('is removed, with everything in it, at the end of the run; folders beside it are left alone', async () => {
    const scratch = mkdtempSync(join(tmpdir(), 'scratch-'));
    process.env.TMPDIR = scratch;
    const neighbour = join(scratch, `${TEST_RUN_FOLDER_PREFIX}someone-else`);
    mkdirSync(neighbour);
    const teardown = setup();
    const root = tmpdir();
    expect(dirname(root)).toBe(scratch);
    const made = join(mkdtempSync(join(tmpdir(), 'quote-sync-')), 'quote-sync.db');
    writeFileSync(made, 'x');
    await teardown();
    expect(existsSync(root)).toBe(false);
    expect(process.env.TMPDIR).toBe(scratch);
    expect(existsSync(neighbour)).toBe(true);
  });

  it('takes the fallback CSVs of a PostgreSQL store (which has no folder beside it to keep them in)', () => {
    const notion = { token: 't', url: 'http://127.0.0.1:1', parentPageId: '0123456789abcdef0123456789abcdef' } as Parameters<typeof fastEnv>[0];
    const config = loadConfig(fastEnv(notion, 'postgres://quote_sync@127.0.0.1:5432/quotes'));
    expect(relative(tmpdir(), config.dataDir).startsWith('..')).toBe(false);
    // A SQLite store keeps them beside its file, as before.
    const path = tempDbPath();
    expect(loadConfig(fastEnv(notion, path)).dataDir).toBe(dirname(path));
  });
});
