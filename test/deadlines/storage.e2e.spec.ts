import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { client, startTestApp, type Client, type TestApp } from '../support/test-app.js';
import { TestClock } from '../support/test-clock.js';
import { vatNumber } from '../support/subjects.js';
import { apply, openPerson, stored } from './deadline-cases.js';

/**
 * A person case's legal deadlines are written in the statement of the event that creates or
 * changes them (case_deadlines and cases.next_due_by), and GET /cases/:id shows them as they stand
 * today in Europe/Rome.
 */
describe('deadlines stored with the events', () => {
  let t: TestApp;
  let api: Client;
  // 10 January 2026, 10:00 in Rome.
  const clock = new TestClock(new Date('2026-01-10T09:00:00Z'));

  beforeAll(async () => {
    t = await startTestApp({ clock });
    api = client(t.url);
  });
  afterAll(() => t.close());

  it('none before the DID; the DID writes both, pending, and the next due day', async () => {
    const id = await openPerson(api);
    expect(await stored(t, id)).toEqual({ rows: [], nextDueBy: null });
    expect((await api.get(`/cases/${id}`)).body.deadlines).toEqual([]);
    await apply(api, id, [
      { type: 'INTAKE_SESSION_HELD', mode: 'individual', minutes: 30, at: '2026-01-05' },
      { type: 'REGISTRY_UPDATED', at: '2026-01-05' },
    ]);
    const did = await api.post(`/cases/${id}/events`, {
      type: 'DID_RECEIVED',
      didDate: '2026-01-05',
      deadlineGroup: 'other',
      at: '2026-01-05',
    });
    expect(did.status).toBe(200);
    // The event's response already shows them, as GET does.
    const expected = [
      { id: 'guidance_interview', dueBy: '2026-04-05', metAt: null, state: 'pending', daysLeft: 85 },
      { id: 'measure_proposal', dueBy: '2026-07-05', metAt: null, state: 'pending', daysLeft: 176 },
    ];
    expect(did.body.case.deadlines).toMatchObject(expected);
    expect((await api.get(`/cases/${id}`)).body.deadlines).toMatchObject(expected);
    expect((await api.get(`/cases/${id}`)).body.deadlines[0].text).toEqual({
      it: 'Colloquio di orientamento entro tre mesi',
      en: 'Orientation interview within three months',
    });
    expect(await stored(t, id)).toEqual({
      rows: [
        { id: 'guidance_interview', dueBy: '2026-04-05', state: 'pending', metAt: null, approachingAt: null, overdueAt: null },
        { id: 'measure_proposal', dueBy: '2026-07-05', state: 'pending', metAt: null, approachingAt: null, overdueAt: null },
      ],
      nextDueBy: '2026-04-05',
    });
  });

  it('a met deadline is met, with its date, and leaves the next due day to the other; closing waives the rest', async () => {
    const id = await openPerson(api, { date: '2026-01-05', group: 'priority' });
    expect((await stored(t, id)).nextDueBy).toBe('2026-04-05');
    await apply(api, id, [{ type: 'GUIDANCE_SESSION_HELD', mode: 'individual', minutes: 60, at: '2026-01-08' }]);
    expect(await stored(t, id)).toEqual({
      rows: [
        {
          id: 'guidance_interview',
          dueBy: '2026-04-05',
          state: 'met',
          metAt: '2026-01-08T00:00:00.000Z',
          approachingAt: null,
          overdueAt: null,
        },
        // Priority group: four months.
        { id: 'measure_proposal', dueBy: '2026-05-05', state: 'pending', metAt: null, approachingAt: null, overdueAt: null },
      ],
      nextDueBy: '2026-05-05',
    });
    expect((await api.get(`/cases/${id}`)).body.deadlines).toMatchObject([
      { id: 'guidance_interview', state: 'met', metAt: '2026-01-08', daysLeft: null },
      { id: 'measure_proposal', state: 'pending', daysLeft: 115 },
    ]);
    await apply(api, id, [{ type: 'WITHDRAWN', reason: 'Moved abroad', at: '2026-01-09' }]);
    expect(await stored(t, id)).toMatchObject({
      rows: [
        { id: 'guidance_interview', state: 'met' },
        { id: 'measure_proposal', state: 'waived', metAt: null },
      ],
      nextDueBy: null,
    });
    expect((await api.get(`/cases/${id}`)).body.deadlines).toMatchObject([
      { id: 'guidance_interview', state: 'met', daysLeft: null },
      { id: 'measure_proposal', state: 'waived', daysLeft: null },
    ]);
  });

  it('an assignment or a transfer leaves them as they are', async () => {
    const id = await openPerson(api, { date: '2026-01-05' });
    const before = await stored(t, id);
    const other = await t.newOperator({ roles: ['case_manager', 'supervisor'] });
    expect((await api.post(`/cases/${id}/assignment`, { assigneeId: null })).status).toBe(200);
    expect((await api.post(`/cases/${id}/transfer`, { officeId: other.officeId, reason: 'Moved' })).status).toBe(200);
    expect(await stored(t, id)).toEqual(before);
  });

  it('employer cases have none', async () => {
    const res = await api.post('/cases', { pathway: 'employer', subject: vatNumber() });
    expect(res.status).toBe(201);
    await apply(api, res.body.id, [{ type: 'COMPANY_CONTACTED', channel: 'phone', at: '2026-01-09' }]);
    expect(await stored(t, res.body.id)).toEqual({ rows: [], nextDueBy: null });
    expect((await api.get(`/cases/${res.body.id}`)).body.deadlines).toBeUndefined();
  });
});
