import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { WebhookDispatcher } from '../../src/webhooks/webhook-dispatcher.worker.js';
import { TestClock } from '../support/test-clock.js';
import { client, startTestApp, type Client, type TestApp } from '../support/test-app.js';
import { WebhookReceiver } from '../support/webhook-receiver.js';
import { vatNumber } from '../support/subjects.js';

describe('a subscription whose secret cannot be decrypted (PERCORSI_SECRET_KEY lost or changed)', () => {
  let t: TestApp;
  let api: Client;
  let receiver: WebhookReceiver;
  const clock = new TestClock();

  beforeAll(async () => {
    receiver = await WebhookReceiver.start();
    t = await startTestApp({
      clock,
      env: { PERCORSI_WEBHOOK_DISPATCH: 'false', PERCORSI_WEBHOOK_ALLOWLIST: '127.0.0.1', PERCORSI_WEBHOOK_ALLOW_HTTP: 'true' },
    });
    api = client(t.url);
  });
  afterAll(async () => {
    await t.close();
    await receiver.close();
  });

  it('sends nothing unsigned: each attempt fails, logged, and the delivery follows its schedule', async () => {
    const subscription = (await api.post('/webhooks/subscriptions', { url: receiver.url() })).body;
    // Encrypted with another key: as after a change of PERCORSI_SECRET_KEY.
    await t.dataSource.query(`UPDATE webhook_subscriptions SET secret = 'v1.AAAAAAAAAAAAAAAA.AAAAAAAAAAAAAAAAAAAAAA.AAAA' WHERE id = $1`, [
      subscription.id,
    ]);
    expect((await api.post('/cases', { pathway: 'employer', subject: vatNumber() })).status).toBe(201);

    expect(await t.app.get(WebhookDispatcher).tick()).toBe(1);
    expect(receiver.requests).toHaveLength(0);
    const [delivery] = (await api.get(`/webhooks/subscriptions/${subscription.id}/deliveries`)).body.items;
    expect(delivery).toMatchObject({ status: 'pending', attempts: 1, lastErrorClass: 'blocked' });
    expect(Date.parse(delivery.nextAttemptAt) - clock.now().getTime()).toBeGreaterThanOrEqual(5000);
    const attempts = (await api.get(`/webhooks/deliveries/${delivery.id}/attempts`)).body.items;
    expect(attempts).toEqual([
      expect.objectContaining({
        attempt: 1,
        errorClass: 'blocked',
        outcome: 'retrying',
        error: expect.stringMatching(/cannot be decrypted/),
      }),
    ]);

    // Rotating the secret repairs it: the next attempt is signed and delivered.
    expect((await api.post(`/webhooks/subscriptions/${subscription.id}/rotate-secret`, { graceHours: 0 })).status).toBe(200);
    clock.advance(10_000);
    expect(await t.app.get(WebhookDispatcher).tick()).toBe(1);
    expect(receiver.requests).toHaveLength(1);
    expect((await api.get(`/webhooks/deliveries/${delivery.id}/attempts`)).body.delivery.status).toBe('succeeded');
  });
});
