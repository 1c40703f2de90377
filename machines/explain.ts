import { getNextTransitions, type AnyMachineSnapshot, type AnyTransitionDefinition } from 'xstate';
import { type CaseContextBase, type CaseEvent, type Operator } from './case.js';
import { allStateNodes, guardUses, stateLabel } from './definition.js';
import { PAYLOAD_GUARD, reasonOf, render, type GuardArgs, type GuardSpec, type Reason } from './guards.js';
import { pathwayOfMachine, type Pathway } from './pathways.js';
import { SERVICES, type ServiceKey } from './repertory.js';

/** Why explain refuses an event: the vocabulary of /transitions and of the refusal bodies' `kind`. */
export type RefusalKind = 'unknown_event' | 'not_available' | 'case_closed' | 'guards_failed';

/** Reported only if the machine refuses what its guards allowed: a bug, but never a refusal without a code. */
export const TRANSITION_REFUSED: Reason = {
  code: 'TRANSITION_REFUSED',
  guard: null,
  message: { it: 'Transizione rifiutata dalla macchina.', en: 'Transition refused by the machine.' },
};

/** An event explained: taken, or refused with a kind and at least one reason with a stable code. */
export type Explanation = { allowed: true } | { allowed: false; kind: RefusalKind; reasons: Reason[] };

type AnyGuardSpec = GuardSpec<unknown>;
type Scope = 'full' | 'case' | 'operator';

const READS_IN_SCOPE: Record<Scope, AnyGuardSpec['reads'][]> = {
  full: ['case', 'operator', 'event'],
  operator: ['case', 'operator'],
  case: ['case'],
};

const isEventLike = (event: unknown): event is CaseEvent =>
  typeof event === 'object' && event !== null && typeof (event as { type?: unknown }).type === 'string';

function closedReason(snapshot: AnyMachineSnapshot): Reason {
  const outcome = (snapshot.context as CaseContextBase).outcome;
  return {
    code: 'CASE_CLOSED',
    guard: null,
    message: render(
      {
        it: 'Il caso è chiuso ({outcome}, {at}): non accetta altri eventi.',
        en: 'The case is closed ({outcome}, {at}): it accepts no further events.',
      },
      { outcome: outcome?.kind ?? String(snapshot.value), at: outcome?.at ?? '' },
    ),
  };
}

const safeJson = (value: unknown): string => {
  try {
    return JSON.stringify(value) ?? typeof value;
  } catch {
    return typeof value;
  }
};

function unknownReason(pathway: Pathway, type: unknown): Reason {
  return {
    code: 'EVENT_UNKNOWN',
    guard: null,
    message: render(
      {
        it: '"{type}" non è un evento del percorso {pathway}.',
        en: '"{type}" is not an event of the {pathway} pathway.',
      },
      { type: typeof type === 'string' ? type : safeJson(type), pathway: pathway.name },
    ),
  };
}

function notAvailableReason(pathway: Pathway, type: string): Reason {
  const where = allStateNodes(pathway.machine).filter((node) => node.transitions.has(type));
  return {
    code: 'EVENT_NOT_AVAILABLE',
    guard: null,
    message: render(
      {
        it: '{type} non è possibile ora: è ammesso solo in {states}.',
        en: '{type} is not possible now: it is accepted only in {states}.',
      },
      {
        type,
        states: {
          it: where.map((n) => stateLabel(n, 'it')).join('; '),
          en: where.map((n) => stateLabel(n, 'en')).join('; '),
        },
      },
    ),
  };
}

/**
 * The failed guards of one candidate transition. Guards whose inputs are out of scope are
 * skipped; when the payload itself is invalid, the other payload guards are skipped too, as
 * their verdicts on a malformed payload would only add noise.
 */
function failedGuards(
  pathway: Pathway,
  snapshot: AnyMachineSnapshot,
  t: AnyTransitionDefinition,
  event: CaseEvent,
  scope: Scope,
): Reason[] {
  const implementations = snapshot.machine.implementations.guards as Record<string, (a: GuardArgs<unknown>, p: unknown) => boolean>;
  const args = { context: snapshot.context as unknown, event };
  const uses = guardUses(t.guard);
  const reasons: Reason[] = [];
  let payloadValid = true;
  for (const use of uses) {
    const spec = pathway.guards[use.name] as AnyGuardSpec | undefined;
    if (!spec) throw new Error(`guard '${use.name}' has no catalogue entry`);
    if (!READS_IN_SCOPE[scope].includes(spec.reads)) continue;
    if (spec.reads === 'event' && !payloadValid) continue;
    if (implementations[use.name](args, use.params)) continue;
    if (use.name === PAYLOAD_GUARD) payloadValid = false;
    reasons.push(reasonOf(use.name, spec, args, use.params));
  }
  return reasons;
}

const dedupe = (reasons: Reason[]): Reason[] => {
  const seen = new Set<string>();
  return reasons.filter((r) => {
    const key = `${r.code}|${r.message.en}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
};

/** Evaluates an event against the candidate transitions of a snapshot, within a scope. */
function evaluate(pathway: Pathway, snapshot: AnyMachineSnapshot, event: CaseEvent, scope: Scope): Explanation {
  if (snapshot.status !== 'active') return { allowed: false, kind: 'case_closed', reasons: [closedReason(snapshot)] };
  if (!Object.hasOwn(pathway.events, event.type))
    return { allowed: false, kind: 'unknown_event', reasons: [unknownReason(pathway, event.type)] };
  const candidates = getNextTransitions(snapshot).filter((t) => t.eventType === event.type);
  if (candidates.length === 0) {
    return { allowed: false, kind: 'not_available', reasons: [notAvailableReason(pathway, event.type)] };
  }
  const perCandidate = candidates.map((t) => failedGuards(pathway, snapshot, t, event, scope));
  if (perCandidate.some((reasons) => reasons.length === 0)) return { allowed: true };
  return { allowed: false, kind: 'guards_failed', reasons: dedupe(perCandidate.flat()) };
}

/**
 * Why an event would be refused in this snapshot, from the machine's own transitions and named
 * guards: not an event of the pathway, not available in the current state, or every failed guard
 * with its code and message in Italian and English. `{ allowed: true }` when it would be taken.
 */
export function explain(snapshot: AnyMachineSnapshot, event: unknown): Explanation {
  const pathway = pathwayOfMachine(snapshot.machine);
  if (snapshot.status !== 'active') return { allowed: false, kind: 'case_closed', reasons: [closedReason(snapshot)] };
  if (!isEventLike(event)) {
    const type = typeof event === 'object' && event !== null ? (event as { type?: unknown }).type : event;
    return { allowed: false, kind: 'unknown_event', reasons: [unknownReason(pathway, type)] };
  }
  const explanation = evaluate(pathway, snapshot, event, 'full');
  if (explanation.allowed && snapshot.machine.getTransitionData(snapshot, event).length === 0) {
    // The catalogue said yes but the machine says no: never report a refusal without a reason.
    return { allowed: false, kind: 'guards_failed', reasons: [TRANSITION_REFUSED] };
  }
  return explanation;
}

export interface AvailableEvents {
  allowed: string[];
  blocked: { event: string; kind: RefusalKind; reasons: Reason[] }[];
}

/**
 * The events of the pathway that can be taken now, with guards on the case evaluated (and on the
 * operator, when one is given); the others with their reasons. Payload checks (durations, dates)
 * are left to the moment the event is sent.
 */
export function availableEvents(snapshot: AnyMachineSnapshot, options: { operator?: Operator } = {}): AvailableEvents {
  const pathway = pathwayOfMachine(snapshot.machine);
  const scope: Scope = options.operator ? 'operator' : 'case';
  const result: AvailableEvents = { allowed: [], blocked: [] };
  for (const type of Object.keys(pathway.events)) {
    const probe = { type, operator: options.operator } as CaseEvent;
    const verdict = evaluate(pathway, snapshot, probe, scope);
    if (verdict.allowed) result.allowed.push(type);
    else result.blocked.push({ event: type, kind: verdict.kind, reasons: verdict.reasons });
  }
  return result;
}

export type ServiceStatus = 'not_started' | 'active' | 'completed' | 'not_applicable';

/**
 * Each service's status, derived from the snapshot: a closed case has no service still to start
 * (not_applicable), and A.4 is not applicable while no specific need is on record.
 */
export function serviceStatuses(snapshot: AnyMachineSnapshot): Partial<Record<ServiceKey, ServiceStatus>> {
  const pathway = pathwayOfMachine(snapshot.machine);
  const context = snapshot.context as CaseContextBase & { specificNeed?: unknown };
  const closed = snapshot.status !== 'active';
  return Object.fromEntries(
    pathway.services.map((key): [ServiceKey, ServiceStatus] => {
      const record = context.services[key];
      if (record?.completedAt) return [key, 'completed'];
      if (record?.startedAt) return [key, 'active'];
      if (closed) return [key, 'not_applicable'];
      if (SERVICES[key].access.specificNeed && !context.specificNeed) return [key, 'not_applicable'];
      return [key, 'not_started'];
    }),
  );
}
