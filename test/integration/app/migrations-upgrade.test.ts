import { expect, it } from 'vitest';
import { allMigrations } from '../../../src/app/migrations.js';
import { migrateToLatest, type Migrations } from '../../../src/platform/db/migrator.js';
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
  it('applies the newer migrations in order, then has nothing left to do', async () => {
    const db = getDb().db;
    const applied = await migrateToLatest(db, allMigrations);
    expect(applied).toEqual(Object.keys(allMigrations).filter((name) => !(RELEASED as readonly string[]).includes(name)).sort());
    expect(await migrateToLatest(db, allMigrations)).toEqual([]);
  });
});
