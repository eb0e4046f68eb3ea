import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inTransaction } from '../../../src/platform/db/database.js';
import { testConfig } from '../../../src/platform/config.js';
import type { OutgoingMessage } from '../../../src/modules/notifications/index.js';
import { createTestApp, type TestApp } from '../../support/app.js';
import { expectProblem, uniqueHkMobile } from '../../support/accounts.js';
import { STORES } from '../../support/stores.js';
import { channelsConfig, jobOf, startGateway, type LocalGateway } from './servers.js';

const TOKEN = 'gateway-token-0123456789';

/** SMS through a generic HTTP gateway (a local HTTP server), and its receipts webhook, on both stores. */
describe.each(STORES)('SMS over the HTTP gateway [%s]', (store) => {
  let gateway: LocalGateway;
  let t: TestApp & { close(): Promise<void> };
  beforeAll(async () => {
    gateway = await startGateway();
    t = await createTestApp(store, channelsConfig(testConfig(), { sms: { kind: 'http', url: gateway.url, token: TOKEN, sender: 'Roamline' } }));
  });
  afterAll(async () => {
    await t.close();
    await gateway.close();
  });

  const queue = (message: OutgoingMessage): Promise<string> =>
    inTransaction(t.app.roamline.ctx.database.db, (tx) => t.app.roamline.services.notifications.queue(tx, message));
  const view = (id: string) => t.app.roamline.services.notifications.findDelivery(id);
  const requestsTo = (to: string) => gateway.requests.filter((r) => r.body.to === to);
  const receipt = (body: unknown, token = TOKEN) => t.app.inject({
    method: 'POST', url: '/api/v1/notifications/sms-receipts', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, payload: JSON.stringify(body),
  });

  it('posts JSON with the bearer token and an idempotency key, and keeps the gateway id', async () => {
    const to = uniqueHkMobile();
    const id = await queue({ channel: 'sms', to, template: 'renewals.action_required', language: 'zh-TW', params: { number: to, payUrl: 'https://roamline.example/p' } });
    await t.app.roamline.jobs.runDue();
    const [request] = requestsTo(to);
    expect(request?.headers.authorization).toBe(`Bearer ${TOKEN}`);
    expect(request?.headers['content-type']).toBe('application/json');
    expect(request?.headers['idempotency-key']).toBe(id);
    expect(request?.body).toEqual({ to, from: 'Roamline', text: `Roamline：您的銀行要求確認 ${to} 的續訂付款。請在此確認：https://roamline.example/p`, reference: id });
    expect(await view(id)).toMatchObject({ status: 'sent', transport: 'http', providerMessageId: expect.stringMatching(/^gw-/) });
  });

  it('retries 503 twice, then sends once', async () => {
    gateway.statuses.push(503, 503);
    const to = uniqueHkMobile();
    const id = await queue({ channel: 'sms', to, template: 'accounts.password_changed', language: 'en', params: {} });
    await t.app.roamline.jobs.runDue();
    expect((await view(id))?.lastError).toContain('503');
    t.clock.advance(5_000);
    await t.app.roamline.jobs.runDue();
    t.clock.advance(10_000);
    await t.app.roamline.jobs.runDue();
    expect(await view(id)).toMatchObject({ status: 'sent', attempts: 3 });
    expect(requestsTo(to).map((r) => r.headers['idempotency-key'])).toEqual([id, id, id]);
    expect((await jobOf(t.app, id))?.status).toBe('done');
  });

  it('marks a message the gateway refuses (422) failed, without retrying or keeping a code', async () => {
    gateway.statuses.push(422);
    const to = uniqueHkMobile();
    const id = await queue({ channel: 'sms', to, template: 'accounts.verify_code', language: 'en', params: { code: '909090' }, sensitive: true });
    await t.app.roamline.jobs.runDue();
    const failed = await view(id);
    expect(failed).toMatchObject({ status: 'failed', attempts: 1, lastError: 'SMS gateway answered 422' });
    expect(await jobOf(t.app, id)).toMatchObject({ status: 'done' });
    const row = await t.app.roamline.ctx.database.db.selectFrom('notification').select('body').where('id', '=', id).executeTakeFirstOrThrow();
    expect(row.body).toBe('');
  });

  it('gives up after the last retry: the message fails and its job is parked for staff', async () => {
    gateway.statuses.push(...Array.from({ length: 8 }, () => 500));
    const to = uniqueHkMobile();
    const id = await queue({ channel: 'sms', to, template: 'accounts.password_changed', language: 'en', params: {} });
    for (let attempt = 1; attempt <= 8; attempt += 1) {
      await t.app.roamline.jobs.runDue();
      t.clock.advance(3_600_000);
    }
    const failed = await view(id);
    expect(failed).toMatchObject({ status: 'failed', attempts: 8 });
    expect(failed?.lastError).toMatch(/^gave up after 8 attempts: SMS gateway answered 500/);
    expect(await jobOf(t.app, id)).toMatchObject({ status: 'parked', attempts: 8 });
    expect(requestsTo(to)).toHaveLength(8);
  });

  it('applies delivery receipts posted back by the gateway, by its id or by our reference', async () => {
    const first = uniqueHkMobile();
    const second = uniqueHkMobile();
    const a = await queue({ channel: 'sms', to: first, template: 'accounts.sign_in_locked', language: 'en', params: {} });
    const b = await queue({ channel: 'sms', to: second, template: 'accounts.sign_in_locked', language: 'en', params: {} });
    await t.app.roamline.jobs.runDue();
    const gatewayId = (await view(a))?.providerMessageId;
    const applied = await receipt({ messageId: gatewayId, status: 'delivered', vendorField: 1 });
    expect(applied.json()).toEqual({ applied: true });
    expect(await view(a)).toMatchObject({ status: 'delivered', deliveredAtMs: t.clock.nowMs() });
    expect((await receipt({ messageId: 'gw-unknown', reference: b, status: 'failed', detail: 'absent subscriber' })).json()).toEqual({ applied: false });
    expect((await receipt({ messageId: (await view(b))?.providerMessageId, status: 'failed', detail: 'absent subscriber' })).json()).toEqual({ applied: true });
    expect(await view(b)).toMatchObject({ status: 'failed', lastError: 'delivery receipt: absent subscriber' });
    // A repeated receipt changes nothing.
    expect((await receipt({ messageId: gatewayId, status: 'failed' })).json()).toEqual({ applied: false });
    expect((await view(a))?.status).toBe('delivered');
  });

  it('refuses receipts without the token, or without a message to name', async () => {
    expectProblem(await receipt({ messageId: 'x', status: 'delivered' }, 'wrong-token-0123456789'), 401, 'auth.api_key_invalid');
    expectProblem(await receipt({ status: 'delivered' }), 400, 'request.invalid');
  });
});
