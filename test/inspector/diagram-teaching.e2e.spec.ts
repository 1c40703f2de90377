/**
 * The inspector's diagram as a trainee meets it, on a 1280x720 projector: the services closed, in the
 * pathway's order, the precedence between them as labelled arrows, every word in the chosen language
 * (no guard names or event types in sight: they are tooltips), every text at least 12 px high at the
 * page's default zoom, and a service's internal states shown when it is opened (click or keyboard).
 */
import { describe, expect, it } from '@jest/globals';
import type { Page } from 'playwright-core';
import { describePathway } from '../../machines/index.js';
import type { StateDescription } from '../../machines/definition.js';
import { BROWSER_TEST_TIMEOUT_MS, BROWSERS, openPage, saveScreenshot } from '../support/browser.js';
import {
  EMPLOYER_STEPS,
  PERSON_STEPS,
  SERVICES,
  chooseLanguage,
  driveCase,
  expectedActive,
  gotoInspector,
  inspectorSuite,
  layoutProblems,
  openAllBoxes,
  openCaseById,
  showPathway,
  stateBoxes,
  waitForActive,
  waitForLive,
  type PathwayName,
} from './inspector-page.js';
import type { PageDocument } from './page-dom.js';

declare const document: PageDocument;

const flatten = (state: StateDescription): StateDescription[] => [state, ...state.states.flatMap(flatten)];

const PROJECTOR = { width: 1280, height: 720 };

/** A fresh page at the projector's size; it must end clean (no console error, no external request). */
async function withProjector(browser: Parameters<typeof openPage>[0] | undefined, origin: string, run: (page: Page) => Promise<void>) {
  if (!browser) throw new Error('the browser did not start');
  const inspected = await openPage(browser, origin, { viewport: PROJECTOR });
  try {
    await run(inspected.page);
    inspected.expectClean();
  } finally {
    await inspected.close();
  }
}

interface ServiceBox {
  service: string;
  x: number;
  y: number;
  width: number;
  height: number;
  expanded: string | null;
  role: string | null;
  tabindex: string | null;
  label: string | null;
}

async function serviceBoxes(page: Page): Promise<ServiceBox[]> {
  return page.evaluate(() =>
    Array.from(document.querySelectorAll('#diagram g.state[data-service]')).map((g) => {
      const r = g.querySelector(':scope > rect.state-box')!.getBoundingClientRect();
      return {
        service: g.getAttribute('data-service') ?? '',
        x: r.x,
        y: r.y,
        width: r.width,
        height: r.height,
        expanded: g.getAttribute('aria-expanded'),
        role: g.getAttribute('role'),
        tabindex: g.getAttribute('tabindex'),
        // Its accessible name: the texts it shows (aria-labelledby), its title then a live case's status.
        label: (g.getAttribute('aria-labelledby') ?? '')
          .split(' ')
          .map((id) => (document.getElementById(id)?.textContent ?? '').trim())
          .filter((text) => text !== '')
          .join(' '),
      };
    }),
  );
}

/** The services in reading order: top to bottom, then left to right within a row (same top, ±2 px). */
const readingOrder = (boxes: ServiceBox[]): string[] =>
  [...boxes].sort((a, b) => (Math.abs(a.y - b.y) > 2 ? a.y - b.y : a.x - b.x)).map((b) => b.service);

/** Every drawn text that shows: its words and its rendered height (font size times the screen scale). */
async function visibleTexts(page: Page): Promise<{ text: string; px: number }[]> {
  return page.evaluate(() =>
    Array.from(document.querySelectorAll('#diagram text'))
      .filter((t) => (t.textContent ?? '').trim() !== '')
      .map((t) => {
        const node = t as unknown as { getScreenCTM(): { a: number; d: number } | null };
        const matrix = node.getScreenCTM();
        const size = parseFloat(getComputedStyle(t as never).fontSize);
        return { text: (t.textContent ?? '').trim(), px: size * Math.min(Math.abs(matrix?.a ?? 0), Math.abs(matrix?.d ?? 0)) };
      }),
  );
}

declare function getComputedStyle(element: never): { fontSize: string };

/** Names a trainee should never read: the machine's guard names and codes, and event types. */
function codeNames(pathway: PathwayName): string[] {
  const described = describePathway(pathway);
  return [...described.guards.flatMap((g) => [g.name, g.code]), ...described.events.map((e) => e.type)];
}

async function openService(page: Page, service: string, how: 'click' | 'keyboard' = 'click'): Promise<void> {
  const box = page.locator(`#diagram g.state[data-service="${service}"]`);
  if (how === 'click') await box.locator(':scope > rect.state-box').click();
  else {
    await box.focus();
    await page.keyboard.press('Enter');
  }
  await page.locator(`#diagram[data-ready="true"] g.state[data-service="${service}"][aria-expanded="true"]`).waitFor();
}

describe.each(BROWSERS)('inspector in %s: the diagram teaches', (browserName) => {
  const suite = inspectorSuite(browserName);

  const pathways: PathwayName[] = ['person', 'employer'];
  it.each(pathways)(
    'lays out the %s services closed, in order, with the precedence between them, legible at 1280x720',
    (pathway) =>
      withProjector(suite.browser, suite.t.url, async (page) => {
        const origin = new URL(suite.t.url).origin;
        await gotoInspector(page, origin);
        await showPathway(page, pathway);
        // The guide's picture of the top level on a projector (Chromium only, see saveScreenshot).
        if (browserName === 'chromium') await saveScreenshot(page, `inspector-${pathway}-1280x720.png`);
        const boxes = await serviceBoxes(page);
        expect(readingOrder(boxes)).toEqual(SERVICES[pathway]);
        for (const box of boxes) {
          expect(box).toMatchObject({ expanded: 'false', role: 'button', tabindex: '0' });
          expect(box.label).toMatch(new RegExp(`^${box.service[0]}\\.${box.service.slice(1)} `));
        }
        // Closed services show none of their internal states.
        expect(await page.locator('#diagram g.state[data-state-id$=".notStarted"]').count()).toBe(0);
        expect(layoutProblems(await stateBoxes(page))).toEqual([]);

        // The precedence arrows: exactly those of the access rules, between the right boxes.
        const arrows = await page.evaluate(() =>
          Array.from(document.querySelectorAll('#diagram g.precedence')).map((g) => ({
            from: g.getAttribute('data-from'),
            to: g.getAttribute('data-to'),
            kind: g.getAttribute('data-kind'),
            path: g.querySelector('path')?.getAttribute('d') ?? '',
          })),
        );
        // Beside each service an arrow leads to, the access rule in the machine's own words.
        const labels = await page.evaluate(() =>
          Array.from(document.querySelectorAll('#diagram g.precedence-label')).map((g) => ({
            to: g.getAttribute('data-to') ?? '',
            kind: g.getAttribute('data-kind') ?? '',
            text: Array.from(g.querySelectorAll('text'))
              .map((t) => t.textContent ?? '')
              .join(' '),
          })),
        );
        const expected = describePathway(pathway).services.flatMap((s) => [
          ...s.access.after.map((from) => `${from}->${s.key} after`),
          ...s.access.afterOrWith.map((from) => `${from}->${s.key} afterOrWith`),
        ]);
        expect(arrows.map((a) => `${a.from}->${a.to} ${a.kind}`).sort()).toEqual(expected.sort());
        expect(expected.length).toBeGreaterThanOrEqual(3);
        for (const arrow of arrows) expect(arrow.path).toMatch(/^M /);
        const access = (to: string, kind: string) =>
          flatten(describePathway(pathway).root)
            .flatMap((s) => s.transitions.flatMap((t) => t.guards))
            .find(
              (g) =>
                g.params.service === to &&
                g.name === (kind === 'after' ? 'precedingServicesCompleted' : 'precedingOrConcurrentServiceStarted'),
            )?.label.it;
        const expectedLabels = [...new Set(arrows.map((a) => `${a.to} ${a.kind}`))].map((key) => {
          const [to, kind] = key.split(' ');
          return { to, kind, text: access(to, kind) };
        });
        expect(labels.sort((a, b) => `${a.to}${a.kind}`.localeCompare(`${b.to}${b.kind}`))).toEqual(
          expectedLabels.sort((a, b) => `${a.to}${a.kind}`.localeCompare(`${b.to}${b.kind}`)),
        );
        for (const label of labels)
          expect(label.text).toMatch(label.kind === 'after' ? /^dopo aver concluso [AB]\.\d/ : /^dopo o insieme ad A\.\d/);
        // Each arrow leaves its source box and ends at its target box.
        const ends = await page.evaluate(() =>
          Array.from(document.querySelectorAll('#diagram g.precedence')).map((g) => {
            const path = g.querySelector('path') as unknown as {
              getTotalLength(): number;
              getPointAtLength(l: number): { x: number; y: number };
            };
            const box = (service: string | null) =>
              document.querySelector(`#diagram g.state[data-service="${service}"] > rect.state-box`) as unknown as {
                getBBox(): { x: number; y: number; width: number; height: number };
              };
            const near = (p: { x: number; y: number }, b: { x: number; y: number; width: number; height: number }) =>
              p.x >= b.x - 3 && p.x <= b.x + b.width + 3 && p.y >= b.y - 3 && p.y <= b.y + b.height + 3;
            const length = path.getTotalLength();
            return {
              from: near(path.getPointAtLength(0), box(g.getAttribute('data-from')).getBBox()),
              to: near(path.getPointAtLength(length), box(g.getAttribute('data-to')).getBBox()),
            };
          }),
        );
        expect(ends.every((e) => e.from && e.to)).toBe(true);

        // Legible at the default zoom: every text at least 12 px high, and the top level in view.
        const texts = await visibleTexts(page);
        expect(texts.length).toBeGreaterThan(10);
        expect(texts.filter((t) => t.px < 12)).toEqual([]);
        const fits = await page.evaluate(() => {
          const view = document.querySelector('#diagram-scroll')!.getBoundingClientRect();
          const svg = document.querySelector('#diagram')!.getBoundingClientRect();
          return { width: svg.width <= view.width + 1, height: svg.height <= view.height + 1 };
        });
        expect(fits).toEqual({ width: true, height: true });
      }),
    BROWSER_TEST_TIMEOUT_MS,
  );

  it(
    'speaks plain Italian and English: event summaries and rule sentences shown, guard names and event types only in tooltips',
    () =>
      withProjector(suite.browser, suite.t.url, async (page) => {
        const origin = new URL(suite.t.url).origin;
        await gotoInspector(page, origin);
        for (const pathway of ['person', 'employer'] as const) {
          await showPathway(page, pathway);
          await openAllBoxes(page);
          const described = describePathway(pathway);
          for (const lang of ['it', 'en'] as const) {
            await chooseLanguage(page, lang);
            // Drawn again in the chosen language, the opened boxes still open.
            const first = described.services[0];
            await page.waitForFunction(
              ({ key, name }) => {
                const box = document.querySelector(`#diagram[data-ready="true"] g.state[data-service="${key}"][aria-expanded="true"]`);
                const shown = (box?.getAttribute('aria-labelledby') ?? '')
                  .split(' ')
                  .map((id) => (document.getElementById(id)?.textContent ?? '').trim())
                  .join(' ');
                return shown.trim() === name;
              },
              { key: first.key, name: `${first.code} ${first.name[lang]}` },
            );
            const texts = (await visibleTexts(page)).map((t) => t.text);
            // Wrapped lines are cut at spaces: joined with one, they give the sentences back.
            const shown = texts.join(' ');
            // No machine names in sight: every guard name and code and every event type is absent.
            const leaked = codeNames(pathway).filter((name) => new RegExp(`\\b${name}\\b`).test(shown));
            expect(leaked).toEqual([]);
            expect(texts.filter((t) => /\b[A-Z]+(?:_[A-Z]+)+\b/.test(t))).toEqual([]);
            // Every event is shown by its summary, and the rules by their sentences.
            for (const event of described.events)
              expect({ event: event.type, shown: shown.includes(event.summary[lang]) }).toEqual({ event: event.type, shown: true });
            const rule = described.guards.find((g) => g.name === 'pattoSigned')!;
            expect(shown).toContain(rule.label[lang]);
            // The codes are in the tooltips of what shows them.
            const tooltips = await page.evaluate(() =>
              Array.from(document.querySelectorAll('#diagram g.transition > title')).map((t) => t.textContent ?? ''),
            );
            expect(tooltips.join('\n')).toContain('pattoSigned (PATTO_NOT_SIGNED)');
            expect(tooltips.join('\n')).toContain(pathway === 'person' ? 'GUIDANCE_SESSION_HELD' : 'CONSULTING_SESSION_HELD');
          }
          await chooseLanguage(page, 'it');
        }
      }),
    BROWSER_TEST_TIMEOUT_MS,
  );

  it.each(pathways)(
    'opens a %s service by click or keyboard to show its states, keeps it open, and lights a live case up in the closed boxes',
    (pathway) =>
      withProjector(suite.browser, suite.t.url, async (page) => {
        const origin = new URL(suite.t.url).origin;
        const live = await driveCase(suite.api, pathway, pathway === 'person' ? PERSON_STEPS : EMPLOYER_STEPS);
        await gotoInspector(page, origin);
        await showPathway(page, pathway);
        const [first, second] = SERVICES[pathway];
        await openService(page, first, 'click');
        await openService(page, second, 'keyboard');
        // The opened services show their states and transitions; the others stay closed.
        for (const service of [first, second]) {
          expect(await page.locator(`#diagram g.state[data-state-id="${pathway}.open.${service}.notStarted"]`).count()).toBe(1);
          expect(await page.locator(`#diagram g.transition[data-source^="${pathway}.open.${service}."]`).count()).toBeGreaterThan(0);
        }
        const third = SERVICES[pathway][2];
        expect(await page.locator(`#diagram g.state[data-state-id^="${pathway}.open.${third}."]`).count()).toBe(0);
        // The keyboard's box keeps the focus after the redraw.
        expect(await page.evaluate(() => document.activeElement?.getAttribute('data-service') ?? null)).toBe(second);
        expect(layoutProblems(await stateBoxes(page))).toEqual([]);

        // A live case: its states highlighted, inside the opened boxes and through the closed ones.
        await openCaseById(page, live);
        await waitForLive(page);
        await waitForActive(page, expectedActive(pathway, live.statesAt[live.version]));
        // The opened boxes stayed open through the case's arrival.
        expect(await page.locator(`#diagram g.state[data-service="${first}"][aria-expanded="true"]`).count()).toBe(1);
        const statuses = await page.evaluate(() =>
          Array.from(document.querySelectorAll('#diagram g.state.collapsed.active')).map((g) => ({
            service: g.getAttribute('data-service'),
            status: (g.querySelector(':scope > text.status-text')?.textContent ?? '').trim(),
          })),
        );
        expect(statuses.length).toBeGreaterThan(0);
        for (const s of statuses) expect(s.status).toMatch(/^(non iniziato|in corso|concluso|nessun corso)/);

        // Closing a service hides its states again.
        await page.locator(`#diagram g.state[data-service="${first}"] > rect.state-box`).click({ position: { x: 12, y: 12 } });
        await page.locator(`#diagram[data-ready="true"] g.state[data-service="${first}"][aria-expanded="false"]`).waitFor();
        expect(await page.locator(`#diagram g.state[data-state-id^="${pathway}.open.${first}."]`).count()).toBe(0);
        await waitForActive(page, expectedActive(pathway, live.statesAt[live.version]));
      }),
    BROWSER_TEST_TIMEOUT_MS,
  );
});
