import { AlipaySdk, type AlipaySdkCommonResult } from 'alipay-sdk';
import type { Clock } from '../../../platform/clock.js';
import type { AlipayConfig } from '../../../platform/config.china-payments.js';
import { money, type Money } from '../../../platform/money.js';
import { paymentsErrors } from '../payments.errors.js';
import { DEFAULT_PROVIDER_TIMEOUT_MS, FAILURE_PAYMENT_METHOD_INVALID } from '../payments.js';
import {
  ProviderUnavailableError, type CreateProviderPayment, type PaymentProvider, type ProviderEvent, type ProviderLookup,
  type ProviderPayment, type ProviderRefund, type ProviderSetupFlow,
} from '../payments.provider.js';
import {
  ALIPAY_CURRENCY, ALIPAY_METHODS, ALIPAY_NOTIFY_ACK, ALIPAY_NOTIFY_MAX_AGE_MS, ALIPAY_NOTIFY_MAX_BYTES, ALIPAY_NOTIFY_MAX_FUTURE_MS,
  ALIPAY_PAY_WINDOW_MS, ALIPAY_PRODUCT_CODES, ALIPAY_SIGN_TYPE, FAILURE_CURRENCY_NOT_SUPPORTED, failureCodeOf, fenToYuan, formFields,
  formatBeijingTime, isUnknownOutcome, paymentIdOfOutTradeNo, readNotify, statusOfTrade, yuanToFen, type AlipayMethod,
} from './alipay.js';
import {
  AGREEMENT_NOTIFY_TYPES, AGREEMENT_PERSONAL_PRODUCT_CODE, AGREEMENT_SIGN_SCENE, agreementSignContent, readAgreementNotify, setupOfAgreement,
} from './alipay.agreement.js';

export interface AlipayProviderOptions {
  readonly config: AlipayConfig;
  readonly clock: Clock;
  /** Absolute URL of `POST /api/v1/webhooks/alipay` (the notify URL sent with every payment). */
  readonly notifyUrl: string;
  /** Bound of one HTTP call made by the SDK (the platform bounds the whole provider call too). */
  readonly timeoutMs?: number;
}

const TRADE_NOT_EXIST = 'ACQ.TRADE_NOT_EXIST';

/**
 * Alipay direct through the official `alipay-sdk`: every request is signed RSA2 with the app's
 * private key and every answer's signature checked with Alipay's public key (`validateSign`).
 * `out_trade_no` is the platform's idempotency key, which Alipay deduplicates by; it is also the
 * provider payment id used for query, close and refund (Alipay's `trade_no` exists only once the
 * customer has paid or scanned). Amounts are CNY only.
 */
export function createAlipayProvider(options: AlipayProviderOptions): PaymentProvider {
  const { config, clock, notifyUrl } = options;
  const sdk = new AlipaySdk({
    appId: config.appId, privateKey: config.privateKeyPem, keyType: 'PKCS8', alipayPublicKey: config.alipayPublicKeyPem,
    gateway: config.gatewayUrl, signType: ALIPAY_SIGN_TYPE, camelcase: false, timeout: options.timeoutMs ?? DEFAULT_PROVIDER_TIMEOUT_MS,
  });
  const methods: AlipayMethod[] = [ALIPAY_METHODS.page, ALIPAY_METHODS.wap, ALIPAY_METHODS.qr, ...(config.agreement ? [ALIPAY_METHODS.agreement] : [])];

  /** Calls the gateway; a transport failure, an unverifiable answer or a system error is "outcome unknown". */
  async function call(method: string, bizContent: Record<string, unknown>, withNotify = false): Promise<AlipaySdkCommonResult> {
    let result: AlipaySdkCommonResult;
    try {
      result = await sdk.exec(method, {
        // The SDK would write the machine's local time; Alipay reads Beijing time, and ours comes from the clock.
        timestamp: formatBeijingTime(clock.nowMs()),
        ...(withNotify ? { notify_url: notifyUrl } : {}),
        bizContent,
      }, { validateSign: true });
    } catch (error) {
      throw new ProviderUnavailableError(`alipay ${method}: ${error instanceof Error ? error.message.slice(0, 300) : 'failed'}`, { cause: error });
    }
    if (isUnknownOutcome(result.code, result.sub_code)) throw new ProviderUnavailableError(`alipay ${method}: ${result.code} ${result.sub_code ?? ''}`);
    return result;
  }

  const amountOf = (totalAmount: unknown): Money | undefined => {
    const fen = typeof totalAmount === 'string' ? yuanToFen(totalAmount) : undefined;
    return fen === undefined ? undefined : money(fen, ALIPAY_CURRENCY);
  };

  function tradeContent(input: CreateProviderPayment, method: AlipayMethod): Record<string, unknown> {
    return {
      out_trade_no: input.idempotencyKey,
      total_amount: fenToYuan(input.amount.amountMinor),
      subject: `Roamline ${input.orderId}`,
      product_code: ALIPAY_PRODUCT_CODES[method],
      ...(method === ALIPAY_METHODS.agreement ? {} : { time_expire: formatBeijingTime(clock.nowMs() + ALIPAY_PAY_WINDOW_MS) }),
    };
  }

  function failed(input: CreateProviderPayment, failureCode: string): ProviderPayment {
    return { status: 'failed', providerPaymentId: input.idempotencyKey, failureCode };
  }

  /** Page and mobile-web payments are a signed redirect to the gateway: no call is made until the customer opens it. */
  function redirect(input: CreateProviderPayment, method: typeof ALIPAY_METHODS.page | typeof ALIPAY_METHODS.wap): ProviderPayment {
    const api = method === ALIPAY_METHODS.page ? 'alipay.trade.page.pay' : 'alipay.trade.wap.pay';
    const content = { ...tradeContent(input, method), ...(method === ALIPAY_METHODS.wap ? { quit_url: input.returnUrl } : {}) };
    const actionUrl = sdk.pageExecute(api, 'GET', {
      bizContent: content, notifyUrl, returnUrl: input.returnUrl, timestamp: formatBeijingTime(clock.nowMs()),
    });
    return { status: 'requires_action', providerPaymentId: input.idempotencyKey, actionUrl, amount: input.amount };
  }

  async function precreate(input: CreateProviderPayment): Promise<ProviderPayment> {
    const result = await call('alipay.trade.precreate', tradeContent(input, ALIPAY_METHODS.qr), true);
    if (result.code !== '10000') return failed(input, failureCodeOf(result.sub_code, result.code));
    if (typeof result.qr_code !== 'string' || !/^https:\/\//.test(result.qr_code)) throw new ProviderUnavailableError('alipay precreate: no qr_code');
    // The portal renders `qr_code` as a QR code for the Alipay app to scan.
    return { status: 'requires_action', providerPaymentId: input.idempotencyKey, actionUrl: result.qr_code, amount: input.amount };
  }

  /** Withholding under the customer's agreement: settles at once (10000), or later (10003, then notify). */
  async function payByAgreement(input: CreateProviderPayment): Promise<ProviderPayment> {
    // An agreement number is never taken from the customer's request: only a saved method charged off-session.
    if (!input.offSession || !config.agreement) return failed(input, FAILURE_PAYMENT_METHOD_INVALID);
    const result = await call('alipay.trade.pay', {
      ...tradeContent(input, ALIPAY_METHODS.agreement), agreement_params: { agreement_no: input.paymentMethodToken },
    }, true);
    const amount = amountOf(result.total_amount);
    if (result.code === '10000') return { status: 'succeeded', providerPaymentId: input.idempotencyKey, ...(amount !== undefined ? { amount } : {}) };
    if (result.code === '10003') return { status: 'pending', providerPaymentId: input.idempotencyKey };
    return failed(input, failureCodeOf(result.sub_code, result.code));
  }

  async function lookup(outTradeNo: string, answered: boolean): Promise<ProviderLookup> {
    const result = await call('alipay.trade.query', { out_trade_no: outTradeNo });
    if (result.code !== '10000') {
      // A page or QR payment exists at Alipay only once the customer opens or scans it.
      if (result.sub_code === TRADE_NOT_EXIST) return answered ? { found: true, status: 'requires_action', providerPaymentId: outTradeNo } : { found: false };
      throw new ProviderUnavailableError(`alipay trade.query: ${result.code} ${result.sub_code ?? ''}`);
    }
    const status = statusOfTrade(String(result.trade_status));
    if (status === undefined) throw new ProviderUnavailableError(`alipay trade.query: unknown trade_status ${String(result.trade_status)}`);
    const amount = amountOf(result.total_amount);
    // A success is matched against the order: without its amount it cannot be.
    if (status === 'succeeded' && amount === undefined) throw new ProviderUnavailableError('alipay trade.query: success without total_amount');
    return { found: true, status, providerPaymentId: outTradeNo, ...(amount !== undefined ? { amount } : {}) };
  }

  /**
   * Signing an agreement (where the merchant has agreement payments): a signed redirect to Alipay's
   * signing page with our key as `external_agreement_no`; the `dut_user_sign` notify, or the
   * customer's return, makes the platform ask `alipay.user.agreement.query` and save the agreement.
   */
  const agreementSetup: ProviderSetupFlow = {
    method: ALIPAY_METHODS.agreement,
    async createSetup(input) {
      const actionUrl = sdk.pageExecute('alipay.user.agreement.page.sign', 'GET', {
        bizContent: agreementSignContent(input.idempotencyKey, input.customerId), notifyUrl, returnUrl: input.returnUrl, timestamp: formatBeijingTime(clock.nowMs()),
      });
      return { status: 'requires_action', providerSetupId: input.idempotencyKey, actionUrl };
    },
    async getSetup(ref) {
      const external = ref.providerSetupId ?? ref.idempotencyKey;
      const result = await call('alipay.user.agreement.query', {
        personal_product_code: AGREEMENT_PERSONAL_PRODUCT_CODE, sign_scene: AGREEMENT_SIGN_SCENE, external_agreement_no: external,
      });
      // Not signed (yet): the customer may still be on Alipay's page.
      if (result.code === '40004') return { status: 'requires_action', providerSetupId: external };
      if (result.code !== '10000') throw new ProviderUnavailableError(`alipay agreement.query: ${result.code} ${result.sub_code ?? ''}`);
      return setupOfAgreement(external, result);
    },
  };

  /** A verified signing or unsigning notify as a `setup` event (the platform then asks Alipay). */
  function agreementEvent(fields: Record<string, string>): ProviderEvent {
    const notify = readAgreementNotify(fields);
    if (!config.agreement || notify === undefined || (fields.app_id !== undefined && fields.app_id !== config.appId)) throw paymentsErrors.webhookPayloadInvalid();
    const ageMs = clock.nowMs() - notify.notifyAtMs;
    if (ageMs > ALIPAY_NOTIFY_MAX_AGE_MS || -ageMs > ALIPAY_NOTIFY_MAX_FUTURE_MS) throw paymentsErrors.webhookStale();
    const setupId = notify.externalAgreementNo.slice('rl_'.length);
    return {
      kind: 'setup', eventId: notify.notifyId, providerPaymentId: notify.externalAgreementNo, status: fields.status === 'NORMAL' ? 'succeeded' : 'cancelled',
      ...(/^set_[0-9A-Z]{26}$/.test(setupId) ? { paymentId: setupId } : {}),
    };
  }

  return {
    name: 'alipay',
    ...(config.agreement ? { setup: agreementSetup } : {}),
    methods,
    // Only agreement payments can be charged with the customer absent, and only where the merchant has them.
    offSessionMethods: config.agreement ? [ALIPAY_METHODS.agreement] : [],
    tokenlessMethods: [ALIPAY_METHODS.page, ALIPAY_METHODS.wap, ALIPAY_METHODS.qr],
    webhookAcknowledgement: { contentType: 'text/plain; charset=utf-8', body: ALIPAY_NOTIFY_ACK },

    async createPayment(input) {
      if (input.amount.currency !== ALIPAY_CURRENCY) return failed(input, FAILURE_CURRENCY_NOT_SUPPORTED);
      switch (input.method) {
        case ALIPAY_METHODS.page: return redirect(input, ALIPAY_METHODS.page);
        case ALIPAY_METHODS.wap: return redirect(input, ALIPAY_METHODS.wap);
        case ALIPAY_METHODS.qr: return precreate(input);
        case ALIPAY_METHODS.agreement: return payByAgreement(input);
        default: return failed(input, FAILURE_PAYMENT_METHOD_INVALID);
      }
    },

    getPayment: (ref) => lookup(ref.providerPaymentId ?? ref.idempotencyKey, ref.providerPaymentId !== undefined),

    async cancelPayment(ref) {
      const result = await call('alipay.trade.close', { out_trade_no: ref.providerPaymentId });
      if (result.code === '10000' || result.sub_code === TRADE_NOT_EXIST) return { status: 'cancelled', providerPaymentId: ref.providerPaymentId };
      // Not closable: it may have been paid meanwhile. What Alipay holds now is the answer.
      const now = await lookup(ref.providerPaymentId, true);
      return now.found ? now : { status: 'cancelled', providerPaymentId: ref.providerPaymentId };
    },

    async refund(input): Promise<ProviderRefund> {
      if (input.amount.currency !== ALIPAY_CURRENCY) return { status: 'failed', providerRefundId: undefined, failureCode: FAILURE_CURRENCY_NOT_SUPPORTED };
      // `out_request_no` makes a retried refund the same refund at Alipay (also for partial refunds).
      const result = await call('alipay.trade.refund', {
        out_trade_no: input.providerPaymentId, refund_amount: fenToYuan(input.amount.amountMinor), out_request_no: input.idempotencyKey,
      });
      if (result.code !== '10000') return { status: 'failed', providerRefundId: undefined, failureCode: failureCodeOf(result.sub_code, result.code) };
      return { status: 'succeeded', providerRefundId: input.idempotencyKey };
    },

    async parseWebhook(rawBody): Promise<ProviderEvent> {
      if (rawBody.length > ALIPAY_NOTIFY_MAX_BYTES) throw paymentsErrors.webhookPayloadInvalid();
      const fields = formFields(rawBody.toString('utf8'));
      // Only RSA2 is accepted: a notify may not choose a weaker algorithm for itself.
      if (fields === undefined || fields.sign === undefined || fields.sign_type !== ALIPAY_SIGN_TYPE) throw paymentsErrors.webhookSignatureInvalid();
      // The SDK sorts every field but `sign` and `sign_type` and verifies with Alipay's public key.
      if (!sdk.checkNotifySignV2(fields)) throw paymentsErrors.webhookSignatureInvalid();
      if (fields.notify_type !== undefined && AGREEMENT_NOTIFY_TYPES.has(fields.notify_type)) return agreementEvent(fields);
      const notify = readNotify(fields);
      if (notify === undefined || notify.appId !== config.appId) throw paymentsErrors.webhookPayloadInvalid();
      const ageMs = clock.nowMs() - notify.notifyAtMs;
      if (ageMs > ALIPAY_NOTIFY_MAX_AGE_MS || -ageMs > ALIPAY_NOTIFY_MAX_FUTURE_MS) throw paymentsErrors.webhookStale();
      const status = statusOfTrade(notify.tradeStatus, notify.refunded);
      if (status === undefined) throw paymentsErrors.webhookPayloadInvalid();
      const paymentId = paymentIdOfOutTradeNo(notify.outTradeNo);
      return {
        eventId: notify.notifyId, providerPaymentId: notify.outTradeNo, status, amount: money(notify.totalFen, ALIPAY_CURRENCY),
        ...(paymentId !== undefined ? { paymentId } : {}),
      };
    },

    async detachPaymentMethod(agreementNo) {
      const result = await call('alipay.user.agreement.unsign', { agreement_no: agreementNo });
      // 40004 (already unsigned or unknown): nothing can be charged with it either way.
      if (result.code !== '10000' && result.code !== '40004') throw new ProviderUnavailableError(`alipay agreement.unsign: ${result.code}`);
    },
  };
}
