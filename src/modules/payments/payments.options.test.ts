import { describe, expect, it } from 'vitest';
import { offSessionUse } from './payments.methods.js';
import { paymentOptions } from './payments.options.js';
import { createProviderRegistry, type PaymentProvider } from './payments.provider.js';

const provider = (name: string, methods: string[], offSessionMethods: string[], setupMethod?: string): PaymentProvider => ({
  name, methods, offSessionMethods,
  ...(setupMethod !== undefined ? { setup: { method: setupMethod, createSetup: async () => ({ status: 'failed', providerSetupId: 'x' }), getSetup: async () => undefined } } : {}),
} as unknown as PaymentProvider);

describe('which methods renew off-session', () => {
  const registry = createProviderRegistry([
    provider('stripe', ['card', 'alipay', 'wechat_pay'], ['card'], 'card'),
    provider('wechatpay', ['wechatpay_native', 'wechatpay_h5'], []),
    provider('alipay', ['alipay_page', 'alipay_qr', 'alipay_agreement'], ['alipay_agreement'], 'alipay_agreement'),
  ]);

  it('is the provider’s declaration for the method a saved method charges', () => {
    expect(offSessionUse(registry, { provider: 'stripe', method: 'card' })).toMatchObject({ method: 'card' });
    expect(offSessionUse(registry, { provider: 'stripe', method: 'alipay' })).toBe('not_off_session');
    expect(offSessionUse(registry, { provider: 'alipay', method: 'alipay_agreement' })).toMatchObject({ method: 'alipay_agreement' });
    expect(offSessionUse(registry, { provider: 'wechatpay', method: 'wechatpay_native' })).toBe('not_off_session');
    expect(offSessionUse(registry, { provider: 'paypal', method: 'paypal' })).toBe('provider_unavailable');
    // Rows saved before the method was recorded charge the provider's one saved kind.
    expect(offSessionUse(registry, { provider: 'stripe', method: null })).toMatchObject({ method: 'card' });
    expect(offSessionUse(registry, { provider: 'wechatpay' })).toBe('not_off_session');
  });

  it('tells the portal how each method is paid and which providers save without a payment', () => {
    const options = paymentOptions(registry);
    expect(options.methods.map((m) => [m.method, m.flow, m.device, m.offSession])).toEqual([
      ['card', 'saved_only', 'any', true], ['alipay', 'redirect', 'any', false], ['wechat_pay', 'redirect', 'any', false],
      ['wechatpay_native', 'qr', 'desktop', false], ['wechatpay_h5', 'redirect', 'mobile', false],
      ['alipay_page', 'redirect', 'desktop', false], ['alipay_qr', 'qr', 'desktop', false], ['alipay_agreement', 'off_session_only', 'any', true],
    ]);
    expect(options.providers).toEqual([
      { provider: 'stripe', saveWithoutPayment: true, savedMethod: 'card' },
      { provider: 'wechatpay', saveWithoutPayment: false },
      { provider: 'alipay', saveWithoutPayment: true, savedMethod: 'alipay_agreement' },
    ]);
  });
});
