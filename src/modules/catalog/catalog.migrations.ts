import type { Kysely, Migration } from 'kysely';

/** Zones, plans, price versions and price changes (with who was told), promotions and their redemptions. */
export const catalogMigrations: Record<string, Migration> = {
  '2026_11_27_030_catalog': {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema.createTable('zone')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('code', 'text', (c) => c.notNull().unique())
        .addColumn('names', 'text', (c) => c.notNull())
        .addColumn('sort_order', 'integer', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.createTable('zone_country')
        .addColumn('zone_id', 'text', (c) => c.notNull().references('zone.id'))
        .addColumn('country', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('zone_country_pk', ['zone_id', 'country'])
        .execute();
      await db.schema.createIndex('zone_country_country_idx').on('zone_country').columns(['country', 'zone_id']).execute();

      await db.schema.createTable('plan')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('code', 'text', (c) => c.notNull().unique())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('scope', 'text', (c) => c.notNull())
        .addColumn('zone_id', 'text', (c) => c.notNull().references('zone.id'))
        .addColumn('validity_days', 'integer')
        .addColumn('data_bytes', 'bigint', (c) => c.notNull())
        .addColumn('voice_seconds', 'bigint', (c) => c.notNull())
        .addColumn('sms_count', 'integer', (c) => c.notNull())
        .addColumn('texts', 'text', (c) => c.notNull())
        .addColumn('overage', 'text')
        .addColumn('auto_renewable', 'integer', (c) => c.notNull())
        .addColumn('addon_for', 'text')
        .addColumn('available_from_at', 'bigint')
        .addColumn('available_until_at', 'bigint')
        .addColumn('retired_at', 'bigint')
        .addColumn('sort_order', 'integer', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('plan_zone_idx').on('plan').columns(['zone_id']).execute();

      await db.schema.createTable('plan_price')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('plan_id', 'text', (c) => c.notNull().references('plan.id'))
        .addColumn('currency', 'text', (c) => c.notNull())
        .addColumn('amount_minor', 'bigint', (c) => c.notNull())
        .addColumn('effective_at', 'bigint', (c) => c.notNull())
        .addColumn('subscriber_effective_at', 'bigint', (c) => c.notNull())
        .addColumn('created_by', 'text')
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addUniqueConstraint('plan_price_version_uq', ['plan_id', 'currency', 'effective_at'])
        .execute();

      await db.schema.createTable('promotion')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('code', 'text', (c) => c.notNull().unique())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('percent_off_bp', 'integer')
        .addColumn('amount_off_minor', 'bigint')
        .addColumn('currency', 'text')
        .addColumn('bonus_data_bytes', 'bigint', (c) => c.notNull())
        .addColumn('starts_at', 'bigint', (c) => c.notNull())
        .addColumn('ends_at', 'bigint')
        .addColumn('max_total', 'integer')
        .addColumn('max_per_customer', 'integer')
        .addColumn('eligible_plan_codes', 'text')
        .addColumn('first_order_only', 'integer', (c) => c.notNull())
        .addColumn('redeemed', 'integer', (c) => c.notNull())
        .addColumn('texts', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .execute();

      // One redemption per order, whatever happens: the unique order id makes counting exactly-once.
      await db.schema.createTable('promotion_redemption')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('promotion_id', 'text', (c) => c.notNull().references('promotion.id'))
        .addColumn('customer_id', 'text', (c) => c.notNull())
        .addColumn('order_id', 'text', (c) => c.notNull().unique())
        .addColumn('redeemed_at', 'bigint', (c) => c.notNull())
        .addColumn('released_at', 'bigint')
        .execute();
      await db.schema.createIndex('promotion_redemption_customer_idx').on('promotion_redemption')
        .columns(['promotion_id', 'customer_id', 'released_at']).execute();
    },
  },

  // Price changes as staff schedule them (one per plan and request), and who was told of each.
  '2026_11_27_135_catalog_price_changes': {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema.createTable('price_change')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('plan_id', 'text', (c) => c.notNull().references('plan.id'))
        .addColumn('effective_at', 'bigint', (c) => c.notNull())
        .addColumn('subscriber_effective_at', 'bigint', (c) => c.notNull())
        .addColumn('subscribers_affected', 'integer', (c) => c.notNull())
        .addColumn('created_by', 'text')
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('price_change_plan_idx').on('price_change').columns(['plan_id', 'effective_at']).execute();
      await db.schema.alterTable('plan_price').addColumn('price_change_id', 'text').execute();
      await db.schema.createIndex('plan_price_change_idx').on('plan_price').columns(['price_change_id']).execute();
      // One row per customer and change: the notice is queued in the transaction that inserts it.
      await db.schema.createTable('price_change_notice')
        .addColumn('price_change_id', 'text', (c) => c.notNull().references('price_change.id'))
        .addColumn('customer_id', 'text', (c) => c.notNull())
        .addColumn('told_at', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('price_change_notice_pk', ['price_change_id', 'customer_id'])
        .execute();
    },
  },
};
