import { PATHWAYS, type PathwayName, type PersistedSnapshot } from '../../machines/index.js';
import type { CaseRow, EventRow } from './case.repository.js';

/**
 * A case's history as the inspection events that Stately's inspector takes (`@statelyai/inspect`:
 * its adapters' `send(event)`), i.e. XState v5's `@xstate.actor`, `@xstate.event` and
 * `@xstate.snapshot` with actor references replaced by session ids. The actor is the case (its
 * session id is the case id); it is its own root.
 */

/** The @statelyai/inspect release whose event shapes these follow (its `_version` field). */
export const INSPECT_PROTOCOL_VERSION = '0.7.2';

export interface InspectionBase {
  rootId: string;
  sessionId: string;
  /** Milliseconds since the epoch, as a string (as @statelyai/inspect sends it). */
  createdAt: string;
  id: string;
  _version: string;
}

export interface InspectedSnapshot {
  value: unknown;
  context: unknown;
  status: string;
  [key: string]: unknown;
}

export type InspectionEvent =
  | (InspectionBase & { type: '@xstate.actor'; name: string; definition: string; parentId?: string; snapshot: InspectedSnapshot })
  | (InspectionBase & { type: '@xstate.event'; event: Record<string, unknown>; sourceId?: string })
  | (InspectionBase & { type: '@xstate.snapshot'; event: Record<string, unknown>; snapshot: InspectedSnapshot });

const definitions = new Map<string, string>();

/** The machine's config as JSON text, functions as `{type: name}` (what @statelyai/inspect sends). */
export function machineDefinition(pathway: PathwayName): string {
  let text = definitions.get(pathway);
  if (text === undefined) {
    text = JSON.stringify(PATHWAYS[pathway].machine.config, (_key, value: unknown) =>
      typeof value === 'function' ? { type: (value as { name?: string }).name || 'anonymous' } : value,
    );
    definitions.set(pathway, text);
  }
  return text;
}

const base = (row: CaseRow, id: string, at: Date | string): InspectionBase => ({
  rootId: row.id,
  sessionId: row.id,
  createdAt: String(new Date(at).getTime()),
  id,
  _version: INSPECT_PROTOCOL_VERSION,
});

/** The persisted snapshot as the inspector shows it: value, context, status (and the rest XState keeps). */
export const inspectedSnapshot = (snapshot: PersistedSnapshot): InspectedSnapshot => ({
  ...snapshot,
  value: snapshot.value,
  context: snapshot.context,
  status: String(snapshot.status),
});

/** The actor: the case, with the machine's definition and its current snapshot. */
export function actorEvent(row: CaseRow, now: Date): InspectionEvent {
  return {
    ...base(row, `${row.id}:actor`, now),
    type: '@xstate.actor',
    name: PATHWAYS[row.pathway as PathwayName].machine.id,
    definition: machineDefinition(row.pathway as PathwayName),
    snapshot: inspectedSnapshot(row.snapshot),
  };
}

/** The start of the actor: XState's `xstate.init` event with the opening input, and the current snapshot. */
export function initEvents(row: CaseRow, now: Date): InspectionEvent[] {
  const init = { type: 'xstate.init', input: row.input };
  return [
    { ...base(row, `${row.id}:init`, row.createdAt), type: '@xstate.event', event: init },
    {
      ...base(row, `${row.id}:${row.version}:snapshot`, now),
      type: '@xstate.snapshot',
      event: init,
      snapshot: inspectedSnapshot(row.snapshot),
    },
  ];
}

/** One stored event: the event (from its operator) and the snapshot it led to. */
export function transitionEvents(row: CaseRow, event: EventRow, snapshot: PersistedSnapshot): InspectionEvent[] {
  const actor = event.actor as { id?: unknown; kind?: unknown };
  const sourceId = typeof actor.id === 'string' ? `operator:${actor.id}` : undefined;
  return [
    {
      ...base(row, `${row.id}:${event.sequence}:event`, event.recordedAt),
      type: '@xstate.event',
      event: event.payload,
      ...(sourceId ? { sourceId } : {}),
    },
    {
      ...base(row, `${row.id}:${event.sequence}:snapshot`, event.recordedAt),
      type: '@xstate.snapshot',
      event: event.payload,
      snapshot: inspectedSnapshot(snapshot),
    },
  ];
}
