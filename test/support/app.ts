import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/app/app.js';
import { allMigrations } from '../../src/app/migrations.js';
import { ManualClock } from '../../src/platform/clock.js';
import { testConfig, type Config } from '../../src/platform/config.js';
import { createLogger } from '../../src/platform/logger.js';
import { afterAll, beforeAll, describe } from 'vitest';
import { STORES, createTestDatabase, type Store, type TestDatabase } from './stores.js';

export interface TestApp {
  readonly app: FastifyInstance;
  readonly clock: ManualClock;
  readonly database: TestDatabase;
  readonly config: Config;
}

/** A whole application on a fresh database of `store`, with a manual clock and silent logs. */
export async function createTestApp(store: Store, overrides: Partial<Config> = {}, startMs = Date.UTC(2026, 10, 27, 9, 0, 0)): Promise<TestApp & { close(): Promise<void> }> {
  const database = await createTestDatabase(store, allMigrations);
  const clock = new ManualClock(startMs);
  const config = testConfig(overrides);
  const app = await buildApp({ config, database, clock, logger: createLogger('silent') });
  await app.ready();
  return {
    app, clock, database, config,
    close: async () => {
      await app.close();
      await database.close();
    },
  };
}

/** `describe` once per store with a fresh application per test file and store. */
export function describeEachStoreApp(name: string, fn: (get: () => TestApp, store: Store) => void, overrides: Partial<Config> = {}): void {
  describe.each(STORES)(`${name} [%s]`, (store) => {
    let testApp: (TestApp & { close(): Promise<void> }) | undefined;
    beforeAll(async () => {
      testApp = await createTestApp(store, overrides);
    });
    afterAll(async () => {
      await testApp?.close();
    });
    fn(() => {
      if (testApp === undefined) throw new Error('the test app exists only between beforeAll and afterAll');
      return testApp;
    }, store);
  });
}
