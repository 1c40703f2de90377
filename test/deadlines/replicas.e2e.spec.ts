import { afterEach, describe, expect, it } from '@jest/globals';
import { CaseFeed } from '../../src/cases/case-feed.js';
import { DeadlineScheduler } from '../../src/cases/deadline-scheduler.worker.js';
import { DeadlineRepository } from '../../src/cases/deadline.repository.js';
import { Database } from '../../src/database/database.js';
import { OutboxSignal } from '../../src/database/outbox-signal.js';
import { client, newTestDatabase, startTestApp, type Client, type TestApp, type TestDatabase } from '../support/test-app.js';
import { TestClock } from '../support/test-clock.js';
import { openPerson } from './deadline-cases.js';

/**
 * At most once, whatever happens around the scheduler: a restart on the same database, two
 * schedulers on one database (two service instances on PostgreSQL; two schedulers in one process
 * on the embedded database, which has one session), and users' events racing it.
 */

const POSTGRES = Boolean(process.env.DATABASE_URL);
/** No background scan unless a test asks for one: the tests scan when their clock says. */
const MANUAL = { PERCORSI_DEADLINE_SCAN_SECONDS: '0' };
const DID = { date: '2026-01-05' };
// The guidance interview (due 5 April) is overdue; the measure proposal (5 July) far off.
const OVERDUE = '2026-04-06T08:00:00Z';

interface Entry {
  sequence: number;
  type: string;
  actor: { kind: string };
}

const historyOf = async (api: Client, id: string): Promise<Entry[]> => (await api.get(`/cases/${id}/history?limit=200`)).body.events;

/** Every case's history is 1..n without a gap, and holds exactly `notices` scheduler events. */
async function expectOnce(api: Client, ids: string[], notices: string[]): Promise<void> {
  for (const id of ids) {
    const events = await historyOf(api, id);
    expect(events.map((e) => e.sequence)).toEqual(events.map((_, i) => i + 1));
    expect(events.filter((e) => e.actor.kind === 'system').map((e) => e.type)).toEqual(notices);
  }
}

describe('the deadline scheduler, at most once', () => {
  const apps: TestApp[] = [];
  let database: TestDatabase | null = null;

  afterEach(async () => {
    for (const app of apps.splice(0).reverse()) await app.close();
    await database?.drop();
    database = null;
  });

  it('records nothing twice across a restart on the same database (the new instance scans as it starts)', async () => {
    database = await newTestDatabase();
    const clock = new TestClock(new Date('2026-01-10T09:00:00Z'));
    const first = await startTestApp({ database, clock, env: MANUAL });
    const api = client(first.url);
    const ids = [await openPerson(api, DID), await openPerson(api, DID)];
    clock.set('2026-03-25T08:00:00Z');
    expect(await first.app.get(DeadlineScheduler).scanOnce()).toBe(2);
    await first.close();
    // The next instance runs its scheduler: it scans at start-up, then every minute.
    const second = await startTestApp({ database, clock, env: { PERCORSI_DEADLINE_SCAN_SECONDS: '60' } });
    apps.push(second);
    const again = client(second.url);
    // Whatever the start-up scan found (nothing), a scan now finds nothing either.
    expect(await second.app.get(DeadlineScheduler).scanOnce()).toBe(0);
    await expectOnce(again, ids, ['DEADLINE_APPROACHING']);
    clock.set(OVERDUE);
    await second.app.get(DeadlineScheduler).scanOnce();
    await second.app.get(DeadlineScheduler).scanOnce();
    await expectOnce(again, ids, ['DEADLINE_APPROACHING', 'DEADLINE_OVERDUE']);
  });

  it(`shares the work between two schedulers on one database (${POSTGRES ? 'two instances on PostgreSQL' : 'two schedulers in one process, embedded'})`, async () => {
    const clock = new TestClock(new Date('2026-01-10T09:00:00Z'));
    let schedulers: DeadlineScheduler[];
    let api: Client;
    if (POSTGRES) {
      database = await newTestDatabase();
      apps.push(await startTestApp({ database, clock, env: MANUAL }));
      apps.push(await startTestApp({ database, clock, env: MANUAL }));
      schedulers = apps.map((a) => a.app.get(DeadlineScheduler));
      api = client(apps[0].url);
    } else {
      const t = await startTestApp({ clock, env: MANUAL });
      apps.push(t);
      const second = new DeadlineScheduler(
        t.config,
        t.app.get(Database),
        clock,
        t.app.get(OutboxSignal),
        t.app.get(CaseFeed),
        t.app.get(DeadlineRepository),
      );
      schedulers = [t.app.get(DeadlineScheduler), second];
      api = client(t.url);
    }
    const ids: string[] = [];
    for (let i = 0; i < 24; i++) ids.push(await openPerson(api, DID));
    clock.set(OVERDUE);
    const counts = await Promise.all(schedulers.flatMap((s) => [s.scanOnce(), s.scanOnce()]));
    // Each case's one notice, recorded by one of them (the same scheduler's calls share a scan).
    expect(counts[0] + counts[2]).toBe(24);
    await expectOnce(api, ids, ['DEADLINE_OVERDUE']);
    expect(await Promise.all(schedulers.map((s) => s.scanOnce()))).toEqual([0, 0]);
  });

  it("lets a user's events racing the scheduler land too, with gapless sequences", async () => {
    const clock = new TestClock(new Date('2026-01-10T09:00:00Z'));
    const t = await startTestApp({ clock, env: MANUAL });
    apps.push(t);
    const api = client(t.url);
    const ids: string[] = [];
    for (let i = 0; i < 12; i++) ids.push(await openPerson(api, DID));
    clock.set(OVERDUE);
    const posts = ids.flatMap((id) =>
      [1, 2, 3].map(() => api.post(`/cases/${id}/events`, { type: 'INFORMATION_GIVEN', referral: 'A2', at: '2026-04-06' })),
    );
    const [scanned, ...answers] = await Promise.all([t.app.get(DeadlineScheduler).scanOnce(), ...posts]);
    expect(answers.map((a) => a.status)).toEqual(answers.map(() => 200));
    expect(scanned).toBe(12);
    await expectOnce(api, ids, ['DEADLINE_OVERDUE']);
    for (const id of ids) expect((await historyOf(api, id)).length).toBe(6 + 3 + 1);
  });
});
