import { applyEvent, readCase, startCase, type CaseState, type PersistedSnapshot, type Refusal } from './engine.js';
import type { PathwayName } from './pathways.js';

/** The type of the event that opens every case: sequence 1 of its history. */
export const OPENING_EVENT = 'CASE_OPENED';

/**
 * Events of a case's history that are the office's record keeping, not acts of the standards: who
 * is in charge of the case, which office holds it, and the scheduler's notices that a legal
 * deadline approaches or has passed (actor: the system). The machine does not see them: its state
 * stays as it was.
 */
export const RECORD_KEEPING_EVENTS: readonly string[] = ['CASE_ASSIGNED', 'CASE_TRANSFERRED', 'DEADLINE_APPROACHING', 'DEADLINE_OVERDUE'];

/** A stored event as replay reads it: its place in the history, its type and payload. */
export interface StoredEvent {
  sequence: number;
  type: string;
  payload: Record<string, unknown>;
}

/** A history that does not give a case back: the event where it stopped and why. */
export class HistoryNotReplayableError extends Error {
  readonly code = 'HISTORY_NOT_REPLAYABLE';
  constructor(
    readonly sequence: number,
    readonly detail: string,
    readonly refusal: Refusal | null = null,
  ) {
    super(`the history does not replay at event ${sequence}: ${detail}`);
    this.name = 'HistoryNotReplayableError';
  }
}

/**
 * Rebuilds a case from its history: CASE_OPENED's `payload.input` through `startCase`, then every
 * later event through `applyEvent` with its own `receivedAt` as the clock (the engine step is pure,
 * so this gives back what was written). Returns the case after each event, in order, its deadlines
 * read at `now` (the time the replay is shown).
 *
 * `from` continues a replay: the snapshot after the event just before `events[0]` (then the first
 * event need not be the opening). Throws HistoryNotReplayableError, never anything else.
 */
export function replayCase(args: {
  pathway: PathwayName;
  events: readonly StoredEvent[];
  from?: PersistedSnapshot;
  now: Date;
}): CaseState[] {
  const states: CaseState[] = [];
  let snapshot = args.from ?? null;
  let expected = args.events[0]?.sequence ?? 1;
  for (const event of args.events) {
    if (event.sequence !== expected)
      throw new HistoryNotReplayableError(event.sequence, `expected event ${expected}: the history has a gap`);
    expected += 1;
    let state: CaseState;
    if (snapshot === null) {
      if (event.sequence !== 1 || event.type !== OPENING_EVENT)
        throw new HistoryNotReplayableError(event.sequence, `the history must begin with ${OPENING_EVENT} at sequence 1`);
      const started = startCase({ pathway: args.pathway, input: event.payload.input, now: args.now });
      if (!started.ok) throw new HistoryNotReplayableError(event.sequence, 'the opening data are refused by the machine', started.refusal);
      state = started;
    } else if (RECORD_KEEPING_EVENTS.includes(event.type)) {
      state = readCase({ pathway: args.pathway, snapshot, now: args.now });
    } else {
      const receivedAt = new Date(String(event.payload.receivedAt));
      if (Number.isNaN(receivedAt.getTime())) throw new HistoryNotReplayableError(event.sequence, 'the stored event has no receivedAt');
      let step;
      try {
        step = applyEvent({ pathway: args.pathway, snapshot, event: event.payload, now: receivedAt, deadlinesAt: args.now });
      } catch (error) {
        throw new HistoryNotReplayableError(event.sequence, error instanceof Error ? error.message : String(error));
      }
      if (!step.ok) {
        const codes = step.refusal.reasons.map((r) => r.code).join(', ');
        throw new HistoryNotReplayableError(event.sequence, `${event.type} is refused by the machine (${codes})`, step.refusal);
      }
      state = step;
    }
    snapshot = state.snapshot;
    states.push(state);
  }
  return states;
}

/** The persisted snapshots of `replayCase` alone: the case as stored after each event. */
export function replayHistory(args: {
  pathway: PathwayName;
  events: readonly StoredEvent[];
  from?: PersistedSnapshot;
}): PersistedSnapshot[] {
  // The snapshots do not depend on the clock the deadlines are read at.
  return replayCase({ ...args, now: new Date(0) }).map((state) => state.snapshot);
}
