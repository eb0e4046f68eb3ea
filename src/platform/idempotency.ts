import { createHash } from 'node:crypto';
import type { Kysely, Migration } from 'kysely';
import type { Executor } from './db/database.js';
import { DomainError } from './errors.js';

/**
 * `Idempotency-Key` handling for requests that create something. The first request with a key
 * records it as in progress (committed on its own, before the work); the work's transaction marks it
 * done with the id of what it created. A retry with the same key and body gets that resource; with
 * another body, 422; while the first is still running, 409. A record left in progress by a crash is
 * taken over once its lock expires.
 */
export interface IdempotencyRecordTable {
  scope: string;
  key: string;
  request_hash: string;
  status: 'in_progress' | 'done';
  resource_id: string | null;
  locked_until: number;
  created_at: number;
}

declare module './db/schema.js' {
  interface Tables {
    idempotency_record: IdempotencyRecordTable;
  }
}

export const idempotencyMigrations: Record<string, Migration> = {
  '2026_11_27_001_platform_idempotency': {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema.createTable('idempotency_record')
        .addColumn('scope', 'text', (c) => c.notNull())
        .addColumn('key', 'text', (c) => c.notNull())
        .addColumn('request_hash', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('resource_id', 'text')
        .addColumn('locked_until', 'bigint', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('idempotency_record_pk', ['scope', 'key'])
        .execute();
    },
  },
};

export const IDEMPOTENCY_KEY_PATTERN = /^[A-Za-z0-9_.:-]{8,128}$/;
const LOCK_MS = 60_000;

/** A stable hash of a JSON request body (object keys sorted), to tell a retry from a new request. */
export function requestHash(body: unknown): string {
  const canonical = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(canonical);
    if (value !== null && typeof value === 'object') {
      return Object.fromEntries(Object.keys(value).sort().map((k) => [k, canonical((value as Record<string, unknown>)[k])]));
    }
    return value;
  };
  return createHash('sha256').update(JSON.stringify(canonical(body) ?? null)).digest('hex');
}

export type IdempotencyStart = { readonly state: 'new' } | { readonly state: 'done'; readonly resourceId: string };

export interface IdempotencyRef {
  readonly scope: string;
  readonly key: string;
  readonly hash: string;
}

/** Claims the key for this request or reports what an earlier request with it produced. */
export async function beginIdempotent(db: Executor, ref: IdempotencyRef, nowMs: number): Promise<IdempotencyStart> {
  if (!IDEMPOTENCY_KEY_PATTERN.test(ref.key)) {
    throw new DomainError('request.invalid', 'Idempotency-Key must be 8 to 128 letters, digits or _.:-');
  }
  const inserted = await db.insertInto('idempotency_record')
    .values({ scope: ref.scope, key: ref.key, request_hash: ref.hash, status: 'in_progress', resource_id: null, locked_until: nowMs + LOCK_MS, created_at: nowMs })
    .onConflict((oc) => oc.columns(['scope', 'key']).doNothing())
    .executeTakeFirst();
  if (Number(inserted.numInsertedOrUpdatedRows ?? 0n) === 1) return { state: 'new' };
  const existing = await db.selectFrom('idempotency_record').selectAll()
    .where('scope', '=', ref.scope).where('key', '=', ref.key).executeTakeFirstOrThrow();
  if (existing.request_hash !== ref.hash) {
    throw new DomainError('request.idempotency_key_reused', 'This Idempotency-Key was used with a different request');
  }
  if (existing.status === 'done' && existing.resource_id !== null) return { state: 'done', resourceId: existing.resource_id };
  // The first request crashed or gave up: take the key over once its lock has expired.
  const taken = await db.updateTable('idempotency_record').set({ locked_until: nowMs + LOCK_MS })
    .where('scope', '=', ref.scope).where('key', '=', ref.key).where('status', '=', 'in_progress').where('locked_until', '<', nowMs)
    .executeTakeFirst();
  if (Number(taken.numUpdatedRows) === 1) return { state: 'new' };
  throw new DomainError('request.idempotency_in_progress', 'A request with this Idempotency-Key is still being processed; retry shortly', {}, 1);
}

/** Marks the key done with what it created; call it in the transaction that creates the resource. */
export async function completeIdempotent(db: Executor, ref: IdempotencyRef, resourceId: string): Promise<void> {
  await db.updateTable('idempotency_record').set({ status: 'done', resource_id: resourceId })
    .where('scope', '=', ref.scope).where('key', '=', ref.key).execute();
}

/** Forgets a key whose request failed, so the client may retry it. */
export async function abandonIdempotent(db: Executor, ref: IdempotencyRef): Promise<void> {
  await db.deleteFrom('idempotency_record')
    .where('scope', '=', ref.scope).where('key', '=', ref.key).where('status', '=', 'in_progress').execute();
}

/**
 * Runs `work` under an idempotency key when one is given: `work` receives a `complete` callback to
 * call in its transaction. Returns `{resourceId, replayed}`.
 */
export async function withIdempotency(
  db: Executor, ref: IdempotencyRef | undefined, nowMs: number,
  work: (complete: (tx: Executor, resourceId: string) => Promise<void>) => Promise<string>,
): Promise<{ resourceId: string; replayed: boolean }> {
  if (ref === undefined) return { resourceId: await work(async () => undefined), replayed: false };
  const start = await beginIdempotent(db, ref, nowMs);
  if (start.state === 'done') return { resourceId: start.resourceId, replayed: true };
  try {
    return { resourceId: await work((tx, resourceId) => completeIdempotent(tx, ref, resourceId)), replayed: false };
  } catch (error) {
    await abandonIdempotent(db, ref);
    throw error;
  }
}
