import { Agent as HttpsAgent } from 'node:https';
import { connect as netConnect } from 'node:net';
import type { Duplex } from 'node:stream';
import { connect as tlsConnect } from 'node:tls';
import {
  ApiError, CheckoutPaymentIntent, Client, Environment, OrdersController, PaymentInitiator, PaymentsController,
  PaypalExperienceUserAction, PaypalPaymentTokenCustomerType, PaypalPaymentTokenUsageType, PaypalWalletContextShippingPreference,
  StoreInVaultInstruction, StoredPaymentSourceUsageType, VaultController, VaultTokenRequestType, type Order, type OrderRequest,
} from '@paypal/paypal-server-sdk';
import type { PayPalConfig } from '../../../platform/config.card-payments.js';
import type { PlatformContext } from '../../../platform/context.js';
import type { Money } from '../../../platform/money.js';
import { paymentsErrors } from '../payments.errors.js';
import { FAILURE_PAYMENT_METHOD_INVALID } from '../payments.js';
import {
  ProviderUnavailableError, type CreateProviderPayment, type PaymentProvider, type ProviderEvent, type ProviderLookup,
  type ProviderPayment, type ProviderRefund, type ProviderSetup, type ProviderSetupFlow,
} from '../payments.provider.js';
import {
  PAYPAL_CHECKOUT_TOKEN, PAYPAL_METHOD, PAYPAL_PROVIDER, PayPalEventSchema, factsOfEvent, paymentOfOrder, reportedAmount, savedWalletOfToken,
  toPayPalAmount, type OrderView,
} from './paypal.js';
import { createPayPalWebhookVerifier } from './paypal.webhook.js';

const PREFER = 'return=representation';

/**
 * The SDK (2.x) knows only PayPal's two API hosts (`Environment.Sandbox | Production`) and has no
 * base-URL setting. `ROAMLINE_PAYPAL_API_BASE` (tests: a local PayPal server) is honoured through
 * the SDK's documented `httpClientOptions.httpsAgent`: this agent opens its connections to that
 * origin instead, while the SDK builds every request (paths, headers, OAuth) as it always does.
 */
class ApiBaseAgent extends HttpsAgent {
  constructor(private readonly base: URL) {
    super({ keepAlive: false });
  }

  override createConnection(): Duplex {
    const host = this.base.hostname;
    if (this.base.protocol === 'https:') return tlsConnect({ host, port: Number(this.base.port || 443), servername: host });
    return netConnect({ host, port: Number(this.base.port || 80) });
  }
}

/** The SDK's order as Roamline reads it. */
function viewOf(order: Order): OrderView {
  const unit = order.purchaseUnits?.[0];
  const capture = unit?.payments?.captures?.[0];
  const vault = order.paymentSource?.paypal?.attributes?.vault;
  return {
    id: order.id ?? '',
    status: order.status,
    customId: unit?.customId,
    capture: capture === undefined ? undefined : { id: capture.id, status: capture.status, amount: reportedAmount(capture.amount?.currencyCode, capture.amount?.value) },
    actionUrl: order.links?.find((l) => l.rel === 'payer-action' || l.rel === 'approve')?.href,
    vault: vault === undefined ? undefined : { id: vault.id, status: vault.status },
  };
}

interface PayPalProblem {
  readonly statusCode: number;
  /** The first issue PayPal names (`INSTRUMENT_DECLINED`, `ORDER_ALREADY_CAPTURED`, ...), else its error name. */
  readonly issue: string;
}

/** A refusal PayPal answered (4xx but 401/403/408/409/429), else undefined: the outcome is unknown. */
function refusalOf(error: unknown): PayPalProblem | undefined {
  if (!(error instanceof ApiError)) return undefined;
  const status = error.statusCode;
  if (status < 400 || status >= 500 || [401, 403, 408, 409, 429].includes(status)) return undefined;
  let issue = 'UNPROCESSABLE_ENTITY';
  try {
    const body = typeof error.body === 'string' ? JSON.parse(error.body) as { name?: string; details?: Array<{ issue?: string }> } : {};
    issue = body.details?.[0]?.issue ?? body.name ?? issue;
  } catch {
    // A body that is not JSON still tells the status.
  }
  return { statusCode: status, issue };
}

function unavailable(what: string, error: unknown): ProviderUnavailableError {
  const detail = error instanceof ApiError ? `HTTP ${error.statusCode}` : error instanceof Error ? error.message : String(error);
  return new ProviderUnavailableError(`paypal ${what}: ${detail}`);
}

/**
 * PayPal through its server SDK: Orders v2 with intent CAPTURE. A checkout answers
 * `requires_action` with PayPal's payer-action page; once the payer approved, the platform's
 * lookup (after the `CHECKOUT.ORDER.APPROVED` webhook, or reconciliation) captures the order. A
 * wallet saved with `store_in_vault: ON_SUCCESS` is charged later by its `vault_id` (merchant
 * initiated). Every write carries `PayPal-Request-Id` derived from our key.
 */
export function createPayPalProvider(ctx: PlatformContext, config: PayPalConfig, timeoutMs: number): PaymentProvider {
  const client = new Client({
    clientCredentialsAuthCredentials: { oAuthClientId: config.clientId, oAuthClientSecret: config.clientSecret },
    environment: config.environment === 'live' ? Environment.Production : Environment.Sandbox,
    timeout: timeoutMs,
    ...(config.apiBase !== undefined ? { httpClientOptions: { httpsAgent: new ApiBaseAgent(config.apiBase) }, unstable_httpClientOptions: { proxy: false } } : {}),
  });
  const orders = new OrdersController(client);
  const payments = new PaymentsController(client);
  const vault = new VaultController(client);
  const verifier = createPayPalWebhookVerifier({ webhookId: config.webhookId, certOrigins: config.certOrigins, nowMs: () => ctx.clock.nowMs() });

  function checkoutRequest(input: CreateProviderPayment): OrderRequest {
    return {
      intent: CheckoutPaymentIntent.Capture,
      purchaseUnits: [{ customId: input.paymentId, invoiceId: input.paymentId, amount: toPayPalAmount(input.amount) }],
      paymentSource: {
        paypal: {
          experienceContext: {
            returnUrl: input.returnUrl, cancelUrl: input.returnUrl, userAction: PaypalExperienceUserAction.PayNow,
            shippingPreference: PaypalWalletContextShippingPreference.NoShipping, locale: input.language,
          },
          ...(input.savePaymentMethod ? {
            attributes: { vault: { storeInVault: StoreInVaultInstruction.OnSuccess, usageType: PaypalPaymentTokenUsageType.Merchant, customerType: PaypalPaymentTokenCustomerType.Consumer } },
          } : {}),
        },
      },
    };
  }

  function vaultRequest(input: CreateProviderPayment): OrderRequest {
    return {
      intent: CheckoutPaymentIntent.Capture,
      purchaseUnits: [{ customId: input.paymentId, invoiceId: input.paymentId, amount: toPayPalAmount(input.amount) }],
      paymentSource: {
        paypal: {
          vaultId: input.paymentMethodToken,
          storedCredential: {
            paymentInitiator: input.offSession ? PaymentInitiator.Merchant : PaymentInitiator.Customer,
            usage: StoredPaymentSourceUsageType.Subsequent,
          },
        },
      },
    };
  }

  /** Captures an approved order (idempotent by its own request id); an order captured meanwhile is read back. */
  async function capture(orderId: string, idempotencyKey: string): Promise<ProviderPayment> {
    try {
      const { result } = await orders.captureOrder({ id: orderId, paypalRequestId: `${idempotencyKey}_capture`, prefer: PREFER });
      return paymentOfOrder(viewOf(result));
    } catch (error) {
      const refusal = refusalOf(error);
      if (refusal === undefined) throw unavailable('capture', error);
      if (refusal.issue === 'ORDER_ALREADY_CAPTURED') return paymentOfOrder(viewOf((await orders.getOrder({ id: orderId })).result));
      return { status: 'failed', providerPaymentId: orderId, failureCode: refusal.issue.toLowerCase() };
    }
  }

  async function settle(order: Order, idempotencyKey: string): Promise<ProviderPayment> {
    const view = viewOf(order);
    return view.status === 'APPROVED' ? capture(view.id, idempotencyKey) : paymentOfOrder(view);
  }

  async function createOrder(body: OrderRequest, requestId: string): Promise<Order> {
    return (await orders.createOrder({ body, paypalRequestId: requestId, prefer: PREFER })).result;
  }

  async function createPayment(input: CreateProviderPayment): Promise<ProviderPayment> {
    const checkout = input.paymentMethodToken === PAYPAL_CHECKOUT_TOKEN;
    if (checkout && input.offSession) return { status: 'failed', providerPaymentId: input.idempotencyKey, failureCode: FAILURE_PAYMENT_METHOD_INVALID };
    try {
      const order = await createOrder(checkout ? checkoutRequest(input) : vaultRequest(input), input.idempotencyKey);
      return await settle(order, input.idempotencyKey);
    } catch (error) {
      const refusal = refusalOf(error);
      if (refusal === undefined) throw unavailable('create order', error);
      // The payer's PayPal wants them (e.g. a funding source to confirm): an ordinary checkout they approve from the portal.
      if (!checkout && refusal.issue === 'PAYER_ACTION_REQUIRED') {
        try {
          return await settle(await createOrder(checkoutRequest({ ...input, savePaymentMethod: false }), `${input.idempotencyKey}_payer`), input.idempotencyKey);
        } catch (again) {
          throw unavailable('create order for the payer', again);
        }
      }
      const failureCode = refusal.statusCode === 422 ? refusal.issue.toLowerCase() : FAILURE_PAYMENT_METHOD_INVALID;
      return { status: 'failed', providerPaymentId: input.idempotencyKey, failureCode, amount: input.amount };
    }
  }

  async function findOrder(orderId: string): Promise<Order | undefined> {
    try {
      return (await orders.getOrder({ id: orderId })).result;
    } catch (error) {
      if (refusalOf(error)?.statusCode === 404) return undefined;
      throw unavailable('get order', error);
    }
  }

  /**
   * PayPal cannot be searched by request id, so an order whose create answer was lost is "not
   * found" (it moves no money without the payer's approval, and a vault charge that did land
   * reports itself by webhook, with our payment id in `custom_id`).
   */
  async function getPayment(ref: { idempotencyKey: string; providerPaymentId?: string }): Promise<ProviderLookup> {
    if (ref.providerPaymentId === undefined || ref.providerPaymentId === ref.idempotencyKey) return { found: false };
    const order = await findOrder(ref.providerPaymentId);
    return order === undefined ? { found: false } : { found: true, ...(await settle(order, ref.idempotencyKey)) };
  }

  /** An order is never captured once cancelled here: only one that completed meanwhile took money. */
  async function cancelPayment(ref: { idempotencyKey: string; providerPaymentId: string }): Promise<ProviderPayment> {
    const order = await findOrder(ref.providerPaymentId);
    if (order !== undefined && order.status === 'COMPLETED') return paymentOfOrder(viewOf(order));
    return { status: 'cancelled', providerPaymentId: ref.providerPaymentId, failureCode: 'abandoned' };
  }

  async function refund(input: { providerPaymentId: string; amount: Money; idempotencyKey: string }): Promise<ProviderRefund> {
    const order = await findOrder(input.providerPaymentId);
    const captureId = order === undefined ? undefined : viewOf(order).capture?.id;
    if (captureId === undefined) return { status: 'failed', providerRefundId: undefined, failureCode: 'capture_not_found' };
    try {
      const { result } = await payments.refundCapturedPayment({
        captureId, paypalRequestId: input.idempotencyKey, prefer: PREFER, body: { amount: toPayPalAmount(input.amount) },
      });
      const status = result.status === 'COMPLETED' ? 'succeeded' : result.status === 'PENDING' ? 'pending' : 'failed';
      return { status, providerRefundId: result.id, ...(status === 'failed' ? { failureCode: `refund_${String(result.status).toLowerCase()}` } : {}) };
    } catch (error) {
      const refusal = refusalOf(error);
      if (refusal === undefined) throw unavailable('refund', error);
      return { status: 'failed', providerRefundId: undefined, failureCode: refusal.issue.toLowerCase() };
    }
  }

  async function parseWebhook(rawBody: Buffer, headers: Record<string, string | string[] | undefined>): Promise<ProviderEvent | undefined> {
    await verifier.verifyWebhook(rawBody, headers);
    let parsed;
    try {
      parsed = PayPalEventSchema.parse(JSON.parse(rawBody.toString('utf8')));
    } catch {
      throw paymentsErrors.webhookPayloadInvalid();
    }
    let facts;
    try {
      facts = factsOfEvent(parsed.event_type, parsed.resource);
    } catch {
      throw paymentsErrors.webhookPayloadInvalid();
    }
    if (facts === undefined) return undefined;
    return {
      eventId: parsed.id, providerPaymentId: facts.providerPaymentId, status: facts.status,
      ...(facts.paymentId !== undefined ? { paymentId: facts.paymentId } : {}),
      ...(facts.amount !== undefined ? { amount: facts.amount } : {}),
      ...(facts.failureCode !== undefined ? { failureCode: facts.failureCode } : {}),
    };
  }

  async function detachPaymentMethod(providerMethodRef: string): Promise<void> {
    try {
      await vault.deletePaymentToken(providerMethodRef);
    } catch (error) {
      if (refusalOf(error)?.statusCode !== 404) throw unavailable('delete payment token', error);
    }
  }

  /**
   * Saving a PayPal wallet without a purchase (Vault v3): a setup token whose `approve` link takes
   * the payer to PayPal; once approved (the payer's return, `confirm`), it is exchanged for a
   * payment token — the vault id charged merchant-initiated for renewals.
   */
  const setup: ProviderSetupFlow = {
    method: PAYPAL_METHOD,
    async createSetup(input) {
      try {
        const { result } = await vault.createSetupToken({
          paypalRequestId: input.idempotencyKey,
          body: {
            paymentSource: {
              paypal: {
                usageType: PaypalPaymentTokenUsageType.Merchant, customerType: PaypalPaymentTokenCustomerType.Consumer,
                experienceContext: { returnUrl: input.returnUrl, cancelUrl: input.returnUrl, locale: input.language },
              },
            },
          },
        });
        const approve = result.links?.find((l) => l.rel === 'approve')?.href;
        if (result.id === undefined || approve === undefined) throw new ProviderUnavailableError('paypal setup token without an approve link');
        return { status: 'requires_action', providerSetupId: result.id, actionUrl: approve };
      } catch (error) {
        if (error instanceof ProviderUnavailableError) throw error;
        const refusal = refusalOf(error);
        if (refusal === undefined) throw unavailable('create setup token', error);
        return { status: 'failed', providerSetupId: input.idempotencyKey, failureCode: refusal.issue.toLowerCase() };
      }
    },
    async getSetup(ref): Promise<ProviderSetup | undefined> {
      const id = ref.providerSetupId;
      if (id === undefined || id === ref.idempotencyKey) return undefined;
      try {
        const { result } = await vault.getSetupToken(id);
        if (result.status !== 'APPROVED' && result.status !== 'VAULTED') return { status: 'requires_action', providerSetupId: id };
        // The same request id returns the same payment token however often the exchange is retried.
        const token = await vault.createPaymentToken({ paypalRequestId: `${ref.idempotencyKey}_token`, body: { paymentSource: { token: { id, type: VaultTokenRequestType.SetupToken } } } });
        const saved = savedWalletOfToken(token.result.id);
        return saved === undefined ? undefined : { status: 'succeeded', providerSetupId: id, savedMethod: saved };
      } catch (error) {
        if (refusalOf(error)?.statusCode === 404) return undefined;
        throw unavailable('get setup token', error);
      }
    },
  };

  return {
    name: PAYPAL_PROVIDER,
    setup,
    methods: [PAYPAL_METHOD],
    // A vaulted wallet is charged merchant-initiated, without the payer.
    offSessionMethods: [PAYPAL_METHOD],
    createPayment, getPayment, cancelPayment, refund, parseWebhook, detachPaymentMethod,
  };
}
