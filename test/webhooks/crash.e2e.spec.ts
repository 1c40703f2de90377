import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Webhook } from 'standardwebhooks';
import { PATHWAYS } from '../../machines/index.js';
import { WebhookReceiver, sentBeforePreviousAnswered, type ReceivedRequest } from '../support/webhook-receiver.js';
import { openRepeatableCases } from '../support/repeatable-cases.js';
import { startService, type RunningService } from '../support/service-process.js';
import { client, newTestDatabase, type Client, type TestDatabase } from '../support/test-app.js';

/**
 * The service killed (SIGKILL) while clients post events and webhooks are on the wire, then
 * restarted on the same database: every committed transition reaches every subscription that wants
 * it, at least once and in per-case order; nothing that did not commit is ever sent.
 */

const CLIENTS = 6;
/** Acknowledged events before the kill (and a slow delivery must be on the wire then). */
const ACKS_BEFORE_KILL = 60;
/** Short lease and timeout: the dead process's claims are taken over soon after the restart. */
const ENV = {
  PERCORSI_WEBHOOK_ALLOWLIST: '127.0.0.1',
  PERCORSI_WEBHOOK_ALLOW_HTTP: 'true',
  PERCORSI_WEBHOOK_TIMEOUT_MS: '1500',
  PERCORSI_WEBHOOK_LEASE_MS: '3000',
  PERCORSI_WEBHOOK_POLL_MS: '100',
};

interface Committed {
  id: string;
  caseId: string;
  sequence: number;
  type: string;
}

interface Subscription {
  name: string;
  id: string;
  secret: string;
  path: string;
  receiver: WebhookReceiver;
  wants: (type: string) => boolean;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function fullHistory(api: Client, caseId: string): Promise<any[]> {
  const events: any[] = [];
  for (;;) {
    const page = await api.get(`/cases/${caseId}/history?after=${events.length}&limit=1000`);
    expect(page.status).toBe(200);
    events.push(...page.body.events);
    if (page.body.events.length < 1000) return events;
  }
}

/** Deliveries of a subscription with this status (first page only: enough to tell "none"). */
async function countDeliveries(api: Client, subscriptionId: string, status: string): Promise<number> {
  const res = await api.get(`/webhooks/subscriptions/${subscriptionId}/deliveries?status=${status}&limit=200`);
  expect(res.status).toBe(200);
  return res.body.items.length;
}

describe('webhooks: the process killed (SIGKILL) during a burst of transitions, then restarted', () => {
  let database: TestDatabase;
  const services: RunningService[] = [];
  const receivers: WebhookReceiver[] = [];

  beforeAll(async () => {
    database = await newTestDatabase();
  });

  afterAll(async () => {
    for (const service of services) await service.stop();
    for (const receiver of receivers) await receiver.close();
    await database.drop();
  });

  it('delivers every committed transition at least once, in per-case order, to every matching subscription, and nothing uncommitted', async () => {
    // A fast receiver for everything, and a slow one (50-200 ms) for the A3 services only: its
    // deliveries are still on the wire when the process dies.
    const fast = await WebhookReceiver.start();
    const slow = (await WebhookReceiver.start()).setScript(() => ({ delayMs: 50 + Math.floor(Math.random() * 150) }));
    receivers.push(fast, slow);

    const first = await startService({ database, env: ENV });
    services.push(first);
    let api = client(first.url);

    const subscribe = async (name: string, receiver: WebhookReceiver, filter: Record<string, string[]>, wants: Subscription['wants']) => {
      const path = `/${name}`;
      const res = await api.post('/webhooks/subscriptions', { url: receiver.url(path), filter });
      expect(res.status).toBe(201);
      return { name, id: res.body.id as string, secret: res.body.secret as string, path, receiver, wants } satisfies Subscription;
    };
    const subscriptions = [
      await subscribe('all', fast, {}, () => true),
      await subscribe('guidance', slow, { services: ['A3'] }, (type) => PATHWAYS.person.events[type]?.service === 'A3'),
    ];

    // Six cases: three get A.1 information again and again, three are taken to the Patto and then get
    // A.3 guidance sessions (the filtered subscription's events), also repeatable.
    const { targets } = await openRepeatableCases(api, { count: 6 });

    // The burst: clients post until the process dies under them.
    let acks = 0;
    let lost = 0;
    const unexpected: { status: number; body: unknown }[] = [];
    let killed = false;
    const burst = Array.from({ length: CLIENTS }, async (_, c) => {
      for (let i = 0; !killed; i++) {
        const target = targets[(c + i) % targets.length];
        try {
          const res = await api.post(`/cases/${target.id}/events`, target.event);
          if (res.status === 200) acks += 1;
          else unexpected.push({ status: res.status, body: res.body });
        } catch (error) {
          lost += 1;
          if (!killed) throw error;
        }
      }
    });
    const burstDone = Promise.allSettled(burst);

    // Kill once enough has committed and a slow delivery has arrived but not been answered: checked
    // and killed in the same tick, so that delivery is certainly never settled by this process.
    const deadline = Date.now() + 20_000;
    while (!(acks >= ACKS_BEFORE_KILL && slow.pending().length > 0) && unexpected.length === 0 && lost === 0 && Date.now() < deadline) {
      await sleep(5);
    }
    const unanswered = [...fast.pending(), ...slow.pending()].map((a) => ({ path: a.path, webhookId: a.webhookId, attempt: a.attempt }));
    const killedAt = Date.now();
    first.kill('SIGKILL');
    killed = true;
    const exit = await first.waitForExit(10_000);
    const rejected = (await burstDone).filter((o) => o.status === 'rejected');
    if (unexpected.length > 0 || rejected.length > 0) console.error(`service output before the kill:\n${first.output()}`);
    expect(exit).toEqual({ code: null, signal: 'SIGKILL' });
    expect(unexpected).toEqual([]);
    expect(rejected).toEqual([]);
    expect(acks).toBeGreaterThanOrEqual(ACKS_BEFORE_KILL);
    // Mid-burst: event posts got no answer, and a webhook was on the wire.
    expect(lost).toBeGreaterThan(0);
    expect(unanswered.filter((u) => u.path === '/guidance').length).toBeGreaterThan(0);

    // A new process on the same data folder or schema; it takes over once the dead one's leases expire.
    const second = await startService({ database, env: ENV });
    services.push(second);
    api = client(second.url);

    const settleBy = Date.now() + 30_000;
    for (;;) {
      let open = 0;
      for (const s of subscriptions)
        open += (await countDeliveries(api, s.id, 'pending')) + (await countDeliveries(api, s.id, 'in_flight'));
      if (open === 0) break;
      if (Date.now() > settleBy) throw new Error(`deliveries still open after 30 s; service output:\n${second.output()}`);
      await sleep(200);
    }
    for (const s of subscriptions) {
      expect({ subscription: s.name, failed: await countDeliveries(api, s.id, 'failed') }).toEqual({ subscription: s.name, failed: 0 });
      const read = await api.get(`/webhooks/subscriptions/${s.id}`);
      expect(read.body).toMatchObject({ enabled: true });
    }

    // What committed: the cases' histories as the restarted process reads them.
    const committed = new Map<string, Committed>();
    for (const target of targets) {
      for (const e of await fullHistory(api, target.id))
        committed.set(e.id, { id: e.id, caseId: target.id, sequence: e.sequence, type: e.type });
    }
    expect(committed.size).toBeGreaterThan(ACKS_BEFORE_KILL);

    for (const s of subscriptions) {
      const arrivals = s.receiver.requests.filter((a) => a.path === s.path);
      const verifier = new Webhook(s.secret);
      // Nothing that did not commit, nothing the filter does not want; each one signed, and its body the event's.
      const strays = arrivals.filter((a) => !committed.has(a.webhookId));
      expect({ subscription: s.name, strays: strays.map((a) => a.webhookId) }).toEqual({ subscription: s.name, strays: [] });
      for (const a of arrivals) {
        const event = committed.get(a.webhookId)!;
        expect(s.wants(event.type)).toBe(true);
        expect(a.body).toMatchObject({
          id: event.id,
          type: 'case.transitioned',
          data: { caseId: event.caseId, sequence: event.sequence, event: event.type },
        });
        expect(a.caseSequence).toBe(event.sequence);
        expect(a.attempt).toBeGreaterThanOrEqual(1);
        expect(() => verifier.verify(a.rawBody, a.headers)).not.toThrow();
      }

      // Every committed event the subscription wants arrived, and each case's first arrivals are in sequence order
      // (a duplicate, the dead process's attempt sent again, may come later).
      const firstArrivals = new Map<string, ReceivedRequest>();
      for (const a of arrivals) if (!firstArrivals.has(a.webhookId)) firstArrivals.set(a.webhookId, a);
      for (const target of targets) {
        const wanted = [...committed.values()].filter((e) => e.caseId === target.id && s.wants(e.type)).map((e) => e.sequence);
        wanted.sort((x, y) => x - y);
        const arrived = [...firstArrivals.values()]
          .filter((a) => committed.get(a.webhookId)!.caseId === target.id)
          .map((a) => a.caseSequence);
        expect({ subscription: s.name, caseId: target.id, sequences: arrived }).toEqual({
          subscription: s.name,
          caseId: target.id,
          sequences: wanted,
        });
        // And none was sent before the previous one had been answered.
        const early = sentBeforePreviousAnswered(arrivals.filter((a) => committed.get(a.webhookId)!.caseId === target.id));
        expect({ subscription: s.name, caseId: target.id, early }).toEqual({ subscription: s.name, caseId: target.id, early: [] });
      }
      expect(firstArrivals.size).toBe([...committed.values()].filter((e) => s.wants(e.type)).length);

      // Duplicates (the dead process's unsettled attempts) carry the webhook-id of the first, and a later attempt number.
      const bySequence = new Map<string, Set<string>>();
      for (const a of arrivals) {
        const key = `${a.body.data.caseId}#${a.caseSequence}`;
        bySequence.set(key, (bySequence.get(key) ?? new Set()).add(a.webhookId));
      }
      expect([...bySequence.values()].every((ids) => ids.size === 1)).toBe(true);
    }

    // The new process had work of its own: the slow subscription's backlog, beyond the attempts it sent again.
    const slowAfterKill = slow.requests.filter((a) => a.at > killedAt);
    expect(slowAfterKill.length).toBeGreaterThan(unanswered.filter((u) => u.path === '/guidance').length);

    // Each delivery the dead process had on the wire was sent again by the new one: same webhook-id, next attempt.
    for (const u of unanswered) {
      const again = (u.path === '/all' ? fast : slow).requests.filter(
        (a) => a.path === u.path && a.webhookId === u.webhookId && a.at > killedAt,
      );
      expect({ webhookId: u.webhookId, attempt: again[0]?.attempt }).toEqual({ webhookId: u.webhookId, attempt: u.attempt + 1 });
    }
  }, 90_000);
});
