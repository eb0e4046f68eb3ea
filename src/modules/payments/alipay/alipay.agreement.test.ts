import { describe, expect, it } from 'vitest';
import { agreementMethodOf, readAgreementNotify, setupOfAgreement } from './alipay.agreement.js';

describe('Alipay agreements', () => {
  it('keeps an agreement as a saved method: its number is charged, its last digits shown, it expires with invalid_time', () => {
    expect(agreementMethodOf('20265527000000000001', '2115-02-01 00:00:00')).toEqual({ providerMethodRef: '20265527000000000001', brand: 'alipay', last4: '0001', expMonth: 1, expYear: 2115 });
    // Ending mid-month: valid through that month.
    expect(agreementMethodOf('20265527000000000001', '2030-06-15 12:00:00')).toMatchObject({ expMonth: 6, expYear: 2030 });
    expect(agreementMethodOf('20265527000000000001', undefined)).toMatchObject({ expMonth: 12, expYear: 2099 });
    expect(agreementMethodOf('not-a-number', undefined)).toBeUndefined();
  });

  it('reads an agreement status as a setup state', () => {
    expect(setupOfAgreement('rl_set_1', { status: 'NORMAL', agreement_no: '20265527000000000009', invalid_time: '2115-02-01 00:00:00' }))
      .toMatchObject({ status: 'succeeded', providerSetupId: 'rl_set_1', savedMethod: { providerMethodRef: '20265527000000000009' } });
    expect(setupOfAgreement('rl_set_1', { status: 'TEMP' })).toEqual({ status: 'requires_action', providerSetupId: 'rl_set_1' });
    expect(setupOfAgreement('rl_set_1', { status: 'UNSIGN' })).toMatchObject({ status: 'cancelled', failureCode: 'alipay_agreement_unsign' });
    expect(setupOfAgreement('rl_set_1', { status: 'NORMAL', agreement_no: '' })).toMatchObject({ status: 'failed' });
  });

  it('reads a signing notify only with its id, our reference and a Beijing-time date', () => {
    expect(readAgreementNotify({ notify_id: 'n1', external_agreement_no: 'rl_set_01', notify_time: '2026-11-27 17:00:00' }))
      .toEqual({ notifyId: 'n1', externalAgreementNo: 'rl_set_01', notifyAtMs: Date.UTC(2026, 10, 27, 9, 0, 0) });
    expect(readAgreementNotify({ notify_id: 'n1', external_agreement_no: 'rl set', notify_time: '2026-11-27 17:00:00' })).toBeUndefined();
    expect(readAgreementNotify({ notify_id: 'n1', external_agreement_no: 'rl_set_01', notify_time: 'yesterday' })).toBeUndefined();
  });
});
