import { afterEach, describe, expect, it } from '@jest/globals';
import { WebhookMetrics } from '../../src/webhooks/webhook-metrics.js';
import { WebhookRepository } from '../../src/webhooks/webhook.repository.js';
import { WebhookReceiver, sentBeforePreviousAnswered } from '../support/webhook-receiver.js';
import { startService, type RunningService } from '../support/service-process.js';
import { client, newTestDatabase, startTestApp, type Client, type TestDatabase } from '../support/test-app.js';
import { secondDispatcher } from './second-dispatcher.js';
import { signedInHeaders } from '../support/signed-in.js';
import { taxCode } from '../support/subjects.js';

/**
 * Several dispatchers on one database: the claim (FOR UPDATE SKIP LOCKED, with a lease) hands each
 * delivery to one of them only, per-case order holds across them, and a dead one's claim is taken
 * over when its lease expires. On PostgreSQL with two service processes; on the embedded database
 * (one session: one process only) with two dispatchers in one process.
 */

const POSTGRES = Boolean(process.env.DATABASE_URL);

const ENV = {
  PERCORSI_WEBHOOK_ALLOWLIST: '127.0.0.1',
  PERCORSI_WEBHOOK_ALLOW_HTTP: 'true',
  // Two in flight each at most: neither dispatcher can take all the work.
  PERCORSI_WEBHOOK_CONCURRENCY: '2',
  PERCORSI_WEBHOOK_POLL_MS: '100',
};

const CASES = 8;
const CLIENTS = 8;
const EVENTS_PER_CLIENT = 12;
/** A.1 information: allowed at any point of the person pathway, again and again. */
const EVENT = { type: 'INFORMATION_GIVEN', referral: 'A2' };

/** The receiver answers 200 within 10 ms (far below the timeout: no retries), so that one case's deliveries could overlap if the claim allowed it. */
const quick = (receiver: WebhookReceiver) => receiver.setScript(() => ({ delayMs: Math.floor(Math.random() * 10) }));

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Subscription {
  id: string;
  path: string;
  ordering: 'per-case' | 'none';
}

interface Committed {
  id: string;
  caseId: string;
  sequence: number;
}

async function subscribe(api: Client, receiver: WebhookReceiver, ordering: Subscription['ordering']): Promise<Subscription> {
  const path = `/${ordering}`;
  const res = await api.post('/webhooks/subscriptions', { url: receiver.url(path), ordering });
  expect(res.status).toBe(201);
  return { id: res.body.id, path, ordering };
}

/** Opens the cases and posts events to them from concurrent clients, spread over the instances' APIs. */
async function drive(apis: Client[]): Promise<string[]> {
  const caseIds: string[] = [];
  for (let i = 0; i < CASES; i++) {
    const res = await apis[i % apis.length].post('/cases', { pathway: 'person', subject: taxCode() });
    expect(res.status).toBe(201);
    caseIds.push(res.body.id);
  }
  const statuses: number[] = [];
  await Promise.all(
    Array.from({ length: CLIENTS }, async (_, c) => {
      const api = apis[c % apis.length];
      for (let i = 0; i < EVENTS_PER_CLIENT; i++) {
        const res = await api.post(`/cases/${caseIds[(c + i) % CASES]}/events`, EVENT);
        statuses.push(res.status);
      }
    }),
  );
  expect(statuses.filter((s) => s !== 200)).toEqual([]);
  return caseIds;
}

async function allDeliveries(api: Client, subscriptionId: string): Promise<any[]> {
  const items: any[] = [];
  let cursor: string | null = null;
  do {
    const res = await api.get(`/webhooks/subscriptions/${subscriptionId}/deliveries?limit=200${cursor ? `&cursor=${cursor}` : ''}`);
    expect(res.status).toBe(200);
    items.push(...res.body.items);
    cursor = res.body.nextCursor;
  } while (cursor);
  return items;
}

/** Waits until no delivery is pending or in flight, then checks what the receiver got. */
async function expectEachDeliveredOnce(args: {
  api: Client;
  receiver: WebhookReceiver;
  subscriptions: Subscription[];
  caseIds: string[];
}): Promise<number> {
  const { api, receiver, subscriptions, caseIds } = args;
  const committed: Committed[] = [];
  for (const caseId of caseIds) {
    const res = await api.get(`/cases/${caseId}/history?limit=1000`);
    expect(res.status).toBe(200);
    for (const e of res.body.events) committed.push({ id: e.id, caseId, sequence: e.sequence });
  }
  expect(committed.length).toBe(CASES * (1 + (CLIENTS * EVENTS_PER_CLIENT) / CASES));

  const deadline = Date.now() + 30_000;
  let deliveries: any[][];
  for (;;) {
    deliveries = await Promise.all(subscriptions.map((s) => allDeliveries(api, s.id)));
    if (deliveries.every((items) => items.every((d) => d.status !== 'pending' && d.status !== 'in_flight'))) break;
    if (Date.now() > deadline) throw new Error('deliveries still pending after 30 s');
    await sleep(200);
  }

  for (const [i, s] of subscriptions.entries()) {
    // One delivery per committed event, settled by one attempt: no dispatcher claimed one that another held.
    expect(deliveries[i].length).toBe(committed.length);
    const notOnce = deliveries[i].filter((d) => d.status !== 'succeeded' || d.attempts !== 1);
    expect(notOnce.map((d) => ({ webhookId: d.webhookId, status: d.status, attempts: d.attempts }))).toEqual([]);

    // The receiver got each event exactly once, with its webhook-id.
    const arrivals = receiver.requests.filter((a) => a.path === s.path);
    const counts = new Map<string, number>();
    for (const a of arrivals) counts.set(a.webhookId, (counts.get(a.webhookId) ?? 0) + 1);
    expect([...counts.entries()].filter(([, n]) => n !== 1)).toEqual([]);
    const missing = committed.filter((e) => !counts.has(e.id)).map((e) => `${e.caseId}#${e.sequence}`);
    const strays = [...counts.keys()].filter((id) => !committed.some((e) => e.id === id));
    expect({ path: s.path, missing, strays }).toEqual({ path: s.path, missing: [], strays: [] });
    expect(arrivals.every((a) => a.attempt === 1 && a.body?.id === a.webhookId)).toBe(true);

    // Per-case order: each case's webhooks arrived in sequence order, although two dispatchers sent them.
    if (s.ordering === 'per-case') {
      const byId = new Map(committed.map((e) => [e.id, e]));
      for (const caseId of caseIds) {
        const sequences = arrivals.filter((a) => byId.get(a.webhookId)!.caseId === caseId).map((a) => a.caseSequence);
        expect({ caseId, sequences }).toEqual({ caseId, sequences: committed.filter((e) => e.caseId === caseId).map((e) => e.sequence) });
        // Each one sent only once the previous one had been answered (by whichever dispatcher sent it).
        const early = sentBeforePreviousAnswered(arrivals.filter((a) => byId.get(a.webhookId)!.caseId === caseId));
        expect({ caseId, early }).toEqual({ caseId, early: [] });
      }
    }
  }
  return committed.length * subscriptions.length;
}

/** Polls the dispatchers' attempt counters until they add up to `total` (a counter moves just after its delivery settles). */
async function attemptsPerDispatcher(read: () => Promise<number[]>, total: number): Promise<number[]> {
  const deadline = Date.now() + 5000;
  for (;;) {
    const counts = await read();
    if (counts.reduce((a, b) => a + b, 0) >= total || Date.now() > deadline) return counts;
    await sleep(50);
  }
}

const counted = async (metrics: WebhookMetrics): Promise<number> =>
  (await metrics.attempts.get()).values.reduce((sum, v) => sum + v.value, 0);

/** Sums percorsi_webhook_attempts_total over its labels in a Prometheus scrape. */
async function scrapedAttempts(url: string): Promise<number> {
  const res = await fetch(`${url}/metrics`, { headers: signedInHeaders(url) });
  expect(res.status).toBe(200);
  let sum = 0;
  for (const line of (await res.text()).split('\n')) {
    const m = /^percorsi_webhook_attempts_total(?:\{[^}]*\})? (\S+)$/.exec(line);
    if (m) sum += Number(m[1]);
  }
  return sum;
}

describe('webhooks: several dispatchers on one database', () => {
  const cleanups: (() => Promise<unknown>)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
  });

  if (POSTGRES) {
    it('two service processes dispatching at once: each event delivered once, per-case order kept, both deliver', async () => {
      const receiver = await WebhookReceiver.start().then(quick);
      cleanups.push(() => receiver.close());
      const database: TestDatabase = await newTestDatabase();
      cleanups.push(() => database.drop());
      // The first one creates the schema; the second starts on it.
      const services: RunningService[] = [];
      cleanups.push(() => Promise.all(services.map((s) => s.stop())));
      services.push(await startService({ database, env: ENV }));
      services.push(await startService({ database, env: ENV }));
      const apis = services.map((s) => client(s.url));

      const subscriptions = [await subscribe(apis[0], receiver, 'per-case'), await subscribe(apis[1], receiver, 'none')];
      const caseIds = await drive(apis);
      const total = await expectEachDeliveredOnce({ api: apis[0], receiver, subscriptions, caseIds });

      const counts = await attemptsPerDispatcher(() => Promise.all(services.map((s) => scrapedAttempts(s.url))), total);
      expect(counts.reduce((a, b) => a + b, 0)).toBe(total);
      expect(counts.every((n) => n > 0)).toBe(true);
    }, 60_000);
  }

  it('two dispatchers in one process: each event delivered once, per-case order kept, both deliver', async () => {
    const receiver = await WebhookReceiver.start().then(quick);
    cleanups.push(() => receiver.close());
    const t = await startTestApp({ env: ENV });
    cleanups.push(() => t.close());
    const { dispatcher, metrics } = secondDispatcher(t);
    dispatcher.onApplicationBootstrap();
    cleanups.push(() => dispatcher.beforeApplicationShutdown());
    const api = client(t.url);

    const subscriptions = [await subscribe(api, receiver, 'per-case'), await subscribe(api, receiver, 'none')];
    const caseIds = await drive([api]);
    const total = await expectEachDeliveredOnce({ api, receiver, subscriptions, caseIds });

    const counts = await attemptsPerDispatcher(async () => [await counted(t.app.get(WebhookMetrics)), await counted(metrics)], total);
    expect(counts.reduce((a, b) => a + b, 0)).toBe(total);
    expect(counts.every((n) => n > 0)).toBe(true);
  }, 60_000);

  it("a dead dispatcher's claim is delivered by another once its lease expires: same webhook-id, next attempt", async () => {
    const receiver = await WebhookReceiver.start();
    cleanups.push(() => receiver.close());
    // No dispatcher of its own: the test plays both the dead one and its successor.
    const t = await startTestApp({ env: { ...ENV, PERCORSI_WEBHOOK_DISPATCH: 'false' } });
    cleanups.push(() => t.close());
    const api = client(t.url);
    const subscription = await subscribe(api, receiver, 'per-case');
    const opened = await api.post('/cases', { pathway: 'person', subject: taxCode() });
    expect(opened.status).toBe(201);
    const posted = await api.post(`/cases/${opened.body.id}/events`, EVENT);
    expect(posted.status).toBe(200);
    const history = await api.get(`/cases/${opened.body.id}/history`);
    const [openedEvent, informed] = history.body.events;

    // The dead dispatcher: claims with a short lease, and never settles. Only the case's first
    // delivery is claimable (the second waits for it: per-case order).
    const repository = t.app.get(WebhookRepository);
    const claimedAt = new Date();
    const leaseUntil = new Date(claimedAt.getTime() + 1500);
    const claimed = await repository.claimDue(t.dataSource.manager, { now: claimedAt, leaseUntil, limit: 10 });
    expect(claimed.map((d) => ({ eventId: d.eventId, attempts: d.attempts, status: d.status }))).toEqual([
      { eventId: openedEvent.id, attempts: 1, status: 'in_flight' },
    ]);

    // Its successor finds nothing due while the lease runs...
    const { dispatcher, metrics } = secondDispatcher(t);
    expect(await dispatcher.tick()).toBe(0);
    expect(receiver.requests).toEqual([]);

    // ...and takes the claim over once it has expired, then sends the case's next delivery.
    await sleep(leaseUntil.getTime() - Date.now() + 50);
    expect(await dispatcher.tick()).toBe(2);
    expect(receiver.requests.map((a) => ({ webhookId: a.webhookId, attempt: a.attempt, sequence: a.caseSequence }))).toEqual([
      { webhookId: openedEvent.id, attempt: 2, sequence: 1 },
      { webhookId: informed.id, attempt: 1, sequence: 2 },
    ]);
    expect(await counted(metrics)).toBe(2);

    // The dead dispatcher waking up to settle its stale attempt changes nothing: the claim is no longer its own.
    const first = claimed[0];
    await repository.recordAttempt(t.dataSource.manager, {
      deliveryId: first.id,
      subscriptionId: subscription.id,
      attempt: first.attempts,
      startedAt: claimedAt,
      durationMs: 1000,
      statusCode: null,
      errorClass: 'timeout',
      error: 'stale',
      responseBody: '',
      outcome: 'retrying',
      nextAttemptAt: new Date(),
      gone: false,
      now: new Date(),
    });
    const deliveries = await allDeliveries(api, subscription.id);
    expect(deliveries.map((d) => ({ webhookId: d.webhookId, status: d.status, attempts: d.attempts }))).toEqual([
      { webhookId: openedEvent.id, status: 'succeeded', attempts: 2 },
      { webhookId: informed.id, status: 'succeeded', attempts: 1 },
    ]);
    expect(await dispatcher.tick()).toBe(0);
    expect(receiver.requests).toHaveLength(2);
  }, 30_000);
});
