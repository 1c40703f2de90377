import { describe, expect, it } from '@jest/globals';
import { BROWSER_TEST_TIMEOUT_MS, BROWSERS, saveScreenshot } from '../support/browser.js';
import {
  inspectorSuite,
  EMPLOYER_STEPS,
  PERSON_STEPS,
  SERVICES,
  driveCase,
  expectedActive,
  gotoInspector,
  layoutProblems,
  machineStateIds,
  openAllBoxes,
  openCaseById,
  showPathway,
  stateBoxes,
  waitForActive,
  waitForLive,
  withPage,
  type PathwayName,
} from './inspector-page.js';
import type { PageDocument } from './page-dom.js';

// Functions given to page.evaluate run in the page; tsconfig has no DOM lib (see page-dom.ts).
declare const document: PageDocument;

describe.each(BROWSERS)('inspector in %s: the page and its diagrams', (browserName) => {
  const suite = inspectorSuite(browserName);

  it(
    'loads from the service alone: same-origin scripts, styles and fonts, a strict CSP, nothing sent elsewhere, no console error',
    () =>
      withPage(suite.browser, suite.t.url, async ({ page, origin, problems, requests }) => {
        const response = await page.goto(`${origin}/inspector`);
        expect(response?.status()).toBe(200);
        expect(response?.headers()['content-security-policy']).toMatch(/default-src 'self'/);
        await page.locator('#diagram[data-ready="true"]').waitFor();
        expect(await page.locator('#language').inputValue()).toBe('it');

        const assets = await page.evaluate(() => {
          const urls: string[] = [];
          const add = (value: string | null | undefined, base = document.baseURI) => {
            if (value) urls.push(new URL(value, base).href);
          };
          document.querySelectorAll('script[src]').forEach((el) => add(el.getAttribute('src')));
          document.querySelectorAll('link[href]').forEach((el) => add(el.getAttribute('href')));
          document
            .querySelectorAll('img[src], iframe[src], source[src], video[src], audio[src]')
            .forEach((el) => add(el.getAttribute('src')));
          document.querySelectorAll('image, use').forEach((el) => add(el.getAttribute('href') ?? el.getAttribute('xlink:href')));
          // @font-face and url(...) in every stylesheet, resolved against the sheet.
          for (const sheet of Array.from(document.styleSheets)) {
            for (const rule of Array.from(sheet.cssRules)) {
              for (const [, url] of rule.cssText.matchAll(/url\(\s*["']?([^"')]+)["']?\s*\)/g)) add(url, sheet.href ?? document.baseURI);
            }
          }
          for (const entry of performance.getEntriesByType('resource')) urls.push(entry.name);
          return {
            urls,
            scripts: document.querySelectorAll('script[src]').length,
            styles: document.querySelectorAll('link[rel="stylesheet"]').length + document.querySelectorAll('style').length,
            // The import map is data, allowed by its hash (see assets.e2e.spec.ts), not a script that runs.
            inlineScripts: Array.from(document.querySelectorAll('script:not([src]):not([type="importmap"])')).filter((s) =>
              s.textContent?.trim(),
            ).length,
          };
        });
        expect(assets.scripts).toBeGreaterThan(0);
        expect(assets.styles).toBeGreaterThan(0);
        // The CSP forbids inline scripts: the page must not rely on any.
        expect(assets.inlineScripts).toBe(0);
        const foreign = assets.urls.filter((url) => !url.startsWith('data:') && new URL(url).origin !== origin);
        expect(foreign).toEqual([]);
        expect(requests.filter((r) => new URL(r.split(' ')[1]).origin !== origin)).toEqual([]);
        expect(problems.external).toEqual([]);
        expect(problems.console).toEqual([]);
      }),
    BROWSER_TEST_TIMEOUT_MS,
  );

  const cases: [PathwayName, string][] = [
    ['person', 'inspector-person.png'],
    ['employer', 'inspector-employer.png'],
  ];
  it.each(cases)(
    'draws the %s pathway: every service, every state, no overlapping boxes; a live case lights up its states',
    (pathway, screenshot) =>
      withPage(suite.browser, suite.t.url, async ({ page, origin }) => {
        const live = await driveCase(suite.api, pathway, pathway === 'person' ? PERSON_STEPS : EMPLOYER_STEPS);
        await gotoInspector(page, origin);
        await showPathway(page, pathway);
        // The services start closed (diagram-teaching.e2e.spec.ts): open every box to see the whole machine.
        await openAllBoxes(page);

        const states = await stateBoxes(page);
        const drawn = states.map((s) => s.id).filter((id) => id !== pathway);
        expect([...drawn].sort()).toEqual(machineStateIds(pathway));
        expect(
          states
            .filter((s) => s.service)
            .map((s) => s.service)
            .sort(),
        ).toEqual(SERVICES[pathway]);
        for (const s of states.filter((x) => x.service)) {
          // The region's label names its service: A.1, B.4 (or A1, B4).
          const code = s.service!;
          expect(s.label).toMatch(new RegExp(`${code[0]}\\.?${code.slice(1)}\\b`));
          expect(s.id).toBe(`${pathway}.open.${code}`);
          expect(s.type).toBe('compound');
        }
        expect(states.find((s) => s.id === `${pathway}.open`)?.type).toBe('parallel');
        expect(
          states
            .filter((s) => s.type === 'final')
            .map((s) => s.id)
            .sort(),
        ).toEqual(
          pathway === 'person'
            ? ['person.pattoRefused', 'person.placed', 'person.withdrawn']
            : ['employer.closed', 'employer.pattoRefused', 'employer.withdrawn'],
        );
        expect(layoutProblems(states)).toEqual([]);

        // Transitions are drawn with their event names; each compound state shows its initial marker.
        const transitions = await page.evaluate(() =>
          Array.from(document.querySelectorAll('#diagram g.transition')).map((g) => ({
            event: g.getAttribute('data-event') ?? '',
            source: g.getAttribute('data-source') ?? '',
            target: g.getAttribute('data-target') ?? '',
            internal: g.matches('.internal'),
            listed: g.matches('.listed'),
            label: g.textContent ?? '',
            path: g.querySelector('path')?.getAttribute('d') ?? '',
          })),
        );
        expect(transitions.length).toBeGreaterThan(10);
        for (const tr of transitions) {
          expect(tr.label).toContain(tr.event);
          // A transition that moves is an arrow; one that stays put is listed inside its state; one that
          // leaves its service for an outcome is listed in the service and drawn as an arrow to the outcome.
          if (tr.internal) expect(tr.target).toBe(tr.source);
          else if (tr.listed)
            expect(
              transitions.some((o) => !o.listed && o.event === tr.event && o.source === tr.source && o.target === tr.target && o.path),
            ).toBe(true);
          else expect(tr.path).not.toBe('');
        }
        expect(transitions.filter((tr) => !tr.internal).length).toBeGreaterThan(5);
        const events = new Set(transitions.map((tr) => tr.event));
        expect(events).toContain(pathway === 'person' ? 'INFORMATION_GIVEN' : 'COMPANY_CONTACTED');
        expect(events).toContain(pathway === 'person' ? 'HIRED' : 'CANDIDATE_HIRED');
        expect(await page.locator('#diagram circle.initial-marker').count()).toBeGreaterThanOrEqual(SERVICES[pathway].length);

        // A persisted case: its active states are highlighted, as the API reports them.
        await openCaseById(page, live);
        await waitForLive(page);
        await waitForActive(page, expectedActive(pathway, live.statesAt[live.version]));
        expect(await page.locator('#diagram g.state.active[aria-current="true"]').count()).toBeGreaterThan(0);
        // Highlighting does not move or overlap anything.
        expect(layoutProblems(await stateBoxes(page))).toEqual([]);
        // The whole diagram in view for the guide's picture.
        await page.click('#zoom-fit');
        // The guide's pictures come from Chromium (see saveScreenshot).
        if (browserName === 'chromium') await saveScreenshot(page, screenshot);
      }),
    BROWSER_TEST_TIMEOUT_MS,
  );
});
