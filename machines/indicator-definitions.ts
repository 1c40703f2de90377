import { INDICATORS, PATHWAYS, PATHWAY_NAMES, type PathwayName, type Text } from './index.js';

/**
 * How each of the region's indicators (the seed's "indicatori fisici", 1.1-10.3) is counted. Which
 * events feed an indicator is read from the machines' event catalogues (each event's `indicators`):
 * the one source of truth, also shown in docs/pathways.md. What is said here is only how to count.
 *
 * - `subjects`: distinct persons or companies ("N° utenti", "N° aziende"): distinct case subjects;
 * - `acts`: the acts themselves ("N° tirocinii attivati", "N° candidati segnalati", and "N° vacancy
 *   rilevate e registrate": the machine records a vacancyId once per employer case
 *   (VACANCY_ALREADY_RECORDED), so each VACANCY_RECORDED is one distinct vacancy of one company).
 */
export type Counting = 'subjects' | 'acts';
export type Unit = 'persons' | 'companies' | 'traineeships' | 'vacancies' | 'candidates';

/** The day a date indicator is about: the act's own day, or a date of its payload. */
export type DimensionDate = { kind: 'act' } | { kind: 'payload'; field: string };

export interface IndicatorDefinition {
  id: string;
  label: Text;
  pathway: PathwayName;
  unit: Unit;
  counting: Counting;
  /** The event types that feed it (on its pathway). */
  events: string[];
  /** 2.2, 3.2, 6.4: the seed's "dimensioni di analisi", counted by month and in days from the DID. */
  dimension?: DimensionDate;
}

const COUNTED_OTHERWISE: Record<string, Pick<IndicatorDefinition, 'unit' | 'counting'>> = {
  '5.2': { unit: 'traineeships', counting: 'acts' },
  '8.4': { unit: 'vacancies', counting: 'acts' },
  '10.1': { unit: 'candidates', counting: 'acts' },
};

const DIMENSIONS: Record<string, DimensionDate> = {
  '2.2': { kind: 'act' },
  '3.2': { kind: 'act' },
  '6.4': { kind: 'payload', field: 'contractStartDate' },
};

function definitionOf(id: string, label: Text): IndicatorDefinition {
  const feeders = PATHWAY_NAMES.flatMap((pathway) =>
    Object.values(PATHWAYS[pathway].events)
      .filter((spec) => spec.indicators.includes(id))
      .map((spec) => ({ pathway, type: spec.type })),
  );
  const pathways = [...new Set(feeders.map((f) => f.pathway))];
  if (pathways.length !== 1) throw new Error(`indicator ${id} is fed by ${pathways.length} pathways' events; expected one`);
  const pathway = pathways[0];
  return {
    id,
    label,
    pathway,
    ...(COUNTED_OTHERWISE[id] ?? { unit: pathway === 'person' ? 'persons' : 'companies', counting: 'subjects' }),
    events: feeders.map((f) => f.type),
    ...(DIMENSIONS[id] ? { dimension: DIMENSIONS[id] } : {}),
  };
}

/** Every indicator, in the seed's order. */
export const INDICATOR_DEFINITIONS: IndicatorDefinition[] = Object.entries(INDICATORS).map(([id, label]) => definitionOf(id, label));

/** The two sides of the 6.2 / 10.1 consistency check: the person's sending act and the employer's. */
export const CONSISTENCY = {
  person: { indicator: '6.2', type: 'SENT_TO_INTERVIEW', otherCaseField: 'employerCaseId' },
  employer: { indicator: '10.1', type: 'CANDIDATE_PUT_FORWARD', otherCaseField: 'personCaseId' },
} as const;
