import { platformMigrations } from '../platform/db/platform.migrations.js';
import type { Migrations } from '../platform/db/migrator.js';
import { accountsMigrations } from '../modules/accounts/index.js';
import { balancesMigrations } from '../modules/balances/index.js';
import { catalogMigrations } from '../modules/catalog/index.js';
import { notificationsMigrations } from '../modules/notifications/index.js';
import { provisioningMigrations } from '../modules/provisioning/index.js';
import { linesMigrations } from '../modules/lines/index.js';
import { ordersMigrations } from '../modules/orders/index.js';
import { paymentsMigrations } from '../modules/payments/index.js';
import { renewalsMigrations } from '../modules/renewals/index.js';

/** Every module's migrations; names start with a date so that they apply in a stable order. */
export const allMigrations: Migrations = {
  ...platformMigrations,
  ...notificationsMigrations,
  ...accountsMigrations,
  ...catalogMigrations,
  ...balancesMigrations,
  ...provisioningMigrations,
  ...linesMigrations,
  ...ordersMigrations,
  ...paymentsMigrations,
  ...renewalsMigrations,
};
