/**
 * Lines: one SIM (physical or eSIM) of a customer, and the periods of service that renewals add.
 *
 * - `createLinesService(deps, {graceMs})`: `claimLine` / `verifyClaim` (attach a shop SIM with an SMS
 *   code), `createLineForSim` / `createLineWithNewSim` (order fulfilment), `getLine` / `listLines` /
 *   `getLineDetail` (scoped to the owner; others' lines are `request.not_found`), `currentPeriod`,
 *   `nextPeriodFor` and `addPeriod` (one period per order, one renewal per line and period),
 *   `listPlanHolders` (lines holding a plan and their customers, paged: who a price change reaches).
 * - Pure rules: `nextPeriod` (the renewal rule), `lineStatusAt`, `validUntilMs`, `validityLeft`.
 *
 * Errors: `lines.msisdn_invalid` (400), `lines.sim_not_claimable` (409),
 * `lines.period_already_renewed` (409), plus the accounts module's code errors when claiming.
 */
export {
  createLinesService, parseMsisdn, MAX_LINES_PAGE, MAX_PLAN_HOLDERS_PAGE,
  type AllowanceSource, type LinesDeps, type LinesOptions, type LinesService, type LineView, type NewPeriod, type PlanHolder,
} from './lines.service.js';
export {
  DEFAULT_GRACE_MS, LINE_STATUSES, MAX_VALIDITY_DAYS, graceEndsAtMs, lineStatusAt, nextPeriod, periodAt, validUntilMs, validityLeft,
  type AllowanceSummary, type Line, type LineStatus, type Period,
} from './lines.js';
export type { AddPeriodResult, LineRenewalState, PeriodsAddedListener } from './lines.periods.js';
export { linesRoutes } from './lines.routes.js';
export { linesMigrations } from './lines.migrations.js';
/** For usage charging in the balances module: lines by number or ICCID, their periods, ownership. */
export { linesForUsage, type LineForUsage } from './lines.usage.js';
