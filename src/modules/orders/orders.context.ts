import type { PlatformContext } from '../../platform/context.js';
import type { Executor } from '../../platform/db/database.js';
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
  /**
   * Whether a payment of the order is still in flight (e.g. the customer is on the bank's 3-D Secure
   * page); such an order gets more time instead of expiring under the customer's feet.
   */
  readonly hasOpenPayment?: (db: Executor, orderId: string) => Promise<boolean>;
}
