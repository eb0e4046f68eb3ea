import { sql } from 'kysely';
import { expect, it } from 'vitest';
import { migrateToLatest } from '../../../src/platform/db/migrator.js';
import { platformMigrations } from '../../../src/platform/db/platform.migrations.js';
import { describeEachStore } from '../../support/stores.js';

/** The harness gives each file a real, durable store, set up as production runs it. */
describeEachStore('platform database', { migrations: platformMigrations }, ({ store, getDb }) => {
  it('is the store it claims to be', () => {
    expect(getDb().dialect).toBe(store);
    expect(getDb().url.startsWith(store === 'sqlite' ? 'file:/' : 'postgres://')).toBe(true);
  });

  it('keeps durability settings on', async () => {
    const { db } = getDb();
    if (store === 'sqlite') {
      const setting = async (name: string): Promise<unknown> =>
        Object.values((await sql<Record<string, unknown>>`${sql.raw(`pragma ${name}`)}`.execute(db)).rows[0] ?? {})[0];
      expect(await setting('journal_mode')).toBe('wal');
      expect(await setting('synchronous')).toBe(2); // FULL
      expect(await setting('foreign_keys')).toBe(1);
    } else {
      const setting = async (name: string): Promise<string | undefined> =>
        (await sql<{ value: string }>`select current_setting(${name}) as value`.execute(db)).rows[0]?.value;
      expect(await setting('fsync')).toBe('on');
      expect(await setting('synchronous_commit')).toBe('on');
      expect(await setting('full_page_writes')).toBe('on');
      expect(await setting('server_encoding')).toBe('UTF8');
      const name = (await sql<{ name: string }>`select current_database() as name`.execute(db)).rows[0]?.name;
      expect(name).toMatch(/^rl_[0-9a-f]{8}_[0-9a-f]{12}$/);
    }
  });

  it('is migrated, and migrating again changes nothing', async () => {
    const { db } = getDb();
    expect(await migrateToLatest(db, platformMigrations)).toEqual([]);
    expect(await db.selectFrom('job').select('id').execute()).toEqual([]);
  });
});
