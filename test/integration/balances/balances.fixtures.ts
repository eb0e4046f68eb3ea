import { pino } from 'pino';
import { DAY_MS, ManualClock } from '../../../src/platform/clock.js';
import { inTransaction, type Database, type Db, type Tx } from '../../../src/platform/db/database.js';
import { platformMigrations } from '../../../src/platform/db/platform.migrations.js';
import { createIdFactory } from '../../../src/platform/ids.js';
import { JobRunner } from '../../../src/platform/jobs/index.js';
import {
  balancesMigrations, createBalancesService, createUsageService, type BalancesService, type GrantInput, type UsageLineRef, type UsageService,
} from '../../../src/modules/balances/index.js';

export const balancesTestMigrations = { ...platformMigrations, ...balancesMigrations };
export const START_MS = Date.UTC(2026, 10, 27, 9, 0, 0);

/** The plan every harness line holds: data and voice rated in the zone `WORLD` (US, CN), SMS blocked. */
export const HARNESS_PLAN = 'PROP-PLAN';
export const HARNESS_OVERAGE = {
  data: { mode: 'rated', incrementUnits: 100, rates: [{ zoneCode: 'WORLD', prices: [{ currency: 'USD', amountMinor: 7 }] }] },
  voice: { mode: 'rated', incrementUnits: 60, rates: [{ zoneCode: 'WORLD', prices: [{ currency: 'USD', amountMinor: 20 }] }] },
  sms: { mode: 'blocked' },
} as const;

export interface BalancesHarness {
  readonly clock: ManualClock;
  readonly balances: BalancesService;
  /** Usage charging with lines and the catalog faked: `msisdnOf(lineId)` names a line of `HARNESS_PLAN`, valid forever. */
  readonly usage: UsageService;
  msisdnOf(lineId: string): string;
  readonly jobs: JobRunner;
  /** A fresh line id, so that tests sharing the file's database do not see each other's buckets. */
  newLineId(): string;
  db(): Db;
  tx<T>(work: (tx: Tx) => Promise<T>): Promise<T>;
}

/** A number that the harness's fake lines module maps back to the line. */
function msisdnOf(lineId: string): string {
  return `+1${lineId.slice('lin_'.length)}`;
}

export function createHarness(database: Database, clock = new ManualClock(START_MS), options: { cachedLines?: number } = {}): BalancesHarness {
  const ids = createIdFactory(clock);
  const balances = createBalancesService({ database, clock, ids });
  const lineOf = (lineId: string): UsageLineRef => ({ id: lineId, customerId: 'cus_harness', msisdn: msisdnOf(lineId), iccid: `iccid:${lineId}` });
  const usage = createUsageService({
    database, clock, ids, ...options,
    lines: {
      findLinesForUsage: async (_db, refs) => refs.msisdns.filter((m) => m.startsWith('+1')).map((m) => lineOf(`lin_${m.slice(2)}`)),
      listPeriodsForUsage: async (_db, lineIds) => lineIds.map((lineId) => ({ lineId, planCode: HARNESS_PLAN, startsAtMs: 0, endsAtMs: 8_000_000_000_000 })),
      findLineForUsage: async (_db, lineId) => lineOf(lineId),
      assertCustomerLine: async () => undefined,
    },
    catalog: {
      overageOf: async (code) => (code === HARNESS_PLAN ? HARNESS_OVERAGE : undefined),
      zoneCountries: async (code) => (code === 'WORLD' ? ['US', 'CN'] : undefined),
    },
  });
  const jobs = new JobRunner({ database, clock, log: pino({ level: 'silent' }), handlers: new Map([...balances.jobHandlers, ...usage.jobHandlers]) });
  return {
    clock, balances, usage, jobs,
    msisdnOf,
    newLineId: () => ids('lin'),
    db: () => database.db,
    tx: (work) => inTransaction(database.db, work),
  };
}

let grantCounter = 0;

/** A 30-day data grant of 1000 bytes starting now, from order `sourceId`; fields can be overridden. */
export function dataGrant(lineId: string, nowMs: number, overrides: Partial<GrantInput> = {}): GrantInput {
  return {
    lineId,
    kind: 'data',
    amount: 1000,
    validFromMs: nowMs,
    validUntilMs: nowMs + 30 * DAY_MS,
    coverage: { zoneCode: 'EU', countries: ['FR', 'DE', 'ES'] },
    priority: 0,
    source: 'order',
    sourceId: `ord_${lineId}`,
    idempotencyKey: `grant:${lineId}:${(grantCounter += 1)}`,
    ...overrides,
  };
}
