// `npm start`: builds what it serves (incrementally), then runs `roamline serve` in development
// mode on the embedded SQLite database unless DATABASE_URL says otherwise.
import { spawn, spawnSync } from 'node:child_process';
import { ensureWebBuilt, webBuildIsStale } from './web-build.mjs';

const env = { ...process.env, ROAMLINE_ENV: process.env.ROAMLINE_ENV ?? 'development' };

function run(label, command, args) {
  console.log(`[roamline] ${label} ...`);
  const result = spawnSync(command, args, { stdio: 'inherit', env });
  if (result.status !== 0) {
    console.error(`[roamline] ${label} failed`);
    process.exit(result.status ?? 1);
  }
}

run('building the server', process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.build.json']);
// The portal: rebuilt only when web/dist is missing or older than web/src (a second or two).
if (webBuildIsStale()) {
  console.log('[roamline] building the portal ...');
  try {
    ensureWebBuilt();
  } catch (error) {
    console.error(`[roamline] ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  }
}
// Semi-spaces (the two halves of V8's young generation) of 64 MB instead of 16: charging makes a few
// objects per usage record that live as long as their batch, and fewer of them are copied and promoted.
const server = spawn(process.execPath, ['--enable-source-maps', '--max-semi-space-size=64', 'dist/src/cli/main.js', 'serve'], { stdio: 'inherit', env });
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => server.kill(signal));
server.on('exit', (code) => process.exit(code ?? 0));
