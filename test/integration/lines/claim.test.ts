import { expect, it } from 'vitest';
import { MINUTE_MS, SECOND_MS } from '../../../src/platform/clock.js';
import { describeEachStoreApp } from '../../support/app.js';
import { expectProblem, newClient } from '../../support/accounts.js';
import { latestCodeFor, outboxFor } from '../../support/http.js';
import { esimProfile, physicalSim, signedInCustomer, stock, stripRequest } from './lines.fixtures.js';

interface LineBody {
  id: string; msisdn: string; iccid: string; type: string; status: string; planCode: string | null;
  currentPeriod: unknown; validityLeft: { seconds: number; days: number }; esim: unknown; allowances: unknown[];
}

describeEachStoreApp('claiming a SIM bought in a shop', (get) => {
  it('sends a code to the SIM, and the code attaches it as a line of the account', async () => {
    const { app } = get();
    const [sim] = await stock(app, physicalSim());
    const owner = await signedInCustomer(app, 'zh-TW');

    const requested = await owner.client.post('/api/v1/lines/claim', { msisdn: sim!.msisdn });
    expect(requested.statusCode, requested.body).toBe(202);
    expect(requested.json()).toEqual({ status: 'code_sent', channel: 'sms', sentTo: sim!.msisdn });
    const [message] = await outboxFor(owner.client, sim!.msisdn);
    expect(message).toMatchObject({ template: 'lines.claim_code', channel: 'sms', language: 'zh-TW' });

    const code = await latestCodeFor(owner.client, sim!.msisdn);
    const verified = await owner.client.post('/api/v1/lines/claim/verify', { msisdn: sim!.msisdn, code });
    expect(verified.statusCode, verified.body).toBe(201);
    const line = verified.json() as LineBody;
    expect(line).toMatchObject({
      msisdn: sim!.msisdn, iccid: sim!.iccid, type: 'physical', status: 'inactive', planCode: null, currentPeriod: null,
      validityLeft: { seconds: 0, days: 0 }, esim: null, allowances: [],
    });
    expect(line.id).toMatch(/^lin_[0-9A-Z]{26}$/);

    const listed = await owner.client.get('/api/v1/lines');
    expect(listed.statusCode).toBe(200);
    expect((listed.json() as { lines: LineBody[] }).lines.map((l) => l.id)).toEqual([line.id]);
    const fetched = await owner.client.get(`/api/v1/lines/${line.id}`);
    expect(fetched.statusCode).toBe(200);
    expect(fetched.json()).toEqual(line);

    // The code was single use, and the SIM is nobody's to claim any more.
    expectProblem(await owner.client.post('/api/v1/lines/claim/verify', { msisdn: sim!.msisdn, code }), 409, 'lines.sim_not_claimable');
    expectProblem(await owner.client.post('/api/v1/lines/claim', { msisdn: sim!.msisdn }), 409, 'lines.sim_not_claimable');
    const simNow = await app.roamline.services.provisioning.findSim(app.roamline.ctx.database.db, sim!.iccid);
    expect(simNow).toMatchObject({ status: 'assigned', lineId: line.id });
  });

  it('accepts the number in local format with its country', async () => {
    const { app } = get();
    const [sim] = await stock(app, physicalSim());
    const owner = await signedInCustomer(app);
    const local = `${sim!.msisdn.slice(4, 8)} ${sim!.msisdn.slice(8)}`;
    expect((await owner.client.post('/api/v1/lines/claim', { msisdn: local, country: 'hk' })).statusCode).toBe(202);
    const code = await latestCodeFor(owner.client, sim!.msisdn);
    const verified = await owner.client.post('/api/v1/lines/claim/verify', { msisdn: local, country: 'HK', code });
    expect(verified.statusCode, verified.body).toBe(201);
  });

  it('refuses a wrong code without attaching anything, and counts the tries', async () => {
    const { app } = get();
    const [sim] = await stock(app, physicalSim());
    const owner = await signedInCustomer(app);
    await owner.client.post('/api/v1/lines/claim', { msisdn: sim!.msisdn });
    const code = await latestCodeFor(owner.client, sim!.msisdn);
    const wrong = code === '000000' ? '111111' : '000000';

    expectProblem(await owner.client.post('/api/v1/lines/claim/verify', { msisdn: sim!.msisdn, code: wrong }), 400, 'accounts.code_invalid');
    expectProblem(await owner.client.post('/api/v1/lines/claim/verify', { msisdn: sim!.msisdn, code: 'abc' }), 400, 'accounts.code_invalid');
    expect((await owner.client.get('/api/v1/lines')).json()).toMatchObject({ lines: [] });
    // Tries remain: the right code still works.
    expect((await owner.client.post('/api/v1/lines/claim/verify', { msisdn: sim!.msisdn, code })).statusCode).toBe(201);
  });

  it('stops accepting a code after five wrong tries', async () => {
    const { app } = get();
    const [sim] = await stock(app, physicalSim());
    const owner = await signedInCustomer(app);
    await owner.client.post('/api/v1/lines/claim', { msisdn: sim!.msisdn });
    const code = await latestCodeFor(owner.client, sim!.msisdn);
    const wrong = code === '000000' ? '111111' : '000000';
    for (let i = 0; i < 4; i += 1) expectProblem(await owner.client.post('/api/v1/lines/claim/verify', { msisdn: sim!.msisdn, code: wrong }), 400, 'accounts.code_invalid');
    expectProblem(await owner.client.post('/api/v1/lines/claim/verify', { msisdn: sim!.msisdn, code: wrong }), 400, 'accounts.code_attempts_exceeded');
    expectProblem(await owner.client.post('/api/v1/lines/claim/verify', { msisdn: sim!.msisdn, code }), 400, 'accounts.code_attempts_exceeded');
  });

  it('refuses an expired code; a new code works', async () => {
    const { app, clock } = get();
    const [sim] = await stock(app, physicalSim());
    const owner = await signedInCustomer(app);
    await owner.client.post('/api/v1/lines/claim', { msisdn: sim!.msisdn });
    const code = await latestCodeFor(owner.client, sim!.msisdn);
    clock.advance(10 * MINUTE_MS);
    expectProblem(await owner.client.post('/api/v1/lines/claim/verify', { msisdn: sim!.msisdn, code }), 400, 'accounts.code_expired');
    expect((await owner.client.get('/api/v1/lines')).json()).toMatchObject({ lines: [] });

    expect((await owner.client.post('/api/v1/lines/claim', { msisdn: sim!.msisdn })).statusCode).toBe(202);
    const fresh = await latestCodeFor(owner.client, sim!.msisdn);
    expect((await owner.client.post('/api/v1/lines/claim/verify', { msisdn: sim!.msisdn, code: fresh })).statusCode).toBe(201);
  });

  it('applies the sign-in codes\' resend interval to claim codes', async () => {
    const { app, clock } = get();
    const [sim] = await stock(app, physicalSim());
    const owner = await signedInCustomer(app);
    expect((await owner.client.post('/api/v1/lines/claim', { msisdn: sim!.msisdn })).statusCode).toBe(202);
    const again = await owner.client.post('/api/v1/lines/claim', { msisdn: sim!.msisdn });
    expectProblem(again, 429, 'accounts.code_resend_too_soon');
    expect(Number(again.headers['retry-after'])).toBe(60);
    clock.advance(60 * SECOND_MS);
    expect((await owner.client.post('/api/v1/lines/claim', { msisdn: sim!.msisdn })).statusCode).toBe(202);
  });

  it('does not send SMS to numbers outside the allow-list', async () => {
    const { app } = get();
    // A Brazilian mobile number: valid, but Brazil is not on the default SMS allow-list.
    const [sim] = await stock(app, { ...physicalSim(), msisdn: '+5511961234567' });
    const owner = await signedInCustomer(app);
    expectProblem(await owner.client.post('/api/v1/lines/claim', { msisdn: sim!.msisdn }), 422, 'accounts.sms_country_not_allowed');
    expect(await outboxFor(owner.client, sim!.msisdn)).toEqual([]);
  });

  it('refuses a SIM someone else claimed, with the same answer as any unclaimable number', async () => {
    const { app } = get();
    const [sim] = await stock(app, physicalSim());
    const first = await signedInCustomer(app);
    const second = await signedInCustomer(app);
    await first.client.post('/api/v1/lines/claim', { msisdn: sim!.msisdn });
    const code = await latestCodeFor(first.client, sim!.msisdn);
    expect((await first.client.post('/api/v1/lines/claim/verify', { msisdn: sim!.msisdn, code })).statusCode).toBe(201);

    const claim = await second.client.post('/api/v1/lines/claim', { msisdn: sim!.msisdn });
    expectProblem(claim, 409, 'lines.sim_not_claimable');
    expectProblem(await second.client.post('/api/v1/lines/claim/verify', { msisdn: sim!.msisdn, code }), 409, 'lines.sim_not_claimable');
    const unknown = await second.client.post('/api/v1/lines/claim', { msisdn: physicalSim().msisdn });
    expect(stripRequest(claim.body)).toEqual(stripRequest(unknown.body));
    expect((await second.client.get('/api/v1/lines')).json()).toMatchObject({ lines: [] });
  });

  it('does not accept a code that was sent for another account\'s claim', async () => {
    const { app } = get();
    const [sim] = await stock(app, physicalSim());
    const holder = await signedInCustomer(app);
    const other = await signedInCustomer(app);
    await holder.client.post('/api/v1/lines/claim', { msisdn: sim!.msisdn });
    const code = await latestCodeFor(holder.client, sim!.msisdn);
    expectProblem(await other.client.post('/api/v1/lines/claim/verify', { msisdn: sim!.msisdn, code }), 400, 'accounts.code_invalid');
    expect((await holder.client.post('/api/v1/lines/claim/verify', { msisdn: sim!.msisdn, code })).statusCode).toBe(201);
  });

  it('attaches a SIM once when its code is sent twice at the same time', async () => {
    const { app } = get();
    const [sim] = await stock(app, physicalSim());
    const owner = await signedInCustomer(app);
    await owner.client.post('/api/v1/lines/claim', { msisdn: sim!.msisdn });
    const code = await latestCodeFor(owner.client, sim!.msisdn);
    const answers = await Promise.all([1, 2, 3].map(() => owner.client.post('/api/v1/lines/claim/verify', { msisdn: sim!.msisdn, code })));
    expect(answers.filter((a) => a.statusCode === 201)).toHaveLength(1);
    // The others lost the race on the code (already used) or on the SIM (already attached).
    for (const lost of answers.filter((a) => a.statusCode !== 201)) {
      expect(['accounts.code_invalid', 'lines.sim_not_claimable'], lost.body).toContain((lost.json() as { code: string }).code);
    }
    expect((await owner.client.get('/api/v1/lines')).json()).toMatchObject({ lines: [{ iccid: sim!.iccid }] });
  });

  it('refuses numbers that are not claimable SIMs: unknown, in stock, eSIM', async () => {
    const { app } = get();
    const [inStock, esim] = await stock(app, physicalSim('in_stock'), esimProfile());
    const customer = await signedInCustomer(app);
    const answers = [];
    for (const msisdn of [physicalSim().msisdn, inStock!.msisdn, esim!.msisdn]) {
      const response = await customer.client.post('/api/v1/lines/claim', { msisdn });
      expectProblem(response, 409, 'lines.sim_not_claimable');
      answers.push(stripRequest(response.body));
      expect(await outboxFor(customer.client, msisdn)).toEqual([]);
    }
    expect(answers[1]).toEqual(answers[0]);
    expect(answers[2]).toEqual(answers[0]);
    expectProblem(await customer.client.post('/api/v1/lines/claim/verify', { msisdn: inStock!.msisdn, code: '123456' }), 409, 'lines.sim_not_claimable');
  });

  it('refuses what is not a mobile number, and malformed bodies', async () => {
    const { app } = get();
    const customer = await signedInCustomer(app);
    for (const msisdn of ['+85223456789', 'someone@example.com', '12345', '+999 1234 5678']) {
      expectProblem(await customer.client.post('/api/v1/lines/claim', { msisdn }), 400, 'lines.msisdn_invalid');
    }
    expectProblem(await customer.client.post('/api/v1/lines/claim', { msisdn: '+85251000101', extra: 1 }), 400, 'request.invalid');
    expectProblem(await customer.client.post('/api/v1/lines/claim', { msisdn: '+85251000101', country: 'HKG' }), 400, 'request.invalid');
    expectProblem(await customer.client.post('/api/v1/lines/claim/verify', { msisdn: '+85251000101' }), 400, 'request.invalid');
  });

  it('needs a signed-in customer and the CSRF token', async () => {
    const { app } = get();
    const [sim] = await stock(app, physicalSim());
    const anonymous = newClient(app);
    expectProblem(await anonymous.post('/api/v1/lines/claim', { msisdn: sim!.msisdn }), 401, 'auth.required');
    expectProblem(await anonymous.get('/api/v1/lines'), 401, 'auth.required');
    const customer = await signedInCustomer(app);
    const noCsrf = await customer.client.request({ method: 'POST', url: '/api/v1/lines/claim', body: { msisdn: sim!.msisdn }, csrf: false });
    expectProblem(noCsrf, 403, 'request.csrf_failed');
    expect(await outboxFor(customer.client, sim!.msisdn)).toEqual([]);
  });
});
