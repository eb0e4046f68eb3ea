import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect } from 'vitest';
import { buildApp } from '../../src/app/app.js';
import { allMigrations } from '../../src/app/migrations.js';
import { DAY_MS, HOUR_MS, ManualClock } from '../../src/platform/clock.js';
import { testConfig, type Config } from '../../src/platform/config.js';
import type { RenewalsConfig } from '../../src/platform/config.renewals.js';
import { createLogger } from '../../src/platform/logger.js';
import type {
  CreateProviderPayment, PaymentProvider, ProviderLookup, ProviderPayment,
} from '../../src/modules/payments/index.js';
import { GOOD_PASSWORD, newClient, uniqueEmail, uniqueHkMobile } from './accounts.js';
import type { TestClient } from './http.js';
import { seedCatalog } from './orders.js';
import { STORES, createTestDatabase, type Store, type TestDatabase } from './stores.js';

/** What the scripted provider answers to the next off-session charges, in order (then `succeed`). */
export type ScriptedAnswer = 'succeed' | 'decline' | 'auth' | 'timeout' | 'pending';

/**
 * A card provider for tests, in memory: on-session payments succeed and save the card when asked;
 * off-session charges answer from a script, so that every auto-renew path can be driven. It keeps
 * one charge per idempotency key, as a real PSP does.
 */
export class ScriptedProvider implements PaymentProvider {
  readonly methods: readonly string[];
  readonly offSessionMethods: readonly string[];
  /** Answers for the next off-session charges of a customer, in order (then `succeed`). */
  private readonly scripts = new Map<string, ScriptedAnswer[]>();
  readonly charges = new Map<string, ProviderPayment & { offSession: boolean; amountMinor: number; customerId: string }>();
  private serial = 0;

  private readonly holds = new Map<string, { promise: Promise<void>; waiting: boolean }>();

  /** Holds the customer's next off-session charges until `release()`; `waiting()` tells whether one arrived. */
  hold(customerId: string): { release(): void; waiting(): boolean } {
    let release!: () => void;
    const gate = { promise: new Promise<void>((resolve) => { release = resolve; }), waiting: false };
    this.holds.set(customerId, gate);
    return { release: () => { this.holds.delete(customerId); release(); }, waiting: () => gate.waiting };
  }

  script(customerId: string, ...answers: ScriptedAnswer[]): void {
    this.scripts.set(customerId, [...(this.scripts.get(customerId) ?? []), ...answers]);
  }

  /** Off-session charges made for the customer (one per idempotency key, however often it was sent). */
  callsFor(customerId: string): number {
    return [...this.charges.values()].filter((c) => c.offSession && c.customerId === customerId).length;
  }

  constructor(readonly name = 'testpay', offSession = true) {
    this.methods = [`${name}_card`];
    this.offSessionMethods = offSession ? [`${name}_card`] : [];
  }

  async createPayment(input: CreateProviderPayment): Promise<ProviderPayment> {
    const gate = input.offSession ? this.holds.get(input.customerId) : undefined;
    if (gate !== undefined) {
      gate.waiting = true;
      await gate.promise;
    }
    const seen = this.charges.get(input.idempotencyKey);
    if (seen !== undefined) return seen;
    const answer: ScriptedAnswer = input.offSession ? this.scripts.get(input.customerId)?.shift() ?? 'succeed' : 'succeed';
    this.serial += 1;
    const providerPaymentId = `${this.name}_ch_${this.serial}`;
    const amount = input.amount;
    const status = answer === 'succeed' || answer === 'timeout' ? 'succeeded' : answer === 'pending' ? 'pending' : 'failed';
    const payment: ProviderPayment = {
      status, providerPaymentId, amount,
      ...(answer === 'decline' ? { failureCode: 'card_declined' } : answer === 'auth' ? { failureCode: 'authentication_required' } : {}),
      ...(input.savePaymentMethod && status === 'succeeded'
        ? { savedMethod: { providerMethodRef: `${this.name}_pm_${this.serial}`, brand: 'visa', last4: '1111', expMonth: 12, expYear: 2030 } } : {}),
    };
    this.charges.set(input.idempotencyKey, { ...payment, offSession: input.offSession, amountMinor: amount.amountMinor, customerId: input.customerId });
    if (answer === 'timeout') throw new Error('testpay: no answer (the charge was made)');
    return payment;
  }

  async getPayment(ref: { idempotencyKey: string }): Promise<ProviderLookup> {
    const charge = this.charges.get(ref.idempotencyKey);
    return charge === undefined ? { found: false } : { found: true, ...charge };
  }

  async cancelPayment(ref: { idempotencyKey: string; providerPaymentId: string }): Promise<ProviderPayment> {
    return { status: 'cancelled', providerPaymentId: ref.providerPaymentId };
  }

  async refund(): Promise<{ status: 'succeeded'; providerRefundId: string }> {
    return { status: 'succeeded', providerRefundId: `${this.name}_rf_${this.serial}` };
  }

  async parseWebhook(): Promise<undefined> {
    return undefined;
  }

  async detachPaymentMethod(): Promise<void> {}
}

export interface RenewalsTestApp {
  readonly app: FastifyInstance;
  readonly clock: ManualClock;
  readonly database: TestDatabase;
  readonly config: Config;
  readonly provider: ScriptedProvider;
  readonly wallet: ScriptedProvider;
}

/** Test renewal settings: the defaults, except small batches so that a handful of lines spans several. */
export function renewalsConfig(overrides: Partial<RenewalsConfig> = {}): RenewalsConfig {
  return { ...testConfig().renewals, batchSize: 4, maxInFlight: 8, ...overrides };
}

export async function createRenewalsTestApp(store: Store, renewals: Partial<RenewalsConfig> = {}, startMs = Date.UTC(2026, 10, 27, 9, 0, 0)): Promise<RenewalsTestApp & { close(): Promise<void> }> {
  const database = await createTestDatabase(store, allMigrations);
  const clock = new ManualClock(startMs);
  // Sessions outlive the months these tests step through.
  const config = testConfig({ renewals: renewalsConfig(renewals), publicUrl: 'https://portal.example', sessionIdleMs: 3650 * DAY_MS, sessionAbsoluteMs: 3650 * DAY_MS, adminApiKey: ADMIN_KEY });
  const provider = new ScriptedProvider('testpay');
  const wallet = new ScriptedProvider('walletpay', false);
  const app = await buildApp({ config, database, clock, logger: createLogger('silent'), overrides: { payments: { extraProviders: [provider, wallet] } } });
  await app.ready();
  await seedCatalog(app);
  return {
    app, clock, database, config, provider, wallet,
    close: async () => {
      await app.close();
      await database.close();
    },
  };
}

/** `describe` once per store with one renewals test app per file and store. */
export function describeRenewals(name: string, fn: (get: () => RenewalsTestApp, store: Store) => void, renewals: Partial<RenewalsConfig> = {}): void {
  describe.each(STORES)(`${name} [%s]`, (store) => {
    let testApp: (RenewalsTestApp & { close(): Promise<void> }) | undefined;
    beforeAll(async () => {
      testApp = await createRenewalsTestApp(store, renewals);
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

export interface Traveller {
  readonly client: TestClient;
  readonly customerId: string;
  readonly email: string;
  readonly phone: string;
}

/** An active customer with a verified e-mail address and phone number, signed in on its own client. */
export async function traveller(app: FastifyInstance, language: 'en' | 'zh-CN' | 'zh-TW' = 'en'): Promise<Traveller> {
  const email = uniqueEmail('renewer');
  const phone = uniqueHkMobile();
  const customerId = await app.roamline.services.accounts.signIn.provisionCustomer({ email, phone, password: GOOD_PASSWORD, language });
  const client = newClient(app);
  const login = await client.post('/api/v1/auth/login', { contact: email, password: GOOD_PASSWORD });
  expect(login.statusCode, login.body).toBe(200);
  return { client, customerId, email, phone };
}

export const PLAN = 'HK-LOCAL-30D';
/** The admin API key of the renewals test apps. */
export const ADMIN_KEY = 'renewals-test-admin-key-0123456789';

/**
 * Buys a new eSIM line with `planCode` and pays it on-session with a card that is saved
 * (`sandbox`: pm_sandbox_visa; `testpay` / `walletpay`: the scripted providers). Returns the line,
 * the saved payment method and the end of its first period.
 */
export async function lineWithSavedCard(
  t: RenewalsTestApp, who: Traveller, options: { provider?: 'sandbox' | 'testpay' | 'walletpay'; planCode?: string; currency?: string } = {},
): Promise<{ lineId: string; paymentMethodId: string; periodEndMs: number; orderId: string }> {
  const provider = options.provider ?? 'sandbox';
  const created = await who.client.post('/api/v1/orders', {
    kind: 'new_sim', planCode: options.planCode ?? PLAN, currency: options.currency ?? 'HKD', newSim: { type: 'esim' },
  });
  expect(created.statusCode, created.body).toBe(201);
  const order = created.json() as { id: string };
  const body = provider === 'sandbox'
    ? { method: 'sandbox', paymentMethodToken: 'pm_sandbox_visa', savePaymentMethod: true }
    : { method: `${provider}_card`, paymentMethodToken: 'tok_card', savePaymentMethod: true };
  const paid = await who.client.post(`/api/v1/orders/${order.id}/payments`, body);
  expect(paid.statusCode, paid.body).toBe(201);
  await t.app.roamline.jobs.runDue();
  const detail = (await who.client.get(`/api/v1/orders/${order.id}`)).json() as { status: string; lineId: string; period: { endsAt: string } };
  expect(detail.status).toBe('fulfilled');
  const methods = (await who.client.get('/api/v1/payment-methods')).json() as { paymentMethods: Array<{ id: string; provider: string }> };
  const method = methods.paymentMethods.find((m) => m.provider === provider);
  expect(method, JSON.stringify(methods)).toBeDefined();
  return { lineId: detail.lineId, paymentMethodId: method?.id ?? '', periodEndMs: Date.parse(detail.period.endsAt), orderId: order.id };
}

/** Turns auto-renew on (confirmed) through the API. */
export async function enableAutoRenew(who: Traveller, lineId: string, paymentMethodId: string, extra: Record<string, unknown> = {}): Promise<AutoRenewReply> {
  const response = await who.client.put(`/api/v1/lines/${lineId}/auto-renew`, { enabled: true, planCode: PLAN, paymentMethodId, confirm: true, ...extra });
  expect(response.statusCode, response.body).toBe(200);
  return response.json() as AutoRenewReply;
}

export interface AutoRenewReply {
  lineId: string;
  enabled: boolean;
  confirmed: boolean;
  planCode: string | null;
  paymentMethod: { id: string; brand: string; last4: string } | null;
  nextCharge: { at: string; totalMinor: number; currency: string; period: { startsAt: string; endsAt: string } } | null;
  renewal: { status: string; periodEndsAt: string; failures: number; lastFailureCode: string | null; nextAttemptAt: string | null; payUrl: string | null } | null;
  disabledReason: string | null;
}

/** The line as `GET /lines/{id}` shows it. */
/**
 * A traveller's line with auto-renew on a saved card, 24 h before its period ends, and a renewal
 * sweep whose charge the provider holds (`gate.release()` lets it answer; `sweep` ends after that).
 */
export async function sweepHeldAtProvider(t: RenewalsTestApp) {
  const who = await traveller(t.app);
  const { lineId, paymentMethodId, periodEndMs } = await lineWithSavedCard(t, who, { provider: 'testpay' });
  await enableAutoRenew(who, lineId, paymentMethodId);
  t.clock.set(periodEndMs - 24 * HOUR_MS);
  const gate = t.provider.hold(who.customerId);
  const sweep = t.app.roamline.services.renewals.runDue();
  for (let i = 0; i < 500 && !gate.waiting(); i += 1) await new Promise((resolve) => setTimeout(resolve, 10));
  expect(gate.waiting()).toBe(true);
  return { who, lineId, paymentMethodId, periodEndMs, gate, sweep };
}

export async function lineOf(who: Traveller, lineId: string): Promise<{ status: string; validUntil: string | null; graceEndsAt: string | null; planCode: string | null; allowances: Array<{ kind: string; remaining: number; upcoming: number }> }> {
  const response = await who.client.get(`/api/v1/lines/${lineId}`);
  expect(response.statusCode, response.body).toBe(200);
  return response.json();
}

/** The line's orders placed by auto-renew, oldest first. */
export async function renewalOrders(t: RenewalsTestApp, lineId: string) {
  return t.database.db.selectFrom('customer_order').selectAll().where('line_id', '=', lineId).where('origin', '=', 'auto_renew').orderBy('id').execute();
}

export async function attemptsOf(t: RenewalsTestApp, lineId: string) {
  return t.database.db.selectFrom('renewal_attempt').selectAll().where('line_id', '=', lineId).orderBy('period_end_at').execute();
}

export async function periodsOf(t: RenewalsTestApp, lineId: string) {
  return t.database.db.selectFrom('line_period').selectAll().where('line_id', '=', lineId).orderBy('starts_at').execute();
}

/** Every message the outbox kept for the traveller (e-mail and SMS), oldest first, with its delivery status. */
export async function messagesOf(t: RenewalsTestApp, who: Traveller) {
  return t.database.db.selectFrom('notification').selectAll().where('recipient', 'in', [who.email, who.phone]).orderBy('id').execute();
}

/** Moves the clock to `atMs` and runs every job that is due then (the renewal sweep among them). */
export async function at(t: RenewalsTestApp, atMs: number): Promise<void> {
  t.clock.set(atMs);
  await t.app.roamline.jobs.runDue();
}

export { DAY_MS };
