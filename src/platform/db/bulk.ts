import { CompiledQuery, PostgresAdapter, sql, type Insertable, type RawBuilder, type SqlBool } from 'kysely';
import { assert } from '../assert.js';
import type { Executor } from './database.js';
import type { Tables } from './schema.js';

/** Parameters per statement: under SQLite's limit (32,766) and PostgreSQL's (65,535). */
const MAX_PARAMETERS = 30_000;
/** Distinct statement texts kept (per table, columns, row count and options). */
const MAX_CACHED_TEXTS = 500;

export interface InsertRowsOptions {
  /** Skip rows that violate a unique constraint: on these columns, or on any when `[]`. */
  readonly onConflictDoNothing?: readonly string[];
  /** Returns this column of the rows actually inserted. */
  readonly returning?: string;
}

const texts = new Map<string, string>();

function quote(name: string): string {
  assert(/^[a-z_][a-z0-9_]*$/.test(name), `not a plain identifier: ${name}`);
  return `"${name}"`;
}

function statementText(postgres: boolean, table: string, columns: readonly string[], rowCount: number, options: InsertRowsOptions): string {
  const key = `${postgres ? 'pg' : 'sqlite'}|${table}|${columns.join(',')}|${rowCount}|${options.onConflictDoNothing?.join(',') ?? '-'}|${options.returning ?? '-'}`;
  const cached = texts.get(key);
  if (cached !== undefined) return cached;
  let n = 0;
  const row = (): string => `(${columns.map(() => (postgres ? `$${(n += 1)}` : '?')).join(', ')})`;
  const rows = Array.from({ length: rowCount }, row).join(', ');
  const conflict = options.onConflictDoNothing === undefined ? ''
    : options.onConflictDoNothing.length === 0 ? ' on conflict do nothing'
      : ` on conflict (${options.onConflictDoNothing.map(quote).join(', ')}) do nothing`;
  const returning = options.returning === undefined ? '' : ` returning ${quote(options.returning)}`;
  const text = `insert into ${quote(table)} (${columns.map(quote).join(', ')}) values ${rows}${conflict}${returning}`;
  if (texts.size < MAX_CACHED_TEXTS) texts.set(key, text);
  return text;
}

/**
 * Inserts many rows of one table with multi-row statements whose SQL text is built once per shape
 * and reused (so SQLite also reuses its prepared statement). For the bulk paths (a batch of
 * renewals writes thousands of rows), where building the statement through the query builder
 * costs more than the store's own work. Every row must have the same columns; values are bound
 * parameters. Returns the `returning` column of the inserted rows (empty without `returning`).
 */
export async function insertRows<T extends keyof Tables & string>(
  db: Executor, table: T, rows: ReadonlyArray<Insertable<Tables[T]>>, options: InsertRowsOptions = {},
): Promise<unknown[]> {
  if (rows.length === 0) return [];
  const first = rows[0] as Record<string, unknown>;
  const columns = Object.keys(first);
  const postgres = db.getExecutor().adapter instanceof PostgresAdapter;
  const perStatement = Math.max(1, Math.floor(MAX_PARAMETERS / columns.length));
  const returned: unknown[] = [];
  for (let start = 0; start < rows.length; start += perStatement) {
    const chunk = rows.slice(start, start + perStatement) as ReadonlyArray<Record<string, unknown>>;
    const parameters: unknown[] = [];
    for (const row of chunk) {
      for (const column of columns) {
        const value = row[column];
        parameters.push(value === undefined ? null : value);
      }
      assert(Object.keys(row).length === columns.length, `every row of a bulk insert into ${table} has the same columns`);
    }
    const result = await db.executeQuery(CompiledQuery.raw(statementText(postgres, table, columns, chunk.length, options), parameters));
    if (options.returning !== undefined) for (const row of result.rows as Array<Record<string, unknown>>) returned.push(row[options.returning]);
  }
  return returned;
}

/** A statement that inserts one row, as SQLite text and parameters: to run on another connection (a worker thread's). */
export interface RowStatement {
  readonly sql: string;
  readonly parameters: readonly unknown[];
}

export function sqliteInsertStatement<T extends keyof Tables & string>(
  table: T, row: Insertable<Tables[T]>, options: InsertRowsOptions = {},
): RowStatement {
  const values = row as Record<string, unknown>;
  const columns = Object.keys(values);
  return { sql: statementText(false, table, columns, 1, options), parameters: columns.map((c) => values[c] ?? null) };
}

/**
 * `column` is one of `values` (text), as one bound parameter whatever the list's length: an array
 * on PostgreSQL (one plan for any length, where `in ($1, ..., $1000)` is planned anew each time and
 * costs more than the lookups), a JSON array on SQLite.
 */
export function inTextList(db: Executor, column: string, values: readonly string[]): RawBuilder<SqlBool> {
  return db.getExecutor().adapter instanceof PostgresAdapter
    ? sql<SqlBool>`${sql.ref(column)} = any(${values}::text[])`
    : sql<SqlBool>`${sql.ref(column)} in (select value from json_each(${JSON.stringify(values)}))`;
}
