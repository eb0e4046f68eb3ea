import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inTransaction } from '../../../src/platform/db/database.js';
import { testConfig } from '../../../src/platform/config.js';
import type { OutgoingMessage } from '../../../src/modules/notifications/index.js';
import { createTestApp, type TestApp } from '../../support/app.js';
import { newClient, signUp, uniqueEmail } from '../../support/accounts.js';
import { STORES } from '../../support/stores.js';
import { channelsConfig, jobOf, smtpChannel, startSmtpServer, type LocalSmtpServer } from './servers.js';

/** E-mail over real SMTP to a local `smtp-server`, on both stores. */
describe.each(STORES)('e-mail over SMTP [%s]', (store) => {
  let smtp: LocalSmtpServer;
  let t: TestApp & { close(): Promise<void> };
  beforeAll(async () => {
    smtp = await startSmtpServer();
    t = await createTestApp(store, channelsConfig(testConfig(), { email: smtpChannel(smtp.port) }));
  });
  afterAll(async () => {
    await t.close();
    await smtp.close();
  });

  const queue = (message: OutgoingMessage): Promise<string> =>
    inTransaction(t.app.roamline.ctx.database.db, (tx) => t.app.roamline.services.notifications.queue(tx, message));
  const view = (id: string) => t.app.roamline.services.notifications.findDelivery(id);
  const mailTo = (to: string) => smtp.received.filter((m) => m.envelopeTo.includes(to));
  const row = (id: string) => t.app.roamline.ctx.database.db.selectFrom('notification').selectAll().where('id', '=', id).executeTakeFirstOrThrow();

  it('sends a Chinese e-mail with UTF-8 subject and body, a plain-text and an HTML part, and our headers', async () => {
    const to = uniqueEmail();
    const id = await queue({
      channel: 'email', to, template: 'renewals.reminder', language: 'zh-CN',
      params: { plan: '亚洲 10GB 30 天', number: '+852 6123 4567', until: '2026年11月30日', renewUrl: 'https://roamline.example/lines/lin_1?renew=1' },
    });
    await t.app.roamline.jobs.runDue();
    const [mail] = mailTo(to);
    expect(mail).toBeDefined();
    const parsed = mail?.parsed;
    expect(parsed?.subject).toBe('您的 Roamline 套餐将于 2026年11月30日 到期');
    expect(parsed?.text).toContain('Roamline：+852 6123 4567 的套餐「亚洲 10GB 30 天」将于 2026年11月30日 到期。');
    expect(parsed?.text).toContain('这是关于您的 Roamline 账户的服务通知。');
    expect(parsed?.html).toContain('<html lang="zh-CN">');
    expect(parsed?.html).toContain('>立即续订</a>');
    expect(parsed?.html).toContain('href="https://roamline.example/lines/lin_1?renew=1"');
    expect(parsed?.from?.value[0]).toMatchObject({ name: 'Roamline', address: 'no-reply@roamline.test' });
    expect(parsed?.to && 'text' in parsed.to ? parsed.to.text : '').toBe(to);
    expect(parsed?.messageId).toBe(`<${id}@roamline.test>`);
    expect(parsed?.headers.get('auto-submitted')).toBe('auto-generated');
    expect(parsed?.headers.get('content-language')).toBe('zh-CN');
    expect(parsed?.headers.get('list-unsubscribe')).toBeUndefined();
    // The raw message: an encoded-word subject, both parts declared UTF-8.
    expect(mail?.raw).toMatch(/^Subject: =\?UTF-8\?/im);
    expect(mail?.raw).toMatch(/Content-Type: text\/plain; charset=utf-8/i);
    expect(mail?.raw).toMatch(/Content-Type: text\/html; charset=utf-8/i);
    expect(mail?.raw).toMatch(/Content-Type: multipart\/alternative/i);
    expect(await view(id)).toMatchObject({ status: 'sent', transport: 'smtp', attempts: 1, providerMessageId: `<${id}@roamline.test>` });
  });

  it('retries a message the server refuses for now, and sends it exactly once when it accepts', async () => {
    const to = uniqueEmail();
    smtp.replies.push(451, 451);
    const id = await queue({ channel: 'email', to, template: 'orders.refunded', language: 'en', params: { order: 'ord_1', total: 'US$5.00' } });
    await t.app.roamline.jobs.runDue();
    expect(await view(id)).toMatchObject({ status: 'queued', attempts: 1 });
    expect((await view(id))?.lastError).toContain('451');
    expect((await jobOf(t.app, id))?.status).toBe('queued');
    t.clock.advance(5_000);
    await t.app.roamline.jobs.runDue();
    expect(await view(id)).toMatchObject({ status: 'queued', attempts: 2 });
    t.clock.advance(10_000);
    await t.app.roamline.jobs.runDue();
    expect(await view(id)).toMatchObject({ status: 'sent', attempts: 3, lastError: null });
    expect(mailTo(to)).toHaveLength(1);
    expect((await jobOf(t.app, id))?.status).toBe('done');
  });

  it('marks a message the server refuses for good (5xx) failed, and does not retry it', async () => {
    const to = uniqueEmail();
    smtp.replies.push(550);
    const id = await queue({ channel: 'email', to, template: 'accounts.password_changed', language: 'en', params: {} });
    await t.app.roamline.jobs.runDue();
    const failed = await view(id);
    expect(failed).toMatchObject({ status: 'failed', attempts: 1, transport: 'smtp' });
    expect(failed?.lastError).toContain('550');
    expect((await jobOf(t.app, id))).toMatchObject({ status: 'done', attempts: 1 });
    t.clock.advance(3_600_000);
    // Other modules' scheduled jobs may fall due meanwhile; this message's job stays done, unretried.
    await t.app.roamline.jobs.runDue();
    expect((await jobOf(t.app, id))).toMatchObject({ status: 'done', attempts: 1 });
    expect(mailTo(to)).toHaveLength(0);
  });

  it('erases the body of a one-time code once the server took it', async () => {
    const to = uniqueEmail();
    const id = await queue({ channel: 'email', to, template: 'accounts.verify_code', language: 'zh-TW', params: { code: '730415' }, sensitive: true });
    expect((await row(id)).body).toContain('730415');
    await t.app.roamline.jobs.runDue();
    expect(mailTo(to)[0]?.parsed.text).toContain('730415');
    const stored = await row(id);
    expect(stored).toMatchObject({ status: 'sent', body: '', html: null, subject: 'Roamline 驗證碼' });
  });

  it('adds List-Unsubscribe to marketing, pointing at the account page', async () => {
    const client = newClient(t.app);
    const { contact: to, customerId } = await signUp(client);
    expect((await client.patch('/api/v1/me', { marketingOptIn: true })).statusCode).toBe(200);
    await queue({ channel: 'email', to, customerId, template: 'marketing.offer', language: 'en', params: { offer: 'Thailand 15 GB for US$12.', url: 'https://roamline.example/plans' } });
    await t.app.roamline.jobs.runDue();
    const offer = mailTo(to).find((m) => m.parsed.subject === 'A Roamline offer for your next trip');
    expect(offer?.raw).toMatch(/^List-Unsubscribe: <http:\/\/localhost:3000\/account>/im);
  });

  it('reuses pooled connections across messages', async () => {
    const before = smtp.connections;
    const recipients = Array.from({ length: 6 }, () => uniqueEmail('pool'));
    for (const to of recipients) await queue({ channel: 'email', to, template: 'accounts.sign_in_locked', language: 'en', params: {} });
    await t.app.roamline.jobs.runDue();
    for (const to of recipients) expect(mailTo(to)).toHaveLength(1);
    expect(smtp.connections - before).toBeLessThanOrEqual(2);
  });
});
