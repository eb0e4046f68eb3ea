/**
 * A worker process for tests (`node --import tsx test/support/renewal-worker.ts`): what `roamline
 * worker` runs — the services and a job runner with the recurring renewal sweep — against the
 * database of `DATABASE_URL`, with a clock fixed at `WORKER_CLOCK_MS`, the sandbox answering after
 * `WORKER_SANDBOX_LATENCY_MS`. It prints `started` once it is built; with `WORKER_WAIT_FOR_GO=1` it
 * then waits for a line on its standard input, so that a test can boot workers ahead of time (booting
 * takes seconds, and long on a loaded machine) and start their work at the instant it chooses. It
 * runs every job due at that instant once, prints `done <n>` and exits; tests kill it (SIGKILL)
 * midway to see what another worker does with what it left.
 */
import { once } from 'node:events';
import { createServices } from '../../src/app/services.js';
import { ManualClock } from '../../src/platform/clock.js';
import { testConfig } from '../../src/platform/config.js';
import type { RenewalsConfig } from '../../src/platform/config.renewals.js';
import { createDatabase } from '../../src/platform/db/database.js';
import { createIdFactory } from '../../src/platform/ids.js';
import { JobRunner } from '../../src/platform/jobs/index.js';
import { createLogger } from '../../src/platform/logger.js';

function numberFrom(name: string): number {
  const value = Number(process.env[name]);
  if (!Number.isSafeInteger(value)) throw new Error(`${name} must be an integer`);
  return value;
}

async function main(): Promise<void> {
  const url = process.env['DATABASE_URL'];
  if (url === undefined) throw new Error('DATABASE_URL is required');
  const renewals = JSON.parse(process.env['WORKER_RENEWALS'] ?? '{}') as Partial<RenewalsConfig>;
  const base = testConfig();
  const config = { ...base, databaseUrl: url, publicUrl: 'https://portal.example', renewals: { ...base.renewals, ...renewals } };
  const clock = new ManualClock(numberFrom('WORKER_CLOCK_MS'));
  const database = createDatabase(url);
  const ctx = { config, database, clock, ids: createIdFactory(clock), log: createLogger('silent') };
  const services = createServices(ctx, { payments: { sandboxLatencyMs: numberFrom('WORKER_SANDBOX_LATENCY_MS') } });
  const runner = new JobRunner({ database, clock, log: ctx.log, handlers: services.jobHandlers, recurring: services.recurringJobs, ids: ctx.ids });
  process.stdout.write('started\n');
  if (process.env['WORKER_WAIT_FOR_GO'] === '1') {
    process.stdin.setEncoding('utf8');
    const go = once(process.stdin, 'data');
    const closed = once(process.stdin, 'end').then(() => Promise.reject(new Error('standard input closed before the go line')));
    closed.catch(() => undefined);
    await Promise.race([go, closed]);
    process.stdin.destroy();
    process.stdout.write('going\n');
  }
  const ran = await runner.runDue();
  await services.notifications.close();
  await database.close();
  process.stdout.write(`done ${ran}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.stack ?? error.message : String(error)}\n`);
  process.exit(1);
});
