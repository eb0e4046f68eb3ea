import { assert } from '../../platform/assert.js';
import type { PlatformContext } from '../../platform/context.js';
import { inTransaction, type Executor, type Tx } from '../../platform/db/database.js';
import { enqueueJob, enqueueJobs, type Job, type JobHandler } from '../../platform/jobs/index.js';
import type { Currency } from '../../platform/money.js';
import type { AccountsService } from '../accounts/index.js';
import type { LinesService, Period } from '../lines/index.js';
import type { NotificationsService } from '../notifications/index.js';
import { checkPriceChange, requireCurrency, type PriceVersion } from './catalog.js';
import { catalogErrors } from './catalog.errors.js';
import { insertPrices, listPriceRows, lockPlanRowByCode, type PlanPriceRow } from './catalog.repository.js';
import { toPriceVersion, type PlansService } from './catalog.service.js';
import { priceNoticesTo, subscriberSteps, type NoticeableChange } from './price-changes.js';
import {
  PRICE_CHANGES_LIST_LIMIT, countNotices, findPriceChange, insertNoticesIfAbsent, insertPriceChange, listPriceChangesOfPlan,
  listPriceRowsOfChanges, listUpcomingPriceChanges, type PriceChangeRow,
} from './price-changes.repository.js';

/** A batch of price changes announced together, with both dates. */
export interface PriceChangeRequest {
  readonly changes: ReadonlyArray<{ readonly planCode: string; readonly currency: Currency; readonly amountMinor: number }>;
  /** From when new orders pay the new prices. */
  readonly effectiveAtMs: number;
  /** From when existing subscribers pay them (the stated date, after notice). */
  readonly subscriberEffectiveAtMs: number;
  readonly staffId?: string;
}

/** One plan's part of a scheduled price change (what staff see of it). */
export interface PriceChange {
  readonly id: string;
  readonly planCode: string;
  readonly effectiveAtMs: number;
  readonly subscriberEffectiveAtMs: number;
  /** Existing subscribers will pay a different price from `subscriberEffectiveAtMs`, so they are told. */
  readonly subscribersAffected: boolean;
  readonly prices: readonly PriceVersion[];
  /** Customers told so far. */
  readonly customersTold: number;
  readonly createdBy: string | null;
  readonly createdAtMs: number;
}

export interface PriceChangeScheduled {
  readonly prices: ReadonlyArray<PriceVersion & { readonly planCode: string }>;
  /** One change per plan of the request. */
  readonly changes: readonly PriceChange[];
  /** Plans whose existing subscribers will pay a different price: a notice job is queued for each. */
  readonly affectedPlanCodes: readonly string[];
}

/** What the notices need from other modules (wired in src/app/services.ts). */
export interface PriceNoticeDeps {
  readonly lines: Pick<LinesService, 'listPlanHolders' | 'renewalStatesOf'>;
  readonly accounts: { readonly profile: Pick<AccountsService['profile'], 'getCustomers'> };
  readonly notifications: Pick<NotificationsService, 'queueMany'>;
}

/** One line whose customer a plan's price changes concern, as a holder source lists it. */
export interface PlanHolderEntry {
  readonly lineId: string;
  readonly customerId: string;
  /**
   * When the customer agreed to the plan's price, if that matters: a change scheduled at or before
   * then was already known to them, so they are not told of it. Absent: told of every change.
   */
  readonly agreedAtMs?: number;
}

/**
 * Customers a plan's price changes concern beyond the lines holding it (the auto-renew policies that
 * switch to the plan), registered by another module with `addPlanHolderSource`. `list` returns a
 * page in line order after the line id `after`, read with the notice job's transaction; `name` is
 * stable, since follow-up jobs carry it.
 */
export interface PlanHolderSource {
  readonly name: string;
  list(executor: Executor, planCode: string, page: { readonly limit: number; readonly after?: string }): Promise<readonly PlanHolderEntry[]>;
}

export interface PriceNoticeOptions {
  /** Lines read per page, one transaction each (default 200). */
  readonly pageSize?: number;
  /** Pages one job run goes through before it hands the rest to a follow-up job (default 50). */
  readonly pagesPerRun?: number;
}

/**
 * `catalog.price_change_notices {priceChangeId, source?, after?}`: tells a plan's subscribers of a
 * change, from the holder source `source` (default: the lines holding the plan) on.
 */
export const PRICE_NOTICE_JOB = 'catalog.price_change_notices';

/** The first holder source of every notice job: the lines holding the plan. */
const LINE_HOLDERS = 'lines';

const MAX_PRICE_CHANGES = 200;
const MAX_HOLDER_SOURCES = 8;

function parsePayload(payload: unknown): { priceChangeId: string; source?: string; after?: string } {
  const value = payload as { priceChangeId?: unknown; source?: unknown; after?: unknown } | null;
  assert(typeof value?.priceChangeId === 'string', `${PRICE_NOTICE_JOB} needs a priceChangeId`);
  return {
    priceChangeId: value.priceChangeId,
    ...(typeof value.source === 'string' ? { source: value.source } : {}),
    ...(typeof value.after === 'string' ? { after: value.after } : {}),
  };
}

/**
 * Price changes: scheduling them (new orders from one date, existing subscribers from a stated date
 * after notice), listing them for staff, and telling every subscriber once per change, by a job
 * queued in the transaction of the change that pages through the plan's lines.
 */
export function createPriceChangesService(ctx: PlatformContext, plans: PlansService, deps?: PriceNoticeDeps, options: PriceNoticeOptions = {}) {
  const { database, clock, ids, log } = ctx;
  const db = database.db;
  const pageSize = options.pageSize ?? 200;
  const pagesPerRun = options.pagesPerRun ?? 50;
  assert(Number.isInteger(pageSize) && pageSize >= 1 && pageSize <= 1000, 'pageSize is 1..1000');
  assert(Number.isInteger(pagesPerRun) && pagesPerRun >= 1, 'pagesPerRun is at least 1');
  const holderSources: PlanHolderSource[] = [];

  /**
   * Adds a source of customers to tell of every price change, after the lines holding the plan
   * (late-bound: the modules that know them are created after the catalog).
   */
  function addPlanHolderSource(source: PlanHolderSource): void {
    assert(source.name !== LINE_HOLDERS && holderSources.every((s) => s.name !== source.name), `holder source ${source.name} is added once`);
    assert(holderSources.length < MAX_HOLDER_SOURCES, `at most ${MAX_HOLDER_SOURCES} holder sources`);
    holderSources.push(source);
  }

  async function viewsOf(executor: Executor, rows: readonly PriceChangeRow[]): Promise<PriceChange[]> {
    const prices = await listPriceRowsOfChanges(executor, rows.map((r) => r.id));
    const told = await countNotices(executor, rows.map((r) => r.id));
    return rows.map((row) => ({
      id: row.id, planCode: row.plan_code, effectiveAtMs: row.effective_at, subscriberEffectiveAtMs: row.subscriber_effective_at,
      subscribersAffected: row.subscribers_affected === 1, prices: prices.filter((p) => p.price_change_id === row.id).map(toPriceVersion),
      customersTold: told.get(row.id) ?? 0, createdBy: row.created_by, createdAtMs: row.created_at,
    }));
  }

  async function schedulePriceChange(request: PriceChangeRequest): Promise<PriceChangeScheduled> {
    const { changes, effectiveAtMs, subscriberEffectiveAtMs } = request;
    if (changes.length === 0 || changes.length > MAX_PRICE_CHANGES) {
      throw catalogErrors.priceChangeInvalid(`Give 1 to ${MAX_PRICE_CHANGES} price changes`);
    }
    const keys = changes.map((c) => `${c.planCode.trim().toUpperCase()}/${c.currency}`);
    if (new Set(keys).size !== keys.length) throw catalogErrors.priceChangeInvalid('A plan and currency appear twice in one price change');
    const changeIds = await inTransaction(db, async (tx) => {
      const nowMs = clock.nowMs();
      const byPlan = new Map<string, { id: string; planId: string; affected: boolean }>();
      const rows: PlanPriceRow[] = [];
      for (const change of changes) {
        const currency = requireCurrency(change.currency);
        const plan = await lockPlanRowByCode(tx, database.dialect, change.planCode.trim().toUpperCase());
        if (plan === undefined) throw catalogErrors.planNotFound(change.planCode);
        const existing = (await listPriceRows(tx, [plan.id])).map(toPriceVersion).filter((v) => v.currency === currency);
        const { subscriberPriceChanges } = checkPriceChange(plan.code, existing, { amountMinor: change.amountMinor, effectiveAtMs, subscriberEffectiveAtMs }, nowMs);
        const group = byPlan.get(plan.code) ?? { id: ids('pch'), planId: plan.id, affected: false };
        group.affected ||= subscriberPriceChanges;
        byPlan.set(plan.code, group);
        rows.push({
          id: ids('prc'), plan_id: plan.id, currency, amount_minor: change.amountMinor, effective_at: effectiveAtMs,
          subscriber_effective_at: subscriberEffectiveAtMs, created_by: request.staffId ?? null, created_at: nowMs, price_change_id: group.id,
        });
      }
      for (const group of byPlan.values()) {
        await insertPriceChange(tx, {
          id: group.id, plan_id: group.planId, effective_at: effectiveAtMs, subscriber_effective_at: subscriberEffectiveAtMs,
          subscribers_affected: group.affected ? 1 : 0, created_by: request.staffId ?? null, created_at: nowMs,
        });
      }
      await insertPrices(tx, rows);
      // The notices go in the same commit as the change: a change is never left untold.
      await enqueueJobs(tx, ids, clock, [...byPlan.values()].filter((g) => g.affected).map((g) => ({
        kind: PRICE_NOTICE_JOB, payload: { priceChangeId: g.id }, dedupeKey: `${PRICE_NOTICE_JOB}:${g.id}`,
      })));
      return [...byPlan.values()].map((g) => g.id);
    });
    const views = await Promise.all(changeIds.map(async (id) => viewsOf(db, [await mustFind(db, id)])));
    const flat = views.flat();
    return {
      prices: flat.flatMap((c) => c.prices.map((p) => ({ ...p, planCode: c.planCode }))),
      changes: flat,
      affectedPlanCodes: flat.filter((c) => c.subscribersAffected).map((c) => c.planCode).sort(),
    };
  }

  async function mustFind(executor: Executor, id: string): Promise<PriceChangeRow> {
    const row = await findPriceChange(executor, id);
    assert(row !== undefined, `price change ${id} exists`);
    return row;
  }

  /** The plan's price changes, newest first (at most 200); throws `catalog.plan_not_found`. */
  async function listPriceChanges(planCode: string): Promise<PriceChange[]> {
    const plan = await plans.getPlan(planCode);
    return viewsOf(db, await listPriceChangesOfPlan(db, plan.id, PRICE_CHANGES_LIST_LIMIT));
  }

  async function noticeableChange(executor: Executor, row: PriceChangeRow): Promise<NoticeableChange> {
    const plan = await plans.getPlan(row.plan_code, executor);
    const versions = (await listPriceRowsOfChanges(executor, [row.id])).map(toPriceVersion);
    return {
      id: row.id, plan, effectiveAtMs: row.effective_at, subscriberEffectiveAtMs: row.subscriber_effective_at,
      steps: subscriberSteps(plan, versions),
    };
  }

  /**
   * Tells these customers of the change in the caller's transaction, each at most once ever (the
   * notice row and the messages commit together). Customers without a verified contact are not
   * recorded as told. Returns how many were told now.
   */
  async function tellCustomers(tx: Tx, noticeDeps: PriceNoticeDeps, change: NoticeableChange, customerIds: readonly string[]): Promise<number> {
    if (customerIds.length === 0 || change.steps.length === 0) return 0;
    const nowMs = clock.nowMs();
    const customers = await noticeDeps.accounts.profile.getCustomers(tx, customerIds);
    const reachable = [...customers.values()].map((customer) => ({ customer, messages: priceNoticesTo(customer, change) }))
      .filter((c) => c.messages.length > 0);
    const fresh = await insertNoticesIfAbsent(tx, reachable.map((c) => ({ price_change_id: change.id, customer_id: c.customer.id, told_at: nowMs })));
    await noticeDeps.notifications.queueMany(tx, reachable.filter((c) => fresh.has(c.customer.id)).flatMap((c) => c.messages));
    return fresh.size;
  }

  function lineHolders(noticeDeps: PriceNoticeDeps): PlanHolderSource {
    return {
      name: LINE_HOLDERS,
      list: (executor, planCode, page) => noticeDeps.lines.listPlanHolders(executor, planCode, { atMs: clock.nowMs(), ...page }),
    };
  }

  /**
   * The notice job: pages through the lines holding the plan, then through each added holder source
   * (one transaction per page), telling each customer once. After `pagesPerRun` pages, or when the
   * worker stops, it queues a follow-up job from where it is. Running it twice, or a worker dying
   * midway, tells nobody twice.
   */
  async function sendPriceNotices(noticeDeps: PriceNoticeDeps, job: Job): Promise<void> {
    const payload = parsePayload(job.payload);
    const row = await findPriceChange(db, payload.priceChangeId);
    if (row === undefined) {
      log.warn({ priceChangeId: payload.priceChangeId }, 'price change notice job for an unknown change');
      return;
    }
    const sources = [lineHolders(noticeDeps), ...holderSources];
    let index = sources.findIndex((s) => s.name === (payload.source ?? LINE_HOLDERS));
    if (index < 0) {
      log.warn({ priceChangeId: row.id, source: payload.source }, 'price change notice job for an unknown holder source');
      return;
    }
    const change = await noticeableChange(db, row);
    let after = payload.after;
    for (let page = 1; ; page += 1) {
      const more = await inTransaction(db, async (tx) => {
        const source = sources[index];
        assert(source !== undefined, 'the notice job is inside its sources');
        const holders = await source.list(tx, change.plan.code, { limit: pageSize, ...(after === undefined ? {} : { after }) });
        // Someone who agreed to the plan's price once this change was scheduled was shown the new price then.
        const concerned = holders.filter((h) => h.agreedAtMs === undefined || h.agreedAtMs < row.created_at);
        await tellCustomers(tx, noticeDeps, change, [...new Set(concerned.map((h) => h.customerId))]);
        after = holders.at(-1)?.lineId ?? after;
        if (holders.length < pageSize) {
          index += 1;
          after = undefined;
        }
        const next = sources[index];
        if (next === undefined) return false;
        if (page >= pagesPerRun || job.signal?.aborted === true) {
          await enqueueJob(tx, ids, clock, {
            kind: PRICE_NOTICE_JOB, payload: { priceChangeId: change.id, source: next.name, ...(after === undefined ? {} : { after }) },
            dedupeKey: `${PRICE_NOTICE_JOB}:${change.id}:${next.name}:${after ?? ''}`,
          });
          return false;
        }
        return true;
      });
      if (!more) return;
    }
  }

  /**
   * Someone who buys a plan before a scheduled rise reaches new orders buys at the old price and
   * will pay the new one from the stated date: told in the transaction that adds the period (the
   * notice job may have run before they subscribed). Once per customer and change, as always.
   */
  async function onPeriodsAdded(noticeDeps: PriceNoticeDeps, tx: Tx, periods: readonly Period[]): Promise<void> {
    if (periods.length === 0) return;
    const upcoming = await listUpcomingPriceChanges(tx, periods.map((p) => p.planCode), clock.nowMs());
    if (upcoming.length === 0) return;
    const concerned = periods.filter((p) => upcoming.some((c) => c.plan_code === p.planCode));
    const states = await noticeDeps.lines.renewalStatesOf(tx, concerned.map((p) => p.lineId));
    for (const row of upcoming) {
      const customerIds = concerned.filter((p) => p.planCode === row.plan_code).map((p) => states.get(p.lineId)?.line.customerId)
        .filter((id): id is string => id !== undefined);
      await tellCustomers(tx, noticeDeps, await noticeableChange(tx, row), [...new Set(customerIds)]);
    }
  }

  const jobHandlers = new Map<string, JobHandler>(deps === undefined ? [] : [[PRICE_NOTICE_JOB, (job) => sendPriceNotices(deps, job)]]);

  return {
    schedulePriceChange,
    listPriceChanges,
    addPlanHolderSource,
    jobHandlers,
    /** The lines module's `PeriodsAddedListener` (wired in src/app/services.ts); does nothing without notice deps. */
    onPeriodsAdded: (tx: Tx, periods: readonly Period[]): Promise<void> => (deps === undefined ? Promise.resolve() : onPeriodsAdded(deps, tx, periods)),
  };
}

export type PriceChangesService = ReturnType<typeof createPriceChangesService>;
