import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { NotificationsService } from './notifications.service.js';

const OutboxMessage = z.object({
  id: z.string(),
  channel: z.enum(['sms', 'email']),
  to: z.string(),
  template: z.string(),
  language: z.string(),
  subject: z.string(),
  body: z.string(),
  status: z.string(),
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
          id: r.id, channel: r.channel, to: r.recipient, template: r.template, language: r.language,
          subject: r.subject, body: r.body, status: r.status, createdAt: new Date(r.created_at).toISOString(),
        })),
      };
    });
  };
}
