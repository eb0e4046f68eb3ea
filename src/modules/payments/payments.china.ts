import type { PlatformContext } from '../../platform/context.js';
import { createAlipayProvider } from './alipay/alipay.provider.js';
import type { PaymentProvider } from './payments.provider.js';
import { createWechatPayProvider } from './wechatpay/wechatpay.provider.js';

/**
 * The direct Alipay and WeChat Pay providers this deployment offers: each one configured (its
 * `ROAMLINE_ALIPAY_*` / `ROAMLINE_WECHATPAY_*` settings) and in `ROAMLINE_PAYMENT_PROVIDERS`.
 * Their notify URLs are the webhook route under the public URL.
 */
export function chinaRailProviders(ctx: PlatformContext, timeoutMs: number): PaymentProvider[] {
  const { config, clock } = ctx;
  const notifyUrl = (name: string): string => new URL(`/api/v1/webhooks/${name}`, config.publicUrl).toString();
  const providers: PaymentProvider[] = [];
  if (config.alipay !== undefined && config.paymentProviders.includes('alipay')) {
    providers.push(createAlipayProvider({ config: config.alipay, clock, notifyUrl: notifyUrl('alipay'), timeoutMs }));
  }
  if (config.wechatpay !== undefined && config.paymentProviders.includes('wechatpay')) {
    providers.push(createWechatPayProvider({ config: config.wechatpay, clock, notifyUrl: notifyUrl('wechatpay'), timeoutMs }));
  }
  return providers;
}
