/**
 * The inspector page as the browser tests see it: the DOM contract of src/inspector/web/ in one
 * place (selectors, how active states and state boxes are read), and cases driven through the API.
 */
import type { Browser, Page } from 'playwright-core';
import type { AnyStateNode } from 'xstate';
import { PATHWAYS } from '../../machines/index.js';
import { ACT_DATE, DID_DATE, type EventInput } from '../../machines/testing/case-factory.js';
import { afterAll, beforeAll } from '@jest/globals';
import {
  BROWSER_TEST_TIMEOUT_MS,
  closeBrowser,
  launchBrowser,
  openPage,
  waitFor,
  type BrowserName,
  type InspectedPage,
  type OpenPageOptions,
} from '../support/browser.js';
import { client, startTestApp, type Client, type TestApp } from '../support/test-app.js';
import type { PageDocument } from './page-dom.js';
import { subjectFor } from '../support/subjects.js';

// Functions given to page.evaluate run in the page; tsconfig has no DOM lib (see page-dom.ts).
declare const document: PageDocument;

export type PathwayName = 'person' | 'employer';

/** What the tests of one browser share: the service on a real database, an API client, the browser. */
export interface InspectorSuite {
  t: TestApp;
  api: Client;
  browser: Browser;
  browserName: BrowserName;
}

/**
 * Starts the service and the browser before the tests of the enclosing `describe` and closes both
 * after them. Call it in one `describe` per browser (`describe.each(BROWSERS)`).
 */
export function inspectorSuite(browserName: BrowserName): InspectorSuite {
  const suite = { browserName } as InspectorSuite;
  beforeAll(async () => {
    suite.t = await startTestApp();
    suite.api = client(suite.t.url);
    suite.browser = await launchBrowser(browserName);
  }, BROWSER_TEST_TIMEOUT_MS);
  afterAll(async () => {
    await closeBrowser(suite.browser);
    await suite.t?.close();
  }, BROWSER_TEST_TIMEOUT_MS);
  return suite;
}

export const SERVICES: Record<PathwayName, string[]> = {
  person: ['A1', 'A2', 'A3', 'A4', 'A5', 'A6'],
  employer: ['B1', 'B2', 'B3', 'B4'],
};

/** Person steps a real case can follow, up to guidance in progress (A.1, A.2 done; A.3 active). */
export const PERSON_STEPS: EventInput[] = [
  { type: 'INFORMATION_GIVEN', referral: 'A2', at: DID_DATE },
  { type: 'INTAKE_SESSION_HELD', mode: 'individual', minutes: 30, at: DID_DATE },
  { type: 'REGISTRY_UPDATED', at: DID_DATE },
  { type: 'DID_RECEIVED', didDate: DID_DATE, deadlineGroup: 'other', at: DID_DATE },
  { type: 'DID_CERTIFICATION_REQUESTED', at: DID_DATE },
  { type: 'PATTO_SIGNED', at: DID_DATE },
  { type: 'GUIDANCE_SESSION_HELD', mode: 'individual', minutes: 60, at: ACT_DATE },
];

/** Employer steps up to intake in progress (B.1 done, B.2 active). */
export const EMPLOYER_STEPS: EventInput[] = [
  { type: 'COMPANY_CONTACTED', channel: 'phone', at: ACT_DATE },
  { type: 'SCOUTING_MEETING_HELD', mode: 'individual', minutes: 30, location: 'company', at: ACT_DATE },
  { type: 'INTEREST_EXPRESSED', at: ACT_DATE },
  { type: 'EMPLOYER_INTAKE_HELD', mode: 'individual', minutes: 30, at: ACT_DATE },
  { type: 'VACANCY_RECORDED', vacancyId: 'V-1', profile: 'Welder', positions: 2, at: ACT_DATE },
];

/** A case opened and driven through the API, with the state paths after each version (1 = opened). */
export interface DrivenCase {
  id: string;
  pathway: PathwayName;
  version: number;
  /** statePaths by version: statesAt[v] is the case's statePaths at version v (index 0 unused). */
  statesAt: string[][];
  /** The event type of each version (1 = CASE_OPENED). */
  eventAt: string[];
}

export async function driveCase(
  api: Client,
  pathway: PathwayName,
  steps: EventInput[],
  options: { practice?: boolean; subject?: string } = {},
): Promise<DrivenCase> {
  const opened = await api.post('/cases', {
    pathway,
    subject: options.subject ?? subjectFor(pathway),
    ...(options.practice ? { practice: true } : {}),
  });
  if (opened.status !== 201) throw new Error(`cannot open a ${pathway} case: ${opened.status} ${JSON.stringify(opened.body)}`);
  const driven: DrivenCase = { id: opened.body.id, pathway, version: opened.body.version, statesAt: [], eventAt: [] };
  driven.statesAt[opened.body.version] = opened.body.statePaths;
  driven.eventAt[opened.body.version] = 'CASE_OPENED';
  for (const step of steps) await postEvent(api, driven, step);
  return driven;
}

/** Posts one event as another client (not the page) and records the new version's states. */
export async function postEvent(api: Client, driven: DrivenCase, step: EventInput): Promise<unknown> {
  const res = await api.post(`/cases/${driven.id}/events`, step);
  if (res.status !== 200) throw new Error(`${step.type} refused: ${res.status} ${JSON.stringify(res.body)}`);
  driven.version = res.body.case.version;
  driven.statesAt[driven.version] = res.body.case.statePaths;
  driven.eventAt[driven.version] = step.type;
  return res.body.case;
}

/** The diagram's state id of an API state path: 'open.A1.completed' -> 'person.open.A1.completed'. */
export const stateId = (pathway: string, statePath: string): string => `${pathway}.${statePath}`;

/** The state ids the diagram should highlight for these API state paths. */
export const expectedActive = (pathway: string, statePaths: string[]): string[] => statePaths.map((p) => stateId(pathway, p)).sort();

/**
 * The highlighted states, without the machine's root node (always active, and not a state path). A
 * closed service box stands for the active states it holds: it names them in data-active-states.
 */
export async function activeStates(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const svg = document.querySelector('#diagram');
    const root = svg?.getAttribute('data-pathway') ?? '';
    return Array.from(document.querySelectorAll('#diagram g.state.active'))
      .flatMap((g) => [g.getAttribute('data-state-id') ?? '', ...(g.getAttribute('data-active-states') ?? '').split(' ')])
      .filter((id) => id !== '' && id !== root)
      .sort();
  });
}

/** Opens every closed box of the diagram (services, other regions, the case's acts), one by one. */
export async function openAllBoxes(page: Page): Promise<void> {
  for (;;) {
    const closed = page.locator('#diagram[data-ready="true"] [data-toggle][aria-expanded="false"]').first();
    if ((await closed.count()) === 0) return;
    const key = await closed.getAttribute('data-toggle');
    await closed.locator(':scope > rect.state-box').click({ position: { x: 12, y: 12 } });
    await page.locator(`#diagram[data-ready="true"] [data-toggle="${key}"][aria-expanded="true"]`).waitFor();
  }
}

export const sameSet = (a: string[], b: string[]): boolean =>
  a.length === b.length && [...a].sort().every((v, i) => v === [...b].sort()[i]);

/** Waits until the diagram highlights exactly `expected` (state ids); returns them. */
export async function waitForActive(page: Page, expected: string[], message = 'highlighted states'): Promise<string[]> {
  return waitFor(() => activeStates(page), {
    accept: (active) => sameSet(active, expected),
    message: `${message}: expected ${JSON.stringify([...expected].sort())}`,
  });
}

/** Opens /inspector and waits for the first diagram to be laid out. */
export async function gotoInspector(page: Page, origin: string): Promise<void> {
  const response = await page.goto(`${origin}/inspector`);
  if (!response || response.status() !== 200) throw new Error(`GET /inspector answered ${response?.status()}`);
  await page.locator('#diagram[data-ready="true"]').waitFor();
}

/** Shows a pathway's diagram with the pathway picker. */
export async function showPathway(page: Page, pathway: PathwayName): Promise<void> {
  await page.locator('#pathway').selectOption(pathway);
  await waitForDiagram(page, pathway);
}

export async function waitForDiagram(page: Page, pathway: PathwayName): Promise<void> {
  await page.locator(`#diagram[data-pathway="${pathway}"][data-ready="true"]`).waitFor();
}

/** Opens a case by id with the case-id box, and waits for its panel, its diagram and its live stream. */
export async function openCaseById(page: Page, driven: { id: string; pathway: PathwayName; version: number }): Promise<void> {
  await page.locator('#case-id').fill(driven.id);
  await page.locator('#open-case').click();
  await waitForCase(page, driven);
}

export async function waitForCase(page: Page, driven: { id: string; pathway: PathwayName; version: number }): Promise<void> {
  await page.locator(`#case-view[data-case-id="${driven.id}"][data-version="${driven.version}"]`).waitFor();
  await waitForDiagram(page, driven.pathway);
}

export async function waitForLive(page: Page): Promise<void> {
  await page.locator('#live-status[data-state="live"]').waitFor();
}

/** Picks a language with the language picker. */
export async function chooseLanguage(page: Page, language: 'it' | 'en'): Promise<void> {
  await page.locator('#language').selectOption(language);
}

/** Text with runs of white space folded, for comparing what the page shows with the API's strings. */
export const squash = (text: string | null | undefined): string => (text ?? '').replace(/\s+/g, ' ').trim();

export interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface StateBox {
  id: string;
  type: string;
  service: string | null;
  label: string;
  box: Box;
}

/** Every state of the diagram with its on-screen rectangle (transforms applied) and its own label. */
export async function stateBoxes(page: Page): Promise<StateBox[]> {
  return page.evaluate(() =>
    Array.from(document.querySelectorAll('#diagram g.state')).map((g) => {
      const rect = g.querySelector(':scope > rect.state-box') ?? g.querySelector('rect.state-box');
      const text = g.querySelector(':scope > text') ?? g.querySelector('text');
      const r = rect?.getBoundingClientRect();
      return {
        id: g.getAttribute('data-state-id') ?? '',
        type: g.getAttribute('data-type') ?? '',
        service: g.getAttribute('data-service'),
        label: (text?.textContent ?? '').replace(/\s+/g, ' ').trim(),
        box: r ? { x: r.x, y: r.y, width: r.width, height: r.height } : { x: NaN, y: NaN, width: NaN, height: NaN },
      };
    }),
  );
}

const EPSILON = 0.5;

export const contains = (outer: Box, inner: Box): boolean =>
  inner.x >= outer.x - EPSILON &&
  inner.y >= outer.y - EPSILON &&
  inner.x + inner.width <= outer.x + outer.width + EPSILON &&
  inner.y + inner.height <= outer.y + outer.height + EPSILON;

/** True when the boxes share no area (touching edges is fine). */
export const disjoint = (a: Box, b: Box): boolean =>
  a.x + a.width <= b.x + EPSILON || b.x + b.width <= a.x + EPSILON || a.y + a.height <= b.y + EPSILON || b.y + b.height <= a.y + EPSILON;

/** Layout problems: overlapping boxes that are not parent and descendant, and children outside their parent. */
export function layoutProblems(states: StateBox[]): string[] {
  const problems: string[] = [];
  const byId = new Map(states.map((s) => [s.id, s]));
  for (const s of states) {
    if (!(s.box.width > 0 && s.box.height > 0)) problems.push(`${s.id} has no visible box: ${JSON.stringify(s.box)}`);
  }
  for (let i = 0; i < states.length; i++) {
    for (let j = i + 1; j < states.length; j++) {
      const [a, b] = [states[i], states[j]];
      if (disjoint(a.box, b.box)) continue;
      // Boxes that share area must be ancestor and descendant, the ancestor's box around the other.
      const aAbove = b.id.startsWith(`${a.id}.`);
      const bAbove = a.id.startsWith(`${b.id}.`);
      if ((aAbove && contains(a.box, b.box)) || (bAbove && contains(b.box, a.box))) continue;
      problems.push(`${a.id} ${JSON.stringify(a.box)} overlaps ${b.id} ${JSON.stringify(b.box)}`);
    }
  }
  for (const s of states) {
    const parentId = s.id.split('.').slice(0, -1).join('.');
    const parent = byId.get(parentId);
    if (parent && !contains(parent.box, s.box))
      problems.push(`${s.id} ${JSON.stringify(s.box)} lies outside its parent ${parentId} ${JSON.stringify(parent.box)}`);
  }
  return problems;
}

/** Presses Tab (or Shift+Tab) until the focused element matches `selector`; returns how many presses it took. */
export async function tabTo(page: Page, selector: string, options: { backwards?: boolean; maxPresses?: number } = {}): Promise<number> {
  const visited: string[] = [];
  const max = options.maxPresses ?? 80;
  for (let presses = 0; presses <= max; presses++) {
    const focused = await page.evaluate((sel) => {
      const el = document.activeElement;
      if (!el || el === document.body) return { matches: false, what: 'body' };
      const what = `${el.tagName.toLowerCase()}${el.id ? `#${el.id}` : ''}${el.getAttribute('data-event') ? `[data-event=${el.getAttribute('data-event')}]` : ''}${el.getAttribute('name') ? `[name=${el.getAttribute('name')}]` : ''}`;
      return { matches: el.matches(sel), what };
    }, selector);
    if (focused.matches) return presses;
    visited.push(focused.what);
    await page.keyboard.press(options.backwards ? 'Shift+Tab' : 'Tab');
  }
  throw new Error(
    `${selector} not reached with ${options.backwards ? 'Shift+Tab' : 'Tab'} in ${max} presses; focus went through: ${visited.join(', ')}`,
  );
}

/** The case's service statuses as the page shows them (services table), keyed by service code. */
export async function serviceCells(page: Page): Promise<Record<string, string>> {
  return page.evaluate(() =>
    Object.fromEntries(
      Array.from(document.querySelectorAll('#services tr[data-service]')).map((tr) => [
        tr.getAttribute('data-service') ?? '',
        (tr.querySelector('td.status')?.textContent ?? '').replace(/\s+/g, ' ').trim(),
      ]),
    ),
  );
}

/** A fresh page on the service for one test: it must end clean (no external request, console error, page error or failed request). */
export async function withPage(
  browser: Browser | undefined,
  origin: string,
  run: (inspected: InspectedPage) => Promise<void>,
  options: OpenPageOptions = {},
): Promise<void> {
  if (!browser) throw new Error('the browser did not start');
  const inspected = await openPage(browser, origin, options);
  try {
    await run(inspected);
    inspected.expectClean();
  } finally {
    await inspected.close();
  }
}

/** Every state node id of a pathway's machine ('person.open.A1', ...), the root excluded. */
export function machineStateIds(pathway: PathwayName): string[] {
  const ids: string[] = [];
  const walk = (node: AnyStateNode): void => {
    for (const child of Object.values(node.states)) {
      ids.push(child.id);
      walk(child);
    }
  };
  walk(PATHWAYS[pathway].machine.root);
  return ids.sort();
}
