import { describe, expect, it } from '@jest/globals';
import { aPersonCase } from '../testing/case-factory.js';
import { complexTargetPreconditions } from './person.preconditions.js';

describe('complex-target preconditions', () => {
  it('has none, and is complete, for a case without targets or mediation', () => {
    expect(complexTargetPreconditions(aPersonCase('new').machineSnapshot)).toEqual({ network: [], operator: [], complete: true });
  });

  it('lists what a disabled person requires, and marks each precondition as it is recorded', () => {
    const driver = aPersonCase('new', { targets: ['disabled'] });
    const before = complexTargetPreconditions(driver.machineSnapshot);
    expect(before.network.map((p) => p.key)).toEqual(['cpi_targeted_placement', 'asl', 'inps', 'social_services']);
    expect(before.operator.map((p) => [p.key, p.requiredBy])).toEqual([['dedicated_operator', ['disabled']]]);
    expect(before.complete).toBe(false);

    driver.apply({ type: 'NETWORK_INTEGRATION_RECORDED', partner: 'asl', at: '2026-10-02' });
    driver.apply({ type: 'DEDICATED_OPERATOR_ASSIGNED', operatorId: 'op-9', competences: ['dedicated_operator'] });
    const after = complexTargetPreconditions(driver.machineSnapshot);
    expect(after.network.find((p) => p.key === 'asl')?.metAt).toBe('2026-10-02');
    expect(after.network.filter((p) => p.metAt === null).map((p) => p.key)).toEqual(['cpi_targeted_placement', 'inps', 'social_services']);
    expect(after.operator[0].metAt).not.toBeNull();

    for (const partner of ['cpi_targeted_placement', 'inps', 'social_services'])
      driver.apply({ type: 'NETWORK_INTEGRATION_RECORDED', partner });
    expect(complexTargetPreconditions(driver.machineSnapshot).complete).toBe(true);
  });

  it('merges a requirement two targets share, and asks for a mediator for a language-mediation need', () => {
    const driver = aPersonCase('new', { targets: ['addiction', 'detainee'], languageMediation: true });
    const { network, operator } = complexTargetPreconditions(driver.machineSnapshot);
    expect(operator).toEqual([
      expect.objectContaining({ key: 'dedicated_operator', requiredBy: ['addiction', 'detainee'], metAt: null }),
      expect.objectContaining({ key: 'cultural_mediator', requiredBy: ['language_mediation'], metAt: null }),
    ]);
    expect(network.map((p) => p.key)).toEqual(['social_services', 'sert', 'uepe', 'prison_treatment_area', 'first_reception_centre']);
  });
});
