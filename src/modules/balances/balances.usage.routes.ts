import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { DAY_MS, HOUR_MS, type Clock } from '../../platform/clock.js';
import { requireCustomer } from '../../platform/http.js';
import type { UsageService } from './balances.usage.service.js';
import {
  UsageBody, UsageChartParams, UsageChartQuery, UsageChartView, UsageReply, toUsageChartView, toUsageRecordInput, toUsageReply,
} from './balances.usage.schemas.js';

/** 1,000 records of a few hundred bytes each: more than the app's default body limit. */
const USAGE_BODY_LIMIT_BYTES = 1024 * 1024;

/** `POST /usage` for network elements (API key of scope `network`); `GET /lines/{id}/usage` for the line's owner. */
export function usageRoutes(usage: UsageService, clock: Clock): FastifyPluginAsyncZod {
  return async (app) => {
    app.post('/usage', {
      bodyLimit: USAGE_BODY_LIMIT_BYTES,
      config: { apiKeyScope: 'network' },
      schema: {
        tags: ['usage'], security: [{ apiKey: [] }],
        summary: 'Charge up to 1,000 usage records; each is answered charged, partially_charged, blocked, duplicate or rejected',
        body: UsageBody, response: { 200: UsageReply },
      },
    }, async (request) => toUsageReply(await usage.chargeRecords(request.body.records.map(toUsageRecordInput))));

    app.get('/lines/:id/usage', {
      schema: {
        tags: ['lines'], security: [{ session: [] }], summary: 'Usage of a line per hour or day of a time zone, for a chart',
        params: UsageChartParams, querystring: UsageChartQuery, response: { 200: UsageChartView },
      },
    }, async (request) => {
      const { customerId } = requireCustomer(request);
      const { granularity, from, to, tz: timeZone } = request.query;
      const toMs = to === undefined ? clock.nowMs() : Date.parse(to);
      const fromMs = from === undefined ? toMs - (granularity === 'hour' ? 24 * HOUR_MS : 30 * DAY_MS) : Date.parse(from);
      return toUsageChartView(await usage.usageChart(customerId, request.params.id, { fromMs, toMs, granularity, timeZone }));
    });
  };
}
