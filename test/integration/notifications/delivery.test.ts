import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inTransaction } from '../../../src/platform/db/database.js';
import type { OutgoingMessage } from '../../../src/modules/notifications/index.js';
import { createTestApp, type TestApp } from '../../support/app.js';
import { newClient, signUp, uniqueEmail, uniqueHkMobile } from '../../support/accounts.js';
import { STORES } from '../../support/stores.js';
import { jobOf } from './servers.js';

/** Delivery through the outbox channel (the default): statuses, marketing consent, quiet hours. */
describe.each(STORES)('notification delivery [%s]', (store) => {
  let t: TestApp & { close(): Promise<void> };
  beforeAll(async () => {
    t = await createTestApp(store);
  });
  afterAll(async () => t.close());

  const queue = (message: OutgoingMessage): Promise<string> =>
    inTransaction(t.app.roamline.ctx.database.db, (tx) => t.app.roamline.services.notifications.queue(tx, message));
  const view = (id: string) => t.app.roamline.services.notifications.findDelivery(id);
  const offer = { template: 'marketing.offer', language: 'en', params: { offer: 'Japan 7 days at 20% off.', url: 'https://roamline.example/plans' } } as const;

  it('keeps messages in the outbox, marks them sent when their job runs, and keeps a code readable there', async () => {
    const to = uniqueHkMobile();
    const id = await queue({ channel: 'sms', to, template: 'accounts.login_code', language: 'zh-CN', params: { code: '482913' }, sensitive: true });
    expect(await view(id)).toMatchObject({ status: 'queued', attempts: 0, transport: null, deliverAfterMs: null });
    await t.app.roamline.jobs.runDue();
    expect(await view(id)).toMatchObject({ status: 'sent', attempts: 1, transport: 'outbox', sentAtMs: t.clock.nowMs() });
    const [kept] = await t.app.roamline.services.notifications.listOutbox(to);
    expect(kept?.body).toBe('您的 Roamline 登录验证码是 482913，10 分钟内有效。如非本人操作，请忽略。');
    expect((await jobOf(t.app, id))?.status).toBe('done');
  });

  it('shows the HTML part, category and status in the development outbox', async () => {
    const to = uniqueEmail();
    await queue({ channel: 'email', to, template: 'orders.refunded', language: 'zh-TW', params: { order: 'ord_1', total: 'HK$88.00' } });
    const client = newClient(t.app);
    const response = await client.get(`/api/v1/dev/outbox?to=${encodeURIComponent(to)}`);
    expect(response.statusCode).toBe(200);
    const [message] = (response.json() as { messages: Array<Record<string, unknown>> }).messages;
    expect(message).toMatchObject({ channel: 'email', category: 'transactional', status: 'queued', deliverAfter: null, subject: '您的 Roamline 退款' });
    expect(String(message?.html)).toContain('<html lang="zh-TW">');
    expect(String(message?.body)).toContain('訂單 ord_1 已退款 HK$88.00');
  });

  it('suppresses marketing to a customer who has not opted in, and sends it once they have', async () => {
    const client = newClient(t.app);
    const { contact, customerId } = await signUp(client);
    const refused = await queue({ ...offer, channel: 'email', to: contact, customerId });
    expect(await view(refused)).toMatchObject({ status: 'suppressed', category: 'marketing', lastError: 'the customer does not accept marketing messages' });
    expect(await jobOf(t.app, refused)).toBeUndefined();

    expect((await client.patch('/api/v1/me', { marketingOptIn: true })).statusCode).toBe(200);
    const accepted = await queue({ ...offer, channel: 'email', to: contact, customerId });
    await t.app.roamline.jobs.runDue();
    expect(await view(accepted)).toMatchObject({ status: 'sent', category: 'marketing' });
  });

  it('checks consent again when sending: an opt-out while the message waited wins', async () => {
    const client = newClient(t.app);
    const { contact, customerId } = await signUp(client);
    await client.patch('/api/v1/me', { marketingOptIn: true });
    const id = await queue({ ...offer, channel: 'email', to: contact, customerId });
    await client.patch('/api/v1/me', { marketingOptIn: false });
    await t.app.roamline.jobs.runDue();
    expect(await view(id)).toMatchObject({ status: 'suppressed', attempts: 0 });
  });

  it('never suppresses transactional messages, and keeps marketing templates marketing whatever the caller says', async () => {
    const client = newClient(t.app);
    const { contact, customerId } = await signUp(client);
    const notice = await queue({ channel: 'email', to: contact, customerId, template: 'accounts.password_changed', language: 'en', params: {} });
    const disguised = await queue({ ...offer, channel: 'email', to: contact, customerId, category: 'transactional' });
    const anonymous = await queue({ ...offer, channel: 'email', to: uniqueEmail() });
    await t.app.roamline.jobs.runDue();
    expect(await view(notice)).toMatchObject({ status: 'sent', category: 'transactional' });
    expect(await view(disguised)).toMatchObject({ status: 'suppressed', category: 'marketing' });
    expect(await view(anonymous)).toMatchObject({ status: 'suppressed' });
  });

  it("holds an SMS that respects quiet hours until 08:00 at the number's country, and sends codes at once", async () => {
    const to = uniqueHkMobile();
    t.clock.set(Date.parse('2026-11-27T14:30:00Z')); // 22:30 in Hong Kong
    const reminder = await queue({
      channel: 'sms', to, template: 'renewals.reminder', language: 'en', respectQuietHours: true,
      params: { plan: 'Asia 10 GB', number: to, until: '30 Nov 2026', renewUrl: 'https://roamline.example/lines/lin_1' },
    });
    const email = await queue({ channel: 'email', to: uniqueEmail(), template: 'renewals.expired', language: 'en', respectQuietHours: true, params: { number: to, renewUrl: 'https://roamline.example/x' } });
    const code = await queue({ channel: 'sms', to, template: 'lines.claim_code', language: 'en', params: { code: '123456' }, sensitive: true });
    const morningMs = Date.parse('2026-11-28T00:00:00Z'); // 08:00 in Hong Kong
    expect(await view(reminder)).toMatchObject({ status: 'queued', deliverAfterMs: morningMs });
    expect((await jobOf(t.app, reminder))?.run_at).toBe(morningMs);
    await t.app.roamline.jobs.runDue();
    expect((await view(reminder))?.status).toBe('queued');
    expect((await view(email))?.status).toBe('sent');
    expect((await view(code))?.status).toBe('sent');

    t.clock.set(morningMs - 1);
    await t.app.roamline.jobs.runDue();
    expect((await view(reminder))?.status).toBe('queued');
    t.clock.set(morningMs);
    await t.app.roamline.jobs.runDue();
    expect(await view(reminder)).toMatchObject({ status: 'sent', sentAtMs: morningMs });
  });

  it('sends an SMS that respects quiet hours at once during the day', async () => {
    t.clock.set(Date.parse('2026-11-28T03:00:00Z')); // 11:00 in Hong Kong
    const to = uniqueHkMobile();
    const id = await queue({ channel: 'sms', to, template: 'renewals.auto_renew_disabled', language: 'zh-TW', respectQuietHours: true, params: { number: to } });
    expect(await view(id)).toMatchObject({ deliverAfterMs: null });
    await t.app.roamline.jobs.runDue();
    expect((await view(id))?.status).toBe('sent');
  });
});
