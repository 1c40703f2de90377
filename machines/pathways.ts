import type { AnyMachineSnapshot, AnyStateMachine } from 'xstate';
import type { EventSpec } from './case.js';
import type { GuardCatalogue } from './guards.js';
import type { FieldSpec } from './payload.js';
import type { ServiceKey, Text } from './repertory.js';
import { EMPLOYER_SERVICES, PERSON_SERVICES } from './repertory.js';
import { EMPLOYER_EVENTS, EMPLOYER_INPUT_FIELDS } from './employer/employer.events.js';
import { EMPLOYER_GUARDS, EMPLOYER_MACHINE_VERSION, employerMachine } from './employer/employer.machine.js';
import { legalDeadlines, type DeadlineStatus } from './person/person.deadlines.js';
import { PERSON_EVENTS, PERSON_INPUT_FIELDS } from './person/person.events.js';
import { PERSON_GUARDS, PERSON_MACHINE_VERSION, personMachine } from './person/person.machine.js';

export type PathwayName = 'person' | 'employer';

/** Everything the engine, the service and the docs need to know about one pathway. */
export interface Pathway {
  name: PathwayName;
  title: Text;
  /** Stored with every case: a case runs on the version it was created with. */
  version: string;
  machine: AnyStateMachine;
  services: ServiceKey[];
  events: Record<string, EventSpec>;
  guards: GuardCatalogue<never>;
  /** Fields accepted when a case is opened. */
  inputFields: FieldSpec[];
  /**
   * Where the machine's context keeps free text copied from the events (fields of kind 'string' that
   * are not identifiers), as paths: keys joined by dots, `*` for every item of a list. Masked when an
   * observer reads a real case; test/cases/observer-masking.spec.ts checks that none is missing.
   */
  textInContext: readonly string[];
  /** The legal deadlines of a case at a given time, for pathways the law sets some on. */
  deadlines?: (snapshot: AnyMachineSnapshot, now: Date) => DeadlineStatus[];
}

export const PATHWAYS: Record<PathwayName, Pathway> = {
  person: {
    name: 'person',
    title: { it: 'Servizi alle persone (Tipologia A)', en: 'Services to people (Tipologia A)' },
    version: PERSON_MACHINE_VERSION,
    machine: personMachine,
    services: PERSON_SERVICES,
    events: PERSON_EVENTS,
    guards: PERSON_GUARDS,
    inputFields: PERSON_INPUT_FIELDS,
    textInContext: [
      'referrals.*.externalService',
      'patto.refusalReason',
      'pai.refusalReason',
      'specificNeed.description',
      'professionalProject',
      'training.*.course',
      'traineeships.*.host',
      'outcome.reason',
    ],
    deadlines: legalDeadlines,
  },
  employer: {
    name: 'employer',
    title: { it: 'Servizi ai datori di lavoro (Tipologia B)', en: 'Services to employers (Tipologia B)' },
    version: EMPLOYER_MACHINE_VERSION,
    machine: employerMachine,
    services: EMPLOYER_SERVICES,
    events: EMPLOYER_EVENTS,
    guards: EMPLOYER_GUARDS,
    inputFields: EMPLOYER_INPUT_FIELDS,
    textInContext: ['vacancies.*.profile', 'patto.refusalReason', 'consultingTopics.*', 'feedback.*.feedback', 'outcome.reason'],
  },
};

export const PATHWAY_NAMES = Object.keys(PATHWAYS) as PathwayName[];

export const isPathwayName = (name: unknown): name is PathwayName => typeof name === 'string' && Object.hasOwn(PATHWAYS, name);

/** The pathway a machine snapshot belongs to (machine ids equal pathway names). */
export function pathwayOfMachine(machine: AnyStateMachine): Pathway {
  const name = machine.id;
  if (!isPathwayName(name)) throw new Error(`no pathway for machine '${name}'`);
  return PATHWAYS[name];
}
