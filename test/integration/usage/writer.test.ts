import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { selectBuckets } from '../../../src/modules/balances/balances.repository.js';
import { createUsageWriter } from '../../../src/modules/balances/balances.usage.pipeline.js';
import { appendRecord, type NewUsageRecord, type RecordValues, type WriterBatch } from '../../../src/modules/balances/balances.usage.repository.js';
import { thresholdJobDedupeKey } from '../../../src/modules/balances/balances.usage.notices.js';
import { THRESHOLD_JOB } from '../../../src/modules/balances/index.js';
import { createIdFactory } from '../../../src/platform/ids.js';
import { sqliteEnqueueStatement } from '../../../src/platform/jobs/index.js';
import { createTestApp, type TestApp } from '../../support/app.js';
import { seedCatalog } from '../../support/orders.js';
import { grantBucket, lineWithPlan, recordId } from './usage.fixtures.js';

// The writer thread exists on SQLite only (PostgreSQL commits batches of several lanes at once on
// its own connections): its contract, batch by batch, on a real database file and a real thread.
describe('the SQLite usage writer thread', () => {
  let t: TestApp & { close(): Promise<void> };
  beforeAll(async () => {
    t = await createTestApp('sqlite');
    await seedCatalog(t.app);
  });
  afterAll(async () => {
    await t.close();
  });

  it('commits a batch whole or not at all, skips what was rated on top of one it refused, and tells of the first new threshold row only', async () => {
    const { database, clock } = t;
    const nowMs = clock.nowMs();
    const ids = createIdFactory(clock);
    const line = await lineWithPlan(t.app, 'EU-COMBO-15D', 'EUR');
    const first = await grantBucket(t.app, line.lineId, { kind: 'data', amount: 1_000 }, nowMs);
    const second = await grantBucket(t.app, line.lineId, { kind: 'data', amount: 1_000 }, nowMs);
    const path = database.sqlite?.name;
    expect(path).toMatch(/test\.db$/);
    const writer = createUsageWriter(path as string, 1_000);
    const usage = (id: string, amount: number): NewUsageRecord => ({
      record_id: id, line_id: line.lineId, kind: 'data', quantity: amount, country: 'FR', started_at: nowMs, status: 'charged',
      allowance_units: amount, overage_units: 0, blocked_units: 0, charge_minor: null, currency: null,
      draws: JSON.stringify([[first, amount]]), created_at: nowMs,
    });
    const batch = (epoch: number, before: number, records: NewUsageRecord[], thresholds: WriterBatch['thresholds'] = []): WriterBatch => ({
      epoch, thresholds,
      writes: {
        debits: [{ bucketId: first, amount: records.reduce((sum, r) => sum + r.quantity, 0), remainingBefore: before }],
        records: records.reduce<RecordValues>((values, r) => {
          appendRecord(values, r.record_id, r.line_id, r.kind, r.quantity, r.country, r.started_at, r.status, r.allowance_units,
            r.overage_units, r.blocked_units, r.charge_minor, r.currency, r.draws);
          return values;
        }, []),
        createdAtMs: nowMs,
      },
    });
    const crossing = (bucketIds: string[]) => ({
      rows: bucketIds.map((bucketId) => ({ bucket_id: bucketId, threshold: 80, line_id: line.lineId, created_at: nowMs, notified_at: null })),
      notices: bucketIds.map((bucketId) => sqliteEnqueueStatement(ids, nowMs, {
        kind: THRESHOLD_JOB, dedupeKey: thresholdJobDedupeKey(bucketId, 80),
        payload: { lineId: line.lineId, bucketId, kind: 'data', currency: null, threshold: 80 },
      })),
    });
    const stored = async (recordIds: string[]) => (await database.db.selectFrom('usage_record').select('record_id')
      .where('record_id', 'in', recordIds).execute()).map((r) => r.record_id).sort();
    const remaining = async () => (await selectBuckets(database.db).where('id', '=', first).executeTakeFirstOrThrow()).remaining;
    const notices = async () => (await database.db.selectFrom('job').select('dedupe_key').where('kind', '=', THRESHOLD_JOB)
      .where('payload', 'like', `%${line.lineId}%`).execute()).map((j) => j.dedupe_key).sort();

    const [a, b, c, d] = [recordId('w'), recordId('w'), recordId('w'), recordId('w')];
    // Rated on 999 where 1,000 is stored: refused, and the batch after it in the same epoch skipped.
    expect(await writer.write(batch(0, 999, [usage(a, 100)]))).toEqual({ kind: 'changed' });
    expect(await writer.write(batch(0, 1_000, [usage(b, 100)]))).toEqual({ kind: 'skipped' });
    expect(await stored([a, b])).toEqual([]);
    expect(await remaining()).toBe(1_000);

    // A new epoch: committed, with its threshold row and notice.
    expect(await writer.write(batch(1, 1_000, [usage(c, 100)], [crossing([first])]))).toEqual({ kind: 'written' });
    expect(await stored([c])).toEqual([c]);
    expect(await remaining()).toBe(900);
    expect(await notices()).toEqual([thresholdJobDedupeKey(first, 80)]);

    // A record stored meanwhile: nothing of the batch is kept, not even its debit.
    expect(await writer.write(batch(2, 900, [usage(d, 50), usage(c, 50)]))).toEqual({ kind: 'duplicates' });
    expect(await stored([c, d])).toEqual([c]);
    expect(await remaining()).toBe(900);

    // The first bucket's row exists: the notice goes with the second's, the one new row.
    expect(await writer.write(batch(3, 900, [usage(d, 50)], [crossing([first, second])]))).toEqual({ kind: 'written' });
    expect(await remaining()).toBe(850);
    expect(await notices()).toEqual([thresholdJobDedupeKey(first, 80), thresholdJobDedupeKey(second, 80)].sort());
  });

  it('answers every batch in flight as failed when its thread cannot open the database', async () => {
    const writer = createUsageWriter('/nonexistent-directory/roamline.db', 1_000);
    const empty: WriterBatch = { epoch: 0, thresholds: [], writes: { debits: [], records: [], createdAtMs: 0 } };
    const replies = await Promise.all([writer.write(empty), writer.write(empty)]);
    expect(replies.map((r) => r.kind)).toEqual(['failed', 'failed']);
    expect(writer.usable()).toBe(false);
  });
});
