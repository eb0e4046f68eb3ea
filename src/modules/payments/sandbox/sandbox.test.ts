import { describe, expect, it } from 'vitest';
import { DomainError } from '../../../platform/errors.js';
import {
  SANDBOX_TOKENS, planSandboxCharge, sandboxSavedMethod, sandboxSignatureHeader, sandboxWebhookSecret, signSandboxPayload, verifySandboxSignature,
} from './sandbox.js';

const secret = sandboxWebhookSecret('a-test-secret-key-of-at-least-32-characters');
const nowMs = Date.UTC(2026, 10, 27, 9, 0, 0);
const nowSeconds = nowMs / 1000;
const body = Buffer.from('{"id":"evt_1"}');

function codeOf(fn: () => void): string | undefined {
  try {
    fn();
    return undefined;
  } catch (error) {
    return error instanceof DomainError ? error.code : 'not a domain error';
  }
}

describe('sandbox webhook signatures', () => {
  it('accepts its own signature within five minutes either way', () => {
    for (const skew of [0, -300, 300]) {
      expect(codeOf(() => verifySandboxSignature(secret, sandboxSignatureHeader(secret, nowSeconds + skew, body), body, nowMs))).toBeUndefined();
    }
  });
  it('refuses a stale or future timestamp as stale', () => {
    for (const skew of [-301, 301, -86_400]) {
      expect(codeOf(() => verifySandboxSignature(secret, sandboxSignatureHeader(secret, nowSeconds + skew, body), body, nowMs))).toBe('payments.webhook_stale');
    }
  });
  it('refuses altered bytes, another secret, an altered timestamp and malformed headers', () => {
    const header = sandboxSignatureHeader(secret, nowSeconds, body);
    const cases: Array<[string | undefined, Buffer]> = [
      [header, Buffer.from('{"id":"evt_2"}')],
      [sandboxSignatureHeader(sandboxWebhookSecret('another-secret-key-of-at-least-32-chars'), nowSeconds, body), body],
      [header.replace(`t=${nowSeconds}`, `t=${nowSeconds + 1}`), body],
      [undefined, body], ['', body], ['t=abc,v1=00', body], [`t=${nowSeconds}`, body], [`v1=${signSandboxPayload(secret, nowSeconds, body)}`, body],
    ];
    for (const [h, b] of cases) expect(codeOf(() => verifySandboxSignature(secret, h, b, nowMs))).toBe('payments.webhook_signature_invalid');
  });
  it('accepts any of several v1 signatures (secret rotation)', () => {
    const header = `t=${nowSeconds},v1=${'0'.repeat(64)},v1=${signSandboxPayload(secret, nowSeconds, body)}`;
    expect(codeOf(() => verifySandboxSignature(secret, header, body, nowMs))).toBeUndefined();
  });
});

describe('sandbox tokens', () => {
  it('does what each test token says', () => {
    expect(planSandboxCharge(SANDBOX_TOKENS.visa, false)).toMatchObject({ status: 'succeeded', loseAnswer: false });
    expect(planSandboxCharge(SANDBOX_TOKENS.declined, false)).toMatchObject({ status: 'failed', failureCode: 'card_declined' });
    expect(planSandboxCharge(SANDBOX_TOKENS.threeDs, false)).toMatchObject({ status: 'requires_action' });
    expect(planSandboxCharge(SANDBOX_TOKENS.threeDs, true)).toMatchObject({ status: 'failed', failureCode: 'authentication_required' });
    expect(planSandboxCharge(SANDBOX_TOKENS.slow, false).status).toBe('pending');
    expect(planSandboxCharge(SANDBOX_TOKENS.slow, false).settleAfterMs).toBeGreaterThan(0);
    expect(planSandboxCharge(SANDBOX_TOKENS.timeout, false)).toMatchObject({ status: 'succeeded', loseAnswer: true });
    expect(planSandboxCharge('tok_unknown', false)).toMatchObject({ status: 'failed', failureCode: 'payment_method_invalid' });
  });
  it('saves only the visa test card, and never more than brand, last 4 and expiry', () => {
    expect(sandboxSavedMethod(SANDBOX_TOKENS.visa, nowMs)).toEqual({ providerMethodRef: 'pm_sandbox_visa', brand: 'visa', last4: '4242', expMonth: 12, expYear: 2029 });
    expect(sandboxSavedMethod(SANDBOX_TOKENS.threeDs, nowMs)).toBeUndefined();
  });
});
