import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { WebhookDispatcher } from '../../src/webhooks/webhook-dispatcher.worker.js';
import { client, startTestApp, type Client, type TestApp } from '../support/test-app.js';
import { WebhookReceiver } from '../support/webhook-receiver.js';
import { taxCode } from '../support/subjects.js';

describe('practice cases (the sandbox for trainees)', () => {
  let t: TestApp;
  let api: Client;
  let receiver: WebhookReceiver;

  beforeAll(async () => {
    receiver = await WebhookReceiver.start();
    t = await startTestApp({
      env: { PERCORSI_WEBHOOK_DISPATCH: 'false', PERCORSI_WEBHOOK_ALLOWLIST: '127.0.0.1', PERCORSI_WEBHOOK_ALLOW_HTTP: 'true' },
    });
    api = client(t.url);
  });
  afterAll(async () => {
    await t.close();
    await receiver.close();
  });

  it('are marked, follow the same rules, stay out of the default list, and are never sent to webhooks', async () => {
    const subscription = (await api.post('/webhooks/subscriptions', { url: receiver.url() })).body;
    // An office of its own: its cases are exactly the two opened here.
    const operator = await t.newOperator();
    const own = client(t.url, operator.headers);
    const practice = await own.post('/cases', { pathway: 'person', subject: taxCode(), practice: true });
    expect(practice.status).toBe(201);
    expect(practice.body.practice).toBe(true);
    const real = await own.post('/cases', { pathway: 'person', subject: taxCode() });
    expect(real.body.practice).toBe(false);

    // The same machine decides: a refused step is refused with its reasons.
    const refused = await api.post(`/cases/${practice.body.id}/events`, { type: 'PAI_SIGNED' });
    expect(refused.status).toBe(409);
    expect(
      (await api.post(`/cases/${practice.body.id}/events`, { type: 'INTAKE_SESSION_HELD', mode: 'individual', minutes: 30 })).status,
    ).toBe(200);

    const list = (query: string) =>
      own.get(`/cases?officeId=${operator.officeId}${query}`).then((r) => r.body.items.map((c: { id: string }) => c.id));
    expect(await list('')).toEqual([real.body.id]);
    expect(await list('&practice=true')).toEqual([practice.body.id]);
    expect(await list('&practice=all')).toEqual([real.body.id, practice.body.id]);
    expect((await api.get('/cases?practice=maybe')).body).toMatchObject({ status: 400, code: 'VALIDATION_FAILED' });

    // Only the real case's opening was queued; a replay does not bring the practice case's events either.
    const deliveries = async () => (await api.get(`/webhooks/subscriptions/${subscription.id}/deliveries`)).body.items;
    expect((await deliveries()).map((d: { caseId: string }) => d.caseId)).toEqual([real.body.id]);
    const replay = await api.post(`/webhooks/subscriptions/${subscription.id}/replay`, {});
    expect(replay.body.queued).toBe(1);
    await t.app.get(WebhookDispatcher).tick();
    expect(receiver.requests.map((r) => r.body.data.caseId)).toEqual([real.body.id]);
  });

  it('refuses a practice flag that is not a boolean', async () => {
    const res = await api.post('/cases', { pathway: 'person', subject: taxCode(), practice: 'yes' });
    expect(res.body).toMatchObject({ status: 400, code: 'VALIDATION_FAILED', errors: [expect.objectContaining({ field: 'practice' })] });
  });
});
