import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { NotFoundError } from '../../../platform/errors.js';
import { pageLanguage, renderActionPage } from './sandbox.page.js';
import type { SandboxProvider } from './sandbox.provider.js';

const ChargeParams = z.object({ chargeId: z.string().regex(/^chg_[0-9A-Z]{26}$/, 'sandbox charge id') }).strict();
const tags = ['sandbox'];

/**
 * The sandbox bank's pages. They stand for the bank's own site: no session, and the form post is
 * exempt from the portal's CSRF check (the bank's page could not hold our token).
 */
export function sandboxRoutes(sandbox: SandboxProvider): FastifyPluginAsyncZod {
  return async (app) => {
    app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_request, body, done) => {
      done(null, Object.fromEntries(new URLSearchParams(String(body))));
    });

    app.get('/sandbox/3ds/:chargeId', {
      schema: { tags, summary: 'The sandbox bank page where the customer approves or declines (3-D Secure)', params: ChargeParams, querystring: z.object({ lang: z.string().max(10).optional() }).strict() },
    }, async (request, reply) => {
      const charge = await sandbox.findCharge(request.params.chargeId);
      if (charge === undefined) throw new NotFoundError('sandbox charge');
      return reply.type('text/html; charset=utf-8').send(renderActionPage(charge, pageLanguage(request.query.lang, charge.language)));
    });

    app.post('/sandbox/3ds/:chargeId/complete', {
      config: { csrf: false },
      schema: { tags, summary: 'The customer’s answer on the sandbox bank page; redirects back to the order', params: ChargeParams, body: z.object({ decision: z.enum(['approve', 'decline']) }).strict() },
    }, async (request, reply) => {
      const returnUrl = await sandbox.completeAction(request.params.chargeId, request.body.decision === 'approve');
      if (returnUrl === undefined) throw new NotFoundError('sandbox charge');
      return reply.redirect(returnUrl, 303);
    });
  };
}
