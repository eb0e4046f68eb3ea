import type { Kysely, Migration } from 'kysely';

export const notificationsMigrations: Record<string, Migration> = {
  '2026_11_27_010_notifications': {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema.createTable('notification')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('customer_id', 'text')
        .addColumn('channel', 'text', (c) => c.notNull())
        .addColumn('recipient', 'text', (c) => c.notNull())
        .addColumn('template', 'text', (c) => c.notNull())
        .addColumn('language', 'text', (c) => c.notNull())
        .addColumn('category', 'text', (c) => c.notNull())
        .addColumn('subject', 'text', (c) => c.notNull())
        .addColumn('body', 'text', (c) => c.notNull())
        .addColumn('sensitive', 'integer', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('attempts', 'integer', (c) => c.notNull())
        .addColumn('last_error', 'text')
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('sent_at', 'bigint')
        .execute();
      await db.schema.createIndex('notification_recipient_idx').on('notification').columns(['recipient', 'id']).execute();
    },
  },
  /**
   * Delivery over real channels: the HTML part, the transport that took the message, the id the
   * next hop gave it, when it may be sent (quiet hours) and when its status last moved; one row per
   * SMS segment so that each segment's delivery receipt counts.
   */
  '2026_11_27_110_notifications_delivery': {
    async up(db: Kysely<unknown>): Promise<void> {
      const columns: Array<[string, 'text' | 'bigint']> = [
        ['html', 'text'], ['transport', 'text'], ['provider_message_id', 'text'],
        ['deliver_after', 'bigint'], ['last_attempt_at', 'bigint'], ['delivered_at', 'bigint'], ['updated_at', 'bigint'],
      ];
      for (const [name, type] of columns) await db.schema.alterTable('notification').addColumn(name, type).execute();
      await db.schema.createTable('notification_part')
        .addColumn('notification_id', 'text', (c) => c.notNull())
        .addColumn('part', 'integer', (c) => c.notNull())
        .addColumn('transport', 'text', (c) => c.notNull())
        .addColumn('provider_message_id', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('detail', 'text')
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('notification_part_pk', ['notification_id', 'part'])
        .execute();
      await db.schema.createIndex('notification_part_provider_idx').on('notification_part').columns(['provider_message_id', 'transport']).execute();
    },
  },
};
