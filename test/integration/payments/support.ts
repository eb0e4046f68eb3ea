import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe } from 'vitest';
import { buildApp } from '../../../src/app/app.js';
import { allMigrations } from '../../../src/app/migrations.js';
import { ManualClock } from '../../../src/platform/clock.js';
import { testConfig, type Config } from '../../../src/platform/config.js';
import type { Executor, Tx } from '../../../src/platform/db/database.js';
import { NotFoundError } from '../../../src/platform/errors.js';
import { listJobsByStatus, type JobRow, type JobRunner } from '../../../src/platform/jobs/index.js';
import { createLogger } from '../../../src/platform/logger.js';
import type { Currency } from '../../../src/platform/money.js';
import {
  createPaymentsService, paymentsRoutes, sandboxSignatureHeader, sandboxWebhookSecret,
  type OrderGateway, type PayableOrder, type PaymentProvider, type PaymentsService,
} from '../../../src/modules/payments/index.js';
import { newClient, signUp } from '../../support/accounts.js';
import type { TestClient } from '../../support/http.js';
import { STORES, createTestDatabase, type Store, type TestDatabase } from '../../support/stores.js';

interface MemoryOrder {
  orderId: string;
  customerId: string;
  status: 'pending_payment' | 'paid' | 'expired' | 'refunded';
  totalMinor: number;
  currency: Currency;
  paidBy: string | undefined;
}

/**
 * A collaborator stub of the orders module (which is wired separately): orders kept in memory,
 * with the gateway's contract — paid exactly once, false when no longer payable. The payment
 * tables and the whole payments module under test are real.
 */
export class MemoryOrderGateway implements OrderGateway {
  readonly orders = new Map<string, MemoryOrder>();
  readonly markPaidCalls: Array<{ orderId: string; paymentId: string; amountMinor: number; currency: Currency }> = [];
  readonly failures: Array<{ orderId: string; paymentId: string; failureCode: string }> = [];

  add(orderId: string, customerId: string, totalMinor = 1999, currency: Currency = 'USD'): string {
    this.orders.set(orderId, { orderId, customerId, status: 'pending_payment', totalMinor, currency, paidBy: undefined });
    return orderId;
  }

  order(orderId: string): MemoryOrder {
    const order = this.orders.get(orderId);
    if (order === undefined) throw new Error(`no order ${orderId}`);
    return order;
  }

  private view(order: MemoryOrder): PayableOrder {
    return {
      orderId: order.orderId, customerId: order.customerId, status: order.status, totalMinor: order.totalMinor,
      currency: order.currency, language: 'en', returnPath: `/orders/${order.orderId}`,
    };
  }

  async getPayableOrder(_db: Executor, customerId: string, orderId: string): Promise<PayableOrder> {
    const order = this.orders.get(orderId);
    if (order === undefined || order.customerId !== customerId) throw new NotFoundError('order');
    return this.view(order);
  }

  async findPayableOrder(_db: Executor, orderId: string): Promise<PayableOrder | undefined> {
    const order = this.orders.get(orderId);
    return order === undefined ? undefined : this.view(order);
  }

  async markOrderPaid(_tx: Tx, orderId: string, payment: { paymentId: string; amountMinor: number; currency: Currency }): Promise<boolean> {
    const order = this.order(orderId);
    this.markPaidCalls.push({ orderId, ...payment });
    if (order.status === 'paid') return order.paidBy === payment.paymentId;
    if (order.status !== 'pending_payment') return false;
    order.status = 'paid';
    order.paidBy = payment.paymentId;
    return true;
  }

  async notePaymentFailed(_tx: Tx, orderId: string, payment: { paymentId: string; failureCode: string }): Promise<void> {
    this.failures.push({ orderId, ...payment });
  }

  readonly refundedCalls: Array<{ orderId: string; paymentId: string; refundId: string }> = [];

  async markOrderRefunded(_tx: Tx, orderId: string, refund: { paymentId: string; refundId: string }): Promise<void> {
    this.refundedCalls.push({ orderId, ...refund });
    const order = this.order(orderId);
    if (order.status === 'paid') order.status = 'refunded';
  }
}

export interface PaymentsTestApp {
  readonly app: FastifyInstance;
  readonly clock: ManualClock;
  readonly database: TestDatabase;
  readonly config: Config;
  readonly gateway: MemoryOrderGateway;
  readonly payments: PaymentsService;
  readonly jobs: JobRunner;
  /** A signed-in customer with an order of `totalMinor` waiting for payment. */
  /** A new signed-up customer with an order waiting to be paid (19.99 in the gateway's default currency unless told). */
  customerWithOrder(totalMinor?: number, currency?: Currency): Promise<{ client: TestClient; customerId: string; orderId: string }>;
  newOrder(customerId: string, totalMinor?: number, currency?: Currency): string;
  /** Delivers raw bytes to the webhook route as a provider would (no session, no CSRF). */
  postWebhook(provider: string, rawBody: string, headers: Record<string, string>): Promise<LightMyRequestResponse>;
  /** A sandbox event for `chargeId`, signed now (or at `timestampSeconds`). */
  signedSandboxEvent(event: SandboxEventInput, timestampSeconds?: number): { rawBody: string; headers: Record<string, string> };
  parkedJobs(): Promise<JobRow[]>;
}

export interface SandboxEventInput {
  readonly id: string;
  readonly chargeId: string;
  readonly paymentRef: string;
  readonly status: 'pending' | 'requires_action' | 'succeeded' | 'failed' | 'cancelled';
  readonly amountMinor: number;
  readonly currency?: Currency;
  readonly failureCode?: string | null;
}

export interface PaymentsTestOptions {
  readonly extraProviders?: readonly PaymentProvider[];
  readonly providerTimeoutMs?: number;
  readonly config?: Partial<Config>;
}

/**
 * The whole application (accounts, sessions, CSRF, error handler) plus the payments module wired
 * with the in-memory order gateway, on a fresh database of `store`.
 */
export async function createPaymentsTestApp(store: Store, options: PaymentsTestOptions = {}): Promise<PaymentsTestApp & { close(): Promise<void> }> {
  const database = await createTestDatabase(store, allMigrations);
  const clock = new ManualClock(Date.UTC(2026, 10, 27, 9, 0, 0));
  const config = testConfig(options.config);
  const log = createLogger('silent');
  const gateway = new MemoryOrderGateway();
  const app = await buildApp({
    config, database, clock, logger: log,
    overrides: {
      orderGateway: gateway,
      payments: {
        ...(options.extraProviders !== undefined ? { extraProviders: options.extraProviders } : {}),
        ...(options.providerTimeoutMs !== undefined ? { providerTimeoutMs: options.providerTimeoutMs } : {}),
      },
    },
  });
  await app.ready();
  const payments = app.roamline.services.payments;
  const jobs = app.roamline.jobs;
  const secret = sandboxWebhookSecret(config.secretKey);
  const newOrder = (customerId: string, totalMinor = 1999, currency?: Currency): string => gateway.add(app.roamline.ctx.ids('ord'), customerId, totalMinor, currency);
  return {
    app, clock, database, config, gateway, payments, jobs, newOrder,
    async customerWithOrder(totalMinor = 1999, currency) {
      const client = newClient(app);
      const { customerId } = await signUp(client);
      return { client, customerId, orderId: newOrder(customerId, totalMinor, currency) };
    },
    postWebhook: (provider, rawBody, headers) => app.inject({ method: 'POST', url: `/api/v1/webhooks/${provider}`, payload: rawBody, headers }),
    signedSandboxEvent(event, timestampSeconds = Math.floor(clock.nowMs() / 1000)) {
      const rawBody = JSON.stringify({
        id: event.id, type: `charge.${event.status}`, created: timestampSeconds,
        data: {
          chargeId: event.chargeId, paymentRef: event.paymentRef, status: event.status, amountMinor: event.amountMinor,
          currency: event.currency ?? 'USD', failureCode: event.failureCode ?? null,
        },
      });
      return { rawBody, headers: { 'content-type': 'application/json', 'roamline-sandbox-signature': sandboxSignatureHeader(secret, timestampSeconds, rawBody) } };
    },
    parkedJobs: () => listJobsByStatus(database.db, 'parked', 100),
    close: async () => {
      await app.close();
      await database.close();
    },
  };
}

/** `describe` once per store, with one payments test app per file and store. */
export function describePayments(name: string, fn: (get: () => PaymentsTestApp, store: Store) => void, options: PaymentsTestOptions = {}): void {
  describe.each(STORES)(`${name} [%s]`, (store) => {
    let testApp: (PaymentsTestApp & { close(): Promise<void> }) | undefined;
    beforeAll(async () => {
      testApp = await createPaymentsTestApp(store, options);
    });
    afterAll(async () => {
      await testApp?.close();
    });
    fn(() => {
      if (testApp === undefined) throw new Error('the test app exists only between beforeAll and afterAll');
      return testApp;
    }, store);
  });
}

export interface PaymentReply {
  id: string;
  orderId: string;
  status: string;
  provider: string;
  amountMinor: number;
  currency: string;
  actionUrl?: string;
  failureCode?: string;
  refund?: { id: string; status: string; reason: string; amountMinor: number; currency: string };
}

export function paymentOf(response: LightMyRequestResponse): PaymentReply {
  return (response.json() as { payment: PaymentReply }).payment;
}

/** The stored payment row (what the tests check after each step). */
export const paymentRow = (t: PaymentsTestApp, paymentId: string) =>
  t.database.db.selectFrom('payment').selectAll().where('id', '=', paymentId).executeTakeFirstOrThrow();

/** The provider events stored for a payment. */
export const eventsOf = (t: PaymentsTestApp, paymentId: string) =>
  t.database.db.selectFrom('payment_event').selectAll().where('payment_ref', '=', paymentId).execute();

/** The calls that marked `orderId` paid, in order. */
export const paidCalls = (t: PaymentsTestApp, orderId: string) => t.gateway.markPaidCalls.filter((c) => c.orderId === orderId);
