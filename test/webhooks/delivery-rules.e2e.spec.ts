import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { WebhookDispatcher } from '../../src/webhooks/webhook-dispatcher.worker.js';
import { WebhookRepository } from '../../src/webhooks/webhook.repository.js';
import { client, startTestApp, type Client, type TestApp } from '../support/test-app.js';
import { TestClock } from '../support/test-clock.js';
import { WebhookReceiver, type ReceivedRequest } from '../support/webhook-receiver.js';
import { taxCode } from '../support/subjects.js';

/*
 * Delivery rules on a test clock: the background dispatcher is off, and each test moves the clock
 * and calls tick(), which claims and sends everything due at the clock's time and waits for it.
 * Signatures are the subject of signatures.e2e.spec.ts; here the receiver only records and answers.
 */

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
/** The schedule: the delay after attempt 1, 2, ... 9; each lengthened by 0 to 20 % jitter. */
const SCHEDULE = [5 * SECOND, 5 * MINUTE, 30 * MINUTE, 2 * HOUR, 5 * HOUR, 10 * HOUR, 14 * HOUR, 20 * HOUR, 24 * HOUR];

const INFORMATION = { type: 'INFORMATION_GIVEN', referral: 'A2' };

describe('webhook delivery rules (test clock, dispatcher driven by hand)', () => {
  const clock = new TestClock();
  let t: TestApp;
  let api: Client;
  let receiver: WebhookReceiver;

  const tick = () => t.app.get(WebhookDispatcher).tick();
  const ms = (iso: string | null) => (iso === null ? null : new Date(iso).getTime());

  async function subscribe(body: Record<string, unknown> = {}): Promise<{ id: string; secret: string }> {
    const res = await api.post('/webhooks/subscriptions', { url: receiver.url(), ...body });
    expect(res.status).toBe(201);
    return res.body;
  }

  async function openCase(): Promise<string> {
    const res = await api.post('/cases', { pathway: 'person', subject: taxCode() });
    expect(res.status).toBe(201);
    return res.body.id;
  }

  /** Records INFORMATION_GIVEN (repeatable on a new person case): the history entry. */
  async function inform(caseId: string): Promise<{ id: string; sequence: number; recordedAt: string }> {
    const res = await api.post(`/cases/${caseId}/events`, INFORMATION);
    expect(res.status).toBe(200);
    return res.body.event;
  }

  /** A subscription's deliveries, by sequence (the API lists them by creation time, and one test-clock instant holds several). */
  async function deliveries(subscriptionId: string, query = ''): Promise<any[]> {
    const res = await api.get(`/webhooks/subscriptions/${subscriptionId}/deliveries${query}`);
    expect(res.status).toBe(200);
    return [...res.body.items].sort((x, y) => (x.sequence ?? 0) - (y.sequence ?? 0));
  }

  async function attempts(deliveryId: string): Promise<{ delivery: any; items: any[] }> {
    const res = await api.get(`/webhooks/deliveries/${deliveryId}/attempts`);
    expect(res.status).toBe(200);
    return res.body;
  }

  async function subscription(id: string): Promise<any> {
    const res = await api.get(`/webhooks/subscriptions/${id}`);
    expect(res.status).toBe(200);
    return res.body;
  }

  const sequencesOf = (requests: ReceivedRequest[]) => requests.map((r) => r.body.data.sequence as number);
  const since = (start: number) => receiver.requests.slice(start);

  /** A delay the schedule allows after attempt n (1-based): its step, lengthened by 0 to 20 %. */
  function expectScheduled(delayMs: number, attempt: number): void {
    expect(delayMs).toBeGreaterThanOrEqual(SCHEDULE[attempt - 1]);
    expect(delayMs).toBeLessThanOrEqual(SCHEDULE[attempt - 1] * 1.2);
  }

  beforeAll(async () => {
    receiver = await WebhookReceiver.start();
    t = await startTestApp({
      env: {
        PERCORSI_WEBHOOK_DISPATCH: 'false',
        PERCORSI_WEBHOOK_ALLOWLIST: '127.0.0.1',
        PERCORSI_WEBHOOK_ALLOW_HTTP: 'true',
        // Short, for the hanging receiver; long enough to look at the delivery while it hangs.
        PERCORSI_WEBHOOK_TIMEOUT_MS: '1000',
        PERCORSI_WEBHOOK_LEASE_MS: '2000',
        PERCORSI_WEBHOOK_CONCURRENCY: '16',
      },
      clock,
    });
    api = client(t.url);
  });
  afterEach(async () => {
    // Each test starts with no subscription (their deliveries go with them) and a receiver answering 200.
    for (const s of (await api.get('/webhooks/subscriptions')).body.items) await api.call('DELETE', `/webhooks/subscriptions/${s.id}`);
    receiver.reset();
    await receiver.up();
  });
  afterAll(async () => {
    await t.close();
    await receiver.close();
  });

  it('retries a delivery on the schedule while the receiver is down, with the same webhook-id and an increasing attempt number', async () => {
    await receiver.down();
    const sub = await subscribe();
    const caseId = await openCase();
    const [opened] = (await api.get(`/cases/${caseId}/history`)).body.events;

    const t1 = clock.now().getTime();
    expect(await tick()).toBe(1);
    let [d] = await deliveries(sub.id);
    expect(d).toMatchObject({
      webhookId: opened.id,
      caseId,
      sequence: 1,
      status: 'pending',
      attempts: 1,
      lastStatusCode: null,
      lastErrorClass: 'connect',
    });
    const next1 = ms(d.nextAttemptAt)!;
    expectScheduled(next1 - t1, 1);
    // Not before it is due.
    expect(await tick()).toBe(0);
    clock.set(next1 - 1);
    expect(await tick()).toBe(0);

    // Up again, but answering 500 once: the second attempt fails too, and the next waits about 5 minutes.
    await receiver.up();
    receiver.enqueue({ status: 500, body: 'busy' });
    const start = receiver.requests.length;
    const t2 = clock.set(next1).getTime();
    expect(await tick()).toBe(1);
    [d] = await deliveries(sub.id);
    expect(d).toMatchObject({ status: 'pending', attempts: 2, lastStatusCode: 500, lastErrorClass: 'http_status' });
    const next2 = ms(d.nextAttemptAt)!;
    expectScheduled(next2 - t2, 2);
    clock.set(next2 - 1);
    expect(await tick()).toBe(0);

    const t3 = clock.set(next2).getTime();
    expect(await tick()).toBe(1);
    [d] = await deliveries(sub.id);
    expect(d).toMatchObject({
      status: 'succeeded',
      attempts: 3,
      lastStatusCode: 200,
      lastErrorClass: null,
      nextAttemptAt: null,
      deliveredAt: new Date(t3).toISOString(),
    });

    const [second, third] = since(start);
    expect(since(start)).toHaveLength(2);
    expect([second.headers['webhook-id'], third.headers['webhook-id']]).toEqual([opened.id, opened.id]);
    expect([second.body.id, third.body.id]).toEqual([opened.id, opened.id]);
    expect([second.headers['x-percorsi-attempt'], third.headers['x-percorsi-attempt']]).toEqual(['2', '3']);
    // webhook-timestamp is each attempt's own time.
    expect([second.headers['webhook-timestamp'], third.headers['webhook-timestamp']]).toEqual([
      String(Math.floor(t2 / 1000)),
      String(Math.floor(t3 / 1000)),
    ]);
    expect(second.rawBody).toBe(third.rawBody);

    const log = await attempts(d.id);
    expect(log.items.map((a: any) => [a.attempt, a.startedAt, a.statusCode, a.errorClass, a.outcome, a.responseBody])).toEqual([
      [1, new Date(t1).toISOString(), null, 'connect', 'retrying', ''],
      [2, new Date(t2).toISOString(), 500, 'http_status', 'retrying', 'busy'],
      [3, new Date(t3).toISOString(), 200, null, 'succeeded', 'ok'],
    ]);
    for (const a of log.items) expect(Number.isInteger(a.durationMs) && a.durationMs >= 0 && a.durationMs < 2000).toBe(true);
    expect(log.items[0].error).toMatch(/ECONNREFUSED|refused/i);
  });

  it('after an outage delivers every event in per-case order; ordering "none" does not wait', async () => {
    await receiver.down();
    const ordered = await subscribe({ url: receiver.url('/ordered') });
    const unordered = await subscribe({ url: receiver.url('/unordered'), ordering: 'none' });
    const a = await openCase();
    const b = await openCase();
    for (let i = 0; i < 3; i++) {
      await inform(a);
      await inform(b);
    }
    // Per case, only the first delivery is tried while it is pending; without ordering, all eight are.
    expect(await tick()).toBe(2 + 8);
    const waiting = await deliveries(ordered.id);
    expect(waiting).toHaveLength(8);
    for (const d of waiting) expect([d.sequence, d.status, d.attempts]).toEqual([d.sequence, 'pending', d.sequence === 1 ? 1 : 0]);
    expect((await deliveries(unordered.id)).every((d) => d.attempts === 1)).toBe(true);

    await receiver.up();
    const start = receiver.requests.length;
    clock.advance(10 * SECOND);
    expect(await tick()).toBe(8 + 8);
    const got = since(start).filter((r) => r.path === '/ordered');
    expect(got).toHaveLength(8);
    expect(sequencesOf(got.filter((r) => r.body.data.caseId === a))).toEqual([1, 2, 3, 4]);
    expect(sequencesOf(got.filter((r) => r.body.data.caseId === b))).toEqual([1, 2, 3, 4]);
    expect((await deliveries(ordered.id)).every((d) => d.status === 'succeeded')).toBe(true);
    expect((await deliveries(unordered.id)).every((d) => d.status === 'succeeded')).toBe(true);
  });

  it("does not hold case B back while case A's delivery keeps failing", async () => {
    await subscribe();
    const a = await openCase();
    const b = await openCase();
    for (let i = 0; i < 3; i++) {
      await inform(a);
      await inform(b);
    }
    receiver.setScript((r) => (r.body?.data?.caseId === a ? { status: 503 } : undefined));
    const start = receiver.requests.length;
    expect(await tick()).toBe(1 + 4);
    expect(sequencesOf(since(start).filter((r) => r.body.data.caseId === b))).toEqual([1, 2, 3, 4]);
    expect(sequencesOf(since(start).filter((r) => r.body.data.caseId === a))).toEqual([1]);

    // A's receiver path recovers: its events follow, in order.
    receiver.setScript(null);
    clock.advance(10 * SECOND);
    expect(await tick()).toBe(4);
    expect(sequencesOf(since(start).filter((r) => r.body.data.caseId === a))).toEqual([1, 1, 2, 3, 4]);
  });

  it('does not follow a redirect: a 302 is a failure, and its target is never called', async () => {
    const sub = await subscribe();
    receiver.enqueue({ status: 302, headers: { location: receiver.url('/elsewhere') } });
    await openCase();
    const start = receiver.requests.length;
    expect(await tick()).toBe(1);
    expect(since(start).map((r) => r.path)).toEqual(['/hook']);
    const [d] = await deliveries(sub.id);
    expect(d).toMatchObject({ status: 'pending', attempts: 1, lastStatusCode: 302, lastErrorClass: 'http_status' });
    const [attempt] = (await attempts(d.id)).items;
    expect(attempt).toMatchObject({ statusCode: 302, errorClass: 'http_status', outcome: 'retrying' });
    expect(attempt.error).toMatch(/redirect/i);
    // And the next try goes to the subscribed URL again.
    clock.set(d.nextAttemptAt);
    expect(await tick()).toBe(1);
    expect(since(start).map((r) => r.path)).toEqual(['/hook', '/hook']);
  });

  it('honours Retry-After (instead of the 5-second step), capped at one hour', async () => {
    const sub = await subscribe();
    receiver.enqueue({ status: 429, headers: { 'retry-after': '120' } }, { status: 503, headers: { 'retry-after': '86400' } });
    await openCase();
    const t1 = clock.now().getTime();
    expect(await tick()).toBe(1);
    let [d] = await deliveries(sub.id);
    expect(d).toMatchObject({ attempts: 1, lastStatusCode: 429 });
    expect(ms(d.nextAttemptAt)).toBe(t1 + 120 * SECOND);
    clock.set(t1 + 120 * SECOND - 1);
    expect(await tick()).toBe(0);

    const t2 = clock.set(t1 + 120 * SECOND).getTime();
    expect(await tick()).toBe(1);
    [d] = await deliveries(sub.id);
    expect(d).toMatchObject({ attempts: 2, lastStatusCode: 503 });
    expect(ms(d.nextAttemptAt)).toBe(t2 + HOUR);

    clock.set(t2 + HOUR);
    expect(await tick()).toBe(1);
    [d] = await deliveries(sub.id);
    expect(d).toMatchObject({ status: 'succeeded', attempts: 3 });
  });

  it('disables the subscription on 410 Gone: its deliveries wait, paused, and resume when it is enabled again', async () => {
    const sub = await subscribe();
    const a = await openCase();
    await inform(a);
    receiver.enqueue({ status: 410 });
    const start = receiver.requests.length;
    expect(await tick()).toBe(1);
    expect(await subscription(sub.id)).toMatchObject({ enabled: false, disabledReason: 'gone' });
    let list = await deliveries(sub.id);
    expect(list.map((d) => [d.sequence, d.status, d.attempts, d.nextAttemptAt === null])).toEqual([
      [1, 'paused', 1, false],
      [2, 'paused', 0, false],
    ]);
    expect((await deliveries(sub.id, '?status=paused')).map((d) => d.sequence)).toEqual([1, 2]);
    expect(await deliveries(sub.id, '?status=pending')).toEqual([]);

    // While it is disabled nothing is sent, however late it gets...
    clock.advance(DAY);
    expect(await tick()).toBe(0);
    // ...and new events queue no delivery for it: the receiver said it is gone (only a subscription
    // disabled for failing keeps collecting them, paused). A replay of the period recovers them, below.
    const whileDisabled = await inform(a);
    expect(await deliveries(sub.id)).toHaveLength(2);
    expect(since(start)).toHaveLength(1);

    const enabled = await api.call('PATCH', `/webhooks/subscriptions/${sub.id}`, { enabled: true });
    expect(enabled.status).toBe(200);
    expect(enabled.body).toMatchObject({ enabled: true, disabledReason: null, consecutiveFailures: 0 });
    list = await deliveries(sub.id);
    expect(list.map((d) => d.status)).toEqual(['pending', 'pending']);
    expect(await tick()).toBe(2);
    expect(since(start).map((r) => [r.body.data.sequence, r.headers['x-percorsi-attempt']])).toEqual([
      [1, '1'],
      [1, '2'],
      [2, '1'],
    ]);
    expect((await deliveries(sub.id)).map((d) => d.status)).toEqual(['succeeded', 'succeeded']);

    const replayed = await api.post(`/webhooks/subscriptions/${sub.id}/replay`, {
      from: whileDisabled.recordedAt,
      to: new Date(ms(whileDisabled.recordedAt)! + 1).toISOString(),
    });
    expect(replayed.status).toBe(202);
    expect(replayed.body.queued).toBe(1);
    expect(await tick()).toBe(1);
    expect(since(start).at(-1)!.headers['webhook-id']).toBe(whileDisabled.id);
  });

  it("marks a delivery failed after its 10th attempt, on the schedule; then the case's next event goes; a manual retry re-sends it", async () => {
    const sub = await subscribe();
    receiver.setScript((r) => (r.body?.data?.sequence === 1 ? { status: 500 } : undefined));
    const caseId = await openCase();
    const next = await inform(caseId);
    const start = receiver.requests.length;
    const first = (await deliveries(sub.id)).find((d) => d.sequence === 1);

    for (let attempt = 1; attempt <= 9; attempt++) {
      const at = clock.now().getTime();
      expect(await tick()).toBe(1);
      const { delivery } = await attempts(first.id);
      expect(delivery).toMatchObject({ status: 'pending', attempts: attempt });
      expectScheduled(ms(delivery.nextAttemptAt)! - at, attempt);
      clock.set(delivery.nextAttemptAt);
    }
    // The 10th attempt fails for good; the case's next delivery, held back until then, follows at once.
    expect(await tick()).toBe(2);
    const log = await attempts(first.id);
    expect(log.delivery).toMatchObject({ status: 'failed', attempts: 10, nextAttemptAt: null, lastStatusCode: 500 });
    expect(log.items.map((a: any) => a.outcome)).toEqual([...Array(9).fill('retrying'), 'failed']);
    expect(log.items.map((a: any) => a.attempt)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);

    const got = since(start);
    expect(sequencesOf(got)).toEqual([...Array(10).fill(1), 2]);
    expect(new Set(got.slice(0, 10).map((r) => r.headers['webhook-id']))).toEqual(new Set([first.webhookId]));
    expect(got.slice(0, 10).map((r) => r.headers['x-percorsi-attempt'])).toEqual(['1', '2', '3', '4', '5', '6', '7', '8', '9', '10']);
    expect(got[10].headers['webhook-id']).toBe(next.id);
    // Ten failures (< 20) over ~3 days (< 5): the subscription stays; the success reset the count.
    expect(await subscription(sub.id)).toMatchObject({ enabled: true, consecutiveFailures: 0, failingSince: null });

    // Kept, and sent again on request: same webhook-id, a fresh schedule.
    receiver.setScript(null);
    const retried = await api.post(`/webhooks/deliveries/${first.id}/retry`);
    expect(retried.status).toBe(202);
    expect(retried.body).toMatchObject({ id: first.id, webhookId: first.webhookId, status: 'pending', attempts: 0 });
    expect(await tick()).toBe(1);
    const resent = since(start).at(-1)!;
    expect(resent.headers['webhook-id']).toBe(first.webhookId);
    expect(resent.headers['x-percorsi-attempt']).toBe('1');
    expect(resent.rawBody).toBe(got[0].rawBody);
    const after = await attempts(first.id);
    expect(after.delivery).toMatchObject({ status: 'succeeded', attempts: 1 });
    expect(after.items).toHaveLength(11);

    const unknown = await api.post('/webhooks/deliveries/00000000-0000-4000-8000-000000000000/retry');
    expect(unknown.status).toBe(404);
    expect(unknown.body.code).toBe('DELIVERY_NOT_FOUND');
  });

  it('disables a subscription failing 20 times in a row over 5 days (both needed), keeping its deliveries paused until enabled', async () => {
    const sub = await subscribe();
    receiver.setScript(() => ({ status: 500 }));
    for (let i = 0; i < 20; i++) await openCase();
    const t0 = clock.now().getTime();
    expect(await tick()).toBe(20);
    // 20 failures, but within a moment: still enabled.
    expect(await subscription(sub.id)).toMatchObject({ enabled: true, consecutiveFailures: 20, failingSince: new Date(t0).toISOString() });

    // 40 failures over 5 days less a minute: still enabled.
    clock.set(t0 + 5 * DAY - MINUTE);
    expect(await tick()).toBe(20);
    expect(await subscription(sub.id)).toMatchObject({ enabled: true, consecutiveFailures: 40 });

    // The next failures are 5 days after the first: disabled after the batch in flight (16, the
    // concurrency), and nothing more is claimed.
    clock.advance(7 * MINUTE);
    expect(await tick()).toBe(16);
    expect(await subscription(sub.id)).toMatchObject({ enabled: false, disabledReason: 'failing' });
    const kept = await deliveries(sub.id);
    expect(kept).toHaveLength(20);
    expect((await deliveries(sub.id, '?status=paused')).length).toBe(20);
    expect(kept.every((d) => d.status === 'paused')).toBe(true);
    clock.advance(DAY);
    expect(await tick()).toBe(0);
    // Events while it is disabled for failing are kept too, paused (unlike a 410 or a manual disabling).
    const meanwhile = await openCase();
    const queued = (await deliveries(sub.id)).filter((d) => d.caseId === meanwhile);
    expect(queued.map((d) => [d.sequence, d.status])).toEqual([[1, 'paused']]);
    expect(await tick()).toBe(0);

    // Enabled again: the count starts over and the paused deliveries are sent.
    receiver.setScript(null);
    const start = receiver.requests.length;
    const enabled = await api.call('PATCH', `/webhooks/subscriptions/${sub.id}`, { enabled: true });
    expect(enabled.body).toMatchObject({ enabled: true, disabledReason: null, consecutiveFailures: 0, failingSince: null });
    expect(await tick()).toBe(21);
    expect((await deliveries(sub.id)).every((d) => d.status === 'succeeded')).toBe(true);
    expect(since(start).filter((r) => r.body.data.caseId === meanwhile)).toHaveLength(1);
  });

  it('resets the failure count on any success, so that failures before it do not count towards disabling', async () => {
    const sub = await subscribe();
    for (let i = 0; i < 20; i++) await openCase();
    receiver.setScript(() => ({ status: 500 }));
    const t0 = clock.now().getTime();
    expect(await tick()).toBe(20);
    expect(await subscription(sub.id)).toMatchObject({ consecutiveFailures: 20, failingSince: new Date(t0).toISOString() });

    // Then one delivery succeeds: the count and its start are cleared.
    const lucky = await openCase();
    receiver.setScript((r) => (r.body?.data?.caseId === lucky ? undefined : { status: 500 }));
    expect(await tick()).toBe(1);
    expect(await subscription(sub.id)).toMatchObject({ enabled: true, consecutiveFailures: 0, failingSince: null });

    // Five days after the first failures, 20 more: 20 in a row, but only since now, so it stays enabled
    // (without the reset it would be 40 failures over 5 days).
    clock.set(t0 + 5 * DAY + MINUTE);
    expect(await tick()).toBe(20);
    expect(await subscription(sub.id)).toMatchObject({
      enabled: true,
      consecutiveFailures: 20,
      failingSince: new Date(t0 + 5 * DAY + MINUTE).toISOString(),
    });
  });

  it('replays past events with their original webhook-ids and bodies, in per-case order, narrowed by from, to and types', async () => {
    const live = await subscribe({ url: receiver.url('/live') });
    // Earlier tests' events are older than T1.
    const T1 = clock.advance(SECOND);
    const a = await openCase(); // T1
    clock.advance(MINUTE);
    const T2 = clock.now();
    await inform(a);
    const b = await openCase(); // T2
    clock.advance(MINUTE);
    await inform(a); // T3
    await inform(b); // T3
    clock.advance(MINUTE);
    const T4 = clock.now();
    await inform(a); // T4
    expect(await tick()).toBe(6);
    const history = new Map<string, any>();
    for (const id of [a, b]) for (const e of (await api.get(`/cases/${id}/history`)).body.events) history.set(e.id, { ...e, caseId: id });
    const liveBodies = new Map(receiver.requests.filter((r) => r.path === '/live').map((r) => [r.headers['webhook-id'], r.rawBody]));
    expect(liveBodies.size).toBe(6);

    // [T2, T4), INFORMATION_GIVEN only: a's 2nd and 3rd events and b's 2nd.
    let start = receiver.requests.length;
    const narrowed = await api.post(`/webhooks/subscriptions/${live.id}/replay`, {
      from: T2.toISOString(),
      to: T4.toISOString(),
      types: ['INFORMATION_GIVEN'],
    });
    expect(narrowed.status).toBe(202);
    expect(narrowed.body).toMatchObject({
      subscriptionId: live.id,
      queued: 3,
      from: T2.toISOString(),
      to: T4.toISOString(),
      types: ['INFORMATION_GIVEN'],
    });
    expect(await tick()).toBe(3);
    let got = since(start);
    expect(got.map((r) => [r.body.data.caseId, r.body.data.sequence]).sort()).toEqual(
      [
        [a, 2],
        [a, 3],
        [b, 2],
      ].sort(),
    );
    for (const r of got) {
      expect(r.rawBody).toBe(liveBodies.get(r.headers['webhook-id']));
      expect(r.headers['webhook-id']).toBe(r.body.id);
    }
    expect(sequencesOf(got.filter((r) => r.body.data.caseId === a))).toEqual([2, 3]);

    // A subscription made afterwards gets the whole past on request: the same ids and bytes, in order per case.
    const late = await subscribe({ url: receiver.url('/late') });
    start = receiver.requests.length;
    const all = await api.post(`/webhooks/subscriptions/${late.id}/replay`, { from: T1.toISOString() });
    expect(all.body.queued).toBe(6);
    expect(await tick()).toBe(6);
    got = since(start);
    expect(got.every((r) => r.path === '/late')).toBe(true);
    expect(new Set(got.map((r) => r.headers['webhook-id']))).toEqual(new Set(liveBodies.keys()));
    for (const r of got) {
      expect(r.rawBody).toBe(liveBodies.get(r.headers['webhook-id']));
      expect(r.headers['x-percorsi-case-sequence']).toBe(String(history.get(r.headers['webhook-id']).sequence));
    }
    expect(sequencesOf(got.filter((r) => r.body.data.caseId === a))).toEqual([1, 2, 3, 4]);
    expect(sequencesOf(got.filter((r) => r.body.data.caseId === b))).toEqual([1, 2]);

    const bad = await api.post(`/webhooks/subscriptions/${late.id}/replay`, { from: 'yesterday', types: ['NOT_AN_EVENT'], extra: 1 });
    expect(bad.status).toBe(400);
    expect(bad.body.errors.map((e: any) => e.field).sort()).toEqual(['extra', 'from', 'types']);
  });

  it('logs each attempt: time, duration, status code, error class, and the first 4 KiB of the response', async () => {
    const sub = await subscribe();
    receiver.enqueue({ status: 500, body: `${'x'.repeat(10_000)}END`, delayMs: 150 }, { status: 201, body: 'created' });
    await openCase();
    const t1 = clock.now().toISOString();
    expect(await tick()).toBe(1);
    const [d] = await deliveries(sub.id);
    clock.set(d.nextAttemptAt);
    const t2 = clock.now().toISOString();
    expect(await tick()).toBe(1);
    const log = await attempts(d.id);
    expect(log.items).toHaveLength(2);
    const [failed, ok] = log.items;
    expect(failed).toMatchObject({ attempt: 1, startedAt: t1, statusCode: 500, errorClass: 'http_status', outcome: 'retrying' });
    expect(failed.responseBody).toBe('x'.repeat(4096));
    expect(failed.error).toMatch(/500/);
    expect(failed.durationMs).toBeGreaterThanOrEqual(140);
    expect(failed.durationMs).toBeLessThan(2000);
    expect(ok).toMatchObject({
      attempt: 2,
      startedAt: t2,
      statusCode: 201,
      errorClass: null,
      error: null,
      outcome: 'succeeded',
      responseBody: 'created',
    });

    // A host that does not resolve: error class dns.
    const nowhere = await subscribe({ url: 'http://percorsi-receiver.invalid/hook' });
    await openCase();
    await tick();
    const [lost] = await deliveries(nowhere.id);
    expect(lost).toMatchObject({ status: 'pending', attempts: 1, lastErrorClass: 'dns', lastStatusCode: null });
  });

  it('gives up on a receiver that does not answer within the timeout: error class timeout; a retry meanwhile is refused', async () => {
    const sub = await subscribe();
    receiver.enqueue({ hang: true });
    await openCase();
    const start = receiver.requests.length;
    const ticking = tick();
    await receiver.waitFor(start + 1);
    const [d] = await deliveries(sub.id);
    expect(d).toMatchObject({ status: 'in_flight', attempts: 1 });
    const refused = await api.post(`/webhooks/deliveries/${d.id}/retry`);
    expect(refused.status).toBe(409);
    expect(refused.body.code).toBe('DELIVERY_IN_FLIGHT');

    expect(await ticking).toBe(1);
    const log = await attempts(d.id);
    expect(log.delivery).toMatchObject({ status: 'pending', attempts: 1, lastErrorClass: 'timeout', lastStatusCode: null });
    expect(log.items).toEqual([expect.objectContaining({ attempt: 1, statusCode: null, errorClass: 'timeout', outcome: 'retrying' })]);
    // PERCORSI_WEBHOOK_TIMEOUT_MS is 1000.
    expect(log.items[0].durationMs).toBeGreaterThanOrEqual(950);
    expect(log.items[0].durationMs).toBeLessThan(1900);
  });

  it("takes over a delivery whose lease expired (a dispatcher that died mid-attempt), and the late result of the first does not overwrite the second's", async () => {
    const sub = await subscribe();
    await openCase();
    // The dispatcher that dies: it claims (PERCORSI_WEBHOOK_LEASE_MS 2000), then neither renews its lease
    // (a live dispatcher's heartbeat would) nor settles.
    const repository = t.app.get(WebhookRepository);
    const claimedAt = clock.now();
    const claimed = await repository.claimDue(t.dataSource.manager, {
      now: claimedAt,
      leaseUntil: new Date(claimedAt.getTime() + 2000),
      limit: 10,
    });
    expect(claimed).toEqual([expect.objectContaining({ subscriptionId: sub.id, attempts: 1, status: 'in_flight' })]);
    const start = receiver.requests.length;
    // Within the lease nobody else takes it; after it, another dispatcher does.
    clock.advance(1999);
    expect(await tick()).toBe(0);
    clock.advance(2);
    expect(await tick()).toBe(1);
    const [d] = await deliveries(sub.id);
    expect(d).toMatchObject({ status: 'succeeded', attempts: 2 });
    expect(since(start).map((r) => [r.headers['webhook-id'], r.headers['x-percorsi-attempt']])).toEqual([[d.webhookId, '2']]);

    // The first attempt's result comes later (it timed out): logged, but the delivery stays succeeded.
    await repository.recordAttempt(t.dataSource.manager, {
      deliveryId: d.id,
      subscriptionId: sub.id,
      attempt: 1,
      startedAt: claimedAt,
      durationMs: 1000,
      statusCode: null,
      errorClass: 'timeout',
      error: 'timed out',
      responseBody: '',
      outcome: 'retrying',
      nextAttemptAt: clock.now(),
      gone: false,
      now: clock.now(),
    });
    const log = await attempts(d.id);
    expect(log.delivery).toMatchObject({ status: 'succeeded', attempts: 2, lastStatusCode: 200 });
    expect(log.items.map((a: any) => [a.attempt, a.errorClass]).sort()).toEqual([
      [1, 'timeout'],
      [2, null],
    ]);
  });
});
