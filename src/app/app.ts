import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import fastifyCookie from '@fastify/cookie';
import fastifyCsrf from '@fastify/csrf-protection';
import fastifyHelmet from '@fastify/helmet';
import fastifyRateLimit from '@fastify/rate-limit';
import fastifyStatic from '@fastify/static';
import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import { jsonSchemaTransform, serializerCompiler, validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { sql } from 'kysely';
import type { Logger } from 'pino';
import { systemClock, type Clock } from '../platform/clock.js';
import type { Config } from '../platform/config.js';
import type { PlatformContext } from '../platform/context.js';
import type { Database } from '../platform/db/database.js';
import { DomainError } from '../platform/errors.js';
import { randomToken } from '../platform/crypto.js';
import { createIdFactory } from '../platform/ids.js';
import { createLogger } from '../platform/logger.js';
import { JobRunner } from '../platform/jobs/index.js';
import { accountsRoutes } from '../modules/accounts/index.js';
import { catalogAdminRoutes, catalogRoutes } from '../modules/catalog/index.js';
import { usageRoutes } from '../modules/balances/index.js';
import { devOutboxRoutes, smsGatewayReceiptRoutes } from '../modules/notifications/index.js';
import { linesRoutes } from '../modules/lines/index.js';
import { ordersRoutes } from '../modules/orders/index.js';
import { paymentsFor, paymentsRoutes } from '../modules/payments/index.js';
import { renewalsAdminRoutes, renewalsRoutes } from '../modules/renewals/index.js';
import { registerAuthHooks } from './auth.js';
import { adminRoutes } from './admin.routes.js';
import { errorHandler, notFoundProblem } from './error-handler.js';
import { createServices, type ServiceOverrides, type Services } from './services.js';

export const BODY_LIMIT_BYTES = 64 * 1024;

export interface BuildAppOptions {
  readonly config: Config;
  readonly database: Database;
  readonly clock?: Clock;
  readonly logger?: Logger;
  readonly overrides?: ServiceOverrides;
}

export interface Roamline {
  readonly ctx: PlatformContext;
  readonly services: Services;
  readonly jobs: JobRunner;
}

declare module 'fastify' {
  interface FastifyInstance {
    roamline: Roamline;
  }
}

const here = dirname(fileURLToPath(import.meta.url));

/** The portal's files: the built SPA when there is one, else the placeholder page. */
function portalRoot(): string {
  for (const up of ['../..', '../../..']) {
    const built = resolve(here, up, 'web/dist');
    if (existsSync(join(built, 'index.html'))) return built;
    const placeholder = resolve(here, up, 'web/placeholder');
    if (existsSync(join(placeholder, 'index.html'))) return placeholder;
  }
  throw new Error('portal files not found (web/dist or web/placeholder)');
}

/** Builds the whole HTTP application, unstarted; tests drive it with `inject()`. */
export async function buildApp(options: BuildAppOptions): Promise<FastifyInstance> {
  const { config, database } = options;
  const clock = options.clock ?? systemClock;
  const log = options.logger ?? createLogger(config.logLevel);
  const ctx: PlatformContext = { config, database, clock, ids: createIdFactory(clock), log };
  const services = createServices(ctx, options.overrides);
  const jobs = new JobRunner({ database, clock, log, handlers: services.jobHandlers, recurring: services.recurringJobs, ids: ctx.ids });
  const secureCookies = config.env === 'production';

  const app = Fastify({
    loggerInstance: log as FastifyBaseLogger,
    bodyLimit: BODY_LIMIT_BYTES,
    trustProxy: config.trustProxy,
    genReqId: () => `req_${randomToken(12)}`,
    routerOptions: { ignoreTrailingSlash: true },
  }).withTypeProvider<ZodTypeProvider>();
  app.decorate('roamline', { ctx, services, jobs });
  // The SMTP pool and the SMPP session close with the app.
  app.addHook('onClose', async () => services.notifications.close());
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.setErrorHandler(errorHandler);
  app.addHook('onSend', async (request, reply) => {
    void reply.header('x-request-id', request.id);
  });

  await app.register(fastifyHelmet, {
    contentSecurityPolicy: { directives: { 'img-src': ["'self'", 'data:', 'blob:'] } },
    strictTransportSecurity: secureCookies,
  });
  await app.register(fastifyCookie);
  await app.register(fastifyCsrf, { cookieKey: 'rl_csrf', cookieOpts: { path: '/', sameSite: 'lax', httpOnly: true, secure: secureCookies } });
  await app.register(fastifyRateLimit, {
    global: false,
    errorResponseBuilder: (_request, context) =>
      new DomainError('request.rate_limited', `Too many requests; retry in ${Math.ceil(context.ttl / 1000)} s`, {}, Math.ceil(context.ttl / 1000)),
  });
  await app.register(fastifySwagger, {
    openapi: {
      info: { title: 'Roamline API', version: '1', description: 'Self-care, billing and charging for prepaid mobile operators and travel SIM / eSIM sellers.' },
      components: {
        securitySchemes: {
          session: { type: 'apiKey', in: 'cookie', name: 'rl_session' },
          apiKey: { type: 'http', scheme: 'bearer' },
        },
      },
    },
    transform: jsonSchemaTransform,
  });
  await app.register(fastifySwaggerUi, { routePrefix: '/api/docs', staticCSP: true });
  registerAuthHooks(app, services.accounts, database.db, config);

  app.get('/healthz', { schema: { hide: true } }, async (_request, reply) => {
    try {
      await sql`select 1`.execute(database.db);
      return { status: 'ok', database: database.dialect };
    } catch {
      return reply.code(503).send({ status: 'unavailable', database: database.dialect });
    }
  });

  await app.register(async (api) => {
    api.get('/auth/csrf', { schema: { tags: ['auth'], summary: 'A CSRF token to send as `x-csrf-token` on every write', response: { 200: z.object({ csrfToken: z.string() }) } } },
      async (_request, reply) => ({ csrfToken: reply.generateCsrf() }));
    await api.register(accountsRoutes(services.accounts, secureCookies));
    await api.register(adminRoutes());
    await api.register(catalogRoutes(services.catalog, clock));
    await api.register(catalogAdminRoutes(services.catalog, clock));
    await api.register(linesRoutes(services.lines));
    await api.register(usageRoutes(services.usage, clock));
    await api.register(ordersRoutes(services.orders, (orderId) => paymentsFor(database.db, orderId)));
    await api.register(paymentsRoutes(services.payments));
    await api.register(renewalsRoutes(services.renewals));
    await api.register(renewalsAdminRoutes(services.renewals));
    if (config.env !== 'production') await api.register(devOutboxRoutes(services.notifications));
    const sms = config.notifications.sms;
    if (sms.kind === 'http') await api.register(smsGatewayReceiptRoutes(services.notifications, sms.token));
  }, { prefix: '/api/v1' });

  await app.register(fastifyStatic, { root: portalRoot(), wildcard: false, index: 'index.html' });
  app.setNotFoundHandler((request, reply) => {
    const path = request.url.split('?')[0] ?? '';
    // The portal is a single-page app: unknown page paths get its shell; API paths get a problem.
    if (request.method === 'GET' && !path.startsWith('/api/') && path !== '/healthz' && !/\.[a-z0-9]+$/i.test(path)) {
      return reply.type('text/html').sendFile('index.html');
    }
    return notFoundProblem(request, reply);
  });
  return app;
}
