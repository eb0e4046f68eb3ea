import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

/**
 * One run covers every suite on SQLite and on PostgreSQL: the global setup provides one PostgreSQL
 * server for the run (TEST_DATABASE_URL, or an embedded one) and each storage test file creates its
 * own databases on it (test/support/stores.ts).
 */
export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts', 'web/src/**/*.test.ts'],
    globalSetup: ['test/support/global-setup.ts', 'test/support/web-global-setup.ts'],
    // Every worker refuses connections that are not to loopback (test/support/network-guard.ts).
    setupFiles: ['test/support/network-guard.ts'],
    // Child processes rather than threads: native modules (better-sqlite3) and process-wide state
    // (pg type parsers) stay per worker, and a crash takes down one worker, not the run.
    pool: 'forks',
    // The PostgreSQL server shares the machine, and the tests wait on fsync more than on the CPU:
    // two workers on a 2-core machine, at most four anywhere.
    maxWorkers: Math.min(4, Math.max(1, availableParallelism())),
    testTimeout: 30_000,
    hookTimeout: 120_000,
    teardownTimeout: 30_000,
    // "after" hooks run in reverse order, so a suite's own afterAll runs before the one that closes
    // and drops its database.
    sequence: { hooks: 'stack' },
  },
});
