import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { requireCustomer } from '../../platform/http.js';
import { languageFromHeader } from '../../platform/i18n.js';
import {
  AdminRefundBody, AdminRefundView, OrderIdParams, PayBody, PayHeaders, PaymentIdParams, toAdminRefundView, PaymentMethodIdParams, PaymentMethodView, PaymentView, ProviderParams, toPaymentMethodView,
  PaymentOptionsView, SetupBody, SetupIdParams, SetupView, toSetupView,
} from './payments.schemas.js';
import type { PaymentsService } from './payments.service.js';
import { sandboxRoutes } from './sandbox/sandbox.routes.js';

const tags = ['payments'];

/** Webhooks read the raw bytes (the signature covers them exactly), so this plugin parses no JSON. */
function webhookRoutes(payments: PaymentsService): FastifyPluginAsyncZod {
  return async (app) => {
    app.removeAllContentTypeParsers();
    app.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));
    app.post('/webhooks/:provider', {
      config: { csrf: false },
      schema: { tags, summary: 'Events from a payment provider (signed; stored once per event id, then applied)', params: ProviderParams, response: { 200: z.union([z.object({ received: z.literal(true), duplicate: z.boolean() }), z.string().describe('the text a provider expects (Alipay: success)')]) } },
    }, async (request, reply) => {
      const raw = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
      const { duplicate, acknowledgement } = await payments.receiveWebhook(request.params.provider, raw, request.headers);
      // Some providers stop resending only on their own answer (Alipay: the text `success`).
      if (acknowledgement !== undefined) return reply.code(200).type(acknowledgement.contentType).send(acknowledgement.body);
      return { received: true as const, duplicate };
    });
  };
}

/** Back-office: staff refunds with the admin API key. */
function adminRefundRoutes(payments: PaymentsService): FastifyPluginAsyncZod {
  return async (app) => {
    app.post('/admin/payments/:id/refunds', {
      config: { apiKeyScope: 'admin' },
      schema: {
        tags: ['admin'], summary: 'Refund a payment in full or in part; a full refund refunds the order and takes back unused allowances',
        security: [{ apiKey: [] }], params: PaymentIdParams, body: AdminRefundBody, response: { 201: z.object({ refund: AdminRefundView }) },
      },
    }, async (request, reply) => {
      const refund = await payments.refundPayment(request.params.id, request.body.amountMinor);
      return reply.code(201).send({ refund: toAdminRefundView(refund) });
    });
  };
}

export function paymentsRoutes(payments: PaymentsService): FastifyPluginAsyncZod {
  return async (app) => {
    await app.register(adminRefundRoutes(payments));
    app.post('/orders/:id/payments', {
      // Card-testing bots try many cards quickly; a person pays a handful of times at most.
      config: { rateLimit: { max: 20, timeWindow: '1 minute' } },
      schema: { tags, summary: 'Pay an order (honours Idempotency-Key); a decline answers 402 payments.declined', params: OrderIdParams, headers: PayHeaders, body: PayBody, response: { 201: z.object({ payment: PaymentView }) } },
    }, async (request, reply) => {
      const { customerId } = requireCustomer(request);
      const payment = await payments.submitPayment({ customerId, orderId: request.params.id, ...request.body, clientIp: request.ip }, request.headers['idempotency-key']);
      return reply.code(201).send({ payment });
    });

    app.get('/orders/:id/payments', {
      schema: { tags, summary: 'The order’s payment attempts, newest first', params: OrderIdParams, response: { 200: z.object({ payments: z.array(PaymentView) }) } },
    }, async (request) => ({ payments: await payments.listOrderPayments(requireCustomer(request).customerId, request.params.id) }));

    app.get('/payment-methods', {
      schema: { tags, summary: 'Saved payment methods (brand, last 4 digits, expiry)', response: { 200: z.object({ paymentMethods: z.array(PaymentMethodView) }) } },
    }, async (request) => ({ paymentMethods: (await payments.listPaymentMethods(requireCustomer(request).customerId)).map(toPaymentMethodView) }));

    app.get('/payment-options', {
      schema: { tags, summary: 'The payment methods offered here, how each is paid, and which can renew off-session', response: { 200: PaymentOptionsView } },
    }, async () => payments.paymentOptions());

    app.post('/payment-methods', {
      config: { rateLimit: { max: 10, timeWindow: '1 minute' } },
      schema: {
        tags, summary: 'Save a payment method without paying: answers the provider’s step (Stripe’s page and SetupIntent client secret, Alipay’s agreement page)',
        body: SetupBody, response: { 201: z.object({ setup: SetupView }) },
      },
    }, async (request, reply) => {
      const { customerId } = requireCustomer(request);
      const { setup, clientSecret } = await payments.setups.start({ customerId, ...request.body, language: languageFromHeader(request.headers['accept-language']) });
      return reply.code(201).send({ setup: toSetupView(setup, clientSecret) });
    });

    app.get('/payment-methods/setups/:id', {
      schema: { tags, summary: 'A setup as recorded', params: SetupIdParams, response: { 200: z.object({ setup: SetupView }) } },
    }, async (request) => ({ setup: toSetupView(await payments.setups.get(requireCustomer(request).customerId, request.params.id)) }));

    app.post('/payment-methods/setups/:id/confirm', {
      schema: { tags, summary: 'Back from the provider’s page: asks the provider and saves the method if the setup succeeded', params: SetupIdParams, response: { 200: z.object({ setup: SetupView }) } },
    }, async (request) => ({ setup: toSetupView(await payments.setups.confirm(requireCustomer(request).customerId, request.params.id)) }));

    app.delete('/payment-methods/:id', {
      schema: { tags, summary: 'Forget a saved payment method', params: PaymentMethodIdParams, response: { 204: z.null() } },
    }, async (request, reply) => {
      await payments.deletePaymentMethod(requireCustomer(request).customerId, request.params.id);
      return reply.code(204).send(null);
    });

    await app.register(webhookRoutes(payments));
    if (payments.sandbox !== undefined) await app.register(sandboxRoutes(payments.sandbox));
  };
}
