import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { ACT_DATE, DID_DATE, EMPLOYER_STAGES } from '../../machines/testing/case-factory.js';
import { WebhookDispatcher } from '../../src/webhooks/webhook-dispatcher.worker.js';
import { client, startTestApp, type Client, type TestApp } from '../support/test-app.js';
import { TestClock } from '../support/test-clock.js';
import { WebhookReceiver } from '../support/webhook-receiver.js';
import { subjectFor } from '../support/subjects.js';

/*
 * The outbox: deliveries are written by the event's own statement, so they exist exactly when the
 * event does. The dispatcher is off (ticked by hand), so whatever is counted right after a 200 was
 * committed with the event, not added later.
 */

const WEBHOOK_ENV = { PERCORSI_WEBHOOK_DISPATCH: 'false', PERCORSI_WEBHOOK_ALLOWLIST: '127.0.0.1', PERCORSI_WEBHOOK_ALLOW_HTTP: 'true' };
const INFORMATION = { type: 'INFORMATION_GIVEN', referral: 'A2' };
const PERSON_TO_PATTO = [
  { type: 'INFORMATION_GIVEN', referral: 'A2', at: DID_DATE },
  { type: 'INTAKE_SESSION_HELD', mode: 'individual', minutes: 30, at: DID_DATE },
  { type: 'REGISTRY_UPDATED', at: DID_DATE },
  { type: 'DID_RECEIVED', didDate: DID_DATE, deadlineGroup: 'other', at: DID_DATE },
  { type: 'DID_CERTIFICATION_REQUESTED', at: DID_DATE },
  { type: 'PATTO_SIGNED', at: DID_DATE },
];
const UNKNOWN_ID = '00000000-0000-4000-8000-000000000000';

function expectProblem(res: { status: number; headers: Headers; body: any }, status: number, code: string): void {
  expect({ status: res.status, code: res.body?.code }).toEqual({ status, code });
  expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  expect(res.body).toMatchObject({ type: expect.stringMatching(/^urn:percorsi:problem:/), title: expect.any(String), status });
}

describe('the webhook outbox', () => {
  const clock = new TestClock();
  let t: TestApp;
  let api: Client;
  let receiver: WebhookReceiver;
  const tick = () => t.app.get(WebhookDispatcher).tick();

  async function subscribe(body: Record<string, unknown> = {}): Promise<{ id: string }> {
    const res = await api.post('/webhooks/subscriptions', { url: receiver.url(), ...body });
    expect(res.status).toBe(201);
    return res.body;
  }

  /** Committed deliveries of one event, by subscription id. */
  async function deliveriesOf(eventId: string): Promise<Map<string, number>> {
    const rows = await t.dataSource.query<{ subscription: string; n: number }[]>(
      'SELECT subscription_id AS subscription, count(*)::int AS n FROM webhook_deliveries WHERE event_id = $1 GROUP BY subscription_id',
      [eventId],
    );
    return new Map(rows.map((r) => [r.subscription, r.n]));
  }

  async function totals(): Promise<{ deliveries: number; events: number }> {
    const [row] = await t.dataSource.query<{ deliveries: number; events: number }[]>(
      'SELECT (SELECT count(*) FROM webhook_deliveries)::int AS deliveries, (SELECT count(*) FROM case_events)::int AS events',
    );
    return row;
  }

  async function openCase(pathway = 'person'): Promise<{ id: string; eventId: string }> {
    const res = await api.post('/cases', { pathway, subject: subjectFor(pathway) });
    expect(res.status).toBe(201);
    const [opened] = (await api.get(`/cases/${res.body.id}/history`)).body.events;
    return { id: res.body.id, eventId: opened.id };
  }

  beforeAll(async () => {
    receiver = await WebhookReceiver.start();
    t = await startTestApp({ env: WEBHOOK_ENV, clock });
    api = client(t.url);
  });
  afterEach(async () => {
    for (const s of (await api.get('/webhooks/subscriptions')).body.items) await api.call('DELETE', `/webhooks/subscriptions/${s.id}`);
    receiver.reset();
  });
  afterAll(async () => {
    await t.close();
    await receiver.close();
  });

  it('writes, with each event, exactly one delivery per subscription whose filter matches, before any dispatch', async () => {
    const subs = {
      all: await subscribe(),
      person: await subscribe({ filter: { pathways: ['person'] } }),
      employer: await subscribe({ filter: { pathways: ['employer'] } }),
      a2: await subscribe({ filter: { services: ['A2'] } }),
      patto: await subscribe({ filter: { eventTypes: ['PATTO_SIGNED'] } }),
      personOpened: await subscribe({ filter: { pathways: ['person'], eventTypes: ['CASE_OPENED'] } }),
      informedOrA2: await subscribe({ filter: { eventTypes: ['INFORMATION_GIVEN'], services: ['A2'] } }),
      disabled: await subscribe({ enabled: false }),
    };
    const names = new Map(Object.entries(subs).map(([name, s]) => [s.id, name]));
    /** Which subscriptions got the event, each exactly once. */
    const recipients = async (eventId: string) => {
      const got = await deliveriesOf(eventId);
      for (const n of got.values()) expect(n).toBe(1);
      return [...got.keys()].map((id) => names.get(id)).sort();
    };

    const person = await openCase('person');
    expect(await recipients(person.eventId)).toEqual(['all', 'person', 'personOpened'].sort());
    const expected: Record<string, string[]> = {
      INFORMATION_GIVEN: ['all', 'informedOrA2', 'person'],
      INTAKE_SESSION_HELD: ['a2', 'all', 'informedOrA2', 'person'],
      REGISTRY_UPDATED: ['a2', 'all', 'informedOrA2', 'person'],
      DID_RECEIVED: ['a2', 'all', 'informedOrA2', 'person'],
      DID_CERTIFICATION_REQUESTED: ['a2', 'all', 'informedOrA2', 'person'],
      PATTO_SIGNED: ['a2', 'all', 'informedOrA2', 'patto', 'person'],
    };
    for (const event of PERSON_TO_PATTO) {
      const res = await api.post(`/cases/${person.id}/events`, event);
      expect(res.status).toBe(200);
      // Right after the 200, with no dispatcher running: committed with the event.
      expect({ type: event.type, to: await recipients(res.body.event.id) }).toEqual({ type: event.type, to: expected[event.type] });
    }

    const employer = await openCase('employer');
    expect(await recipients(employer.eventId)).toEqual(['all', 'employer']);
    for (const event of Object.values(EMPLOYER_STAGES).flat()) {
      const res = await api.post(`/cases/${employer.id}/events`, { at: ACT_DATE, ...event });
      expect(res.status).toBe(200);
      const to = event.type === 'PATTO_SIGNED' ? ['all', 'employer', 'patto'] : ['all', 'employer'];
      expect({ type: event.type, to: await recipients(res.body.event.id) }).toEqual({ type: event.type, to });
    }

    // The A2 filter holds only A.2 events; the employer one no person event; the disabled one nothing.
    const byType = async (id: string) =>
      (
        await t.dataSource.query<{ t: string }[]>(
          'SELECT event_type AS t FROM webhook_deliveries WHERE subscription_id = $1 ORDER BY sequence',
          [id],
        )
      ).map((r) => r.t);
    expect(await byType(subs.a2.id)).toEqual([
      'INTAKE_SESSION_HELD',
      'REGISTRY_UPDATED',
      'DID_RECEIVED',
      'DID_CERTIFICATION_REQUESTED',
      'PATTO_SIGNED',
    ]);
    const employerRows = await t.dataSource.query<{ pathway: string }[]>(
      `SELECT payload->'data'->>'pathway' AS pathway FROM webhook_deliveries WHERE subscription_id = $1`,
      [subs.employer.id],
    );
    expect(employerRows).toHaveLength(1 + Object.values(EMPLOYER_STAGES).flat().length);
    expect(new Set(employerRows.map((r) => r.pathway))).toEqual(new Set(['employer']));
    expect(await byType(subs.disabled.id)).toEqual([]);

    // Queued, not sent: each is pending with its body ready.
    const [row] = await t.dataSource.query<any[]>(
      `SELECT status, attempts, type, payload FROM webhook_deliveries WHERE subscription_id = $1 AND event_id = $2`,
      [subs.all.id, person.eventId],
    );
    expect(row).toMatchObject({
      status: 'pending',
      attempts: 0,
      type: 'case.transitioned',
      payload: { id: person.eventId, type: 'case.transitioned', data: { caseId: person.id, sequence: 1, event: 'CASE_OPENED' } },
    });
    expect(receiver.requests).toHaveLength(0);
  });

  it('writes no delivery for a refused event, nor for a write that fails: the event and its deliveries are one statement', async () => {
    await subscribe();
    const { id } = await openCase();
    const before = await totals();

    // Refused by the pathway (409) and by a stale If-Match (412).
    const refused = await api.post(`/cases/${id}/events`, { type: 'PATTO_SIGNED' });
    expectProblem(refused, 409, 'TRANSITION_NOT_ALLOWED');
    const stale = await api.post(`/cases/${id}/events`, INFORMATION, { 'If-Match': '"7"' });
    expectProblem(stale, 412, 'VERSION_CONFLICT');
    expect(await totals()).toEqual(before);

    // The database refuses the event row: no delivery either.
    await t.dataSource.query(
      `CREATE FUNCTION test_refuse() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'refused by the test'; END $$`,
    );
    await t.dataSource.query(
      `CREATE TRIGGER test_refuse_event BEFORE INSERT ON case_events FOR EACH ROW WHEN (NEW.type = 'INFORMATION_GIVEN') EXECUTE FUNCTION test_refuse()`,
    );
    try {
      const failed = await api.post(`/cases/${id}/events`, INFORMATION);
      expect(failed.status).toBeGreaterThanOrEqual(500);
      expect(await totals()).toEqual(before);
    } finally {
      await t.dataSource.query('DROP TRIGGER test_refuse_event ON case_events');
    }

    // The database refuses the delivery row: the event is not recorded either.
    await t.dataSource.query(
      `CREATE TRIGGER test_refuse_delivery BEFORE INSERT ON webhook_deliveries FOR EACH ROW WHEN (NEW.event_type = 'INFORMATION_GIVEN') EXECUTE FUNCTION test_refuse()`,
    );
    try {
      const failed = await api.post(`/cases/${id}/events`, INFORMATION);
      expect(failed.status).toBeGreaterThanOrEqual(500);
      expect(await totals()).toEqual(before);
      expect((await api.get(`/cases/${id}`)).body.version).toBe(1);
    } finally {
      await t.dataSource.query('DROP TRIGGER test_refuse_delivery ON webhook_deliveries');
      await t.dataSource.query('DROP FUNCTION test_refuse()');
    }

    // Once the database accepts again: one event, one delivery.
    const ok = await api.post(`/cases/${id}/events`, INFORMATION);
    expect(ok.status).toBe(200);
    expect(await totals()).toEqual({ events: before.events + 1, deliveries: before.deliveries + 1 });
    expect([...(await deliveriesOf(ok.body.event.id)).values()]).toEqual([1]);
  });

  it('writes one delivery per event and subscription for 30 concurrent events on one case, with gapless sequences', async () => {
    const subs = [await subscribe(), await subscribe({ filter: { pathways: ['person'], eventTypes: ['INFORMATION_GIVEN'] } })];
    const { id } = await openCase();
    const responses = await Promise.all(Array.from({ length: 30 }, () => api.post(`/cases/${id}/events`, INFORMATION)));
    expect(responses.map((r) => r.status)).toEqual(Array(30).fill(200));

    const events = await t.dataSource.query<{ id: string; sequence: number }[]>(
      'SELECT id, sequence FROM case_events WHERE case_id = $1 AND sequence > 1 ORDER BY sequence',
      [id],
    );
    expect(events.map((e) => e.sequence)).toEqual(Array.from({ length: 30 }, (_, i) => i + 2));
    for (const sub of subs) {
      const rows = await t.dataSource.query<{ eventId: string; sequence: number; payloadSequence: number }[]>(
        `SELECT event_id AS "eventId", sequence, (payload->'data'->>'sequence')::int AS "payloadSequence"
         FROM webhook_deliveries WHERE subscription_id = $1 AND case_id = $2 AND event_type = 'INFORMATION_GIVEN' ORDER BY sequence`,
        [sub.id, id],
      );
      expect(rows.map((r) => r.sequence)).toEqual(events.map((e) => e.sequence));
      expect(rows.map((r) => r.eventId)).toEqual(events.map((e) => e.id));
      expect(rows.map((r) => r.payloadSequence)).toEqual(events.map((e) => e.sequence));
    }
  });

  it('accepts private and metadata addresses at creation (static checks only) and refuses them at delivery, class blocked, without connecting', async () => {
    const metadata = await subscribe({ url: 'http://169.254.169.254/latest/meta-data/' });
    const privateNet = await subscribe({ url: 'http://10.0.0.1/hook' });
    const control = await subscribe({ url: receiver.url('/allowed') });
    // A receiver on another loopback address (not in the allowlist): had a connection been made, it would count it.
    let trap: WebhookReceiver | null = null;
    try {
      trap = await WebhookReceiver.start({ host: '127.0.0.2' });
    } catch {
      // 127.0.0.2 is not bindable here (not Linux): the duration check below still shows no connection was tried.
    }
    const trapped = trap ? await subscribe({ url: trap.url() }) : null;
    try {
      await openCase();
      const t0 = clock.now().toISOString();
      expect(await tick()).toBe(trap ? 4 : 3);
      for (const sub of [metadata, privateNet, ...(trapped ? [trapped] : [])]) {
        const [d] = (await api.get(`/webhooks/subscriptions/${sub.id}/deliveries`)).body.items;
        expect(d).toMatchObject({ status: 'pending', attempts: 1, lastErrorClass: 'blocked', lastStatusCode: null });
        const [attempt] = (await api.get(`/webhooks/deliveries/${d.id}/attempts`)).body.items;
        expect(attempt).toMatchObject({ startedAt: t0, statusCode: null, errorClass: 'blocked', outcome: 'retrying', responseBody: '' });
        expect(attempt.error).toMatch(/not public/);
        // Refused before connecting: no connect or timeout could take this little.
        expect(attempt.durationMs).toBeLessThan(100);
      }
      if (trap) {
        expect(trap.connections).toBe(0);
        expect(trap.requests).toHaveLength(0);
      }
      // The allowlisted loopback receiver was delivered to.
      expect(receiver.requests.filter((r) => r.path === '/allowed')).toHaveLength(1);
      expect((await api.get(`/webhooks/subscriptions/${control.id}/deliveries`)).body.items[0].status).toBe('succeeded');
    } finally {
      await trap?.close();
    }
  });

  it('shows the backlog and the attempts by outcome on /metrics', async () => {
    const scrape = async () => {
      const res = await fetch(`${t.url}/metrics`, { headers: t.operator.headers });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
      const text = await res.text();
      const value = (name: string, labels = '') => {
        const line = text.split('\n').find((l) => l.startsWith(`${name}${labels} `) || (labels === '' && l.startsWith(`${name} `)));
        return line === undefined ? 0 : Number(line.split(' ').at(-1));
      };
      return {
        pending: value('percorsi_webhook_deliveries_pending'),
        paused: value('percorsi_webhook_deliveries_paused'),
        inFlight: value('percorsi_webhook_deliveries_in_flight'),
        oldest: value('percorsi_webhook_oldest_pending_age_seconds'),
        succeeded: value('percorsi_webhook_attempts_total', '{outcome="succeeded",error_class="none"}'),
        retrying: value('percorsi_webhook_attempts_total', '{outcome="retrying",error_class="http_status"}'),
        text,
      };
    };
    const empty = await scrape();
    expect(empty).toMatchObject({ pending: 0, paused: 0, inFlight: 0, oldest: 0 });

    const sub = await subscribe();
    await openCase();
    clock.advance(30_000);
    await openCase();
    await openCase();
    clock.advance(60_000);
    const before = await scrape();
    expect(before).toMatchObject({ pending: 3, paused: 0, inFlight: 0, oldest: 90 });

    receiver.enqueue({ status: 500 });
    expect(await tick()).toBe(3);
    const after = await scrape();
    expect(after.succeeded - before.succeeded).toBe(2);
    expect(after.retrying - before.retrying).toBe(1);
    expect(after.text).toMatch(/^percorsi_webhook_attempt_duration_seconds_count \d+$/m);
    // One left, waiting for its retry; still counted from its creation.
    expect(after).toMatchObject({ pending: 1, paused: 0, inFlight: 0 });
    expect([90, 60]).toContain(after.oldest);

    // Disabled: the one left is paused, not pending.
    await api.call('PATCH', `/webhooks/subscriptions/${sub.id}`, { enabled: false });
    expect(await scrape()).toMatchObject({ pending: 0, paused: 1, oldest: 0 });
  });

  it('answers invalid subscription requests with 400 problems, and unknown ids with 404', async () => {
    const cases: [string, unknown, string[]][] = [
      ['not a URL', { url: 'not a url' }, ['url']],
      ['not http(s)', { url: 'ftp://example.org/hook' }, ['url']],
      ['credentials in the URL', { url: 'https://user:secret@example.org/hook' }, ['url']],
      ['no URL', { description: 'x' }, ['url']],
      [
        'an unknown event in the filter',
        { url: 'https://example.org/hook', filter: { eventTypes: ['NOT_AN_EVENT'] } },
        ['filter.eventTypes'],
      ],
      [
        'an unknown service and pathway',
        { url: 'https://example.org/hook', filter: { services: ['Z9'], pathways: ['robot'] } },
        ['filter.pathways', 'filter.services'],
      ],
      ['an unknown filter field', { url: 'https://example.org/hook', filter: { kinds: [] } }, ['filter.kinds']],
      ['an unknown field', { url: 'https://example.org/hook', colour: 'red' }, ['colour']],
      ['a secret chosen by the client', { url: 'https://example.org/hook', secret: 'whsec_abc' }, ['secret']],
      ['an unknown ordering', { url: 'https://example.org/hook', ordering: 'random' }, ['ordering']],
    ];
    for (const [what, body, fields] of cases) {
      const res = await api.post('/webhooks/subscriptions', body);
      expectProblem(res, 400, 'VALIDATION_FAILED');
      expect({ what, fields: res.body.errors.map((e: any) => e.field).sort() }).toEqual({ what, fields });
    }
    expectProblem(await api.post('/webhooks/subscriptions', '{"url": '), 400, 'MALFORMED_JSON');
    expect((await api.get('/webhooks/subscriptions')).body.items).toEqual([]);

    const sub = await subscribe();
    const patch = await api.call('PATCH', `/webhooks/subscriptions/${sub.id}`, { enabled: 'yes', url: 'nope' });
    expectProblem(patch, 400, 'VALIDATION_FAILED');
    expect(patch.body.errors.map((e: any) => e.field).sort()).toEqual(['enabled', 'url']);
    expectProblem(await api.get(`/webhooks/subscriptions/${sub.id}/deliveries?status=lost`), 400, 'VALIDATION_FAILED');

    const unknown = `/webhooks/subscriptions/${UNKNOWN_ID}`;
    for (const res of [
      await api.get(unknown),
      await api.call('PATCH', unknown, { description: 'x' }),
      await api.call('DELETE', unknown),
      await api.post(`${unknown}/rotate-secret`, {}),
      await api.post(`${unknown}/test`),
      await api.get(`${unknown}/deliveries`),
      await api.post(`${unknown}/replay`, {}),
    ]) {
      expectProblem(res, 404, 'SUBSCRIPTION_NOT_FOUND');
    }
    expectProblem(await api.get(`/webhooks/deliveries/${UNKNOWN_ID}/attempts`), 404, 'DELIVERY_NOT_FOUND');
    const badId = await api.get('/webhooks/subscriptions/42');
    expectProblem(badId, 400, 'VALIDATION_FAILED');
    expect(badId.body.errors[0].field).toBe('path:id');
  });
});

describe('an https-only instance (PERCORSI_WEBHOOK_ALLOW_HTTP unset)', () => {
  let t: TestApp;
  let api: Client;

  beforeAll(async () => {
    t = await startTestApp({ env: { PERCORSI_WEBHOOK_DISPATCH: 'false' } });
    api = client(t.url);
  });
  afterAll(() => t.close());

  it('refuses an http URL at creation and in a PATCH, and accepts https', async () => {
    const refused = await api.post('/webhooks/subscriptions', { url: 'http://receiver.example.org/hook' });
    expectProblem(refused, 400, 'VALIDATION_FAILED');
    expect(refused.body.errors).toEqual([
      expect.objectContaining({ field: 'url', problem: 'format', message: expect.stringMatching(/https/) }),
    ]);

    const accepted = await api.post('/webhooks/subscriptions', { url: 'https://receiver.example.org/hook' });
    expect(accepted.status).toBe(201);
    const patched = await api.call('PATCH', `/webhooks/subscriptions/${accepted.body.id}`, { url: 'http://receiver.example.org/hook' });
    expectProblem(patched, 400, 'VALIDATION_FAILED');
    expect((await api.get(`/webhooks/subscriptions/${accepted.body.id}`)).body.url).toBe('https://receiver.example.org/hook');
  });
});
