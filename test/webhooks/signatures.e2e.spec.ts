import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { ACT_DATE, EMPLOYER_STAGES } from '../../machines/testing/case-factory.js';
import { WebhookDispatcher } from '../../src/webhooks/webhook-dispatcher.worker.js';
import { client, startTestApp, type Client, type TestApp } from '../support/test-app.js';
import { TestClock } from '../support/test-clock.js';
import { WebhookReceiver, signaturesOf, signedWith, verifies, type ReceivedRequest } from '../support/webhook-receiver.js';
import { vatNumber } from '../support/subjects.js';

/*
 * Signature checks. Where the service runs on the real clock, every request is checked with the
 * `standardwebhooks` library's own verify, as a receiver would. verify also refuses a
 * webhook-timestamp more than 5 minutes from the real time; the rotation tests move a TestClock
 * (started at the real time) an hour ahead, so the requests signed then are checked with
 * signedWith: the library's sign recomputed for the request's own webhook-id, webhook-timestamp and
 * raw body, which is verify without the time window. Both are checked to agree where both apply.
 */

const WEBHOOK_ENV = { PERCORSI_WEBHOOK_ALLOWLIST: '127.0.0.1', PERCORSI_WEBHOOK_ALLOW_HTTP: 'true' };

/** The employer pathway from opening to a candidate put forward: nine events after CASE_OPENED. */
const EMPLOYER_EVENTS = Object.values(EMPLOYER_STAGES)
  .flat()
  .map((e) => ({ at: ACT_DATE, ...e }));

const otherSecret = () => `whsec_${randomBytes(24).toString('base64')}`;

/** A copy of a request with another raw body (same headers). */
const withBody = (request: ReceivedRequest, rawBody: string) => ({ headers: request.headers, rawBody });

/** Polls `read` until `done` holds of its result (the dispatcher records an outcome just after the receiver answers). */
async function settled<T>(read: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 2000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value) || Date.now() > deadline) return value;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

async function deleteAllSubscriptions(api: Client): Promise<void> {
  const list = await api.get('/webhooks/subscriptions');
  for (const s of list.body.items) expect((await api.call('DELETE', `/webhooks/subscriptions/${s.id}`)).status).toBe(204);
}

describe('webhook signatures, with the background dispatcher', () => {
  let t: TestApp;
  let api: Client;
  let receiver: WebhookReceiver;

  beforeAll(async () => {
    receiver = await WebhookReceiver.start();
    // A poll of a minute: a delivery within a second can only come from the commit waking the dispatcher.
    t = await startTestApp({ env: { ...WEBHOOK_ENV, PERCORSI_WEBHOOK_POLL_MS: '60000' } });
    api = client(t.url);
  });
  afterEach(() => deleteAllSubscriptions(api));
  afterAll(async () => {
    await t.close();
    await receiver.close();
  });

  it('delivers CASE_OPENED and every event of a pathway within a second of its commit, signed so that standardwebhooks verifies it', async () => {
    const created = await api.post('/webhooks/subscriptions', { url: receiver.url(), filter: { pathways: ['employer'] } });
    expect(created.status).toBe(201);
    const secret = created.body.secret as string;
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]+={0,2}$/);
    const start = receiver.requests.length;

    const opened = await api.post('/cases', { pathway: 'employer', subject: vatNumber() });
    expect(opened.status).toBe(201);
    const caseId = opened.body.id as string;
    const servicesAfter: unknown[] = [opened.body.services];
    await receiver.waitFor(start + 1, 1000);
    for (const [i, event] of EMPLOYER_EVENTS.entries()) {
      const res = await api.post(`/cases/${caseId}/events`, event);
      expect({ type: event.type, status: res.status }).toEqual({ type: event.type, status: 200 });
      servicesAfter.push(res.body.case.services);
      // Committed: the dispatcher is woken at once (in-process, or by NOTIFY), not by its minute-long poll.
      await receiver.waitFor(start + 2 + i, 1000);
    }

    const history = (await api.get(`/cases/${caseId}/history`)).body.events;
    expect(history.map((e: any) => e.type)).toEqual(['CASE_OPENED', ...EMPLOYER_EVENTS.map((e) => e.type)]);
    const requests = receiver.requests.slice(start);
    expect(requests).toHaveLength(history.length);
    for (const [i, request] of requests.entries()) {
      const e = history[i];
      expect(request.method).toBe('POST');
      expect(request.path).toBe('/hook');
      expect(request.headers['content-type']).toBe('application/json');
      // Headers: the event's id, this attempt's time in seconds, one v1 signature, attempt 1, the case sequence.
      expect(request.headers['webhook-id']).toBe(e.id);
      expect(request.headers['webhook-timestamp']).toMatch(/^\d{10}$/);
      expect(Math.abs(Number(request.headers['webhook-timestamp']) - request.at / 1000)).toBeLessThan(5);
      expect(request.headers['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/]{43}=$/);
      expect(request.headers['x-percorsi-attempt']).toBe('1');
      expect(request.headers['x-percorsi-case-sequence']).toBe(String(e.sequence));
      // The body: the committed history entry, as case.transitioned.
      expect(request.body).toEqual({
        id: e.id,
        type: 'case.transitioned',
        timestamp: e.recordedAt,
        data: {
          caseId,
          pathway: 'employer',
          sequence: e.sequence,
          event: e.type,
          payload: e.payload,
          from: e.stateBefore,
          to: e.stateAfter,
          services: servicesAfter[i],
          actor: e.actor,
          occurredAt: e.occurredAt,
        },
      });

      // A receiver's check: the library verifies it; another secret, or any change, does not.
      expect(verifies(request, secret)).toBe(true);
      expect(signedWith(request, secret)).toBe(true);
      expect(verifies(request, otherSecret())).toBe(false);
      expect(signedWith(request, otherSecret())).toBe(false);
      const tampered = request.rawBody.replace(`"sequence":${e.sequence}`, `"sequence":${e.sequence + 100}`);
      expect(tampered).not.toBe(request.rawBody);
      expect(verifies(withBody(request, tampered), secret)).toBe(false);
      expect(verifies(withBody(request, `${request.rawBody} `), secret)).toBe(false);
      expect(
        verifies({ rawBody: request.rawBody, headers: { ...request.headers, 'webhook-id': history[(i + 1) % history.length].id } }, secret),
      ).toBe(false);
      const later = String(Number(request.headers['webhook-timestamp']) + 1);
      expect(verifies({ rawBody: request.rawBody, headers: { ...request.headers, 'webhook-timestamp': later } }, secret)).toBe(false);
    }
    // In commit order, and each delivery recorded as succeeded at the first attempt.
    expect(requests.map((r) => r.body.data.sequence)).toEqual(history.map((e: any) => e.sequence));
    const deliveries = await settled(
      async () => (await api.get(`/webhooks/subscriptions/${created.body.id}/deliveries?caseId=${caseId}`)).body.items,
      (items: any[]) => items.every((d) => d.status !== 'in_flight'),
    );
    expect(
      [...deliveries]
        .sort((x: any, y: any) => x.sequence - y.sequence)
        .map((d: any) => [d.webhookId, d.sequence, d.status, d.attempts, d.lastStatusCode]),
    ).toEqual(history.map((e: any) => [e.id, e.sequence, 'succeeded', 1, 200]));
  });

  it('shows the secret once, in the answer to the creation: never in GET, the list or a PATCH', async () => {
    const created = await api.post('/webhooks/subscriptions', { url: receiver.url('/once'), description: 'secret once' });
    expect(created.status).toBe(201);
    const { id, secret } = created.body;
    expect(secret).toMatch(/^whsec_/);
    const one = await api.get(`/webhooks/subscriptions/${id}`);
    const list = await api.get('/webhooks/subscriptions');
    const patched = await api.call('PATCH', `/webhooks/subscriptions/${id}`, { description: 'renamed' });
    expect([one.status, list.status, patched.status]).toEqual([200, 200, 200]);
    expect(one.body).toMatchObject({ id, url: receiver.url('/once'), enabled: true, ordering: 'per-case' });
    expect(list.body.items.map((s: any) => s.id)).toContain(id);
    for (const shown of [one.body, ...list.body.items, patched.body]) {
      expect(shown).not.toHaveProperty('secret');
      expect(JSON.stringify(shown)).not.toContain('whsec_');
      expect(JSON.stringify(shown)).not.toContain(secret.slice('whsec_'.length, 20));
    }
    // Nor is it stored in clear.
    const [row] = await t.dataSource.query<{ secret: string }[]>('SELECT secret FROM webhook_subscriptions WHERE id = $1', [id]);
    expect(row.secret).not.toContain(secret.slice('whsec_'.length));
  });

  it('POST /webhooks/subscriptions/:id/test delivers a signed webhook.test message', async () => {
    const created = await api.post('/webhooks/subscriptions', { url: receiver.url('/test-message') });
    const start = receiver.requests.length;
    const queued = await api.post(`/webhooks/subscriptions/${created.body.id}/test`);
    expect(queued.status).toBe(202);
    expect(queued.body).toMatchObject({ deliveryId: expect.any(String), webhookId: expect.any(String), status: 'pending' });

    const [request] = (await receiver.waitFor(start + 1, 1000)).slice(start);
    expect(request.path).toBe('/test-message');
    expect(request.headers['webhook-id']).toBe(queued.body.webhookId);
    expect(request.headers['x-percorsi-attempt']).toBe('1');
    expect(request.headers).not.toHaveProperty('x-percorsi-case-sequence');
    expect(request.body).toMatchObject({
      id: queued.body.webhookId,
      type: 'webhook.test',
      timestamp: expect.any(String),
      data: { subscriptionId: created.body.id },
    });
    expect(verifies(request, created.body.secret)).toBe(true);
    expect(verifies(request, otherSecret())).toBe(false);
    expect(verifies(withBody(request, request.rawBody.replace('webhook.test', 'webhook.tesT')), created.body.secret)).toBe(false);

    const attempts = await settled(
      () => api.get(`/webhooks/deliveries/${queued.body.deliveryId}/attempts`),
      (res) => res.body.delivery.status !== 'in_flight',
    );
    expect(attempts.body.delivery).toMatchObject({
      status: 'succeeded',
      attempts: 1,
      webhookId: queued.body.webhookId,
      type: 'webhook.test',
    });
    expect(attempts.body.items).toEqual([expect.objectContaining({ attempt: 1, statusCode: 200, errorClass: null, outcome: 'succeeded' })]);
  });
});

describe('secret rotation, on a test clock', () => {
  let t: TestApp;
  let api: Client;
  let receiver: WebhookReceiver;
  const clock = new TestClock();

  beforeAll(async () => {
    receiver = await WebhookReceiver.start();
    t = await startTestApp({ env: { ...WEBHOOK_ENV, PERCORSI_WEBHOOK_DISPATCH: 'false' }, clock });
    api = client(t.url);
  });
  afterEach(() => deleteAllSubscriptions(api));
  afterAll(async () => {
    await t.close();
    await receiver.close();
  });

  /** Records one event (a case opening) and delivers it: the request the receiver got. */
  async function deliverOne(): Promise<ReceivedRequest> {
    const start = receiver.requests.length;
    expect((await api.post('/cases', { pathway: 'employer', subject: vatNumber() })).status).toBe(201);
    expect(await t.app.get(WebhookDispatcher).tick()).toBe(1);
    expect(receiver.requests).toHaveLength(start + 1);
    return receiver.requests[start];
  }

  it('signs with both secrets during the grace period, each verifying alone, and with the new one only after it', async () => {
    const created = await api.post('/webhooks/subscriptions', { url: receiver.url() });
    const oldSecret = created.body.secret as string;
    const before = await deliverOne();
    expect(signaturesOf(before)).toHaveLength(1);
    expect(verifies(before, oldSecret)).toBe(true);

    const rotatedAt = clock.now();
    const rotated = await api.post(`/webhooks/subscriptions/${created.body.id}/rotate-secret`, { graceHours: 1 });
    expect(rotated.status).toBe(200);
    const newSecret = rotated.body.secret as string;
    expect(newSecret).toMatch(/^whsec_/);
    expect(newSecret).not.toBe(oldSecret);
    expect(rotated.body.previousSecretExpiresAt).toBe(new Date(rotatedAt.getTime() + 3_600_000).toISOString());
    const shown = await api.get(`/webhooks/subscriptions/${created.body.id}`);
    expect(shown.body).not.toHaveProperty('secret');
    expect(shown.body.previousSecretExpiresAt).toBe(rotated.body.previousSecretExpiresAt);

    // During the grace: two signatures, the new one first; a receiver holding either secret accepts.
    const during = await deliverOne();
    const signatures = signaturesOf(during);
    expect(signatures).toHaveLength(2);
    expect(signatures.every((s) => /^v1,[A-Za-z0-9+/]{43}=$/.test(s))).toBe(true);
    expect(verifies({ rawBody: during.rawBody, headers: { ...during.headers, 'webhook-signature': signatures[0] } }, newSecret)).toBe(true);
    expect(verifies({ rawBody: during.rawBody, headers: { ...during.headers, 'webhook-signature': signatures[1] } }, oldSecret)).toBe(true);
    expect(verifies(during, newSecret)).toBe(true);
    expect(verifies(during, oldSecret)).toBe(true);
    expect(verifies(during, otherSecret())).toBe(false);
    expect(verifies(withBody(during, during.rawBody.replace('"employer"', '"person"')), oldSecret)).toBe(false);

    // Near its end (59 minutes on), still both.
    clock.advance(59 * 60_000);
    const late = await deliverOne();
    expect(signaturesOf(late)).toHaveLength(2);
    expect(signedWith(late, newSecret)).toBe(true);
    expect(signedWith(late, oldSecret)).toBe(true);

    // After it (61 minutes on): the new secret only; the old one no longer verifies.
    clock.advance(2 * 60_000);
    const after = await deliverOne();
    expect(after.headers['webhook-timestamp']).toBe(String(Math.floor(clock.now().getTime() / 1000)));
    expect(signaturesOf(after)).toHaveLength(1);
    expect(signedWith(after, newSecret)).toBe(true);
    expect(signedWith(after, oldSecret)).toBe(false);
    // (The library's verify would refuse it with either secret: its timestamp is the test clock's, an hour ahead of the real time.)
    expect(verifies(after, newSecret)).toBe(false);
  });

  it('with graceHours 0 drops the old secret at once, and defaults to a 24-hour grace', async () => {
    const created = await api.post('/webhooks/subscriptions', { url: receiver.url('/zero') });
    const now = clock.now();
    const rotated = await api.post(`/webhooks/subscriptions/${created.body.id}/rotate-secret`, { graceHours: 0 });
    expect(rotated.status).toBe(200);
    expect(rotated.body.previousSecretExpiresAt).toBeNull();
    const request = await deliverOne();
    expect(request.path).toBe('/zero');
    expect(signaturesOf(request)).toHaveLength(1);
    // (The clock is an hour ahead of the real time by now: checked without the library's time window.)
    expect(signedWith(request, rotated.body.secret)).toBe(true);
    expect(signedWith(request, created.body.secret)).toBe(false);

    const byDefault = await api.post(`/webhooks/subscriptions/${created.body.id}/rotate-secret`);
    expect(byDefault.status).toBe(200);
    expect(byDefault.body.previousSecretExpiresAt).toBe(new Date(now.getTime() + 24 * 3_600_000).toISOString());
    const tooLong = await api.post(`/webhooks/subscriptions/${created.body.id}/rotate-secret`, { graceHours: 721 });
    expect(tooLong.status).toBe(400);
    expect(tooLong.body).toMatchObject({ code: 'VALIDATION_FAILED', errors: [expect.objectContaining({ field: 'graceHours' })] });
  });
});
