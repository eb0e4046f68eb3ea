import nodemailer from 'nodemailer';
import type { EmailChannelConfig } from '../../../platform/config.notifications.js';
import { PermanentDeliveryError, TransientDeliveryError, type ChannelSender, type Deliverable } from './channel.js';

export type SmtpConfig = Extract<EmailChannelConfig, { kind: 'smtp' }>;

interface SmtpError {
  readonly code?: string;
  readonly responseCode?: number;
  readonly command?: string;
  readonly message?: string;
}

/**
 * Whether an SMTP failure is final. A 5xx reply to the message or its recipient is (RFC 5321),
 * except 503 (bad sequence: the session, not the message) and authentication failures (535 and
 * the like: our configuration, which a person fixes; the job retries and then parks rather than
 * losing every message meanwhile). An envelope nodemailer cannot even build is final too.
 */
export function isPermanentSmtpError(error: SmtpError): boolean {
  if (error.code === 'EAUTH') return false;
  if (error.responseCode !== undefined) return error.responseCode >= 500 && error.responseCode <= 599 && error.responseCode !== 503;
  return error.code === 'EENVELOPE';
}

function describe(error: SmtpError): string {
  const reply = error.responseCode === undefined ? '' : ` (${error.command ?? 'SMTP'} answered ${error.responseCode})`;
  return `SMTP: ${(error.message ?? 'send failed').slice(0, 300)}${reply}`;
}

/** Domain part of the sender, for Message-IDs. */
function domainOf(from: string): string {
  return /@([^\s>]+)>?\s*$/.exec(from)?.[1] ?? 'roamline.invalid';
}

/**
 * E-mail over SMTP with nodemailer: a pool of at most `poolSize` connections reused across
 * messages, STARTTLS required by default. Each message carries a text and an HTML part, a
 * Message-ID derived from the notification id (so a retry after an unknown outcome is recognisable
 * as the same message), and `Auto-Submitted`; marketing also carries `List-Unsubscribe`.
 */
export function createSmtpChannel(config: SmtpConfig, publicUrl: string): ChannelSender {
  const transporter = nodemailer.createTransport({
    pool: true,
    maxConnections: config.poolSize,
    maxMessages: 100,
    host: config.host,
    port: config.port,
    secure: config.security === 'tls',
    requireTLS: config.security === 'starttls',
    ignoreTLS: config.security === 'none',
    ...(config.user !== undefined ? { auth: { user: config.user, pass: config.pass ?? '' } } : {}),
    connectionTimeout: 10_000,
    greetingTimeout: 10_000,
    socketTimeout: 30_000,
    disableFileAccess: true,
    disableUrlAccess: true,
    logger: false,
  });
  const domain = domainOf(config.from);
  const accountUrl = `${publicUrl.replace(/\/+$/, '')}/account`;
  return {
    transport: 'smtp',
    async send(message: Deliverable) {
      try {
        const info = await transporter.sendMail({
          from: config.from,
          to: message.to,
          subject: message.subject,
          text: message.text,
          ...(message.html !== null ? { html: message.html } : {}),
          messageId: `<${message.id}@${domain}>`,
          headers: {
            'Auto-Submitted': 'auto-generated',
            'Content-Language': message.language,
            'X-Roamline-Message': message.id,
          },
          ...(message.category === 'marketing' ? { list: { unsubscribe: accountUrl } } : {}),
        });
        return { providerMessageIds: [String(info.messageId ?? `<${message.id}@${domain}>`)] };
      } catch (error) {
        const smtpError = (typeof error === 'object' && error !== null ? error : { message: String(error) }) as SmtpError;
        if (isPermanentSmtpError(smtpError)) throw new PermanentDeliveryError(describe(smtpError));
        throw new TransientDeliveryError(describe(smtpError));
      }
    },
    async close() {
      transporter.close();
    },
  };
}
