import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { importUsageFile } from '../../../src/cli/usage-import.js';
import { checkLedgerInvariants } from '../../../src/modules/balances/index.js';
import { describeEachStoreApp } from '../../support/app.js';
import { seedCatalog } from '../../support/orders.js';
import { lineWithPlan, type TestLine } from './usage.fixtures.js';

const run = promisify(execFile);
const CLI_TIMEOUT_MS = 180_000;

describeEachStoreApp('roamline usage import', (get) => {
  let dir: string;
  let line: TestLine;
  beforeAll(async () => {
    await seedCatalog(get().app);
    dir = await mkdtemp(join(tmpdir(), 'roamline-usage-import-'));
    line = await lineWithPlan(get().app, 'EU-COMBO-15D', 'EUR');
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  async function csv(name: string, rows: readonly string[]): Promise<string> {
    const path = join(dir, name);
    await writeFile(path, `${rows.join('\n')}\n`);
    return path;
  }

  it('charges the good rows, reports the bad ones by line number, and charges nothing twice when run again', async () => {
    const at = new Date(get().clock.nowMs()).toISOString();
    const tag = Math.random().toString(36).slice(2, 8);
    const path = await csv(`usage-${tag}.csv`, [
      'record_id,msisdn,iccid,type,quantity,country,mcc_mnc,started_at',
      `${tag}-1,${line.msisdn},,data,1000,FR,,${at}`,
      `${tag}-2,,${line.iccid},voice,60,,262-01,${at}`,
      `${tag}-3,${line.msisdn},,data,-5,FR,,${at}`,
      `${tag}-4,+85299999999,,sms,1,FR,,${at}`,
      `${tag}-5,${line.msisdn},,sms,1,FR,208-01,${at}`,
      `${tag}-6,${line.msisdn},,sms,1,FR,,${at},one-field-too-many`,
      '',
      `${tag}-7,${line.msisdn},,sms,1,FR,,not-a-date`,
      `${tag}-8,${line.msisdn},,sms,2,FR,,${at}`,
    ]);
    const report: string[] = [];
    const first = await importUsageFile(get().app.roamline.services.usage, { path, batchSize: 2, report: (l) => report.push(l) });
    expect(first).toEqual({ rows: 8, invalid: 4, byStatus: { charged: 3, partially_charged: 0, blocked: 0, duplicate: 0, rejected: 1 } });
    expect(report.map((l) => l.split(':')[0]).sort()).toEqual(['line 4', 'line 5', 'line 6', 'line 7', 'line 9']);
    expect(report.find((l) => l.startsWith('line 4'))).toContain('quantity');
    expect(report.find((l) => l.startsWith('line 5'))).toContain('line_not_found');

    const again = await importUsageFile(get().app.roamline.services.usage, { path, report: () => undefined });
    expect(again.byStatus).toEqual({ charged: 0, partially_charged: 0, blocked: 0, duplicate: 3, rejected: 1 });
    const detail = (await line.client.get(`/api/v1/lines/${line.lineId}`)).json() as { allowances: Array<{ kind: string; used: number }> };
    expect(detail.allowances.map((a) => [a.kind, a.used])).toEqual([['data', 1000], ['voice', 60], ['sms', 2]]);
    expect(await checkLedgerInvariants(get().database.db, line.lineId)).toEqual([]);
  });

  it('charges several batches at once and, when one fails, stops with its error once the others have ended', async () => {
    const at = new Date(get().clock.nowMs()).toISOString();
    const tag = Math.random().toString(36).slice(2, 8);
    const path = await csv(`failing-${tag}.csv`, [
      'record_id,msisdn,type,quantity,country,started_at',
      ...Array.from({ length: 6 }, (_, i) => `${tag}-${i + 1},${line.msisdn},sms,1,FR,${at}`),
    ]);
    const usage = get().app.roamline.services.usage;
    let running = 0;
    let most = 0;
    const settled: string[] = [];
    const failing = {
      ...usage,
      async chargeRecords(records: Parameters<typeof usage.chargeRecords>[0]) {
        running += 1;
        most = Math.max(most, running);
        try {
          // Let the next batches start before this one is charged.
          await new Promise((resolve) => setTimeout(resolve, 20));
          if (records.some((r) => r.recordId === `${tag}-2`)) throw new Error('the store went away');
          return await usage.chargeRecords(records);
        } finally {
          running -= 1;
          settled.push(records.map((r) => r.recordId).join(','));
        }
      },
    };
    await expect(importUsageFile(failing, { path, batchSize: 1, inFlight: 3, report: () => undefined })).rejects.toThrow('the store went away');
    expect(most).toBe(3);
    // Nothing was left running: every batch started had ended before the import gave up.
    expect(running).toBe(0);
    expect(settled.length).toBeGreaterThanOrEqual(3);
    const charged = await get().database.db.selectFrom('usage_record').select('record_id')
      .where('record_id', 'in', Array.from({ length: 6 }, (_, i) => `${tag}-${i + 1}`)).execute();
    expect(charged.map((r) => r.record_id)).not.toContain(`${tag}-2`);
    expect(charged.length).toBe(settled.length - 1);
    expect(await checkLedgerInvariants(get().database.db, line.lineId)).toEqual([]);
  });

  it('runs as the roamline command with a summary and exit code 4 for bad rows', { timeout: CLI_TIMEOUT_MS }, async () => {
    const at = new Date(Date.now() - 60_000).toISOString();
    const tag = Math.random().toString(36).slice(2, 8);
    // The command runs on the real clock: a line bought now (the test clock is in 2026) is needed.
    const path = await csv(`cli-${tag}.csv`, [
      'record_id,msisdn,type,quantity,country,started_at',
      `${tag}-1,${line.msisdn},sms,1,FR,${at}`,
      `${tag}-2,${line.msisdn},sms,x,FR,${at}`,
    ]);
    const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('ROAMLINE_') && k !== 'DATABASE_URL'));
    const result = await run(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'usage', 'import', path], {
      env: { ...env, DATABASE_URL: get().database.url, ROAMLINE_ENV: 'development', ROAMLINE_LOG_LEVEL: 'silent' }, timeout: CLI_TIMEOUT_MS,
    }).then((r) => ({ code: 0, ...r }), (e: { code: number; stdout: string; stderr: string }) => e);
    expect(result.code, result.stderr).toBe(4);
    expect(result.stderr).toContain('line 3: quantity');
    expect(result.stdout).toContain('rows: 2');
    expect(result.stdout).toMatch(/invalid: 1/);
  });
}, { networkApiKey: 'network-key-for-tests-0123456789' });
