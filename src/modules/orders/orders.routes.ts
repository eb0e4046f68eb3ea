import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { requireCustomer } from '../../platform/http.js';
import { isLanguage, type Language } from '../../platform/i18n.js';
import type { OrdersService } from './index.js';
import {
  IdempotencyHeaders, ListOrdersQuery, OrderBody, OrderDetailView, OrderIdParams, OrderView, PaymentSummary, QuoteBody, QuoteView,
  toOrderDetailView, toOrderView, toQuoteView,
} from './orders.schemas.js';

const tags = ['orders'];

/** The payments of an order, as its status page shows them (provided by the payments module). */
export type PaymentsOfOrder = (orderId: string) => Promise<Array<z.infer<typeof PaymentSummary>>>;

export function ordersRoutes(orders: OrdersService, paymentsOf: PaymentsOfOrder): FastifyPluginAsyncZod {
  return async (app) => {
    app.post('/quotes', { schema: { tags, summary: 'Price a renewal, top-up or new SIM: every amount and the exact period covered', body: QuoteBody, response: { 200: QuoteView } } },
      async (request) => toQuoteView(await orders.quote(requireCustomer(request).customerId, request.body)));

    app.post('/orders', { schema: { tags, summary: 'Create an order (honours Idempotency-Key)', headers: IdempotencyHeaders, body: OrderBody, response: { 201: OrderView, 200: OrderView } } },
      async (request, reply) => {
        const { order, replayed } = await orders.createOrder(requireCustomer(request).customerId, request.body, request.headers['idempotency-key']);
        return reply.code(replayed ? 200 : 201).send(toOrderView(order));
      });

    app.get('/orders', { schema: { tags, summary: 'Order history, newest first (50 per page; page back with ?before=<order id>)', querystring: ListOrdersQuery, response: { 200: z.object({ orders: z.array(OrderView) }) } } },
      async (request) => ({ orders: (await orders.listOrders(requireCustomer(request).customerId, request.query.before)).map(toOrderView) }));

    app.get('/orders/:id', { schema: { tags, summary: 'Everything an order status page shows', params: OrderIdParams, response: { 200: OrderDetailView } } },
      async (request) => {
        const { order, events } = await orders.getOrder(requireCustomer(request).customerId, request.params.id);
        const plan = await orders.planOf(order.plan_code);
        return toOrderDetailView(order, plan.texts.name, events, await paymentsOf(order.id));
      });

    app.post('/orders/:id/cancel', { schema: { tags, summary: 'Cancel an unpaid order', params: OrderIdParams, response: { 200: OrderView } } },
      async (request) => toOrderView(await orders.cancelOrder(requireCustomer(request).customerId, request.params.id)));

    app.get('/orders/:id/receipt.pdf', { schema: { tags, summary: 'The receipt (PDF) in the customer\'s language, with the tax', params: OrderIdParams, querystring: z.object({ lang: z.string().optional() }).strict() } },
      async (request, reply) => {
        const lang = request.query.lang;
        const pdf = await orders.receipt(requireCustomer(request).customerId, request.params.id, lang !== undefined && isLanguage(lang) ? (lang as Language) : undefined);
        return reply.type('application/pdf').header('content-disposition', `inline; filename="roamline-receipt-${request.params.id}.pdf"`).send(pdf);
      });
  };
}
