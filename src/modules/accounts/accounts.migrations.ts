import type { Kysely, Migration } from 'kysely';

export const accountsMigrations: Record<string, Migration> = {
  '2026_11_27_020_accounts': {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema.createTable('customer')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('email', 'text', (c) => c.unique())
        .addColumn('email_verified_at', 'bigint')
        .addColumn('phone', 'text', (c) => c.unique())
        .addColumn('phone_country', 'text')
        .addColumn('phone_verified_at', 'bigint')
        .addColumn('password_hash', 'text', (c) => c.notNull())
        .addColumn('name', 'text')
        .addColumn('language', 'text', (c) => c.notNull())
        .addColumn('currency', 'text')
        .addColumn('marketing_opt_in', 'integer', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.createTable('session')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('customer_id', 'text', (c) => c.notNull().references('customer.id'))
        .addColumn('token_hash', 'text', (c) => c.notNull().unique())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('last_seen_at', 'bigint', (c) => c.notNull())
        .addColumn('idle_expires_at', 'bigint', (c) => c.notNull())
        .addColumn('absolute_expires_at', 'bigint', (c) => c.notNull())
        .addColumn('revoked_at', 'bigint')
        .addColumn('ip', 'text', (c) => c.notNull())
        .addColumn('user_agent', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('session_customer_idx').on('session').columns(['customer_id', 'revoked_at']).execute();
      await db.schema.createTable('one_time_code')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('purpose', 'text', (c) => c.notNull())
        .addColumn('destination', 'text', (c) => c.notNull())
        .addColumn('channel', 'text', (c) => c.notNull())
        .addColumn('customer_id', 'text', (c) => c.references('customer.id'))
        .addColumn('code_hash', 'text', (c) => c.notNull())
        .addColumn('attempts', 'integer', (c) => c.notNull())
        .addColumn('expires_at', 'bigint', (c) => c.notNull())
        .addColumn('consumed_at', 'bigint')
        .addColumn('payload', 'text')
        .addColumn('ip', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('one_time_code_destination_idx').on('one_time_code').columns(['destination', 'created_at']).execute();
      await db.schema.createIndex('one_time_code_ip_idx').on('one_time_code').columns(['ip', 'created_at']).execute();
      await db.schema.createTable('security_event')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('customer_id', 'text', (c) => c.references('customer.id'))
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('ip', 'text', (c) => c.notNull())
        .addColumn('user_agent', 'text', (c) => c.notNull())
        .addColumn('detail', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('security_event_customer_idx').on('security_event').columns(['customer_id', 'id']).execute();
      await db.schema.createTable('sign_in_throttle')
        .addColumn('key', 'text', (c) => c.primaryKey())
        .addColumn('failures', 'integer', (c) => c.notNull())
        .addColumn('last_failure_at', 'bigint', (c) => c.notNull())
        .addColumn('locked_until', 'bigint', (c) => c.notNull())
        .execute();
    },
  },
};
