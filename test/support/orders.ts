import type { FastifyInstance } from 'fastify';
import { expect } from 'vitest';
import { inTransaction } from '../../src/platform/db/database.js';
import { seedDemo } from '../../src/app/seed.js';
import type { TestClient } from './http.js';

export const DAY = 86_400_000;

/** Seeds the demo catalog and SIM inventory once per application (idempotent anyway). */
export async function seedCatalog(app: FastifyInstance): Promise<void> {
  await seedDemo(app.roamline.services);
}

/** Creates an order through the API and returns its body. */
export async function createOrder(client: TestClient, body: Record<string, unknown>, key?: string): Promise<{ id: string; status: string; totalMinor: number; currency: string; lineId: string | null; [k: string]: unknown }> {
  const response = await client.post('/api/v1/orders', body, key === undefined ? undefined : { 'idempotency-key': key });
  expect(response.statusCode, response.body).toBe(201);
  return response.json();
}

/**
 * Records a successful payment through the payments gateway of the orders module (the same call
 * the payments module makes) and runs the jobs it enqueued, i.e. fulfilment.
 */
export async function payThroughGateway(app: FastifyInstance, orderId: string): Promise<boolean> {
  const { services, ctx, jobs } = app.roamline;
  const order = await services.orders.gateway.findPayableOrder(ctx.database.db, orderId);
  expect(order).toBeDefined();
  const paid = await inTransaction(ctx.database.db, (tx) =>
    services.orders.gateway.markOrderPaid(tx, orderId, { paymentId: 'pay_test', amountMinor: order?.totalMinor ?? 0, currency: order?.currency ?? 'USD' }));
  await jobs.runDue();
  return paid;
}
