import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import type { AnyMachineSnapshot } from 'xstate';
import type { CaseContextBase } from './case.js';
import { applyEvent, restore, startCase, type PersistedSnapshot } from './engine.js';
import { availableEvents, explain, serviceStatuses } from './explain.js';
import type { PathwayName } from './pathways.js';
import { ACCREDITED, CPI, NOW, SAMPLE_EVENTS } from './testing/case-factory.js';

// Property tests: random sequences of events, valid and malformed, sent through the engine step.
// Whatever arrives, the step never throws, a refusal changes nothing, and the standards'
// invariants hold in every state reached.

const dates = fc.constantFrom('2026-08-31', '2026-09-01', '2026-10-01', '2026-11-26', '2027-01-01', '2026-02-30', 'soon');
const operators = fc.constantFrom<unknown>(ACCREDITED, CPI, { id: '', kind: 'cpi' }, { id: 'x', kind: 'private' }, undefined, 'cpi');
const minutes = fc.constantFrom<unknown>(29, 30, 59, 60, 119, 120, 721, 0, -5, 30.5, '60', null);

/** A valid sample event, then possibly perturbed: another date, operator, duration or mode. */
const sampleEvent = (pathway: PathwayName) =>
  fc
    .record({
      base: fc.constantFrom(...SAMPLE_EVENTS[pathway]),
      at: fc.option(dates, { freq: 3 }),
      operator: fc.option(operators, { freq: 2 }),
      minutes: fc.option(minutes, { freq: 2 }),
      mode: fc.option(fc.constantFrom<unknown>('individual', 'group', 'back_office', 'online', 3), { freq: 3 }),
    })
    .map(({ base, at, operator, minutes: m, mode }) => ({
      at: '2026-10-01',
      operator: CPI,
      ...base,
      ...(at !== null ? { at } : {}),
      ...(operator !== null ? { operator } : {}),
      ...(m !== null && 'minutes' in base ? { minutes: m } : {}),
      ...(mode !== null && 'mode' in base ? { mode } : {}),
    }));

const garbage = fc.oneof(
  fc.anything(),
  fc.record({ type: fc.string(), at: dates }),
  fc.record({ type: fc.constantFrom('toString', '__proto__', 'constructor', 'HIRED', 'PATTO_SIGNED'), extra: fc.anything() }),
);

/**
 * A step is a valid sample of one of the events available now (so walks get deep into the chart),
 * a perturbed sample of any event, or garbage.
 */
type Step = { kind: 'available'; pick: number } | { kind: 'any'; event: unknown };
const steps = (pathway: PathwayName) =>
  fc.array(
    fc.oneof(
      { weight: 6, arbitrary: fc.nat().map((pick): Step => ({ kind: 'available', pick })) },
      { weight: 3, arbitrary: sampleEvent(pathway).map((event): Step => ({ kind: 'any', event })) },
      { weight: 1, arbitrary: garbage.map((event): Step => ({ kind: 'any', event })) },
    ),
    { minLength: 40, maxLength: 150 },
  );

const CLOSING = new Set(['WITHDRAWN', 'PATTO_REFUSED', 'CASE_CLOSED', 'HIRED']);

function resolve(pathway: PathwayName, step: Step, snapshot: PersistedSnapshot): unknown {
  if (step.kind === 'any') return step.event;
  const available = availableEvents(restore(pathway, snapshot), { operator: CPI }).allowed;
  // Closing events end the walk: take them only now and then, so walks get deep first.
  const allowed = step.pick % 25 === 0 ? available : available.filter((type) => !CLOSING.has(type));
  if (allowed.length === 0) return { type: 'WITHDRAWN', reason: 'nothing left', at: '2026-10-01', operator: CPI };
  const type = allowed[Math.floor(step.pick / 25) % allowed.length];
  const sample = SAMPLE_EVENTS[pathway].find((e) => e.type === type);
  return { at: '2026-10-01', operator: CPI, ...sample };
}

/** The standards' invariants, checked on every state reached. */
function checkInvariants(pathway: PathwayName, snapshot: AnyMachineSnapshot): void {
  const context = snapshot.context as CaseContextBase;
  const status = serviceStatuses(snapshot);
  if (pathway === 'person') {
    // A.3 only after intake and a signed Patto
    if (status.A3 === 'active' || status.A3 === 'completed') {
      expect(context.patto.signedAt).not.toBeNull();
      expect(status.A2).toBe('completed');
    }
    // A.4 only after A.3 and on a recorded need; A.5/A.6 after or together with A.3
    if (status.A4 !== 'not_started' && status.A4 !== 'not_applicable') expect(status.A3).toBe('completed');
    for (const key of ['A5', 'A6'] as const) {
      if (status[key] === 'active') expect(status.A3).not.toBe('not_started');
    }
  } else {
    // B.4 only after B.1, B.2 and a signed Patto; B.3 after B.2 and a Patto
    if (status.B4 === 'active' || status.B4 === 'completed') {
      expect(status.B1).toBe('completed');
      expect(status.B2).toBe('completed');
      expect(context.patto.signedAt).not.toBeNull();
    }
    if (status.B3 === 'active' || status.B3 === 'completed') expect(context.patto.signedAt).not.toBeNull();
  }
  // A closed case accepts nothing.
  if (snapshot.status === 'done') {
    expect(availableEvents(snapshot).allowed).toEqual([]);
    expect(context.outcome).not.toBeNull();
  }
}

describe.each(['person', 'employer'] as PathwayName[])('%s machine: properties over random event sequences', (pathway) => {
  it('never throws, refusals change nothing, invariants hold in every state', () => {
    // What the random walks reached, so that the invariants were tested on deep states, not only on new cases.
    const reached = new Set<string>();
    fc.assert(
      fc.property(steps(pathway), (sequence) => {
        const started = startCase({ pathway });
        if (!started.ok) throw new Error('cannot start');
        let snapshot: PersistedSnapshot = started.snapshot;
        for (const step of sequence) {
          const event = resolve(pathway, step, snapshot);
          const before = JSON.stringify(snapshot);
          const result = applyEvent({ pathway, snapshot, event, now: NOW });
          if (result.ok) {
            // What is persisted is plain JSON and restores to the same state.
            const copy = JSON.parse(JSON.stringify(result.snapshot)) as PersistedSnapshot;
            expect(copy).toEqual(result.snapshot);
            snapshot = copy;
          } else {
            expect(result.refusal.reasons.length).toBeGreaterThan(0);
            for (const reason of result.refusal.reasons) {
              expect(reason.code).toMatch(/^[A-Z][A-Z0-9_]+$/);
              expect(reason.message.it.length).toBeGreaterThan(0);
              expect(reason.message.en.length).toBeGreaterThan(0);
            }
            expect(JSON.stringify(snapshot)).toBe(before);
            expect(explain(restore(pathway, snapshot), { ...(event as object), receivedAt: NOW.toISOString() }).allowed).toBe(false);
          }
          const restored = restore(pathway, snapshot);
          checkInvariants(pathway, restored);
          Object.entries(serviceStatuses(restored)).forEach(([key, status]) => reached.add(`${key}:${status}`));
          if (restored.status === 'done') reached.add('closed');
        }
      }),
      { numRuns: 120 },
    );
    const deep = pathway === 'person' ? ['A3:active', 'A5:active', 'A6:active', 'closed'] : ['B3:active', 'B4:active', 'closed'];
    expect([...reached]).toEqual(expect.arrayContaining(deep));
  });
});
