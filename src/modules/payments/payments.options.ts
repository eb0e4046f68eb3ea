import type { PaymentProvider, ProviderRegistry } from './payments.provider.js';

/**
 * How the portal takes a customer through a method (card data never reaches Roamline: PCI SAQ A):
 * - `test_cards`: the sandbox's test cards;
 * - `saved_only`: only a saved method is charged here; a new card is added on the provider's page
 *   first (Stripe: SetupIntent through Stripe's hosted page), then charged (3-D Secure redirects);
 * - `redirect`: the provider's page (Stripe's Alipay / WeChat Pay pages, PayPal approval, Alipay
 *   cashier, WeChat Pay H5), which returns to the order's status page;
 * - `qr`: a QR code the customer scans with the wallet app (Alipay precreate, WeChat Pay Native);
 * - `off_session_only`: charged only by auto-renew (Alipay agreement).
 */
export type PaymentFlow = 'test_cards' | 'saved_only' | 'redirect' | 'qr' | 'off_session_only';

export interface PaymentOption {
  readonly method: string;
  readonly provider: string;
  readonly flow: PaymentFlow;
  /** The device it suits: Alipay's desktop cashier and WeChat Pay's QR code on a computer, their H5 pages on a phone. */
  readonly device: 'any' | 'desktop' | 'mobile';
  /** The token the portal sends to start the flow, when the provider wants one (PayPal checkout). */
  readonly token?: string;
  /** A method saved with this method can renew off-session (auto-renew). */
  readonly offSession: boolean;
}

export interface ProviderOption {
  readonly provider: string;
  /** A method can be saved here without a payment (`POST /payment-methods`). */
  readonly saveWithoutPayment: boolean;
  /** The method such a saved method charges. */
  readonly savedMethod?: string;
}

const FLOWS: Readonly<Record<string, Pick<PaymentOption, 'flow' | 'device'> & { token?: string }>> = {
  sandbox: { flow: 'test_cards', device: 'any' },
  card: { flow: 'saved_only', device: 'any' },
  alipay: { flow: 'redirect', device: 'any' },
  wechat_pay: { flow: 'redirect', device: 'any' },
  paypal: { flow: 'redirect', device: 'any', token: 'paypal' },
  alipay_page: { flow: 'redirect', device: 'desktop' },
  alipay_wap: { flow: 'redirect', device: 'mobile' },
  alipay_qr: { flow: 'qr', device: 'desktop' },
  alipay_agreement: { flow: 'off_session_only', device: 'any' },
  wechatpay_native: { flow: 'qr', device: 'desktop' },
  wechatpay_h5: { flow: 'redirect', device: 'mobile' },
};

function optionsOf(provider: PaymentProvider): PaymentOption[] {
  return provider.methods.map((method) => {
    // A provider's own method not listed above (a deployment's extra provider) takes a token.
    const known = FLOWS[method] ?? { flow: 'saved_only' as const, device: 'any' as const };
    return { method, provider: provider.name, ...known, offSession: provider.offSessionMethods.includes(method) };
  });
}

/** `GET /payment-options`: what this deployment offers, in the order the providers were configured. */
export function paymentOptions(registry: ProviderRegistry): { methods: PaymentOption[]; providers: ProviderOption[] } {
  const offered = new Set(registry.offeredMethods());
  const providers = registry.providers();
  return {
    methods: providers.flatMap(optionsOf).filter((o) => offered.has(o.method)),
    providers: providers.map((p) => ({
      provider: p.name, saveWithoutPayment: p.setup !== undefined, ...(p.setup !== undefined ? { savedMethod: p.setup.method } : {}),
    })),
  };
}
