import type { PlatformContext } from '../../platform/context.js';
import type { AccountsService } from '../accounts/index.js';
import type { BalancesService } from '../balances/index.js';
import type { CatalogService } from '../catalog/index.js';
import type { LinesService } from '../lines/index.js';
import type { NotificationsService } from '../notifications/index.js';

export interface OrdersDeps extends PlatformContext {
  readonly accounts: AccountsService;
  readonly catalog: CatalogService;
  readonly lines: LinesService;
  readonly balances: BalancesService;
  readonly notifications: NotificationsService;
}

export interface OrdersOptions {
  /** How long an unpaid order stays payable (default 30 minutes). */
  readonly orderTtlMs?: number;
  /** Where taxes are due when the customer's country is unknown (default HK, the demo operator's). */
  readonly defaultTaxCountry?: string;
}
