import { insertRows } from '../src/platform/db/bulk.js';
import { inTransaction, type Database } from '../src/platform/db/database.js';
import type { IdFactory } from '../src/platform/ids.js';
import type { Currency } from '../src/platform/money.js';
import type { CustomerTable } from '../src/modules/accounts/accounts.repository.js';
import type { LinePeriodTable, LineTable } from '../src/modules/lines/lines.repository.js';
import type { BalancesService, GrantInput, UsageKind, UsageRecordInput } from '../src/modules/balances/index.js';

const LINES_PER_TRANSACTION = 2000;
const DAY_MS = 86_400_000;
const MB = 1024 * 1024;

/** A plan the benchmark's lines hold, with its zone and what a line of it is granted. */
export interface BenchPlan {
  readonly code: string;
  readonly currency: Currency;
  readonly zone: readonly string[];
  readonly dataBytes: number;
  readonly voiceSeconds: number;
  readonly smsCount: number;
}

export const EUROPE = 'AT BE BG HR CY CZ DK EE FI FR DE GR HU IE IT LV LT LU MT NL PL PT RO SK SI ES SE GB CH NO IS LI'.split(' ');
export const APAC = 'AU CN HK ID JP KH KR MO MY NZ PH SG TH TW VN'.split(' ');

/** The demo catalog's plans: rated overage (EU combo, APAC data) and "stops when used up" (Japan). */
export const BENCH_PLANS: readonly BenchPlan[] = [
  { code: 'EU-COMBO-15D', currency: 'EUR', zone: EUROPE, dataBytes: 12 * 1024 * MB, voiceSeconds: 6000, smsCount: 50 },
  { code: 'APAC-DATA-7D', currency: 'USD', zone: APAC, dataBytes: 3 * 1024 * MB, voiceSeconds: 0, smsCount: 0 },
  { code: 'JP-DATA-7D', currency: 'USD', zone: ['JP'], dataBytes: 5 * 1024 * MB, voiceSeconds: 0, smsCount: 0 },
];

export function planOfLine(n: number): BenchPlan {
  const pick = n % 10;
  return BENCH_PLANS[pick < 6 ? 0 : pick < 9 ? 1 : 2] as BenchPlan;
}

/** One line in ten has a small data allowance (a cheap plan, or mostly used): its usage runs into overage. */
export const isSmallDataLine = (n: number): boolean => n % 10 === 3;
export const hasMoney = (n: number): boolean => n % 2 === 0;
export const msisdnOf = (n: number): string => `+4477${String(n).padStart(8, '0')}`;

/**
 * Creates `lines` lines as fulfilment leaves them: a customer, the line, its period of a demo plan,
 * and the plan's buckets (granted through `balances.grantMany`, with their ledger transactions and
 * expiry jobs), plus a money balance for every other line. Customers, lines and periods are written
 * in bulk: setting up 100,000 lines through orders would measure orders, not charging.
 */
export async function makeLines(database: Database, ids: IdFactory, balances: BalancesService, lines: number, nowMs: number): Promise<void> {
  const { db } = database;
  const startsAtMs = nowMs - DAY_MS;
  for (let start = 0; start < lines; start += LINES_PER_TRANSACTION) {
    const count = Math.min(LINES_PER_TRANSACTION, lines - start);
    const customers: CustomerTable[] = [];
    const rows: LineTable[] = [];
    const periods: LinePeriodTable[] = [];
    const grants: GrantInput[] = [];
    for (let k = 0; k < count; k += 1) {
      const n = start + k;
      const plan = planOfLine(n);
      const customerId = ids('cus');
      const lineId = ids('lin');
      customers.push({
        id: customerId, status: 'active', email: `bench.${n}@example.com`, email_verified_at: nowMs, phone: null, phone_country: null,
        phone_verified_at: null, password_hash: 'bench-no-sign-in', name: null, language: n % 3 === 0 ? 'zh-CN' : 'en', currency: plan.currency,
        marketing_opt_in: 0, created_at: nowMs, updated_at: nowMs,
      });
      rows.push({ id: lineId, customer_id: customerId, iccid: `8944${String(n).padStart(15, '0')}`, msisdn: msisdnOf(n), type: 'esim', created_at: nowMs });
      const validUntilMs = startsAtMs + 30 * DAY_MS;
      periods.push({ id: ids('prd'), line_id: lineId, plan_code: plan.code, starts_at: startsAtMs, ends_at: validUntilMs, order_id: `ord_bench_${n}`, created_at: nowMs });
      const coverage = { zoneCode: plan.code, countries: plan.zone };
      const grant = (kind: GrantInput['kind'], amount: number, extra: Partial<GrantInput> = {}): void => {
        if (amount > 0) {
          grants.push({
            lineId, kind, amount, validFromMs: startsAtMs, validUntilMs, coverage, priority: 100, source: 'order',
            sourceId: `ord_bench_${n}`, idempotencyKey: `bench:${n}:${kind}`, ...extra,
          });
        }
      };
      grant('data', isSmallDataLine(n) ? 20 * MB : plan.dataBytes);
      grant('voice', plan.voiceSeconds);
      grant('sms', plan.smsCount);
      if (hasMoney(n)) grant('money', 2000, { currency: plan.currency, source: 'adjustment', sourceId: `adj_bench_${n}` });
    }
    await inTransaction(db, async (tx) => {
      // Multi-row statements built once per shape (the query builder costs more than the rows here).
      await insertRows(tx, 'customer', customers);
      await insertRows(tx, 'line', rows);
      await insertRows(tx, 'line_period', periods);
      await balances.grantMany(tx, grants);
    });
  }
}

/** A small, fast, seedable PRNG (mulberry32), so every run charges the same records. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const OUTSIDE = ['US', 'BR', 'IN', 'ZA', 'AE'];

/**
 * Batch `b` of the workload, built on demand (memory does not grow with the record count): most
 * records data, some voice and SMS; about 5 % in a country outside the line's plan (blocked or
 * charged at overage where a rate applies), and about 1 % repeats of an earlier record id.
 */
export function makeBatch(b: number, size: number, lines: number, tag: string, startedAtMs: number): UsageRecordInput[] {
  const random = prng(b * 7919 + 17);
  const out: UsageRecordInput[] = [];
  for (let i = 0; i < size; i += 1) {
    const seq = b * size + i;
    // A repeat: the network resends a record of this batch or of the one before.
    if (random() < 0.01 && seq > size) {
      const earlier = seq - 1 - Math.floor(random() * size);
      out.push(recordFor(earlier, lines, tag, startedAtMs));
      continue;
    }
    out.push(recordFor(seq, lines, tag, startedAtMs));
  }
  return out;
}

function recordFor(seq: number, lines: number, tag: string, startedAtMs: number): UsageRecordInput {
  const random = prng(seq * 31 + 5);
  const n = Math.floor(random() * lines);
  const plan = planOfLine(n);
  const roll = random();
  const type: UsageKind = roll < 0.8 ? 'data' : roll < 0.92 ? 'voice' : 'sms';
  const quantity = type === 'data' ? 50 * 1024 + Math.floor(random() * 20 * MB) : type === 'voice' ? 5 + Math.floor(random() * 600) : 1;
  const country = random() < 0.05 ? OUTSIDE[seq % OUTSIDE.length] ?? 'US' : plan.zone[seq % plan.zone.length] ?? 'FR';
  return { recordId: `${tag}-${seq}`, msisdn: msisdnOf(n), type, quantity, country, startedAtMs: startedAtMs - (seq % 3600) * 1000 };
}
