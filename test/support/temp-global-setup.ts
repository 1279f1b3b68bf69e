/**
 * vitest globalSetup: the run's temporary files go in one folder of its own, removed at the end.
 *
 * Tests make their folders with `os.tmpdir()` (tempDbPath, freshStorePath, quotesFile, the
 * command line's inputs, PostgreSQL servers), and so do the processes they start; it reads
 * TMPDIR, which is set here before any test file runs, and test workers inherit it. Teardown
 * removes only this run's folder, so runs side by side in one checkout leave each other alone.
 * Listed first in vitest.config.ts, it is torn down last: after the PostgreSQL server has stopped.
 */
import { chmodSync, mkdtempSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The run's folder names start with this, so a folder left by a killed run says what made it. */
export const TEST_RUN_FOLDER_PREFIX = 'quote-sync-test-run-';

export default function setup(): () => Promise<void> {
  const before = process.env.TMPDIR;
  const root = mkdtempSync(join(tmpdir(), TEST_RUN_FOLDER_PREFIX));
  // Others may pass through (not list): a PostgreSQL server started as root runs as `postgres` and needs its folder in here.
  chmodSync(root, 0o711);
  process.env.TMPDIR = root;
  return async () => {
    if (before === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = before;
    await rm(root, { recursive: true, force: true, maxRetries: 5 });
  };
}
