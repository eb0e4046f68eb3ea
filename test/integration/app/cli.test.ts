import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// Each case starts the real command in a new Node.js process that compiles TypeScript on the fly:
// seconds each on an idle machine, much more while other suites load both cores.
const CLI_TIMEOUT_MS = 180_000;
import { STORES, createTestDatabase, type TestDatabase } from '../../support/stores.js';

const run = promisify(execFile);

async function roamline(args: string[], env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('ROAMLINE_') && key !== 'PORT' && key !== 'DATABASE_URL'));
  try {
    const { stdout, stderr } = await run(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], { env: { ...clean, ...env }, timeout: CLI_TIMEOUT_MS });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe('roamline command: configuration', { timeout: CLI_TIMEOUT_MS }, () => {
  it('stops with a message naming each bad variable', async () => {
    const result = await roamline(['migrate'], { PORT: 'eighty', ROAMLINE_ENV: 'development', ROAMLINE_SMS_ALLOWED_COUNTRY: 'CN' });
    expect(result.code).toBe(78);
    expect(result.stderr).toContain('PORT: must be a whole number');
    expect(result.stderr).toContain('ROAMLINE_SMS_ALLOWED_COUNTRY: unknown setting');
  });

  it('refuses to start in production without a secret key', async () => {
    const result = await roamline(['migrate'], { ROAMLINE_ENV: 'production' });
    expect(result.code).toBe(78);
    expect(result.stderr).toContain('ROAMLINE_SECRET_KEY');
  });
});

describe.each(STORES)('roamline command: migrate and seed [%s]', { timeout: CLI_TIMEOUT_MS }, (store) => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase(store, {});
  });
  afterAll(async () => {
    await database.close();
  });

  it('migrates an empty database, seeds the demo customer, and does both again without change', async () => {
    const env = { DATABASE_URL: database.url, ROAMLINE_ENV: 'development', ROAMLINE_LOG_LEVEL: 'silent', ROAMLINE_SCRYPT_COST: '1024' };
    const first = await roamline(['migrate'], env);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toContain('2026_11_27_020_accounts');
    const again = await roamline(['migrate'], env);
    expect(again.stdout).not.toContain('migrated:');
    const seeded = await roamline(['seed'], env);
    expect(seeded.code, seeded.stderr).toBe(0);
    expect((await roamline(['seed'], env)).code).toBe(0);
    const customers = await database.db.selectFrom('customer').select(['email', 'status']).execute();
    expect(customers).toEqual([{ email: 'demo@roamline.test', status: 'active' }]);
  });
});
