import { assert } from '../../platform/assert.js';
import type { PlatformContext } from '../../platform/context.js';
import { inTransaction, type Executor, type Tx } from '../../platform/db/database.js';
import { isDomainError, NotFoundError } from '../../platform/errors.js';
import { isId } from '../../platform/ids.js';
import type { Language } from '../../platform/i18n.js';
import { parseContact, type AccountsService, type RequestMeta } from '../accounts/index.js';
import { esimActivationOf, type EsimActivation, type ProvisioningService, type Sim, type SimStatus, type SimType } from '../provisioning/index.js';
import {
  DEFAULT_GRACE_MS, graceEndsAtMs, lastStartedPeriod, lineStatusAt, nextPeriod, periodAt, validUntilMs, validityLeft,
  type AllowanceSummary, type Line, type LineStatus, type Period,
} from './lines.js';
import { linesErrors } from './lines.errors.js';
import { createPeriodBatches, type PeriodsAddedListener } from './lines.periods.js';
import {
  findCustomerLine, findLineById, findPeriodByOrder, insertLineIfAbsent, insertPeriodIfAbsent, listCustomerLines,
  listLinesWithPlan, listRelevantPeriods, toLine, toPeriod, type LineTable,
} from './lines.repository.js';

/** Integration point with the balances module: what is left on a line (`balances.summarize`). */
export interface AllowanceSource {
  summarize(db: Executor, lineId: string, atMs: number): Promise<readonly AllowanceSummary[]>;
}

export interface LinesDeps extends PlatformContext {
  readonly accounts: AccountsService;
  readonly provisioning: ProvisioningService;
  /** Absent until the balances module is wired in: lines then show no allowances. */
  readonly allowances?: AllowanceSource;
}

export interface LinesOptions {
  /** How long a line stays in `grace` after its last period ends (default 3 days). */
  readonly graceMs?: number;
}

/** A line as its owner sees it at one instant: status and validity derived from its periods. */
export interface LineView extends Line {
  readonly status: LineStatus;
  readonly currentPeriod: Period | undefined;
  /** The plan of the current period or, after it has ended, of the last one (what "renew" offers). */
  readonly lastPlanCode: string | undefined;
  /** The end of the current period and of the periods queued right after it. */
  readonly validUntilMs: number | undefined;
  readonly validityLeft: { readonly seconds: number; readonly days: number };
  /** While in `grace`: when the line expires. */
  readonly graceEndsAtMs: number | undefined;
  readonly esim: EsimActivation | undefined;
}

export interface NewPeriod {
  readonly lineId: string;
  readonly planCode: string;
  readonly startsAtMs: number;
  readonly endsAtMs: number;
  readonly orderId: string;
}

/** A line that holds a plan, and its customer (`listPlanHolders`). */
export interface PlanHolder {
  readonly lineId: string;
  readonly customerId: string;
}

/** Bounds on what one read loads: lines per page, periods queued ahead of a line. */
export const MAX_LINES_PAGE = 100;
/** The most plan holders one `listPlanHolders` page returns. */
export const MAX_PLAN_HOLDERS_PAGE = 1000;
const MAX_QUEUED_PERIODS = 100;

/** The E.164 number and country of a SIM's number as typed; `lines.msisdn_invalid` otherwise. */
export function parseMsisdn(input: string, country?: string): { kind: 'phone'; value: string; country: string } {
  if (input.includes('@')) throw linesErrors.msisdnInvalid();
  try {
    const contact = parseContact(input, country);
    assert(contact.kind === 'phone', 'a number without @ parses as a phone');
    return contact;
  } catch (error) {
    if (isDomainError(error) && error.code === 'accounts.contact_invalid') throw linesErrors.msisdnInvalid();
    throw error;
  }
}

/**
 * Lines (one SIM each) of customers: attaching a claimable SIM with an SMS code, creating the line
 * of a newly sold SIM, and the periods of service that renewals add.
 */
export function createLinesService(deps: LinesDeps, options: LinesOptions = {}) {
  const { database, clock, ids, accounts, provisioning } = deps;
  const db = database.db;
  const graceMs = options.graceMs ?? DEFAULT_GRACE_MS;
  assert(Number.isSafeInteger(graceMs) && graceMs >= 0, 'graceMs must be a non-negative integer');

  const periodListeners: PeriodsAddedListener[] = [];
  async function notifyPeriodsAdded(tx: Tx, periods: readonly Period[]): Promise<void> {
    for (const listener of periodListeners) await listener(tx, periods);
  }
  const batches = createPeriodBatches({ ids, clock }, notifyPeriodsAdded);

  async function periodsOf(executor: Executor, lineId: string, atMs: number): Promise<Period[]> {
    return (await listRelevantPeriods(executor, lineId, atMs, MAX_QUEUED_PERIODS)).map(toPeriod);
  }

  async function viewOf(executor: Executor, row: LineTable, atMs: number): Promise<LineView> {
    const periods = await periodsOf(executor, row.id, atMs);
    const sim = row.type === 'esim' ? await provisioning.findSim(executor, row.iccid) : undefined;
    return {
      ...toLine(row),
      status: lineStatusAt({ periods, atMs, graceMs }),
      currentPeriod: periodAt(periods, atMs),
      lastPlanCode: lastStartedPeriod(periods, atMs)?.planCode,
      validUntilMs: validUntilMs(periods, atMs),
      validityLeft: validityLeft(periods, atMs),
      graceEndsAtMs: graceEndsAtMs({ periods, atMs, graceMs }),
      esim: sim === undefined ? undefined : esimActivationOf(sim),
    };
  }

  async function getLine(executor: Executor, customerId: string, lineId: string): Promise<LineView> {
    const row = await findCustomerLine(executor, customerId, lineId);
    if (row === undefined) throw new NotFoundError('line');
    return viewOf(executor, row, clock.nowMs());
  }

  async function assignAndCreate(tx: Tx, input: { customerId: string; sim: Sim; lineId?: string }, from: readonly SimStatus[]): Promise<Line> {
    const { customerId } = input;
    let sim = input.sim;
    if (sim.status === 'assigned') {
      // Allocated for this line earlier in the transaction: the allocation chose the line id.
      const current = await provisioning.findSim(tx, sim.iccid);
      assert(current?.status === 'assigned' && current.lineId !== null && current.lineId === sim.lineId, `SIM ${sim.iccid} is not assigned as given`);
      assert(input.lineId === undefined || input.lineId === current.lineId, 'the SIM is assigned to another line id');
      sim = current;
    } else {
      sim = await provisioning.markAssigned(tx, sim.iccid, input.lineId ?? ids('lin'), { from });
    }
    const lineId = sim.lineId;
    assert(lineId !== null, 'an assigned SIM has a line');
    const row: LineTable = { id: lineId, customer_id: customerId, iccid: sim.iccid, msisdn: sim.msisdn, type: sim.type, created_at: clock.nowMs() };
    if (await insertLineIfAbsent(tx, row)) return toLine(row);
    // The same fulfilment again: the line exists already, for this customer and SIM.
    const existing = await findLineById(tx, lineId);
    assert(existing !== undefined && existing.customer_id === customerId && existing.iccid === sim.iccid, `line ${lineId} belongs to another customer or SIM`);
    return toLine(existing);
  }

  return {
    graceMs,

    /**
     * Registers a listener told of every period added from now on, in the adding transaction (see
     * `PeriodsAddedListener`); wired once at start (src/app/services.ts).
     */
    onPeriodsAdded(listener: PeriodsAddedListener): void {
      periodListeners.push(listener);
    },

    /** Each existing line with its period that ends last (`LineRenewalState`), by id; for renewals. */
    renewalStatesOf: batches.renewalStatesOf,

    /** `addPeriod` for many orders at once (multi-row statements); per-item results, see `lines.periods.ts`. */
    addPeriods: batches.addPeriods,

    /**
     * Starts attaching a physical SIM bought in a shop: sends a 6-digit code by SMS to the SIM's
     * number (the accounts module's one-time codes: 10 minutes, 5 tries, the same rate limits and
     * SMS country allow-list as sign-in codes). Throws `lines.msisdn_invalid`,
     * `lines.sim_not_claimable` (unknown number, not claimable, or already someone's line),
     * `accounts.sms_country_not_allowed`, `accounts.code_resend_too_soon`, `accounts.code_rate_limited`.
     */
    async claimLine(customerId: string, input: { msisdn: string; country?: string }, meta: RequestMeta): Promise<{ channel: 'sms'; sentTo: string }> {
      const contact = parseMsisdn(input.msisdn, input.country);
      if ((await provisioning.findClaimableSim(db, contact.value)) === undefined) throw linesErrors.simNotClaimable();
      const customer = await accounts.profile.getCustomer(customerId);
      await inTransaction(db, (tx) => accounts.codes.issue(tx, {
        purpose: 'claim_line', contact, customerId, language: customer.language as Language, meta, payload: { customerId },
      }));
      return { channel: 'sms', sentTo: contact.value };
    },

    /**
     * Finishes a claim with the code sent to the SIM: consumes the code (single use) and, in one
     * transaction, creates the line and assigns the SIM to it. Throws `lines.sim_not_claimable`
     * (whoever holds it now), `accounts.code_invalid`, `accounts.code_expired`,
     * `accounts.code_attempts_exceeded`.
     */
    async verifyClaim(customerId: string, input: { msisdn: string; country?: string; code: string }): Promise<Line> {
      const contact = parseMsisdn(input.msisdn, input.country);
      if ((await provisioning.findClaimableSim(db, contact.value)) === undefined) throw linesErrors.simNotClaimable();
      const code = await accounts.codes.checkForDestination(db, 'claim_line', contact.value, input.code);
      const payload = JSON.parse(code.payload ?? 'null') as { customerId?: unknown } | null;
      // A code requested by another account for the same number proves nothing for this one.
      if (code.customer_id !== customerId || payload?.customerId !== customerId) throw linesErrors.codeInvalid();
      return inTransaction(db, async (tx) => {
        await accounts.codes.consume(tx, code.id);
        const sim = await provisioning.findClaimableSim(tx, contact.value);
        if (sim === undefined) throw linesErrors.simNotClaimable();
        try {
          return await assignAndCreate(tx, { customerId, sim }, ['claimable']);
        } catch (error) {
          if (isDomainError(error) && error.code === 'provisioning.sim_unavailable') throw linesErrors.simNotClaimable();
          throw error;
        }
      });
    },

    /**
     * Creates the customer's line for `sim`: a SIM already assigned by `allocateEsim` /
     * `reservePhysicalSim` in this transaction keeps its line id; an unassigned one (in stock or
     * claimable) is assigned to `lineId` or a new id (`provisioning.sim_unavailable` when it is not
     * free). Idempotent for the same SIM and customer.
     */
    createLineForSim: (tx: Tx, input: { customerId: string; sim: Sim; lineId?: string }): Promise<Line> =>
      assignAndCreate(tx, input, ['in_stock', 'claimable']),

    /**
     * Fulfilment of a new SIM order: takes an eSIM profile from the pool (or reserves a physical SIM
     * to ship) and creates the line. Throws `provisioning.esim_pool_empty` /
     * `provisioning.physical_stock_empty` (503).
     */
    async createLineWithNewSim(tx: Tx, input: { customerId: string; type: SimType }): Promise<Line> {
      const lineId = ids('lin');
      const sim = input.type === 'esim'
        ? await provisioning.allocateEsim(tx, { lineId })
        : await provisioning.reservePhysicalSim(tx, { lineId });
      return assignAndCreate(tx, { customerId: input.customerId, sim }, []);
    },

    /** The customer's line; someone else's or an unknown id is `request.not_found` alike. */
    getLine,

    /** The customer's lines, oldest first, at most `limit` (≤ 100) after the cursor `after` (a line id). */
    async listLines(executor: Executor, customerId: string, page: { limit?: number; after?: string } = {}): Promise<LineView[]> {
      const limit = Math.min(Math.max(1, page.limit ?? MAX_LINES_PAGE), MAX_LINES_PAGE);
      const rows = await listCustomerLines(executor, customerId, limit, page.after);
      const atMs = clock.nowMs();
      const views: LineView[] = [];
      for (const row of rows) views.push(await viewOf(executor, row, atMs));
      return views;
    },

    /** The line and what is left on it (`allowances`; empty until the balances module is wired in). */
    async getLineDetail(customerId: string, lineId: string): Promise<{ line: LineView; allowances: readonly AllowanceSummary[] }> {
      const line = await getLine(db, customerId, lineId);
      const allowances = deps.allowances === undefined ? [] : await deps.allowances.summarize(db, line.id, clock.nowMs());
      return { line, allowances };
    },

    /**
     * Lines that hold `planCode` at `atMs`: a period of it is current or queued, or ended less than
     * the grace time ago (the line can still renew it). Each line once, in line id order, after the
     * cursor `after` (a line id), at most `limit` (≤ 1000); a customer with several such lines
     * appears once per line. For other modules that must reach a plan's subscribers (the catalog's
     * price change notices).
     */
    async listPlanHolders(executor: Executor, planCode: string, page: { atMs: number; after?: string; limit?: number }): Promise<PlanHolder[]> {
      assert(Number.isSafeInteger(page.atMs), 'atMs must be an integer instant');
      const limit = Math.min(Math.max(1, page.limit ?? MAX_PLAN_HOLDERS_PAGE), MAX_PLAN_HOLDERS_PAGE);
      const rows = await listLinesWithPlan(executor, planCode, page.atMs - graceMs, limit, page.after);
      return rows.map((r) => ({ lineId: r.line_id, customerId: r.customer_id }));
    },

    /** The period that contains `atMs`, if any. */
    async currentPeriod(executor: Executor, lineId: string, atMs: number): Promise<Period | undefined> {
      return periodAt(await periodsOf(executor, lineId, atMs), atMs);
    },

    /** Where a renewal bought at `atMs` would start and end (see `nextPeriod`). */
    async nextPeriodFor(executor: Executor, lineId: string, input: { atMs: number; validityDays: number }): Promise<{ startsAtMs: number; endsAtMs: number }> {
      return nextPeriod({ periods: await periodsOf(executor, lineId, input.atMs), ...input });
    },

    /**
     * Adds a paid period to the line, exactly once per order: the same order again returns the
     * period it added; another order for the same start throws `lines.period_already_renewed`
     * (both enforced by unique constraints, so they hold under concurrency).
     */
    async addPeriod(tx: Tx, input: NewPeriod): Promise<Period> {
      assert(isId(input.lineId, 'lin'), 'periods are for a line id');
      assert(Number.isSafeInteger(input.startsAtMs) && Number.isSafeInteger(input.endsAtMs) && input.startsAtMs < input.endsAtMs, 'a period ends after it starts');
      assert(input.planCode.length > 0 && input.orderId.length > 0, 'a period has a plan and an order');
      const sameOrder = async (): Promise<Period | undefined> => {
        const row = await findPeriodByOrder(tx, input.orderId);
        assert(row === undefined || row.line_id === input.lineId, `order ${input.orderId} already renewed another line`);
        return row === undefined ? undefined : toPeriod(row);
      };
      const before = await sameOrder();
      if (before !== undefined) return before;
      const row = {
        id: ids('prd'), line_id: input.lineId, plan_code: input.planCode, starts_at: input.startsAtMs, ends_at: input.endsAtMs,
        order_id: input.orderId, created_at: clock.nowMs(),
      };
      if (await insertPeriodIfAbsent(tx, row)) {
        await notifyPeriodsAdded(tx, [toPeriod(row)]);
        return toPeriod(row);
      }
      // A concurrent insert won: either the same order (return it) or another renewal of this period.
      const raced = await sameOrder();
      if (raced !== undefined) return raced;
      throw linesErrors.periodAlreadyRenewed(input.lineId);
    },
  };
}

export type LinesService = ReturnType<typeof createLinesService>;
