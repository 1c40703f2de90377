import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { DeadlineScheduler } from '../../src/cases/deadline-scheduler.worker.js';
import { WebhookDispatcher } from '../../src/webhooks/webhook-dispatcher.worker.js';
import { WebhookReceiver } from '../support/webhook-receiver.js';
import { client, startTestApp, type Client, type TestApp } from '../support/test-app.js';
import { TestClock } from '../support/test-clock.js';
import { apply, openPerson, stored } from './deadline-cases.js';

/**
 * The deadline scheduler with a test clock: DEADLINE_APPROACHING (15 days ahead) and
 * DEADLINE_OVERDUE (the day after the due day) recorded once each, never early, as the system, with
 * webhooks; days counted in Europe/Rome across both DST changes of 2026.
 */
describe('the deadline scheduler', () => {
  let t: TestApp;
  let api: Client;
  let receiver: WebhookReceiver;
  // 30 December 2025: the DIDs of 29 December make the guidance interview due on 29 March 2026,
  // the day Italy moves to summer time.
  const clock = new TestClock(new Date('2025-12-30T10:00:00Z'));
  const ids: Record<'due' | 'met' | 'closed' | 'practice', string> = { due: '', met: '', closed: '', practice: '' };

  const scan = () => t.app.get(DeadlineScheduler).scanOnce();
  const systemEvents = async (id: string) =>
    (await api.get(`/cases/${id}/history?limit=200`)).body.events.filter((e: { type: string }) => e.type.startsWith('DEADLINE_'));
  const notices = async (id: string) =>
    (await systemEvents(id)).map((e: { type: string; payload: { deadlineId: string } }) => `${e.type} ${e.payload.deadlineId}`);

  beforeAll(async () => {
    receiver = await WebhookReceiver.start();
    // No background scan: the test scans when its clock says.
    t = await startTestApp({
      clock,
      env: {
        PERCORSI_DEADLINE_SCAN_SECONDS: '0',
        PERCORSI_WEBHOOK_DISPATCH: 'false',
        PERCORSI_WEBHOOK_ALLOWLIST: '127.0.0.1',
        PERCORSI_WEBHOOK_ALLOW_HTTP: 'true',
      },
    });
    api = client(t.url);
    const subscribed = await api.post('/webhooks/subscriptions', {
      url: receiver.url('/deadlines'),
      filter: { eventTypes: ['DEADLINE_APPROACHING', 'DEADLINE_OVERDUE'] },
    });
    expect(subscribed.status).toBe(201);
    const did = { date: '2025-12-29' };
    ids.due = await openPerson(api, did);
    ids.met = await openPerson(api, did);
    await apply(api, ids.met, [{ type: 'GUIDANCE_SESSION_HELD', mode: 'individual', minutes: 60, at: '2025-12-30' }]);
    ids.closed = await openPerson(api, did);
    await apply(api, ids.closed, [{ type: 'WITHDRAWN', reason: 'Moved abroad', at: '2025-12-30' }]);
    ids.practice = await openPerson(api, did, true);
  });
  afterAll(async () => {
    await t.close();
    await receiver.close();
  });

  it('records nothing the day before the lead, and DEADLINE_APPROACHING once on its first day (Rome midnight, winter time)', async () => {
    // 13 March, 23:59 in Rome (UTC+1): 16 days before the due day.
    clock.set('2026-03-13T22:59:00Z');
    expect(await scan()).toBe(0);
    expect(await systemEvents(ids.due)).toEqual([]);
    // 14 March, 00:00 in Rome: 15 days left.
    clock.set('2026-03-13T23:00:00Z');
    // The due case and the practice one; not the met nor the closed case.
    expect(await scan()).toBe(2);
    expect(await scan()).toBe(0);
    const [approaching] = await systemEvents(ids.due);
    expect(approaching).toMatchObject({
      sequence: 7,
      type: 'DEADLINE_APPROACHING',
      payload: {
        type: 'DEADLINE_APPROACHING',
        at: '2026-03-13T23:00:00.000Z',
        deadlineId: 'guidance_interview',
        dueBy: '2026-03-29',
        daysLeft: 15,
      },
      actor: { id: 'system', username: 'scheduler', kind: 'system', via: 'scheduler' },
      recordedAt: '2026-03-13T23:00:00.000Z',
    });
    // Record keeping: the machine's state is as it was, and the case's version moved with the history.
    expect(approaching.stateAfter).toEqual(approaching.stateBefore);
    const read = await api.get(`/cases/${ids.due}`);
    expect(read.body).toMatchObject({ version: 7 });
    expect(read.body.deadlines[0]).toMatchObject({ id: 'guidance_interview', state: 'pending', daysLeft: 15 });
    expect((await stored(t, ids.due)).rows[0]).toMatchObject({ approachingAt: '2026-03-13T23:00:00.000Z', overdueAt: null });
    expect(await notices(ids.practice)).toEqual(['DEADLINE_APPROACHING guidance_interview']);
    // The replay steps over it.
    expect((await api.get(`/cases/${ids.due}/replay`)).status).toBe(200);
  });

  it('records DEADLINE_OVERDUE once, only when the due day has ended in Rome (summer time from that day)', async () => {
    // 29 March, 23:59 in Rome (UTC+2 since 03:00): still the due day.
    clock.set('2026-03-29T21:59:00Z');
    expect(await scan()).toBe(0);
    expect((await api.get(`/cases/${ids.due}`)).body.deadlines[0]).toMatchObject({ state: 'pending', daysLeft: 0 });
    // 22:30 UTC is 00:30 on 30 March in Rome.
    clock.set('2026-03-29T22:30:00Z');
    expect((await api.get(`/cases/${ids.due}`)).body.deadlines[0]).toMatchObject({ state: 'overdue', daysLeft: -1 });
    expect(await scan()).toBe(2);
    expect(await scan()).toBe(0);
    expect(await notices(ids.due)).toEqual(['DEADLINE_APPROACHING guidance_interview', 'DEADLINE_OVERDUE guidance_interview']);
    expect((await systemEvents(ids.due))[1]).toMatchObject({ sequence: 8, payload: { dueBy: '2026-03-29', daysLeft: -1 } });
    // A met deadline and a closed case's (waived) never fire.
    expect(await systemEvents(ids.met)).toEqual([]);
    expect(await systemEvents(ids.closed)).toEqual([]);
  });

  it('after a long stop, records only the overdue notice of a deadline that passed meanwhile', async () => {
    // 1 July: the measure proposal (due 29 June) is overdue, its approaching notice never sent.
    clock.set('2026-07-01T08:00:00Z');
    expect(await scan()).toBe(3);
    expect(await notices(ids.met)).toEqual(['DEADLINE_OVERDUE measure_proposal']);
    expect(await notices(ids.due)).toEqual([
      'DEADLINE_APPROACHING guidance_interview',
      'DEADLINE_OVERDUE guidance_interview',
      'DEADLINE_OVERDUE measure_proposal',
    ]);
    // Both marks are set: the approaching notice will never follow.
    expect((await stored(t, ids.met)).rows[1]).toMatchObject({
      approachingAt: '2026-07-01T08:00:00.000Z',
      overdueAt: '2026-07-01T08:00:00.000Z',
    });
    expect(await scan()).toBe(0);
  });

  it('counts the day in Rome when winter time returns (25 October 2026)', async () => {
    // A DID on 25 July 2026: the guidance interview is due on 25 October.
    clock.set('2026-07-26T08:00:00Z');
    const id = await openPerson(api, { date: '2026-07-25' });
    clock.set('2026-10-10T08:00:00Z');
    expect(await scan()).toBe(1);
    // 25 October, 23:30 in Rome (UTC+1 again): still the due day.
    clock.set('2026-10-25T22:30:00Z');
    expect(await scan()).toBe(0);
    clock.set('2026-10-25T23:00:00Z');
    expect(await scan()).toBe(1);
    expect(await notices(id)).toEqual(['DEADLINE_APPROACHING guidance_interview', 'DEADLINE_OVERDUE guidance_interview']);
  });

  it('sends case.deadline.approaching and case.deadline.overdue webhooks, signed, none for practice cases', async () => {
    // The due case 3, the met one 1, the October one 2: not the practice case's 3.
    expect(await t.app.get(WebhookDispatcher).tick()).toBe(6);
    const received = receiver.forCase(ids.due);
    expect(received.map((r) => r.body.type)).toEqual(['case.deadline.approaching', 'case.deadline.overdue', 'case.deadline.overdue']);
    expect(received[0].body.data).toMatchObject({
      caseId: ids.due,
      pathway: 'person',
      sequence: 7,
      event: 'DEADLINE_APPROACHING',
      payload: { deadlineId: 'guidance_interview', dueBy: '2026-03-29', daysLeft: 15 },
      actor: { kind: 'system' },
    });
    expect(received[0].headers['webhook-signature']).toMatch(/^v1,/);
    expect(receiver.forCase(ids.practice)).toEqual([]);
  });
});
