import { createActor, initialTransition, transition, type AnyMachineSnapshot, type AnyStateNode } from 'xstate';
import type { CaseEvent, Operator } from './case.js';
import {
  TRANSITION_REFUSED,
  availableEvents,
  explain,
  serviceStatuses,
  type AvailableEvents,
  type RefusalKind,
  type ServiceStatus,
} from './explain.js';
import { PAYLOAD_GUARD, type Reason } from './guards.js';
import { payloadReport, type DescribedProblem } from './payload.js';
import { PATHWAYS, isPathwayName, type Pathway, type PathwayName } from './pathways.js';
import type { DeadlineStatus } from './person/person.deadlines.js';
import type { ServiceKey } from './repertory.js';

/** A case's snapshot as stored: JSON, from XState's getPersistedSnapshot. */
export type PersistedSnapshot = Record<string, unknown>;

/** A stored snapshot that does not fit the machine it is restored into. */
export class InvalidSnapshotError extends Error {
  readonly code = 'SNAPSHOT_INVALID';
  constructor(
    readonly pathway: string,
    readonly detail: string,
  ) {
    super(`snapshot does not fit the ${pathway} machine: ${detail}`);
    this.name = 'InvalidSnapshotError';
  }
}

export class UnknownPathwayError extends Error {
  readonly code = 'PATHWAY_UNKNOWN';
  constructor(readonly pathway: unknown) {
    super(`unknown pathway '${String(pathway)}'`);
    this.name = 'UnknownPathwayError';
  }
}

export function getPathwayOrFail(name: unknown): Pathway {
  if (!isPathwayName(name)) throw new UnknownPathwayError(name);
  return PATHWAYS[name];
}

/** Checks a persisted state value against the machine's state tree, node by node. */
function valueFits(node: AnyStateNode, value: unknown): boolean {
  const children = node.states;
  if (node.type === 'parallel') {
    if (typeof value !== 'object' || value === null) return false;
    const keys = Object.keys(children);
    const entries = Object.entries(value as Record<string, unknown>);
    return entries.length === keys.length && entries.every(([k, v]) => k in children && valueFits(children[k], v));
  }
  if (node.type === 'compound') {
    if (typeof value === 'string') return value in children && ['atomic', 'final'].includes(children[value].type);
    if (typeof value !== 'object' || value === null) return false;
    const entries = Object.entries(value as Record<string, unknown>);
    return entries.length === 1 && entries[0][0] in children && valueFits(children[entries[0][0]], entries[0][1]);
  }
  return false;
}

/**
 * Restores a persisted snapshot into a machine snapshot without starting an actor (an actor
 * started from a bad snapshot crashes the process asynchronously). Anything that does not fit
 * the machine is an InvalidSnapshotError. The service does not call it: the functions below
 * restore once and return everything it needs.
 */
export function restore(name: PathwayName | Pathway, persisted: unknown): AnyMachineSnapshot {
  const pathway = typeof name === 'string' ? getPathwayOrFail(name) : name;
  const fail = (detail: string): never => {
    throw new InvalidSnapshotError(pathway.name, detail);
  };
  if (typeof persisted !== 'object' || persisted === null || Array.isArray(persisted)) return fail('not an object');
  const p = persisted as PersistedSnapshot;
  if (p.status !== 'active' && p.status !== 'done') return fail(`status '${String(p.status)}'`);
  if (typeof p.context !== 'object' || p.context === null) return fail('no context');
  const root = pathway.machine.root;
  if (!valueFits(root, p.value)) return fail(`state ${JSON.stringify(p.value)} is not a state of this machine`);
  const isFinal = typeof p.value === 'string' && root.states[p.value]?.type === 'final';
  if ((p.status === 'done') !== isFinal) return fail(`status '${p.status}' does not match state ${JSON.stringify(p.value)}`);
  try {
    return createActor(pathway.machine, { snapshot: p as never }).getSnapshot() as AnyMachineSnapshot;
  } catch (error) {
    return fail(error instanceof Error ? error.message : String(error));
  }
}

export const persist = (snapshot: AnyMachineSnapshot): PersistedSnapshot => snapshot.machine.getPersistedSnapshot(snapshot);

/** A case as the service stores and shows it, all from one restored snapshot. */
export interface CaseState {
  /** What is stored: XState's persisted snapshot. */
  snapshot: PersistedSnapshot;
  status: 'active' | 'done';
  /** The state value, as in the snapshot. */
  value: unknown;
  /** Every active state node as a dotted path: {open: {A1: 'done'}} -> ['open', 'open.A1', 'open.A1.done']. */
  statePaths: string[];
  services: Partial<Record<ServiceKey, ServiceStatus>>;
  /** The pathway's legal deadlines at `now` (person: D.Lgs. 181/2000); null when the pathway has none. */
  deadlines: DeadlineStatus[] | null;
}

/**
 * Why the engine refuses a request, sorted by what the sender can do about it. The request itself
 * is wrong (`invalid_input`: the opening data; `invalid_payload`: the event's fields, i.e. the
 * payload guard failed; `unknown_event`: not an event of the pathway): `fields` names what to fix.
 * Or the case does not allow the event now (`not_available` in this state, `case_closed`,
 * `guards_failed`: a rule of the standards). Every refusal has at least one reason with a stable code.
 */
export type Refusal =
  | {
      kind: 'invalid_input' | 'invalid_payload' | 'unknown_event';
      reasons: Reason[];
      /** The reason that says what is wrong with the request (one of `reasons`). */
      cause: Reason;
      fields: DescribedProblem[];
    }
  | { kind: 'not_available' | 'case_closed' | 'guards_failed'; reasons: Reason[] };

/** Every active state node as a dotted path. */
export function statePaths(value: unknown, prefix = ''): string[] {
  if (typeof value === 'string') return [prefix ? `${prefix}.${value}` : value];
  if (value === null || typeof value !== 'object') return [];
  return Object.entries(value as Record<string, unknown>).flatMap(([key, child]) => {
    const path = prefix ? `${prefix}.${key}` : key;
    return [path, ...statePaths(child, path)];
  });
}

function stateOf(pathway: Pathway, snapshot: AnyMachineSnapshot, now: Date): CaseState {
  return {
    snapshot: persist(snapshot),
    status: snapshot.status as CaseState['status'],
    value: snapshot.value,
    statePaths: statePaths(snapshot.value),
    services: serviceStatuses(snapshot),
    deadlines: pathway.deadlines ? pathway.deadlines(snapshot, now) : null,
  };
}

// A new case has no DID, hence no deadline running: without a clock its deadlines are read at the epoch.
const EPOCH = new Date(0);

export type StartResult = ({ ok: true } & CaseState) | { ok: false; refusal: Refusal };

/**
 * Opens a case: validates the creation input and returns the initial case. `now` is the clock the
 * deadlines are read at.
 */
export function startCase(args: { pathway: PathwayName; input?: unknown; now?: Date }): StartResult {
  const pathway = getPathwayOrFail(args.pathway);
  const input = args.input ?? {};
  const { problems, summary } = payloadReport(pathway.inputFields, input);
  if (problems.length > 0) {
    const reason: Reason = {
      code: 'INPUT_INVALID',
      guard: null,
      message: {
        it: `I dati di apertura del caso non sono validi: ${summary.it}.`,
        en: `The case's opening data are invalid: ${summary.en}.`,
      },
      fields: problems,
    };
    return { ok: false, refusal: { kind: 'invalid_input', reasons: [reason], cause: reason, fields: problems } };
  }
  const [snapshot] = initialTransition(pathway.machine, input);
  return { ok: true, ...stateOf(pathway, snapshot, args.now ?? EPOCH) };
}

export type StepResult = ({ ok: true; event: CaseEvent } & CaseState) | { ok: false; refusal: Refusal };

/** An explained refusal, sorted: a failed payload guard is the sender's to fix, like an unknown event. */
function refusalOf(kind: RefusalKind, reasons: Reason[]): Refusal {
  if (kind === 'unknown_event') {
    return { kind, reasons, cause: reasons[0], fields: [{ field: 'type', problem: 'enum', message: reasons[0].message }] };
  }
  const payload = reasons.filter((r) => r.guard === PAYLOAD_GUARD);
  if (payload.length > 0) return { kind: 'invalid_payload', reasons, cause: payload[0], fields: payload.flatMap((r) => r.fields ?? []) };
  return { kind, reasons };
}

/**
 * The engine step: restore a persisted snapshot, apply one event with XState's pure `transition`,
 * and return the next case (snapshot to store, and what is derived from it), or the refusal with
 * its reasons. `now` is the service's clock: it is stamped on the event as `receivedAt`, so that
 * the step is a pure function of its inputs and replaying the stored event gives the same result.
 * `deadlinesAt` (default `now`) is the clock the deadlines are read at: a replay reads them today.
 */
export function applyEvent(args: { pathway: PathwayName; snapshot: unknown; event: unknown; now: Date; deadlinesAt?: Date }): StepResult {
  const pathway = getPathwayOrFail(args.pathway);
  const current = restore(pathway, args.snapshot);
  const raw = args.event;
  const event =
    typeof raw === 'object' && raw !== null && !Array.isArray(raw) ? ({ ...raw, receivedAt: args.now.toISOString() } as CaseEvent) : raw;
  const refuse = (): StepResult => {
    const explanation = explain(current, event);
    return {
      ok: false,
      refusal: explanation.allowed ? refusalOf('guards_failed', [TRANSITION_REFUSED]) : refusalOf(explanation.kind, explanation.reasons),
    };
  };
  // Only events of this pathway reach XState; the reasons are worked out only for a refusal.
  const type = typeof event === 'object' && event !== null ? (event as { type?: unknown }).type : undefined;
  const known = typeof type === 'string' && Object.hasOwn(pathway.events, type);
  if (!known || current.status !== 'active') return refuse();
  const [next] = transition(pathway.machine, current, event as CaseEvent);
  // XState returns the very same snapshot when no transition is enabled.
  if (next === current || next.status === 'error') return refuse();
  return { ok: true, event: event as CaseEvent, ...stateOf(pathway, next, args.deadlinesAt ?? args.now) };
}

/** A stored case read back: what it shows at `now` (GET /cases/:id, live views). */
export function readCase(args: { pathway: PathwayName; snapshot: unknown; now: Date }): CaseState {
  const pathway = getPathwayOrFail(args.pathway);
  return stateOf(pathway, restore(pathway, args.snapshot), args.now);
}

/**
 * The events a stored case accepts now, and the others with their reasons, with guards on the case
 * (and on the operator, when one is given) evaluated: GET /cases/:id/transitions.
 */
export function eventsAvailable(args: { pathway: PathwayName; snapshot: unknown; operator?: Operator }): AvailableEvents {
  return availableEvents(restore(args.pathway, args.snapshot), { operator: args.operator });
}
