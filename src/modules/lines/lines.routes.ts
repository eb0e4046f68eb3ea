import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { requestMeta, requireCustomer } from '../../platform/http.js';
import type { LinesService } from './lines.service.js';
import {
  ClaimBody, ClaimRequestedReply, ClaimVerifyBody, LineDetailView, LineIdParams, LineSummaryView, ListLinesQuery,
  toLineDetailView, toLineSummaryView,
} from './lines.schemas.js';

/** Per-IP burst limit on claiming (codes have their own per-number and per-IP limits in the database). */
const claimRateLimit = { rateLimit: { max: 30, timeWindow: '1 minute' } };
const tags = ['lines'];
const security = [{ session: [] }];

/** The signed-in customer's lines; every query is scoped to that customer. */
export function linesRoutes(lines: LinesService): FastifyPluginAsyncZod {
  return async (app) => {
    app.post('/lines/claim', { config: claimRateLimit, schema: { tags, security, summary: 'Attach a SIM bought in a shop: a code is sent by SMS to its number', body: ClaimBody, response: { 202: ClaimRequestedReply } } },
      async (request, reply) => {
        const result = await lines.claimLine(requireCustomer(request).customerId, request.body, requestMeta(request));
        return reply.code(202).send({ status: 'code_sent' as const, ...result });
      });

    app.post('/lines/claim/verify', { config: claimRateLimit, schema: { tags, security, summary: 'Confirm the claim with the SMS code; the SIM becomes a line of the account', body: ClaimVerifyBody, response: { 201: LineDetailView } } },
      async (request, reply) => {
        const customerId = requireCustomer(request).customerId;
        const line = await lines.verifyClaim(customerId, request.body);
        const detail = await lines.getLineDetail(customerId, line.id);
        return reply.code(201).send(toLineDetailView(detail.line, detail.allowances));
      });

    app.get('/lines', { schema: { tags, security, summary: 'The lines of the signed-in customer', querystring: ListLinesQuery, response: { 200: z.object({ lines: z.array(LineSummaryView), nextCursor: z.string().nullable() }) } } },
      async (request) => {
        const { limit, after } = request.query;
        const rows = await lines.listLines(app.roamline.ctx.database.db, requireCustomer(request).customerId, { limit, ...(after === undefined ? {} : { after }) });
        return { lines: rows.map(toLineSummaryView), nextCursor: rows.length === limit ? (rows.at(-1)?.id ?? null) : null };
      });

    app.get('/lines/:id', { schema: { tags, security, summary: 'A line: status, validity, eSIM activation and what is left', params: LineIdParams, response: { 200: LineDetailView } } },
      async (request) => {
        const detail = await lines.getLineDetail(requireCustomer(request).customerId, request.params.id);
        return toLineDetailView(detail.line, detail.allowances);
      });
  };
}
