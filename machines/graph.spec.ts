import { describe, expect, it } from '@jest/globals';
import { getShortestPaths } from 'xstate/graph';
import type { AnyMachineSnapshot } from 'xstate';
import { allStateNodes } from './definition.js';
import { PATHWAYS, type PathwayName } from './pathways.js';
import { SERVICES, type ServiceKey } from './repertory.js';
import { ACT_DATE, CPI, NOW, SAMPLE_EVENTS } from './testing/case-factory.js';

// Model-based reachability: shortest paths from the initial state with one valid sample of every
// event must reach every state node of each machine. A state no path reaches is dead weight in the
// chart, or a rule that can never be satisfied.

/**
 * Vertices are the state value plus the facts guards read (counts capped where a guard counts),
 * leaving out what is only recorded: enough to tell states apart, small enough to traverse every
 * interleaving of the parallel regions.
 */
const RECORD_ONLY = new Set([
  'referrals',
  'cpiActs',
  'networkIntegrations',
  'operatorCompetences',
  'traineeships',
  'languageMediation',
  'professionalProject',
  'contact',
  'vacanciesDetected',
  'consultingTopics',
  'hiringDeclarations',
  'hires',
]);

const serializeState = (s: AnyMachineSnapshot): string => {
  const c = s.context as Record<string, unknown>;
  const facts = Object.entries(c)
    .filter(([key]) => !RECORD_ONLY.has(key))
    .map(([key, value]) => {
      if (key === 'services') {
        return Object.entries(value as Record<ServiceKey, { sessions: unknown[] }>).map(([k, r]) =>
          Math.min(r.sessions.length, SERVICES[k as ServiceKey].minMeetings ?? 1),
        );
      }
      if (Array.isArray(value)) return Math.min(value.length, 1);
      if (value && typeof value === 'object') return Object.values(value).map((v) => (v === null ? 0 : 1));
      return value === null ? 0 : 1;
    });
  return JSON.stringify([s.value, facts]);
};

describe.each(Object.keys(SAMPLE_EVENTS) as PathwayName[])('%s machine: model-based reachability', (name) => {
  const machine = PATHWAYS[name].machine;
  const events = SAMPLE_EVENTS[name].map((e) => ({ at: ACT_DATE, operator: CPI, receivedAt: NOW.toISOString(), ...e }));
  const paths = getShortestPaths(machine, { events, serializeState, limit: 200_000 });

  it('has a shortest path to every state node', () => {
    const reached = new Set(paths.flatMap((p) => (p.state as AnyMachineSnapshot)._nodes.map((n) => n.id)));
    const unreachable = allStateNodes(machine)
      .map((n) => n.id)
      .filter((id) => !reached.has(id));
    expect(unreachable).toEqual([]);
  });

  it('reaches every outcome as a final state through legal steps only', () => {
    const finals = allStateNodes(machine).filter((n) => n.type === 'final');
    for (const node of finals) {
      const path = paths.find((p) => (p.state as AnyMachineSnapshot)._nodes.includes(node));
      expect(path?.state.status).toBe('done');
    }
  });

  it('samples every event type of the pathway', () => {
    expect(new Set(events.map((e) => e.type))).toEqual(new Set(Object.keys(PATHWAYS[name].events)));
  });
});
