import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // The run's temporary folder (TMPDIR), removed at the end; then one PostgreSQL server for the
    // run, in which tests create their own databases. Torn down in reverse order.
    globalSetup: ['test/support/temp-global-setup.ts', 'test/support/postgres-global-setup.ts'],
    // The suites start local HTTP servers and child processes; two cores in CI.
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 60_000,
    hookTimeout: 30_000,
  },
});
