import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, testConfig } from './config.js';

const SECRET = 'a-production-secret-of-at-least-32-chars';

/** The error `loadConfig` throws for `env`, which must be a `ConfigError`. */
function configError(env: NodeJS.ProcessEnv): ConfigError {
  try {
    loadConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error('expected loadConfig to refuse this environment');
}

describe('loadConfig', () => {
  it('names the variable when PORT is not a port number', () => {
    for (const port of ['abc', '70000', '-1', '80.5']) {
      expect(configError({ ROAMLINE_ENV: 'development', PORT: port }).message).toMatch(/\bPORT: /);
    }
  });

  it('refuses an unknown ROAMLINE_ variable, naming it', () => {
    const error = configError({ ROAMLINE_ENV: 'development', ROAMLINE_SECRET_KY: SECRET });
    expect(error.message).toContain('ROAMLINE_SECRET_KY: unknown setting');
  });

  it('ignores variables that are not its own', () => {
    const config = loadConfig({ ROAMLINE_ENV: 'development', PATH: '/usr/bin', HOME: '/root', NODE_ENV: 'whatever' });
    expect(config.env).toBe('development');
  });

  it('lists every bad variable at once', () => {
    const error = configError({
      ROAMLINE_ENV: 'staging', PORT: 'x', DATABASE_URL: 'mysql://db', ROAMLINE_NOPE: '1',
    });
    for (const name of ['ROAMLINE_ENV', 'PORT', 'DATABASE_URL', 'ROAMLINE_NOPE']) expect(error.message).toContain(`${name}:`);
  });

  it('refuses production without a secret key, and production is the default environment', () => {
    expect(configError({ ROAMLINE_ENV: 'production' }).message).toContain('ROAMLINE_SECRET_KEY');
    expect(configError({}).message).toContain('ROAMLINE_SECRET_KEY');
    expect(configError({ ROAMLINE_SECRET_KEY: 'too-short' }).message).toContain('ROAMLINE_SECRET_KEY');
    expect(loadConfig({ ROAMLINE_SECRET_KEY: SECRET }).env).toBe('production');
  });

  it('fills in defaults', () => {
    const config = loadConfig({ ROAMLINE_ENV: 'development' });
    expect(config).toMatchObject({
      port: 3000,
      host: '0.0.0.0',
      databaseUrl: 'file:./data/roamline.db',
      env: 'development',
      publicUrl: 'http://localhost:3000',
      logLevel: 'info',
      trustProxy: false,
      networkApiKey: undefined,
      adminApiKey: undefined,
      scrypt: { cost: 32768, blockSize: 8, parallelization: 1 },
      sessionIdleMs: 7 * 24 * 3_600_000,
      sessionAbsoluteMs: 30 * 86_400_000,
      notifications: { email: { kind: 'outbox' }, sms: { kind: 'outbox' }, quietHours: { startMinute: 21 * 60, endMinute: 8 * 60 } },
    });
    expect(config.secretKey.length).toBeGreaterThanOrEqual(32);
    expect(config.smsAllowedCountries).toContain('CN');
  });

  it('parses the values it is given', () => {
    const config = loadConfig({
      ROAMLINE_ENV: 'production',
      ROAMLINE_SECRET_KEY: SECRET,
      PORT: '8080',
      DATABASE_URL: 'postgres://roamline@db/roamline',
      ROAMLINE_TRUST_PROXY: 'true',
      ROAMLINE_SMS_ALLOWED_COUNTRIES: ' hk, mo ,',
    });
    expect(config).toMatchObject({
      port: 8080,
      publicUrl: 'http://localhost:8080',
      databaseUrl: 'postgres://roamline@db/roamline',
      secretKey: SECRET,
      trustProxy: true,
      smsAllowedCountries: ['HK', 'MO'],
    });
  });

  it('refuses a scrypt cost that is not a power of two, and short API keys', () => {
    expect(configError({ ROAMLINE_ENV: 'development', ROAMLINE_SCRYPT_COST: '1000' }).message).toContain('ROAMLINE_SCRYPT_COST');
    expect(configError({ ROAMLINE_ENV: 'development', ROAMLINE_NETWORK_API_KEY: 'short' }).message).toContain('ROAMLINE_NETWORK_API_KEY');
  });
});

describe('testConfig', () => {
  it('is the test environment, silent, with cheap password hashing', () => {
    const config = testConfig({ port: 0 });
    expect(config).toMatchObject({ env: 'test', logLevel: 'silent', port: 0 });
    expect(config.scrypt.cost).toBe(1024);
  });
});
