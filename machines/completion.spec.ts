/**
 * Completion rules driven by the repertory: a service that sets `minMeetings` cannot be completed
 * before that many meetings (TOO_FEW_MEETINGS, guard minimumMeetings), on every transition that
 * completes it; a service that does not set it gets no such guard.
 */
import { describe, expect, it } from '@jest/globals';
import type { AnyTransitionDefinition } from 'xstate';
import { allTransitions, guardUses } from './definition.js';
import { PATHWAYS, PATHWAY_NAMES } from './pathways.js';
import { SERVICES, type ServiceKey } from './repertory.js';
import { aPersonCase, session, type CaseDriver, type EventInput } from './testing/case-factory.js';

/** The services a transition completes (its completeService actions). */
const completes = (t: AnyTransitionDefinition): ServiceKey[] =>
  t.actions.flatMap((a) => {
    const action = a as { type?: string; params?: { service?: ServiceKey } };
    return action.type === 'completeService' && action.params?.service ? [action.params.service] : [];
  });

/** Per service that sets minMeetings: a case where it is under way with one meeting, a meeting, and its completion. */
const DRIVERS: Partial<Record<ServiceKey, { start: () => CaseDriver; meeting: EventInput; completion: EventInput }>> = {
  // A.4: at least two individual meetings of 60 minutes.
  A4: {
    start: () => aPersonCase('counselling'),
    meeting: { type: 'COUNSELLING_MEETING_HELD', ...session('individual', 60) },
    completion: { type: 'COUNSELLING_COMPLETED', professionalProject: 'Become a CNC operator' },
  },
};

const withMinimum = (Object.keys(SERVICES) as ServiceKey[]).filter((key) => SERVICES[key].minMeetings !== undefined);

describe('completion rules from the repertory', () => {
  it.each(PATHWAY_NAMES)('%s: every transition that completes a service checks its minimum meetings, if it has one', (name) => {
    const transitions = allTransitions(PATHWAYS[name].machine).filter((t) => completes(t).length > 0);
    expect(transitions.length).toBeGreaterThan(0);
    for (const t of transitions) {
      const uses = guardUses(t.guard).filter((u) => u.name === 'minimumMeetings');
      const expected = completes(t)
        .filter((key) => SERVICES[key].minMeetings !== undefined)
        .map((key) => ({ name: 'minimumMeetings', params: { service: key } }));
      expect({ event: t.eventType as string, uses }).toEqual({ event: t.eventType as string, uses: expected });
    }
  });

  it('has a rule test for every service that sets minMeetings', () => {
    expect(withMinimum).toEqual(['A4']);
    expect(Object.keys(DRIVERS).sort()).toEqual([...withMinimum].sort());
  });

  describe.each(withMinimum)('%s', (key) => {
    const { start, meeting, completion } = DRIVERS[key]!;
    const min = SERVICES[key].minMeetings!;

    it(`refuses completion below ${min} meetings with TOO_FEW_MEETINGS`, () => {
      const driver = start();
      for (let held = 1; held < min; held++) {
        const refusal = driver.refuse(completion);
        expect(refusal.kind).toBe('guards_failed');
        expect(refusal.reasons.map((r) => [r.code, r.guard])).toEqual([['TOO_FEW_MEETINGS', 'minimumMeetings']]);
        expect(refusal.reasons[0].message.en).toContain(`at least ${min} meetings`);
        expect(refusal.reasons[0].message.it).toContain(`almeno ${min} incontri`);
        if (held + 1 < min) driver.apply(meeting);
      }
    });

    it(`allows completion at exactly ${min} meetings`, () => {
      const driver = start();
      for (let held = 1; held < min; held++) driver.apply(meeting);
      expect(driver.send(completion).ok).toBe(true);
    });
  });
});
