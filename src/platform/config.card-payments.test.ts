import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config.js';

const stripe = { ROAMLINE_STRIPE_SECRET_KEY: 'sk_test_abcdefgh12345678', ROAMLINE_STRIPE_WEBHOOK_SECRET: 'whsec_abcdefgh12345678' };
const paypal = {
  ROAMLINE_PAYPAL_CLIENT_ID: 'client-id-123', ROAMLINE_PAYPAL_CLIENT_SECRET: 'client-secret-123', ROAMLINE_PAYPAL_WEBHOOK_ID: '4JH86294D6297924G',
  ROAMLINE_PAYPAL_ENVIRONMENT: 'live',
};

describe('Stripe and PayPal configuration', () => {
  it('offers a provider when it is configured, with its defaults', () => {
    const config = loadConfig({ ROAMLINE_ENV: 'development', ...stripe, ...paypal });
    expect(config.paymentProviders).toEqual(['sandbox', 'stripe', 'paypal']);
    expect(config.stripe).toMatchObject({ methods: ['card', 'alipay', 'wechat_pay'], apiBase: undefined });
    expect(config.paypal).toMatchObject({ environment: 'live', certOrigins: expect.arrayContaining(['https://api.paypal.com', 'https://api.sandbox.paypal.com']) as unknown });
  });
  it('does not offer an unconfigured provider, and refuses one listed without settings', () => {
    expect(loadConfig({ ROAMLINE_ENV: 'development' }).stripe).toBeUndefined();
    expect(() => loadConfig({ ROAMLINE_ENV: 'development', ROAMLINE_PAYMENT_PROVIDERS: 'stripe' })).toThrow(/stripe is listed but not configured/);
  });
  it('names every missing or malformed setting', () => {
    expect(() => loadConfig({ ROAMLINE_ENV: 'development', ROAMLINE_STRIPE_SECRET_KEY: stripe.ROAMLINE_STRIPE_SECRET_KEY })).toThrow(/ROAMLINE_STRIPE_WEBHOOK_SECRET/);
    expect(() => loadConfig({ ROAMLINE_ENV: 'development', ...stripe, ROAMLINE_STRIPE_METHODS: 'card,bitcoin' })).toThrow(/ROAMLINE_STRIPE_METHODS/);
    expect(() => loadConfig({ ROAMLINE_ENV: 'development', ...stripe, ROAMLINE_STRIPE_SECRET_KEY: 'pk_test_abcdefgh12345678' })).toThrow(ConfigError);
    expect(() => loadConfig({ ROAMLINE_ENV: 'development', ROAMLINE_PAYPAL_CLIENT_ID: 'client-id-123' })).toThrow(/ROAMLINE_PAYPAL_ENVIRONMENT/);
    expect(() => loadConfig({ ROAMLINE_ENV: 'development', ...paypal, ROAMLINE_PAYPAL_API_BASE: 'http://127.0.0.1:9/v2' })).toThrow(/ROAMLINE_PAYPAL_API_BASE/);
    expect(loadConfig({ ROAMLINE_ENV: 'development', ...stripe, ROAMLINE_STRIPE_METHODS: 'card' }).stripe?.methods).toEqual(['card']);
  });
});
