import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // One PostgreSQL server for the run; tests create their own databases in it.
    globalSetup: ['test/support/postgres-global-setup.ts'],
    // The suites start local HTTP servers and child processes; two cores in CI.
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 60_000,
    hookTimeout: 30_000,
  },
});
