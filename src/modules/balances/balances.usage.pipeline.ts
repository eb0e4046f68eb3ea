import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { WriterBatch, WriterReply } from './balances.usage.repository.js';

/** What the writer thread posts once its connection is open. */
export const WRITER_READY = 'ready';

/** An idle writer thread ends after this long (real time); the next batch starts another. */
const IDLE_MS = 2_000;

/** Commits charged batches on a worker thread's SQLite connection (see `sqliteWriter`). */
export interface UsageWriter {
  /** Resolves with the writer's reply; `failed` when the thread could not start or stopped. */
  write(batch: WriterBatch): Promise<WriterReply>;
  /** False once a thread could not start: the caller commits on its own connection instead. */
  usable(): boolean;
}

/**
 * How to start the writer thread: its compiled module; from the TypeScript sources (tests, `tsx`),
 * a bootstrap that registers tsx's loader in the thread first (a worker does not inherit it, and
 * Node 20 ignores `--import` in a worker's `execArgv`).
 */
function writerEntry(): [URL | string, { eval?: boolean }] {
  if (!import.meta.url.endsWith('.ts')) return [new URL('./balances.usage.writer.js', import.meta.url), {}];
  const require = createRequire(import.meta.url);
  const manifest = require('tsx/package.json') as { exports: Record<string, { import: { default: string } }> };
  const api = pathToFileURL(join(dirname(require.resolve('tsx/package.json')), manifest.exports['./esm/api']?.import.default ?? '')).href;
  const entry = new URL('./balances.usage.writer.ts', import.meta.url).href;
  return [`import(${JSON.stringify(api)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(entry)}); })`, { eval: true }];
}

/**
 * On SQLite, committing a charged batch costs about as much CPU as rating it: a writer thread
 * commits batch N on a second connection while this thread rates batch N+1, so that both cores work.
 * Run from the TypeScript sources (tests, `tsx`), the thread loads them through tsx, as this one does.
 */
export function createUsageWriter(path: string, busyTimeoutMs: number): UsageWriter {
  let worker: Worker | undefined;
  let idle: NodeJS.Timeout | undefined;
  let startable = true;
  const waiting: Array<(reply: WriterReply) => void> = [];

  function failWaiting(message: string): void {
    for (const resolve of waiting.splice(0)) resolve({ kind: 'failed', message });
  }

  function start(): Worker {
    const [entry, options] = writerEntry();
    const started = new Worker(entry, { ...options, workerData: { path, busyTimeoutMs } });
    // Never what keeps the process alive: a batch in flight has a caller waiting for it anyway.
    started.unref();
    let ready = false;
    started.on('message', (reply: WriterReply | typeof WRITER_READY) => {
      if (reply === WRITER_READY) {
        ready = true;
        return;
      }
      waiting.shift()?.(reply);
      if (waiting.length === 0 && worker === started) {
        idle = setTimeout(() => {
          worker = undefined;
          void started.terminate();
        }, IDLE_MS);
        idle.unref();
      }
    });
    const stopped = (message: string): void => {
      if (!ready) startable = false;
      if (worker !== started) return;
      worker = undefined;
      failWaiting(message);
    };
    started.on('error', (error) => stopped(`the usage writer failed: ${error.message}`));
    started.on('exit', (code) => stopped(`the usage writer stopped (exit code ${code})`));
    return started;
  }

  return {
    usable: () => startable,
    write(batch) {
      clearTimeout(idle);
      return new Promise((resolve) => {
        try {
          const current = (worker ??= start());
          waiting.push(resolve);
          current.postMessage(batch);
        } catch (error) {
          if (waiting.at(-1) === resolve) waiting.pop();
          resolve({ kind: 'failed', message: `the usage writer could not take the batch: ${error instanceof Error ? error.message : String(error)}` });
        }
      });
    },
  };
}
