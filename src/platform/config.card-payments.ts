import { z } from 'zod';

/**
 * Settings of the Stripe and PayPal connections. `config.ts` merges these variables into its
 * schema and calls `stripeConfigFrom` / `paypalConfigFrom` once the whole environment parsed. A
 * provider is configured when any of its variables is set; then every required one must be, or
 * the start stops naming the variable.
 */
const baseUrl = z.url({ protocol: /^https?$/ }).refine((value) => {
  const url = new URL(value);
  return url.pathname === '/' && url.search === '' && url.hash === '';
}, 'an origin such as https://api.example.com (no path)');

export const STRIPE_METHODS = ['card', 'alipay', 'wechat_pay'] as const;
export type StripeMethod = (typeof STRIPE_METHODS)[number];

const stripeMethods = z.string()
  .transform((value) => value.split(',').map((m) => m.trim()).filter((m) => m.length > 0))
  .pipe(z.array(z.enum(STRIPE_METHODS, `expected some of ${STRIPE_METHODS.join(', ')} separated by commas`)).min(1));

const originList = z.string()
  .transform((value) => value.split(',').map((o) => o.trim()).filter((o) => o.length > 0))
  .pipe(z.array(baseUrl).min(1));

export const CARD_PAYMENTS_ENV = {
  ROAMLINE_STRIPE_SECRET_KEY: z.string().regex(/^(sk|rk)_(test|live)_[A-Za-z0-9]{8,}$/, 'a Stripe secret key (sk_live_... or sk_test_..., or a restricted rk_ key)').optional(),
  ROAMLINE_STRIPE_WEBHOOK_SECRET: z.string().regex(/^whsec_[A-Za-z0-9+/=]{8,}$/, 'the signing secret of the webhook endpoint (whsec_...)').optional(),
  ROAMLINE_STRIPE_METHODS: stripeMethods.optional(),
  ROAMLINE_STRIPE_API_BASE: baseUrl.optional(),
  ROAMLINE_PAYPAL_CLIENT_ID: z.string().regex(/^[A-Za-z0-9_-]{8,128}$/, 'the REST app client id').optional(),
  ROAMLINE_PAYPAL_CLIENT_SECRET: z.string().regex(/^[A-Za-z0-9_-]{8,128}$/, 'the REST app secret').optional(),
  ROAMLINE_PAYPAL_WEBHOOK_ID: z.string().regex(/^[A-Za-z0-9-]{4,64}$/, 'the id PayPal gave the webhook').optional(),
  ROAMLINE_PAYPAL_ENVIRONMENT: z.enum(['sandbox', 'live']).optional(),
  ROAMLINE_PAYPAL_API_BASE: baseUrl.optional(),
  ROAMLINE_PAYPAL_CERT_ORIGINS: originList.optional(),
};

type CardPaymentsEnv = z.infer<z.ZodObject<typeof CARD_PAYMENTS_ENV>>;

/** Stripe: PaymentIntents for cards, Alipay and WeChat Pay. */
export interface StripeConfig {
  readonly secretKey: string;
  readonly webhookSecret: string;
  /** The methods this deployment offers through Stripe (each must be activated in the Stripe account). */
  readonly methods: readonly StripeMethod[];
  /** Where the SDK sends its requests instead of api.stripe.com (tests: a local server). */
  readonly apiBase: URL | undefined;
}

/** PayPal: Orders v2 with vaulting; webhooks verified locally with PayPal's certificate. */
export interface PayPalConfig {
  readonly clientId: string;
  readonly clientSecret: string;
  readonly webhookId: string;
  readonly environment: 'sandbox' | 'live';
  /** Where the SDK's requests go instead of PayPal's API host (tests: a local server). */
  readonly apiBase: URL | undefined;
  /** Origins the webhook signing certificate may be fetched from (`paypal-cert-url`). */
  readonly certOrigins: readonly string[];
}

/** PayPal's hosts that serve webhook signing certificates. */
export const PAYPAL_CERT_ORIGINS = [
  'https://api.paypal.com', 'https://api-m.paypal.com', 'https://api.sandbox.paypal.com', 'https://api-m.sandbox.paypal.com',
] as const;

function anySet(e: CardPaymentsEnv, prefix: string): boolean {
  return Object.entries(e).some(([key, value]) => key.startsWith(prefix) && value !== undefined);
}

/** The Stripe settings, undefined when none is set; problems are appended to `problems`. */
export function stripeConfigFrom(e: CardPaymentsEnv, problems: string[]): StripeConfig | undefined {
  if (!anySet(e, 'ROAMLINE_STRIPE_')) return undefined;
  if (e.ROAMLINE_STRIPE_SECRET_KEY === undefined) problems.push('ROAMLINE_STRIPE_SECRET_KEY: required to use Stripe');
  if (e.ROAMLINE_STRIPE_WEBHOOK_SECRET === undefined) problems.push('ROAMLINE_STRIPE_WEBHOOK_SECRET: required to use Stripe (webhooks tell asynchronous outcomes)');
  if (e.ROAMLINE_STRIPE_SECRET_KEY === undefined || e.ROAMLINE_STRIPE_WEBHOOK_SECRET === undefined) return undefined;
  return {
    secretKey: e.ROAMLINE_STRIPE_SECRET_KEY,
    webhookSecret: e.ROAMLINE_STRIPE_WEBHOOK_SECRET,
    methods: [...new Set(e.ROAMLINE_STRIPE_METHODS ?? STRIPE_METHODS)],
    apiBase: e.ROAMLINE_STRIPE_API_BASE === undefined ? undefined : new URL(e.ROAMLINE_STRIPE_API_BASE),
  };
}

/** The PayPal settings, undefined when none is set; problems are appended to `problems`. */
export function paypalConfigFrom(e: CardPaymentsEnv, problems: string[]): PayPalConfig | undefined {
  if (!anySet(e, 'ROAMLINE_PAYPAL_')) return undefined;
  const required = ['ROAMLINE_PAYPAL_CLIENT_ID', 'ROAMLINE_PAYPAL_CLIENT_SECRET', 'ROAMLINE_PAYPAL_WEBHOOK_ID', 'ROAMLINE_PAYPAL_ENVIRONMENT'] as const;
  for (const name of required) if (e[name] === undefined) problems.push(`${name}: required to use PayPal`);
  const { ROAMLINE_PAYPAL_CLIENT_ID: clientId, ROAMLINE_PAYPAL_CLIENT_SECRET: clientSecret, ROAMLINE_PAYPAL_WEBHOOK_ID: webhookId, ROAMLINE_PAYPAL_ENVIRONMENT: environment } = e;
  if (clientId === undefined || clientSecret === undefined || webhookId === undefined || environment === undefined) return undefined;
  return {
    clientId, clientSecret, webhookId, environment,
    apiBase: e.ROAMLINE_PAYPAL_API_BASE === undefined ? undefined : new URL(e.ROAMLINE_PAYPAL_API_BASE),
    certOrigins: (e.ROAMLINE_PAYPAL_CERT_ORIGINS ?? PAYPAL_CERT_ORIGINS).map((o) => new URL(o).origin),
  };
}
