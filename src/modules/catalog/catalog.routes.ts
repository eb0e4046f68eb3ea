import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { Clock } from '../../platform/clock.js';
import type { CatalogService } from './index.js';
import { PlanCodeParams, PlanListReply, PlanSearchQuery, PlanView, ZoneListReply, toPlanView, toZoneView } from './catalog.schemas.js';

const tags = ['catalog'];
/** The catalog is public and the same for everyone; shared caches may keep it briefly. */
const CACHE_CONTROL = 'public, max-age=60';

/** Public catalog routes: no sign-in needed. */
export function catalogRoutes(catalog: CatalogService, clock: Clock): FastifyPluginAsyncZod {
  return async (app) => {
    app.get('/plans', {
      schema: {
        tags, summary: 'Plans and add-ons that can be ordered now, by destination country, scope and currency',
        querystring: PlanSearchQuery, response: { 200: PlanListReply },
      },
    }, async (request, reply) => {
      const atMs = clock.nowMs();
      const plans = await catalog.searchPlans({ ...request.query, atMs });
      void reply.header('cache-control', CACHE_CONTROL);
      return { at: new Date(atMs).toISOString(), plans: plans.map((plan) => toPlanView(plan, atMs)) };
    });

    app.get('/plans/:code', {
      schema: {
        tags, summary: 'One plan by code (retired plans too, so that a line that has one can show it)',
        params: PlanCodeParams, response: { 200: PlanView },
      },
    }, async (request, reply) => {
      const plan = await catalog.getPlan(request.params.code);
      void reply.header('cache-control', CACHE_CONTROL);
      return toPlanView(plan, clock.nowMs());
    });

    app.get('/zones', { schema: { tags, summary: 'Coverage zones and their countries', response: { 200: ZoneListReply } } },
      async (_request, reply) => {
        void reply.header('cache-control', CACHE_CONTROL);
        return { zones: (await catalog.listZones()).map(toZoneView) };
      });
  };
}
