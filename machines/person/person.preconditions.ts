import type { AnyMachineSnapshot } from 'xstate';
import {
  COMPLEX_TARGETS,
  NETWORK_PARTNERS,
  OPERATOR_REQUIREMENTS,
  type ComplexTarget,
  type NetworkPartner,
  type OperatorRequirement,
  type Text,
} from '../repertory.js';
import type { PersonContext } from './person.machine.js';

/** What asks for a precondition: a complex target, or the transversal language-mediation need. */
export type Requirer = ComplexTarget | 'language_mediation';

export interface Precondition<K> {
  key: K;
  text: Text;
  /** Targets of the case that require it. */
  requiredBy: Requirer[];
  /** When it was recorded, or null while outstanding. */
  metAt: string | null;
}

export interface ComplexTargetPreconditions {
  network: Precondition<NetworkPartner>[];
  operator: Precondition<OperatorRequirement>[];
  /** True when every precondition the case's targets require is on record. */
  complete: boolean;
}

function collect<K extends string>(
  required: [K, Requirer][],
  texts: Record<K, Text>,
  metAtOf: (key: K) => string | null,
): Precondition<K>[] {
  const byKey = new Map<K, Requirer[]>();
  for (const [key, target] of required) byKey.set(key, [...(byKey.get(key) ?? []), target]);
  return [...byKey].map(([key, requiredBy]) => ({ key, text: texts[key], requiredBy, metAt: metAtOf(key) }));
}

/**
 * The extra preconditions a person's complex targets require (network integrations, the case
 * manager's professional requirements, a cultural mediator for language mediation), and which of
 * them are on record. The standards present them as an extension to the minimum standards, so the
 * machine records them and shows what is outstanding rather than blocking services.
 */
export function complexTargetPreconditions(snapshot: AnyMachineSnapshot): ComplexTargetPreconditions {
  const context = snapshot.context as PersonContext;
  const targets = context.targets;
  const network = collect(
    targets.flatMap((t) => COMPLEX_TARGETS[t].network.map((p): [NetworkPartner, ComplexTarget] => [p, t])),
    NETWORK_PARTNERS,
    (partner) => context.networkIntegrations.find((n) => n.partner === partner)?.at ?? null,
  );
  const operatorRequired = targets.flatMap((t) => COMPLEX_TARGETS[t].operator.map((r): [OperatorRequirement, Requirer] => [r, t]));
  // Intercultural mediation is transversal: a language-mediation need asks for a cultural mediator whatever the targets.
  const mediation: [OperatorRequirement, Requirer][] = context.languageMediation ? [['cultural_mediator', 'language_mediation']] : [];
  const operator = collect(
    [...operatorRequired, ...mediation],
    OPERATOR_REQUIREMENTS,
    (requirement) => context.operatorCompetences.find((c) => c.requirement === requirement)?.at ?? null,
  );
  return { network, operator, complete: [...network, ...operator].every((p) => p.metAt !== null) };
}
