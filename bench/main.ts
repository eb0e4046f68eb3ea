/**
 * `npm run bench -- <name> [options]`: runs one benchmark. Each benchmark is a module under bench/
 * exporting `run(args)`; add yours to the map with one line.
 */
const BENCHES: Record<string, () => Promise<{ run(args: readonly string[]): Promise<void> }>> = {
  renewals: () => import('./renewals.js'),
  charging: () => import('./charging.js'),
};

async function main(argv: readonly string[]): Promise<void> {
  const [name, ...args] = argv;
  const load = name === undefined ? undefined : BENCHES[name];
  if (load === undefined) {
    console.error(`usage: npm run bench -- <${Object.keys(BENCHES).join(' | ')}> [options]`);
    process.exitCode = 2;
    return;
  }
  await (await load()).run(args);
}

main(process.argv.slice(2)).catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
