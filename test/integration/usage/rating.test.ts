import { CompiledQuery, sql } from 'kysely';
import { beforeAll, expect, it } from 'vitest';
import { GB_BYTES, MB_BYTES } from '../../../src/platform/money.js';
import { checkLedgerInvariants } from '../../../src/modules/balances/index.js';
import { selectUsageSlots, usageSlotsQuery } from '../../../src/modules/balances/balances.usage.repository.js';
import { describeEachStoreApp } from '../../support/app.js';
import { expectProblem, newClient } from '../../support/accounts.js';
import { seedCatalog } from '../../support/orders.js';
import { NETWORK_KEY, grantBucket, lineWithPlan, postUsage, record, recordId } from './usage.fixtures.js';

const MINUTE = 60_000;

describeEachStoreApp('usage rating', (get) => {
  beforeAll(async () => {
    await seedCatalog(get().app);
  });

  const now = () => get().clock.nowMs();
  const ledgerSound = async (lineId: string) => expect(await checkLedgerInvariants(get().database.db, lineId)).toEqual([]);

  it('draws from buckets that cover the country and were valid at the start, soonest expiry first, then by priority', async () => {
    const { app } = get();
    const line = await lineWithPlan(app, 'EU-COMBO-15D', 'EUR');
    const t = now();
    const later = await grantBucket(app, line.lineId, { kind: 'data', amount: 1000, priority: 0 }, t - MINUTE, 6);
    const second = await grantBucket(app, line.lineId, { kind: 'data', amount: 1000, priority: 5 }, t - MINUTE, 5);
    const first = await grantBucket(app, line.lineId, { kind: 'data', amount: 1000, priority: 1 }, t - MINUTE, 5);
    const japan = await grantBucket(app, line.lineId, { kind: 'data', amount: 1000, coverage: { zoneCode: 'JP', countries: ['JP'] } }, t - MINUTE, 2);
    const notYet = await grantBucket(app, line.lineId, { kind: 'data', amount: 1000, priority: -10 }, t + MINUTE, 1);

    const [fr, jp] = await postUsage(app, [record(line, 'data', 2500, t - 30_000), record(line, 'data', 1200, t - 30_000, { country: 'JP' })]);
    expect(fr).toMatchObject({ status: 'charged', lineId: line.lineId, country: 'FR', allowanceUnits: 2500, overageUnits: 0, blockedUnits: 0, charge: null });
    expect(fr?.draws.map((d) => [d.bucketId, d.amount])).toEqual([[first, 1000], [second, 1000], [later, 500]]);
    // Only the JP bucket covers Japan, and the plan's overage rates are for Europe: the rest is blocked.
    expect(jp).toMatchObject({ status: 'partially_charged', allowanceUnits: 1000, blockedUnits: 200 });
    expect(jp?.draws.map((d) => d.bucketId)).toEqual([japan]);
    expect([fr, jp].flatMap((r) => r?.draws ?? []).some((d) => d.bucketId === notYet)).toBe(false);
    await ledgerSound(line.lineId);
  });

  it('charges what no bucket covers at the overage rate per started increment, never taking money below zero', async () => {
    const { app } = get();
    const line = await lineWithPlan(app, 'EU-COMBO-15D', 'EUR');
    get().clock.advance(MINUTE);
    const t = now() - 10_000;
    expect((await postUsage(app, [record(line, 'voice', 6000, t)]))[0]).toMatchObject({ status: 'charged', allowanceUnits: 6000 });
    // No money bucket: the overage cannot be paid.
    expect((await postUsage(app, [record(line, 'voice', 30, t)]))[0]).toMatchObject({ status: 'blocked', blockedUnits: 30, draws: [] });

    const money = await grantBucket(app, line.lineId, { kind: 'money', currency: 'EUR', amount: 60 }, t - MINUTE);
    // 61 s are two started minutes at €0.25.
    const [call] = await postUsage(app, [record(line, 'voice', 61, t)]);
    expect(call).toMatchObject({ status: 'charged', allowanceUnits: 0, overageUnits: 61, blockedUnits: 0, charge: { currency: 'EUR', amountMinor: 50 } });
    expect(call?.draws).toEqual([{ bucketId: money, kind: 'money', currency: 'EUR', amount: 50 }]);
    // €0.10 left does not pay one minute.
    expect((await postUsage(app, [record(line, 'voice', 120, t)]))[0]).toMatchObject({ status: 'blocked', blockedUnits: 120 });
    await grantBucket(app, line.lineId, { kind: 'money', currency: 'EUR', amount: 20 }, t - MINUTE);
    // €0.30 over two buckets pays one of three started minutes.
    const [partial] = await postUsage(app, [record(line, 'voice', 150, t)]);
    expect(partial).toMatchObject({ status: 'partially_charged', overageUnits: 60, blockedUnits: 90, charge: { currency: 'EUR', amountMinor: 25 } });
    expect(partial?.draws.reduce((sum, d) => sum + d.amount, 0)).toBe(25);

    // Data: the allowance, then per started MB at €0.01.
    const [data] = await postUsage(app, [record(line, 'data', 12 * GB_BYTES + 1, t)]);
    expect(data).toMatchObject({ status: 'charged', allowanceUnits: 12 * GB_BYTES, overageUnits: 1, charge: { currency: 'EUR', amountMinor: 1 } });
    // SMS: 50 in the plan, the 51st at €0.15 is more than the €0.04 left.
    const [sms] = await postUsage(app, [record(line, 'sms', 51, t)]);
    expect(sms).toMatchObject({ status: 'partially_charged', allowanceUnits: 50, overageUnits: 0, blockedUnits: 1 });

    const detail = (await line.client.get(`/api/v1/lines/${line.lineId}`)).json() as { allowances: Array<{ kind: string; remaining: number; used: number; granted: number }> };
    expect(detail.allowances.map((a) => [a.kind, a.remaining, a.used, a.granted])).toEqual([
      ['data', 0, 12 * GB_BYTES, 12 * GB_BYTES], ['voice', 0, 6000, 6000], ['sms', 0, 50, 50], ['money', 4, 76, 80],
    ]);
    await ledgerSound(line.lineId);
  });

  it('blocks usage beyond the allowance of a plan that stops when used up, money or not', async () => {
    const { app } = get();
    const line = await lineWithPlan(app, 'JP-DATA-7D', 'HKD');
    await grantBucket(app, line.lineId, { kind: 'money', currency: 'HKD', amount: 10_000, coverage: { zoneCode: 'JP', countries: ['JP'] } }, now() - MINUTE);
    const [result] = await postUsage(app, [record(line, 'data', 6 * GB_BYTES, now(), { country: 'JP' })]);
    expect(result).toMatchObject({ status: 'partially_charged', allowanceUnits: 5 * GB_BYTES, overageUnits: 0, blockedUnits: GB_BYTES, charge: null });
    expect((await postUsage(app, [record(line, 'data', MB_BYTES, now(), { country: 'JP' })]))[0]).toMatchObject({ status: 'blocked' });
    await ledgerSound(line.lineId);
  });

  it('finds the line by ICCID or MSISDN, maps MCC-MNC to the country, and rejects what it cannot rate', async () => {
    const { app } = get();
    const line = await lineWithPlan(app, 'EU-COMBO-15D', 'EUR');
    const t = now();
    const digitsOnly = line.msisdn.replace('+', '');
    const results = await postUsage(app, [
      { recordId: recordId(), iccid: line.iccid, type: 'sms', quantity: 1, mccMnc: '20801', startedAt: new Date(t).toISOString() },
      { recordId: recordId(), msisdn: digitsOnly, type: 'sms', quantity: 1, mccMnc: '262-01', startedAt: new Date(t).toISOString() },
      { recordId: recordId(), msisdn: '+85299999999', type: 'sms', quantity: 1, country: 'FR', startedAt: new Date(t).toISOString() },
      { ...record(line, 'sms', 1, t), country: 'ZZ' },
      { ...record(line, 'sms', 1, t), country: undefined, mccMnc: '999-99' },
      record(line, 'sms', 1, t + 60 * MINUTE),
    ]);
    expect(results.map((r) => [r.status, r.country ?? r.reason])).toEqual([
      ['charged', 'FR'], ['charged', 'DE'], ['rejected', 'line_not_found'], ['rejected', 'country_unknown'],
      ['rejected', 'mcc_mnc_unknown'], ['rejected', 'start_in_future'],
    ]);
    // A rejected record is not stored: sent again once its line exists, it would be charged.
    const stored = await get().database.db.selectFrom('usage_record').select('record_id').where('record_id', 'in', results.map((r) => r.recordId)).execute();
    expect(stored).toHaveLength(2);
  });

  it('answers usage totals per hour for the owner only, within a bounded range', async () => {
    const { app } = get();
    const line = await lineWithPlan(app, 'EU-COMBO-15D', 'EUR');
    const bought = now();
    const first = Math.floor(bought / 3_600_000) * 3_600_000;
    const hour = first + 3_600_000;
    get().clock.advance(2 * 3_600_000);
    await postUsage(app, [
      record(line, 'data', 1000, bought + MINUTE), record(line, 'data', 500, hour + MINUTE),
      record(line, 'voice', 90, hour + 2 * MINUTE), record(line, 'data', 700, hour + 3 * MINUTE, { country: 'JP' }),
    ]);
    const from = new Date(first).toISOString();
    const to = new Date(hour + 3_600_000).toISOString();
    const response = await line.client.get(`/api/v1/lines/${line.lineId}/usage?granularity=hour&from=${from}&to=${to}`);
    expect(response.statusCode, response.body).toBe(200);
    const chart = response.json() as { points: Array<{ start: string; data: { served: number; blocked: number }; voice: { served: number } }> };
    expect(chart.points.map((p) => [p.start, p.data.served, p.data.blocked, p.voice.served])).toEqual([
      [from, 1000, 0, 0], [new Date(hour).toISOString(), 500, 700, 90],
    ]);
    const stranger = newClient(app);
    const other = await lineWithPlan(app, 'JP-DATA-1D', 'HKD');
    expectProblem(await other.client.get(`/api/v1/lines/${line.lineId}/usage`), 404, 'request.not_found');
    expectProblem(await stranger.get(`/api/v1/lines/${line.lineId}/usage`), 401, 'auth.required');
    expectProblem(await line.client.get(`/api/v1/lines/${line.lineId}/usage?granularity=hour&from=${new Date(hour - 8 * 86_400_000).toISOString()}`), 400, 'usage.range_invalid');
    expectProblem(await line.client.get(`/api/v1/lines/${line.lineId}/usage?from=${to}&to=${from}`), 400, 'usage.range_invalid');
  });

  it("reads a line's usage by the tail of its id, through the index, and only the line's own when another line's id ends the same", async () => {
    const { app, database } = get();
    const { db } = database;
    const line = await lineWithPlan(app, 'EU-COMBO-15D', 'EUR');
    const at = now();
    await postUsage(app, [record(line, 'data', 1000, at)]);
    // Lines may share the 7 characters of the tail: a record of another line with this one's tail.
    const twin = `lin_${'0'.repeat(19)}${line.lineId.slice(-7)}`;
    expect(twin).not.toBe(line.lineId);
    await db.insertInto('usage_record').values({
      record_id: recordId(), line_id: twin, kind: 'data', quantity: 5000, country: 'FR', started_at: at, status: 'blocked',
      allowance_units: 0, overage_units: 0, blocked_units: 5000, charge_minor: null, currency: null, ltx_id: null, draws: null, created_at: at,
    }).execute();
    const hour = 3_600_000;
    const rows = await selectUsageSlots(db, line.lineId, at - hour, at + hour, hour);
    expect(rows.map((r) => [r.kind, Number(r.served), Number(r.blocked)])).toEqual([['data', 1000, 0]]);
    expect((await selectUsageSlots(db, twin, at - hour, at + hour, hour)).map((r) => Number(r.blocked))).toEqual([5000]);
    const query = usageSlotsQuery(db, line.lineId, at - hour, at + hour, hour).compile();
    let plan: string;
    if (database.sqlite !== undefined) {
      plan = database.sqlite.prepare<unknown[], { detail: string }>(`explain query plan ${query.sql}`).all(...query.parameters).map((r) => r.detail).join('\n');
    } else {
      // The table is small: without this, a sequential scan may well be cheaper.
      plan = await db.transaction().execute(async (trx) => {
        await sql`set local enable_seqscan = off`.execute(trx);
        const explained = await trx.executeQuery<Record<string, string>>(CompiledQuery.raw(`explain ${query.sql}`, [...query.parameters]));
        return explained.rows.map((r) => r['QUERY PLAN']).join('\n');
      });
    }
    expect(plan).toContain('usage_record_line_tail_idx');
    expect(await checkLedgerInvariants(db, line.lineId)).toEqual([]);
  });

  it('answers per local day or hour of the time zone asked for (a Shanghai day starts at 16:00 UTC, a Kolkata hour at half past)', async () => {
    const { app } = get();
    const line = await lineWithPlan(app, 'EU-COMBO-15D', 'EUR');
    const DAY = 86_400_000;
    // 15:00 UTC (23:00 in Shanghai) of the first UTC day after the purchase, and 17:01 UTC (01:01 the next day in Shanghai).
    const day = Math.floor(now() / DAY) * DAY + DAY;
    const evening = day + 15 * 60 * MINUTE;
    const night = day + 17 * 60 * MINUTE + MINUTE;
    get().clock.set(night + 10 * MINUTE);
    await postUsage(app, [record(line, 'data', 1000, evening), record(line, 'data', 500, night)]);
    const range = `from=${new Date(evening - 60 * MINUTE).toISOString()}&to=${new Date(night + 60 * MINUTE).toISOString()}`;
    type Chart = { timeZone: string; points: Array<{ start: string; data: { served: number } }> };
    const chart = async (query: string): Promise<Chart> => {
      const response = await line.client.get(`/api/v1/lines/${line.lineId}/usage?${query}`);
      expect(response.statusCode, response.body).toBe(200);
      return response.json() as Chart;
    };
    const points = (c: Chart) => c.points.map((p) => [p.start, p.data.served]);

    const utc = await chart(`granularity=day&${range}`);
    expect([utc.timeZone, points(utc)]).toEqual(['UTC', [[new Date(day).toISOString(), 1500]]]);
    const shanghai = await chart(`granularity=day&tz=asia/shanghai&${range}`);
    expect(shanghai.timeZone).toBe('Asia/Shanghai');
    expect(points(shanghai)).toEqual([[new Date(day - 8 * 60 * MINUTE).toISOString(), 1000], [new Date(day + 16 * 60 * MINUTE).toISOString(), 500]]);
    const kolkata = await chart(`granularity=hour&tz=Asia/Kolkata&from=${new Date(evening).toISOString()}&to=${new Date(night).toISOString()}`);
    expect(points(kolkata).filter(([, served]) => served !== 0)).toEqual([
      [new Date(evening - 30 * MINUTE).toISOString(), 1000], [new Date(night - MINUTE - 30 * MINUTE).toISOString(), 500],
    ]);
    expect(kolkata.points).toHaveLength(3);
    expectProblem(await line.client.get(`/api/v1/lines/${line.lineId}/usage?tz=Mars/Olympus`), 400, 'request.invalid');
  });

  it('takes records only with the network key, at most 1,000 at a time, each well formed', async () => {
    const { app } = get();
    const post = (payload: unknown, key?: string) => app.inject({
      method: 'POST', url: '/api/v1/usage', payload: payload as Record<string, unknown>, headers: key === undefined ? {} : { authorization: `Bearer ${key}` },
    });
    const one = { recordId: recordId(), msisdn: '+85251000101', type: 'data', quantity: 1, country: 'FR', startedAt: new Date(now()).toISOString() };
    expectProblem(await post({ records: [one] }), 401, 'auth.api_key_invalid');
    expectProblem(await post({ records: [one] }, 'not-the-key-but-long-enough'), 401, 'auth.api_key_invalid');
    expectProblem(await post({ records: Array.from({ length: 1001 }, () => one) }, NETWORK_KEY), 400, 'request.invalid');
    expectProblem(await post({ records: [{ ...one, quantity: -1 }] }, NETWORK_KEY), 400, 'request.invalid');
    expectProblem(await post({ records: [{ ...one, quantity: 1.5 }] }, NETWORK_KEY), 400, 'request.invalid');
    expectProblem(await post({ records: [{ ...one, mccMnc: '20801' }] }, NETWORK_KEY), 400, 'request.invalid');
    expectProblem(await post({ records: [{ ...one, type: 'mms' }] }, NETWORK_KEY), 400, 'request.invalid');
    expectProblem(await post({ records: [] }, NETWORK_KEY), 400, 'request.invalid');
  });
}, { networkApiKey: NETWORK_KEY });
