#!/usr/bin/env node
import { parseArgs } from 'node:util';
import { loadConfig, ConfigError, type Config } from '../platform/config.js';
import { createDatabase, type Database } from '../platform/db/database.js';
import { migrateToLatest } from '../platform/db/migrator.js';
import { createLogger } from '../platform/logger.js';
import { systemClock } from '../platform/clock.js';
import { createIdFactory } from '../platform/ids.js';
import { JobRunner } from '../platform/jobs/index.js';
import { buildApp } from '../app/app.js';
import { allMigrations } from '../app/migrations.js';
import { createServices } from '../app/services.js';
import { DEMO_CUSTOMER, seedDemo } from '../app/seed.js';
import { MAX_RECORDS_PER_BATCH } from '../modules/balances/index.js';
import { formatSummary, importUsageFile, terminalProgress } from './usage-import.js';

const USAGE = `Usage: roamline <command>

Commands:
  serve     migrate, (seed in development) and serve the API and portal; runs one job worker
  migrate   apply pending database migrations
  seed      create the demo data (idempotent)
  worker    run job workers only (scale out with several processes on PostgreSQL)
  usage import FILE.csv [--batch N]
            charge a CSV file of usage records (columns: record_id, msisdn or iccid, type,
            quantity, country or mcc_mnc, started_at); safe to run again; exits 4 if rows were bad
`;

async function openDatabase(config: Config): Promise<Database> {
  const database = createDatabase(config.databaseUrl);
  const applied = await migrateToLatest(database.db, allMigrations);
  if (applied.length > 0) console.log(`migrated: ${applied.join(', ')}`);
  return database;
}

function contextOf(config: Config, database: Database) {
  const log = createLogger(config.logLevel);
  return { config, database, clock: systemClock, ids: createIdFactory(systemClock), log };
}

function shouldSeed(config: Config): boolean {
  return config.env === 'development' || process.env['ROAMLINE_SEED_DEMO'] === 'true';
}

async function serve(config: Config): Promise<void> {
  const database = await openDatabase(config);
  const app = await buildApp({ config, database });
  if (shouldSeed(config)) await seedDemo(app.roamline.services);
  await app.listen({ port: config.port, host: config.host });
  app.roamline.jobs.start();
  const address = `http://localhost:${config.port}`;
  console.log(`\nRoamline is running at ${address}  (${database.dialect}, ${config.env})`);
  console.log(`  API docs:   ${address}/api/docs`);
  if (config.env !== 'production') console.log(`  Outbox:     ${address}/api/v1/dev/outbox`);
  if (shouldSeed(config)) console.log(`  Demo login: ${DEMO_CUSTOMER.email} (or ${DEMO_CUSTOMER.phone}) / ${DEMO_CUSTOMER.password}\n`);
  const shutdown = async (): Promise<void> => {
    await app.roamline.jobs.stop();
    await app.close();
    await database.close();
    process.exit(0);
  };
  process.once('SIGINT', () => void shutdown());
  process.once('SIGTERM', () => void shutdown());
}

async function worker(config: Config): Promise<void> {
  const database = await openDatabase(config);
  const ctx = contextOf(config, database);
  const services = createServices(ctx);
  const runner = new JobRunner({
    database, clock: ctx.clock, log: ctx.log, handlers: services.jobHandlers, recurring: services.recurringJobs, ids: ctx.ids,
  });
  runner.start();
  ctx.log.info({ workerId: runner.workerId }, 'worker started');
  const shutdown = async (): Promise<void> => {
    await runner.stop();
    await services.notifications.close();
    await database.close();
    process.exit(0);
  };
  process.once('SIGINT', () => void shutdown());
  process.once('SIGTERM', () => void shutdown());
}

async function usageCommand(config: Config, argv: string[]): Promise<void> {
  const { positionals, values } = parseArgs({ args: argv, allowPositionals: true, options: { batch: { type: 'string' } } });
  const [, sub, file] = positionals;
  const batchSize = values.batch === undefined ? undefined : Number(values.batch);
  if (sub !== 'import' || file === undefined || (batchSize !== undefined && !(Number.isSafeInteger(batchSize) && batchSize >= 1 && batchSize <= MAX_RECORDS_PER_BATCH))) {
    console.error(`usage: roamline usage import FILE.csv [--batch 1..${MAX_RECORDS_PER_BATCH}]`);
    process.exitCode = 2;
    return;
  }
  const database = await openDatabase(config);
  const services = createServices(contextOf(config, database));
  try {
    const startedMs = Date.now();
    const summary = await importUsageFile(services.usage, {
      path: file, report: (line) => console.error(line), progress: terminalProgress(process.stderr),
      ...(batchSize === undefined ? {} : { batchSize }),
    });
    console.log(formatSummary(summary, Date.now() - startedMs));
    if (summary.invalid > 0 || summary.byStatus.rejected > 0) process.exitCode = 4;
  } finally {
    await services.notifications.close();
    await database.close();
  }
}

async function main(argv: string[]): Promise<void> {
  const { positionals } = parseArgs({ args: argv, allowPositionals: true, strict: false });
  const command = positionals[0];
  if (command === undefined || command === 'help') {
    console.log(USAGE);
    return;
  }
  const config = loadConfig();
  switch (command) {
    case 'serve': return serve(config);
    case 'usage': return usageCommand(config, argv);
    case 'worker': return worker(config);
    case 'migrate': {
      const database = await openDatabase(config);
      await database.close();
      console.log('database is up to date');
      return;
    }
    case 'seed': {
      const database = await openDatabase(config);
      const result = await seedDemo(createServices(contextOf(config, database)));
      await database.close();
      console.log(`seeded demo customer ${result.customerId} (${DEMO_CUSTOMER.email} / ${DEMO_CUSTOMER.password})`);
      return;
    }
    default:
      console.error(`unknown command: ${command}\n\n${USAGE}`);
      process.exitCode = 2;
  }
}

main(process.argv.slice(2)).catch((error: unknown) => {
  if (error instanceof ConfigError) {
    console.error(error.message);
    process.exit(78);
  }
  console.error(error);
  process.exit(1);
});
