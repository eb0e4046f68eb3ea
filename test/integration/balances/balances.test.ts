import { sql } from 'kysely';
import { beforeEach, expect, it } from 'vitest';
import { DAY_MS, HOUR_MS } from '../../../src/platform/clock.js';
import { DomainError, NotFoundError } from '../../../src/platform/errors.js';
import { GB_BYTES } from '../../../src/platform/money.js';
import { EXPIRE_JOB, checkLedgerInvariants, expireJobDedupeKey } from '../../../src/modules/balances/index.js';
import { selectBuckets } from '../../../src/modules/balances/balances.repository.js';
import { describeEachStore } from '../../support/stores.js';
import { START_MS, balancesTestMigrations, createHarness, dataGrant, type BalancesHarness } from './balances.fixtures.js';

describeEachStore('balances', { migrations: balancesTestMigrations }, ({ getDb }) => {
  let h: BalancesHarness;
  let lineId: string;

  beforeEach(async () => {
    h = createHarness(getDb());
    lineId = h.newLineId();
    // Expiry jobs of earlier tests would run (harmlessly) under this test's clock; start from none.
    await getDb().db.deleteFrom('job').execute();
  });

  const postingsOfLine = (line: string) =>
    getDb().db.selectFrom('ledger_posting').selectAll().where('line_id', '=', line).orderBy('id').execute();
  const expectLedgerSound = async (line = lineId) => expect(await checkLedgerInvariants(getDb().db, line)).toEqual([]);

  it('grants a bucket with its ledger transaction and its expiry job, in the caller\'s transaction', async () => {
    const input = dataGrant(lineId, START_MS, { amount: 5 * GB_BYTES, coverage: { zoneCode: 'EU', countries: ['FR', 'DE', 'FR'] } });
    const { bucket, replayed } = await h.tx((tx) => h.balances.grant(tx, input));
    expect(replayed).toBe(false);
    expect(bucket).toMatchObject({
      lineId, kind: 'data', currency: null, unit: 'data', status: 'active', granted: 5 * GB_BYTES, used: 0, expired: 0,
      refunded: 0, remaining: 5 * GB_BYTES, validFromMs: START_MS, validUntilMs: START_MS + 30 * DAY_MS,
      coverage: { zoneCode: 'EU', countries: ['DE', 'FR'] }, source: 'order', sourceId: input.sourceId, closedAtMs: null,
    });
    expect(bucket.id).toMatch(/^bkt_/);
    const postings = await postingsOfLine(lineId);
    expect(postings.map((p) => [p.account, p.bucket_id, p.unit, p.amount])).toEqual([
      ['bucket', bucket.id, 'data', 5 * GB_BYTES], ['grants', null, 'data', -5 * GB_BYTES],
    ]);
    expect(postings[0]?.ltx_id).toMatch(/^ltx_/);
    expect(postings[0]?.id).toMatch(/^pst_/);
    const job = await getDb().db.selectFrom('job').selectAll().where('dedupe_key', '=', expireJobDedupeKey(bucket.id)).executeTakeFirstOrThrow();
    expect(job).toMatchObject({ kind: EXPIRE_JOB, run_at: input.validUntilMs, status: 'queued', payload: JSON.stringify({ bucketId: bucket.id }) });
    await expectLedgerSound();
  });

  it('leaves nothing behind when the granting transaction rolls back', async () => {
    await expect(h.tx(async (tx) => {
      await h.balances.grant(tx, dataGrant(lineId, START_MS));
      throw new Error('the order failed');
    })).rejects.toThrow('the order failed');
    expect(await h.balances.listBuckets(getDb().db, lineId, { atMs: START_MS, includeExpired: true })).toEqual([]);
    expect(await postingsOfLine(lineId)).toEqual([]);
    expect(await getDb().db.selectFrom('job').select('id').execute()).toEqual([]);
  });

  it('grants once per idempotency key when repeated, and refuses the key for another grant', async () => {
    const input = dataGrant(lineId, START_MS);
    const first = await h.tx((tx) => h.balances.grant(tx, input));
    h.clock.advance(HOUR_MS);
    const again = await h.tx((tx) => h.balances.grant(tx, input));
    expect(again).toEqual({ bucket: first.bucket, replayed: true });
    const reused = h.tx((tx) => h.balances.grant(tx, { ...input, amount: input.amount + 1 }));
    await expect(reused).rejects.toBeInstanceOf(DomainError);
    await expect(reused).rejects.toMatchObject({ code: 'request.idempotency_key_reused', status: 422 });
    expect(await h.balances.listBuckets(getDb().db, lineId, { atMs: h.clock.nowMs() })).toHaveLength(1);
    expect(await postingsOfLine(lineId)).toHaveLength(2);
    await expectLedgerSound();
  });

  it('grants once per idempotency key when the same grant arrives concurrently', async () => {
    const input = dataGrant(lineId, START_MS);
    const results = await Promise.all(Array.from({ length: 10 }, () => h.tx((tx) => h.balances.grant(tx, input))));
    expect(new Set(results.map((r) => r.bucket.id)).size).toBe(1);
    expect(results.filter((r) => !r.replayed)).toHaveLength(1);
    expect(await h.balances.listBuckets(getDb().db, lineId, { atMs: START_MS })).toHaveLength(1);
    expect(await postingsOfLine(lineId)).toHaveLength(2);
    await expectLedgerSound();
  });

  it('debits a usable bucket and refuses what it does not hold, never going below zero', async () => {
    const { bucket } = await h.tx((tx) => h.balances.grant(tx, dataGrant(lineId, START_MS, { amount: 100 })));
    const debit = (amount: number) => h.tx((tx) => h.balances.debit(tx, bucket.id, amount, { reason: 'usage', reference: 'usg_test' }));
    const done = await debit(60);
    expect(done).toMatchObject({ ok: true, balances: [{ bucketId: bucket.id, remaining: 40 }] });
    expect(await debit(41)).toEqual({ ok: false, reason: 'insufficient_balance', bucketId: bucket.id });
    expect(await debit(40)).toMatchObject({ ok: true, balances: [{ bucketId: bucket.id, remaining: 0 }] });
    expect(await debit(1)).toEqual({ ok: false, reason: 'insufficient_balance', bucketId: bucket.id });
    const [listed] = await h.balances.listBuckets(getDb().db, lineId, { atMs: START_MS });
    expect(listed).toMatchObject({ granted: 100, used: 100, remaining: 0, status: 'active' });
    const usage = await getDb().db.selectFrom('ledger_transaction').selectAll().where('kind', '=', 'usage').where('reference', '=', 'usg_test')
      .where('id', '=', done.ok ? done.ledgerTransactionId : '').execute();
    expect(usage).toHaveLength(1);
    await expectLedgerSound();
  });

  it('refuses to debit a bucket that is not valid yet or no longer valid, and an unknown one', async () => {
    const future = await h.tx((tx) => h.balances.grant(tx, dataGrant(lineId, START_MS, { validFromMs: START_MS + DAY_MS, validUntilMs: START_MS + 2 * DAY_MS })));
    const current = await h.tx((tx) => h.balances.grant(tx, dataGrant(lineId, START_MS, { validUntilMs: START_MS + HOUR_MS })));
    const debit = (bucketId: string) => h.tx((tx) => h.balances.debit(tx, bucketId, 1, { reason: 'usage', reference: 'usg_x' }));
    expect(await debit(future.bucket.id)).toEqual({ ok: false, reason: 'not_usable', bucketId: future.bucket.id });
    h.clock.advance(HOUR_MS);
    // The validity has ended though the expiry job has not run yet: nothing may be drawn any more.
    expect(await debit(current.bucket.id)).toEqual({ ok: false, reason: 'not_usable', bucketId: current.bucket.id });
    await expect(debit('bkt_00000000000000000000000000')).rejects.toBeInstanceOf(NotFoundError);
    await expect(debit('bkt_00000000000000000000000000')).rejects.toMatchObject({ code: 'request.not_found' });
    await expectLedgerSound();
  });

  it('lets exactly 10 of 20 concurrent debits of 10 through against 100', async () => {
    const { bucket } = await h.tx((tx) => h.balances.grant(tx, dataGrant(lineId, START_MS, { amount: 100 })));
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) =>
      h.tx((tx) => h.balances.debit(tx, bucket.id, 10, { reason: 'usage', reference: `usg_${i}` }))));
    expect(results.filter((r) => r.ok)).toHaveLength(10);
    expect(results.filter((r) => !r.ok).every((r) => !r.ok && r.reason === 'insufficient_balance')).toBe(true);
    const remainings = results.flatMap((r) => (r.ok ? r.balances.map((b) => b.remaining) : [])).sort((a, b) => a - b);
    expect(remainings).toEqual([0, 10, 20, 30, 40, 50, 60, 70, 80, 90]);
    const [listed] = await h.balances.listBuckets(getDb().db, lineId, { atMs: START_MS });
    expect(listed).toMatchObject({ used: 100, remaining: 0 });
    await expectLedgerSound();
  });

  it('debits several buckets all or nothing, with one usage posting per unit', async () => {
    const a = await h.tx((tx) => h.balances.grant(tx, dataGrant(lineId, START_MS, { amount: 50 })));
    const b = await h.tx((tx) => h.balances.grant(tx, dataGrant(lineId, START_MS, { amount: 30 })));
    const options = { reason: 'usage', reference: 'usg_many' } as const;
    const refused = await h.tx((tx) => h.balances.debitMany(tx, [{ bucketId: a.bucket.id, amount: 50 }, { bucketId: b.bucket.id, amount: 31 }], options));
    expect(refused).toEqual({ ok: false, reason: 'insufficient_balance', bucketId: b.bucket.id });
    let listed = await h.balances.listBuckets(getDb().db, lineId, { atMs: START_MS });
    expect(listed.map((x) => x.remaining).sort()).toEqual([30, 50]);
    const done = await h.tx((tx) => h.balances.debitMany(tx, [{ bucketId: a.bucket.id, amount: 50 }, { bucketId: b.bucket.id, amount: 5 }], options));
    expect(done).toMatchObject({ ok: true, balances: [{ bucketId: a.bucket.id, remaining: 0 }, { bucketId: b.bucket.id, remaining: 25 }] });
    const legs = (await postingsOfLine(lineId)).filter((p) => done.ok && p.ltx_id === done.ledgerTransactionId);
    expect(legs.map((p) => [p.account, p.amount]).sort()).toEqual([['bucket', -5], ['bucket', -50], ['usage', 55]]);
    listed = await h.balances.listBuckets(getDb().db, lineId, { atMs: START_MS });
    expect(listed.map((x) => x.remaining).sort()).toEqual([0, 25]);
    await expectLedgerSound();
  });

  it('writes off what is left at the moment of expiry, exactly once however often the job runs', async () => {
    const { bucket } = await h.tx((tx) => h.balances.grant(tx, dataGrant(lineId, START_MS, { amount: 100, validUntilMs: START_MS + DAY_MS })));
    await h.tx((tx) => h.balances.debit(tx, bucket.id, 30, { reason: 'usage', reference: 'usg_1' }));
    h.clock.set(START_MS + DAY_MS - 1);
    expect(await h.jobs.runDue()).toBe(0);
    h.clock.set(START_MS + DAY_MS);
    expect(await h.jobs.runDue()).toBe(1);
    const expiredOnce = await h.balances.listBuckets(getDb().db, lineId, { atMs: h.clock.nowMs(), includeExpired: true });
    expect(expiredOnce).toEqual([expect.objectContaining({ status: 'expired', used: 30, expired: 70, remaining: 0, closedAtMs: START_MS + DAY_MS })]);
    expect(await h.balances.listBuckets(getDb().db, lineId, { atMs: h.clock.nowMs() })).toEqual([]);

    // The same job again (a retry after a lost lease), and the sweep, change nothing.
    const [handler] = h.balances.jobHandlers.values();
    await handler?.({ id: 'job_again', kind: EXPIRE_JOB, payload: { bucketId: bucket.id }, attempts: 2, maxAttempts: 8, runAtMs: START_MS + DAY_MS });
    await h.balances.expireDueBuckets(getDb().db, h.clock.nowMs(), 100);
    expect(await h.balances.listBuckets(getDb().db, lineId, { atMs: h.clock.nowMs(), includeExpired: true })).toEqual(expiredOnce);
    const expiry = (await postingsOfLine(lineId)).filter((p) => p.account === 'expiry');
    expect(expiry.map((p) => p.amount)).toEqual([70]);
    await expectLedgerSound();
  });

  it('expires used-up buckets without a posting, and sweeps due buckets up to the limit', async () => {
    // Long before the other tests' buckets, so that the sweep counts only these.
    const baseMs = START_MS - 1000 * DAY_MS;
    h.clock.set(baseMs);
    const used = await h.tx((tx) => h.balances.grant(tx, dataGrant(lineId, baseMs, { amount: 10, validUntilMs: baseMs + HOUR_MS })));
    await h.tx((tx) => h.balances.debit(tx, used.bucket.id, 10, { reason: 'usage', reference: 'usg_all' }));
    for (let i = 0; i < 3; i += 1) await h.tx((tx) => h.balances.grant(tx, dataGrant(lineId, baseMs, { amount: 5, validUntilMs: baseMs + HOUR_MS + i })));
    const atMs = baseMs + 2 * HOUR_MS;
    expect(await h.balances.expireDueBuckets(getDb().db, atMs, 2)).toBe(2);
    expect(await h.balances.expireDueBuckets(getDb().db, atMs, 10)).toBe(2);
    expect(await h.balances.expireDueBuckets(getDb().db, atMs, 10)).toBe(0);
    const all = await h.balances.listBuckets(getDb().db, lineId, { atMs, includeExpired: true });
    expect(all.map((b) => [b.status, b.expired])).toEqual([['expired', 0], ['expired', 5], ['expired', 5], ['expired', 5]]);
    expect((await postingsOfLine(lineId)).filter((p) => p.account === 'expiry')).toHaveLength(3);
    await expectLedgerSound();
  });

  it('takes back the unused part of a source\'s buckets exactly once', async () => {
    const sourceId = `ord_refund_${lineId}`;
    const data = await h.tx((tx) => h.balances.grant(tx, dataGrant(lineId, START_MS, { amount: 100, sourceId })));
    const voice = await h.tx((tx) => h.balances.grant(tx, dataGrant(lineId, START_MS, { kind: 'voice', amount: 600, sourceId })));
    const money = await h.tx((tx) => h.balances.grant(tx, dataGrant(lineId, START_MS, { kind: 'money', currency: 'USD', amount: 500, sourceId })));
    const other = await h.tx((tx) => h.balances.grant(tx, dataGrant(lineId, START_MS, { amount: 100 })));
    await h.tx((tx) => h.balances.debit(tx, data.bucket.id, 40, { reason: 'usage', reference: 'usg_r' }));
    await h.tx((tx) => h.balances.debit(tx, voice.bucket.id, 600, { reason: 'usage', reference: 'usg_v' }));

    const input = { sourceId, idempotencyKey: `refund:${sourceId}` };
    const first = await h.tx((tx) => h.balances.refundUnused(tx, input));
    expect(first.replayed).toBe(false);
    expect(first.buckets).toEqual([
      { bucketId: data.bucket.id, lineId, kind: 'data', currency: null, amount: 60 },
      { bucketId: money.bucket.id, lineId, kind: 'money', currency: 'USD', amount: 500 },
    ]);
    const again = await h.tx((tx) => h.balances.refundUnused(tx, input));
    expect(again).toEqual({ ...first, replayed: true });
    await expect(h.tx((tx) => h.balances.refundUnused(tx, { ...input, sourceId: 'ord_other' })))
      .rejects.toMatchObject({ code: 'request.idempotency_key_reused' });
    // Another key finds nothing left to take back.
    const later = await h.tx((tx) => h.balances.refundUnused(tx, { sourceId, idempotencyKey: `refund-2:${sourceId}` }));
    expect(later.buckets).toEqual([]);

    const buckets = await h.balances.listBuckets(getDb().db, lineId, { atMs: START_MS, includeExpired: true });
    const byId = new Map(buckets.map((b) => [b.id, b]));
    expect(byId.get(data.bucket.id)).toMatchObject({ status: 'refunded', used: 40, refunded: 60, remaining: 0 });
    expect(byId.get(voice.bucket.id)).toMatchObject({ status: 'refunded', used: 600, refunded: 0, remaining: 0 });
    expect(byId.get(money.bucket.id)).toMatchObject({ status: 'refunded', refunded: 500, remaining: 0 });
    expect(byId.get(other.bucket.id)).toMatchObject({ status: 'active', remaining: 100 });
    const refunds = (await postingsOfLine(lineId)).filter((p) => p.account === 'refunds');
    expect(refunds.map((p) => [p.unit, p.amount]).sort()).toEqual([['data', 60], ['money:USD', 500]]);
    expect(await h.tx((tx) => h.balances.debit(tx, money.bucket.id, 1, { reason: 'usage', reference: 'usg_m' })))
      .toEqual({ ok: false, reason: 'not_usable', bucketId: money.bucket.id });
    await expectLedgerSound();
  });

  it('refunds once when the same refund arrives concurrently, and expires rather than refunds what already ended', async () => {
    const sourceId = `ord_conc_${lineId}`;
    await h.tx((tx) => h.balances.grant(tx, dataGrant(lineId, START_MS, { amount: 100, sourceId })));
    const ended = await h.tx((tx) => h.balances.grant(tx, dataGrant(lineId, START_MS, { amount: 7, sourceId, validUntilMs: START_MS + HOUR_MS })));
    h.clock.advance(HOUR_MS);
    const input = { sourceId, idempotencyKey: `refund:${sourceId}` };
    const results = await Promise.all(Array.from({ length: 8 }, () => h.tx((tx) => h.balances.refundUnused(tx, input))));
    expect(new Set(results.map((r) => r.ledgerTransactionId)).size).toBe(1);
    expect(results.filter((r) => !r.replayed)).toHaveLength(1);
    expect(results.every((r) => r.buckets.length === 1 && r.buckets[0]?.amount === 100)).toBe(true);
    const [endedBucket] = (await h.balances.listBuckets(getDb().db, lineId, { atMs: h.clock.nowMs(), includeExpired: true }))
      .filter((b) => b.id === ended.bucket.id);
    expect(endedBucket).toMatchObject({ status: 'expired', expired: 7, refunded: 0 });
    await expectLedgerSound();
  });

  it('summarises per unit what is usable now, what starts later, and the soonest end', async () => {
    const grant = (overrides: Parameters<typeof dataGrant>[2]) => h.tx((tx) => h.balances.grant(tx, dataGrant(lineId, START_MS, overrides)));
    const soon = await grant({ amount: 1000, validUntilMs: START_MS + DAY_MS });
    await grant({ amount: 3000, validUntilMs: START_MS + 7 * DAY_MS });
    await grant({ amount: 5000, validFromMs: START_MS + 7 * DAY_MS, validUntilMs: START_MS + 37 * DAY_MS });
    await grant({ kind: 'sms', amount: 20 });
    await grant({ kind: 'money', currency: 'EUR', amount: 1500 });
    await grant({ kind: 'money', currency: 'CNY', amount: 8800 });
    await h.tx((tx) => h.balances.debit(tx, soon.bucket.id, 250, { reason: 'usage', reference: 'usg_s' }));

    expect(await h.balances.summarize(getDb().db, lineId, START_MS)).toEqual([
      { kind: 'data', currency: null, unit: 'data', remaining: 3750, used: 250, granted: 4000, earliestValidUntilMs: START_MS + DAY_MS, upcoming: 5000 },
      { kind: 'sms', currency: null, unit: 'sms', remaining: 20, used: 0, granted: 20, earliestValidUntilMs: START_MS + 30 * DAY_MS, upcoming: 0 },
      { kind: 'money', currency: 'CNY', unit: 'money:CNY', remaining: 8800, used: 0, granted: 8800, earliestValidUntilMs: START_MS + 30 * DAY_MS, upcoming: 0 },
      { kind: 'money', currency: 'EUR', unit: 'money:EUR', remaining: 1500, used: 0, granted: 1500, earliestValidUntilMs: START_MS + 30 * DAY_MS, upcoming: 0 },
    ]);
    // A week later the first two have ended (swept or not) and the renewal is current.
    const [data] = await h.balances.summarize(getDb().db, lineId, START_MS + 7 * DAY_MS);
    expect(data).toEqual({ kind: 'data', currency: null, unit: 'data', remaining: 5000, used: 0, granted: 5000, earliestValidUntilMs: START_MS + 37 * DAY_MS, upcoming: 0 });
    expect(await h.balances.summarize(getDb().db, h.newLineId(), START_MS)).toEqual([]);
  });

  it('lists the line\'s buckets in draw order, bounded', async () => {
    const grant = (validUntilMs: number, priority: number) =>
      h.tx((tx) => h.balances.grant(tx, dataGrant(lineId, START_MS, { validUntilMs, priority })));
    const late = await grant(START_MS + 9 * DAY_MS, 0);
    const earlyLow = await grant(START_MS + DAY_MS, 5);
    const earlyHigh = await grant(START_MS + DAY_MS, 1);
    const listed = await h.balances.listBuckets(getDb().db, lineId, { atMs: START_MS });
    expect(listed.map((b) => b.id)).toEqual([earlyHigh.bucket.id, earlyLow.bucket.id, late.bucket.id]);
    expect(await h.balances.listBuckets(getDb().db, lineId, { atMs: START_MS, limit: 2 })).toHaveLength(2);
    expect((await h.balances.listBuckets(getDb().db, lineId, { atMs: START_MS + 2 * DAY_MS })).map((b) => b.id)).toEqual([late.bucket.id]);
  });

  it('keeps the ledger append-only in the store itself', async () => {
    await h.tx((tx) => h.balances.grant(tx, dataGrant(lineId, START_MS)));
    const { db } = getDb();
    await expect(db.updateTable('ledger_posting').set({ amount: 1 }).where('line_id', '=', lineId).execute()).rejects.toThrow(/append-only/);
    await expect(db.deleteFrom('ledger_posting').where('line_id', '=', lineId).execute()).rejects.toThrow(/append-only/);
    await expect(db.deleteFrom('ledger_transaction').where('kind', '=', 'grant').execute()).rejects.toThrow(/append-only/);
    expect(await postingsOfLine(lineId)).toHaveLength(2);
  });

  it('reports a bucket whose amounts disagree with its postings', async () => {
    const { bucket } = await h.tx((tx) => h.balances.grant(tx, dataGrant(lineId, START_MS, { amount: 100 })));
    const { db } = getDb();
    await db.updateTable('bucket_balance').set({ remaining: sql<number>`remaining - 1` }).where('bucket_id', '=', bucket.id).execute();
    const violations = await checkLedgerInvariants(db, lineId);
    expect(violations.map((v) => v.rule).sort()).toEqual(['conservation', 'remaining_mismatch']);
    expect(violations.every((v) => v.subject === bucket.id)).toBe(true);
    // The store refuses a negative amount outright.
    await expect(db.updateTable('bucket_balance').set({ remaining: -1 }).where('bucket_id', '=', bucket.id).execute()).rejects.toThrow();
    await db.updateTable('bucket_balance').set({ remaining: 100 }).where('bucket_id', '=', bucket.id).execute();
    await expectLedgerSound();
  });

  it('reads each usage record as its own usage transaction, whose draws must agree with its units', async () => {
    const { db } = getDb();
    const { bucket } = await h.tx((tx) => h.balances.grant(tx, dataGrant(lineId, START_MS, { amount: 1000 })));
    const [charged] = await h.usage.chargeRecords([
      { recordId: `${lineId}-ok`, msisdn: h.msisdnOf(lineId), type: 'data', quantity: 300, country: 'FR', startedAtMs: START_MS },
    ]);
    expect(charged).toMatchObject({ status: 'charged', allowanceUnits: 300 });
    const entries = await db.selectFrom('ledger_entry').selectAll().where('line_id', '=', lineId).where('kind', '=', 'usage').orderBy('id').execute();
    expect(entries.map((e) => [e.ltx_id, e.account, e.bucket_id, e.unit, Number(e.amount)])).toEqual([
      [`usage:${lineId}-ok`, 'bucket', bucket.id, 'data', -300], [`usage:${lineId}-ok`, 'usage', null, 'data', 300],
    ]);
    await expectLedgerSound();
    await expect(db.updateTable('usage_record').set({ allowance_units: 1 }).where('line_id', '=', lineId).execute()).rejects.toThrow(/append-only/);
    await expect(db.deleteFrom('usage_record').where('line_id', '=', lineId).execute()).rejects.toThrow(/append-only/);

    const row = (recordId: string, line: string, drawn: number, units: number, ltxId: string | null = null) => ({
      record_id: recordId, line_id: line, kind: 'data' as const, quantity: units, country: 'FR', started_at: START_MS, status: 'charged' as const,
      allowance_units: units, overage_units: 0, blocked_units: 0, charge_minor: null, currency: null, ltx_id: ltxId,
      draws: JSON.stringify([[bucket.id, drawn]]), created_at: START_MS,
    });
    // Draws of 50 for 40 units served, and no debit: the ledger says so.
    await db.insertInto('usage_record').values(row(`${lineId}-bad`, lineId, 50, 40)).execute();
    const violations = await checkLedgerInvariants(db, lineId);
    expect(violations.map((v) => v.rule).sort()).toEqual(['counter_mismatch', 'remaining_mismatch', 'unbalanced_transaction']);
    expect(violations.find((v) => v.rule === 'unbalanced_transaction')?.subject).toBe(`usage:${lineId}-bad`);
    // Another line's record drawing from this line's bucket.
    const other = h.newLineId();
    await db.insertInto('usage_record').values(row(`${other}-stolen`, other, 10, 10)).execute();
    expect((await checkLedgerInvariants(db, other)).map((v) => [v.rule, v.subject])).toEqual([['posting_mismatch', bucket.id]]);
    // A record charged before records held their postings points to its ledger transaction and is not read twice.
    const legacy = h.newLineId();
    await db.insertInto('usage_record').values(row(`${legacy}-old`, legacy, 10, 10, 'ltx_legacy')).execute();
    expect(await db.selectFrom('ledger_entry').select('id').where('line_id', '=', legacy).execute()).toEqual([]);
  });

  it('charges every line of a batch when the lines it holds in memory overflow (the held ones are read again, not dropped)', async () => {
    // Room for 4 lines (1 a lane on PostgreSQL): 12 lines in one batch overflow it on both stores, and
    // the numbers and periods held (a line read when they overflow is still this batch's).
    const small = createHarness(getDb(), h.clock, { cachedLines: 4 });
    const lines = Array.from({ length: 12 }, () => small.newLineId());
    for (const line of lines) await small.tx((tx) => small.balances.grant(tx, dataGrant(line, START_MS, { amount: 1000 })));
    const charge = (batch: readonly string[], label: string) => small.usage.chargeRecords(batch.map((line) => ({
      recordId: `${line}-${label}`, msisdn: small.msisdnOf(line), type: 'data' as const, quantity: 100, country: 'FR', startedAtMs: START_MS,
    })));
    // One at a time: the last lines charged are held.
    for (const line of lines) expect((await charge([line], 'alone'))[0]).toMatchObject({ status: 'charged', allowanceUnits: 100 });
    for (const round of ['together', 'again']) {
      expect((await charge(lines, round)).map((r) => [r.status, r.allowanceUnits])).toEqual(lines.map(() => ['charged', 100]));
    }
    const remaining = await selectBuckets(getDb().db).where('line_id', 'in', lines).execute();
    expect(remaining.map((r) => [r.line_id, Number(r.remaining)]).sort()).toEqual(lines.map((line) => [line, 700]).sort());
    for (const line of lines) await expectLedgerSound(line);
  });
});
