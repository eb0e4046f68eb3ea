import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { constantTimeEqual, sha256Hex } from '../../platform/crypto.js';
import { DomainError } from '../../platform/errors.js';
import { DELIVERY_STATUSES } from './notifications.js';
import type { NotificationsService } from './notifications.service.js';

const OutboxMessage = z.object({
  id: z.string(),
  channel: z.enum(['sms', 'email']),
  to: z.string(),
  template: z.string(),
  language: z.string(),
  category: z.enum(['transactional', 'marketing']),
  subject: z.string(),
  body: z.string(),
  /** The HTML part of an e-mail. */
  html: z.string().nullable(),
  status: z.enum(DELIVERY_STATUSES),
  /** When an SMS held by the quiet hours may go. */
  deliverAfter: z.string().nullable(),
  createdAt: z.string(),
});

/** `GET /api/v1/dev/outbox?to=`: what the outbox channel kept instead of sending. Development only. */
export function devOutboxRoutes(notifications: NotificationsService): FastifyPluginAsyncZod {
  return async (app) => {
    app.get('/dev/outbox', {
      schema: {
        tags: ['development'],
        summary: 'Messages kept by the outbox channel (development only)',
        querystring: z.object({ to: z.string().min(1).max(320).optional() }).strict(),
        response: { 200: z.object({ messages: z.array(OutboxMessage) }) },
      },
    }, async (request) => {
      const rows = await notifications.listOutbox(request.query.to);
      return {
        messages: rows.map((r) => ({
          id: r.id, channel: r.channel, to: r.recipient, template: r.template, language: r.language, category: r.category,
          subject: r.subject, body: r.body, html: r.html, status: r.status,
          deliverAfter: r.deliver_after === null ? null : new Date(r.deliver_after).toISOString(),
          createdAt: new Date(r.created_at).toISOString(),
        })),
      };
    });
  };
}

/**
 * Delivery receipts from the HTTP SMS gateway, sent with the same bearer token Roamline uses
 * towards it. Unknown fields are ignored rather than refused: gateways add their own.
 */
const GatewayReceiptBody = z.object({
  messageId: z.string().min(1).max(128).optional(),
  reference: z.string().min(1).max(128).optional(),
  status: z.enum(['delivered', 'failed']),
  detail: z.string().max(200).optional(),
}).refine((body) => body.messageId !== undefined || body.reference !== undefined, 'messageId or reference is required');

/** `POST /api/v1/notifications/sms-receipts`: registered only when SMS go to the HTTP gateway. */
export function smsGatewayReceiptRoutes(notifications: NotificationsService, token: string): FastifyPluginAsyncZod {
  const expected = sha256Hex(`Bearer ${token}`);
  return async (app) => {
    app.post('/notifications/sms-receipts', {
      config: { csrf: false },
      schema: {
        tags: ['notifications'],
        summary: 'Delivery receipts from the HTTP SMS gateway',
        security: [{ apiKey: [] }],
        body: GatewayReceiptBody,
        response: { 200: z.object({ applied: z.boolean() }) },
      },
    }, async (request) => {
      if (!constantTimeEqual(sha256Hex(request.headers.authorization ?? ''), expected)) {
        throw new DomainError('auth.api_key_invalid', 'Send the gateway token as `Authorization: Bearer <token>`');
      }
      return { applied: await notifications.receiveGatewayReceipt(request.body) };
    });
  };
}
