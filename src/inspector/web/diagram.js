// @ts-check
/**
 * The statechart of a pathway as SVG, for trainees: the machine description from GET /pathways/:name,
 * laid out by elkjs and drawn here.
 *
 * At the top level the services are closed boxes in a column, in the pathway's order (A.1 to A.6, B.1
 * to B.4), with the precedence between them drawn as arrows (from each service's access rule: solid for
 * `after`, must be completed before; dashed for `afterOrWith`, one of them started before or together)
 * and the access guard's own sentence beside the service they lead to; the other regions (training) and
 * the case's own acts are boxes on the right, the final outcomes beside the whole. Opening a box (click, Enter or Space) shows its internal states and transitions; opened
 * boxes stay open until closed. Events are shown by their translated summary and rules by their plain
 * sentence; the event types and guard names are in each element's <title> (a tooltip). Every text is at
 * least MIN_FONT_PX at scale 1, so any zoom of LEGIBLE_ZOOM or more keeps it at 12 px or more.
 */

/** @typedef {'it' | 'en'} Language */
/** @typedef {{ it: string, en: string }} Text */
/** @typedef {{ name: string, code: string, label?: Text }} GuardRef */
/** @typedef {{ event: string, source: string, targets: string[], guards: GuardRef[] }} TransitionDescription */
/**
 * @typedef {{ id: string, key: string, type: string, initial: string | null, service: string | null,
 *   outcome: string | null, label: Text, states: StateDescription[], transitions: TransitionDescription[] }} StateDescription
 */
/** @typedef {{ after: string[], afterOrWith: string[], pattoSigned: boolean, specificNeed: boolean, text: Text }} AccessRule */
/**
 * @typedef {{ purpose: Text, deliveredBy: Text, duration: Text, access: Text, outputs: Text[] }} ServiceAbout
 * @typedef {{ key: string, code: string, name: Text, access?: AccessRule, about?: ServiceAbout }} ServiceDescription
 */
/** @typedef {{ type: string, service: string | null, summary: Text, fields: FieldDescription[] }} EventDescription */
/** @typedef {{ name: string, type: { kind: string, values?: string[], min?: number, max?: number, maxLength?: number }, required: boolean, description: Text }} FieldDescription */
/** @typedef {{ name: string, code: string, label?: Text, message?: Text }} GuardDescription */
/**
 * @typedef {{ name: string, title: Text, version: string, root: StateDescription, services: ServiceDescription[],
 *   events: EventDescription[], guards?: GuardDescription[] }} PathwayDescription
 */

/**
 * @typedef {{ id: string, x?: number, y?: number, width?: number, height?: number, text?: string }} ElkLabel
 * @typedef {{ startPoint: { x: number, y: number }, endPoint: { x: number, y: number }, bendPoints?: { x: number, y: number }[] }} ElkSection
 * @typedef {{ id: string, sources: string[], targets: string[], labels?: ElkLabel[], sections?: ElkSection[], container?: string }} ElkEdge
 * @typedef {{ id: string, x?: number, y?: number, width?: number, height?: number, children?: ElkNode[], edges?: ElkEdge[], labels?: ElkLabel[], layoutOptions?: Record<string, string> }} ElkNode
 * @typedef {{ layout(graph: ElkNode): Promise<ElkNode> }} ElkEngine
 */

/** Guards every transition checks: named once in the legend instead of on every arrow. */
export const COMMON_GUARDS = ['payloadValid', 'dateNotInFuture'];

/** The smallest font the diagram draws, in SVG units (px at zoom 1). */
export const MIN_FONT_PX = 15;
/** The smallest zoom at which every text stays at 12 px or more: the default zoom never goes below it. */
export const LEGIBLE_ZOOM = 12 / MIN_FONT_PX;

const FAMILY = 'system-ui, "Segoe UI", Roboto, "Noto Sans", "DejaVu Sans", sans-serif';
/** @typedef {{ size: number, weight: number, style?: string }} Font */
/** @type {Record<'service' | 'state' | 'event' | 'rule' | 'status' | 'tag', Font>} */
const FONTS = {
  service: { size: 17, weight: 700 },
  state: { size: 16, weight: 600 },
  event: { size: 15, weight: 600 },
  rule: { size: MIN_FONT_PX, weight: 400 },
  status: { size: MIN_FONT_PX, weight: 600, style: 'italic' },
  tag: { size: MIN_FONT_PX, weight: 400 },
};
/** @param {Font} f */
const css = (f) => `${f.style ?? 'normal'} ${f.weight} ${f.size}px ${FAMILY}`;
const LINE = { title: 22, event: 20, rule: 19, status: 21 };
const PAD = 12;
const INITIAL_SIZE = 14;
/** Closed service boxes wrap their title at this width. */
const BOX_WRAP = 270;
/** Rules beside an arrow or under an event wrap at this width. */
const RULE_WRAP = 260;
const TOGGLE = 22;
const SVG_NS = 'http://www.w3.org/2000/svg';

/** @param {TransitionDescription} t */
export const shownGuards = (t) => t.guards.filter((g) => !COMMON_GUARDS.includes(g.name));

/** Text width in pixels for a CSS font (a canvas measures it; a fallback estimates it where there is none). */
export function textMeasurer() {
  const canvas = typeof document !== 'undefined' ? document.createElement('canvas') : null;
  const context = canvas ? canvas.getContext('2d') : null;
  /** @param {string} text @param {string} font */
  return (text, font) => {
    if (!context) return text.length * 9;
    context.font = font;
    return Math.ceil(context.measureText(text).width);
  };
}

/** @typedef {(text: string, font: string) => number} Measure */

/**
 * Words wrapped into lines no wider than `max` pixels.
 * @param {string} text @param {Font} font @param {number} max @param {Measure} measure
 */
export function wrap(text, font, max, measure) {
  /** @type {string[]} */
  const lines = [];
  let line = '';
  for (const word of text.split(' ')) {
    const next = line ? `${line} ${word}` : word;
    if (line && measure(next, css(font)) > max) {
      lines.push(line);
      line = word;
    } else line = next;
  }
  if (line) lines.push(line);
  return lines;
}

/**
 * A state's title: the service code and name for service regions, else its own words.
 * @param {StateDescription} state @param {Language} lang
 */
export function stateTitle(state, lang) {
  if (state.id.split('.').length === 1) return state.label[lang] === state.key ? state.key : state.label[lang];
  const label = state.label[lang];
  // Children of a region repeat the region's name ("A.3 Orientamento: in corso"): keep the state word.
  const colon = label.lastIndexOf(': ');
  return colon >= 0 && !state.service ? label.slice(colon + 2) : label;
}

/** The words of the diagram itself, in both languages. */
const WORDS = {
  parallel: { it: '∥ in parallelo', en: '∥ in parallel' },
  acts: { it: 'Atti sul caso', en: 'Acts on the case' },
  actsCount: { it: 'atti', en: 'acts' },
  after: { it: 'concluso prima', en: 'completed first' },
  afterOrWith: { it: 'iniziato prima o insieme', en: 'started first or together' },
};

/**
 * The plain words of a pathway's events and rules, looked up by event type and guard name.
 * @param {PathwayDescription} pathway @param {Language} lang
 */
export function vocabulary(pathway, lang) {
  const events = new Map(pathway.events.map((e) => [e.type, e.summary[lang]]));
  const guards = new Map((pathway.guards ?? []).map((g) => [g.name, g]));
  return {
    /** @param {string} type */
    event: (type) => events.get(type) ?? type,
    /** @param {GuardRef} g */
    rule: (g) => g.label?.[lang] ?? guards.get(g.name)?.label?.[lang] ?? g.name,
    /** @param {GuardRef} g */
    code: (g) => `${g.name} (${g.code})`,
  };
}

/** @typedef {ReturnType<typeof vocabulary>} Vocabulary */

/**
 * The rules of a transition in plain words, wrapped into lines ("if: …").
 * @param {TransitionDescription} t @param {Vocabulary} words @param {Language} lang @param {Measure} measure
 */
export function ruleLines(t, words, lang, measure) {
  const rules = shownGuards(t).map((g) => words.rule(g));
  if (rules.length === 0) return [];
  const text = `${lang === 'it' ? 'se' : 'if'}: ${rules.join(' · ')}`;
  return wrap(text, FONTS.rule, RULE_WRAP, measure);
}

/** A tooltip for a transition: the event type and the guards' names and codes. @param {TransitionDescription} t @param {Vocabulary} words */
export function transitionTooltip(t, words) {
  const guards = t.guards.map((g) => words.code(g));
  return guards.length ? `${t.event}\n${guards.join('\n')}` : t.event;
}

/**
 * @typedef {{ transition: TransitionDescription, dx: number, dy: number, lines: string[] }} HeaderItem
 * @typedef {{ titleLines: string[], items: HeaderItem[], width: number, height: number }} Header
 */

/** Events listed in one column of a state's header before a new column starts. */
const ITEMS_PER_COLUMN = 6;

/**
 * A header: a title, then transitions listed in it (those that stay put, ⟲, and those that leave the
 * box, → target), in columns when many.
 * @param {string} title @param {Font} font @param {TransitionDescription[]} listed @param {Map<string, StateDescription>} states
 * @param {Vocabulary} words @param {Language} lang @param {Measure} measure @param {number} wrapAt
 * @returns {Header}
 */
function header(title, font, listed, states, words, lang, measure, wrapAt) {
  const titleLines = wrap(title, font, wrapAt, measure);
  let width = Math.max(...titleLines.map((l) => measure(l, css(font))));
  /** @type {HeaderItem[]} */
  const items = [];
  let columnX = 0;
  let columnWidth = 0;
  let y = 0;
  let listHeight = 0;
  listed.forEach((transition, i) => {
    if (i > 0 && i % ITEMS_PER_COLUMN === 0) {
      columnX += columnWidth + 24;
      columnWidth = 0;
      y = 0;
    }
    const target = transition.targets[0] ? states.get(transition.targets[0]) : undefined;
    const head = target ? `→ ${words.event(transition.event)} (${stateTitle(target, lang)})` : `⟲ ${words.event(transition.event)}`;
    const eventLines = wrap(head, FONTS.event, RULE_WRAP + 40, measure);
    const lines = [...eventLines, ...ruleLines(transition, words, lang, measure)];
    const firstRule = eventLines.length;
    // Each line says what it is: 'E' an event, 'R' a rule (see drawLines).
    items.push({ transition, dx: columnX, dy: y, lines: lines.map((l, j) => (j < firstRule ? `E${l}` : `R${l}`)) });
    columnWidth = Math.max(
      columnWidth,
      ...lines.map((l, j) => measure(l, css(j < firstRule ? FONTS.event : FONTS.rule)) + (j < firstRule ? 0 : 14)),
    );
    y += eventLines.length * LINE.event + (lines.length - firstRule) * LINE.rule + 4;
    listHeight = Math.max(listHeight, y);
  });
  width = Math.max(width, columnX + columnWidth) + 2 * PAD;
  const height = titleLines.length * LINE.title + 12 + listHeight;
  return { titleLines, items, width, height };
}

/** The id of the box that lists the case's own acts, inside the open (parallel) state. @param {StateDescription} open */
export const actsKey = (open) => `${open.id}#acts`;

/** @param {StateDescription} state @returns {StateDescription[]} */
const descendants = (state) => state.states.flatMap((s) => [s, ...descendants(s)]);

/**
 * The parallel state whose regions are the services ("open").
 * @param {PathwayDescription} pathway
 */
export function servicesState(pathway) {
  const open = pathway.root.states.find((s) => s.type === 'parallel' && s.states.some((r) => r.service));
  if (!open) throw new Error(`${pathway.name}: no parallel state with services`);
  return open;
}

/**
 * The precedence between services, from their access rules: `after` (must be completed before) and
 * `afterOrWith` (one of them started before, or together).
 * @param {PathwayDescription} pathway
 * @returns {{ from: string, to: string, kind: 'after' | 'afterOrWith', anyOne: boolean }[]}
 */
export function precedences(pathway) {
  return pathway.services.flatMap((s) => {
    const access = s.access;
    if (!access) return [];
    return [
      ...access.after.map((from) => ({ from, to: s.key, kind: /** @type {const} */ ('after'), anyOne: false })),
      ...access.afterOrWith.map((from) => ({
        from,
        to: s.key,
        kind: /** @type {const} */ ('afterOrWith'),
        anyOne: access.afterOrWith.length > 1,
      })),
    ];
  });
}

/**
 * @typedef {{ kind: 'region', state: StateDescription, open: boolean, header: Header, toggleKey: string }} RegionInfo
 * @typedef {{ kind: 'acts', state: StateDescription, open: boolean, header: Header, toggleKey: string }} ActsInfo
 * @typedef {{ kind: 'state', state: StateDescription, header: Header }} StateInfo
 * @typedef {RegionInfo | ActsInfo | StateInfo} NodeInfo
 * @typedef {{ kind: 'transition', transition: TransitionDescription, lines: string[] }
 *   | { kind: 'precedence', from: string, to: string, precedence: 'after' | 'afterOrWith', lines: string[] }
 *   | { kind: 'initial' }} EdgeInfo
 * @typedef {{ to: string, kind: 'after' | 'afterOrWith', from: string[], x: number, y: number, width: number, lines: string[] }} PrecedenceLabel
 * @typedef {{ laid: ElkNode, nodes: Map<string, NodeInfo>, edges: Map<string, EdgeInfo>, labels: PrecedenceLabel[] }} Layout
 */

/** Space between the service boxes, and between the columns of the top level. */
const GAP = { row: 16, column: 18, lane: 14, final: 56 };

/**
 * Moves a laid-out ELK node (and its edges and labels) by (dx, dy).
 * @param {ElkNode} n @param {number} dx @param {number} dy
 */
function shift(n, dx, dy) {
  n.x = (n.x ?? 0) + dx;
  n.y = (n.y ?? 0) + dy;
  for (const edge of n.edges ?? []) {
    for (const s of edge.sections ?? []) {
      for (const p of [s.startPoint, s.endPoint, ...(s.bendPoints ?? [])]) {
        p.x += dx;
        p.y += dy;
      }
    }
    for (const label of edge.labels ?? []) {
      label.x = (label.x ?? 0) + dx;
      label.y = (label.y ?? 0) + dy;
    }
  }
  for (const child of n.children ?? []) shift(child, dx, dy);
}

/**
 * Lays out a pathway with the chosen boxes opened, sized for the chosen language. The top level is
 * placed here (the services in a column in the pathway's order, the precedence arrows in lanes on
 * their left, their rule beside the service they lead to, the other boxes and the outcomes on the
 * right); ELK lays out the inside of each opened box.
 * @param {ElkEngine} elk @param {PathwayDescription} pathway @param {Language} lang @param {Measure} measure
 * @param {Set<string>} opened
 * @returns {Promise<Layout>}
 */
export async function layoutPathway(elk, pathway, lang, measure, opened) {
  const words = vocabulary(pathway, lang);
  /** @type {Map<string, StateDescription>} */
  const states = new Map();
  for (const s of [pathway.root, ...descendants(pathway.root)]) states.set(s.id, s);
  /** @type {Map<string, NodeInfo>} */
  const nodes = new Map();
  /** @type {Map<string, EdgeInfo>} */
  const edges = new Map();
  const open = servicesState(pathway);
  const serviceIds = new Map(open.states.filter((r) => r.service).map((r) => [r.service ?? '', r.id]));

  /**
   * An ELK edge with its label sized.
   * @param {string} source @param {string} target @param {string[]} lines @param {EdgeInfo} info
   */
  const edgeOf = (source, target, lines, info) => {
    const id = `edge-${edges.size}`;
    edges.set(id, info);
    /** @type {ElkEdge} */
    const edge = { id, sources: [source], targets: [target] };
    if (lines.length > 0) {
      const width =
        Math.max(...lines.map((l) => measure(l.slice(1), css(l[0] === 'E' ? FONTS.event : FONTS.rule)) + (l[0] === 'E' ? 0 : 14))) + 8;
      const height = lines.reduce((h, l) => h + (l[0] === 'E' ? LINE.event : LINE.rule), 4);
      edge.labels = [{ id: `${id}-label`, text: lines.map((l) => l.slice(1)).join(' '), width, height }];
    }
    return edge;
  };

  /** @param {TransitionDescription} t */
  const transitionLines = (t) => [
    ...wrap(words.event(t.event), FONTS.event, RULE_WRAP, measure).map((l) => `E${l}`),
    ...ruleLines(t, words, lang, measure).map((l) => `R${l}`),
  ];

  /**
   * A state inside an opened region, with its children (ELK lays out the region as one graph).
   * @param {StateDescription} state @param {StateDescription} region @param {ElkEdge[]} regionEdges
   * @returns {ElkNode}
   */
  const inner = (state, region, regionEdges) => {
    const inRegion = (/** @type {string} */ id) => id.startsWith(`${region.id}.`);
    const moving = state.transitions.filter((t) => t.targets.length > 0 && inRegion(t.targets[0]));
    const listed = state.transitions.filter((t) => !(t.targets.length > 0 && inRegion(t.targets[0])));
    const isRegion = state === region;
    const h = header(stateTitle(state, lang), isRegion ? FONTS.service : FONTS.state, listed, states, words, lang, measure, RULE_WRAP);
    if (isRegion) {
      h.width += TOGGLE;
      nodes.set(state.id, { kind: 'region', state, open: true, header: h, toggleKey: state.id });
    } else nodes.set(state.id, { kind: 'state', state, header: h });
    for (const t of moving) {
      const lines = transitionLines(t);
      regionEdges.push(edgeOf(state.id, t.targets[0], lines, { kind: 'transition', transition: t, lines }));
    }
    if (state.states.length === 0) return { id: state.id, width: Math.max(h.width, 120), height: Math.max(h.height + 4, 44) };
    /** @type {ElkNode[]} */
    const children = state.states.map((c) => inner(c, region, regionEdges));
    if (state.initial) {
      const marker = `${state.id}#initial`;
      children.unshift({ id: marker, width: INITIAL_SIZE, height: INITIAL_SIZE });
      edges.set(`${marker}-edge`, { kind: 'initial' });
      regionEdges.push({ id: `${marker}-edge`, sources: [marker], targets: [`${state.id}.${state.initial}`] });
    }
    return {
      id: state.id,
      children,
      layoutOptions: {
        'elk.padding': `[top=${h.height + 8},left=${PAD},bottom=${PAD},right=${PAD}]`,
        'elk.nodeSize.constraints': 'MINIMUM_SIZE',
        'elk.nodeSize.minimum': `(${h.width}, ${h.height + 30})`,
      },
    };
  };

  /** A closed box: its title (wrapped) and, for a region, a status line. @param {string} title @param {Font} font @param {boolean} status */
  const closedBox = (title, font, status) => {
    const h = header(title, font, [], states, words, lang, measure, BOX_WRAP);
    if (status) h.height += LINE.status - 4;
    return { header: h, width: Math.max(h.width + TOGGLE, 200), height: h.height + 2 };
  };

  /**
   * A region of the open state, closed or laid out by ELK when opened; at (0, 0).
   * @param {StateDescription} region @returns {Promise<ElkNode>}
   */
  const regionNode = async (region) => {
    if (!opened.has(region.id)) {
      const box = closedBox(stateTitle(region, lang), FONTS.service, true);
      nodes.set(region.id, { kind: 'region', state: region, open: false, header: box.header, toggleKey: region.id });
      return { id: region.id, x: 0, y: 0, width: box.width, height: box.height };
    }
    /** @type {ElkEdge[]} */
    const regionEdges = [];
    const node = inner(region, region, regionEdges);
    const laid = await elk.layout({
      id: `layout-${region.id}`,
      layoutOptions: {
        'elk.algorithm': 'layered',
        'elk.direction': 'DOWN',
        'elk.hierarchyHandling': 'INCLUDE_CHILDREN',
        'elk.edgeRouting': 'ORTHOGONAL',
        'elk.edgeLabels.placement': 'CENTER',
        'elk.layered.spacing.nodeNodeBetweenLayers': '36',
        'elk.spacing.nodeNode': '28',
        'elk.spacing.edgeLabel': '6',
        'elk.spacing.edgeNode': '16',
        'elk.json.shapeCoords': 'ROOT',
        'elk.json.edgeCoords': 'ROOT',
        'elk.padding': '[top=0,left=0,bottom=0,right=0]',
      },
      children: [node],
      edges: regionEdges,
    });
    const result = /** @type {ElkNode} */ ((laid.children ?? [])[0]);
    result.edges = [...(result.edges ?? []), ...(laid.edges ?? [])];
    shift(result, -(result.x ?? 0), -(result.y ?? 0));
    return result;
  };

  // The services in the pathway's order, then the open state's other regions (training).
  const serviceRegions = pathway.services.flatMap((s) => {
    const id = serviceIds.get(s.key);
    const region = id ? states.get(id) : undefined;
    return region ? [region] : [];
  });
  const otherRegions = open.states.filter((r) => !r.service);
  const serviceNodes = await Promise.all(serviceRegions.map(regionNode));
  const otherNodes = await Promise.all(otherRegions.map(regionNode));
  // The case's own acts: one more box, listing them when opened.
  const acts = open.transitions;
  const actsId = actsKey(open);
  if (acts.length > 0) {
    const isOpen = opened.has(actsId);
    const title = `${WORDS.acts[lang]} (${acts.length} ${WORDS.actsCount[lang]})`;
    const h = header(title, FONTS.state, isOpen ? acts : [], states, words, lang, measure, BOX_WRAP);
    nodes.set(actsId, { kind: 'acts', state: open, open: isOpen, header: h, toggleKey: actsId });
    otherNodes.push({ id: actsId, x: 0, y: 0, width: Math.max(h.width + TOGGLE, 200), height: h.height + 6 });
  }

  // The precedence arrows: the adjacent ones straight down, the others in lanes on the left.
  const order = new Map(serviceRegions.map((r, i) => [r.service ?? '', i]));
  const arrows = precedences(pathway).filter((p) => order.has(p.from) && order.has(p.to));
  const skips = arrows.filter((p) => (order.get(p.to) ?? 0) - (order.get(p.from) ?? 0) > 1);
  const laneOf = new Map(skips.map((p, i) => [p, i]));
  const lanesWidth = skips.length * GAP.lane + (skips.length ? 10 : 0);

  // The open state's box: its title, then the column of services, then the right-hand column.
  const openHeader = header(stateTitle(open, lang), FONTS.state, [], states, words, lang, measure, 400);
  openHeader.width += measure(WORDS.parallel[lang], css(FONTS.tag)) + 24;
  nodes.set(open.id, { kind: 'state', state: open, header: openHeader });
  const top = openHeader.height + 10;
  const columnX = PAD + lanesWidth;
  const columnWidth = Math.max(...serviceNodes.map((n) => n.width ?? 0));
  let y = top;
  for (const n of serviceNodes) {
    shift(n, columnX, y);
    y += (n.height ?? 0) + GAP.row;
  }
  const columnBottom = y - GAP.row;
  const rightX = columnX + columnWidth + GAP.column;
  let stackY = top;
  let stackWidth = 0;
  for (const n of otherNodes) {
    shift(n, rightX, stackY);
    stackY += (n.height ?? 0) + GAP.row;
    stackWidth = Math.max(stackWidth, n.width ?? 0);
  }
  const stackBottom = stackY - GAP.row;

  /** @type {ElkEdge[]} */
  const openEdges = [];
  const byKey = new Map(serviceRegions.map((r, i) => [r.service ?? '', serviceNodes[i]]));
  for (const p of arrows) {
    const from = byKey.get(p.from);
    const to = byKey.get(p.to);
    if (!from || !to) continue;
    const edge = edgeOf(serviceIds.get(p.from) ?? '', serviceIds.get(p.to) ?? '', [], {
      kind: 'precedence',
      from: p.from,
      to: p.to,
      precedence: p.kind,
      lines: [],
    });
    const lane = laneOf.get(p);
    if (lane === undefined) {
      const x = columnX + 34;
      edge.sections = [{ startPoint: { x, y: (from.y ?? 0) + (from.height ?? 0) }, endPoint: { x, y: to.y ?? 0 } }];
    } else {
      const laneX = columnX - 10 - lane * GAP.lane;
      const startY = (from.y ?? 0) + (from.height ?? 0) / 2 + 6 * lane - 6;
      const endY = (to.y ?? 0) + (to.height ?? 0) / 2 + 6 * lane - 6;
      edge.sections = [
        {
          startPoint: { x: columnX, y: startY },
          bendPoints: [
            { x: laneX, y: startY },
            { x: laneX, y: endY },
          ],
          endPoint: { x: columnX, y: endY },
        },
      ];
    }
    openEdges.push(edge);
  }

  // One rule beside each service that has a precedence: the access guard's own words.
  /** @type {PrecedenceLabel[]} */
  const labels = [];
  let labelsRight = 0;
  for (const region of serviceRegions) {
    const node = byKey.get(region.service ?? '');
    if (!node) continue;
    const guards = region.states.flatMap((s) => s.transitions.flatMap((t) => t.guards));
    for (const kind of /** @type {const} */ (['after', 'afterOrWith'])) {
      const from = arrows.filter((p) => p.to === region.service && p.kind === kind).map((p) => p.from);
      if (from.length === 0) continue;
      const guard = guards.find(
        (g) => g.name === (kind === 'after' ? 'precedingServicesCompleted' : 'precedingOrConcurrentServiceStarted'),
      );
      const text = guard ? words.rule(guard) : WORDS[kind][lang];
      const lines = wrap(text, FONTS.rule, 230, measure);
      const width = Math.max(...lines.map((l) => measure(l, css(FONTS.rule)))) + 8;
      const count = labels.filter((l) => l.to === region.service).length;
      const labelY = (node.y ?? 0) + 6 + count * (lines.length * LINE.rule + 4);
      const x = labelY < stackBottom + 6 ? rightX + stackWidth + GAP.column : (node.x ?? 0) + (node.width ?? 0) + 10;
      labels.push({ to: region.service ?? '', kind, from, x, y: labelY, width, lines });
      labelsRight = Math.max(labelsRight, x + width);
    }
  }

  const openWidth = Math.max(openHeader.width + 2 * PAD, rightX + stackWidth + PAD, labelsRight + PAD, columnX + columnWidth + PAD);
  const openHeight = Math.max(columnBottom, stackBottom) + PAD;
  /** @type {ElkNode} */
  const openNode = {
    id: open.id,
    x: 0,
    y: 0,
    width: openWidth,
    height: openHeight,
    children: [...serviceNodes, ...otherNodes],
    edges: openEdges,
  };

  // The root: the initial dot, the open state, and the outcomes on its right.
  const rootHeader = header(pathway.title[lang], FONTS.service, [], states, words, lang, measure, 600);
  nodes.set(pathway.root.id, { kind: 'state', state: pathway.root, header: rootHeader });
  const rootTop = rootHeader.height + 8;
  const openX = PAD + INITIAL_SIZE + 24;
  shift(openNode, openX, rootTop);
  /** @type {ElkNode[]} */
  const rootChildren = [];
  /** @type {ElkEdge[]} */
  const rootEdges = [];
  const middle = rootTop + openHeight / 2;
  if (pathway.root.initial) {
    const marker = `${pathway.root.id}#initial`;
    rootChildren.push({ id: marker, x: PAD, y: middle - INITIAL_SIZE / 2, width: INITIAL_SIZE, height: INITIAL_SIZE });
    edges.set(`${marker}-edge`, { kind: 'initial' });
    rootEdges.push({
      id: `${marker}-edge`,
      sources: [marker],
      targets: [open.id],
      sections: [{ startPoint: { x: PAD + INITIAL_SIZE, y: middle }, endPoint: { x: openX, y: middle } }],
    });
  }
  rootChildren.push(openNode);
  const finals = pathway.root.states.filter((s) => s !== open);
  const finalX = openX + openWidth + GAP.final;
  const finalBoxes = finals.map((final) => {
    const h = header(stateTitle(final, lang), FONTS.state, [], states, words, lang, measure, BOX_WRAP);
    nodes.set(final.id, { kind: 'state', state: final, header: h });
    return { final, width: Math.max(h.width + 8, 120), height: Math.max(h.height + 8, 44) };
  });
  const finalsHeight = finalBoxes.reduce((sum, b) => sum + b.height, 0) + GAP.row * 2 * Math.max(0, finalBoxes.length - 1);
  let finalY = Math.max(rootTop, middle - finalsHeight / 2);
  let finalsWidth = 0;
  for (const box of finalBoxes) {
    rootChildren.push({ id: box.final.id, x: finalX, y: finalY, width: box.width, height: box.height });
    const into = [open, ...descendants(open)].flatMap((s) => s.transitions.filter((t) => t.targets[0] === box.final.id));
    into.forEach((t, i) => {
      const edge = edgeOf(open.id, box.final.id, [], { kind: 'transition', transition: t, lines: [] });
      const at = finalY + box.height / 2 + (i - (into.length - 1) / 2) * 8;
      edge.sections = [{ startPoint: { x: openX + openWidth, y: at }, endPoint: { x: finalX, y: at } }];
      rootEdges.push(edge);
    });
    finalY += box.height + GAP.row * 2;
    finalsWidth = Math.max(finalsWidth, box.width);
  }
  const rootWidth = Math.max(finalX + finalsWidth + PAD, rootHeader.width + 2 * PAD);
  const rootHeight = Math.max(rootTop + openHeight, finalY - GAP.row * 2) + PAD;
  /** @type {ElkNode} */
  const rootNode = { id: pathway.root.id, x: 0, y: 0, width: rootWidth, height: rootHeight, children: rootChildren, edges: rootEdges };
  shift(rootNode, 4, 4);
  /** @type {ElkNode} */
  const laid = { id: 'diagram-root', x: 0, y: 0, width: rootWidth + 8, height: rootHeight + 8, children: [rootNode] };
  for (const label of labels) {
    label.x += openX + 4;
    label.y += rootTop + 4;
  }
  return { laid, nodes, edges, labels };
}

/**
 * @param {string} name @param {Record<string, string | number>} attributes @param {Element} [parent]
 * @returns {SVGElement}
 */
function el(name, attributes, parent) {
  const element = /** @type {SVGElement} */ (document.createElementNS(SVG_NS, name));
  for (const [key, value] of Object.entries(attributes)) element.setAttribute(key, String(value));
  if (parent) parent.appendChild(element);
  return element;
}

/**
 * A text in a font of the diagram: the font is set on the element, so that what is drawn is what was measured.
 * @param {Element} parent @param {number} x @param {number} y @param {string} text @param {string} className @param {Font} font
 */
function textAt(parent, x, y, text, className, font) {
  const t = el(
    'text',
    {
      x,
      y,
      class: className,
      'font-family': FAMILY,
      'font-size': font.size,
      'font-weight': font.weight,
      'font-style': font.style ?? 'normal',
    },
    parent,
  );
  t.textContent = text;
  return t;
}

/** @param {Element} parent @param {string} text */
function titleOf(parent, text) {
  const title = el('title', {}, parent);
  title.textContent = text;
  return title;
}

/**
 * Lines of an item ('E' event, 'R' rule) drawn from (x, y).
 * @param {Element} parent @param {number} x @param {number} y @param {string[]} lines
 */
function drawLines(parent, x, y, lines) {
  let lineY = y;
  for (const line of lines) {
    const isEvent = line[0] === 'E';
    lineY += isEvent ? LINE.event : LINE.rule;
    textAt(
      parent,
      x + (isEvent ? 0 : 14),
      lineY - 5,
      line.slice(1),
      isEvent ? 'event-text' : 'rule-text',
      isEvent ? FONTS.event : FONTS.rule,
    );
  }
}

/**
 * What a drawn diagram remembers: the pathway, the language, the opened boxes, the last highlight
 * and the options, so that opening a box redraws it as it was.
 * @typedef {{ open?: Iterable<string>, onToggle?: (key: string, open: string[]) => void }} DrawOptions
 * @typedef {{ elk: ElkEngine, pathway: PathwayDescription, lang: Language, opened: Set<string>, active: Set<string>,
 *   options: DrawOptions, states: Map<string, StateDescription> }} Drawn
 */
/** @type {WeakMap<SVGSVGElement, Drawn>} */
const drawn = new WeakMap();

/**
 * Draws a laid-out pathway into the SVG element (replacing what was there). The zoom the page set on
 * the previous drawing (its width over its natural width) is kept.
 * @param {SVGSVGElement} svg @param {Layout} layout @param {PathwayDescription} pathway @param {Language} lang
 */
export function render(svg, layout, pathway, lang) {
  const { laid, nodes, edges, labels } = layout;
  const previous = Number(svg.dataset.width);
  const shown = Number(svg.getAttribute('width'));
  const zoom = previous > 0 && shown > 0 ? shown / previous : 1;
  svg.replaceChildren();
  const width = Math.ceil(laid.width ?? 800);
  const height = Math.ceil(laid.height ?? 600);
  svg.setAttribute('viewBox', `0 0 ${width} ${height}`);
  svg.setAttribute('width', String(Math.round(width * zoom)));
  svg.setAttribute('height', String(Math.round(height * zoom)));
  svg.dataset.width = String(width);
  svg.dataset.height = String(height);
  const words = vocabulary(pathway, lang);

  const defs = el('defs', {}, svg);
  const marker = el(
    'marker',
    {
      id: 'arrow',
      viewBox: '0 0 10 10',
      refX: 9,
      refY: 5,
      markerWidth: 10,
      markerHeight: 10,
      markerUnits: 'userSpaceOnUse',
      orient: 'auto-start-reverse',
    },
    defs,
  );
  el('path', { d: 'M 0 0 L 10 5 L 0 10 z', class: 'arrow-head' }, marker);

  const stateLayer = el('g', { class: 'states' }, svg);
  const edgeLayer = el('g', { class: 'transitions' }, svg);

  /** @param {ElkNode} n @param {number} depth */
  const drawNode = (n, depth) => {
    const x = n.x ?? 0;
    const y = n.y ?? 0;
    const w = n.width ?? 0;
    const h = n.height ?? 0;
    if (n.id.endsWith('#initial')) {
      el('circle', { class: 'initial-marker', cx: x + w / 2, cy: y + h / 2, r: w / 2, 'data-initial-of': n.id.slice(0, -8) }, stateLayer);
      return;
    }
    const info = nodes.get(n.id);
    if (!info) return;
    const state = info.state;
    const closed = (info.kind === 'region' || info.kind === 'acts') && !info.open;
    const group =
      info.kind === 'acts'
        ? el('g', { class: `case-acts depth-${Math.min(depth, 4)}`, 'data-acts-of': state.id }, stateLayer)
        : el(
            'g',
            { class: `state depth-${Math.min(depth, 4)}`, 'data-state-id': state.id, 'data-type': state.type, tabindex: -1 },
            stateLayer,
          );
    if (info.kind !== 'acts' && state.service) group.setAttribute('data-service', state.service);
    const service = state.service ? pathway.services.find((s) => s.key === state.service) : undefined;
    titleOf(group, info.kind === 'acts' ? WORDS.acts[lang] : (service?.about?.purpose[lang] ?? state.label[lang]));
    el('rect', { class: 'state-box', x, y, width: w, height: h, rx: closed || state.states.length ? 14 : 10 }, group);
    if (state.type === 'final') el('rect', { class: 'final-ring', x: x + 4, y: y + 4, width: w - 8, height: h - 8, rx: 7 }, group);
    const font = info.kind === 'region' || n.id === pathway.root.id ? FONTS.service : FONTS.state;
    /** @type {string[]} the ids of the texts that name a box a trainee opens (its title, its status) */
    const namedBy = [];
    info.header.titleLines.forEach((line, i) => {
      const text = textAt(
        group,
        x + PAD,
        y + LINE.title * (i + 1) + 2,
        // A wrapped title's lines keep the space between them (not drawn), so that the box's text reads
        // as its name does: "A.2 Accoglienza, primo filtro ...", not "primofiltro".
        i < info.header.titleLines.length - 1 ? `${line} ` : line,
        info.kind === 'region' ? 'service-title' : 'state-text',
        font,
      );
      if (info.kind === 'region' || info.kind === 'acts') {
        text.setAttribute('id', `box-${info.toggleKey}-title-${i}`);
        namedBy.push(`box-${info.toggleKey}-title-${i}`);
      }
      // A title wider than its box (a font other than the one measured) is squeezed, never spills.
      const room = w - 2 * PAD - (info.kind === 'region' || info.kind === 'acts' ? TOGGLE : 0);
      if (text instanceof SVGTextElement && text.getComputedTextLength() > room) {
        text.setAttribute('textLength', String(room));
        text.setAttribute('lengthAdjust', 'spacingAndGlyphs');
      }
    });
    if (state.type === 'parallel' && info.kind === 'state') {
      textAt(group, x + w - PAD, y + LINE.title + 2, WORDS.parallel[lang], 'tag-text', FONTS.tag).setAttribute('text-anchor', 'end');
    }
    if (info.kind === 'region' || info.kind === 'acts') {
      group.classList.add(info.open ? 'opened' : 'collapsed');
      group.setAttribute('tabindex', '0');
      group.setAttribute('role', 'button');
      group.setAttribute('aria-expanded', String(info.open));
      group.setAttribute('data-toggle', info.toggleKey);
      // Named by what it shows (its title, and a live case's status), so that what a trainee sees is what
      // a screen reader says and voice control answers to; aria-expanded says whether it is open.
      textAt(group, x + w - PAD, y + LINE.title + 2, info.open ? '−' : '+', 'toggle-text', FONTS.service).setAttribute(
        'text-anchor',
        'end',
      );
      if (!info.open && info.kind === 'region') {
        // The status line: filled in by highlight() for a live case.
        textAt(
          group,
          x + PAD,
          y + info.header.titleLines.length * LINE.title + LINE.status + 2,
          '',
          'status-text',
          FONTS.status,
        ).setAttribute('id', `box-${info.toggleKey}-status`);
        namedBy.push(`box-${info.toggleKey}-status`);
      }
      group.setAttribute('aria-labelledby', namedBy.join(' '));
    }
    const listTop = y + LINE.title * info.header.titleLines.length + 8;
    for (const item of info.header.items) {
      const t = item.transition;
      const row = el(
        'g',
        {
          class: t.targets.length > 0 ? 'transition listed' : 'transition listed internal',
          'data-event': t.event,
          'data-source': t.source,
          'data-target': t.targets[0] ?? t.source,
        },
        group,
      );
      titleOf(row, transitionTooltip(t, words));
      drawLines(row, x + PAD + item.dx, listTop + item.dy, item.lines);
    }
    for (const child of n.children ?? []) drawNode(child, depth + 1);
  };
  for (const child of laid.children ?? []) drawNode(child, 0);

  /** @param {ElkNode} n @returns {ElkEdge[]} */
  const allEdges = (n) => [...(n.edges ?? []), ...(n.children ?? []).flatMap(allEdges)];
  for (const edge of allEdges(laid)) {
    const info = edges.get(edge.id);
    if (!info) continue;
    const group = el('g', { class: info.kind === 'initial' ? 'initial-transition' : info.kind }, edgeLayer);
    if (info.kind === 'transition') {
      group.setAttribute('data-event', info.transition.event);
      group.setAttribute('data-source', info.transition.source);
      group.setAttribute('data-target', info.transition.targets[0]);
      titleOf(group, transitionTooltip(info.transition, words));
    } else if (info.kind === 'precedence') {
      group.setAttribute('data-from', info.from);
      group.setAttribute('data-to', info.to);
      group.setAttribute('data-kind', info.precedence);
      const to = pathway.services.find((s) => s.key === info.to);
      titleOf(group, to?.access?.text[lang] ?? '');
    }
    for (const section of edge.sections ?? []) {
      const points = [section.startPoint, ...(section.bendPoints ?? []), section.endPoint];
      const path = el(
        'path',
        { class: 'edge', d: points.map((p, i) => `${i ? 'L' : 'M'} ${p.x} ${p.y}`).join(' '), 'marker-end': 'url(#arrow)' },
        group,
      );
      if (info.kind === 'precedence' && info.precedence === 'afterOrWith') path.setAttribute('stroke-dasharray', '7 5');
    }
    if (info.kind === 'initial' || info.kind === 'precedence') continue;
    for (const label of edge.labels ?? []) {
      const lx = label.x ?? 0;
      const ly = label.y ?? 0;
      el('rect', { class: 'label-back', x: lx - 2, y: ly, width: (label.width ?? 0) + 4, height: label.height ?? 0, rx: 4 }, group);
      drawLines(group, lx + 2, ly, info.lines);
    }
  }
  for (const label of labels) {
    const group = el(
      'g',
      { class: 'precedence-label', 'data-to': label.to, 'data-kind': label.kind, 'data-from': label.from.join(' ') },
      edgeLayer,
    );
    el(
      'rect',
      { class: 'label-back', x: label.x - 2, y: label.y, width: label.width + 4, height: label.lines.length * LINE.rule + 4, rx: 4 },
      group,
    );
    drawLines(
      group,
      label.x + 2 - 14,
      label.y,
      label.lines.map((l) => `R${l}`),
    );
  }
}

/**
 * Marks the active states (ids such as "person.open.A1.completed") and those that are not. A closed
 * box holding active states is marked active too, names them (data-active-states) and shows their
 * words in its status line.
 * @param {SVGSVGElement} svg @param {Set<string>} active
 */
export function highlight(svg, active) {
  const memory = drawn.get(svg);
  if (memory) memory.active = new Set(active);
  for (const group of svg.querySelectorAll('g.state')) {
    const id = group.getAttribute('data-state-id') ?? '';
    const on = active.has(id);
    group.classList.toggle('active', on);
    if (on) group.setAttribute('aria-current', 'true');
    else group.removeAttribute('aria-current');
    if (!group.classList.contains('collapsed')) continue;
    const inside = [...active].filter((a) => a.startsWith(`${id}.`)).sort();
    if (inside.length) group.setAttribute('data-active-states', inside.join(' '));
    else group.removeAttribute('data-active-states');
    const status = group.querySelector(':scope > text.status-text');
    if (status && memory) {
      const leaves = inside.map((a) => memory.states.get(a)).filter((s) => s && s.states.length === 0);
      status.textContent = leaves.map((s) => (s ? stateTitle(s, memory.lang) : '')).join(' · ');
    }
  }
}

/**
 * Lays out and draws the pathway as remembered for this SVG element.
 * @param {SVGSVGElement} svg @param {Drawn} memory
 */
async function redraw(svg, memory) {
  const { laid, nodes, edges, labels } = await layoutPathway(memory.elk, memory.pathway, memory.lang, textMeasurer(), memory.opened);
  render(svg, { laid, nodes, edges, labels }, memory.pathway, memory.lang);
  highlight(svg, memory.active);
  for (const box of svg.querySelectorAll('[data-toggle]')) {
    const key = box.getAttribute('data-toggle') ?? '';
    const toggle = () => void toggleBox(svg, key);
    // A transition listed in an opened box is the page's to handle (it may be a button), not the box's.
    box.addEventListener('click', (e) => {
      if (!(e.target instanceof Element && e.target.closest('g.transition'))) toggle();
    });
    box.addEventListener('keydown', (e) => {
      const pressed = /** @type {KeyboardEvent} */ (e).key;
      if ((pressed === 'Enter' || pressed === ' ') && e.target === box) {
        e.preventDefault();
        toggle();
      }
    });
  }
}

/**
 * Opens a closed box or closes an opened one, redraws, gives the focus back to the box and tells the page.
 * @param {SVGSVGElement} svg @param {string} key
 */
export async function toggleBox(svg, key) {
  const memory = drawn.get(svg);
  if (!memory) return;
  if (memory.opened.has(key)) memory.opened.delete(key);
  else memory.opened.add(key);
  svg.dataset.ready = 'false';
  await redraw(svg, memory);
  svg.dataset.ready = 'true';
  const box = [...svg.querySelectorAll('[data-toggle]')].find((b) => b.getAttribute('data-toggle') === key);
  if (box instanceof SVGElement) box.focus();
  memory.options.onToggle?.(key, [...memory.opened]);
}

/** The boxes opened on this diagram (state ids of regions, or the acts box's key). @param {SVGSVGElement} svg */
export const openedBoxes = (svg) => [...(drawn.get(svg)?.opened ?? [])];

/**
 * Lays out and draws a pathway. Services start closed unless `options.open` names them (region state
 * ids such as "person.open.A3", or `actsKey`); boxes the user opens stay open across redraws of the
 * same pathway (a language change), and `options.onToggle` is called after each opening or closing,
 * once the diagram is drawn again (the page re-attaches what it adds to the drawing).
 * @param {ElkEngine} elk @param {SVGSVGElement} svg @param {PathwayDescription} pathway @param {Language} lang
 * @param {DrawOptions} [options]
 */
export async function drawPathway(elk, svg, pathway, lang, options = {}) {
  const before = drawn.get(svg);
  const opened = options.open
    ? new Set(options.open)
    : before && before.pathway.name === pathway.name
      ? before.opened
      : /** @type {Set<string>} */ (new Set());
  /** @type {Map<string, StateDescription>} */
  const states = new Map();
  for (const s of [pathway.root, ...descendants(pathway.root)]) states.set(s.id, s);
  const memory = { elk, pathway, lang, opened, active: before?.active ?? new Set(), options, states };
  drawn.set(svg, memory);
  await redraw(svg, memory);
}

/**
 * The zoom a page should start at: the whole diagram in view, never above 1.2 and never below
 * LEGIBLE_ZOOM (the diagram scrolls instead).
 * @param {SVGSVGElement} svg @param {{ width: number, height: number }} view
 */
export function defaultZoom(svg, view) {
  const width = Number(svg.dataset.width ?? 800);
  const height = Number(svg.dataset.height ?? 600);
  return Math.max(LEGIBLE_ZOOM, Math.min(1.2, (view.width - 8) / width, (view.height - 8) / height));
}
