import type { PlatformContext } from '../../platform/context.js';
import type { PaymentProvider } from './payments.provider.js';
import { createPayPalProvider } from './paypal/paypal.provider.js';
import { createStripeProvider } from './stripe/stripe.provider.js';

/**
 * The Stripe and PayPal providers this deployment offers: each one configured (its
 * `ROAMLINE_STRIPE_*` / `ROAMLINE_PAYPAL_*` settings) and in `ROAMLINE_PAYMENT_PROVIDERS`. Their
 * webhook URLs are `/api/v1/webhooks/stripe` and `/api/v1/webhooks/paypal` under the public URL.
 */
export function cardRailProviders(ctx: PlatformContext, timeoutMs: number): PaymentProvider[] {
  const { config } = ctx;
  const providers: PaymentProvider[] = [];
  if (config.stripe !== undefined && config.paymentProviders.includes('stripe')) providers.push(createStripeProvider(ctx, config.stripe, timeoutMs));
  if (config.paypal !== undefined && config.paymentProviders.includes('paypal')) providers.push(createPayPalProvider(ctx, config.paypal, timeoutMs));
  return providers;
}
