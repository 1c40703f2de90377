import type { AnyStateMachine, AnyStateNode, AnyTransitionDefinition } from 'xstate';
import { guardLabel, type GuardParams } from './guards.js';
import { PATHWAYS, type Pathway, type PathwayName } from './pathways.js';
import { SERVICES, serviceAbout, type Language, type ServiceKey, type Text } from './repertory.js';

/** A named guard with its parameters, as a transition references it. */
export interface GuardUse {
  name: string;
  params: GuardParams;
}

/**
 * The named guards of a transition, in evaluation order. The machines only combine named
 * guards with `and`; anything else (an inline function, `or`, `not`) cannot explain a refusal
 * and is rejected here, so a test over every transition keeps the machines honest.
 */
export function guardUses(guard: unknown): GuardUse[] {
  if (guard === undefined || guard === null) return [];
  if (typeof guard === 'string') return [{ name: guard, params: {} }];
  if (typeof guard === 'function') {
    const nested = (guard as { guards?: unknown }).guards;
    if (guard.name === 'and' && Array.isArray(nested)) return nested.flatMap(guardUses);
    throw new Error(`unnamed or unsupported guard '${guard.name}': name every guard in setup()`);
  }
  if (typeof guard === 'object' && typeof (guard as { type?: unknown }).type === 'string') {
    const { type, params } = guard as { type: string; params?: GuardParams };
    return [{ name: type, params: params ?? {} }];
  }
  throw new Error('unsupported guard');
}

const actionName = (action: unknown): string => {
  if (typeof action === 'string') return action;
  if (typeof action === 'object' && action !== null && typeof (action as { type?: unknown }).type === 'string') {
    return (action as { type: string }).type;
  }
  throw new Error('unnamed action: name every action in setup()');
};

/** Every state node of a machine, parents before children, in document order. */
export function allStateNodes(machine: AnyStateMachine): AnyStateNode[] {
  const out: AnyStateNode[] = [];
  const walk = (node: AnyStateNode) => {
    out.push(node);
    Object.values(node.states).forEach(walk);
  };
  walk(machine.root);
  return out;
}

/** Every transition of a machine, from its state nodes. */
export function allTransitions(machine: AnyStateMachine): AnyTransitionDefinition[] {
  return allStateNodes(machine).flatMap((node) => [...node.transitions.values()].flat());
}

const STATE_WORDS: Record<string, Text> = {
  notStarted: { it: 'non iniziato', en: 'not started' },
  active: { it: 'in corso', en: 'in progress' },
  completed: { it: 'concluso', en: 'completed' },
  none: { it: 'nessun corso', en: 'no course' },
  referred: { it: 'avviato al corso', en: 'referred to a course' },
  enrolled: { it: 'iscritto al corso', en: 'enrolled on a course' },
  open: { it: 'caso aperto', en: 'case open' },
  placed: { it: 'inserito al lavoro', en: 'placed in work' },
  withdrawn: { it: 'ritirato', en: 'withdrawn' },
  pattoRefused: { it: 'Patto rifiutato', en: 'Patto refused' },
  closed: { it: 'chiuso', en: 'closed' },
};

const REGION_WORDS: Record<string, Text> = {
  training: { it: 'Formazione', en: 'Training' },
};

/** The `meta` the machines put on state nodes: the service a region delivers, the outcome a final state records. */
const metaOf = (node: AnyStateNode): { service?: ServiceKey; outcome?: string } =>
  (node.meta ?? {}) as { service?: ServiceKey; outcome?: string };

/** A state node in words, such as "A.3 Orientamento professionale: in corso". */
export function stateLabel(node: AnyStateNode, lang: Language): string {
  const regionName = (region: AnyStateNode): string | undefined => {
    const service = metaOf(region).service;
    return service ? `${SERVICES[service].code} ${SERVICES[service].name[lang]}` : REGION_WORDS[region.key]?.[lang];
  };
  const own = regionName(node);
  if (own) return own;
  const word = STATE_WORDS[node.key]?.[lang] ?? node.key;
  const parentName = node.parent ? regionName(node.parent) : undefined;
  return parentName ? `${parentName}: ${word}` : word;
}

export interface TransitionDescription {
  event: string;
  source: string;
  targets: string[];
  guards: { name: string; code: string; params: GuardParams; label: Text }[];
  actions: string[];
}

export interface StateDescription {
  id: string;
  key: string;
  type: string;
  initial: string | null;
  service: ServiceKey | null;
  outcome: string | null;
  label: Text;
  states: StateDescription[];
  transitions: TransitionDescription[];
}

function describeTransition(pathway: Pathway, t: AnyTransitionDefinition): TransitionDescription {
  return {
    event: String(t.eventType),
    source: t.source.id,
    targets: (t.target ?? []).map((n: AnyStateNode) => n.id),
    guards: guardUses(t.guard).map((g) => {
      const spec = pathway.guards[g.name];
      return {
        ...g,
        code: spec?.code ?? 'UNKNOWN_GUARD',
        label: spec ? guardLabel(spec, g.params) : { it: g.name, en: g.name },
      };
    }),
    actions: (t.actions ?? []).map(actionName),
  };
}

function describeState(pathway: Pathway, node: AnyStateNode): StateDescription {
  const initial = node.type === 'compound' ? (node.initial?.target?.[0]?.key ?? null) : null;
  return {
    id: node.id,
    key: node.key,
    type: node.type,
    initial,
    service: metaOf(node).service ?? null,
    outcome: metaOf(node).outcome ?? null,
    label: { it: stateLabel(node, 'it'), en: stateLabel(node, 'en') },
    states: Object.values(node.states).map((child) => describeState(pathway, child)),
    transitions: [...node.transitions.values()].flat().map((t) => describeTransition(pathway, t)),
  };
}

/**
 * A pathway's machine as plain JSON, from the machine itself: states, transitions with their named
 * guards, events with payload fields, guard codes and messages. XState's own `definition` drops
 * combined guards, so this walks the state nodes instead.
 */
export function describePathway(name: PathwayName) {
  const pathway = PATHWAYS[name];
  const root = describeState(pathway, pathway.machine.root);
  const body = {
    name: pathway.name,
    title: pathway.title,
    version: pathway.version,
    root,
    services: pathway.services.map((key) => ({ ...SERVICES[key], about: serviceAbout(key) })),
    events: Object.values(pathway.events),
    guards: Object.entries(pathway.guards).map(([guard, spec]) => ({
      name: guard,
      code: spec.code,
      reads: spec.reads,
      message: spec.message,
      label: spec.label,
    })),
    inputFields: pathway.inputFields,
  };
  return { ...body, fingerprint: fingerprint(JSON.stringify(body)) };
}

export type PathwayDescription = ReturnType<typeof describePathway>;

/** A short, stable hash (cyrb53) of a machine description: changes whenever the machine does. */
export function fingerprint(text: string): string {
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ ch, 2654435761);
    h2 = Math.imul(h2 ^ ch, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return (4294967296 * (2097151 & h2) + (h1 >>> 0)).toString(16).padStart(14, '0');
}
