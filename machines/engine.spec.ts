import { describe, expect, it } from '@jest/globals';
import { InvalidSnapshotError, applyEvent, eventsAvailable, readCase, restore, startCase } from './engine.js';
import { availableEvents } from './explain.js';
import { NOW, aPersonCase, anEmployerCase } from './testing/case-factory.js';

describe('engine step', () => {
  it('round-trips persisted snapshots through JSON with the same allowed events', () => {
    for (const driver of [aPersonCase('guidance'), anEmployerCase('candidate'), aPersonCase('new')]) {
      const copy = JSON.parse(JSON.stringify(driver.snapshot)) as unknown;
      expect(copy).toEqual(driver.snapshot);
      expect(availableEvents(restore(driver.pathway, copy))).toEqual(availableEvents(driver.machineSnapshot));
    }
  });

  it('stamps the service clock on the applied event', () => {
    const driver = aPersonCase('new');
    const result = driver.send({ type: 'INFORMATION_GIVEN', referral: 'A2', receivedAt: '1999-01-01T00:00:00Z' });
    expect(result.ok && result.event.receivedAt).toBe(NOW.toISOString());
  });

  it.each([
    ['null', null],
    ['a string', 'open'],
    ['an unknown state', { status: 'active', value: { open: { A1: 'nowhere' } }, context: {} }],
    ['a state of the other machine', { status: 'active', value: { open: { B1: 'notStarted' } }, context: {} }],
    ['a final status on an open state', { ...aPersonCase('new').snapshot, status: 'done' }],
    ['an error status', { ...aPersonCase('new').snapshot, status: 'error' }],
    ['no context', { status: 'active', value: 'placed' }],
  ])('refuses to restore %s with a typed error', (_label, snapshot) => {
    expect(() => restore('person', snapshot)).toThrow(InvalidSnapshotError);
    expect(() => applyEvent({ pathway: 'person', snapshot, event: { type: 'WITHDRAWN' }, now: NOW })).toThrow(InvalidSnapshotError);
  });

  it('refuses invalid opening input with field problems', () => {
    const result = startCase({ pathway: 'person', input: { targets: ['pirate'], languageMediation: 'yes' } });
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.refusal).toMatchObject({ kind: 'invalid_input', cause: result.refusal.reasons[0] });
      expect(result.refusal.reasons[0].code).toBe('INPUT_INVALID');
      expect(result.refusal.reasons[0].fields?.map((f) => f.field)).toEqual(['targets', 'languageMediation']);
    }
  });

  it('returns from one step what a read of the stored snapshot returns', () => {
    const driver = aPersonCase('guidance');
    const step = driver.send({ type: 'GUIDANCE_SESSION_HELD', mode: 'individual', minutes: 60 });
    if (!step.ok) throw new Error('expected applied');
    const { snapshot, status, value, statePaths, services, deadlines } = step;
    const state = { snapshot, status, value, statePaths, services, deadlines };
    expect(readCase({ pathway: 'person', snapshot: JSON.parse(JSON.stringify(step.snapshot)) as unknown, now: NOW })).toEqual(state);
    expect(state.statePaths).toEqual(expect.arrayContaining(['open', 'open.A3']));
    expect(state.services.A3).toBe('active');
    expect(state.deadlines?.map((d) => d.id)).toEqual(['guidance_interview', 'measure_proposal']);
    expect(eventsAvailable({ pathway: 'person', snapshot: step.snapshot })).toEqual(availableEvents(driver.machineSnapshot));
  });

  it('reads deadlines only for a pathway that has them, at the clock it is given', () => {
    expect(readCase({ pathway: 'employer', snapshot: anEmployerCase('candidate').snapshot, now: NOW }).deadlines).toBeNull();
    const snapshot = aPersonCase('intakeRecorded').snapshot;
    const early = readCase({ pathway: 'person', snapshot, now: new Date('2026-09-02T00:00:00Z') }).deadlines;
    const late = readCase({ pathway: 'person', snapshot, now: new Date('2027-09-02T00:00:00Z') }).deadlines;
    expect(early?.find((d) => d.id === 'measure_proposal')?.state).toBe('pending');
    expect(late?.find((d) => d.id === 'measure_proposal')?.state).toBe('overdue');
  });
});
