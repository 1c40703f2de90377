import { describe, expect, it } from '@jest/globals';
import { applyEvent, startCase, type PathwayName, type PersistedSnapshot } from '../../machines/index.js';
import { openRepeatableCases, type Target } from '../support/repeatable-cases.js';
import { processesOnOneDatabase } from '../support/service-process.js';
import { client, type Client } from '../support/test-app.js';

/** A 2xx answer to an event post: what the service promised is in the history. */
interface Ack {
  caseId: string;
  sequence: number;
  eventId: string;
  key: string | null;
}

/** A post that got no HTTP answer (the process died under it): its outcome is unknown. */
interface Lost {
  target: Target;
  key: string | null;
  error: string;
}

const CLIENTS = 8;
/** Acknowledgements to collect before the kill (plus a random few milliseconds). */
const ACKS_BEFORE_KILL = 60;

const networkError = (error: unknown): string => {
  const e = error as { message?: string; cause?: { code?: string; message?: string } };
  return `${e?.message ?? String(error)}${e?.cause ? ` (${e.cause.code ?? e.cause.message})` : ''}`;
};

async function fullHistory(api: Client, caseId: string): Promise<{ version: number; events: any[] }> {
  const events: any[] = [];
  for (;;) {
    const page = await api.get(`/cases/${caseId}/history?after=${events.length}&limit=1000`);
    expect(page.status).toBe(200);
    events.push(...page.body.events);
    if (page.body.events.length < 1000) return { version: page.body.version, events };
  }
}

/** The case as its history says it must be: sequence 1 opens it, every later event goes through the machine again. */
function replay(pathway: PathwayName, events: any[]): PersistedSnapshot {
  expect(events[0]).toMatchObject({ sequence: 1, type: 'CASE_OPENED' });
  const started = startCase({ pathway, input: events[0].payload.input });
  if (!started.ok) throw new Error(`replay: cannot open the case: ${JSON.stringify(started.refusal)}`);
  let snapshot = started.snapshot;
  for (const event of events.slice(1)) {
    const step = applyEvent({ pathway, snapshot, event: event.payload, now: new Date(event.payload.receivedAt) });
    if (!step.ok)
      throw new Error(
        `replay: event ${event.sequence} (${event.type}) refused: ${JSON.stringify(step.refusal.reasons.map((r) => r.code))}`,
      );
    expect(step.value).toEqual(event.stateAfter);
    snapshot = step.snapshot;
  }
  return snapshot;
}

const plain = (value: unknown): unknown => JSON.parse(JSON.stringify(value));

describe('the process killed (SIGKILL) while clients post events, then restarted', () => {
  const processes = processesOnOneDatabase();

  it('keeps every acknowledged event in the history, and nothing half-written', async () => {
    const first = await processes.start();
    let api = client(first.url);

    // Six people's cases: three get A.1 information again and again (allowed from anywhere), three
    // are taken through intake and the Patto and then get A.3 guidance sessions, also repeatable.
    const { targets, setup } = await openRepeatableCases(api, { count: 6 });
    // Each target's event is repeatable: twice, for the record.
    for (const target of targets) {
      for (let n = 0; n < 2; n++) {
        const res = await api.post(`/cases/${target.id}/events`, target.event);
        expect(res.status).toBe(200);
        setup.add(res.body.event.id);
      }
    }

    // The burst: clients post until the process dies under them. Its answers are not checked against
    // the OpenAPI document (every other test's are): an answered request must not still count as in flight.
    const burstApi = client(first.url, {}, { conformance: false });
    const acks: Ack[] = [];
    const lost: Lost[] = [];
    const unexpected: { status: number; body: unknown }[] = [];
    let inFlight = 0;
    let killed = false;
    const burst = Array.from({ length: CLIENTS }, async (_, c) => {
      for (let i = 0; !killed; i++) {
        const target = targets[(c + i) % targets.length];
        const key = (c + i) % 3 === 0 ? `crash-${c}-${i}` : null;
        inFlight += 1;
        try {
          const res = await burstApi.post(`/cases/${target.id}/events`, target.event, key ? { 'Idempotency-Key': key } : {});
          if (res.status >= 200 && res.status < 300)
            acks.push({ caseId: target.id, sequence: res.body.event.sequence, eventId: res.body.event.id, key });
          else unexpected.push({ status: res.status, body: res.body });
        } catch (error) {
          lost.push({ target, key, error: networkError(error) });
          if (!killed) throw error;
        } finally {
          inFlight -= 1;
        }
      }
    });
    const burstDone = Promise.allSettled(burst);

    const deadline = Date.now() + 20_000;
    while (acks.length < ACKS_BEFORE_KILL && unexpected.length === 0 && lost.length === 0 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    await new Promise((resolve) => setTimeout(resolve, Math.floor(Math.random() * 50)));
    const inFlightAtKill = inFlight;
    const acksAtKill = acks.length;
    first.kill('SIGKILL');
    killed = true;
    const exit = await first.waitForExit(10_000);
    const outcomes = await burstDone;

    const rejected = outcomes.filter((o) => o.status === 'rejected');
    if (unexpected.length > 0 || rejected.length > 0) console.error(`service output before the kill:\n${first.output()}`);
    expect(exit).toEqual({ code: null, signal: 'SIGKILL' });
    expect(unexpected).toEqual([]);
    expect(rejected).toEqual([]);
    expect(acksAtKill).toBeGreaterThanOrEqual(ACKS_BEFORE_KILL);
    // The kill really was mid-burst: requests were on the wire, and they got no answer.
    expect(inFlightAtKill).toBeGreaterThan(0);
    expect(lost.length).toBeGreaterThan(0);

    // A new process on the same data folder or schema.
    const second = await processes.start();
    api = client(second.url);

    const acked = new Map(acks.map((a) => [a.eventId, a]));
    let unacknowledged = 0;
    for (const target of targets) {
      const read = await api.get(`/cases/${target.id}`);
      expect(read.status).toBe(200);
      const { version, events } = await fullHistory(api, target.id);
      expect(version).toBe(read.body.version);
      // Gapless, in order, and nothing beyond the case's version.
      expect(events.map((e) => e.sequence)).toEqual(Array.from({ length: version }, (_, i) => i + 1));
      // Every acknowledged event, with the id and sequence it was acknowledged with.
      const bySequence = new Map(events.map((e) => [e.sequence, e]));
      for (const ack of acks.filter((a) => a.caseId === target.id)) {
        expect(bySequence.get(ack.sequence)).toMatchObject({
          id: ack.eventId,
          sequence: ack.sequence,
          type: target.event.type,
          idempotencyKey: ack.key,
        });
      }
      unacknowledged += events.filter((e) => e.sequence > 1 && !setup.has(e.id) && !acked.has(e.id)).length;
      // The case row is what its history replays to: the same state and context.
      const replayed = replay('person', events);
      expect({ state: read.body.state, status: read.body.status, context: read.body.context }).toEqual(
        plain({ state: replayed.value, status: replayed.status, context: replayed.context }),
      );
    }
    // What was committed without an answer can only be among the requests that got none.
    expect(unacknowledged).toBeLessThanOrEqual(lost.length);

    // An acknowledged idempotent request, retried after the restart: the stored answer, nothing applied.
    const keyed = acks.filter((a) => a.key !== null).at(-1)!;
    const target = targets.find((t) => t.id === keyed.caseId)!;
    const before = await api.get(`/cases/${keyed.caseId}`);
    const retried = await api.post(`/cases/${keyed.caseId}/events`, target.event, { 'Idempotency-Key': keyed.key! });
    expect(retried.status).toBe(200);
    expect(retried.headers.get('idempotent-replayed')).toBe('true');
    expect(retried.body.event).toMatchObject({ id: keyed.eventId, sequence: keyed.sequence });
    expect((await api.get(`/cases/${keyed.caseId}`)).body.version).toBe(before.body.version);

    // The lost idempotent requests, retried: each one ends up in the history exactly once, whether
    // the dead process had committed it (replayed) or not (applied now).
    const lostKeys = lost.filter((l) => l.key !== null);
    for (const { target: t, key } of lostKeys) {
      const res = await api.post(`/cases/${t.id}/events`, t.event, { 'Idempotency-Key': key! });
      expect(res.status).toBe(200);
    }
    for (const t of targets) {
      const { events } = await fullHistory(api, t.id);
      const keys = events.map((e) => e.idempotencyKey).filter((k): k is string => k !== null);
      expect(keys.length).toBe(new Set(keys).size);
      for (const { key } of lostKeys.filter((l) => l.target.id === t.id)) expect(keys).toContain(key);
    }
  }, 90_000);
});
