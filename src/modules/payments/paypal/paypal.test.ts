import { describe, expect, it } from 'vitest';
import { factsOfEvent, fromPayPalAmount, paymentOfOrder, reportedAmount, toPayPalAmount, webhookSignedMessage } from './paypal.js';

describe('PayPal amounts', () => {
  it('writes decimal values with the currency’s decimals (none for JPY and TWD)', () => {
    expect(toPayPalAmount({ amountMinor: 1999, currency: 'USD' })).toEqual({ currencyCode: 'USD', value: '19.99' });
    expect(toPayPalAmount({ amountMinor: 5, currency: 'EUR' })).toEqual({ currencyCode: 'EUR', value: '0.05' });
    expect(toPayPalAmount({ amountMinor: 500, currency: 'TWD' })).toEqual({ currencyCode: 'TWD', value: '500' });
    expect(toPayPalAmount({ amountMinor: 1500, currency: 'JPY' })).toEqual({ currencyCode: 'JPY', value: '1500' });
  });
  it('reads only exact amounts; an unreadable reported amount throws instead of passing as the requested one', () => {
    expect(fromPayPalAmount('USD', '19.99')).toEqual({ amountMinor: 1999, currency: 'USD' });
    expect(fromPayPalAmount('TWD', '500')).toEqual({ amountMinor: 500, currency: 'TWD' });
    expect(fromPayPalAmount('USD', '19.9')).toBeUndefined();
    expect(fromPayPalAmount('TWD', '500.00')).toBeUndefined();
    expect(reportedAmount(undefined, undefined)).toBeUndefined();
    expect(() => reportedAmount('USD', '19.990')).toThrow();
    expect(() => reportedAmount('SEK', '10.00')).toThrow();
  });
});

describe('PayPal webhook message', () => {
  it('is transmission id | time | webhook id | decimal CRC32 of the raw bytes', () => {
    // CRC-32 of "123456789" is 0xCBF43926 = 3421780262 (the standard check value).
    expect(webhookSignedMessage('t-1', '2026-11-27T09:00:00Z', 'WH-1', Buffer.from('123456789'))).toBe('t-1|2026-11-27T09:00:00Z|WH-1|3421780262');
  });
});

describe('PayPal orders and events', () => {
  const order = { id: 'O1', customId: 'pay_1', actionUrl: 'https://paypal/checkoutnow', vault: undefined };
  it('maps order states', () => {
    expect(paymentOfOrder({ ...order, status: 'PAYER_ACTION_REQUIRED', capture: undefined })).toEqual({ providerPaymentId: 'O1', status: 'requires_action', actionUrl: 'https://paypal/checkoutnow' });
    expect(paymentOfOrder({ ...order, status: 'APPROVED', capture: undefined }).status).toBe('pending');
    expect(paymentOfOrder({ ...order, status: 'COMPLETED', capture: { id: 'C', status: 'COMPLETED', amount: { amountMinor: 1999, currency: 'USD' } } }))
      .toMatchObject({ status: 'succeeded', amount: { amountMinor: 1999, currency: 'USD' } });
    expect(paymentOfOrder({ ...order, status: 'COMPLETED', capture: { id: 'C', status: 'DECLINED', amount: undefined } })).toMatchObject({ status: 'failed', failureCode: 'capture_declined' });
    expect(paymentOfOrder({ ...order, status: 'VOIDED', capture: undefined }).status).toBe('cancelled');
  });
  it('reads the events it applies and ignores the others', () => {
    expect(factsOfEvent('PAYMENT.CAPTURE.COMPLETED', {
      id: 'C1', status: 'COMPLETED', amount: { currency_code: 'USD', value: '19.99' }, custom_id: 'pay_1', supplementary_data: { related_ids: { order_id: 'O1' } },
    })).toEqual({ providerPaymentId: 'O1', paymentId: 'pay_1', status: 'succeeded', amount: { amountMinor: 1999, currency: 'USD' }, failureCode: undefined });
    expect(factsOfEvent('CHECKOUT.ORDER.APPROVED', { id: 'O1', status: 'APPROVED', purchase_units: [{ custom_id: 'pay_1' }] })).toMatchObject({ status: 'pending', paymentId: 'pay_1' });
    expect(factsOfEvent('PAYMENT.CAPTURE.REFUNDED', {})).toBeUndefined();
    expect(() => factsOfEvent('PAYMENT.CAPTURE.COMPLETED', { id: 'C1', status: 'COMPLETED' })).toThrow();
  });
});
