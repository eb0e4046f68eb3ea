import type { IncomingHttpHeaders } from 'node:http';
import type { Clock } from '../../../platform/clock.js';
import type { WechatPayConfig } from '../../../platform/config.china-payments.js';
import { isCurrency, money, type Money } from '../../../platform/money.js';
import { paymentsErrors } from '../payments.errors.js';
import { DEFAULT_PROVIDER_TIMEOUT_MS, FAILURE_PAYMENT_METHOD_INVALID } from '../payments.js';
import {
  ProviderUnavailableError, type CreateProviderPayment, type PaymentProvider, type ProviderEvent, type ProviderLookup,
  type ProviderPayment, type ProviderRefund,
} from '../payments.provider.js';
import { createWechatPayClient, type WechatPayAnswer } from './wechatpay.client.js';
import {
  CallbackSchema, FAILURE_CLIENT_IP_REQUIRED, TransactionSchema, WECHATPAY_CALLBACK_MAX_BYTES, WECHATPAY_CURRENCY, WECHATPAY_METHODS,
  WECHATPAY_PAY_WINDOW_MS, checkSignature, decryptResource, failureCodeOf, outTradeNoOf, paymentIdOfOutTradeNo, rfc3339Beijing,
  statusOfTradeState, type Transaction,
} from './wechatpay.js';

export interface WechatPayProviderOptions {
  readonly config: WechatPayConfig;
  readonly clock: Clock;
  /** Absolute URL of `POST /api/v1/webhooks/wechatpay` (the notify URL sent with every payment). */
  readonly notifyUrl: string;
  readonly timeoutMs?: number;
}

const FAILURE_CURRENCY_NOT_SUPPORTED = 'currency_not_supported';

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return typeof value === 'string' ? value : undefined;
}

function errorCodeOf(answer: WechatPayAnswer): string | undefined {
  const body = answer.body as { code?: unknown } | undefined;
  return typeof body?.code === 'string' ? body.code : undefined;
}

/**
 * WeChat Pay API v3 for a direct merchant: Native (QR) and H5 payments, query and close by
 * `out_trade_no` (derived from the platform's idempotency key, and the provider payment id),
 * refunds by `out_refund_no`, and callbacks verified then decrypted. CNY only. No method renews
 * off-session (that needs a Papay contract, not implemented).
 */
export function createWechatPayProvider(options: WechatPayProviderOptions): PaymentProvider {
  const { config, clock, notifyUrl } = options;
  const client = createWechatPayClient(config, clock, options.timeoutMs ?? DEFAULT_PROVIDER_TIMEOUT_MS);
  const platformKeys = new Map(config.platformKeys.map((k) => [k.serial, k.publicKeyPem]));
  const mchQuery = `mchid=${encodeURIComponent(config.mchId)}`;

  const amountOf = (t: Transaction): Money | undefined => {
    const total = t.amount?.total;
    const currency = t.amount?.currency ?? WECHATPAY_CURRENCY;
    return total === undefined || !isCurrency(currency) ? undefined : money(total, currency);
  };

  function failed(outTradeNo: string, failureCode: string): ProviderPayment {
    return { status: 'failed', providerPaymentId: outTradeNo, failureCode };
  }

  async function prepay(input: CreateProviderPayment, outTradeNo: string): Promise<ProviderPayment> {
    const h5 = input.method === WECHATPAY_METHODS.h5;
    if (h5 && input.clientIp === undefined) return failed(outTradeNo, FAILURE_CLIENT_IP_REQUIRED);
    const answer = await client.request('POST', `/v3/pay/transactions/${h5 ? 'h5' : 'native'}`, {
      appid: config.appId, mchid: config.mchId, description: `Roamline ${input.orderId}`, out_trade_no: outTradeNo,
      time_expire: rfc3339Beijing(clock.nowMs() + WECHATPAY_PAY_WINDOW_MS), notify_url: notifyUrl,
      amount: { total: input.amount.amountMinor, currency: WECHATPAY_CURRENCY },
      ...(h5 ? { scene_info: { payer_client_ip: input.clientIp, h5_info: { type: 'Wap' } } } : {}),
    });
    if (answer.status !== 200) return failed(outTradeNo, failureCodeOf(errorCodeOf(answer)));
    const body = answer.body as { code_url?: unknown; h5_url?: unknown } | undefined;
    const link = h5 ? body?.h5_url : body?.code_url;
    if (typeof link !== 'string' || link.length === 0) throw new ProviderUnavailableError('wechatpay prepay: no code_url / h5_url');
    // H5: WeChat sends the customer back to `redirect_url` after paying (or not); Native: the portal renders code_url as a QR code.
    const actionUrl = h5 ? `${link}${link.includes('?') ? '&' : '?'}redirect_url=${encodeURIComponent(input.returnUrl)}` : link;
    return { status: 'requires_action', providerPaymentId: outTradeNo, actionUrl, amount: input.amount };
  }

  async function lookup(outTradeNo: string): Promise<ProviderLookup> {
    const answer = await client.request('GET', `/v3/pay/transactions/out-trade-no/${encodeURIComponent(outTradeNo)}?${mchQuery}`);
    if (answer.status === 404) return { found: false };
    if (answer.status !== 200) throw new ProviderUnavailableError(`wechatpay query: HTTP ${answer.status} ${errorCodeOf(answer) ?? ''}`);
    const parsed = TransactionSchema.safeParse(answer.body);
    if (!parsed.success || parsed.data.mchid !== config.mchId || parsed.data.out_trade_no !== outTradeNo) throw new ProviderUnavailableError('wechatpay query: unexpected transaction');
    const status = statusOfTradeState(parsed.data.trade_state);
    if (status === undefined) throw new ProviderUnavailableError(`wechatpay query: unknown trade_state ${parsed.data.trade_state}`);
    const amount = amountOf(parsed.data);
    // A success is matched against the order: without its amount it cannot be.
    if (status === 'succeeded' && amount === undefined) throw new ProviderUnavailableError('wechatpay query: success without amount');
    return { found: true, status, providerPaymentId: outTradeNo, ...(amount !== undefined ? { amount } : {}) };
  }

  function refundAnswer(answer: WechatPayAnswer, key: string): ProviderRefund {
    const body = answer.body as { status?: unknown; refund_id?: unknown } | undefined;
    const refundId = typeof body?.refund_id === 'string' ? body.refund_id : key;
    switch (body?.status) {
      case 'SUCCESS': return { status: 'succeeded', providerRefundId: refundId };
      case 'PROCESSING': return { status: 'pending', providerRefundId: refundId };
      case 'CLOSED':
      case 'ABNORMAL': return { status: 'failed', providerRefundId: refundId, failureCode: failureCodeOf(`refund_${String(body.status)}`) };
      default: throw new ProviderUnavailableError('wechatpay refund: no status');
    }
  }

  return {
    name: 'wechatpay',
    methods: [WECHATPAY_METHODS.native, WECHATPAY_METHODS.h5],
    offSessionMethods: [],
    tokenlessMethods: [WECHATPAY_METHODS.native, WECHATPAY_METHODS.h5],

    async createPayment(input) {
      const outTradeNo = outTradeNoOf(input.idempotencyKey);
      if (input.amount.currency !== WECHATPAY_CURRENCY) return failed(outTradeNo, FAILURE_CURRENCY_NOT_SUPPORTED);
      if (input.method !== WECHATPAY_METHODS.native && input.method !== WECHATPAY_METHODS.h5) return failed(outTradeNo, FAILURE_PAYMENT_METHOD_INVALID);
      return prepay(input, outTradeNo);
    },

    getPayment: (ref) => lookup(ref.providerPaymentId ?? outTradeNoOf(ref.idempotencyKey)),

    async cancelPayment(ref) {
      const path = `/v3/pay/transactions/out-trade-no/${encodeURIComponent(ref.providerPaymentId)}/close`;
      const answer = await client.request('POST', path, { mchid: config.mchId });
      if (answer.status === 204) return { status: 'cancelled', providerPaymentId: ref.providerPaymentId };
      // Not closable (e.g. ORDERPAID): what WeChat Pay holds now is the answer.
      const now = await lookup(ref.providerPaymentId);
      return now.found ? now : { status: 'cancelled', providerPaymentId: ref.providerPaymentId };
    },

    async refund(input) {
      if (input.amount.currency !== WECHATPAY_CURRENCY) return { status: 'failed', providerRefundId: undefined, failureCode: FAILURE_CURRENCY_NOT_SUPPORTED };
      // A refund asked before (this key) is read, not asked again: retries poll a PROCESSING refund.
      const existing = await client.request('GET', `/v3/refund/domestic/refunds/${encodeURIComponent(input.idempotencyKey)}`);
      if (existing.status === 200) return refundAnswer(existing, input.idempotencyKey);
      if (existing.status !== 404) throw new ProviderUnavailableError(`wechatpay refund query: HTTP ${existing.status}`);
      // The refund names the order's total, which only WeChat Pay holds with certainty.
      const paid = await lookup(input.providerPaymentId);
      if (!paid.found || paid.amount === undefined) return { status: 'failed', providerRefundId: undefined, failureCode: 'wechatpay_order_not_exist' };
      const answer = await client.request('POST', '/v3/refund/domestic/refunds', {
        out_trade_no: input.providerPaymentId, out_refund_no: input.idempotencyKey,
        amount: { refund: input.amount.amountMinor, total: paid.amount.amountMinor, currency: WECHATPAY_CURRENCY },
      });
      if (answer.status !== 200) return { status: 'failed', providerRefundId: undefined, failureCode: failureCodeOf(errorCodeOf(answer)) };
      return refundAnswer(answer, input.idempotencyKey);
    },

    async parseWebhook(rawBody, headers): Promise<ProviderEvent | undefined> {
      if (rawBody.length > WECHATPAY_CALLBACK_MAX_BYTES) throw paymentsErrors.webhookPayloadInvalid();
      const text = rawBody.toString('utf8');
      const check = checkSignature(platformKeys, {
        serial: header(headers, 'wechatpay-serial'), signature: header(headers, 'wechatpay-signature'),
        timestamp: header(headers, 'wechatpay-timestamp'), nonce: header(headers, 'wechatpay-nonce'),
      }, text, clock.nowMs());
      if (check === 'invalid') throw paymentsErrors.webhookSignatureInvalid();
      if (check === 'stale') throw paymentsErrors.webhookStale();
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch {
        throw paymentsErrors.webhookPayloadInvalid();
      }
      const callback = CallbackSchema.safeParse(json);
      if (!callback.success) throw paymentsErrors.webhookPayloadInvalid();
      // A genuine callback about something else (e.g. REFUND.SUCCESS) is acknowledged and not applied.
      if (callback.data.resource.original_type !== 'transaction' || !callback.data.event_type.startsWith('TRANSACTION.')) return undefined;
      let plain: string;
      try {
        plain = decryptResource(config.apiV3Key, callback.data.resource);
      } catch {
        // The authentication tag does not match: the resource was not encrypted with our APIv3 key as sent.
        throw paymentsErrors.webhookSignatureInvalid();
      }
      let transaction: Transaction;
      try {
        transaction = TransactionSchema.parse(JSON.parse(plain));
      } catch {
        throw paymentsErrors.webhookPayloadInvalid();
      }
      const status = statusOfTradeState(transaction.trade_state);
      const amount = amountOf(transaction);
      if (transaction.mchid !== config.mchId || transaction.appid !== config.appId || status === undefined) throw paymentsErrors.webhookPayloadInvalid();
      if (status === 'succeeded' && amount === undefined) throw paymentsErrors.webhookPayloadInvalid();
      const paymentId = paymentIdOfOutTradeNo(transaction.out_trade_no);
      return {
        eventId: callback.data.id, providerPaymentId: transaction.out_trade_no, status,
        ...(amount !== undefined ? { amount } : {}), ...(paymentId !== undefined ? { paymentId } : {}),
      };
    },

    // Nothing is saved at WeChat Pay (no Papay contract), so there is nothing to detach.
    detachPaymentMethod: async () => undefined,
  };
}
