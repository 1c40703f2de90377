import {
  COMPLEX_TARGETS,
  CPI_ONLY_ACTS,
  LIMITS,
  SERVICES,
  STANDARDS_TIME_ZONE,
  minutesText,
  type ComplexTarget,
  type CpiOnlyAct,
  type DeliveryMode,
  type Language,
  type ServiceKey,
  type Text,
} from './repertory.js';
import {
  ENVELOPE_FIELDS,
  calendarDateIn,
  isCalendarDate,
  msOf,
  operatorOf,
  type CaseContextBase,
  type CaseEvent,
  type EventSpec,
} from './case.js';
import { payloadReport, type DescribedProblem } from './payload.js';

export interface GuardParams {
  service?: ServiceKey;
  act?: CpiOnlyAct;
  target?: ComplexTarget;
}

export interface GuardArgs<C> {
  context: C;
  event: CaseEvent;
}

type Vars = Record<string, string | number | Text | undefined>;

/**
 * A named guard: the check the machine runs, and what a case manager reads when it fails.
 * What it reads decides when it can be evaluated without a full event (to list the events
 * available now): `case` guards need only the case, `operator` guards the acting operator too,
 * `event` guards the event's payload.
 */
export interface GuardSpec<C> {
  code: string;
  reads: 'case' | 'operator' | 'event';
  /** Refusal sentence; `{name}` placeholders are filled from `vars`. */
  message: Text;
  /**
   * The rule in a few plain words, as a diagram shows it beside a transition ("dopo A.2 concluso").
   * `{name}` placeholders are filled from the guard's parameters alone (see `guardLabel`).
   */
  label: Text;
  check: (args: GuardArgs<C>, params: GuardParams) => boolean;
  vars?: (args: GuardArgs<C>, params: GuardParams) => Vars;
  /** Field-level detail attached to the reason (payload validation). */
  fields?: (args: GuardArgs<C>) => DescribedProblem[];
}

export type GuardCatalogue<C> = Record<string, GuardSpec<C>>;

/** A refusal reason: stable code, the guard that failed, and the sentence in both languages. */
export interface Reason {
  code: string;
  guard: string | null;
  message: Text;
  /** Field-level problems, when the payload is malformed. */
  fields?: DescribedProblem[];
}

export function render(template: Text, vars: Vars = {}): Text {
  const fill = (lang: Language) =>
    template[lang].replace(/\{(\w+)\}/g, (whole, name: string) => {
      const value = vars[name];
      if (value === undefined) return whole;
      return typeof value === 'object' ? value[lang] : String(value);
    });
  return { it: fill('it'), en: fill('en') };
}

/** A service as a case manager names it: code and name, in both languages. */
export const serviceText = (key: ServiceKey): Text => ({
  it: `${SERVICES[key].code} ${SERVICES[key].name.it}`,
  en: `${SERVICES[key].code} ${SERVICES[key].name.en}`,
});

const joinLabels = (keys: ServiceKey[], it: string, en: string): Text => ({
  it: keys.map((k) => serviceText(k).it).join(` ${it} `),
  en: keys.map((k) => serviceText(k).en).join(` ${en} `),
});

const MODE_NAMES: Record<DeliveryMode, Text> = {
  individual: { it: 'individuale', en: 'individual' },
  group: { it: 'di gruppo', en: 'group' },
  back_office: { it: 'in back office', en: 'back-office' },
};

// Guards read the event as received (CaseEvent): the inspector also evaluates them on probes without
// a payload, so they check what they read rather than rely on the catalogue's types as actions do.
const modeOf = (event: CaseEvent): DeliveryMode | null => {
  const mode = event.mode;
  return mode === 'individual' || mode === 'group' || mode === 'back_office' ? mode : null;
};

const minutesOf = (event: CaseEvent): number | null =>
  typeof event.minutes === 'number' && Number.isInteger(event.minutes) ? event.minutes : null;

const requireService = (params: GuardParams): ServiceKey => {
  if (!params.service) throw new Error('guard needs params.service');
  return params.service;
};

export const serviceStarted = (ctx: CaseContextBase, key: ServiceKey): boolean => Boolean(ctx.services[key]?.startedAt);
export const serviceCompleted = (ctx: CaseContextBase, key: ServiceKey): boolean => Boolean(ctx.services[key]?.completedAt);

/** Minimum minutes for a service and mode, or null when the standard sets none. */
export const minimumMinutes = (key: ServiceKey, mode: DeliveryMode): number | null => SERVICES[key].minMinutes[mode] ?? null;

/** The guard that validates an event's payload against its catalogue entry: its failure is the sender's fault. */
export const PAYLOAD_GUARD = 'payloadValid';

/** Guards both pathways share. `events` is the pathway's event catalogue, for payload validation. */
export function commonGuards(events: Record<string, EventSpec>): GuardCatalogue<CaseContextBase> {
  // Events of another pathway never reach these guards: explain and the engine refuse them first.
  const reportOf = (event: CaseEvent) =>
    payloadReport([...ENVELOPE_FIELDS, ...(Object.hasOwn(events, event.type) ? events[event.type].fields : [])], event, [
      'type',
      'receivedAt',
    ]);
  return {
    [PAYLOAD_GUARD]: {
      code: 'PAYLOAD_INVALID',
      reads: 'event',
      label: { it: 'i dati della richiesta sono completi e validi', en: "the request's data are complete and valid" },
      message: {
        it: 'I dati della richiesta sono incompleti o non validi: {problems}.',
        en: 'The request is incomplete or invalid: {problems}.',
      },
      check: ({ event }) => reportOf(event).problems.length === 0,
      vars: ({ event }) => ({ problems: reportOf(event).summary }),
      fields: ({ event }) => reportOf(event).problems,
    },
    // A.4: at least two meetings before the service can be completed (any service that sets minMeetings).
    minimumMeetings: {
      code: 'TOO_FEW_MEETINGS',
      reads: 'case',
      label: { it: 'almeno {min} incontri registrati', en: 'at least {min} meetings recorded' },
      message: {
        it: '{service} richiede almeno {min} incontri prima di concludersi; registrati {count}.',
        en: '{service} needs at least {min} meetings before it can be completed; {count} recorded.',
      },
      check: ({ context }, params) => {
        const key = requireService(params);
        return (context.services[key]?.sessions.length ?? 0) >= (SERVICES[key].minMeetings ?? 0);
      },
      vars: ({ context }, params) => {
        const key = requireService(params);
        return { service: serviceText(key), min: SERVICES[key].minMeetings ?? 0, count: context.services[key]?.sessions.length ?? 0 };
      },
    },
    dateNotInFuture: {
      code: 'DATE_IN_FUTURE',
      reads: 'event',
      label: { it: "la data dell'atto non è nel futuro", en: "the act's date is not in the future" },
      message: {
        it: "La data dell'atto ({at}) è nel futuro: si registrano solo atti già avvenuti.",
        en: 'The date of the act ({at}) is in the future: only acts that have taken place can be recorded.',
      },
      check: ({ event }) => {
        const received = msOf(event.receivedAt);
        if (Number.isNaN(received)) return true;
        // A day without a time is an act of that day in Italy: in the future only after today there
        // (from midnight to 01:00 UTC, today in Rome is already tomorrow in UTC).
        if (isCalendarDate(event.at)) return !(String(event.at) > calendarDateIn(STANDARDS_TIME_ZONE, received));
        return !(msOf(event.at) > received + LIMITS.futureToleranceMs);
      },
      vars: ({ event }) => ({ at: String(event.at) }),
    },
    modeAllowed: {
      code: 'DELIVERY_MODE_NOT_ALLOWED',
      reads: 'event',
      label: { it: 'modalità ammesse: {modes}', en: 'allowed modes: {modes}' },
      message: {
        it: '{service} non prevede la modalità {mode}; modalità ammesse: {modes}.',
        en: '{service} cannot be delivered as a {mode} session; allowed: {modes}.',
      },
      check: ({ event }, params) => {
        const mode = modeOf(event);
        return mode !== null && mode in SERVICES[requireService(params)].minMinutes;
      },
      vars: ({ event }, params) => {
        const key = requireService(params);
        const modes = Object.keys(SERVICES[key].minMinutes) as DeliveryMode[];
        const mode = modeOf(event);
        return {
          service: serviceText(key),
          mode: mode ? MODE_NAMES[mode] : String(event.mode),
          modes: { it: modes.map((m) => MODE_NAMES[m].it).join(', '), en: modes.map((m) => MODE_NAMES[m].en).join(', ') },
        };
      },
    },
    minimumDuration: {
      code: 'DURATION_BELOW_MINIMUM',
      reads: 'event',
      label: { it: 'durata minima: {durations}', en: 'minimum duration: {durations}' },
      message: {
        it: '{service}: un incontro {mode} deve durare almeno {min} minuti; registrati {minutes}.',
        en: '{service}: each {mode} session must last at least {min} minutes; {minutes} recorded.',
      },
      check: ({ event }, params) => {
        const mode = modeOf(event);
        const minutes = minutesOf(event);
        if (mode === null || minutes === null) return false;
        return minutes >= (minimumMinutes(requireService(params), mode) ?? 1);
      },
      vars: ({ event }, params) => {
        const mode = modeOf(event) ?? 'individual';
        return {
          service: serviceText(requireService(params)),
          mode: MODE_NAMES[mode],
          min: minimumMinutes(requireService(params), mode) ?? 1,
          minutes: String(event.minutes),
        };
      },
    },
    precedingServicesCompleted: {
      code: 'PRECEDING_SERVICE_NOT_COMPLETED',
      reads: 'case',
      label: { it: 'dopo aver concluso {after}', en: 'after completing {after}' },
      message: {
        it: '{service} si può erogare solo dopo aver concluso {missing}.',
        en: '{service} can only be delivered after {missing} has been completed.',
      },
      check: ({ context }, params) => SERVICES[requireService(params)].access.after.every((k) => serviceCompleted(context, k)),
      vars: ({ context }, params) => {
        const key = requireService(params);
        const missing = SERVICES[key].access.after.filter((k) => !serviceCompleted(context, k));
        return { service: serviceText(key), missing: joinLabels(missing, 'e', 'and') };
      },
    },
    precedingOrConcurrentServiceStarted: {
      code: 'NO_PRECEDING_OR_CONCURRENT_SERVICE',
      reads: 'case',
      label: { it: 'dopo o insieme ad {afterOrWith}', en: 'after or together with {afterOrWith}' },
      message: {
        it: '{service} si può erogare solo dopo o insieme a {services}: nessuno è ancora iniziato.',
        en: '{service} can only be delivered after or together with {services}: none has started yet.',
      },
      check: ({ context }, params) => SERVICES[requireService(params)].access.afterOrWith.some((k) => serviceStarted(context, k)),
      vars: (_args, params) => {
        const key = requireService(params);
        return { service: serviceText(key), services: joinLabels(SERVICES[key].access.afterOrWith, 'o', 'or') };
      },
    },
    pattoSigned: {
      code: 'PATTO_NOT_SIGNED',
      reads: 'case',
      label: { it: 'Patto di Servizio firmato', en: 'Patto di Servizio signed' },
      message: {
        it: 'Il Patto di Servizio non è stato sottoscritto: senza il Patto non si accede a questo servizio.',
        en: 'The Patto di Servizio has not been signed: this service requires it.',
      },
      check: ({ context }) => context.patto.signedAt !== null,
    },
    dateNotBeforePatto: {
      code: 'DATE_BEFORE_PATTO',
      reads: 'event',
      label: { it: 'data non precedente al Patto', en: 'date not before the Patto' },
      message: {
        it: "La data dell'atto ({at}) precede la firma del Patto di Servizio ({patto}).",
        en: 'The date of the act ({at}) is before the Patto di Servizio was signed ({patto}).',
      },
      check: ({ context, event }) => !(msOf(event.at) < msOf(context.patto.signedAt)),
      vars: ({ context, event }) => ({ at: String(event.at), patto: context.patto.signedAt ?? '' }),
    },
    serviceStarted: {
      code: 'SERVICE_NOT_STARTED',
      reads: 'case',
      label: { it: '{service} iniziato', en: '{service} started' },
      message: {
        it: '{service} non è ancora iniziato: questo atto ne fa parte.',
        en: '{service} has not started yet: this act belongs to it.',
      },
      check: ({ context }, params) => serviceStarted(context, requireService(params)),
      vars: (_args, params) => ({ service: serviceText(requireService(params)) }),
    },
    operatorIsCpi: {
      code: 'CPI_ONLY_ACT',
      reads: 'operator',
      label: { it: 'solo un operatore del CPI ({law})', en: 'only a CPI operator ({law})' },
      message: {
        it: "{act} ({law}) è di competenza esclusiva dei Centri per l'Impiego: un operatore accreditato non può registrarla.",
        en: '{act} ({law}) is reserved to the public employment offices (CPI): an accredited operator cannot record it.',
      },
      check: ({ event }) => operatorOf(event)?.kind === 'cpi',
      vars: (_args, params) => {
        const act = params.act ? CPI_ONLY_ACTS[params.act] : null;
        return act ? { act: act.text, law: act.law } : {};
      },
    },
  };
}

/** Service codes joined in words: "A.3 o A.4", "B.1 and B.2". */
const joinCodes = (keys: ServiceKey[], it: string, en: string): Text => ({
  it: keys.map((k) => SERVICES[k].code).join(` ${it} `),
  en: keys.map((k) => SERVICES[k].code).join(` ${en} `),
});

const joinTexts = (texts: Text[]): Text => ({ it: texts.map((t) => t.it).join(', '), en: texts.map((t) => t.en).join(', ') });

/** The values a guard's label may name, from its parameters alone (no case, no event). */
function labelVars(params: GuardParams): Vars {
  const vars: Vars = {};
  if (params.service) {
    const service = SERVICES[params.service];
    const modes = Object.entries(service.minMinutes) as [DeliveryMode, number | null][];
    Object.assign(vars, {
      service: service.code,
      after: joinCodes(service.access.after, 'e', 'and'),
      afterOrWith: joinCodes(service.access.afterOrWith, 'o', 'or'),
      min: service.minMeetings ?? 0,
      modes: joinTexts(modes.map(([mode]) => MODE_NAMES[mode])),
      durations: joinTexts(
        modes.map(([mode, min]) => {
          const length = min === null ? { it: 'libera', en: 'any length' } : minutesText(min);
          return { it: `${MODE_NAMES[mode].it} ${length.it}`, en: `${MODE_NAMES[mode].en} ${length.en}` };
        }),
      ),
    });
  }
  if (params.act) Object.assign(vars, { act: CPI_ONLY_ACTS[params.act].text, law: CPI_ONLY_ACTS[params.act].law });
  if (params.target) vars.target = COMPLEX_TARGETS[params.target].name;
  return vars;
}

/** A guard's rule in plain words, as a transition uses it (its parameters filled in). */
export const guardLabel = <C>(spec: GuardSpec<C>, params: GuardParams): Text => render(spec.label, labelVars(params));

/** The failed guard as a reason a person can read. */
export function reasonOf<C>(name: string, spec: GuardSpec<C>, args: GuardArgs<C>, params: GuardParams): Reason {
  const reason: Reason = { code: spec.code, guard: name, message: render(spec.message, spec.vars?.(args, params)) };
  const fields = spec.fields?.(args);
  return fields ? { ...reason, fields } : reason;
}

/** The guard functions XState runs, taken from a catalogue: the catalogue is the one source. */
export const guardImplementations = <C>(catalogue: GuardCatalogue<C>) =>
  Object.fromEntries(Object.entries(catalogue).map(([name, spec]) => [name, spec.check])) as Record<
    string,
    (args: GuardArgs<C>, params: GuardParams) => boolean
  >;
