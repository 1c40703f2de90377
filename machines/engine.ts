import { createActor, initialTransition, transition, type AnyMachineSnapshot, type AnyStateNode } from 'xstate';
import type { CaseEvent } from './case.js';
import { TRANSITION_REFUSED, explain, type Refusal } from './explain.js';
import type { Reason } from './guards.js';
import { payloadReport } from './payload.js';
import { PATHWAYS, isPathwayName, type Pathway, type PathwayName } from './pathways.js';

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
 * the machine is an InvalidSnapshotError.
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

export type StartResult = { ok: true; snapshot: PersistedSnapshot } | { ok: false; refusal: Refusal };

/** Opens a case: validates the creation input and returns the initial persisted snapshot. */
export function startCase(args: { pathway: PathwayName; input?: unknown }): StartResult {
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
    return { ok: false, refusal: { kind: 'guards_failed', reasons: [reason] } };
  }
  const [snapshot] = initialTransition(pathway.machine, input);
  return { ok: true, snapshot: persist(snapshot) };
}

export type StepResult =
  { ok: true; snapshot: PersistedSnapshot; event: CaseEvent; status: 'active' | 'done'; value: unknown } | { ok: false; refusal: Refusal };

/**
 * The engine step: restore a persisted snapshot, apply one event with XState's pure `transition`,
 * and return the next persisted snapshot, or the refusal with its reasons. `now` is the service's
 * clock: it is stamped on the event as `receivedAt`, so that the step is a pure function of its
 * inputs and replaying the stored event gives the same result.
 */
export function applyEvent(args: { pathway: PathwayName; snapshot: unknown; event: unknown; now: Date }): StepResult {
  const pathway = getPathwayOrFail(args.pathway);
  const current = restore(pathway, args.snapshot);
  const raw = args.event;
  const event =
    typeof raw === 'object' && raw !== null && !Array.isArray(raw) ? ({ ...raw, receivedAt: args.now.toISOString() } as CaseEvent) : raw;
  const refuse = (): StepResult => {
    const explanation = explain(current, event);
    return explanation.allowed
      ? { ok: false, refusal: { kind: 'guards_failed', reasons: [TRANSITION_REFUSED] } }
      : { ok: false, refusal: { kind: explanation.kind, reasons: explanation.reasons } };
  };
  // Only events of this pathway reach XState; the reasons are worked out only for a refusal.
  const type = typeof event === 'object' && event !== null ? (event as { type?: unknown }).type : undefined;
  const known = typeof type === 'string' && Object.hasOwn(pathway.events, type);
  if (!known || current.status !== 'active') return refuse();
  const [next] = transition(pathway.machine, current, event as CaseEvent);
  // XState returns the very same snapshot when no transition is enabled.
  if (next === current || next.status === 'error') return refuse();
  return { ok: true, snapshot: persist(next), event: event as CaseEvent, status: next.status as 'active' | 'done', value: next.value };
}
