import type Stripe from 'stripe';
import { describe, expect, it } from 'vitest';
import { StripeAmountError, actionUrlOf, fromStripeAmount, paymentOf, statusOf, toStripeAmount } from './stripe.js';

const intent = (patch: Partial<Stripe.PaymentIntent>): Stripe.PaymentIntent => ({
  id: 'pi_1', object: 'payment_intent', amount: 1999, amount_received: 0, currency: 'usd', status: 'requires_payment_method',
  next_action: null, last_payment_error: null, payment_method: null, setup_future_usage: null, cancellation_reason: null, metadata: {},
  ...patch,
} as unknown as Stripe.PaymentIntent);

describe('Stripe amounts', () => {
  it('sends two-decimal currencies as they are and JPY as zero-decimal', () => {
    expect(toStripeAmount({ amountMinor: 1999, currency: 'USD' })).toEqual({ amount: 1999, currency: 'usd' });
    expect(toStripeAmount({ amountMinor: 8800, currency: 'HKD' })).toEqual({ amount: 8800, currency: 'hkd' });
    expect(toStripeAmount({ amountMinor: 1500, currency: 'JPY' })).toEqual({ amount: 1500, currency: 'jpy' });
  });
  it('sends TWD (whole dollars in Roamline) as Stripe’s two-decimal amount, and reads it back', () => {
    expect(toStripeAmount({ amountMinor: 500, currency: 'TWD' })).toEqual({ amount: 50000, currency: 'twd' });
    expect(fromStripeAmount(50000, 'twd')).toEqual({ amountMinor: 500, currency: 'TWD' });
    expect(() => fromStripeAmount(50050, 'twd')).toThrow(StripeAmountError);
  });
  it('reads other currencies one to one and ignores currencies Roamline does not sell in', () => {
    expect(fromStripeAmount(1999, 'usd')).toEqual({ amountMinor: 1999, currency: 'USD' });
    expect(fromStripeAmount(1500, 'jpy')).toEqual({ amountMinor: 1500, currency: 'JPY' });
    expect(fromStripeAmount(100, 'sek')).toBeUndefined();
  });
});

describe('PaymentIntent states', () => {
  it('maps every status; a failed attempt is requires_payment_method with an error', () => {
    expect(statusOf(intent({ status: 'succeeded' }))).toBe('succeeded');
    expect(statusOf(intent({ status: 'processing' }))).toBe('pending');
    expect(statusOf(intent({ status: 'requires_action' }))).toBe('requires_action');
    expect(statusOf(intent({ status: 'canceled' }))).toBe('cancelled');
    expect(statusOf(intent({ status: 'requires_payment_method' }))).toBe('pending');
    expect(statusOf(intent({ status: 'requires_payment_method', last_payment_error: { type: 'card_error', code: 'card_declined' } as Stripe.PaymentIntent.LastPaymentError }))).toBe('failed');
  });
  it('finds the page of the next action: 3-D Secure, Alipay, WeChat Pay', () => {
    expect(actionUrlOf(intent({ next_action: { type: 'redirect_to_url', redirect_to_url: { url: 'https://hooks.stripe.com/3ds', return_url: null } } }))).toBe('https://hooks.stripe.com/3ds');
    expect(actionUrlOf(intent({ next_action: { type: 'alipay_handle_redirect', alipay_handle_redirect: { url: 'https://alipay', native_data: null, native_url: null, return_url: null } } }))).toBe('https://alipay');
    expect(actionUrlOf(intent({ next_action: { type: 'wechat_pay_display_qr_code', wechat_pay_display_qr_code: { hosted_instructions_url: 'https://wechat', data: '', image_data_url: '', image_url_png: '', image_url_svg: '' } } }))).toBe('https://wechat');
  });
  it('reports what was taken, the decline code, and the saved card (never its number)', () => {
    const card = { id: 'pm_1', object: 'payment_method', type: 'card', card: { brand: 'visa', last4: '4242', exp_month: 12, exp_year: 2030 } } as unknown as Stripe.PaymentMethod;
    expect(paymentOf(intent({ status: 'succeeded', amount_received: 1999, setup_future_usage: 'off_session', payment_method: card }))).toEqual({
      status: 'succeeded', providerPaymentId: 'pi_1', amount: { amountMinor: 1999, currency: 'USD' },
      savedMethod: { providerMethodRef: 'pm_1', brand: 'visa', last4: '4242', expMonth: 12, expYear: 2030 },
    });
    expect(paymentOf(intent({ last_payment_error: { type: 'card_error', code: 'card_declined', decline_code: 'insufficient_funds' } as Stripe.PaymentIntent.LastPaymentError })))
      .toMatchObject({ status: 'failed', failureCode: 'insufficient_funds' });
  });
});
