import { describe, expect, it } from '@jest/globals';
import { InvalidSnapshotError, applyEvent, restore, startCase } from './engine.js';
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
      expect(result.refusal.reasons[0].code).toBe('INPUT_INVALID');
      expect(result.refusal.reasons[0].fields?.map((f) => f.field)).toEqual(['targets', 'languageMediation']);
    }
  });
});
