import { sql } from 'kysely';
import { expect, it } from 'vitest';
import { allMigrations } from '../../../src/app/migrations.js';
import { migrateToLatest, type Migrations } from '../../../src/platform/db/migrator.js';
import { checkLedgerInvariants } from '../../../src/modules/balances/index.js';
import { selectBuckets } from '../../../src/modules/balances/balances.repository.js';
import { describeEachStore } from '../../support/stores.js';

/**
 * The migrations of the last landed release (stop 8). A database an operator created with it must
 * upgrade: the migrator refuses a new migration that sorts before one already applied, so every
 * migration added since must sort after the last of these. Add the new names here when a release lands.
 */
const RELEASED = [
  '2026_11_27_000_platform_jobs', '2026_11_27_001_platform_idempotency', '2026_11_27_010_notifications',
  '2026_11_27_020_accounts', '2026_11_27_030_catalog', '2026_11_27_040_lines', '2026_11_27_060_balances',
  '2026_11_27_061_balances_usage', '2026_11_27_070_provisioning', '2026_11_27_075_orders', '2026_11_27_076_orders_origin',
  '2026_11_27_080_payments', '2026_11_27_081_payments_sandbox', '2026_11_27_088_payments_stripe', '2026_11_27_090_renewals',
  '2026_11_27_110_notifications_delivery',
] as const;

function released(): Migrations {
  return Object.fromEntries(Object.entries(allMigrations).filter(([name]) => (RELEASED as readonly string[]).includes(name)));
}

it('every released migration still exists, and every newer one sorts after them', () => {
  const names = Object.keys(allMigrations).sort();
  for (const name of RELEASED) expect(names).toContain(name);
  const lastReleased = [...RELEASED].sort().at(-1) ?? '';
  const added = names.filter((name) => !(RELEASED as readonly string[]).includes(name));
  expect(added.filter((name) => name < lastReleased)).toEqual([]);
});

// The database starts at the released schema, then takes the migrations added since.
describeEachStore('migrations: upgrading a database of the last release', { migrations: released() }, ({ getDb }) => {
  it('applies the newer migrations in order, keeping the balances of the buckets there were, then has nothing left to do', async () => {
    const db = getDb().db;
    // A bucket of the released schema (its amounts on its row), with its grant and a threshold reached.
    await sql`insert into bucket (id, line_id, kind, currency, status, granted, used, expired, refunded, remaining, valid_from,
        valid_until, coverage_zone, coverage_countries, priority, source, source_id, idempotency_key, created_at, closed_at)
      values ('bkt_old', 'lin_old', 'data', null, 'active', 1000, 900, 0, 0, 100, 0, 9000000000000, 'EU', '["FR"]', 100,
        'order', 'ord_old', 'grant:old', 0, null)`.execute(db);
    await sql`insert into ledger_transaction (id, kind, reference, idempotency_key, created_at) values ('ltx_g', 'grant', 'ord_old', null, 0),
      ('ltx_u', 'usage', 'rec_old', null, 0)`.execute(db);
    await sql`insert into ledger_posting (id, ltx_id, line_id, account, bucket_id, unit, amount) values
      ('pst_1', 'ltx_g', 'lin_old', 'bucket', 'bkt_old', 'data', 1000), ('pst_2', 'ltx_g', 'lin_old', 'grants', null, 'data', -1000),
      ('pst_3', 'ltx_u', 'lin_old', 'bucket', 'bkt_old', 'data', -900), ('pst_4', 'ltx_u', 'lin_old', 'usage', null, 'data', 900)`.execute(db);
    await sql`insert into usage_threshold (bucket_id, threshold, line_id, created_at, notified_at) values ('bkt_old', 80, 'lin_old', 0, 0)`.execute(db);
    const applied = await migrateToLatest(db, allMigrations);
    expect(applied).toEqual(Object.keys(allMigrations).filter((name) => !(RELEASED as readonly string[]).includes(name)).sort());
    expect(await migrateToLatest(db, allMigrations)).toEqual([]);
    expect(await selectBuckets(db).where('id', '=', 'bkt_old').executeTakeFirstOrThrow()).toMatchObject({ remaining: 100, used: 900, granted: 1000 });
    expect(await checkLedgerInvariants(db, 'lin_old')).toEqual([]);
    // The foreign keys point at the rebuilt table.
    await expect(sql`insert into bucket_balance (bucket_id, remaining, used) values ('bkt_none', 1, 0)`.execute(db)).rejects.toThrow();
    await expect(sql`insert into usage_threshold (bucket_id, threshold, line_id, created_at) values ('bkt_none', 80, 'lin_old', 0)`.execute(db)).rejects.toThrow();
  });
});
