import { z } from 'zod';
import { NOTIFICATION_ENV, notificationsConfigFrom, type NotificationsConfig } from './config.notifications.js';
import { RENEWALS_ENV, renewalsConfigFrom, type RenewalsConfig } from './config.renewals.js';
import {
  CHINA_PAYMENTS_ENV, alipayConfigFrom, wechatPayConfigFrom, type AlipayConfig, type WechatPayConfig,
} from './config.china-payments.js';
import {
  CARD_PAYMENTS_ENV, paypalConfigFrom, stripeConfigFrom, type PayPalConfig, type StripeConfig,
} from './config.card-payments.js';

/**
 * Configuration comes from the environment only. Every variable is validated at start; a bad value
 * or an unknown `ROAMLINE_*` variable stops the start with a message that names it.
 */
const countryList = z
  .string()
  .transform((value) => value.split(',').map((c) => c.trim().toUpperCase()).filter((c) => c.length > 0))
  .pipe(z.array(z.string().regex(/^[A-Z]{2}$/, 'expected ISO 3166 alpha-2 country codes separated by commas')).min(1));

/** Integers from the environment are plain decimal digits: no '', '0x1F', '1e3' or ' 8'. */
const digits = z.string().regex(/^\d{1,15}$/, 'must be a whole number written in digits').transform(Number);
const positiveInt = digits.pipe(z.number().int().positive());
const apiKey = z.string().min(24, 'must be at least 24 characters');

/** Payment providers Roamline can talk to; each one is offered only when configured. */
export const PAYMENT_PROVIDER_NAMES = ['sandbox', 'alipay', 'wechatpay', 'stripe', 'paypal'] as const;
export type PaymentProviderName = (typeof PAYMENT_PROVIDER_NAMES)[number];

const ENV_SCHEMA = z.object({
  PORT: digits.pipe(z.number().int().min(0).max(65535)).default(3000),
  HOST: z.string().min(1).default('0.0.0.0'),
  DATABASE_URL: z
    .string()
    .regex(/^(file:|postgres:\/\/|postgresql:\/\/)/, 'must start with file: or postgres://')
    .default('file:./data/roamline.db'),
  ROAMLINE_ENV: z.enum(['development', 'production', 'test']).default('production'),
  ROAMLINE_PUBLIC_URL: z.url().optional(),
  ROAMLINE_LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  ROAMLINE_SECRET_KEY: z.string().min(32, 'must be at least 32 characters').optional(),
  ROAMLINE_NETWORK_API_KEY: apiKey.optional(),
  ROAMLINE_ADMIN_API_KEY: apiKey.optional(),
  ROAMLINE_TRUST_PROXY: z.enum(['true', 'false']).default('false'),
  ROAMLINE_SMS_ALLOWED_COUNTRIES: countryList.default(['CN', 'HK', 'MO', 'TW', 'SG', 'JP', 'KR', 'GB', 'US', 'FR', 'DE', 'TH', 'MY', 'AU']),
  ROAMLINE_SCRYPT_COST: positiveInt.refine((n) => (n & (n - 1)) === 0, 'must be a power of two').default(32768),
  ROAMLINE_SESSION_IDLE_HOURS: positiveInt.default(24 * 7),
  ROAMLINE_SESSION_ABSOLUTE_DAYS: positiveInt.default(30),
  ROAMLINE_CODE_HOURLY_LIMIT_PER_DESTINATION: positiveInt.default(5),
  ROAMLINE_CODE_HOURLY_LIMIT_PER_IP: positiveInt.default(20),
  ...NOTIFICATION_ENV,
  ...RENEWALS_ENV,
  ROAMLINE_SEED_DEMO: z.enum(['true', 'false']).optional(),
  ROAMLINE_ORDER_TTL_MINUTES: positiveInt.default(30),
  ...CHINA_PAYMENTS_ENV,
  ...CARD_PAYMENTS_ENV,
  ROAMLINE_PAYMENT_PROVIDERS: z
    .string()
    .transform((value) => value.split(',').map((p) => p.trim()).filter((p) => p.length > 0))
    .pipe(z.array(z.enum(PAYMENT_PROVIDER_NAMES, 'expected payment provider names separated by commas')))
    .optional(),
});

export type Env = z.infer<typeof ENV_SCHEMA>;

export interface Config {
  readonly port: number;
  readonly host: string;
  readonly databaseUrl: string;
  readonly env: 'development' | 'production' | 'test';
  readonly publicUrl: string;
  readonly logLevel: Env['ROAMLINE_LOG_LEVEL'];
  readonly secretKey: string;
  readonly networkApiKey: string | undefined;
  readonly adminApiKey: string | undefined;
  readonly trustProxy: boolean;
  readonly smsAllowedCountries: readonly string[];
  readonly scrypt: { readonly cost: number; readonly blockSize: number; readonly parallelization: number };
  readonly sessionIdleMs: number;
  readonly sessionAbsoluteMs: number;
  readonly codeHourlyLimitPerDestination: number;
  readonly codeHourlyLimitPerIp: number;
  /** E-mail and SMS channels, their servers, and the SMS quiet hours (`config.notifications.ts`). */
  readonly notifications: NotificationsConfig;
  /**
   * Providers offered to customers. The `sandbox` (test cards, no money moves) is the default
   * outside production; in production it is offered only when listed explicitly.
   */
  readonly paymentProviders: readonly PaymentProviderName[];
  /** Alipay direct (`config.china-payments.ts`); offered when set (and listed, if the list is given). */
  readonly alipay: AlipayConfig | undefined;
  /** WeChat Pay API v3 direct (`config.china-payments.ts`); offered when set (and listed, if the list is given). */
  readonly wechatpay: WechatPayConfig | undefined;
  /** Stripe (`config.card-payments.ts`); offered when set (and listed, if the list is given). */
  readonly stripe: StripeConfig | undefined;
  /** PayPal (`config.card-payments.ts`); offered when set (and listed, if the list is given). */
  readonly paypal: PayPalConfig | undefined;
  /** How long an unpaid order can be paid before it expires. */
  readonly orderTtlMs: number;
  /** Auto-renew, reminders, grace and the renewal worker (`config.renewals.ts`). */
  readonly renewals: RenewalsConfig;
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

const DEVELOPMENT_SECRET = 'development-only-secret-key-do-not-use-in-production';
const KNOWN = new Set(Object.keys(ENV_SCHEMA.shape));

/** Reads and validates configuration; throws `ConfigError` naming every bad variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const unknown = Object.keys(env).filter((key) => key.startsWith('ROAMLINE_') && !KNOWN.has(key));
  const problems = unknown.map((key) => `${key}: unknown setting`);
  const parsed = ENV_SCHEMA.safeParse(Object.fromEntries(Object.entries(env).filter(([key]) => KNOWN.has(key))));
  if (!parsed.success) {
    for (const issue of parsed.error.issues) problems.push(`${issue.path.join('.')}: ${issue.message}`);
  }
  if (problems.length > 0 || !parsed.success) {
    throw new ConfigError(`Invalid configuration:\n  ${problems.join('\n  ')}`);
  }
  const e = parsed.data;
  if (e.ROAMLINE_ENV === 'production' && e.ROAMLINE_SECRET_KEY === undefined) {
    throw new ConfigError('Invalid configuration:\n  ROAMLINE_SECRET_KEY: required in production (at least 32 characters)');
  }
  const channelProblems: string[] = [];
  const notifications = notificationsConfigFrom(e, channelProblems);
  const alipay = alipayConfigFrom(e, channelProblems);
  const wechatpay = wechatPayConfigFrom(e, channelProblems);
  const stripe = stripeConfigFrom(e, channelProblems);
  const paypal = paypalConfigFrom(e, channelProblems);
  // Real providers are offered when configured; an explicit list may leave one out, never name one without settings.
  const configured: PaymentProviderName[] = [...(alipay !== undefined ? ['alipay' as const] : []), ...(wechatpay !== undefined ? ['wechatpay' as const] : []),
    ...(stripe !== undefined ? ['stripe' as const] : []), ...(paypal !== undefined ? ['paypal' as const] : [])];
  for (const name of e.ROAMLINE_PAYMENT_PROVIDERS ?? []) {
    if (name !== 'sandbox' && !configured.includes(name) && channelProblems.length === 0) {
      channelProblems.push(`ROAMLINE_PAYMENT_PROVIDERS: ${name} is listed but not configured (see the README)`);
    }
  }
  if (channelProblems.length > 0) throw new ConfigError(`Invalid configuration:\n  ${channelProblems.join('\n  ')}`);
  return {
    port: e.PORT,
    host: e.HOST,
    databaseUrl: e.DATABASE_URL,
    env: e.ROAMLINE_ENV,
    publicUrl: e.ROAMLINE_PUBLIC_URL ?? `http://localhost:${e.PORT}`,
    logLevel: e.ROAMLINE_LOG_LEVEL,
    secretKey: e.ROAMLINE_SECRET_KEY ?? DEVELOPMENT_SECRET,
    networkApiKey: e.ROAMLINE_NETWORK_API_KEY,
    adminApiKey: e.ROAMLINE_ADMIN_API_KEY,
    trustProxy: e.ROAMLINE_TRUST_PROXY === 'true',
    smsAllowedCountries: e.ROAMLINE_SMS_ALLOWED_COUNTRIES,
    scrypt: { cost: e.ROAMLINE_SCRYPT_COST, blockSize: 8, parallelization: 1 },
    sessionIdleMs: e.ROAMLINE_SESSION_IDLE_HOURS * 3_600_000,
    sessionAbsoluteMs: e.ROAMLINE_SESSION_ABSOLUTE_DAYS * 86_400_000,
    codeHourlyLimitPerDestination: e.ROAMLINE_CODE_HOURLY_LIMIT_PER_DESTINATION,
    codeHourlyLimitPerIp: e.ROAMLINE_CODE_HOURLY_LIMIT_PER_IP,
    notifications,
    orderTtlMs: e.ROAMLINE_ORDER_TTL_MINUTES * 60_000,
    renewals: renewalsConfigFrom(e),
    paymentProviders: e.ROAMLINE_PAYMENT_PROVIDERS ?? [...(e.ROAMLINE_ENV === 'production' ? [] : ['sandbox' as const]), ...configured],
    alipay,
    wechatpay,
    stripe,
    paypal,
  };
}

/** The configuration tests use: fast password hashing, a fixed secret, test environment. */
export function testConfig(overrides: Partial<Config> = {}): Config {
  return {
    ...loadConfig({ ROAMLINE_ENV: 'test', ROAMLINE_SCRYPT_COST: '1024', ROAMLINE_LOG_LEVEL: 'silent' }),
    ...overrides,
  };
}
