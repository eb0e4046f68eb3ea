import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config.js';

const DEV = { ROAMLINE_ENV: 'development' };

function problems(env: NodeJS.ProcessEnv): string {
  try {
    loadConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error('expected loadConfig to refuse this environment');
}

describe('notification channel settings', () => {
  it('default to the outbox for both channels and 21:00-08:00 quiet hours', () => {
    expect(loadConfig(DEV).notifications).toEqual({
      email: { kind: 'outbox' }, sms: { kind: 'outbox' }, quietHours: { startMinute: 1260, endMinute: 480 },
    });
  });

  it('build the SMTP settings, with the port following the security mode', () => {
    const env = { ...DEV, ROAMLINE_EMAIL_CHANNEL: 'smtp', ROAMLINE_SMTP_HOST: 'smtp.example.com', ROAMLINE_SMTP_FROM: 'Roamline <no-reply@example.com>' };
    expect(loadConfig(env).notifications.email).toEqual({
      kind: 'smtp', host: 'smtp.example.com', port: 587, security: 'starttls', user: undefined, pass: undefined, from: 'Roamline <no-reply@example.com>', poolSize: 5,
    });
    expect(loadConfig({ ...env, ROAMLINE_SMTP_SECURITY: 'tls' }).notifications.email).toMatchObject({ port: 465, security: 'tls' });
    expect(loadConfig({ ...env, ROAMLINE_SMTP_PORT: '2525', ROAMLINE_SMTP_USER: 'u', ROAMLINE_SMTP_PASS: 'p' }).notifications.email)
      .toMatchObject({ port: 2525, user: 'u', pass: 'p' });
  });

  it('name every missing setting of the chosen channels', () => {
    const message = problems({ ...DEV, ROAMLINE_EMAIL_CHANNEL: 'smtp', ROAMLINE_SMS_CHANNEL: 'smpp' });
    for (const name of ['ROAMLINE_SMTP_HOST', 'ROAMLINE_SMTP_FROM', 'ROAMLINE_SMPP_HOST', 'ROAMLINE_SMPP_SYSTEM_ID', 'ROAMLINE_SMPP_PASSWORD', 'ROAMLINE_SMPP_SOURCE_ADDR']) {
      expect(message).toContain(`${name}: required when`);
    }
    expect(problems({ ...DEV, ROAMLINE_SMS_CHANNEL: 'http' })).toContain('ROAMLINE_SMS_HTTP_URL: required when ROAMLINE_SMS_CHANNEL=http');
    expect(problems({ ...DEV, ROAMLINE_EMAIL_CHANNEL: 'smtp', ROAMLINE_SMTP_HOST: 'h', ROAMLINE_SMTP_FROM: 'a@b.c', ROAMLINE_SMTP_USER: 'u' }))
      .toContain('ROAMLINE_SMTP_USER: set both');
  });

  it('refuse bad values, naming them', () => {
    expect(problems({ ...DEV, ROAMLINE_SMS_CHANNEL: 'carrier-pigeon' })).toContain('ROAMLINE_SMS_CHANNEL:');
    expect(problems({ ...DEV, ROAMLINE_SMTP_SECURITY: 'ssl' })).toContain('ROAMLINE_SMTP_SECURITY:');
    expect(problems({ ...DEV, ROAMLINE_SMS_QUIET_HOURS: '9pm-8am' })).toContain('ROAMLINE_SMS_QUIET_HOURS:');
    expect(problems({ ...DEV, ROAMLINE_SMPP_PASSWORD: 'much-too-long' })).toContain('ROAMLINE_SMPP_PASSWORD:');
    expect(problems({ ...DEV, ROAMLINE_SMS_HTTP_URL: 'ftp://gateway' })).toContain('ROAMLINE_SMS_HTTP_URL:');
    expect(problems({
      ...DEV, ROAMLINE_SMS_CHANNEL: 'smpp', ROAMLINE_SMPP_HOST: 'smsc', ROAMLINE_SMPP_SYSTEM_ID: 'id', ROAMLINE_SMPP_PASSWORD: 'pw',
      ROAMLINE_SMPP_SOURCE_ADDR: 'RoamlineTravel',
    })).toContain('ROAMLINE_SMPP_SOURCE_ADDR: an alphanumeric sender has at most 11 characters');
  });

  it('build SMPP settings, with the sender TON/NPI following the kind of address', () => {
    const env = { ...DEV, ROAMLINE_SMS_CHANNEL: 'smpp', ROAMLINE_SMPP_HOST: 'smsc.example.net', ROAMLINE_SMPP_SYSTEM_ID: 'roamline', ROAMLINE_SMPP_PASSWORD: 'secret' };
    expect(loadConfig({ ...env, ROAMLINE_SMPP_SOURCE_ADDR: 'Roamline' }).notifications.sms).toEqual({
      kind: 'smpp', host: 'smsc.example.net', port: 2775, systemId: 'roamline', password: 'secret', systemType: '',
      sourceAddr: 'Roamline', sourceTon: 5, sourceNpi: 0, enquireLinkMs: 30_000,
    });
    expect(loadConfig({ ...env, ROAMLINE_SMPP_SOURCE_ADDR: '+85261234567', ROAMLINE_SMPP_ENQUIRE_LINK_SECONDS: '60' }).notifications.sms)
      .toMatchObject({ sourceAddr: '85261234567', sourceTon: 1, sourceNpi: 1, enquireLinkMs: 60_000 });
  });

  it('build the HTTP gateway settings and a custom quiet window', () => {
    const config = loadConfig({
      ...DEV, ROAMLINE_SMS_CHANNEL: 'http', ROAMLINE_SMS_HTTP_URL: 'https://sms.example.net/v1/messages', ROAMLINE_SMS_HTTP_TOKEN: 'token-123456',
      ROAMLINE_SMS_QUIET_HOURS: '22:30-07:15',
    });
    expect(config.notifications.sms).toEqual({ kind: 'http', url: 'https://sms.example.net/v1/messages', token: 'token-123456', sender: undefined });
    expect(config.notifications.quietHours).toEqual({ startMinute: 22 * 60 + 30, endMinute: 7 * 60 + 15 });
  });

  it('still accept ROAMLINE_NOTIFY_CHANNEL=outbox, but not together with a real channel', () => {
    expect(loadConfig({ ...DEV, ROAMLINE_NOTIFY_CHANNEL: 'outbox' }).notifications.email).toEqual({ kind: 'outbox' });
    expect(problems({ ...DEV, ROAMLINE_NOTIFY_CHANNEL: 'smtp' })).toContain('ROAMLINE_NOTIFY_CHANNEL:');
    expect(problems({
      ...DEV, ROAMLINE_NOTIFY_CHANNEL: 'outbox', ROAMLINE_SMS_CHANNEL: 'http', ROAMLINE_SMS_HTTP_URL: 'https://sms.example.net', ROAMLINE_SMS_HTTP_TOKEN: 'token-123456',
    })).toContain('ROAMLINE_NOTIFY_CHANNEL: replaced by');
  });
});
