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

  it('lists the office assignees: its enabled case workers by name; 404 for an office out of reach; 403 to a case manager', async () => {
    const analyst = await t.newOperator({ officeId: t.operator.officeId, roles: ['analyst'] });
    const listed = await api.get(`/offices/${t.operator.officeId}/assignees`);
    expect(listed.status).toBe(200);
    expect(listed.body.officeId).toBe(t.operator.officeId);
    const ids = listed.body.items.map((o: { id: string }) => o.id);
    expect(ids).toEqual(expect.arrayContaining([t.operator.id, colleague.id]));
    expect(ids).not.toContain(analyst.id);
    expect(ids).not.toContain(elsewhere.id);
    expect(listed.body.items.find((o: { id: string }) => o.id === colleague.id).roles).toEqual(['case_manager']);
    const names = listed.body.items.map((o: { name: string }) => o.name);
    expect(names).toEqual([...names].sort());
    // Each one is accepted by the assignment.
    const id = await open();
    for (const assigneeId of ids) expect((await api.post(`/cases/${id}/assignment`, { assigneeId })).status).toBe(200);
    const away = await api.get(`/offices/${elsewhere.officeId}/assignees`);
    expect([away.status, away.body.code]).toEqual([404, 'OFFICE_NOT_FOUND']);
    const bad = await api.get('/offices/not-a-uuid/assignees');
    expect([bad.status, bad.body.code]).toEqual([400, 'VALIDATION_FAILED']);
    expect((await client(t.url, colleague.headers).get(`/offices/${t.operator.officeId}/assignees`)).status).toBe(403);
  });

  it('takes If-Match: a stale assignment or transfer is 412 VERSION_CONFLICT and changes nothing', async () => {
    const id = await open();
    const stale = await api.post(`/cases/${id}/assignment`, { assigneeId: colleague.id }, { 'if-match': '"7"' });
    expect([stale.status, stale.body.code]).toEqual([412, 'VERSION_CONFLICT']);
    const moved = await api.post(`/cases/${id}/transfer`, { officeId: elsewhere.officeId, reason: 'x' }, { 'if-match': '"7"' });
    expect([moved.status, moved.body.code]).toEqual([412, 'VERSION_CONFLICT']);
    expect((await api.get(`/cases/${id}`)).body).toMatchObject({ version: 1, assignee: t.operator.id, officeId: t.operator.officeId });
    const current = await api.post(`/cases/${id}/assignment`, { assigneeId: colleague.id }, { 'if-match': '"1"' });
    expect([current.status, current.body.case.assignee]).toEqual([200, colleague.id]);
  });

  it('takes Idempotency-Key: a repeated assignment or transfer gets the first answer and records once', async () => {
    const id = await open();
    const headers = { 'idempotency-key': `assign-${id}`, 'if-match': '"1"' };
    const first = await api.post(`/cases/${id}/assignment`, { assigneeId: colleague.id }, headers);
    const again = await api.post(`/cases/${id}/assignment`, { assigneeId: colleague.id }, headers);
    expect([first.status, again.status, again.headers.get('idempotent-replayed')]).toEqual([200, 200, 'true']);
    expect(again.body).toEqual(first.body);
    expect(first.body.event.idempotencyKey).toBe(`assign-${id}`);
    // The same key for another request: refused.
    const reused = await api.post(`/cases/${id}/assignment`, { assigneeId: null }, { 'idempotency-key': `assign-${id}` });
    expect([reused.status, reused.body.code]).toEqual([422, 'IDEMPOTENCY_KEY_REUSED']);
    const transfer = { officeId: elsewhere.officeId, reason: 'Moved' };
    const moved = await api.post(`/cases/${id}/transfer`, transfer, { 'idempotency-key': `move-${id}` });
    const movedAgain = await api.post(`/cases/${id}/transfer`, transfer, { 'idempotency-key': `move-${id}` });
    expect([moved.status, movedAgain.status, movedAgain.headers.get('idempotent-replayed')]).toEqual([200, 200, 'true']);
    const types = (await client(t.url, elsewhere.headers).get(`/cases/${id}/history`)).body.events.map((e: { type: string }) => e.type);
    expect(types).toEqual(['CASE_OPENED', 'CASE_ASSIGNED', 'CASE_TRANSFERRED']);
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
