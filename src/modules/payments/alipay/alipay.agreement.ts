import { NO_EXPIRY, type ProviderSetup, type SavedMethodDetails } from '../payments.provider.js';
import { parseBeijingTime } from './alipay.js';

/**
 * Alipay agreement (withholding, 商户代扣) rules without I/O: the signing page's content, the
 * signing notify's fields, and an agreement as a saved method. Signing happens on Alipay's page
 * (`alipay.user.agreement.page.sign`); Alipay tells the outcome by a `dut_user_sign` notify and
 * answers `alipay.user.agreement.query`; renewals then pay with `alipay.trade.pay` under the
 * agreement (`ALIPAY_METHODS.agreement`).
 */
export const AGREEMENT_PERSONAL_PRODUCT_CODE = 'GENERAL_WITHHOLDING_P';
export const AGREEMENT_PRODUCT_CODE = 'GENERAL_WITHHOLDING';
/** The signing scene agreed with Alipay for prepaid mobile plans. */
export const AGREEMENT_SIGN_SCENE = 'INDUSTRY|DIGITAL_MEDIA';
export const AGREEMENT_NOTIFY_TYPES = new Set(['dut_user_sign', 'dut_user_unsign']);

/** The signing page's business content: our key is the `external_agreement_no` Alipay deduplicates by. */
export function agreementSignContent(externalAgreementNo: string, customerId: string): Record<string, unknown> {
  return {
    personal_product_code: AGREEMENT_PERSONAL_PRODUCT_CODE, product_code: AGREEMENT_PRODUCT_CODE, sign_scene: AGREEMENT_SIGN_SCENE,
    external_agreement_no: externalAgreementNo, external_logon_id: customerId, access_params: { channel: 'ALIPAYAPP' },
  };
}

/**
 * An agreement as a saved method: its number is the reference charged; it shows as "ALIPAY" with
 * the number's last four digits, and its expiry is the month in which it stops (`invalid_time`).
 */
export function agreementMethodOf(agreementNo: string, invalidTime: string | undefined): SavedMethodDetails | undefined {
  if (!/^\d{8,64}$/.test(agreementNo)) return undefined;
  const invalidAtMs = invalidTime === undefined ? undefined : parseBeijingTime(invalidTime);
  // An agreement without an end stays valid as long as Alipay keeps it: far ahead, as a card would show it.
  const lastValid = new Date(invalidAtMs === undefined ? Date.UTC(NO_EXPIRY.expYear, NO_EXPIRY.expMonth - 1, 1) : invalidAtMs - 1);
  return { providerMethodRef: agreementNo, brand: 'alipay', last4: agreementNo.slice(-4), expMonth: lastValid.getUTCMonth() + 1, expYear: lastValid.getUTCFullYear() };
}

/** An agreement's `status` (`NORMAL`, `TEMP`, `STOP`, `UNSIGN`) as a setup's state. */
export function setupOfAgreement(externalAgreementNo: string, fields: Readonly<Record<string, unknown>>): ProviderSetup {
  const status = String(fields.status ?? '');
  const agreementNo = typeof fields.agreement_no === 'string' ? fields.agreement_no : '';
  if (status === 'NORMAL') {
    const saved = agreementMethodOf(agreementNo, typeof fields.invalid_time === 'string' ? fields.invalid_time : undefined);
    return saved === undefined ? { status: 'failed', providerSetupId: externalAgreementNo, failureCode: 'alipay_agreement_invalid' }
      : { status: 'succeeded', providerSetupId: externalAgreementNo, savedMethod: saved };
  }
  if (status === 'STOP' || status === 'UNSIGN') return { status: 'cancelled', providerSetupId: externalAgreementNo, failureCode: `alipay_agreement_${status.toLowerCase()}` };
  return { status: 'requires_action', providerSetupId: externalAgreementNo };
}

/** A verified signing notify, reduced to what the platform applies. */
export interface AgreementNotify {
  readonly notifyId: string;
  readonly externalAgreementNo: string;
  readonly notifyAtMs: number;
}

export function readAgreementNotify(fields: Readonly<Record<string, string>>): AgreementNotify | undefined {
  const { notify_id: notifyId, external_agreement_no: externalAgreementNo, notify_time: notifyTime } = fields;
  if (notifyId === undefined || externalAgreementNo === undefined || notifyTime === undefined) return undefined;
  if (!/^[A-Za-z0-9_-]{1,128}$/.test(notifyId) || !/^[A-Za-z0-9_]{1,64}$/.test(externalAgreementNo)) return undefined;
  const notifyAtMs = parseBeijingTime(notifyTime);
  return notifyAtMs === undefined ? undefined : { notifyId, externalAgreementNo, notifyAtMs };
}
