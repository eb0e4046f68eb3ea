import { inTransaction, type Database } from '../src/platform/db/database.js';
import type { IdFactory } from '../src/platform/ids.js';
import type { CustomerTable } from '../src/modules/accounts/accounts.repository.js';
import type { LinePeriodTable, LineTable } from '../src/modules/lines/lines.repository.js';
import type { PaymentMethodTable } from '../src/modules/payments/payments.repository.js';
import type { AttemptRow, PolicyRow } from '../src/modules/renewals/renewals.repository.js';

const ROWS_PER_STATEMENT = 500;
const LINES_PER_TRANSACTION = 5000;
const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

export interface DueLinesOptions {
  readonly lines: number;
  readonly planCode: string;
  readonly currency: string;
  readonly totalMinor: number;
  /** The saved methods' provider, and the token it charges them with. */
  readonly provider: string;
  readonly methodToken: string;
  /** When every line's period ends (the renewal is due 24 h before, i.e. already). */
  readonly periodEndMs: number;
  readonly nowMs: number;
}

async function insertChunks<T>(write: (rows: T[]) => Promise<unknown>, rows: readonly T[]): Promise<void> {
  for (let i = 0; i < rows.length; i += ROWS_PER_STATEMENT) await write(rows.slice(i, i + ROWS_PER_STATEMENT));
}

/**
 * Makes `lines` lines due for auto-renew, as the product leaves them after a customer turned
 * auto-renew on: a customer with a verified e-mail address and a saved card, a line with a period
 * of the plan that ends soon, the auto-renew policy and its scheduled attempt. Written in bulk
 * (setting up 100,000 customers through the API would measure the API, not renewals).
 */
export async function makeDueLines(database: Database, ids: IdFactory, o: DueLinesOptions): Promise<void> {
  const { db } = database;
  for (let start = 0; start < o.lines; start += LINES_PER_TRANSACTION) {
    const count = Math.min(LINES_PER_TRANSACTION, o.lines - start);
    const customers: CustomerTable[] = [];
    const lines: LineTable[] = [];
    const periods: LinePeriodTable[] = [];
    const methods: PaymentMethodTable[] = [];
    const policies: PolicyRow[] = [];
    const attempts: AttemptRow[] = [];
    for (let k = 0; k < count; k += 1) {
      const n = start + k;
      const customerId = ids('cus');
      const lineId = ids('lin');
      const methodId = ids('pm');
      customers.push({
        id: customerId, status: 'active', email: `bench.${n}@example.com`, email_verified_at: o.nowMs, phone: null, phone_country: null,
        phone_verified_at: null, password_hash: 'bench-no-sign-in', name: null, language: 'en', currency: o.currency, marketing_opt_in: 0,
        created_at: o.nowMs, updated_at: o.nowMs,
      });
      lines.push({ id: lineId, customer_id: customerId, iccid: `89852990${String(n).padStart(11, '0')}`, msisdn: `+8525${String(n).padStart(7, '0')}`, type: 'physical', created_at: o.nowMs });
      periods.push({
        id: ids('prd'), line_id: lineId, plan_code: o.planCode, starts_at: o.periodEndMs - 30 * DAY_MS, ends_at: o.periodEndMs,
        order_id: `ord_bench_${n}`, created_at: o.periodEndMs - 30 * DAY_MS,
      });
      methods.push({ id: methodId, customer_id: customerId, provider: o.provider, provider_method_ref: o.methodToken, brand: 'visa', last4: '4242', exp_month: 12, exp_year: 2099, created_at: o.nowMs });
      policies.push({
        line_id: lineId, customer_id: customerId, enabled: 1, plan_code: o.planCode, currency: o.currency as PolicyRow['currency'], payment_method_id: methodId,
        confirmed_total_minor: o.totalMinor, confirmed_at: o.nowMs, disabled_reason: null, created_at: o.nowMs, updated_at: o.nowMs,
      });
      attempts.push({
        id: ids('ren'), line_id: lineId, customer_id: customerId, period_end_at: o.periodEndMs, status: 'scheduled', due_at: o.periodEndMs - 24 * HOUR_MS,
        claimed_by: null, failures: 0, errors: 0, order_id: null, last_failure_code: null, last_error: null, created_at: o.nowMs, updated_at: o.nowMs, closed_at: null,
      });
    }
    await inTransaction(db, async (tx) => {
      await insertChunks((rows) => tx.insertInto('customer').values(rows).execute(), customers);
      await insertChunks((rows) => tx.insertInto('line').values(rows).execute(), lines);
      await insertChunks((rows) => tx.insertInto('line_period').values(rows).execute(), periods);
      await insertChunks((rows) => tx.insertInto('payment_method').values(rows).execute(), methods);
      await insertChunks((rows) => tx.insertInto('auto_renewal').values(rows).execute(), policies);
      await insertChunks((rows) => tx.insertInto('renewal_attempt').values(rows).execute(), attempts);
    });
  }
}
