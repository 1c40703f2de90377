import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { CaseFeed } from '../../src/cases/case-feed.js';
import { processesOnOneDatabase } from '../support/service-process.js';
import { openSse, transitions, type SseStream } from '../support/sse-client.js';
import { aCaseInGuidance, GUIDANCE } from '../support/repeatable-cases.js';
import { client, startTestApp, type Client, type TestApp } from '../support/test-app.js';
import { taxCode, vatNumber } from '../support/subjects.js';

/** The parts of a case view that do not depend on the reading time. */
const stable = (view: any) => ({ ...view, deadlines: undefined });

describe('GET /cases/:id/stream', () => {
  let t: TestApp;
  let api: Client;
  const open: SseStream[] = [];
  const sse = async (path: string, headers?: Record<string, string>) => {
    const stream = await openSse(`${t.url}${path}`, headers);
    open.push(stream);
    return stream;
  };

  beforeAll(async () => {
    t = await startTestApp();
    api = client(t.url);
  });
  afterEach(() => {
    for (const stream of open.splice(0)) stream.close();
  });
  afterAll(() => t.close());

  it('starts with the case, then sends a posted event as a transition with its sequence', async () => {
    const id = (await api.post('/cases', { pathway: 'person', subject: taxCode() })).body.id as string;
    const stream = await sse(`/cases/${id}/stream`);
    expect(stream.status).toBe(200);
    expect(stream.headers.get('content-type')).toMatch(/^text\/event-stream/);
    expect(stream.headers.get('cache-control')).toBe('no-cache');
    expect(stream.headers.get('x-accel-buffering')).toBe('no');
    const [first] = await stream.waitFor((m) => m.length >= 1);
    expect(stream.retry).toBe(2000);
    expect(first).toMatchObject({ event: 'case', id: '1' });
    expect(stable(first.json.case)).toEqual(stable((await api.get(`/cases/${id}`)).body));

    const posted = await api.post(`/cases/${id}/events`, { type: 'INFORMATION_GIVEN', referral: 'A2' });
    expect(posted.status).toBe(200);
    await stream.waitFor((m) => transitions(m).length >= 1);
    const [transition] = transitions(stream.messages);
    expect(transition.id).toBe('2');
    const history = (await api.get(`/cases/${id}/history`)).body.events;
    expect(transition.json.event).toEqual(history[1]);
    expect(stable(transition.json.case)).toEqual(stable(posted.body.case));
  });

  it('delivers 20 concurrent events once each, in sequence order, each with the case as it was after it', async () => {
    const id = await aCaseInGuidance(api);
    const stream = await sse(`/cases/${id}/stream`);
    await stream.waitFor((m) => m.length >= 1);
    expect(stream.messages[0].id).toBe('6');
    const responses = await Promise.all(Array.from({ length: 20 }, () => api.post(`/cases/${id}/events`, GUIDANCE)));
    expect(responses.map((r) => r.status)).toEqual(Array(20).fill(200));
    await stream.waitFor((m) => transitions(m).length >= 20);
    // One more afterwards: nothing of the burst comes again before it.
    expect((await api.post(`/cases/${id}/events`, GUIDANCE)).status).toBe(200);
    await stream.waitFor((m) => transitions(m).some((x) => x.id === '27'));
    const sent = transitions(stream.messages);
    expect(sent.map((m) => Number(m.id))).toEqual(Array.from({ length: 21 }, (_, i) => 7 + i));
    for (const m of sent) {
      expect(m.json.event.sequence).toBe(Number(m.id));
      expect(m.json.case.version).toBe(Number(m.id));
      expect(m.json.case.context.services.A3.sessions).toHaveLength(Number(m.id) - 6);
    }
    const byId = new Map(responses.map((r) => [r.body.event.sequence as number, r.body]));
    for (const m of sent.slice(0, 20)) {
      expect(m.json.event).toEqual(byId.get(Number(m.id))!.event);
      expect(stable(m.json.case)).toEqual(stable(byId.get(Number(m.id))!.case));
    }
  });

  it('resumes after Last-Event-ID (header or query): the missed transitions first, then live ones', async () => {
    const id = await aCaseInGuidance(api);
    const history = (await api.get(`/cases/${id}/history`)).body.events;
    const resumed = await sse(`/cases/${id}/stream`, { 'Last-Event-ID': '3' });
    await resumed.waitFor((m) => m.length >= 3);
    expect(resumed.messages.map((m) => [m.event, m.id])).toEqual([
      ['transition', '4'],
      ['transition', '5'],
      ['transition', '6'],
    ]);
    expect(resumed.messages.map((m) => m.json.event)).toEqual(history.slice(3));
    expect(resumed.messages.map((m) => m.json.case.state)).toEqual(history.slice(3).map((e: any) => e.stateAfter));
    expect((await api.post(`/cases/${id}/events`, GUIDANCE)).status).toBe(200);
    await resumed.waitFor((m) => m.some((x) => x.id === '7'));
    expect(transitions(resumed.messages).map((m) => m.id)).toEqual(['4', '5', '6', '7']);

    const fromStart = await sse(`/cases/${id}/stream?lastEventId=0`);
    await fromStart.waitFor((m) => m.length >= 7);
    expect(fromStart.messages.map((m) => m.id)).toEqual(['1', '2', '3', '4', '5', '6', '7']);
    expect(fromStart.messages[0].json.event.type).toBe('CASE_OPENED');
    expect(fromStart.messages.map((m) => m.json.case.version)).toEqual([1, 2, 3, 4, 5, 6, 7]);

    // A Last-Event-ID beyond the case (another case's, say) starts afresh with the case.
    const beyond = await sse(`/cases/${id}/stream`, { 'Last-Event-ID': '99' });
    await beyond.waitFor((m) => m.length >= 1);
    expect(beyond.messages[0]).toMatchObject({ event: 'case', id: '7' });
  });

  it('answers 404 and 400 as problems, before any stream byte', async () => {
    const unknown = await sse('/cases/00000000-0000-4000-8000-000000000000/stream');
    expect(unknown.status).toBe(404);
    expect(unknown.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(unknown.body).toMatchObject({ code: 'CASE_NOT_FOUND' });
    const bad = await sse('/cases/not-a-uuid/stream');
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ code: 'VALIDATION_FAILED' });
    const id = (await api.post('/cases', { pathway: 'employer', subject: vatNumber() })).body.id as string;
    const badResume = await sse(`/cases/${id}/stream`, { 'Last-Event-ID': 'seven' });
    expect(badResume.status).toBe(400);
    expect(badResume.body).toMatchObject({ code: 'VALIDATION_FAILED', errors: [{ field: 'header:Last-Event-ID' }] });
    const inspection = await sse('/cases/00000000-0000-4000-8000-000000000000/inspection');
    expect(inspection.status).toBe(404);
    expect(t.app.get(CaseFeed).openStreams).toBe(0);
  });

  it('streams practice cases too', async () => {
    const id = (await api.post('/cases', { pathway: 'person', subject: taxCode(), practice: true })).body.id as string;
    const stream = await sse(`/cases/${id}/stream`);
    await stream.waitFor((m) => m.length >= 1);
    expect(stream.messages[0].json.case.practice).toBe(true);
    expect((await api.post(`/cases/${id}/events`, { type: 'INFORMATION_GIVEN', referral: 'A2' })).status).toBe(200);
    await stream.waitFor((m) => transitions(m).length >= 1);
    expect(transitions(stream.messages)[0].json.event.type).toBe('INFORMATION_GIVEN');
  });

  it('catches up through the poll when a commit is not signalled (a writer that died before its NOTIFY)', async () => {
    const id = (await api.post('/cases', { pathway: 'person', subject: taxCode() })).body.id as string;
    const stream = await sse(`/cases/${id}/stream`);
    await stream.waitFor((m) => m.length >= 1);
    const feed = t.app.get(CaseFeed);
    const committed = feed.committed.bind(feed);
    feed.committed = () => undefined;
    try {
      expect((await api.post(`/cases/${id}/events`, { type: 'INFORMATION_GIVEN', referral: 'A2' })).status).toBe(200);
      await stream.waitFor((m) => transitions(m).length >= 1);
    } finally {
      feed.committed = committed;
    }
    expect(transitions(stream.messages).map((m) => m.id)).toEqual(['2']);
  });

  it('sends the case as XState inspection events on /inspection', async () => {
    const id = (await api.post('/cases', { pathway: 'person', subject: taxCode() })).body.id as string;
    const stream = await sse(`/cases/${id}/inspection`);
    await stream.waitFor((m) => m.length >= 3);
    const [actor, init, snapshot] = stream.messages.map((m) => m.json);
    expect(stream.messages.every((m) => m.event === null)).toBe(true);
    expect(actor).toMatchObject({
      type: '@xstate.actor',
      sessionId: id,
      rootId: id,
      name: 'person',
      _version: expect.any(String),
      createdAt: expect.stringMatching(/^\d+$/),
    });
    expect(JSON.parse(actor.definition)).toMatchObject({ id: 'person', initial: 'open' });
    expect(init).toMatchObject({ type: '@xstate.event', sessionId: id, event: { type: 'xstate.init' } });
    const current = (await api.get(`/cases/${id}`)).body;
    expect(snapshot).toMatchObject({
      type: '@xstate.snapshot',
      sessionId: id,
      snapshot: { value: current.state, context: current.context, status: 'active' },
    });
    expect(stream.messages[2].id).toBe('1');

    const posted = await api.post(`/cases/${id}/events`, { type: 'INFORMATION_GIVEN', referral: 'A2' });
    expect(posted.status).toBe(200);
    await stream.waitFor((m) => m.length >= 5);
    const [event, after] = stream.messages.slice(3);
    expect(event.json).toMatchObject({
      type: '@xstate.event',
      sessionId: id,
      rootId: id,
      sourceId: `operator:${t.operator.id}`,
      event: posted.body.event.payload,
    });
    expect(after.json).toMatchObject({
      type: '@xstate.snapshot',
      sessionId: id,
      event: { type: 'INFORMATION_GIVEN' },
      snapshot: { value: posted.body.case.state, context: posted.body.case.context },
    });
    expect(after.id).toBe('2');

    // Resumed: the actor again, then the pairs after Last-Event-ID.
    const resumed = await sse(`/cases/${id}/inspection?lastEventId=0`);
    await resumed.waitFor((m) => m.length >= 5);
    expect(resumed.messages.map((m) => m.json.type)).toEqual([
      '@xstate.actor',
      '@xstate.event',
      '@xstate.snapshot',
      '@xstate.event',
      '@xstate.snapshot',
    ]);
    expect(resumed.messages[1].json.event.type).toBe('CASE_OPENED');
    expect(resumed.messages[4].json.snapshot.value).toEqual(posted.body.case.state);
  });
});

describe('GET /cases/:id/replay', () => {
  let t: TestApp;
  let api: Client;

  beforeAll(async () => {
    t = await startTestApp();
    api = client(t.url);
  });
  afterAll(() => t.close());

  it('gives the case after each event: the last step is the case now, an earlier one the state it had then', async () => {
    const id = await aCaseInGuidance(api);
    expect((await api.post(`/cases/${id}/events`, GUIDANCE)).status).toBe(200);
    const current = (await api.get(`/cases/${id}`)).body;
    const history = (await api.get(`/cases/${id}/history`)).body.events;
    const replay = await api.get(`/cases/${id}/replay`);
    expect(replay.status).toBe(200);
    expect(replay.body).toMatchObject({ caseId: id, pathway: 'person', version: 7 });
    expect(replay.body.steps.map((s: any) => s.sequence)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    const last = replay.body.steps.at(-1);
    expect(last).toMatchObject({ type: 'GUIDANCE_SESSION_HELD', status: current.status, state: current.state, services: current.services });
    // The same active paths (their order follows the keys of the state value, which jsonb reorders).
    expect([...last.statePaths].sort()).toEqual([...current.statePaths].sort());
    expect(last.context).toEqual(current.context);
    expect(replay.body.steps.map((s: any) => s.state)).toEqual(history.map((e: any) => e.stateAfter));
    expect(replay.body.steps.map((s: any) => [s.payload, s.actor, s.occurredAt, s.recordedAt])).toEqual(
      history.map((e: any) => [e.payload, e.actor, e.occurredAt, e.recordedAt]),
    );
    const opening = replay.body.steps[0];
    expect(opening.state).not.toEqual(current.state);
    expect(opening.services.A2).toBe('not_started');
    expect(last.services.A2).not.toBe('not_started');

    const upTo = await api.get(`/cases/${id}/replay?upTo=2`);
    expect(upTo.body.steps.map((s: any) => s.sequence)).toEqual([1, 2]);
    expect(upTo.body.version).toBe(7);
  });

  it('answers 404 for an unknown case, 400 for a bad id or upTo, 409 for a history that does not replay', async () => {
    expect((await api.get('/cases/00000000-0000-4000-8000-000000000000/replay')).body).toMatchObject({
      status: 404,
      code: 'CASE_NOT_FOUND',
    });
    expect((await api.get('/cases/nope/replay')).body).toMatchObject({ status: 400, code: 'VALIDATION_FAILED' });
    const id = await aCaseInGuidance(api);
    expect((await api.get(`/cases/${id}/replay?upTo=0`)).body).toMatchObject({ status: 400, errors: [{ field: 'query:upTo' }] });
    // A stored event the machine now refuses (here: tampered with).
    await t.dataSource.query(
      `UPDATE case_events SET payload = jsonb_set(payload, '{type}', '"PAI_SIGNED"') WHERE case_id = $1 AND sequence = 3`,
      [id],
    );
    const refused = await api.get(`/cases/${id}/replay`);
    expect(refused.status).toBe(409);
    expect(refused.body).toMatchObject({ code: 'CASE_HISTORY_NOT_REPLAYABLE', sequence: 3 });
    await t.dataSource.query(`UPDATE cases SET machine_version = 'old' WHERE id = $1`, [id]);
    expect((await api.get(`/cases/${id}/replay`)).body).toMatchObject({ status: 409, code: 'CASE_MACHINE_OUTDATED' });
  });
});

describe('stream limits and shutdown', () => {
  it('refuses streams beyond PERCORSI_MAX_STREAMS with 503 TOO_MANY_STREAMS, and takes them again once one closes', async () => {
    const t = await startTestApp({ env: { PERCORSI_MAX_STREAMS: '2' } });
    const streams: SseStream[] = [];
    try {
      const api = client(t.url);
      const id = (await api.post('/cases', { pathway: 'employer', subject: vatNumber() })).body.id as string;
      for (let i = 0; i < 2; i++) {
        const s = await openSse(`${t.url}/cases/${id}/stream`);
        streams.push(s);
        expect(s.status).toBe(200);
      }
      const third = await openSse(`${t.url}/cases/${id}/inspection`);
      expect(third.status).toBe(503);
      expect(third.body).toMatchObject({ code: 'TOO_MANY_STREAMS', maxStreams: 2 });
      expect(third.headers.get('retry-after')).toBe('10');
      streams.shift()!.close();
      // The server sees the disconnection a moment later.
      let again: SseStream | null = null;
      for (let attempt = 0; attempt < 100 && again?.status !== 200; attempt++) {
        if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, 100));
        again = await openSse(`${t.url}/cases/${id}/stream`);
        if (again.status === 200) streams.push(again);
      }
      expect(again?.status).toBe(200);
    } finally {
      for (const s of streams) s.close();
      await t.close();
    }
  });

  it('app.close() ends the open streams instead of hanging on them', async () => {
    const t = await startTestApp();
    const api = client(t.url);
    const id = (await api.post('/cases', { pathway: 'person', subject: taxCode() })).body.id as string;
    const stream = await openSse(`${t.url}/cases/${id}/stream`);
    const inspection = await openSse(`${t.url}/cases/${id}/inspection`);
    await stream.waitFor((m) => m.length >= 1);
    await inspection.waitFor((m) => m.length >= 3);
    await t.close();
    expect(await stream.ended).toBe('ended');
    expect(await inspection.ended).toBe('ended');
    expect(t.app.get(CaseFeed).openStreams).toBe(0);
  });
});

// Two processes on one database: only PostgreSQL has more than one connection (and NOTIFY). On the
// embedded database there is one process, so this test exists on PostgreSQL only (not skipped).
if (process.env.DATABASE_URL) {
  describe('case streams across replicas (PostgreSQL)', () => {
    const processes = processesOnOneDatabase();

    it('an event posted to replica B reaches a stream open on replica A, and the stream ends cleanly on SIGTERM', async () => {
      const a = await processes.start();
      const b = await processes.start();
      const id = (await client(a.url).post('/cases', { pathway: 'person', subject: taxCode() })).body.id as string;
      const stream = await openSse(`${a.url}/cases/${id}/stream`);
      const inspection = await openSse(`${a.url}/cases/${id}/inspection`);
      await stream.waitFor((m) => m.length >= 1);

      const posted = await client(b.url).post(`/cases/${id}/events`, { type: 'INFORMATION_GIVEN', referral: 'A2' });
      expect(posted.status).toBe(200);
      await stream.waitFor((m) => transitions(m).length >= 1);
      expect(transitions(stream.messages)[0]).toMatchObject({ id: '2', json: { event: { id: posted.body.event.id, sequence: 2 } } });
      await inspection.waitFor((m) => m.some((x) => x.id === '2'));
      expect(inspection.messages.at(-1)!.json).toMatchObject({ type: '@xstate.snapshot', snapshot: { value: posted.body.case.state } });

      // A burst on B: all of it, in order, on A.
      const burst = await Promise.all(
        Array.from({ length: 5 }, (_, i) =>
          client(b.url).post(`/cases/${id}/events`, { type: 'INFORMATION_GIVEN', referral: 'A2', at: `2026-0${i + 1}-01` }),
        ),
      );
      expect(burst.map((r) => r.status)).toEqual(Array(5).fill(200));
      await stream.waitFor((m) => transitions(m).length >= 6);
      expect(transitions(stream.messages).map((m) => m.id)).toEqual(['2', '3', '4', '5', '6', '7']);

      expect(await a.stop()).toEqual({ code: 0, signal: null });
      expect(await stream.ended).toBe('ended');
    }, 90_000);
  });
}
