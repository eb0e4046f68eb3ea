import { AsyncLocalStorage } from 'node:async_hooks';
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import {
  CompiledQuery, Kysely, PostgresDialect, PostgresDriver, SqliteDialect, SqliteDriver,
  type DatabaseConnection, type Driver, type PostgresDialectConfig, type Transaction,
} from 'kysely';
import pg from 'pg';
import type { Tables } from './schema.js';
import { assert } from '../assert.js';

export type Dialect = 'sqlite' | 'postgres';
export type Db = Kysely<Tables>;
export type Tx = Transaction<Tables>;
/** Anything a repository can run a query on: the database or an open transaction. */
export type Executor = Db | Tx;

export interface Database {
  readonly db: Db;
  readonly dialect: Dialect;
  /**
   * The better-sqlite3 handle behind `db` on SQLite, for hot paths that run cached prepared
   * statements. Use it only inside `inTransaction` (which holds the one connection), synchronously.
   */
  readonly sqlite?: SqliteDatabase.Database;
  close(): Promise<void>;
}

export interface DatabaseOptions {
  /** Called when an idle PostgreSQL connection fails (server restart, failover); the pool replaces it. */
  readonly onPoolError?: (error: Error) => void;
  /** PostgreSQL pool size (default 10). */
  readonly poolSize?: number;
  /** SQLite busy timeout in milliseconds (default 5000). */
  readonly busyTimeoutMs?: number;
}

/**
 * Marks the async context of `inTransaction` work. A query on the database object (instead of the
 * transaction) inside it would wait forever for SQLite's single connection, or silently run outside
 * the transaction on PostgreSQL; the drivers below turn that programmer error into an assertion.
 */
const insideTransaction = new AsyncLocalStorage<boolean>();

function assertNotInsideTransaction(): void {
  assert(insideTransaction.getStore() !== true, 'a query used the database instead of the transaction inside inTransaction');
}

/**
 * SQLite's default `BEGIN` is deferred: a transaction that reads and then writes can fail with
 * SQLITE_BUSY when another process wrote in between. `BEGIN IMMEDIATE` takes the write lock first.
 */
class ImmediateSqliteDriver extends SqliteDriver {
  override async acquireConnection(): Promise<DatabaseConnection> {
    assertNotInsideTransaction();
    return super.acquireConnection();
  }

  override async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('begin immediate'));
  }
}

class ImmediateSqliteDialect extends SqliteDialect {
  constructor(private readonly sqliteConfig: ConstructorParameters<typeof SqliteDialect>[0]) {
    super(sqliteConfig);
  }

  override createDriver(): Driver {
    return new ImmediateSqliteDriver(this.sqliteConfig);
  }
}

class GuardedPostgresDriver extends PostgresDriver {
  override async acquireConnection(): Promise<DatabaseConnection> {
    assertNotInsideTransaction();
    return super.acquireConnection();
  }
}

class GuardedPostgresDialect extends PostgresDialect {
  constructor(private readonly pgConfig: PostgresDialectConfig) {
    super(pgConfig);
  }

  override createDriver(): Driver {
    return new GuardedPostgresDriver(this.pgConfig);
  }
}

/** Prepared statements kept per SQL text (most recently used); beyond it the oldest is dropped. */
const STATEMENT_CACHE_SIZE = 256;

/**
 * Kysely prepares every query it runs on SQLite. Preparing is a large share of a short query's
 * cost, and each prepared statement holds native memory that the JavaScript collector does not
 * see (so it is reclaimed late). The same SQL text reuses one statement instead; better-sqlite3
 * runs a statement to completion synchronously, so a shared statement is never busy twice.
 */
function withStatementCache(sqlite: SqliteDatabase.Database): { close(): void; prepare(sql: string): SqliteDatabase.Statement } {
  const statements = new Map<string, SqliteDatabase.Statement>();
  return {
    close: () => void sqlite.close(),
    prepare(text: string) {
      const cached = statements.get(text);
      if (cached !== undefined) {
        statements.delete(text);
        statements.set(text, cached);
        return cached;
      }
      const statement = sqlite.prepare(text);
      statements.set(text, statement);
      if (statements.size > STATEMENT_CACHE_SIZE) {
        const oldest = statements.keys().next();
        if (oldest.done !== true) statements.delete(oldest.value);
      }
      return statement;
    },
  };
}

let pgTypesConfigured = false;

function configurePgTypes(): void {
  if (pgTypesConfigured) return;
  pgTypesConfigured = true;
  // int8 (bigint) arrives as a string by default; every bigint we store is a safe integer.
  pg.types.setTypeParser(20, (value: string) => {
    const n = Number(value);
    assert(Number.isSafeInteger(n), `bigint ${value} exceeds the safe integer range`);
    return n;
  });
}

export function sqlitePathOf(url: string): string {
  assert(url.startsWith('file:'), 'SQLite URLs start with file:');
  const path = url.slice('file:'.length);
  return path === ':memory:' ? path : resolve(path);
}

/**
 * A connection to the SQLite file at `path` with the settings every connection of Roamline uses
 * (`createDatabase`'s, and a worker thread's second connection to the same file).
 */
export function openSqlite(path: string, busyTimeoutMs = 5000): SqliteDatabase.Database {
  const sqlite = new SqliteDatabase(path);
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = FULL');
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma('cache_size = -65536');
  // Checkpoint when the WAL holds 50,000 pages (200 MB), not SQLite's 1,000: a busy charging load
  // rewrites the same bucket pages batch after batch, and a rarer checkpoint copies each once
  // (measured: about 15 % more usage records a second than at 10,000).
  sqlite.pragma('wal_autocheckpoint = 50000');
  sqlite.pragma(`busy_timeout = ${busyTimeoutMs}`);
  return sqlite;
}

/** Opens the database named by `url`: `file:<path>` for SQLite, `postgres://...` for PostgreSQL. */
export function createDatabase(url: string, options: DatabaseOptions = {}): Database {
  if (url.startsWith('file:')) {
    const path = sqlitePathOf(url);
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    const sqlite = openSqlite(path, options.busyTimeoutMs);
    const db = new Kysely<Tables>({ dialect: new ImmediateSqliteDialect({ database: withStatementCache(sqlite) }) });
    return { db, dialect: 'sqlite', sqlite, close: () => db.destroy() };
  }
  configurePgTypes();
  const pool = new pg.Pool({ connectionString: url, max: options.poolSize ?? 10 });
  // Without a listener, an error on an idle client would crash the process.
  pool.on('error', (error) => (options.onPoolError ?? ((e: Error) => console.error('postgres pool error:', e.message)))(error));
  const db = new Kysely<Tables>({ dialect: new GuardedPostgresDialect({ pool }) });
  return { db, dialect: 'postgres', close: () => db.destroy() };
}

const RETRYABLE_PG_CODES = new Set(['40001', '40P01']);

function isRetryable(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const code = (error as { code?: unknown }).code;
  return (typeof code === 'string' && (RETRYABLE_PG_CODES.has(code) || code === 'SQLITE_BUSY'));
}

const retries = new Map<string, number>();

/** How many transactions `inTransaction` retried in this process, per error code (for operators and tests). */
export function transactionRetryCounts(): ReadonlyMap<string, number> {
  return new Map(retries);
}

/**
 * Runs `work` in one transaction, retrying a bounded number of times when the store reports a
 * serialization failure or deadlock (the work must therefore have no side effects outside it).
 */
export async function inTransaction<T>(db: Db, work: (tx: Tx) => Promise<T>): Promise<T> {
  const attempts = 5;
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await db.transaction().execute((tx) => insideTransaction.run(true, () => work(tx)));
    } catch (error) {
      if (attempt >= attempts || !isRetryable(error)) throw error;
      const code = String((error as { code: string }).code);
      retries.set(code, (retries.get(code) ?? 0) + 1);
      await new Promise((r) => setTimeout(r, 5 * attempt));
    }
  }
}

/** True when the error is a unique-constraint violation on either store. */
export function isUniqueViolation(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const code = (error as { code?: unknown }).code;
  return code === '23505' || code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
}
