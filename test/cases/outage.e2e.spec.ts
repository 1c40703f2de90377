import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { QUERY_TIMEOUT_MS } from '../../src/database/data-source.js';
import { EmbeddedDatabase } from '../../src/database/embedded-database.js';
import { TcpProxy } from '../support/tcp-proxy.js';
import {
  client,
  newTestDatabase,
  startTestApp,
  type ApiResponse,
  type Client,
  type TestApp,
  type TestDatabase,
} from '../support/test-app.js';
import { taxCode } from '../support/subjects.js';

const EVENT = { type: 'INFORMATION_GIVEN', referral: 'A2' };
/** An answer during the outage must come this fast: no request may hang on the missing database. */
const ANSWER_WITHIN_MS = 6000;

/**
 * The service talks to its database through a proxy that the test can cut: PostgreSQL at
 * DATABASE_URL, or the embedded PGlite served by this test (on a copy of the template folder).
 */
describe('a database outage', () => {
  let database: TestDatabase;
  let embedded: EmbeddedDatabase | null = null;
  let proxy: TcpProxy;
  let t: TestApp;
  let api: Client;

  beforeAll(async () => {
    database = await newTestDatabase();
    const url = process.env.DATABASE_URL;
    let target: URL;
    if (url) {
      target = new URL(url);
    } else {
      embedded = await EmbeddedDatabase.start({ dataDir: database.env.PERCORSI_DATA_DIR, port: 0 });
      target = new URL(embedded.url);
    }
    proxy = await TcpProxy.start({ host: target.hostname, port: Number(target.port || 5432) });
    const proxied = new URL(target);
    proxied.hostname = proxy.host;
    proxied.port = String(proxy.port);
    t = await startTestApp({
      database: {
        env: {
          DATABASE_URL: proxied.toString(),
          PERCORSI_DB_SCHEMA: database.env.PERCORSI_DB_SCHEMA ?? 'public',
          // The embedded database serves exactly one connection.
          PERCORSI_DB_POOL_SIZE: url ? '4' : '1',
          // The generated webhook secret key goes to the test's folder, not ./data.
          PERCORSI_DATA_DIR: database.env.PERCORSI_DATA_DIR,
        },
        drop: () => database.drop(),
      },
    });
    api = client(t.url);
  });

  afterAll(async () => {
    await t?.close();
    await proxy?.close();
    await embedded?.stop();
    await database?.drop();
  });

  /** A request that must be answered quickly, with how long it took. */
  async function timed(request: () => Promise<ApiResponse>): Promise<ApiResponse & { ms: number }> {
    const started = performance.now();
    const res = await request();
    return { ...res, ms: performance.now() - started };
  }

  const unavailable = (res: ApiResponse & { ms: number }, withinMs = ANSWER_WITHIN_MS) => ({
    status: res.status,
    contentType: res.headers.get('content-type'),
    code: res.body?.code,
    retryAfter: res.headers.get('retry-after'),
    fast: res.ms < withinMs,
  });
  const UNAVAILABLE = {
    status: 503,
    contentType: 'application/problem+json; charset=utf-8',
    code: 'DATABASE_UNAVAILABLE',
    retryAfter: expect.stringMatching(/^\d+$/),
    fast: true,
  };

  async function pollUntil(request: () => Promise<ApiResponse>, status: number, withinMs: number): Promise<ApiResponse> {
    const deadline = Date.now() + withinMs;
    for (;;) {
      const res = await request();
      if (res.status === status || Date.now() > deadline) return res;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }

  it('answers 503 DATABASE_UNAVAILABLE with Retry-After while the database is away, and recovers by itself', async () => {
    const opened = await api.post('/cases', { pathway: 'person', subject: taxCode() });
    expect(opened.status).toBe(201);
    const id = opened.body.id as string;
    expect((await api.post(`/cases/${id}/events`, EVENT)).status).toBe(200);
    expect((await api.get('/health')).status).toBe(200);

    await proxy.cut();

    // Every kind of request, several times: the first ones meet the reset connections, the later
    // ones a refused connect.
    for (let round = 0; round < 2; round++) {
      expect(unavailable(await timed(() => api.get('/health')))).toEqual(UNAVAILABLE);
      expect(unavailable(await timed(() => api.get(`/cases/${id}`)))).toEqual(UNAVAILABLE);
      expect(unavailable(await timed(() => api.post(`/cases/${id}/events`, EVENT, { 'Idempotency-Key': 'outage-during' })))).toEqual(
        UNAVAILABLE,
      );
      expect(unavailable(await timed(() => api.get(`/cases/${id}/history`)))).toEqual(UNAVAILABLE);
      expect(unavailable(await timed(() => api.post('/cases', { pathway: 'person', subject: taxCode() })))).toEqual(UNAVAILABLE);
    }
    // The process itself is fine.
    expect((await api.get('/health/live')).status).toBe(200);

    await proxy.restore();

    // Back by itself: no restart, no call to the service other than requests.
    const health = await pollUntil(() => api.get('/health'), 200, 15_000);
    expect({ status: health.status, body: health.body }).toMatchObject({ status: 200, body: { status: 'ok', database: { status: 'up' } } });
    const read = await api.get(`/cases/${id}`);
    expect(read.status).toBe(200);
    // Nothing that was answered 503 was applied.
    expect(read.body.version).toBe(2);

    // The write refused during the outage, sent again: applied now, once.
    const retried = await api.post(`/cases/${id}/events`, EVENT, { 'Idempotency-Key': 'outage-during' });
    expect(retried.status).toBe(200);
    expect(retried.headers.get('idempotent-replayed')).toBeNull();
    expect(retried.body.event.sequence).toBe(3);
    const again = await api.post(`/cases/${id}/events`, EVENT, { 'Idempotency-Key': 'outage-during' });
    expect(again.status).toBe(200);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(again.body.event.id).toBe(retried.body.event.id);

    // A new write after recovery, and the history as it should be.
    expect((await api.post(`/cases/${id}/events`, EVENT)).status).toBe(200);
    const history = await api.get(`/cases/${id}/history`);
    expect(history.body.version).toBe(4);
    expect(history.body.events.map((e: any) => [e.sequence, e.type, e.idempotencyKey])).toEqual([
      [1, 'CASE_OPENED', null],
      [2, 'INFORMATION_GIVEN', null],
      [3, 'INFORMATION_GIVEN', 'outage-during'],
      [4, 'INFORMATION_GIVEN', null],
    ]);
    expect(await t.counts()).toEqual({ cases: 1, events: 4, keys: 1 });
  });

  // Regression: without a query timeout, a request on a pooled connection hung for minutes when
  // the database stopped answering without closing the connection.
  it('answers 503 when the database stops answering without closing anything (a partition), and recovers by itself', async () => {
    const opened = await api.post('/cases', { pathway: 'person', subject: taxCode() });
    expect(opened.status).toBe(201);
    const id = opened.body.id as string;
    // Concurrent writes leave several connections idle in the pool: those are the ones that hang.
    const warm = await Promise.all(Array.from({ length: 8 }, () => api.post(`/cases/${id}/events`, EVENT)));
    expect(warm.map((r) => r.status)).toEqual(Array(8).fill(200));

    proxy.blackhole();

    const within = QUERY_TIMEOUT_MS + 3000;
    const answers = await Promise.all([
      timed(() => api.get('/health')),
      timed(() => api.get(`/cases/${id}`)),
      timed(() => api.post(`/cases/${id}/events`, EVENT, { 'Idempotency-Key': 'partition-during' })),
      timed(() => api.get(`/cases/${id}/history`)),
    ]);
    expect(answers.map((a) => unavailable(a, within))).toEqual(Array(answers.length).fill(UNAVAILABLE));

    await proxy.restore();

    const health = await pollUntil(() => api.get('/health'), 200, 15_000);
    expect(health.status).toBe(200);
    const read = await pollUntil(() => api.get(`/cases/${id}`), 200, 5000);
    expect(read.status).toBe(200);
    // The blackholed write never reached the database.
    expect(read.body.version).toBe(9);
    const retried = await api.post(`/cases/${id}/events`, EVENT, { 'Idempotency-Key': 'partition-during' });
    expect({ status: retried.status, sequence: retried.body.event?.sequence }).toEqual({ status: 200, sequence: 10 });
    const again = await api.post(`/cases/${id}/events`, EVENT, { 'Idempotency-Key': 'partition-during' });
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    const history = await api.get(`/cases/${id}/history`);
    expect(history.body.events.map((e: any) => e.sequence)).toEqual(Array.from({ length: 10 }, (_, i) => i + 1));
    expect(history.body.events.filter((e: any) => e.idempotencyKey === 'partition-during').length).toBe(1);
  }, 60_000);
});
