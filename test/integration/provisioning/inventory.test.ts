import { beforeEach, expect, it } from 'vitest';
import { seedDemo } from '../../../src/app/seed.js';
import { DEMO_CLAIMABLE_SIMS, DEMO_ESIM_POOL_SIZE, DEMO_PHYSICAL_STOCK_SIZE, type SmdpClient } from '../../../src/modules/provisioning/index.js';
import { createProvisioningService } from '../../../src/modules/provisioning/index.js';
import { isDomainError } from '../../../src/platform/errors.js';
import { newClient, signUp } from '../../support/accounts.js';
import { describeEachStoreApp } from '../../support/app.js';
import { createOrder, payThroughGateway } from '../../support/orders.js';
import { esimProfile, physicalSim, stock, tx } from '../lines/lines.fixtures.js';

function codeOf(error: unknown): string | undefined {
  return isDomainError(error) ? error.code : undefined;
}

describeEachStoreApp('SIM and eSIM inventory', (get) => {
  const provisioning = () => get().app.roamline.services.provisioning;
  const db = () => get().app.roamline.ctx.database.db;
  const lineId = () => get().app.roamline.ctx.ids('lin');

  beforeEach(async () => {
    // Tests of this file share one database; each starts from an empty inventory (lines do not refer to SIM rows).
    await db().deleteFrom('sim').execute();
  });

  it('allocates each eSIM profile exactly once when ten allocations race for three', async () => {
    const profiles = await stock(get().app, esimProfile(), esimProfile(), esimProfile());
    const lines = Array.from({ length: 10 }, lineId);
    const results = await Promise.allSettled(lines.map((id) => tx(get().app, (t) => provisioning().allocateEsim(t, { lineId: id }))));

    const allocated = results.filter((r) => r.status === 'fulfilled').map((r) => r.value);
    expect(allocated).toHaveLength(3);
    expect(new Set(allocated.map((s) => s.iccid))).toEqual(new Set(profiles.map((p) => p.iccid)));
    expect(new Set(allocated.map((s) => s.lineId)).size).toBe(3);
    for (const sim of allocated) expect(sim).toMatchObject({ type: 'esim', status: 'assigned' });
    const refused = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(refused.map((r) => codeOf(r.reason))).toEqual(Array(7).fill('provisioning.esim_pool_empty'));
    expect(await provisioning().countSims(db(), 'esim', 'in_stock')).toBe(0);
    expect(await provisioning().countSims(db(), 'esim', 'assigned')).toBe(3);
  });

  it('gives a line the same profile when its allocation is repeated, and none when the transaction rolls back', async () => {
    await stock(get().app, esimProfile(), esimProfile());
    const id = lineId();
    const first = await tx(get().app, (t) => provisioning().allocateEsim(t, { lineId: id }));
    expect(await tx(get().app, (t) => provisioning().allocateEsim(t, { lineId: id }))).toEqual(first);

    await expect(tx(get().app, async (t) => {
      await provisioning().allocateEsim(t, { lineId: lineId() });
      throw new Error('fulfilment failed later');
    })).rejects.toThrow('fulfilment failed later');
    expect(await provisioning().countSims(db(), 'esim', 'in_stock')).toBe(1);
  });

  it('answers 503 provisioning.esim_pool_empty when the pool is empty, ignoring physical stock', async () => {
    await stock(get().app, physicalSim('in_stock'));
    const error = await tx(get().app, (t) => provisioning().allocateEsim(t, { lineId: lineId() })).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'provisioning.esim_pool_empty', status: 503 });
  });

  it('reserves physical SIMs from the warehouse, never a claimable one', async () => {
    const [inStock] = await stock(get().app, physicalSim('in_stock'), physicalSim('claimable'), esimProfile());
    const id = lineId();
    const sim = await tx(get().app, (t) => provisioning().reservePhysicalSim(t, { lineId: id }));
    expect(sim).toMatchObject({ iccid: inStock!.iccid, type: 'physical', status: 'assigned', lineId: id });
    const error = await tx(get().app, (t) => provisioning().reservePhysicalSim(t, { lineId: lineId() })).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'provisioning.physical_stock_empty', status: 503 });
  });

  it('finds claimable SIMs by number only while they are claimable', async () => {
    const [claimable, inStock, esim] = await stock(get().app, physicalSim('claimable'), physicalSim('in_stock'), esimProfile());
    expect(await provisioning().findClaimableSim(db(), claimable!.msisdn)).toMatchObject({ iccid: claimable!.iccid, status: 'claimable' });
    expect(await provisioning().findClaimableSim(db(), inStock!.msisdn)).toBeUndefined();
    expect(await provisioning().findClaimableSim(db(), esim!.msisdn)).toBeUndefined();
    expect(await provisioning().findClaimableSim(db(), '+85251999999')).toBeUndefined();
    await tx(get().app, (t) => provisioning().markAssigned(t, claimable!.iccid, lineId()));
    expect(await provisioning().findClaimableSim(db(), claimable!.msisdn)).toBeUndefined();
  });

  it('assigns a given SIM once: again for the same line is a no-op, for another line a conflict', async () => {
    const [sim] = await stock(get().app, physicalSim('claimable'));
    const first = lineId();
    const assigned = await tx(get().app, (t) => provisioning().markAssigned(t, sim!.iccid, first, { from: ['claimable'] }));
    expect(assigned).toMatchObject({ status: 'assigned', lineId: first });
    expect(await tx(get().app, (t) => provisioning().markAssigned(t, sim!.iccid, first))).toEqual(assigned);
    const error = await tx(get().app, (t) => provisioning().markAssigned(t, sim!.iccid, lineId())).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'provisioning.sim_unavailable', status: 409 });

    const [inStock] = await stock(get().app, physicalSim('in_stock'));
    const notClaimable = await tx(get().app, (t) => provisioning().markAssigned(t, inStock!.iccid, lineId(), { from: ['claimable'] })).catch((e: unknown) => e);
    expect(codeOf(notClaimable)).toBe('provisioning.sim_unavailable');
  });

  it('assigns a claimable SIM to one of many concurrent claims', async () => {
    const [sim] = await stock(get().app, physicalSim('claimable'));
    const results = await Promise.allSettled(Array.from({ length: 6 }, lineId)
      .map((id) => tx(get().app, (t) => provisioning().markAssigned(t, sim!.iccid, id, { from: ['claimable'] }))));
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    for (const r of results) if (r.status === 'rejected') expect(codeOf(r.reason)).toBe('provisioning.sim_unavailable');
  });

  it('imports a batch all or nothing, skipping SIMs it already has', async () => {
    const batch = [esimProfile(), physicalSim('in_stock')];
    expect(await provisioning().importSims(batch)).toEqual({ inserted: 2, skipped: 0 });
    expect(await provisioning().importSims([...batch, physicalSim()])).toEqual({ inserted: 1, skipped: 2 });
    const badIccid = { ...physicalSim(), iccid: '8985298000000000000' };
    const error = await provisioning().importSims([physicalSim(), badIccid]).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'provisioning.sim_record_invalid', status: 400, details: { index: 1, field: 'iccid' } });
    expect(await provisioning().countSims(db(), 'physical', 'claimable')).toBe(1);
  });

  it('seeds the demo inventory once', async () => {
    const total = DEMO_CLAIMABLE_SIMS.length + DEMO_ESIM_POOL_SIZE + DEMO_PHYSICAL_STOCK_SIZE;
    expect(await provisioning().seedDemoInventory()).toEqual({ inserted: total, skipped: 0 });
    expect(await provisioning().seedDemoInventory()).toEqual({ inserted: 0, skipped: total });
    expect(await provisioning().countSims(db(), 'esim', 'in_stock')).toBe(DEMO_ESIM_POOL_SIZE);
    expect(await provisioning().countSims(db(), 'physical', 'in_stock')).toBe(DEMO_PHYSICAL_STOCK_SIZE);
    expect(await provisioning().countSims(db(), 'physical', 'claimable')).toBe(DEMO_CLAIMABLE_SIMS.length);
    for (const sim of DEMO_CLAIMABLE_SIMS) expect(await provisioning().findClaimableSim(db(), sim.msisdn)).toMatchObject({ iccid: sim.iccid });
  });

  it('fulfils a SIM card order from the demo stock that seeding twice leaves as it was', async () => {
    await seedDemo(get().app.roamline.services);
    await seedDemo(get().app.roamline.services);
    expect(await provisioning().countSims(db(), 'physical', 'in_stock')).toBe(DEMO_PHYSICAL_STOCK_SIZE);
    const client = newClient(get().app);
    await signUp(client);
    const order = await createOrder(client, {
      kind: 'new_sim', planCode: 'JP-DATA-7D', currency: 'HKD',
      newSim: { type: 'physical', shippingAddress: { name: 'Li Wei', line1: '1 Queen’s Road', city: 'Hong Kong', country: 'HK' } },
    });
    expect(await payThroughGateway(get().app, order.id)).toBe(true);
    const detail = (await client.get(`/api/v1/orders/${order.id}`)).json() as { status: string; lineId: string };
    expect(detail.status).toBe('fulfilled');
    const line = (await client.get(`/api/v1/lines/${detail.lineId}`)).json() as { type: string; iccid: string; msisdn: string };
    expect(line).toMatchObject({ type: 'physical', msisdn: expect.stringMatching(/^\+8525200\d{4}$/) });
    expect(await provisioning().findSim(db(), line.iccid)).toMatchObject({ status: 'assigned', lineId: detail.lineId });
    expect(await provisioning().countSims(db(), 'physical', 'in_stock')).toBe(DEMO_PHYSICAL_STOCK_SIZE - 1);
    // The claimable SIMs are for shops, never shipped.
    expect(await provisioning().countSims(db(), 'physical', 'claimable')).toBe(DEMO_CLAIMABLE_SIMS.length);
  });

  it('keeps what the SM-DP+ answers when the download is confirmed', async () => {
    const [profile] = await stock(get().app, esimProfile());
    const calls: string[] = [];
    const smdp: SmdpClient = {
      name: 'fake-es2plus',
      async confirmOrder(ref) {
        calls.push(ref.iccid);
        return { smdpAddress: 'rsp.example.net', matchingId: 'NEW-MATCHING-ID' };
      },
    };
    const withSmdp = createProvisioningService({ ...get().app.roamline.ctx, smdp });
    const id = lineId();
    await tx(get().app, (t) => withSmdp.allocateEsim(t, { lineId: id }));
    expect(await withSmdp.confirmEsimDownload(profile!.iccid)).toEqual({
      smdpAddress: 'rsp.example.net', matchingId: 'NEW-MATCHING-ID', activationCode: 'LPA:1$rsp.example.net$NEW-MATCHING-ID',
    });
    expect(calls).toEqual([profile!.iccid]);
    expect(await provisioning().findSim(db(), profile!.iccid)).toMatchObject({ smdpAddress: 'rsp.example.net', matchingId: 'NEW-MATCHING-ID', lineId: id });

    // The local client answers with the pool's own profile.
    const [local] = await stock(get().app, esimProfile());
    await tx(get().app, (t) => provisioning().allocateEsim(t, { lineId: lineId() }));
    expect(await provisioning().confirmEsimDownload(local!.iccid)).toMatchObject({ matchingId: local!.matchingId, smdpAddress: 'smdp.example.com' });
  });
});
