import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../platform/config.js';

const secret = { ROAMLINE_SECRET_KEY: 'x'.repeat(32) };

describe('payment providers configuration', () => {
  it('offers the sandbox by default outside production only', () => {
    expect(loadConfig({ ROAMLINE_ENV: 'development' }).paymentProviders).toEqual(['sandbox']);
    expect(loadConfig({ ROAMLINE_ENV: 'test' }).paymentProviders).toEqual(['sandbox']);
    expect(loadConfig({ ROAMLINE_ENV: 'production', ...secret }).paymentProviders).toEqual([]);
  });
  it('takes an explicit list, and refuses unknown providers by name', () => {
    expect(loadConfig({ ROAMLINE_ENV: 'production', ...secret, ROAMLINE_PAYMENT_PROVIDERS: ' sandbox ' }).paymentProviders).toEqual(['sandbox']);
    expect(loadConfig({ ROAMLINE_ENV: 'development', ROAMLINE_PAYMENT_PROVIDERS: '' }).paymentProviders).toEqual([]);
    expect(() => loadConfig({ ROAMLINE_PAYMENT_PROVIDERS: 'sandbox,bitcoin' })).toThrow(ConfigError);
    expect(() => loadConfig({ ROAMLINE_PAYMENT_PROVIDERS: 'sandbox,bitcoin' })).toThrow(/ROAMLINE_PAYMENT_PROVIDERS/);
  });
});
