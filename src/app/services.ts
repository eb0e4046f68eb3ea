import type { PlatformContext } from '../platform/context.js';
import type { JobHandler } from '../platform/jobs/index.js';
import { createAccountsService } from '../modules/accounts/index.js';
import { createBalancesService, createUsageService } from '../modules/balances/index.js';
import { createCatalogService } from '../modules/catalog/index.js';
import { createNotificationsService } from '../modules/notifications/index.js';
import { createProvisioningService } from '../modules/provisioning/index.js';
import { createLinesService, linesForUsage } from '../modules/lines/index.js';
import { isLanguage } from '../platform/i18n.js';
import { createOrdersService } from '../modules/orders/index.js';
import { createPaymentsService, hasOpenPayment, type OrderGateway, type PaymentsOptions } from '../modules/payments/index.js';
import { createRenewalsService } from '../modules/renewals/index.js';

/**
 * Seams for tests of one module in isolation: the payments tests drive payments against an
 * in-memory order collaborator and providers of their own.
 */
export interface ServiceOverrides {
  readonly orderGateway?: OrderGateway;
  readonly payments?: PaymentsOptions;
}

/** Wires the modules together: each gets the platform context and the services it depends on. */
export function createServices(ctx: PlatformContext, overrides: ServiceOverrides = {}) {
  // Consent is read with the caller's executor, since `queue` runs inside the caller's transaction;
  // `accounts` (created next) is only called once a message is queued.
  const notifications = createNotificationsService(ctx, {
    recipientProfile: async (db, customerId) => ({ marketingOptIn: (await accounts.profile.getCustomer(customerId, db)).marketing_opt_in === 1 }),
  });
  const accounts = createAccountsService({ ...ctx, notifications });
  const balances = createBalancesService(ctx);
  const provisioning = createProvisioningService(ctx);
  const lines = createLinesService({ ...ctx, accounts, provisioning, allowances: balances }, { graceMs: ctx.config.renewals.graceMs });
  // Price change notices reach the plan's subscribers (lines), in their language (accounts).
  const catalog = createCatalogService(ctx, { lines, accounts, notifications });
  lines.onPeriodsAdded(catalog.onPeriodsAdded);
  const orders = createOrdersService({ ...ctx, accounts, catalog, lines, balances, notifications }, { orderTtlMs: ctx.config.orderTtlMs, hasOpenPayment });
  const payments = createPaymentsService(ctx, overrides.orderGateway ?? orders.gateway, overrides.payments);
  const renewals = createRenewalsService({ ...ctx, accounts, catalog, lines, orders, payments, notifications });
  // A customer whose auto-renew switches to a plan agreed to its price: they are told of its changes
  // like its subscribers (and, if they agreed before a change was scheduled, pay like them).
  catalog.addPlanHolderSource({
    name: 'auto_renew',
    list: async (executor, planCode, page) => (await renewals.listPoliciesOfPlan(executor, planCode, page))
      .map((p) => ({ lineId: p.lineId, customerId: p.customerId, agreedAtMs: p.confirmedAtMs })),
  });
  const usage = createUsageService({
    ...ctx,
    lines: linesForUsage,
    catalog: {
      overageOf: async (planCode) => (await catalog.findPlan(planCode))?.overage ?? undefined,
      zoneCountries: async (zoneCode) => (await catalog.listZones()).find((zone) => zone.code === zoneCode)?.countries,
    },
    notices: {
      languageOf: async (customerId) => {
        const { language } = await accounts.profile.getCustomer(customerId);
        return isLanguage(language) ? language : 'en';
      },
      queue: (tx, message) => notifications.queue(tx, message),
    },
  });
  const jobHandlers = new Map<string, JobHandler>([...notifications.jobHandlers, ...balances.jobHandlers, ...usage.jobHandlers, ...orders.jobHandlers, ...payments.jobHandlers, ...renewals.jobHandlers, ...catalog.jobHandlers]);
  /** Jobs that run once per slot in whichever worker gets them first (`JobRunnerOptions.recurring`). */
  const recurringJobs = [...renewals.recurringJobs];
  return { notifications, accounts, balances, usage, catalog, provisioning, lines, orders, payments, renewals, jobHandlers, recurringJobs };
}

export type Services = ReturnType<typeof createServices>;
