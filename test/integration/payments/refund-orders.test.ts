import { beforeAll, expect, it } from 'vitest';
import { checkLedgerInvariants } from '../../../src/modules/balances/index.js';
import { selectBuckets } from '../../../src/modules/balances/balances.repository.js';
import { describeEachStoreApp } from '../../support/app.js';
import { newClient, signUp } from '../../support/accounts.js';
import { createOrder, seedCatalog } from '../../support/orders.js';

const ADMIN_KEY = 'admin-key-for-refund-tests-0123456789';
const ESIM_JP_7D = { kind: 'new_sim', planCode: 'JP-DATA-7D', currency: 'HKD', newSim: { type: 'esim' } } as const;

/** Staff refunds with the real orders and balances modules: only a full refund refunds the order and takes back what is unused. */
describeEachStoreApp('payments: staff refunds of real orders', (get) => {
  beforeAll(async () => {
    await seedCatalog(get().app);
  });

  it('a partial refund leaves the order and its allowances; the full refund refunds the order and takes back the unused allowances', async () => {
    const { app } = get();
    const client = newClient(app);
    await signUp(client);
    const order = await createOrder(client, ESIM_JP_7D);
    const paid = await client.post(`/api/v1/orders/${order.id}/payments`, { method: 'sandbox', paymentMethodToken: 'pm_sandbox_visa' });
    expect(paid.statusCode, paid.body).toBe(201);
    const paymentId = (paid.json() as { payment: { id: string } }).payment.id;
    await app.roamline.jobs.runDue();
    const fulfilled = (await client.get(`/api/v1/orders/${order.id}`)).json() as { status: string; lineId: string };
    expect(fulfilled.status).toBe('fulfilled');
    const refund = (amountMinor: number) => app.inject({
      method: 'POST', url: `/api/v1/admin/payments/${paymentId}/refunds`, headers: { authorization: `Bearer ${ADMIN_KEY}` }, payload: { amountMinor },
    });
    const db = app.roamline.ctx.database.db;
    const activeBuckets = () => selectBuckets(db).where('source_id', '=', order.id).where('status', '=', 'active').execute();
    const before = await activeBuckets();
    expect(before.length).toBeGreaterThan(0);

    expect((await refund(100)).statusCode).toBe(201);
    expect(((await client.get(`/api/v1/orders/${order.id}`)).json() as { status: string }).status).toBe('fulfilled');
    expect(await activeBuckets()).toEqual(before);

    const rest = await refund(order.totalMinor - 100);
    expect(rest.statusCode, rest.body).toBe(201);
    expect(((await client.get(`/api/v1/orders/${order.id}`)).json() as { status: string }).status).toBe('refunded');
    expect(await activeBuckets()).toEqual([]);
    const refunded = await db.selectFrom('bucket').select('status').where('source_id', '=', order.id).execute();
    expect(refunded.every((b) => b.status === 'refunded')).toBe(true);
    expect(await checkLedgerInvariants(db)).toEqual([]);
  });
}, { adminApiKey: ADMIN_KEY });
