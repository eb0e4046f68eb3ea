import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config.js';

const HOUR = 3_600_000;

describe('renewal settings', () => {
  it('defaults to a charge 24 h ahead, retries after 1, 6 and 12 h, reminders 3 days and 1 day ahead, 3 days of grace', () => {
    expect(loadConfig({ ROAMLINE_ENV: 'test' }).renewals).toEqual({
      leadMs: 24 * HOUR, retryDelaysMs: [HOUR, 6 * HOUR, 12 * HOUR], reminderOffsetsMs: [72 * HOUR, 24 * HOUR], expiryNotice: true,
      graceMs: 72 * HOUR, batchSize: 250, maxInFlight: 1000, sweepEveryMs: 60_000,
    });
  });

  it('reads every variable, and `none` turns reminders or retries off', () => {
    const renewals = loadConfig({
      ROAMLINE_ENV: 'test', ROAMLINE_RENEWAL_LEAD_HOURS: '48', ROAMLINE_RENEWAL_RETRY_HOURS: 'none', ROAMLINE_RENEWAL_REMINDER_HOURS: '24, 168',
      ROAMLINE_RENEWAL_EXPIRY_NOTICE: 'false', ROAMLINE_LINE_GRACE_HOURS: '0', ROAMLINE_RENEWAL_BATCH_SIZE: '100', ROAMLINE_RENEWAL_CONCURRENCY: '50',
      ROAMLINE_RENEWAL_SWEEP_SECONDS: '30',
    }).renewals;
    expect(renewals).toEqual({
      leadMs: 48 * HOUR, retryDelaysMs: [], reminderOffsetsMs: [168 * HOUR, 24 * HOUR], expiryNotice: false, graceMs: 0, batchSize: 100, maxInFlight: 50, sweepEveryMs: 30_000,
    });
  });

  it('refuses bad values by name', () => {
    for (const [name, value] of [['ROAMLINE_RENEWAL_LEAD_HOURS', '0'], ['ROAMLINE_RENEWAL_RETRY_HOURS', '1,x'], ['ROAMLINE_RENEWAL_REMINDER_HOURS', '-3'],
      ['ROAMLINE_RENEWAL_BATCH_SIZE', '5000'], ['ROAMLINE_RENEWAL_EXPIRY_NOTICE', 'yes'], ['ROAMLINE_LINE_GRACE_HOURS', '1.5']] as const) {
      expect(() => loadConfig({ ROAMLINE_ENV: 'test', [name]: value }), name).toThrow(ConfigError);
      expect(() => loadConfig({ ROAMLINE_ENV: 'test', [name]: value }), name).toThrow(name);
    }
  });
});
