import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { client, startTestApp, type Client, type TestApp, type TestOperator } from '../support/test-app.js';
import { taxCode } from '../support/subjects.js';

/** Assignment and transfer (supervisors): record keeping in the history, which the machine does not see. */
describe('assigning and transferring a case', () => {
  let t: TestApp;
  let api: Client;
  let colleague: TestOperator;
  let elsewhere: TestOperator;

  beforeAll(async () => {
    t = await startTestApp();
    api = client(t.url);
    colleague = await t.newOperator({ officeId: t.operator.officeId, roles: ['case_manager'] });
    elsewhere = await t.newOperator({ roles: ['case_manager', 'supervisor'] });
  });
  afterAll(() => t.close());

  const open = async () => (await api.post('/cases', { pathway: 'person', subject: taxCode() })).body.id as string;

  it('assigns to an operator of the case office, records CASE_ASSIGNED, and scope=mine follows it', async () => {
    const id = await open();
    expect((await api.get(`/cases/${id}`)).body.assignee).toBe(t.operator.id);
    const assigned = await api.post(`/cases/${id}/assignment`, { assigneeId: colleague.id });
    expect(assigned.status).toBe(200);
    expect(assigned.body.case).toMatchObject({ assignee: colleague.id, version: 2 });
    expect(assigned.body.event).toMatchObject({
      type: 'CASE_ASSIGNED',
      payload: { assigneeId: colleague.id, previousAssigneeId: t.operator.id },
      actor: { id: t.operator.id },
    });
    // The machine's state is unchanged; the replay steps over the record.
    expect(assigned.body.event.stateAfter).toEqual(assigned.body.event.stateBefore);
    expect((await api.get(`/cases/${id}/replay`)).body.steps.map((s: { type: string }) => s.type)).toEqual([
      'CASE_OPENED',
      'CASE_ASSIGNED',
    ]);
    const mine = async (who: Record<string, string>) =>
      (await client(t.url, who).get('/cases?scope=mine&limit=200')).body.items.map((c: { id: string }) => c.id);
    expect(await mine(colleague.headers)).toContain(id);
    expect(await mine(t.operator.headers)).not.toContain(id);
  });

  it('refuses an assignee who does not work in the case office, or is no case worker, and changes nothing', async () => {
    const id = await open();
    for (const assigneeId of [elsewhere.id, '00000000-0000-4000-8000-000000000000']) {
      const refused = await api.post(`/cases/${id}/assignment`, { assigneeId });
      expect(refused.status).toBe(400);
      expect(refused.body.errors.map((e: { field: string }) => e.field)).toEqual(['assigneeId']);
    }
    expect((await api.get(`/cases/${id}`)).body).toMatchObject({ version: 1, assignee: t.operator.id });
    // A case manager is not a supervisor.
    expect((await client(t.url, colleague.headers).post(`/cases/${id}/assignment`, { assigneeId: null })).status).toBe(403);
  });

  it('transfers to another office: CASE_TRANSFERRED with from, to and reason; unassigned; out of the old office reach', async () => {
    const id = await open();
    const moved = await api.post(`/cases/${id}/transfer`, { officeId: elsewhere.officeId, reason: 'Moved to Torino' });
    expect(moved.status).toBe(200);
    expect(moved.body.case).toMatchObject({ officeId: elsewhere.officeId, assignee: null });
    expect(moved.body.event.payload).toMatchObject({
      type: 'CASE_TRANSFERRED',
      fromOfficeId: t.operator.officeId,
      toOfficeId: elsewhere.officeId,
      reason: 'Moved to Torino',
      previousAssigneeId: t.operator.id,
    });
    expect((await api.get(`/cases/${id}`)).status).toBe(404);
    const there = client(t.url, elsewhere.headers);
    expect((await there.get(`/cases/${id}/history`)).body.events.map((e: { type: string }) => e.type)).toEqual([
      'CASE_OPENED',
      'CASE_TRANSFERRED',
    ]);
    // The machine goes on where it was.
    expect((await there.post(`/cases/${id}/events`, { type: 'INFORMATION_GIVEN', referral: 'A2' })).status).toBe(200);
    // To the office it is already in: refused.
    const same = await there.post(`/cases/${id}/transfer`, { officeId: elsewhere.officeId, reason: 'again' });
    expect([same.status, same.body.errors?.[0]?.field]).toEqual([400, 'officeId']);
  });

  it('records every one of concurrent assignments, each at its own version', async () => {
    const id = await open();
    const answers = await Promise.all(
      Array.from({ length: 12 }, (_, i) => api.post(`/cases/${id}/assignment`, { assigneeId: i % 2 ? colleague.id : t.operator.id })),
    );
    expect(answers.map((a) => a.status)).toEqual(Array(12).fill(200));
    expect(new Set(answers.map((a) => a.body.case.version))).toEqual(new Set(Array.from({ length: 12 }, (_, i) => i + 2)));
    expect((await api.get(`/cases/${id}`)).body.version).toBe(13);
  });
});
