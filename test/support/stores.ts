import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, inject } from 'vitest';
import { createDatabase, type Database, type DatabaseOptions } from '../../src/platform/db/database.js';
import { migrateToLatest, type Migrations } from '../../src/platform/db/migrator.js';
import type { PostgresServerInfo } from './provided-context.js';

/** Every storage test runs once per store. */
export const STORES = ['sqlite', 'postgres'] as const;
export type Store = (typeof STORES)[number];

/** A fresh, migrated database; `close()` also deletes it (the SQLite files or the PG database). */
export interface TestDatabase extends Database {
  readonly url: string;
}

/**
 * Creates a fresh database on `store` and applies `migrations`. SQLite gets a new file in a new
 * temporary directory (a real file, so WAL and locking are exercised, unlike `:memory:`);
 * PostgreSQL gets `CREATE DATABASE rl_<run>_<random>` on the server of the global setup.
 */
export async function createTestDatabase(
  store: Store, migrations: Migrations, options: DatabaseOptions = {},
): Promise<TestDatabase> {
  const { url, remove } = store === 'sqlite' ? await createSqliteFile() : await createPostgresDatabase();
  const database = createDatabase(url, options);
  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= database.close().finally(remove);
    return closing;
  };
  try {
    await migrateToLatest(database.db, migrations);
  } catch (error) {
    await close().catch(() => undefined);
    throw error;
  }
  return { db: database.db, dialect: database.dialect, ...(database.sqlite === undefined ? {} : { sqlite: database.sqlite }), url, close };
}

interface CreatedStore {
  readonly url: string;
  remove(): Promise<void>;
}

async function createSqliteFile(): Promise<CreatedStore> {
  const dir = await mkdtemp(join(tmpdir(), 'roamline-sqlite-'));
  return { url: `file:${join(dir, 'test.db')}`, remove: () => rm(dir, { recursive: true, force: true }) };
}

async function createPostgresDatabase(): Promise<CreatedStore> {
  const server: PostgresServerInfo = inject('roamlinePostgres');
  const name = `rl_${server.runTag}_${randomBytes(6).toString('hex')}`;
  await withAdminClient(server.adminUrl, (client) => client.query(`create database ${client.escapeIdentifier(name)}`));
  const url = new URL(server.adminUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    // The pool is closed before this runs; DROP DATABASE waits briefly for backends still exiting.
    remove: () => withAdminClient(server.adminUrl, (client) => client.query(`drop database if exists ${client.escapeIdentifier(name)}`)),
  };
}

async function withAdminClient(adminUrl: string, work: (client: pg.Client) => Promise<unknown>): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    await work(client);
  } finally {
    await client.end();
  }
}

export interface StoreContext {
  readonly store: Store;
  /** This file's database on this store. Call it in hooks and tests, not while tests are collected. */
  getDb(): TestDatabase;
}

export interface DescribeEachStoreOptions {
  readonly migrations: Migrations;
  readonly database?: DatabaseOptions;
}

/**
 * `describe(name)` once per store, with one fresh migrated database per test file and store: created
 * in a `beforeAll` registered before the suite's own hooks, closed and deleted in an `afterAll` that
 * runs after theirs. Tests in the suite share that database, so each must not depend on rows that
 * another test leaves behind (or must clean them up).
 */
export function describeEachStore(
  name: string, options: DescribeEachStoreOptions, fn: (ctx: StoreContext) => void,
): void {
  describe.each(STORES)(`${name} [%s]`, (store) => {
    let database: TestDatabase | undefined;
    beforeAll(async () => {
      database = await createTestDatabase(store, options.migrations, options.database);
    });
    afterAll(async () => {
      await database?.close();
      database = undefined;
    });
    fn({
      store,
      getDb: () => {
        if (database === undefined) throw new Error(`the ${store} test database exists only between beforeAll and afterAll`);
        return database;
      },
    });
  });
}
