import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { assert } from '../../platform/assert.js';
import type { Clock } from '../../platform/clock.js';
import { requireCurrency } from './catalog.js';
import { PriceChangeBody, PriceChangeListReply, PriceChangeView, RetirePlanBody, toPriceChangeView } from './catalog.admin.schemas.js';
import { PlanCodeParams, PlanView, toPlanView } from './catalog.schemas.js';
import type { CatalogService } from './index.js';

const admin = { apiKeyScope: 'admin' as const };
const tags = ['admin', 'catalog'];
const security = [{ apiKey: [] }];
/** Who scheduled a change, until staff accounts exist: the back-office key. */
const ADMIN_KEY_STAFF_ID = 'api_key:admin';

/**
 * Back-office catalog routes (admin API key): price changes with notice to existing subscribers,
 * and retiring a plan. Errors: `catalog.plan_not_found` (404), `catalog.currency_unknown` (400),
 * `catalog.price_change_invalid`, `catalog.price_notice_too_short`, `catalog.retirement_invalid` (422).
 */
export function catalogAdminRoutes(catalog: CatalogService, clock: Clock): FastifyPluginAsyncZod {
  return async (app) => {
    app.get('/admin/plans/:code/price-changes', {
      config: admin,
      schema: { tags, security, summary: 'A plan\'s price changes, newest first, with how many subscribers were told', params: PlanCodeParams, response: { 200: PriceChangeListReply } },
    }, async (request) => {
      const changes = await catalog.listPriceChanges(request.params.code);
      return { planCode: request.params.code.trim().toUpperCase(), priceChanges: changes.map(toPriceChangeView) };
    });

    app.post('/admin/plans/:code/price-changes', {
      config: admin,
      schema: {
        tags, security, params: PlanCodeParams, body: PriceChangeBody, response: { 201: PriceChangeView },
        summary: 'Schedule a new price: new orders pay it from `effectiveAt`, existing subscribers from `subscriberEffectiveAt` after notice',
      },
    }, async (request, reply) => {
      const { currency, amountMinor, effectiveAt, subscriberEffectiveAt } = request.body;
      const effectiveAtMs = Date.parse(effectiveAt);
      const scheduled = await catalog.schedulePriceChange({
        changes: [{ planCode: request.params.code, currency: requireCurrency(currency.toUpperCase()), amountMinor }],
        effectiveAtMs, subscriberEffectiveAtMs: subscriberEffectiveAt === undefined ? effectiveAtMs : Date.parse(subscriberEffectiveAt),
        staffId: ADMIN_KEY_STAFF_ID,
      });
      const [change] = scheduled.changes;
      assert(change !== undefined, 'a price change of one plan has one change');
      return reply.code(201).send(toPriceChangeView(change));
    });

    app.post('/admin/plans/:code/retire', {
      config: admin,
      schema: {
        tags, security, params: PlanCodeParams, body: RetirePlanBody.nullish(), response: { 200: PlanView },
        summary: 'Take a plan off sale (lines that have it keep it, and its subscribers can still renew it)',
      },
    }, async (request) => {
      const retireAt = request.body?.retireAt;
      const plan = await catalog.retirePlan(request.params.code, retireAt === undefined ? undefined : Date.parse(retireAt));
      return toPlanView(plan, clock.nowMs());
    });
  };
}
