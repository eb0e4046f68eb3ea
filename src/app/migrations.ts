import { platformMigrations } from '../platform/db/platform.migrations.js';
import type { Migrations } from '../platform/db/migrator.js';
import { accountsMigrations } from '../modules/accounts/index.js';
import { notificationsMigrations } from '../modules/notifications/index.js';

/** Every module's migrations; names start with a date so that they apply in a stable order. */
export const allMigrations: Migrations = {
  ...platformMigrations,
  ...notificationsMigrations,
  ...accountsMigrations,
};
