import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { requireCustomer } from '../../platform/http.js';
import { ATTEMPT_STATUSES } from './renewals.js';
import type { RenewalsService } from './renewals.service.js';
import { AutoRenewBody, AutoRenewView, LineIdParams, toAutoRenewView } from './renewals.schemas.js';

const tags = ['lines'];
const security = [{ session: [] }];

/** A line's auto-renew, for its owner. */
export function renewalsRoutes(renewals: RenewalsService): FastifyPluginAsyncZod {
  return async (app) => {
    app.get('/lines/:id/auto-renew', {
      schema: { tags, security, summary: 'Auto-renew of a line: the plan, the saved method, the next charge and the renewal in progress', params: LineIdParams, response: { 200: AutoRenewView } },
    }, async (request) => toAutoRenewView(await renewals.getAutoRenew(requireCustomer(request).customerId, request.params.id)));

    app.put('/lines/:id/auto-renew', {
      schema: {
        tags, security, params: LineIdParams, body: AutoRenewBody, response: { 200: AutoRenewView },
        summary: 'Turn auto-renew on or off. On: without `confirm: true` it is a preview of the price and the date of the next charge; with it, it is saved',
      },
    }, async (request) => toAutoRenewView(await renewals.setAutoRenew(requireCustomer(request).customerId, request.params.id, request.body)));
  };
}

/** Back-office: renewal attempts by status (`parked` ones kept failing inside and need a person). */
export function renewalsAdminRoutes(renewals: RenewalsService): FastifyPluginAsyncZod {
  return async (app) => {
    app.get('/admin/renewals', {
      config: { apiKeyScope: 'admin' },
      schema: {
        tags: ['admin'], security: [{ apiKey: [] }], summary: 'Renewal attempts by status, latest first (parked ones need a person)',
        querystring: z.object({ status: z.enum(ATTEMPT_STATUSES).default('parked'), limit: z.coerce.number().int().min(1).max(200).default(50) }).strict(),
        response: {
          200: z.object({
            attempts: z.array(z.object({
              id: z.string(), lineId: z.string(), customerId: z.string(), status: z.string(), periodEndsAt: z.string(), failures: z.number().int(),
              errors: z.number().int(), orderId: z.string().nullable(), lastFailureCode: z.string().nullable(), lastError: z.string().nullable(),
              dueAt: z.string().nullable(), updatedAt: z.string(),
            })),
          }),
        },
      },
    }, async (request) => {
      const rows = await renewals.listAttempts(request.query.status, request.query.limit);
      const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());
      return {
        attempts: rows.map((r) => ({
          id: r.id, lineId: r.line_id, customerId: r.customer_id, status: r.status, periodEndsAt: new Date(r.period_end_at).toISOString(), failures: r.failures,
          errors: r.errors, orderId: r.order_id, lastFailureCode: r.last_failure_code, lastError: r.last_error, dueAt: iso(r.due_at), updatedAt: new Date(r.updated_at).toISOString(),
        })),
      };
    });
  };
}
