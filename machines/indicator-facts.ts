import { CONSISTENCY, INDICATOR_DEFINITIONS } from './indicator-definitions.js';

/**
 * What an act contributes to the indicators: one row of `indicator_facts` per indicator it feeds,
 * written in the statement that appends the event (CaseRepository.appendEvent), so that the
 * indicators read a narrow table instead of the event log (docs/indicators.md, "How it is stored").
 * The row's case, office, subject and day are the statement's; what is computed here is which
 * indicators the act feeds and what of its payload they need.
 */
export interface FactWrite {
  indicator: string;
  /** A date indicator's date when it is not the act's day (6.4: the contract's start date). */
  dated: string | null;
  /** The person's DID date in the case after the act (the date indicators' days from the DID). */
  did: string | null;
  /** 6.2 and 10.1, the two sides of the consistency check: the vacancy and the other case as named. */
  vacancy: string | null;
  otherCase: string | null;
}

const DATE = /^\d{4}-\d{2}-\d{2}/;

/** The indicators each (pathway, event type) feeds, from the definitions (the machines' catalogues). */
const FEEDS = new Map<string, typeof INDICATOR_DEFINITIONS>();
for (const definition of INDICATOR_DEFINITIONS)
  for (const type of definition.events) {
    const key = `${definition.pathway}:${type}`;
    FEEDS.set(key, [...(FEEDS.get(key) ?? []), definition]);
  }

const SIDES = Object.values(CONSISTENCY);

const text = (value: unknown): string | null => (typeof value === 'string' ? value : null);

/** A date's day (YYYY-MM-DD), or null when it is not a date. */
const dayOf = (value: unknown): string | null => {
  const given = text(value);
  return given !== null && DATE.test(given) ? given.slice(0, 10) : null;
};

/**
 * The facts of an act on a case of the pathway (`snapshot`: the case's after it); none on a practice
 * case (they never count).
 */
export function factsOf(args: {
  pathway: string;
  type: string;
  payload: Record<string, unknown>;
  practice: boolean;
  snapshot: unknown;
}): FactWrite[] {
  if (args.practice) return [];
  const context = (args.snapshot as { context?: { did?: { date?: unknown } | null } } | null)?.context;
  const did = dayOf(context?.did?.date);
  return (FEEDS.get(`${args.pathway}:${args.type}`) ?? []).map((definition) => {
    const side = SIDES.find((s) => s.indicator === definition.id);
    return {
      indicator: definition.id,
      dated: definition.dimension?.kind === 'payload' ? dayOf(args.payload[definition.dimension.field]) : null,
      did,
      vacancy: side ? text(args.payload.vacancyId) : null,
      otherCase: side ? text(args.payload[side.otherCaseField]) : null,
    };
  });
}

/** Every (pathway, event type, indicator, payload date field) the facts are written for: the backfill's table. */
export function feedTable(): { pathway: string; type: string; indicator: string; datedBy: string | null }[] {
  return INDICATOR_DEFINITIONS.flatMap((d) =>
    d.events.map((type) => ({
      pathway: d.pathway,
      type,
      indicator: d.id,
      datedBy: d.dimension?.kind === 'payload' ? d.dimension.field : null,
    })),
  );
}
