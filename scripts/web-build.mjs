// Builds the portal (web/ -> web/dist) when it is missing or older than its sources. Shared by
// `npm start` and the browser tests' global setup, so both serve what web/src says.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const SOURCES = ['web/src', 'web/public', 'web/build', 'web/index.html', 'web/vite.config.ts', 'package-lock.json'];
const BUILT = 'web/dist/index.html';

function newestMtimeMs(path) {
  if (!existsSync(path)) return 0;
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = stat.mtimeMs;
  for (const name of readdirSync(path)) newest = Math.max(newest, newestMtimeMs(join(path, name)));
  return newest;
}

/** True when web/dist has no index.html or any source is newer than it. */
export function webBuildIsStale() {
  const built = join(root, BUILT);
  if (!existsSync(built)) return true;
  const builtMs = statSync(built).mtimeMs;
  return SOURCES.some((source) => newestMtimeMs(join(root, source)) > builtMs);
}

/** Runs `vite build` (which prints the initial JavaScript size and fails over budget). */
export function buildWeb({ quiet = false } = {}) {
  const result = spawnSync(process.execPath, [join(root, 'node_modules/vite/bin/vite.js'), 'build', '--config', 'web/vite.config.ts'], {
    cwd: root, stdio: quiet ? 'pipe' : 'inherit', encoding: 'utf8',
    // Under vitest NODE_ENV is `test`, which would make Vite bundle React's development build.
    env: { ...process.env, NODE_ENV: 'production' },
  });
  if (result.status !== 0) {
    const output = quiet ? `\n${result.stdout ?? ''}${result.stderr ?? ''}` : '';
    throw new Error(`building the portal failed (vite build exited ${result.status})${output}`);
  }
  return quiet ? String(result.stdout ?? '') : '';
}

/** Builds only when stale; returns whether it built. */
export function ensureWebBuilt(options) {
  if (!webBuildIsStale()) return false;
  buildWeb(options);
  return true;
}
