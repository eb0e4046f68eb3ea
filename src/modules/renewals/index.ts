/**
 * Renewals: auto-renew of lines with a saved payment method, reminders for travellers who renew by
 * hand, and what happens when a period ends (grace, then expiry). Uses lines, orders, payments,
 * catalog, accounts and notifications through their services only.
 *
 * - `createRenewalsService(deps, options?)`: `getAutoRenew` / `setAutoRenew` (the API), `runDue`
 *   (the worker's sweep), `jobHandlers` (`renewals.sweep`, `renewals.remind`) and `recurringJobs`.
 * - `listPoliciesOfPlan(executor, planCode, { limit?, after? })`: the enabled policies naming a plan
 *   (line id, customer id, `confirmedAtMs`), in line order, at most 1000 a page: the catalog tells
 *   these customers of the plan's price changes (wired in src/app/services.ts).
 * - Guarantees: at most one renewal per line and period (unique `(line_id, period_end_at)`, one order
 *   per attempt, and the payment and period guards below it), whatever runs twice or dies midway.
 *
 * Errors: see `renewals.service.ts`.
 */
export {
  createRenewalsService, MAX_PLAN_POLICIES_PAGE, type RenewalsService, type AutoRenewInput, type AutoRenewView, type PlanPolicy,
} from './renewals.service.js';
export type { RenewalsDeps, RenewalsOptions } from './renewals.context.js';
export { renewalsAdminRoutes, renewalsRoutes } from './renewals.routes.js';
export { renewalsMigrations } from './renewals.migrations.js';
export { SWEEP_JOB } from './renewals.runner.js';
export { REMIND_JOB } from './renewals.schedule.js';
export {
  ATTEMPT_STATUSES, OPEN_ATTEMPT_STATUSES, ATTEMPT_TRANSITIONS, ATTEMPT_LEASE_MS, chargeAtMs, decideAttempt, failureKind, nextRetryAtMs, reminderTimes,
  type AttemptStatus, type AttemptDecision, type AttemptFacts,
} from './renewals.js';
