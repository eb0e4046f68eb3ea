import { sql } from 'kysely';
import { beforeAll, expect, it } from 'vitest';
import { GB_BYTES } from '../../../src/platform/money.js';
import { checkLedgerInvariants } from '../../../src/modules/balances/index.js';
import { selectBuckets } from '../../../src/modules/balances/balances.repository.js';
import { inTransaction, transactionRetryCounts, type Tx } from '../../../src/platform/db/database.js';
import { describeEachStoreApp } from '../../support/app.js';
import { outboxFor } from '../../support/http.js';
import { seedCatalog } from '../../support/orders.js';
import { NETWORK_KEY, grantBucket, lineWithPlan, postUsage, record, type TestLine, type WireRecord } from './usage.fixtures.js';

const MINUTE = 60_000;
const DAY = 86_400_000;
const JAPAN = { zoneCode: 'JP', countries: ['JP'] };

describeEachStoreApp('usage idempotency, concurrency, expiry and thresholds', (get) => {
  beforeAll(async () => {
    await seedCatalog(get().app);
  });

  const now = () => get().clock.nowMs();
  const db = () => get().database.db;
  const ledgerSound = async (lineId: string) => expect(await checkLedgerInvariants(db(), lineId)).toEqual([]);
  const bucket = (id: string) => selectBuckets(db()).where('id', '=', id).executeTakeFirstOrThrow();
  /** The line's usage ledger transactions (each charged record is one) as the ledger reads them. */
  const usageTransactions = async (lineId: string) => (await db().selectFrom('ledger_entry').select('ltx_id').distinct()
    .where('line_id', '=', lineId).where('kind', '=', 'usage').execute()).length;

  it('charges a record id once: again later, twice in one request, or in concurrent requests', async () => {
    const { app } = get();
    const line = await lineWithPlan(app, 'EU-COMBO-15D', 'EUR');
    const first = record(line, 'data', 1000, now());
    expect((await postUsage(app, [first]))[0]?.status).toBe('charged');
    const again = await postUsage(app, [first, record(line, 'data', 1, now())]);
    expect(again.map((r) => r.status)).toEqual(['duplicate', 'charged']);
    expect(again[0]).toMatchObject({ allowanceUnits: 0, draws: [] });

    const twice = record(line, 'data', 10, now());
    expect((await postUsage(app, [twice, twice])).map((r) => r.status)).toEqual(['charged', 'duplicate']);

    const raced = record(line, 'data', 100, now());
    const answers = await Promise.all(Array.from({ length: 6 }, () => postUsage(app, [raced, record(line, 'sms', 1, now())])));
    const statuses = answers.map((a) => a[0]?.status).sort();
    expect(statuses).toEqual(['charged', 'duplicate', 'duplicate', 'duplicate', 'duplicate', 'duplicate']);
    expect(answers.every((a) => a[1]?.status === 'charged')).toBe(true);
    // 1 + 1 + 1 + 1 (raced) + 6 SMS records drew from buckets; the duplicates drew nothing.
    expect(await usageTransactions(line.lineId)).toBe(10);
    const data = (await line.client.get(`/api/v1/lines/${line.lineId}`)).json() as { allowances: Array<{ kind: string; used: number }> };
    expect(data.allowances.find((a) => a.kind === 'data')?.used).toBe(1111);
    await ledgerSound(line.lineId);
  });

  it('stores a record raced by concurrent requests once when its line has no bucket to lock', async () => {
    const { app } = get();
    const line = await lineWithPlan(app, 'EU-COMBO-15D', 'EUR');
    // Started the day before the plan: no bucket was valid then, so nothing is read or locked, and
    // the twins meet at the insert (on PostgreSQL the later batch waits, then rates again without it).
    const raced = record(line, 'data', 100, now() - DAY);
    const answers = await Promise.all(Array.from({ length: 6 }, () => postUsage(app, [raced, record(line, 'data', 1, now() - DAY)])));
    expect(answers.map((a) => a[0]?.status).sort()).toEqual(['blocked', 'duplicate', 'duplicate', 'duplicate', 'duplicate', 'duplicate']);
    expect(answers.every((a) => a[1]?.status === 'blocked')).toBe(true);
    const stored = await db().selectFrom('usage_record').select('record_id').where('line_id', '=', line.lineId).execute();
    expect(stored).toHaveLength(7);
    await ledgerSound(line.lineId);
  });

  it('never overdraws a line under concurrent requests', async () => {
    const { app } = get();
    const line = await lineWithPlan(app, 'EU-COMBO-15D', 'EUR');
    const japan = await grantBucket(app, line.lineId, { kind: 'data', amount: 10_000, coverage: JAPAN }, now());
    const requests = Array.from({ length: 20 }, () => Array.from({ length: 5 }, () => record(line, 'data', 150, now(), { country: 'JP' })));
    const answers = (await Promise.all(requests.map((records) => postUsage(app, records)))).flat();
    const served = answers.reduce((sum, r) => sum + r.allowanceUnits, 0);
    const blocked = answers.reduce((sum, r) => sum + r.blockedUnits, 0);
    expect(served).toBe(10_000);
    expect(blocked).toBe(20 * 5 * 150 - 10_000);
    expect(await bucket(japan)).toMatchObject({ remaining: 0, used: 10_000 });
    await ledgerSound(line.lineId);
  });

  it('charges concurrent batches over the same lines, with twins in different orders, without a deadlock', async () => {
    const { app } = get();
    const lines: TestLine[] = [];
    for (let i = 0; i < 8; i += 1) lines.push(await lineWithPlan(app, 'EU-COMBO-15D', 'EUR'));
    for (const line of lines) await grantBucket(app, line.lineId, { kind: 'money', currency: 'EUR', amount: 500 }, now());
    // Every request holds all lines and the same 400 shared records, each request in its own order.
    const shared = Array.from({ length: 400 }, (_, i) => record(lines[i % lines.length] as TestLine, 'data', 1000 + i, now()));
    let seed = 7;
    const shuffled = <T>(items: readonly T[]): T[] => {
      const out = [...items];
      for (let i = out.length - 1; i > 0; i -= 1) {
        seed = (seed * 1103515245 + 12345) % 2147483648;
        const j = seed % (i + 1);
        [out[i], out[j]] = [out[j] as T, out[i] as T];
      }
      return out;
    };
    const requests = Array.from({ length: 8 }, () => shuffled([
      ...shared, ...lines.flatMap((line) => Array.from({ length: 25 }, () => [record(line, 'data', 5 * 1024 * 1024, now()), record(line, 'voice', 300, now(), { country: 'US' })]).flat()),
    ]));
    const deadlocksBefore = transactionRetryCounts().get('40P01') ?? 0;
    const answers = await Promise.all(requests.map((records) => postUsage(app, records)));
    expect((transactionRetryCounts().get('40P01') ?? 0) - deadlocksBefore).toBe(0);
    for (const twin of shared) {
      const statuses = answers.map((list, r) => list[requests[r]?.indexOf(twin) ?? -1]?.status);
      expect(statuses.filter((s) => s === 'duplicate'), twin.recordId).toHaveLength(7);
    }
    const stored = await db().selectFrom('usage_record').select(['line_id', 'allowance_units'])
      .where('line_id', 'in', lines.map((l) => l.lineId)).execute();
    expect(stored).toHaveLength(400 + 8 * 8 * 50);
    for (const line of lines) {
      const data = await selectBuckets(db()).where('line_id', '=', line.lineId).where('kind', '=', 'data').executeTakeFirstOrThrow();
      const served = stored.filter((r) => r.line_id === line.lineId).reduce((sum, r) => sum + Number(r.allowance_units), 0);
      const voiceServed = await selectBuckets(db()).where('line_id', '=', line.lineId).where('kind', '=', 'voice').executeTakeFirstOrThrow();
      expect(Number(data.used) + Number(voiceServed.used)).toBe(served);
      await ledgerSound(line.lineId);
    }
  });

  it('rates again on what another writer left when a bucket it drew from changed after it was read', async () => {
    const { app, database } = get();
    const { balances } = app.roamline.services;
    const line = await lineWithPlan(app, 'EU-COMBO-15D', 'EUR');
    const japan = await grantBucket(app, line.lineId, { kind: 'data', amount: 10_000, coverage: JAPAN }, now());
    const take = (tx: Tx) => balances.debit(tx, japan, 9_000, { reason: 'usage', reference: 'another writer' });
    let answer: ReturnType<typeof postUsage> | undefined;
    if (database.dialect === 'postgres') {
      // Another writer holds the bucket's balance: the charge reads it unlocked (10,000 left) and rates on that,
      // then its debit waits; the writer takes 9,000 and commits. The charge must not debit on the
      // amount it rated on: it reads the bucket again, locked, and rates again on the 1,000 left.
      await db().transaction().execute(async (trx) => {
        await sql`select bucket_id from bucket_balance where bucket_id = ${japan} for update`.execute(trx);
        answer = postUsage(app, [record(line, 'data', 2_000, now(), { country: 'JP' })]);
        for (let waited = 0; ; waited += 1) {
          const { rows } = await sql<{ n: string }>`select count(*) as n from pg_stat_activity
            where wait_event_type = 'Lock' and query like 'update bucket_balance as h%'`.execute(db());
          if (Number(rows[0]?.n) > 0) break;
          expect(waited, 'the charge never waited for the bucket').toBeLessThan(500);
          await new Promise((resolve) => setTimeout(resolve, 10));
        }
        expect(await take(trx)).toMatchObject({ ok: true });
      });
    } else {
      // One writer at a time: the other writer's debit commits before the charge reads.
      expect(await inTransaction(db(), take)).toMatchObject({ ok: true });
      answer = postUsage(app, [record(line, 'data', 2_000, now(), { country: 'JP' })]);
    }
    expect((await answer)?.[0]).toMatchObject({ status: 'partially_charged', allowanceUnits: 1_000, blockedUnits: 1_000 });
    expect(await bucket(japan)).toMatchObject({ remaining: 0, used: 10_000 });
    await ledgerSound(line.lineId);
  });

  it('charges on what a line holds now when its buckets change between its charges (top-up, another writer, refund, a bucket brought forward)', async () => {
    const { app } = get();
    const { balances } = app.roamline.services;
    const line = await lineWithPlan(app, 'EU-COMBO-15D', 'EUR');
    const jp = (quantity: number) => postUsage(app, [record(line, 'data', quantity, now(), { country: 'JP' })]);
    // Charged once, the line's buckets are held in memory: none of them covers Japan.
    expect((await jp(500))[0]).toMatchObject({ status: 'blocked', blockedUnits: 500 });
    // A top-up is a bucket added: the next charge draws from it.
    const topUp = await grantBucket(app, line.lineId, { kind: 'data', amount: 10_000, coverage: JAPAN, sourceId: `adj_${line.lineId}_jp` }, now());
    expect((await jp(2_000))[0]).toMatchObject({ status: 'charged', draws: [expect.objectContaining({ bucketId: topUp, amount: 2_000 })] });
    // Another writer takes most of what is left: the charge rated on 8,000 finds the debit refused and rates again.
    expect(await inTransaction(db(), (tx) => balances.debit(tx, topUp, 7_000, { reason: 'usage', reference: 'another writer' }))).toMatchObject({ ok: true });
    expect((await jp(2_000))[0]).toMatchObject({ status: 'partially_charged', allowanceUnits: 1_000, blockedUnits: 1_000 });
    // A second top-up, refunded before it is used: nothing is drawn from it.
    const refunded = await grantBucket(app, line.lineId, { kind: 'data', amount: 5_000, coverage: JAPAN, sourceId: `adj_${line.lineId}_refunded` }, now());
    expect((await jp(1_000))[0]).toMatchObject({ status: 'charged', draws: [expect.objectContaining({ bucketId: refunded })] });
    await inTransaction(db(), (tx) => balances.refundUnused(tx, { sourceId: `adj_${line.lineId}_refunded`, idempotencyKey: `refund:${line.lineId}` }));
    expect((await jp(1_000))[0]).toMatchObject({ status: 'blocked', blockedUnits: 1_000 });
    // Staff bring forward a bucket not valid yet (a bucket usable otherwise than before): the next charge draws from it.
    const later = await grantBucket(app, line.lineId, { kind: 'data', amount: 3_000, coverage: JAPAN, sourceId: `adj_${line.lineId}_later` }, now() + DAY);
    expect((await jp(1_000))[0]).toMatchObject({ status: 'blocked', blockedUnits: 1_000 });
    await db().updateTable('bucket').set({ valid_from: now() - MINUTE }).where('id', '=', later).execute();
    expect((await jp(1_000))[0]).toMatchObject({ status: 'charged', draws: [expect.objectContaining({ bucketId: later, amount: 1_000 })] });
    expect(await bucket(topUp)).toMatchObject({ remaining: 0, used: 10_000 });
    expect(await bucket(refunded)).toMatchObject({ status: 'refunded', remaining: 0, used: 1_000, refunded: 4_000 });
    await ledgerSound(line.lineId);
  });

  it('charges data without waiting for the voice bucket of the line that another transaction holds', async () => {
    const { app, database } = get();
    const line = await lineWithPlan(app, 'EU-COMBO-15D', 'EUR');
    const voice = await selectBuckets(db()).where('line_id', '=', line.lineId)
      .where('kind', '=', 'voice').executeTakeFirstOrThrow();
    let release = (): void => {};
    let holder: Promise<void> = Promise.resolve();
    // On PostgreSQL another transaction locks the voice bucket for as long as the charge takes; a
    // charge that read every bucket of the line would wait for it forever (and the test time out).
    // SQLite has one writer at a time, so there the data charge alone is checked.
    if (database.dialect === 'postgres') {
      const released = new Promise<void>((resolve) => { release = resolve; });
      let locked = (): void => {};
      const lockTaken = new Promise<void>((resolve) => { locked = resolve; });
      holder = db().transaction().execute(async (trx) => {
        await sql`select bucket_id from bucket_balance where bucket_id = ${voice.id} for update`.execute(trx);
        locked();
        await released;
      });
      await lockTaken;
    }
    const [answer] = await postUsage(app, [record(line, 'data', 4096, now())]);
    release();
    await holder;
    expect(answer).toMatchObject({ status: 'charged', allowanceUnits: 4096 });
    expect(await bucket(voice.id)).toMatchObject({ remaining: voice.remaining, used: 0 });
    await ledgerSound(line.lineId);
  });

  /** Runs `fn` while the store fails to insert the record `recordId` (a real trigger, on either store). */
  async function withPoisonedRecord(recordId: string, fn: () => Promise<void>): Promise<void> {
    const postgres = get().database.dialect === 'postgres';
    if (postgres) {
      await sql`create function usage_poison() returns trigger language plpgsql as $$
        begin if new.record_id = ${sql.lit(recordId)} then raise exception 'poisoned record'; end if; return new; end $$`.execute(db());
      await sql`create trigger usage_poison before insert on usage_record for each row execute function usage_poison()`.execute(db());
    } else {
      await sql`create trigger usage_poison before insert on usage_record when new.record_id = ${sql.lit(recordId)}
        begin select raise(abort, 'poisoned record'); end`.execute(db());
    }
    try {
      await fn();
    } finally {
      await sql`drop trigger usage_poison${sql.raw(postgres ? ' on usage_record' : '')}`.execute(db());
      if (postgres) await sql`drop function usage_poison()`.execute(db());
    }
  }

  it('a request that fails in the store does not fail the concurrent requests charged with it', async () => {
    const { app } = get();
    const line = await lineWithPlan(app, 'EU-COMBO-15D', 'EUR');
    const poison = record(line, 'data', 1, now());
    await withPoisonedRecord(poison.recordId, async () => {
      const requests = Array.from({ length: 5 }, (_, i) => [
        record(line, 'data', 1000, now()), record(line, 'sms', 1, now()), ...(i === 2 ? [poison] : [record(line, 'data', 10, now())]),
      ]);
      const responses = await Promise.all(requests.map((records) => app.inject({
        method: 'POST', url: '/api/v1/usage', headers: { authorization: `Bearer ${NETWORK_KEY}` }, payload: { records },
      })));
      expect(responses.map((r) => r.statusCode)).toEqual([200, 200, 500, 200, 200]);
      for (const response of responses.filter((r) => r.statusCode === 200)) {
        expect((response.json() as { results: Array<{ status: string }> }).results.map((r) => r.status)).toEqual(['charged', 'charged', 'charged']);
      }
      const stored = await db().selectFrom('usage_record').select('record_id').where('line_id', '=', line.lineId).execute();
      expect(stored.map((r) => r.record_id).sort()).toEqual(requests.filter((_, i) => i !== 2).flat().map((r) => r.recordId).sort());
      await ledgerSound(line.lineId);
    });
  });

  it('charges each request of a batch that failed in the store again alone, with any batch rated on top of it, and fails only the one that failed', async () => {
    const { app } = get();
    const line = await lineWithPlan(app, 'EU-COMBO-15D', 'EUR');
    await grantBucket(app, line.lineId, { kind: 'data', amount: 1_000_000_000 }, now() - DAY);
    // More records than one transaction takes (25,000 on SQLite): the first request is charged alone
    // (it starts the lane) and fails; on SQLite the others are rated on top of it meanwhile and in
    // flight to the writer thread when it fails, and the writer skips them.
    const requests = Array.from({ length: 6 }, () => Array.from({ length: 5000 }, () => record(line, 'data', 10, now() - MINUTE)));
    const poison = requests[0]?.[2500] as WireRecord;
    await withPoisonedRecord(poison.recordId, async () => {
      // The line's buckets, periods and number already held: the requests queue in the same tick.
      await postUsage(app, [record(line, 'sms', 1, now())]);
      const { usage } = app.roamline.services;
      const answers = await Promise.allSettled(requests.map((records) => usage.chargeRecords(records.map((r) => ({
        recordId: r.recordId, msisdn: r.msisdn, type: r.type, quantity: r.quantity, country: r.country, startedAtMs: Date.parse(r.startedAt),
      })))));
      expect(answers.map((a) => a.status)).toEqual(['rejected', 'fulfilled', 'fulfilled', 'fulfilled', 'fulfilled', 'fulfilled']);
      for (const answer of answers) {
        if (answer.status === 'fulfilled') expect([...new Set(answer.value.map((r) => r.status))]).toEqual(['charged']);
        else expect(String(answer.reason)).toContain('poisoned record');
      }
      const charged = requests.slice(1).flat();
      const stored = await db().selectFrom('usage_record').select('record_id').where('line_id', '=', line.lineId).where('kind', '=', 'data').execute();
      expect(stored.map((r) => r.record_id).sort()).toEqual(charged.map((r) => r.recordId).sort());
      const data = await selectBuckets(db()).where('line_id', '=', line.lineId).where('kind', '=', 'data').execute();
      expect(data.reduce((sum, b) => sum + Number(b.used), 0)).toBe(charged.length * 10);
      await ledgerSound(line.lineId);
    });
  });

  it('does not draw from a bucket that expired before the record arrived, and writes off what was left', async () => {
    const { app, clock } = get();
    const line = await lineWithPlan(app, 'JP-DATA-1D', 'HKD');
    const start = now();
    const extra = await grantBucket(app, line.lineId, { kind: 'data', amount: 1000, coverage: JAPAN }, start, 1);
    expect((await postUsage(app, [record(line, 'data', 300, start, { country: 'JP' })]))[0]?.draws.map((d) => d.bucketId)).toContain(extra);
    clock.advance(2 * DAY);
    await app.roamline.jobs.runDue();
    expect(await bucket(extra)).toMatchObject({ status: 'expired', expired: 700, remaining: 0 });
    // Started while the bucket was valid, but reported after its expiry: nothing is left to draw.
    const [late] = await postUsage(app, [record(line, 'data', 100, start + 12 * 3_600_000, { country: 'JP' })]);
    expect(late).toMatchObject({ status: 'blocked', blockedUnits: 100 });
    const expiry = await db().selectFrom('ledger_posting').select(['account', 'amount']).where('line_id', '=', line.lineId)
      .where('account', '=', 'expiry').execute();
    expect(expiry.map((p) => p.amount).sort((a, b) => a - b)).toEqual([700, GB_BYTES]);
    await ledgerSound(line.lineId);
  });

  it('tells the customer once, in their language, when data reaches 80 % and 100 % and when money runs low', async () => {
    const { app } = get();
    const line = await lineWithPlan(app, 'EU-COMBO-15D', 'EUR', 'zh-CN');
    await grantBucket(app, line.lineId, { kind: 'money', currency: 'EUR', amount: 100 }, now());
    const send = async (records: WireRecord[]) => {
      await postUsage(app, records);
      await app.roamline.jobs.runDue();
      return (await outboxFor(line.client, line.msisdn)).filter((m) => m.template.startsWith('balances.'));
    };
    expect(await send([record(line, 'data', 9 * GB_BYTES, now())])).toEqual([]);
    // Two records cross 80 % in one request, concurrent requests go further: one notice.
    await Promise.all([send([record(line, 'data', GB_BYTES / 2, now()), record(line, 'data', GB_BYTES, now())]), send([record(line, 'data', 1, now())])]);
    let notices = await send([record(line, 'data', 1000, now())]);
    expect(notices.map((m) => [m.template, m.language])).toEqual([['balances.data_80', 'zh-CN']]);
    expect(notices[0]?.body).toContain('80%');
    notices = await send([record(line, 'data', 1.5 * GB_BYTES - 1001, now())]);
    expect(notices.map((m) => m.template).sort()).toEqual(['balances.data_100', 'balances.data_80']);
    // Overage from here on: the money crosses 80 % used (€0.85 of €1.00).
    notices = await send([record(line, 'data', 85 * 1024 * 1024, now())]);
    expect(notices.map((m) => m.template).sort()).toEqual(['balances.data_100', 'balances.data_80', 'balances.money_low']);
    notices = await send([record(line, 'data', 1024 * 1024, now())]);
    expect(notices).toHaveLength(3);
    const rows = await db().selectFrom('usage_threshold').select(['threshold', 'notified_at']).where('line_id', '=', line.lineId).execute();
    expect(rows.filter((r) => r.notified_at !== null)).toHaveLength(3);
    await ledgerSound(line.lineId);
  });

  it('counts what another writer took from a bucket it did not draw from when it tells of a threshold', async () => {
    const { app } = get();
    const { balances } = app.roamline.services;
    const line = await lineWithPlan(app, 'EU-COMBO-15D', 'EUR');
    const plan = await selectBuckets(db()).where('line_id', '=', line.lineId).where('kind', '=', 'data').executeTakeFirstOrThrow();
    const granted = Number(plan.granted);
    const japan = await grantBucket(app, line.lineId, { kind: 'data', amount: granted, coverage: JAPAN }, now());
    const send = async (quantity: number) => {
      const [result] = await postUsage(app, [record(line, 'data', quantity, now(), { country: 'JP' })]);
      await app.roamline.jobs.runDue();
      return result;
    };
    // Charged once, the line's buckets are held in memory.
    expect(await send(1)).toMatchObject({ status: 'charged', draws: [expect.objectContaining({ bucketId: japan })] });
    // Another writer takes all of the plan's data: its buckets are not touched by the next charge.
    expect(await inTransaction(db(), (tx) => balances.debit(tx, plan.id, granted, { reason: 'usage', reference: 'another writer' })))
      .toMatchObject({ ok: true });
    // The data used is now 85 % of what the line was granted (35 % on the amounts held before).
    expect(await send(Math.round(granted * 0.7))).toMatchObject({ status: 'charged', draws: [expect.objectContaining({ bucketId: japan })] });
    const notices = (await outboxFor(line.client, line.msisdn)).filter((m) => m.template.startsWith('balances.'));
    expect(notices.map((m) => m.template)).toEqual(['balances.data_80']);
    expect(await bucket(plan.id)).toMatchObject({ remaining: 0, used: granted });
    await ledgerSound(line.lineId);
  });
}, { networkApiKey: 'network-key-for-tests-0123456789' });
