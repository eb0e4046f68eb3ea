import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { requireCustomer } from '../../platform/http.js';
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
