import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { inTransaction } from '../../../src/platform/db/database.js';
import { testConfig } from '../../../src/platform/config.js';
import type { OutgoingMessage } from '../../../src/modules/notifications/index.js';
import { createTestApp, type TestApp } from '../../support/app.js';
import { uniqueHkMobile } from '../../support/accounts.js';
import { STORES } from '../../support/stores.js';
import { channelsConfig, jobOf, smppChannel, startSmsc, waitForStatus, type LocalSmsc } from './servers.js';

const ENQUIRE_LINK_MS = 150;

/** SMS over real SMPP 3.4 to the `smpp` package's server acting as the SMSC, on both stores. */
describe.each(STORES)('SMS over SMPP [%s]', (store) => {
  let smsc: LocalSmsc;
  let t: TestApp & { close(): Promise<void> };
  beforeAll(async () => {
    smsc = await startSmsc();
    t = await createTestApp(store, channelsConfig(testConfig(), { sms: smppChannel(smsc.port, { enquireLinkMs: ENQUIRE_LINK_MS }) }));
  });
  afterAll(async () => {
    await t.close();
    await smsc.close();
  });
  beforeEach(() => {
    smsc.receipts = 'delivered-tlv';
  });

  const queue = (message: OutgoingMessage): Promise<string> =>
    inTransaction(t.app.roamline.ctx.database.db, (tx) => t.app.roamline.services.notifications.queue(tx, message));
  const view = (id: string) => t.app.roamline.services.notifications.findDelivery(id);
  const submittedTo = (to: string) => smsc.submitted.filter((s) => s.destination === to.replace('+', ''));
  const bodyOf = async (id: string) => (await t.app.roamline.ctx.database.db.selectFrom('notification').select('body').where('id', '=', id).executeTakeFirstOrThrow()).body;

  it('binds as a transceiver once and sends Chinese as UCS-2 (data_coding 8) from an alphanumeric sender', async () => {
    const to = uniqueHkMobile();
    const id = await queue({ channel: 'sms', to, template: 'renewals.auto_renewed', language: 'zh-CN', params: { plan: '亚洲 10GB', number: to, total: 'HK$98.00', until: '2026-12-27' } });
    const text = await bodyOf(id);
    await t.app.roamline.jobs.runDue();
    expect(smsc.binds).toEqual([{ systemId: 'roamline', password: 'secret', command: 'bind_transceiver' }]);
    const [sm] = submittedTo(to);
    expect(sm).toMatchObject({ dataCoding: 8, esmClass: 0, registeredDelivery: 1, source: 'Roamline', sourceTon: 5, sourceNpi: 0, udh: [], text });
    expect(text).toBe(`Roamline：${to} 的套餐「亚洲 10GB」已自动续订，扣款 HK$98.00，有效期至 2026-12-27。`);
    expect(await view(id)).toMatchObject({ transport: 'smpp', providerMessageId: sm?.messageId });
  });

  it('sends English in the GSM 7-bit alphabet (data_coding 0) and reuses the bound session', async () => {
    const to = uniqueHkMobile();
    const id = await queue({ channel: 'sms', to, template: 'renewals.auto_renew_disabled', language: 'en', params: { number: to } });
    await queue({ channel: 'sms', to, template: 'accounts.password_changed', language: 'en', params: {} });
    await t.app.roamline.jobs.runDue();
    const sent = submittedTo(to);
    expect(sent.map((s) => s.dataCoding)).toEqual([0, 0]);
    expect(sent[0]?.text).toBe(await bodyOf(id));
    expect(smsc.binds).toHaveLength(1);
  });

  it('updates the status to delivered when the delivery receipt arrives', async () => {
    const to = uniqueHkMobile();
    const id = await queue({ channel: 'sms', to, template: 'renewals.expired', language: 'zh-TW', params: { number: to, renewUrl: 'https://roamline.example/r' } });
    await t.app.roamline.jobs.runDue();
    expect((await view(id))?.status).toMatch(/sent|delivered/);
    const delivered = await waitForStatus(t.app, id, 'delivered');
    expect(delivered.deliveredAtMs).toBe(t.clock.nowMs());
  });

  it('marks the message failed on an UNDELIV receipt in the text format', async () => {
    smsc.receipts = 'failed-text';
    const to = uniqueHkMobile();
    const id = await queue({ channel: 'sms', to, template: 'accounts.sign_in_locked', language: 'en', params: {} });
    await t.app.roamline.jobs.runDue();
    const failed = await waitForStatus(t.app, id, 'failed');
    expect(failed.lastError).toBe('delivery receipt: UNDELIV err:001');
  });

  it('splits a long message into concatenated segments, and is delivered when every segment is', async () => {
    const to = uniqueHkMobile();
    const id = await queue({
      channel: 'sms', to, template: 'renewals.auto_renew_failed', language: 'zh-CN',
      params: { plan: '亚洲三十国畅游 20GB 三十天套餐', number: to, payUrl: 'https://roamline.example/orders/ord_01JDZ8K3M4N5P6Q7R8S9T0V1W2/pay', nextAttempt: '2026年11月28日 06:00' },
    });
    const text = await bodyOf(id);
    expect(text.length).toBeGreaterThan(134);
    await t.app.roamline.jobs.runDue();
    const segments = submittedTo(to);
    expect(segments.length).toBe(Math.ceil(text.length / 67));
    const reference = segments[0]?.udh[0]?.[2];
    segments.forEach((segment, i) => {
      expect(segment).toMatchObject({ dataCoding: 8, esmClass: 0x40 });
      expect(segment.udh).toEqual([[0x00, 0x03, reference, segments.length, i + 1]]);
    });
    expect(segments.map((s) => s.text).join('')).toBe(text);
    expect(await waitForStatus(t.app, id, 'delivered')).toMatchObject({ providerMessageId: segments[0]?.messageId });
  });

  it('marks a message to an invalid destination (ESME_RINVDSTADR) failed and does not retry it', async () => {
    smsc.statuses.push(0x0b);
    const to = uniqueHkMobile();
    const id = await queue({ channel: 'sms', to, template: 'lines.claim_code', language: 'en', params: { code: '555111' }, sensitive: true });
    await t.app.roamline.jobs.runDue();
    const failed = await view(id);
    expect(failed).toMatchObject({ status: 'failed', attempts: 1 });
    expect(failed?.lastError).toContain('ESME_RINVDSTADR');
    expect(await jobOf(t.app, id)).toMatchObject({ status: 'done', attempts: 1 });
    expect(await bodyOf(id)).toBe('');
    t.clock.advance(3_600_000);
    // Other modules' scheduled jobs may fall due meanwhile; this message's job stays done, unretried.
    await t.app.roamline.jobs.runDue();
    expect((await jobOf(t.app, id))).toMatchObject({ status: 'done', attempts: 1 });
    expect(submittedTo(to)).toHaveLength(0);
  });

  it('retries when throttled, and sends the message once when the SMSC accepts it', async () => {
    smsc.statuses.push(0x58, 0x58);
    const to = uniqueHkMobile();
    const id = await queue({ channel: 'sms', to, template: 'accounts.login_code', language: 'en', params: { code: '271828' }, sensitive: true });
    await t.app.roamline.jobs.runDue();
    expect(await view(id)).toMatchObject({ status: 'queued', attempts: 1 });
    expect((await view(id))?.lastError).toContain('ESME_RTHROTTLED');
    expect(await bodyOf(id)).toContain('271828');
    t.clock.advance(5_000);
    await t.app.roamline.jobs.runDue();
    t.clock.advance(10_000);
    await t.app.roamline.jobs.runDue();
    expect(await view(id)).toMatchObject({ attempts: 3 });
    expect(submittedTo(to)).toHaveLength(1);
    expect(submittedTo(to)[0]?.text).toContain('271828');
    // Once the SMSC took the code, only its absence remains in the database.
    expect(await bodyOf(id)).toBe('');
    await waitForStatus(t.app, id, 'delivered');
  });

  it('binds again after the SMSC dropped the session', async () => {
    const binds = smsc.binds.length;
    smsc.dropSessions();
    await new Promise((resolve) => setTimeout(resolve, 50));
    const to = uniqueHkMobile();
    const id = await queue({ channel: 'sms', to, template: 'renewals.auto_renew_disabled', language: 'en', params: { number: to } });
    await t.app.roamline.jobs.runDue();
    expect((await view(id))?.status).toMatch(/sent|delivered/);
    expect(smsc.binds.length).toBe(binds + 1);
  });

  it('keeps the session alive with enquire_link', async () => {
    const before = smsc.enquireLinks.count;
    await new Promise((resolve) => setTimeout(resolve, ENQUIRE_LINK_MS * 3 + 50));
    expect(smsc.enquireLinks.count - before).toBeGreaterThanOrEqual(2);
  });
});
