import type { PlatformContext } from '../../platform/context.js';
import type { RenewalsConfig } from '../../platform/config.renewals.js';
import type { AccountsService } from '../accounts/index.js';
import type { CatalogService } from '../catalog/index.js';
import type { LinesService } from '../lines/index.js';
import type { NotificationsService } from '../notifications/index.js';
import type { OrdersService } from '../orders/index.js';
import type { PaymentsService } from '../payments/index.js';

/** What the renewals module is built from: other modules only through their services. */
export interface RenewalsDeps extends PlatformContext {
  readonly accounts: AccountsService;
  readonly catalog: CatalogService;
  readonly lines: LinesService;
  readonly orders: OrdersService;
  readonly payments: PaymentsService;
  readonly notifications: NotificationsService;
}

/** The renewal settings (defaults from `ROAMLINE_RENEWAL_*`); tests and the benchmark override them. */
export type RenewalsOptions = RenewalsConfig;
