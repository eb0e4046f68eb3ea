import { z } from 'zod';

/**
 * Settings of the notification channels: where e-mail and SMS go and how to reach the servers.
 * `config.ts` merges these variables into its schema and calls `notificationsConfigFrom` once the
 * whole environment parsed, so a missing setting of the chosen channel is reported with the rest.
 */
const digits = z.string().regex(/^\d{1,15}$/, 'must be a whole number written in digits').transform(Number);
const port = digits.pipe(z.number().int().min(1).max(65535));
const octet = digits.pipe(z.number().int().min(0).max(255));

/** `HH:MM-HH:MM`, local time of the recipient; the window may wrap midnight (`21:00-08:00`). */
const quietHours = z.string()
  .regex(/^([01]\d|2[0-3]):([0-5]\d)-([01]\d|2[0-3]):([0-5]\d)$/, 'expected HH:MM-HH:MM, e.g. 21:00-08:00')
  .transform((value) => {
    const [start = '', end = ''] = value.split('-');
    const minutes = (hhmm: string): number => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));
    return { startMinute: minutes(start), endMinute: minutes(end) };
  })
  .refine((window) => window.startMinute !== window.endMinute, 'start and end must differ');

export const NOTIFICATION_ENV = {
  ROAMLINE_EMAIL_CHANNEL: z.enum(['outbox', 'smtp']).default('outbox'),
  ROAMLINE_SMS_CHANNEL: z.enum(['outbox', 'smpp', 'http']).default('outbox'),
  /** Replaced by the two variables above; `outbox` (its only value) is still accepted. */
  ROAMLINE_NOTIFY_CHANNEL: z.enum(['outbox'], 'replaced by ROAMLINE_EMAIL_CHANNEL and ROAMLINE_SMS_CHANNEL').optional(),
  ROAMLINE_SMS_QUIET_HOURS: quietHours.default({ startMinute: 21 * 60, endMinute: 8 * 60 }),
  ROAMLINE_SMTP_HOST: z.string().min(1).optional(),
  ROAMLINE_SMTP_PORT: port.optional(),
  ROAMLINE_SMTP_SECURITY: z.enum(['starttls', 'tls', 'none']).default('starttls'),
  ROAMLINE_SMTP_USER: z.string().min(1).optional(),
  ROAMLINE_SMTP_PASS: z.string().min(1).optional(),
  ROAMLINE_SMTP_FROM: z.string().regex(/^(.*<)?[^\s<>@]+@[^\s<>@]+>?$/, 'expected an address, e.g. Roamline <no-reply@example.com>').optional(),
  ROAMLINE_SMTP_POOL_SIZE: digits.pipe(z.number().int().min(1).max(50)).default(5),
  ROAMLINE_SMPP_HOST: z.string().min(1).optional(),
  ROAMLINE_SMPP_PORT: port.default(2775),
  ROAMLINE_SMPP_SYSTEM_ID: z.string().min(1).max(15, 'at most 15 characters (SMPP 3.4)').optional(),
  ROAMLINE_SMPP_PASSWORD: z.string().max(8, 'at most 8 characters (SMPP 3.4)').optional(),
  ROAMLINE_SMPP_SYSTEM_TYPE: z.string().max(12, 'at most 12 characters (SMPP 3.4)').optional(),
  ROAMLINE_SMPP_SOURCE_ADDR: z.string().min(1).max(20, 'at most 20 characters (SMPP 3.4)').optional(),
  ROAMLINE_SMPP_SOURCE_TON: octet.optional(),
  ROAMLINE_SMPP_SOURCE_NPI: octet.optional(),
  ROAMLINE_SMPP_ENQUIRE_LINK_SECONDS: digits.pipe(z.number().int().min(5).max(600)).default(30),
  ROAMLINE_SMS_HTTP_URL: z.url({ protocol: /^https?$/ }).optional(),
  ROAMLINE_SMS_HTTP_TOKEN: z.string().min(8, 'must be at least 8 characters').optional(),
  ROAMLINE_SMS_HTTP_SENDER: z.string().min(1).max(20).optional(),
};

const NOTIFICATION_ENV_SCHEMA = z.object(NOTIFICATION_ENV);
type NotificationEnv = z.infer<typeof NOTIFICATION_ENV_SCHEMA>;

export type EmailChannelConfig =
  | { readonly kind: 'outbox' }
  | {
    readonly kind: 'smtp';
    readonly host: string;
    readonly port: number;
    /** `starttls`: plain connection upgraded, TLS required; `tls`: TLS from the start (465); `none`: a local relay only. */
    readonly security: 'starttls' | 'tls' | 'none';
    readonly user: string | undefined;
    readonly pass: string | undefined;
    readonly from: string;
    readonly poolSize: number;
  };

export type SmsChannelConfig =
  | { readonly kind: 'outbox' }
  | {
    readonly kind: 'smpp';
    readonly host: string;
    readonly port: number;
    readonly systemId: string;
    readonly password: string;
    readonly systemType: string;
    readonly sourceAddr: string;
    readonly sourceTon: number;
    readonly sourceNpi: number;
    readonly enquireLinkMs: number;
  }
  | { readonly kind: 'http'; readonly url: string; readonly token: string; readonly sender: string | undefined };

export interface NotificationsConfig {
  readonly email: EmailChannelConfig;
  readonly sms: SmsChannelConfig;
  /** SMS that may wait are not sent between these minutes of the recipient's local day. */
  readonly quietHours: { readonly startMinute: number; readonly endMinute: number };
}

const SMTP_DEFAULT_PORT = { starttls: 587, tls: 465, none: 25 } as const;

/**
 * Builds the channel settings; pushes `VARIABLE: problem` for every setting the chosen channels
 * need but lack. An alphanumeric SMPP sender defaults to TON 5 / NPI 0, a number to TON 1 / NPI 1.
 */
export function notificationsConfigFrom(e: NotificationEnv, problems: string[]): NotificationsConfig {
  const need = <T>(name: keyof NotificationEnv, value: T | undefined, when: string): T => {
    if (value === undefined) problems.push(`${name}: required when ${when}`);
    return value as T;
  };
  if (e.ROAMLINE_NOTIFY_CHANNEL !== undefined && (e.ROAMLINE_EMAIL_CHANNEL !== 'outbox' || e.ROAMLINE_SMS_CHANNEL !== 'outbox')) {
    problems.push('ROAMLINE_NOTIFY_CHANNEL: replaced by ROAMLINE_EMAIL_CHANNEL and ROAMLINE_SMS_CHANNEL; remove it');
  }
  let email: EmailChannelConfig = { kind: 'outbox' };
  if (e.ROAMLINE_EMAIL_CHANNEL === 'smtp') {
    const when = 'ROAMLINE_EMAIL_CHANNEL=smtp';
    if ((e.ROAMLINE_SMTP_USER === undefined) !== (e.ROAMLINE_SMTP_PASS === undefined)) {
      problems.push('ROAMLINE_SMTP_USER: set both ROAMLINE_SMTP_USER and ROAMLINE_SMTP_PASS, or neither');
    }
    email = {
      kind: 'smtp',
      host: need('ROAMLINE_SMTP_HOST', e.ROAMLINE_SMTP_HOST, when),
      port: e.ROAMLINE_SMTP_PORT ?? SMTP_DEFAULT_PORT[e.ROAMLINE_SMTP_SECURITY],
      security: e.ROAMLINE_SMTP_SECURITY,
      user: e.ROAMLINE_SMTP_USER,
      pass: e.ROAMLINE_SMTP_PASS,
      from: need('ROAMLINE_SMTP_FROM', e.ROAMLINE_SMTP_FROM, when),
      poolSize: e.ROAMLINE_SMTP_POOL_SIZE,
    };
  }
  let sms: SmsChannelConfig = { kind: 'outbox' };
  if (e.ROAMLINE_SMS_CHANNEL === 'smpp') {
    const when = 'ROAMLINE_SMS_CHANNEL=smpp';
    const sourceAddr = need('ROAMLINE_SMPP_SOURCE_ADDR', e.ROAMLINE_SMPP_SOURCE_ADDR, when) ?? '';
    const numeric = /^\+?\d+$/.test(sourceAddr);
    if (!numeric && sourceAddr.length > 11) problems.push('ROAMLINE_SMPP_SOURCE_ADDR: an alphanumeric sender has at most 11 characters');
    sms = {
      kind: 'smpp',
      host: need('ROAMLINE_SMPP_HOST', e.ROAMLINE_SMPP_HOST, when),
      port: e.ROAMLINE_SMPP_PORT,
      systemId: need('ROAMLINE_SMPP_SYSTEM_ID', e.ROAMLINE_SMPP_SYSTEM_ID, when),
      password: need('ROAMLINE_SMPP_PASSWORD', e.ROAMLINE_SMPP_PASSWORD, when),
      systemType: e.ROAMLINE_SMPP_SYSTEM_TYPE ?? '',
      sourceAddr: sourceAddr.replace(/^\+/, ''),
      sourceTon: e.ROAMLINE_SMPP_SOURCE_TON ?? (numeric ? 1 : 5),
      sourceNpi: e.ROAMLINE_SMPP_SOURCE_NPI ?? (numeric ? 1 : 0),
      enquireLinkMs: e.ROAMLINE_SMPP_ENQUIRE_LINK_SECONDS * 1000,
    };
  } else if (e.ROAMLINE_SMS_CHANNEL === 'http') {
    const when = 'ROAMLINE_SMS_CHANNEL=http';
    sms = {
      kind: 'http',
      url: need('ROAMLINE_SMS_HTTP_URL', e.ROAMLINE_SMS_HTTP_URL, when),
      token: need('ROAMLINE_SMS_HTTP_TOKEN', e.ROAMLINE_SMS_HTTP_TOKEN, when),
      sender: e.ROAMLINE_SMS_HTTP_SENDER,
    };
  }
  return { email, sms, quietHours: e.ROAMLINE_SMS_QUIET_HOURS };
}
