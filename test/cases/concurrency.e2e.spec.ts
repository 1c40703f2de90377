import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { replayHistory, type PathwayName } from '../../machines/index.js';
import { ACT_DATE } from '../../machines/testing/case-factory.js';
import { CaseService } from '../../src/cases/case.service.js';
import { aCaseInGuidance, GUIDANCE } from '../support/repeatable-cases.js';
import { client, startTestApp, type Client, type TestApp } from '../support/test-app.js';
import { vatNumber } from '../support/subjects.js';

/** Rebuilds a case from its history alone: CASE_OPENED's input, then each stored event (the shared replay). */
function replay(pathway: PathwayName, events: { sequence: number; type: string; payload: Record<string, unknown> }[]) {
  expect(events[0]).toMatchObject({ sequence: 1, type: 'CASE_OPENED' });
  return replayHistory({ pathway, events }).at(-1)!;
}

describe('concurrent writers on one case', () => {
  let t: TestApp;
  let api: Client;

  beforeAll(async () => {
    t = await startTestApp();
    api = client(t.url);
  });
  afterAll(() => t.close());

  it('applies 50 concurrent events with a gapless history, and the row equals a replay of it', async () => {
    const id = await aCaseInGuidance(api);
    const before = (await api.get(`/cases/${id}`)).body.version as number;
    const responses = await Promise.all(Array.from({ length: 50 }, () => api.post(`/cases/${id}/events`, GUIDANCE)));
    expect(responses.map((r) => r.status)).toEqual(Array(50).fill(200));
    // Each response names a distinct sequence: no two writers saw the same version.
    const sequences = responses.map((r) => r.body.event.sequence as number).sort((a, b) => a - b);
    expect(sequences).toEqual(Array.from({ length: 50 }, (_, i) => before + 1 + i));

    const row = (await api.get(`/cases/${id}`)).body;
    expect(row.version).toBe(before + 50);
    const history = (await api.get(`/cases/${id}/history`)).body.events;
    expect(history.map((e: { sequence: number }) => e.sequence)).toEqual(Array.from({ length: before + 50 }, (_, i) => i + 1));
    expect(history.filter((e: { type: string }) => e.type === 'GUIDANCE_SESSION_HELD')).toHaveLength(50);
    expect(row.context.services.A3.sessions).toHaveLength(50);

    const rebuilt = replay('person', history);
    expect(rebuilt.value).toEqual(row.state);
    expect(rebuilt.context).toEqual(row.context);
    const [stored] = await t.dataSource.query<{ snapshot: unknown }[]>('SELECT snapshot FROM cases WHERE id = $1', [id]);
    expect(stored.snapshot).toEqual(rebuilt);
  });

  it('with If-Match, exactly one of the racing writers wins and the others get 412', async () => {
    const id = await aCaseInGuidance(api);
    const version = (await api.get(`/cases/${id}`)).body.version as number;
    const responses = await Promise.all(
      Array.from({ length: 10 }, () => api.post(`/cases/${id}/events`, GUIDANCE, { 'If-Match': `"${version}"` })),
    );
    const statuses = responses.map((r) => r.status).sort();
    expect(statuses).toEqual([200, ...Array(9).fill(412)]);
    for (const r of responses.filter((x) => x.status === 412))
      expect(r.body).toMatchObject({ code: 'VERSION_CONFLICT', currentVersion: version + 1 });
    expect((await api.get(`/cases/${id}`)).body.version).toBe(version + 1);
  });

  it('applies the same Idempotency-Key sent 20 times at once only once, and answers all 20 alike', async () => {
    const id = await aCaseInGuidance(api);
    const before = (await api.get(`/cases/${id}`)).body.version as number;
    const eventsBefore = (await t.counts()).events;
    const responses = await Promise.all(
      Array.from({ length: 20 }, () => api.post(`/cases/${id}/events`, GUIDANCE, { 'Idempotency-Key': 'guidance-1' })),
    );
    expect(responses.map((r) => r.status)).toEqual(Array(20).fill(200));
    for (const r of responses) expect(r.body).toEqual(responses[0].body);
    expect(responses.filter((r) => r.headers.get('idempotent-replayed') === 'true')).toHaveLength(19);
    expect(new Set(responses.map((r) => r.headers.get('etag')))).toEqual(new Set([`"${before + 1}"`]));
    expect((await api.get(`/cases/${id}`)).body.version).toBe(before + 1);
    expect((await t.counts()).events).toBe(eventsBefore + 1);

    // Later retries still get the first answer; the same key with another body is refused.
    const later = await api.post(`/cases/${id}/events`, GUIDANCE, { 'Idempotency-Key': 'guidance-1' });
    expect(later.body).toEqual(responses[0].body);
    const reused = await api.post(`/cases/${id}/events`, { ...GUIDANCE, minutes: 90 }, { 'Idempotency-Key': 'guidance-1' });
    expect(reused.status).toBe(422);
    expect(reused.body.code).toBe('IDEMPOTENCY_KEY_REUSED');
    expect((await api.get(`/cases/${id}`)).body.version).toBe(before + 1);
  });

  it('opens one case for the same Idempotency-Key sent 20 times at once', async () => {
    const before = await t.counts();
    const body = { pathway: 'employer', subject: vatNumber() };
    const responses = await Promise.all(Array.from({ length: 20 }, () => api.post('/cases', body, { 'Idempotency-Key': 'open-parma-1' })));
    expect(responses.map((r) => r.status)).toEqual(Array(20).fill(201));
    expect(new Set(responses.map((r) => r.body.id)).size).toBe(1);
    expect(new Set(responses.map((r) => r.headers.get('location')))).toEqual(new Set([`/cases/${responses[0].body.id}`]));
    const after = await t.counts();
    expect(after).toEqual({ cases: before.cases + 1, events: before.events + 1, keys: before.keys + 1 });
  });

  it('keeps idempotency keys apart per case and per operator', async () => {
    const [a, b] = [await aCaseInGuidance(api), await aCaseInGuidance(api)];
    const onA = await api.post(`/cases/${a}/events`, GUIDANCE, { 'Idempotency-Key': 'k' });
    const onB = await api.post(`/cases/${b}/events`, GUIDANCE, { 'Idempotency-Key': 'k' });
    expect([onA.status, onB.status]).toEqual([200, 200]);
    expect(onB.headers.get('idempotent-replayed')).toBeNull();
    // Another operator of the same office with the same key: their own key, applied, not a replay of the first.
    const colleague = await t.newOperator({ officeId: t.operator.officeId });
    const otherOperator = await api.post(`/cases/${a}/events`, GUIDANCE, { 'Idempotency-Key': 'k', ...colleague.headers });
    expect(otherOperator.status).toBe(200);
    expect(otherOperator.headers.get('idempotent-replayed')).toBeNull();
    expect(otherOperator.body.event.actor).toMatchObject({ id: colleague.id });
  });

  it('falls back to locking the row when optimistic attempts keep losing, without losing an update', async () => {
    // 30 writers on one case force more than three lost races for some of them.
    const id = await aCaseInGuidance(api);
    const before = (await api.get(`/cases/${id}`)).body.version as number;
    const { lockedWrites } = t.app.get(CaseService).contention;
    const responses = await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        api.post(`/cases/${id}/events`, i % 2 ? GUIDANCE : { type: 'INFORMATION_GIVEN', referral: 'external', at: ACT_DATE }),
      ),
    );
    expect(responses.filter((r) => r.status !== 200).map((r) => r.body)).toEqual([]);
    const history = (await api.get(`/cases/${id}/history?after=${before}`)).body.events;
    expect(history.map((e: { sequence: number }) => e.sequence)).toEqual(Array.from({ length: 30 }, (_, i) => before + 1 + i));
    expect(t.app.get(CaseService).contention.lockedWrites).toBeGreaterThan(lockedWrites);
  });
});
