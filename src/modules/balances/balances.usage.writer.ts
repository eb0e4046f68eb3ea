import { parentPort, workerData } from 'node:worker_threads';
import { assert } from '../../platform/assert.js';
import { openSqlite } from '../../platform/db/database.js';
import { WRITER_READY } from './balances.usage.pipeline.js';
import { sqliteWriter, type WriterBatch } from './balances.usage.repository.js';

/**
 * The SQLite usage writer's thread (started by `createUsageWriter`): its own connection to the
 * database file, one batch at a time, in the order they come, a reply for each.
 */
const port = parentPort;
assert(port !== null, 'the usage writer runs as a worker thread');
const { path, busyTimeoutMs } = workerData as { readonly path: string; readonly busyTimeoutMs: number };
const write = sqliteWriter(openSqlite(path, busyTimeoutMs));
port.on('message', (batch: WriterBatch) => port.postMessage(write(batch)));
port.postMessage(WRITER_READY);
