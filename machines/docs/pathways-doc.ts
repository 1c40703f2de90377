/**
 * docs/pathways.md, rendered from the machines and the repertory: what a trainer or a case manager
 * needs to know about each pathway (services, states, events, guards, indicators). Pure: the
 * generator in src/tools writes the text, a test checks the committed file is not stale.
 */
import { ENVELOPE_FIELDS } from '../case.js';
import { describePathway, type PathwayDescription, type StateDescription, type TransitionDescription } from '../definition.js';
import type { GuardParams } from '../guards.js';
import type { FieldSpec, FieldType } from '../payload.js';
import { PATHWAY_NAMES } from '../pathways.js';
import {
  COMPLEX_TARGETS,
  CPI_ONLY_ACTS,
  DEADLINE_GROUPS,
  INDICATORS,
  LANGUAGE_MEDIATION,
  LEGAL_DEADLINES,
  NETWORK_PARTNERS,
  OPERATOR_REQUIREMENTS,
  SERVICES,
  type DeadlineGroup,
  type DeliveryMode,
  type ServiceStandard,
  type Text,
} from '../repertory.js';

// ---------------------------------------------------------------------------------------------
// Markdown helpers

const cell = (value: string): string => value.replace(/\r?\n/g, ' ').replace(/\|/g, '\\|');

/** A Markdown table; `|` in cells is escaped, newlines become spaces. */
export function table(headers: string[], rows: string[][]): string {
  const line = (cells: string[]) => `| ${cells.map(cell).join(' | ')} |`;
  return [line(headers), line(headers.map(() => '---')), ...rows.map(line)].join('\n');
}

const code = (value: string): string => `\`${value}\``;

/** English, with the Italian in italics: "Vocational guidance (*Orientamento professionale*)". */
const both = (text: Text): string => (text.en === text.it ? text.en : `${text.en} (*${text.it}*)`);

/** Several items in one table cell, one per line. */
const lines = (items: string[], empty = '—'): string => (items.length > 0 ? items.join('<br>') : empty);

const unique = <T>(items: T[]): T[] => [...new Set(items)];

// ---------------------------------------------------------------------------------------------
// The repertory

const MODE_WORDS: Record<DeliveryMode, string> = {
  individual: 'individual',
  group: 'group',
  back_office: 'back office',
};

function deliveryModes(service: ServiceStandard): string {
  const modes = Object.entries(service.minMinutes) as [DeliveryMode, number | null][];
  return lines(modes.map(([mode, min]) => `${MODE_WORDS[mode]}: ${min === null ? 'no minimum' : `≥ ${min} min`}`));
}

function repertorySection(): string {
  const rows = Object.values(SERVICES).map((s) => [
    `**${s.code}**`,
    s.name.it,
    s.name.en,
    deliveryModes(s),
    s.minMeetings === undefined ? '—' : String(s.minMeetings),
    s.access.text.en,
    lines(s.outputs.map((o) => o.text.en)),
    s.indicators.join(', '),
  ]);
  return [
    '## The repertory',
    '',
    'The ten standard services of D.G.R. 19 March 2012 n. 66-3576 (Regione Piemonte): A.1–A.6 for people,',
    'B.1–B.4 for employers. Minimum durations are per meeting; guards refuse shorter sessions and modes the',
    'standard does not list.',
    '',
    table(
      ['Code', 'Italian name', 'English name', 'Delivery modes (minimum per meeting)', 'Min. meetings', 'Access precondition', 'Outputs', 'Indicators'],
      rows,
    ),
    '',
    "What each service is for and who may deliver it, in the standard's words (GET /pathways/:name serves them",
    "in both languages as each service's `about`, with the minimum duration as a sentence).",
    '',
    table(
      ['Code', 'Purpose', 'Who may deliver it'],
      Object.values(SERVICES).map((s) => [`**${s.code}**`, both(s.purpose), both(s.deliveredBy)]),
    ),
  ].join('\n');
}

function deadlinesSection(): string {
  const groups = Object.keys(DEADLINE_GROUPS) as DeadlineGroup[];
  const rows = LEGAL_DEADLINES.map((d) => [
    code(d.id),
    both(d.text),
    ...groups.map((g) => `${d.months[g]} months`),
    d.metBy.en,
  ]);
  return [
    '## Legal deadlines',
    '',
    'Counted from the DID date (start of unemployment): D.Lgs. 181/2000 art. 3, as amended by D.Lgs. 297/2002.',
    'The deadline group is chosen when the DID is received.',
    '',
    ...groups.map((g) => `- ${code(g)}: ${both(DEADLINE_GROUPS[g])}`),
    '',
    table(['Deadline', 'What', ...groups.map((g) => `Group ${code(g)}`), 'Met by'], rows),
  ].join('\n');
}

const CPI_HEADING = "Acts reserved to the CPI (Centri per l'Impiego)";

function cpiOnlySection(): string {
  const rows = Object.entries(CPI_ONLY_ACTS).map(([act, spec]) => [code(act), spec.text.en, spec.text.it, spec.law]);
  return [
    `## ${CPI_HEADING}`,
    '',
    'Accredited operators cannot record these acts (guard code `CPI_ONLY_ACT`).',
    '',
    table(['Act', 'English', 'Italian', 'Law'], rows),
  ].join('\n');
}

function complexTargetsSection(): string {
  const rows = Object.entries(COMPLEX_TARGETS).map(([key, t]) => [
    `${code(key)}<br>${both(t.name)}`,
    lines(t.network.map((p) => NETWORK_PARTNERS[p].en)),
    lines(t.operator.map((r) => OPERATOR_REQUIREMENTS[r].en)),
    lines(t.specialistServices.map((s) => s.en)),
    lines(t.cpiOnlyActs.map((a) => `${CPI_ONLY_ACTS[a].text.en} (${CPI_ONLY_ACTS[a].law})`)),
  ]);
  return [
    '## Complex targets',
    '',
    'Extra preconditions on top of the standards, for the person pathway.',
    '',
    table(['Target', 'Network partners', 'Operator requirements', 'Specialist services', 'CPI-only acts'], rows),
    '',
    '### Intercultural mediation',
    '',
    `${LANGUAGE_MEDIATION.en}.`,
    '',
    `*${LANGUAGE_MEDIATION.it}.*`,
  ].join('\n');
}

// ---------------------------------------------------------------------------------------------
// Pathways

const pathwayHeading = (d: PathwayDescription): string => `Pathway ${code(d.name)}: ${d.title.en}`;

function allStates(root: StateDescription): StateDescription[] {
  return [root, ...root.states.flatMap(allStates)];
}

function paramsText(params: GuardParams): string {
  const values = [params.service && SERVICES[params.service].code, params.act, params.target].filter((v): v is string => Boolean(v));
  return values.length > 0 ? ` (${values.join(', ')})` : '';
}

type GuardUse = TransitionDescription['guards'][number];

const guardText = (g: GuardUse): string => `${code(g.name)}${paramsText(g.params)}: ${code(g.code)}`;

/** Guards that every transition of the pathway checks: listed once, not on every event. */
function commonGuardNames(transitions: TransitionDescription[]): string[] {
  const [first, ...rest] = transitions.map((t) => t.guards.map((g) => g.name));
  return (first ?? []).filter((name) => rest.every((names) => names.includes(name)));
}

function typeText(type: FieldType): string {
  switch (type.kind) {
    case 'string': {
      // An identifier is shown to trainers observing a real case; free text is masked (docs/security.md).
      const what = type.identifier ? 'identifier' : 'text';
      return type.maxLength === undefined ? what : `${what} ≤ ${type.maxLength} characters`;
    }
    case 'date':
      return 'ISO date';
    case 'integer':
      return `whole number ${type.min}–${type.max}`;
    case 'boolean':
      return 'true/false';
    case 'enum':
      return `one of ${type.values.map(code).join(', ')}`;
    case 'enumList':
      return `list of ${type.values.map(code).join(', ')}`;
    case 'operator':
      return 'operator {id, kind: cpi | accredited}';
  }
}

const fieldText = (f: FieldSpec): string =>
  `${code(f.name)} (${f.required ? 'required' : 'optional'}, ${typeText(f.type)}): ${f.description.en}`;

const fieldsTable = (fields: FieldSpec[]): string =>
  table(
    ['Field', 'Type', 'Required', 'Description'],
    fields.map((f) => [code(f.name), typeText(f.type), f.required ? 'required' : 'optional', both(f.description)]),
  );

const indicatorText = (id: string): string => `${id} ${INDICATORS[id]?.en ?? '**unknown indicator**'}`;

/** A state's label without its region: "in progress" rather than "A.3 Vocational guidance: in progress". */
const shortLabel = (state: StateDescription): string => state.label.en.slice(state.label.en.lastIndexOf(': ') + 1).trim();

/** A region's name: its service, or the region word its states' labels start with ("Training"). */
function regionTitle(state: StateDescription): string {
  if (state.service) return `${SERVICES[state.service].code} ${both(SERVICES[state.service].name)}`;
  const label = state.states[0]?.label.en ?? '';
  return label.includes(': ') ? label.slice(0, label.indexOf(': ')) : state.key;
}

function stateLine(state: StateDescription, parent: StateDescription | null, labels: Map<string, string>): string {
  const marks: string[] = [];
  if (parent?.initial === state.key) marks.push('initial');
  if (state.type === 'parallel') marks.push('parallel: its regions run at the same time');
  if (state.type === 'final') marks.push(`final${state.outcome ? `, outcome ${code(state.outcome)}` : ''}`);
  const isRegion = parent?.type === 'parallel';
  const name = isRegion ? `region **${regionTitle(state)}**` : `**${shortLabel(state)}**`;
  const events = unique(
    state.transitions.map((t) => {
      const moves = t.targets.length > 0 && t.targets[0] !== t.source;
      return `${code(t.event)}${moves ? ` → ${t.targets.map((id) => labels.get(id) ?? id).join(', ')}` : ''}`;
    }),
  );
  const accepts = events.length > 0 ? `; accepts ${events.join(', ')}` : '';
  return `${name} ${code(state.key)}${marks.length > 0 ? ` (${marks.join('; ')})` : ''}${accepts}`;
}

/** The state tree as a nested list; the root (the machine itself) is not listed. */
function stateTree(root: StateDescription): string[] {
  const labels = new Map(allStates(root).map((s) => [s.id, shortLabel(s)]));
  const walk = (state: StateDescription, parent: StateDescription, depth: number): string[] => [
    `${'  '.repeat(depth)}- ${stateLine(state, parent, labels)}`,
    ...state.states.flatMap((child) => walk(child, state, depth + 1)),
  ];
  return root.states.flatMap((child) => walk(child, root, 0));
}

function eventsTable(d: PathwayDescription, transitions: TransitionDescription[], common: string[]): string {
  const states = allStates(d.root);
  const rows = d.events.map((e) => {
    const own = transitions.filter((t) => t.event === e.type);
    const guards = unique(own.flatMap((t) => t.guards.filter((g) => !common.includes(g.name)).map(guardText)));
    const accepting = states.filter((s) => s.transitions.some((t) => t.event === e.type)).map((s) => s.label.en);
    return [
      `${code(e.type)}`,
      e.service ? SERVICES[e.service].code : '—',
      e.summary.en,
      lines(e.fields.map(fieldText), 'none'),
      lines(guards),
      lines(accepting, '**no state accepts it**'),
      lines(e.indicators.map(indicatorText)),
    ];
  });
  return table(['Event', 'Service', 'Summary', 'Payload fields', 'Guards', 'Accepted in', 'Indicators'], rows);
}

function guardsTable(d: PathwayDescription, transitions: TransitionDescription[]): string {
  const used = new Set(transitions.flatMap((t) => t.guards.map((g) => g.name)));
  const rows = d.guards.map((g) => [
    `${code(g.name)}${used.has(g.name) ? '' : '<br>**not used in this pathway**'}`,
    code(g.code),
    g.reads,
    g.message.en,
    g.message.it,
  ]);
  return table(['Guard', 'Code', 'Reads', 'Message (English)', 'Message (Italian)'], rows);
}

/** Events the machine handles that its event catalogue does not describe. */
function undocumentedEvents(d: PathwayDescription, transitions: TransitionDescription[]): string[] {
  const known = new Set(d.events.map((e) => e.type));
  return unique(transitions.map((t) => t.event).filter((type) => !known.has(type)));
}

function pathwaySection(d: PathwayDescription): string {
  const transitions = allStates(d.root).flatMap((s) => s.transitions);
  const common = commonGuardNames(transitions);
  const commonText = d.guards.filter((g) => common.includes(g.name)).map((g) => `${code(g.name)} (${code(g.code)})`);
  const undocumented = undocumentedEvents(d, transitions);
  return [
    `## ${pathwayHeading(d)}`,
    '',
    `*${d.title.it}*`,
    '',
    `- Machine version: ${code(d.version)}`,
    `- Fingerprint: ${code(d.fingerprint)} (changes whenever the machine does)`,
    `- Services: ${d.services.map((s) => `${s.code} ${s.name.en}`).join(', ')}`,
    '',
    ...(d.inputFields.length > 0 ? ['### Fields accepted when a case is opened', '', fieldsTable(d.inputFields), ''] : []),
    '### States',
    '',
    'Each service is a region of the parallel state: regions progress independently, as far as their guards allow.',
    '',
    ...stateTree(d.root),
    '',
    '### Events',
    '',
    'Besides the payload fields in the table, every event carries the envelope:',
    '',
    ...ENVELOPE_FIELDS.map((f) => `- ${fieldText(f)}`),
    '',
    ...(commonText.length > 0 ? [`Every transition first checks ${commonText.join(' and ')}; the Guards column lists the other checks.`, ''] : []),
    eventsTable(d, transitions, common),
    ...(undocumented.length > 0 ? ['', `**Handled by the machine but missing from the event catalogue:** ${undocumented.map(code).join(', ')}`] : []),
    '',
    '### Guards',
    '',
    'When a guard fails, the case manager reads its message; `{placeholders}` are filled in from the case and the event.',
    '',
    guardsTable(d, transitions),
  ].join('\n');
}

// ---------------------------------------------------------------------------------------------
// Indicators

function indicatorsSection(pathways: PathwayDescription[]): string {
  const rows = Object.entries(INDICATORS).map(([id, text]) => {
    const feeders = pathways.flatMap((d) =>
      d.events.filter((e) => e.indicators.includes(id)).map((e) => `${d.name}: ${code(e.type)}`),
    );
    return [`**${id}**`, text.en, text.it, lines(feeders, '**no event feeds it**')];
  });
  const unknown = unique(
    pathways.flatMap((d) => d.events.flatMap((e) => e.indicators.filter((id) => !(id in INDICATORS)).map((id) => `${id} (${d.name}: ${e.type})`))),
  );
  return [
    '## Indicators',
    '',
    'The region\'s physical indicators (*indicatori fisici*), and the events that feed them. 6.2 and 10.1 must agree.',
    '',
    table(['Indicator', 'English', 'Italian', 'Fed by'], rows),
    ...(unknown.length > 0 ? ['', `**Events refer to indicators the repertory does not define:** ${unknown.join(', ')}`] : []),
  ].join('\n');
}

// ---------------------------------------------------------------------------------------------

/** docs/pathways.md: deterministic (no dates), so a test can compare it with the committed file. */
export function renderPathwaysDoc(): string {
  const pathways = PATHWAY_NAMES.map((name) => describePathway(name));
  const sections = [
    [
      '# Pathways',
      '',
      '<!-- Generated by `npm run docs:pathways` from machines/: do not edit by hand. -->',
      '',
      '> Generated by `npm run docs:pathways` from the statecharts in `machines/`. Do not edit this file by hand:',
      '> change the machines or the repertory and run the script again (`npm run docs:check` tells whether it is stale).',
      '',
      `Contents: [the repertory](#the-repertory), [legal deadlines](#legal-deadlines), [CPI-only acts](#${anchor(CPI_HEADING)}),`,
      `[complex targets](#complex-targets), ${pathways.map((d) => `[${d.name} pathway](#${anchor(pathwayHeading(d))})`).join(', ')}, [indicators](#indicators).`,
    ].join('\n'),
    repertorySection(),
    deadlinesSection(),
    cpiOnlySection(),
    complexTargetsSection(),
    ...pathways.map(pathwaySection),
    indicatorsSection(pathways),
  ];
  return `${sections.join('\n\n')}\n`;
}

/** GitHub's heading anchor for a piece of heading text. */
function anchor(text: string): string {
  return text
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s-]/gu, '')
    .replace(/\s/g, '-');
}
