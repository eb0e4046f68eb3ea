import { beforeAll, expect, it } from 'vitest';
import { DAY_MS } from '../../../src/platform/clock.js';
import { DomainError } from '../../../src/platform/errors.js';
import { checkLedgerInvariants, EXPIRE_JOB } from '../../../src/modules/balances/index.js';
import { describeEachStore } from '../../support/stores.js';
import { START_MS, balancesTestMigrations, createHarness, dataGrant, type BalancesHarness } from './balances.fixtures.js';

describeEachStore('balances: grantMany (renewals in batches)', { migrations: balancesTestMigrations }, ({ getDb }) => {
  let h: BalancesHarness;
  beforeAll(() => {
    h = createHarness(getDb());
  });

  it('grants like grant does: a bucket per key, balanced postings, replays, and a refusal of a reused key', async () => {
    const lines = [h.newLineId(), h.newLineId(), h.newLineId()];
    const inputs = lines.flatMap((lineId) => [
      dataGrant(lineId, START_MS, { idempotencyKey: `many:${lineId}:data` }),
      dataGrant(lineId, START_MS, { kind: 'voice', amount: 600, idempotencyKey: `many:${lineId}:voice` }),
    ]);
    const first = await h.tx((tx) => h.balances.grantMany(tx, inputs));
    expect(first.map((r) => r.replayed)).toEqual(inputs.map(() => false));
    expect(first.map((r) => [r.bucket.lineId, r.bucket.kind, r.bucket.remaining])).toEqual(inputs.map((i) => [i.lineId, i.kind, i.amount]));
    const again = await h.tx((tx) => h.balances.grantMany(tx, [...inputs].reverse()));
    expect(again.map((r) => r.replayed)).toEqual(inputs.map(() => true));
    expect(again.map((r) => r.bucket.id)).toEqual([...first].reverse().map((r) => r.bucket.id));
    for (const lineId of lines) expect(await checkLedgerInvariants(h.db(), lineId)).toEqual([]);
    const reused = h.tx((tx) => h.balances.grantMany(tx, [{ ...(inputs[0] ?? dataGrant(lines[0] ?? '', START_MS)), amount: 999 }]));
    await expect(reused).rejects.toSatisfy((e) => e instanceof DomainError && e.code === 'request.idempotency_key_reused');
    // Nothing of a refused call stays.
    expect((await h.balances.listBuckets(h.db(), lines[0] ?? '', { atMs: START_MS })).length).toBe(2);
  });

  it('queues one expiry job per line and end instant, which expires every bucket of the group at the end', async () => {
    const lineId = h.newLineId();
    const endMs = START_MS + 30 * DAY_MS;
    const grants = (['data', 'voice', 'sms'] as const).map((kind) => dataGrant(lineId, START_MS, { kind, idempotencyKey: `group:${lineId}:${kind}`, amount: 10 }));
    const granted = await h.tx((tx) => h.balances.grantMany(tx, grants));
    const jobs = await h.db().selectFrom('job').selectAll().where('kind', '=', EXPIRE_JOB).where('payload', 'like', `%${granted[0]?.bucket.id}%`).execute();
    expect(jobs).toHaveLength(1);
    expect(jobs[0]?.run_at).toBe(endMs);
    expect(JSON.parse(jobs[0]?.payload ?? '{}').bucketIds).toHaveLength(3);
    h.clock.set(endMs);
    await h.jobs.runDue();
    const buckets = await h.balances.listBuckets(h.db(), lineId, { atMs: endMs, includeExpired: true });
    expect(buckets.map((b) => b.status)).toEqual(['expired', 'expired', 'expired']);
    expect(await checkLedgerInvariants(h.db(), lineId)).toEqual([]);
  });
});
