import { assert } from '../../platform/assert.js';
import type { Executor, Tx } from '../../platform/db/database.js';
import { cancelQueuedJobs, enqueueJobs } from '../../platform/jobs/index.js';
import { money, type Currency } from '../../platform/money.js';
import { RECONCILE_JOB } from './payments.checkout.js';
import { outcomeOf, type Outcome, type PaymentsDeps } from './payments.context.js';
import type { PayableOrder } from './payments.gateway.js';
import { RECONCILE_MAX_ATTEMPTS, amountMatches, isTerminal, providerKeyForPayment, type PaymentStatus } from './payments.js';
import { offSessionUse, type OffSessionRefusal } from './payments.methods.js';
import type { Outcomes } from './payments.outcome.js';
import { withTimeout, type PaymentProvider } from './payments.provider.js';
import {
  findOpenPaymentsOfOrders, findPaymentMethodsByIds, findLatestPaymentsOfOrders, insertPaymentsIfAllowed, lockPayments, markPaymentsSucceeded,
  type PaymentMethodRow, type PaymentRow,
} from './payments.repository.js';

/** A saved payment method as auto-renew may charge it with the customer absent. */
export interface OffSessionMethod {
  readonly paymentMethodId: string;
  readonly provider: string;
  /** The `method` charged (one of the provider's `offSessionMethods`). */
  readonly method: string;
  readonly brand: string;
  readonly last4: string;
  readonly expMonth: number;
  readonly expYear: number;
}

export type { OffSessionRefusal } from './payments.methods.js';

export interface OffSessionCharge {
  readonly orderId: string;
  readonly customerId: string;
  readonly paymentMethodId: string;
}

/** A charge ready to be sent to the provider: a new payment, or one whose answer never got recorded. */
export interface OpenedCharge {
  readonly ok: true;
  readonly orderId: string;
  readonly paymentId: string;
  /** The payment existed already (a worker died during the call): the provider is asked first. */
  readonly resumed: boolean;
  readonly payment: PaymentRow;
  readonly token: string;
}

/** A charge that was not opened: the method is gone or unusable, the order is not payable, or an attempt waits. */
export interface RefusedCharge {
  readonly ok: false;
  readonly orderId: string;
  readonly reason: 'payment_method_missing' | 'method_not_available' | 'order_not_payable' | 'attempt_open';
  /** For `attempt_open`: the open payment and its status. */
  readonly openPayment?: { readonly paymentId: string; readonly status: PaymentStatus };
}

export interface ChargeAnswer {
  readonly paymentId: string;
  readonly orderId: string;
  readonly outcome: Outcome;
}

/** A payment after its answer was recorded. */
export interface RecordedCharge {
  readonly paymentId: string;
  readonly orderId: string;
  readonly status: PaymentStatus;
  readonly failureCode: string | null;
  readonly actionUrl: string | null;
}

/** The most charges one call opens or records. */
export const MAX_OFF_SESSION_CHARGES = 2000;

/**
 * Off-session charges in batches (auto-renew), with the guarantees of `payOrder`: (1) `open`
 * records the intents in the caller's transaction, which holds them under a lease of its own (see
 * `open`); (2) `charge`
 * calls the providers outside any transaction, many at a time, each bounded by the timeout (a
 * throw or a timeout is `unknown`); (3) `record` applies the answers in the caller's transaction
 * through the same state machine, paying the orders through the gateway (its batch form when it
 * has one), and queueing the reconciliation job of every payment that stays open.
 */
export function createOffSession(deps: PaymentsDeps, outcomes: Outcomes) {
  const { database, clock, ids, gateway, registry, config } = deps;

  const providerOf = (method: PaymentMethodRow): { provider: PaymentProvider; method: string } | OffSessionRefusal => offSessionUse(registry, method);

  /** The customer's saved method if auto-renew can charge it, else why not. */
  async function offSessionMethod(executor: Executor, customerId: string, paymentMethodId: string): Promise<OffSessionMethod | OffSessionRefusal> {
    const [row] = await findPaymentMethodsByIds(executor, [paymentMethodId]);
    if (row === undefined || row.customer_id !== customerId) return 'not_found';
    const usable = providerOf(row);
    if (typeof usable === 'string') return usable;
    return {
      paymentMethodId: row.id, provider: row.provider, method: usable.method, brand: row.brand, last4: row.last4, expMonth: row.exp_month, expYear: row.exp_year,
    };
  }

  async function payableOrders(executor: Executor, orderIds: readonly string[]): Promise<Map<string, PayableOrder>> {
    if (gateway.findPayableOrders !== undefined) return gateway.findPayableOrders(executor, orderIds);
    const orders = new Map<string, PayableOrder>();
    for (const id of orderIds) {
      const order = await gateway.findPayableOrder(executor, id);
      if (order !== undefined) orders.set(id, order);
    }
    return orders;
  }

  /** Opens one off-session payment per charge (or takes up the open one a dead worker left), in the caller's transaction. */
  async function open(tx: Tx, charges: readonly OffSessionCharge[]): Promise<Array<OpenedCharge | RefusedCharge>> {
    assert(charges.length <= MAX_OFF_SESSION_CHARGES, `at most ${MAX_OFF_SESSION_CHARGES} charges per call`);
    assert(new Set(charges.map((c) => c.orderId)).size === charges.length, 'one charge per order in a call');
    if (charges.length === 0) return [];
    const nowMs = clock.nowMs();
    const methods = new Map((await findPaymentMethodsByIds(tx, charges.map((c) => c.paymentMethodId))).map((m) => [m.id, m]));
    const orders = await payableOrders(tx, charges.map((c) => c.orderId));
    const openByOrder = new Map((await findOpenPaymentsOfOrders(tx, charges.map((c) => c.orderId))).map((p) => [p.order_id, p]));
    const fresh: PaymentRow[] = [];
    const planned = charges.map((charge): OpenedCharge | RefusedCharge => {
      const method = methods.get(charge.paymentMethodId);
      if (method === undefined || method.customer_id !== charge.customerId) return { ok: false, orderId: charge.orderId, reason: 'payment_method_missing' };
      const usable = providerOf(method);
      if (typeof usable === 'string') return { ok: false, orderId: charge.orderId, reason: 'method_not_available' };
      const order = orders.get(charge.orderId);
      if (order === undefined || order.customerId !== charge.customerId || order.status !== 'pending_payment') return { ok: false, orderId: charge.orderId, reason: 'order_not_payable' };
      const existing = openByOrder.get(charge.orderId);
      if (existing !== undefined) {
        // Only an attempt whose answer was never recorded is taken up; one waiting for the customer or the provider is left alone.
        if ((existing.status === 'created' || existing.status === 'unknown') && existing.off_session === 1 && existing.provider === method.provider) {
          return { ok: true, orderId: charge.orderId, paymentId: existing.id, resumed: true, payment: existing, token: method.provider_method_ref };
        }
        return { ok: false, orderId: charge.orderId, reason: 'attempt_open', openPayment: { paymentId: existing.id, status: existing.status } };
      }
      const id = ids('pay');
      const payment: PaymentRow = {
        id, order_id: order.orderId, customer_id: charge.customerId, provider: usable.provider.name, method: usable.method,
        amount_minor: order.totalMinor, currency: order.currency, status: 'created', idempotency_key: providerKeyForPayment(id),
        provider_payment_id: null, action_url: null, failure_code: null, save_method: 0, off_session: 1, created_at: nowMs, updated_at: nowMs,
      };
      fresh.push(payment);
      return { ok: true, orderId: charge.orderId, paymentId: id, resumed: false, payment, token: method.provider_method_ref };
    });
    // No reconciliation job yet: the caller holds each charge under a lease taken in this same
    // transaction and takes it up (`open` again) if it dies before `record`; `record` queues the job
    // for answers that leave a payment open, and `followUp` when the caller gives a charge up.
    const inserted = await insertPaymentsIfAllowed(tx, fresh);
    // A payment not inserted lost a race with another attempt on its order (unique open attempt).
    return planned.map((p) => (p.ok && !p.resumed && !inserted.has(p.paymentId) ? { ok: false, orderId: p.orderId, reason: 'attempt_open' } : p));
  }

  async function callProvider(opened: OpenedCharge): Promise<Outcome> {
    const { payment } = opened;
    const provider = registry.byName(payment.provider);
    if (provider === undefined) return { status: 'unknown' };
    const create = (): Promise<Outcome> => withTimeout(() => provider.createPayment({
      paymentId: payment.id, idempotencyKey: payment.idempotency_key, amount: money(payment.amount_minor, payment.currency as Currency),
      orderId: payment.order_id, customerId: payment.customer_id, paymentMethodToken: opened.token,
      returnUrl: new URL(`/orders/${payment.order_id}`, config.publicUrl).toString(), language: 'en',
      savePaymentMethod: false, offSession: true, method: payment.method,
    }), deps.providerTimeoutMs, `${provider.name} create payment`).then(outcomeOf);
    try {
      if (!opened.resumed) return await create();
      // The earlier call may have reached the provider: ask by our key before creating (same key either way).
      const lookup = await withTimeout(() => provider.getPayment({
        idempotencyKey: payment.idempotency_key, ...(payment.provider_payment_id !== null ? { providerPaymentId: payment.provider_payment_id } : {}),
      }), deps.providerTimeoutMs, `${provider.name} get payment`);
      return lookup.found ? outcomeOf(lookup) : await create();
    } catch (error) {
      deps.log.warn({ err: error, paymentId: payment.id, provider: provider.name }, 'off-session payment outcome unknown; reconciliation will ask the provider');
      return { status: 'unknown' };
    }
  }

  /** Calls the providers for the opened charges, at most `concurrency` at a time; never throws. */
  async function charge(opened: readonly OpenedCharge[], concurrency = 64): Promise<ChargeAnswer[]> {
    const answers: ChargeAnswer[] = new Array(opened.length);
    let next = 0;
    const lane = async (): Promise<void> => {
      for (let i = next++; i < opened.length; i = next++) {
        const item = opened[i];
        assert(item !== undefined, 'an opened charge per index');
        answers[i] = { paymentId: item.paymentId, orderId: item.orderId, outcome: await callProvider(item) };
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, opened.length)) }, lane));
    return answers;
  }

  /** Pays the orders of plain successes at once, through the gateway's batch form when it has one. */
  async function payOrders(tx: Tx, paid: ReadonlyArray<{ payment: PaymentRow }>): Promise<Set<string>> {
    const items = paid.map(({ payment }) => ({ orderId: payment.order_id, paymentId: payment.id, amountMinor: payment.amount_minor, currency: payment.currency as Currency }));
    if (gateway.markOrdersPaid !== undefined) return gateway.markOrdersPaid(tx, items);
    const done = new Set<string>();
    for (const item of items) if (await gateway.markOrderPaid(tx, item.orderId, item)) done.add(item.orderId);
    return done;
  }

  /**
   * Records the answers in the caller's transaction. The common case — a success for a payment still
   * `created` (or `unknown`) of an order still waiting, for the right amount — is written in bulk;
   * every other answer goes through `record`'s own decision, one by one.
   */
  async function record(tx: Tx, answers: readonly ChargeAnswer[]): Promise<RecordedCharge[]> {
    assert(answers.length <= MAX_OFF_SESSION_CHARGES, `at most ${MAX_OFF_SESSION_CHARGES} answers per call`);
    if (answers.length === 0) return [];
    const nowMs = clock.nowMs();
    const locked = new Map((await lockPayments(tx, database.dialect, answers.map((a) => a.paymentId))).map((p) => [p.id, p]));
    const orders = await payableOrders(tx, answers.map((a) => a.orderId));
    const plain: Array<{ payment: PaymentRow; outcome: Outcome }> = [];
    const others: ChargeAnswer[] = [];
    for (const answer of answers) {
      const payment = locked.get(answer.paymentId);
      assert(payment !== undefined, `payment ${answer.paymentId} does not exist`);
      const order = orders.get(payment.order_id);
      const requested = money(payment.amount_minor, payment.currency as Currency);
      const isPlain = answer.outcome.status === 'succeeded' && (payment.status === 'created' || payment.status === 'unknown')
        && order?.status === 'pending_payment' && amountMatches({ amountMinor: order.totalMinor, currency: order.currency }, requested, answer.outcome.amount);
      if (isPlain) plain.push({ payment, outcome: answer.outcome });
      else others.push(answer);
    }
    const moved = await markPaymentsSucceeded(tx, plain.map(({ payment, outcome }) => ({ id: payment.id, providerPaymentId: outcome.providerPaymentId ?? null })), nowMs);
    assert(moved === plain.length, 'payments changed under their locks');
    const paid = await payOrders(tx, plain);
    for (const { payment, outcome } of plain) {
      // The order was paid another way between the read and the lock: the money goes back.
      if (!paid.has(payment.order_id)) await outcomes.scheduleRefund(tx, payment, 'order_not_payable', outcome.amount ?? money(payment.amount_minor, payment.currency as Currency));
    }
    for (const answer of others) await outcomes.decide(tx, answer.paymentId, answer.outcome);
    const after = new Map<string, PaymentRow>(plain.map(({ payment }) => [payment.id, { ...payment, status: 'succeeded', failure_code: null, action_url: null }]));
    for (const payment of await lockPayments(tx, database.dialect, others.map((a) => a.paymentId))) after.set(payment.id, payment);
    // Payments still open are left to reconciliation; a job queued earlier for one now closed is not needed any more.
    await queueReconciliation(tx, [...after.values()].filter((p) => !isTerminal(p.status)));
    await cancelQueuedJobs(tx, [...after.values()].filter((p) => isTerminal(p.status) && locked.get(p.id)?.status !== 'created').map((p) => `${RECONCILE_JOB}:${p.id}`), nowMs);
    return answers.map((answer) => {
      const payment = after.get(answer.paymentId);
      assert(payment !== undefined, `payment ${answer.paymentId} disappeared`);
      return { paymentId: payment.id, orderId: payment.order_id, status: payment.status, failureCode: payment.failure_code, actionUrl: payment.action_url };
    });
  }

  async function queueReconciliation(tx: Tx, open: readonly PaymentRow[]): Promise<void> {
    const nowMs = clock.nowMs();
    await enqueueJobs(tx, ids, clock, open.map((p) => ({
      kind: RECONCILE_JOB, payload: { paymentId: p.id }, runAtMs: Math.max(nowMs, p.created_at + deps.settleAfterMs),
      dedupeKey: `${RECONCILE_JOB}:${p.id}`, maxAttempts: RECONCILE_MAX_ATTEMPTS,
    })));
  }

  /**
   * The caller gives up following these orders' charges (it stops holding them): any payment still
   * open on them gets its reconciliation job, which asks the provider and settles it.
   */
  async function followUp(tx: Tx, orderIds: readonly string[]): Promise<void> {
    if (orderIds.length === 0) return;
    await queueReconciliation(tx, await findOpenPaymentsOfOrders(tx, orderIds));
  }

  /** The latest payment of each order, for following orders whose payment was left to reconciliation. */
  async function latestPayments(executor: Executor, orderIds: readonly string[]): Promise<Map<string, RecordedCharge>> {
    const rows = await findLatestPaymentsOfOrders(executor, [...new Set(orderIds)]);
    return new Map(rows.map((p) => [p.order_id, { paymentId: p.id, orderId: p.order_id, status: p.status, failureCode: p.failure_code, actionUrl: p.action_url }]));
  }

  return { offSessionMethod, open, charge, record, followUp, latestPayments };
}

export type OffSession = ReturnType<typeof createOffSession>;
