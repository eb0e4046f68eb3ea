import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../../src/app/app.js';
import { allMigrations } from '../../../src/app/migrations.js';
import { ManualClock } from '../../../src/platform/clock.js';
import { testConfig } from '../../../src/platform/config.js';
import { inTransaction } from '../../../src/platform/db/database.js';
import { loggerOptions } from '../../../src/platform/logger.js';
import { uniqueEmail, uniqueHkMobile } from '../../support/accounts.js';
import { createTestDatabase, STORES, type TestDatabase } from '../../support/stores.js';
import { channelsConfig, smppChannel, smtpChannel, startSmsc, startSmtpServer, waitForStatus, type LocalSmsc, type LocalSmtpServer } from './servers.js';

/** Sensitive messages (one-time codes) never reach the log, whatever happens to them. */
describe.each(STORES)('notification logs [%s]', (store) => {
  let smtp: LocalSmtpServer;
  let smsc: LocalSmsc;
  let database: TestDatabase;
  beforeAll(async () => {
    [smtp, smsc, database] = await Promise.all([startSmtpServer(), startSmsc(), createTestDatabase(store, allMigrations)]);
  });
  afterAll(async () => {
    await Promise.all([smtp.close(), smsc.close(), database.close()]);
  });

  it('logs sends, failures and receipts without the text of a code', async () => {
    const lines: string[] = [];
    const sink = new Writable({ write(chunk: Buffer, _enc, done) { lines.push(chunk.toString()); done(); } });
    const clock = new ManualClock(Date.UTC(2026, 10, 27, 9));
    const config = testConfig(channelsConfig(testConfig(), { email: smtpChannel(smtp.port), sms: smppChannel(smsc.port) }));
    const app = await buildApp({ config, database, clock, logger: pino(loggerOptions('trace'), sink) });
    const { notifications } = app.roamline.services;
    const codes = ['314159', '271828', '161803', '141421'];
    smtp.replies.push(451, 550);
    smsc.statuses.push(0x0b);
    const ids = await inTransaction(database.db, async (tx) => [
      await notifications.queue(tx, { channel: 'email', to: uniqueEmail(), template: 'accounts.login_code', language: 'en', params: { code: codes[0] ?? '' }, sensitive: true }),
      await notifications.queue(tx, { channel: 'email', to: uniqueEmail(), template: 'accounts.reset_code', language: 'en', params: { code: codes[1] ?? '' }, sensitive: true }),
      await notifications.queue(tx, { channel: 'sms', to: uniqueHkMobile(), template: 'lines.claim_code', language: 'zh-CN', params: { code: codes[2] ?? '' }, sensitive: true }),
      await notifications.queue(tx, { channel: 'sms', to: uniqueHkMobile(), template: 'accounts.verify_code', language: 'en', params: { code: codes[3] ?? '' }, sensitive: true }),
    ]);
    await app.roamline.jobs.runDue();
    clock.advance(60_000);
    await app.roamline.jobs.runDue();
    await waitForStatus(app, ids[3] ?? '', 'delivered');
    await app.close();
    const log = lines.join('');
    expect(log).toContain('notification sent');
    expect(log).toContain('notification refused for good');
    expect(log).toContain('delivery receipt applied');
    for (const code of codes) expect(log).not.toContain(code);
  });
});
