// @ts-check
/**
 * The statechart of a pathway as SVG: the machine description from GET /pathways/:name, laid out
 * by elkjs (layered, compound graph, edges across the hierarchy) and drawn here. Compound and
 * parallel states are nested boxes; transitions that move are labelled arrows (event and guards);
 * transitions that stay put are listed inside their state (⟲); initial states have a dot-arrow,
 * final states a double border; service regions carry their code (A.1 ... B.4).
 */

/** @typedef {'it' | 'en'} Language */
/** @typedef {{ it: string, en: string }} Text */
/** @typedef {{ name: string, code: string }} GuardRef */
/** @typedef {{ event: string, source: string, targets: string[], guards: GuardRef[] }} TransitionDescription */
/**
 * @typedef {{ id: string, key: string, type: string, initial: string | null, service: string | null,
 *   outcome: string | null, label: Text, states: StateDescription[], transitions: TransitionDescription[] }} StateDescription
 */
/** @typedef {{ key: string, code: string, name: Text }} ServiceDescription */
/** @typedef {{ type: string, service: string | null, summary: Text, fields: FieldDescription[] }} EventDescription */
/** @typedef {{ name: string, type: { kind: string, values?: string[], min?: number, max?: number, maxLength?: number }, required: boolean, description: Text }} FieldDescription */
/** @typedef {{ name: string, title: Text, version: string, root: StateDescription, services: ServiceDescription[], events: EventDescription[] }} PathwayDescription */

/**
 * @typedef {{ id: string, x?: number, y?: number, width?: number, height?: number, text?: string }} ElkLabel
 * @typedef {{ startPoint: { x: number, y: number }, endPoint: { x: number, y: number }, bendPoints?: { x: number, y: number }[] }} ElkSection
 * @typedef {{ id: string, sources: string[], targets: string[], labels?: ElkLabel[], sections?: ElkSection[] }} ElkEdge
 * @typedef {{ id: string, x?: number, y?: number, width?: number, height?: number, children?: ElkNode[], edges?: ElkEdge[], labels?: ElkLabel[], layoutOptions?: Record<string, string> }} ElkNode
 * @typedef {{ layout(graph: ElkNode): Promise<ElkNode> }} ElkEngine
 */

/** Guards every transition checks: named once in the legend instead of on every arrow. */
export const COMMON_GUARDS = ['payloadValid', 'dateNotInFuture'];

const FONT = 'system-ui, "Segoe UI", Roboto, "Noto Sans", "DejaVu Sans", sans-serif';
const STATE_FONT = `600 17px ${FONT}`;
const REGION_FONT = `700 18px ${FONT}`;
const EVENT_FONT = `600 14px ${FONT}`;
const GUARD_FONT = `400 13px ${FONT}`;
const LINE = { title: 24, event: 19, guard: 17 };
const PAD = 14;
const INITIAL_SIZE = 14;
const SVG_NS = 'http://www.w3.org/2000/svg';

/** @param {TransitionDescription} t */
export const shownGuards = (t) => t.guards.map((g) => g.name).filter((name) => !COMMON_GUARDS.includes(name));

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

/**
 * Guard names wrapped into lines of at most `max` characters, joined by " · ".
 * @param {string[]} guards @param {number} max
 */
export function guardLines(guards, max = 44) {
  /** @type {string[]} */
  const lines = [];
  let line = '';
  for (const guard of guards) {
    const next = line ? `${line} · ${guard}` : guard;
    if (line && next.length > max) {
      lines.push(line);
      line = guard;
    } else line = next;
  }
  if (line) lines.push(line);
  return lines.map((l, i) => (i === 0 ? `[${l}` : l) + (i === lines.length - 1 ? ']' : ''));
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

/**
 * @typedef {{ transition: TransitionDescription, dx: number, dy: number, lines: string[] }} HeaderItem
 * @typedef {{ titleLines: string[], items: HeaderItem[], width: number, height: number }} Header
 */

/** Titles of compound states wrap at this width (their boxes are sized by their children). */
const TITLE_WRAP = 240;
/** Events listed in one column of a state's header before a new column starts. */
const ITEMS_PER_COLUMN = 4;

/**
 * Words wrapped into lines no wider than `max` pixels.
 * @param {string} text @param {string} font @param {number} max @param {(text: string, font: string) => number} measure
 */
function wrap(text, font, max, measure) {
  /** @type {string[]} */
  const lines = [];
  let line = '';
  for (const word of text.split(' ')) {
    const next = line ? `${line} ${word}` : word;
    if (line && measure(next, font) > max) {
      lines.push(line);
      line = word;
    } else line = next;
  }
  if (line) lines.push(line);
  return lines;
}

/**
 * A state's header: its title, then the events it records without moving (⟲), in columns when many.
 * @param {StateDescription} state @param {Language} lang @param {(text: string, font: string) => number} measure
 * @returns {Header}
 */
export function headerOf(state, lang, measure) {
  const font = state.service ? REGION_FONT : STATE_FONT;
  const title = stateTitle(state, lang);
  const titleLines = state.states.length > 0 ? wrap(title, font, TITLE_WRAP, measure) : [title];
  const titleHeight = titleLines.length * LINE.title;
  let width = Math.max(...titleLines.map((l) => measure(l, font)));
  const internal = state.transitions.filter((t) => t.targets.length === 0);
  const perColumn = state.states.length > 0 ? ITEMS_PER_COLUMN : Number.MAX_SAFE_INTEGER;
  /** @type {HeaderItem[]} */
  const items = [];
  let columnX = 0;
  let columnWidth = 0;
  let y = 0;
  let listHeight = 0;
  internal.forEach((transition, i) => {
    if (i > 0 && i % perColumn === 0) {
      columnX += columnWidth + 24;
      columnWidth = 0;
      y = 0;
    }
    const lines = [`⟲ ${transition.event}`, ...guardLines(shownGuards(transition))];
    items.push({ transition, dx: columnX, dy: y, lines });
    columnWidth = Math.max(columnWidth, ...lines.map((l, j) => measure(l, j === 0 ? EVENT_FONT : GUARD_FONT) + (j === 0 ? 0 : 14)));
    y += LINE.event + (lines.length - 1) * LINE.guard;
    listHeight = Math.max(listHeight, y);
  });
  width = Math.max(width, columnX + columnWidth) + 2 * PAD;
  const height = LINE.title + (titleHeight - LINE.title) + 10 + listHeight + (listHeight ? 6 : 0);
  return { titleLines, items, width, height };
}

/**
 * The ELK graph of a pathway, with sizes measured for the chosen language.
 * @param {PathwayDescription} pathway @param {Language} lang @param {(text: string, font: string) => number} measure
 * @returns {{ graph: ElkNode, edges: Map<string, TransitionDescription>, headers: Map<string, Header> }}
 */
export function buildGraph(pathway, lang, measure) {
  /** @type {ElkEdge[]} */
  const elkEdges = [];
  /** @type {Map<string, TransitionDescription>} */
  const edges = new Map();
  /** @type {Map<string, Header>} */
  const headers = new Map();

  /** @param {StateDescription} state @returns {ElkNode} */
  const node = (state) => {
    const header = headerOf(state, lang, measure);
    headers.set(state.id, header);
    for (const t of state.transitions.filter((tr) => tr.targets.length > 0)) {
      const id = `edge-${edges.size}`;
      edges.set(id, t);
      const lines = [t.event, ...guardLines(shownGuards(t))];
      const labelWidth = Math.max(...lines.map((l, i) => measure(l, i === 0 ? EVENT_FONT : GUARD_FONT))) + 8;
      elkEdges.push({
        id,
        sources: [state.id],
        targets: [t.targets[0]],
        labels: [{ id: `${id}-label`, text: t.event, width: labelWidth, height: LINE.event + (lines.length - 1) * LINE.guard + 4 }],
      });
    }
    if (state.states.length === 0) return { id: state.id, width: Math.max(header.width, 120), height: Math.max(header.height + 4, 44) };

    /** @type {ElkNode[]} */
    const children = state.states.map(node);
    if (state.initial) {
      const marker = `${state.id}#initial`;
      children.unshift({ id: marker, width: INITIAL_SIZE, height: INITIAL_SIZE });
      elkEdges.push({ id: `${marker}-edge`, sources: [marker], targets: [`${state.id}.${state.initial}`] });
    }
    // Many regions side by side would not fit a screen: layout-only edges put the second half
    // of a parallel state's regions under the first (never drawn).
    if (state.type === 'parallel' && state.states.length > 4) {
      const half = Math.ceil(state.states.length / 2);
      for (let i = 0; i + half < state.states.length; i++) {
        elkEdges.push({ id: `layout-${state.states[i].id}`, sources: [state.states[i].id], targets: [state.states[i + half].id] });
      }
    }
    return {
      id: state.id,
      children,
      layoutOptions: {
        'elk.padding': `[top=${header.height + 8},left=${PAD},bottom=${PAD},right=${PAD}]`,
      },
    };
  };

  const root = node(pathway.root);
  // The outermost box is the pathway itself: its title, not the machine's id.
  const rootHeader = headers.get(pathway.root.id);
  if (rootHeader) rootHeader.titleLines = [pathway.title[lang]];
  const graph = {
    id: 'diagram-root',
    layoutOptions: {
      'elk.algorithm': 'layered',
      'elk.direction': 'DOWN',
      'elk.hierarchyHandling': 'INCLUDE_CHILDREN',
      'elk.edgeRouting': 'ORTHOGONAL',
      'elk.edgeLabels.placement': 'CENTER',
      'elk.layered.spacing.nodeNodeBetweenLayers': '46',
      'elk.spacing.nodeNode': '34',
      'elk.spacing.edgeLabel': '6',
      'elk.spacing.edgeNode': '18',
      'elk.spacing.componentComponent': '30',
      'elk.layered.nodePlacement.strategy': 'NETWORK_SIMPLEX',
      'elk.json.shapeCoords': 'ROOT',
      'elk.json.edgeCoords': 'ROOT',
      'elk.padding': '[top=12,left=12,bottom=12,right=12]',
    },
    children: [root],
    edges: elkEdges,
  };
  return { graph, edges, headers };
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
 * @param {Element} parent @param {number} x @param {number} y @param {string} text @param {string} className
 */
function textAt(parent, x, y, text, className) {
  const t = el('text', { x, y, class: className }, parent);
  t.textContent = text;
  return t;
}

/**
 * Draws a laid-out graph into the SVG element (replacing what was there).
 * @param {SVGSVGElement} svg @param {ElkNode} laid @param {PathwayDescription} pathway
 * @param {Map<string, TransitionDescription>} edges @param {Map<string, Header>} headers @param {Language} lang
 */
export function render(svg, laid, pathway, edges, headers, lang) {
  svg.replaceChildren();
  const width = Math.ceil(laid.width ?? 800);
  const height = Math.ceil(laid.height ?? 600);
  svg.setAttribute('viewBox', `0 0 ${width} ${height}`);
  svg.setAttribute('width', String(width));
  svg.setAttribute('height', String(height));
  svg.dataset.width = String(width);
  svg.dataset.height = String(height);

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

  /** @type {Map<string, StateDescription>} */
  const states = new Map();
  /** @param {StateDescription} s */
  const index = (s) => {
    states.set(s.id, s);
    s.states.forEach(index);
  };
  index(pathway.root);

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
    const state = states.get(n.id);
    if (!state) return;
    const type = state.type;
    const group = el(
      'g',
      { class: `state depth-${Math.min(depth, 4)}`, 'data-state-id': state.id, 'data-type': type, tabindex: -1 },
      stateLayer,
    );
    if (state.service) group.setAttribute('data-service', state.service);
    const title = el('title', {}, group);
    title.textContent = state.label[lang];
    el('rect', { class: 'state-box', x, y, width: w, height: h, rx: state.states.length ? 14 : 10 }, group);
    if (type === 'final') el('rect', { class: 'final-ring', x: x + 4, y: y + 4, width: w - 8, height: h - 8, rx: 7 }, group);
    if (type === 'parallel')
      el('line', { class: 'parallel-rule', x1: x, x2: x + w, y1: y + LINE.title + 8, y2: y + LINE.title + 8 }, group);
    const header = headers.get(state.id) ?? headerOf(state, lang, textMeasurer());
    header.titleLines.forEach((line, i) => {
      const text = textAt(group, x + PAD, y + LINE.title * (i + 1), line, state.service ? 'region-title' : 'state-title');
      // A title wider than its box (a font other than the one measured) is squeezed, never spills.
      if (text instanceof SVGTextElement && text.getComputedTextLength() > w - 2 * PAD) {
        text.setAttribute('textLength', String(w - 2 * PAD));
        text.setAttribute('lengthAdjust', 'spacingAndGlyphs');
      }
    });
    if (type === 'parallel') textAt(group, x + w - PAD, y + LINE.title, lang === 'it' ? '∥ parallelo' : '∥ parallel', 'parallel-tag');
    const listTop = y + LINE.title * header.titleLines.length + 10;
    for (const item of header.items) {
      const t = item.transition;
      const row = el('g', { class: 'transition internal', 'data-event': t.event, 'data-source': t.source, 'data-target': t.source }, group);
      item.lines.forEach((line, i) => {
        const lineY = listTop + item.dy + (i === 0 ? LINE.event : LINE.event + i * LINE.guard) - 4;
        textAt(row, x + PAD + item.dx + (i === 0 ? 0 : 14), lineY, line, i === 0 ? 'event-label' : 'guard-label');
      });
    }
    for (const child of n.children ?? []) drawNode(child, depth + 1);
  };
  for (const child of laid.children ?? []) drawNode(child, 0);

  /** @param {ElkNode} n @returns {ElkEdge[]} */
  const allEdges = (n) => [...(n.edges ?? []), ...(n.children ?? []).flatMap(allEdges)];
  for (const edge of allEdges(laid)) {
    if (edge.id.startsWith('layout-')) continue;
    const t = edges.get(edge.id);
    const group = el('g', { class: t ? 'transition' : 'initial-transition' }, edgeLayer);
    if (t) {
      group.setAttribute('data-event', t.event);
      group.setAttribute('data-source', t.source);
      group.setAttribute('data-target', t.targets[0]);
    }
    for (const section of edge.sections ?? []) {
      const points = [section.startPoint, ...(section.bendPoints ?? []), section.endPoint];
      el(
        'path',
        { class: 'edge', d: points.map((p, i) => `${i ? 'L' : 'M'} ${p.x} ${p.y}`).join(' '), 'marker-end': 'url(#arrow)' },
        group,
      );
    }
    if (!t) continue;
    for (const label of edge.labels ?? []) {
      const lx = label.x ?? 0;
      const ly = label.y ?? 0;
      el('rect', { class: 'label-back', x: lx - 2, y: ly, width: (label.width ?? 0) + 4, height: label.height ?? 0, rx: 4 }, group);
      textAt(group, lx + 2, ly + LINE.event - 4, t.event, 'event-label');
      guardLines(shownGuards(t)).forEach((line, i) =>
        textAt(group, lx + 2, ly + LINE.event + (i + 1) * LINE.guard - 4, line, 'guard-label'),
      );
    }
  }
}

/**
 * Marks the active states (ids such as "person.open.A1.completed") and those that are not.
 * @param {SVGSVGElement} svg @param {Set<string>} active
 */
export function highlight(svg, active) {
  for (const group of svg.querySelectorAll('g.state')) {
    const on = active.has(group.getAttribute('data-state-id') ?? '');
    group.classList.toggle('active', on);
    if (on) group.setAttribute('aria-current', 'true');
    else group.removeAttribute('aria-current');
  }
}

/**
 * Lays out and draws a pathway.
 * @param {ElkEngine} elk @param {SVGSVGElement} svg @param {PathwayDescription} pathway @param {Language} lang
 */
export async function drawPathway(elk, svg, pathway, lang) {
  const { graph, edges, headers } = buildGraph(pathway, lang, textMeasurer());
  const laid = await elk.layout(graph);
  render(svg, laid, pathway, edges, headers, lang);
}
