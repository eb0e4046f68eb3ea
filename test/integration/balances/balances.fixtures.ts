import { pino } from 'pino';
import { DAY_MS, ManualClock } from '../../../src/platform/clock.js';
import { inTransaction, type Database, type Db, type Tx } from '../../../src/platform/db/database.js';
import { platformMigrations } from '../../../src/platform/db/platform.migrations.js';
import { createIdFactory } from '../../../src/platform/ids.js';
import { JobRunner } from '../../../src/platform/jobs/index.js';
import { balancesMigrations, createBalancesService, type BalancesService, type GrantInput } from '../../../src/modules/balances/index.js';

export const balancesTestMigrations = { ...platformMigrations, ...balancesMigrations };
export const START_MS = Date.UTC(2026, 10, 27, 9, 0, 0);

export interface BalancesHarness {
  readonly clock: ManualClock;
  readonly balances: BalancesService;
  readonly jobs: JobRunner;
  /** A fresh line id, so that tests sharing the file's database do not see each other's buckets. */
  newLineId(): string;
  db(): Db;
  tx<T>(work: (tx: Tx) => Promise<T>): Promise<T>;
}

export function createHarness(database: Database, clock = new ManualClock(START_MS)): BalancesHarness {
  const ids = createIdFactory(clock);
  const balances = createBalancesService({ database, clock, ids });
  const jobs = new JobRunner({ database, clock, log: pino({ level: 'silent' }), handlers: balances.jobHandlers });
  return {
    clock, balances, jobs,
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
