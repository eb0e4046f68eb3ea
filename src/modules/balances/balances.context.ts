import type { PlatformContext } from '../../platform/context.js';

/** What the balances module needs from the platform: the store, the clock and the id factory. */
export type BalancesDeps = Pick<PlatformContext, 'database' | 'clock' | 'ids'>;
