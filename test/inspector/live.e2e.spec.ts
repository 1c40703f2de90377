import { describe, expect, it } from '@jest/globals';
import { ACT_DATE, DID_DATE } from '../../machines/testing/case-factory.js';
import { BROWSER_TEST_TIMEOUT_MS, BROWSERS, saveScreenshot, waitFor } from '../support/browser.js';
import {
  inspectorSuite,
  PERSON_STEPS,
  chooseLanguage,
  driveCase,
  expectedActive,
  gotoInspector,
  openCaseById,
  postEvent,
  serviceCells,
  squash,
  waitForActive,
  waitForCase,
  waitForLive,
  withPage,
} from './inspector-page.js';

// Functions given to page.evaluate run in the page; tsconfig has no DOM lib (see page-dom.ts).
declare const window: { __noReload?: boolean };

describe.each(BROWSERS)('inspector in %s: persisted cases, live and replayed', (browserName) => {
  const suite = inspectorSuite(browserName);

  it(
    'an unknown case id is answered in words, in the chosen language, and the open case stays',
    () =>
      withPage(suite.browser, suite.t.url, async (inspected) => {
        const { page, origin } = inspected;
        const live = await driveCase(suite.api, 'person', PERSON_STEPS.slice(0, 2));
        await gotoInspector(page, origin);
        await openCaseById(page, live);
        await waitForCase(page, live);
        const unknown = '00000000-0000-4000-8000-000000000000';
        inspected.allowConsole(/the server responded with a status of 404/);
        for (const language of ['it', 'en'] as const) {
          await chooseLanguage(page, language);
          const expected = await suite.api.get(`/cases/${unknown}`, { 'Accept-Language': language });
          expect(expected.status).toBe(404);
          await page.locator('#case-id').fill(unknown);
          await page.locator('#open-case').click();
          await waitFor(async () => squash(await page.locator('#notice').textContent()), {
            accept: (text) => text.includes(squash(expected.body.detail as string)),
            message: `the notice in ${language}`,
          });
          expect(await page.locator('#notice').isVisible()).toBe(true);
          // The case that was open is still the one shown.
          expect(await page.locator('#case-view').getAttribute('data-case-id')).toBe(live.id);
        }
        // Opening a real case clears the notice.
        await openCaseById(page, live);
        await page.locator('#notice').waitFor({ state: 'hidden' });
      }),
    BROWSER_TEST_TIMEOUT_MS,
  );

  it(
    'a case whose history cannot be replayed (an older machine version) still opens, and the page says why',
    () =>
      withPage(suite.browser, suite.t.url, async (inspected) => {
        const { page, origin } = inspected;
        const old = await driveCase(suite.api, 'person', PERSON_STEPS.slice(0, 2));
        await suite.t.dataSource.query(`UPDATE cases SET machine_version = '0.9.0' WHERE id = $1`, [old.id]);
        const replay = await suite.api.get(`/cases/${old.id}/replay`, { 'Accept-Language': 'it' });
        expect(replay.status).toBe(409);
        expect(replay.body.code).toBe('CASE_MACHINE_OUTDATED');
        inspected.allowConsole(/the server responded with a status of 409/);
        await gotoInspector(page, origin);
        await chooseLanguage(page, 'it');
        await openCaseById(page, old);
        await waitFor(async () => squash(await page.locator('#notice').textContent()), {
          accept: (text) => text.includes(squash(replay.body.detail as string)),
          message: 'the replay problem in the notice',
        });
        // The case itself is shown: its states and services, as the API reports them.
        expect(await page.locator('#case-view').getAttribute('data-version')).toBe(String(old.version));
        await waitForActive(page, expectedActive('person', old.statesAt[old.version]), 'the outdated case');
        expect(await page.locator('#services tr[data-service="A1"]').getAttribute('data-status')).toBe('completed');
        // And followed live all the same.
        await waitForLive(page);
      }),
    BROWSER_TEST_TIMEOUT_MS,
  );

  it(
    'a case opened from the list follows the events another client posts, without a reload',
    () =>
      withPage(suite.browser, suite.t.url, async ({ page, origin }) => {
        // Up to the DID certification request: the Patto can be signed next.
        const live = await driveCase(suite.api, 'person', PERSON_STEPS.slice(0, 5));
        const employer = await driveCase(suite.api, 'employer', []);
        await gotoInspector(page, origin);

        // The list, filtered: the person case is listed under person, not under employer.
        await page.locator('#filter-pathway').selectOption('employer');
        await page.locator(`#case-list button.case-item[data-case-id="${employer.id}"]`).waitFor();
        await page.locator(`#case-list button.case-item[data-case-id="${live.id}"]`).waitFor({ state: 'detached' });
        await page.locator('#filter-pathway').selectOption('person');
        await page.locator(`#case-list button.case-item[data-case-id="${employer.id}"]`).waitFor({ state: 'detached' });
        await page.locator(`#case-list button.case-item[data-case-id="${live.id}"]`).click();
        await waitForCase(page, live);
        expect(await page.locator('#case-view').getAttribute('data-practice')).toBe('false');
        expect(await page.locator('#practice-badge').isVisible()).toBe(false);
        await waitForLive(page);
        // Said in the page's language: "in diretta" in Italian, "live" in English.
        expect(squash(await page.locator('#live-status').textContent())).toMatch(/diretta/i);
        await waitForActive(page, expectedActive('person', live.statesAt[live.version]), 'the opened case');

        // The legal deadlines, as the API states them (days counted in Rome), in Italian.
        const deadlinesShown = () =>
          page
            .locator('#deadlines li')
            .evaluateAll((items) =>
              items.map((li) => ({ id: li.getAttribute('data-deadline'), state: li.getAttribute('data-state'), text: li.textContent })),
            );
        const deadlinesOf = async () =>
          ((await suite.api.get(`/cases/${live.id}`)).body.deadlines as { id: string; state: string }[]).map((d) => ({
            id: d.id,
            state: d.state,
          }));
        const opened = await deadlinesShown();
        expect(opened.map(({ id, state }) => ({ id, state }))).toEqual(await deadlinesOf());
        expect(opened.map((d) => d.id)).toEqual(['guidance_interview', 'measure_proposal']);
        expect(opened[0].text).toContain('Colloquio di orientamento entro tre mesi');

        // Any reload would drop this marker.
        await page.evaluate(() => Object.assign(window, { __noReload: true }));
        const before = await serviceCells(page);
        expect(Object.keys(before).sort()).toEqual(['A1', 'A2', 'A3', 'A4', 'A5', 'A6']);

        // Another client signs the Patto: A.2 completes.
        await postEvent(suite.api, live, { type: 'PATTO_SIGNED', at: DID_DATE });
        await page.locator(`#case-view[data-case-id="${live.id}"][data-version="${live.version}"]`).waitFor();
        await waitForActive(page, expectedActive('person', live.statesAt[live.version]), 'after PATTO_SIGNED from another client');
        expect(live.statesAt[live.version]).toContain('open.A2.completed');
        const signed = await waitFor(() => serviceCells(page), {
          accept: (cells) => cells.A2 !== before.A2,
          message: 'the A2 status to change',
        });
        expect(signed.A3).toBe(before.A3);

        // And records guidance: A.3 starts.
        await postEvent(suite.api, live, { type: 'GUIDANCE_SESSION_HELD', mode: 'individual', minutes: 60, at: ACT_DATE });
        await page.locator(`#case-view[data-case-id="${live.id}"][data-version="${live.version}"]`).waitFor();
        await waitForActive(page, expectedActive('person', live.statesAt[live.version]), 'after GUIDANCE_SESSION_HELD from another client');
        await waitFor(() => serviceCells(page), { accept: (cells) => cells.A3 !== before.A3, message: 'the A3 status to change' });
        // The first A.3 session meets the guidance interview's deadline.
        const met = await waitFor(deadlinesShown, {
          accept: (shown) => shown[0]?.state === 'met',
          message: 'the guidance interview deadline to be met',
        });
        expect(met.map(({ id, state }) => ({ id, state }))).toEqual(await deadlinesOf());
        expect(met[0].text).toContain('rispettata');
        expect(await page.evaluate(() => window.__noReload)).toBe(true);
        await waitForLive(page);
        await chooseLanguage(page, 'en');
        await waitFor(async () => squash(await page.locator('#live-status').textContent()), {
          accept: (text) => /\blive\b/i.test(text),
          message: '#live-status in English',
        });
        await waitFor(async () => (await deadlinesShown())[0]?.text ?? '', {
          accept: (text) => text.includes('Orientation interview within three months') && text.includes('met'),
          message: 'the deadlines in English',
        });
      }),
    BROWSER_TEST_TIMEOUT_MS,
  );

  it(
    'replay: moving the slider back shows the earlier step, its event and its states; live comes back',
    () =>
      withPage(suite.browser, suite.t.url, async ({ page, origin }) => {
        const replayed = await driveCase(suite.api, 'person', PERSON_STEPS);
        expect(replayed.version).toBe(PERSON_STEPS.length + 1);
        await gotoInspector(page, origin);
        await openCaseById(page, replayed);
        await waitForLive(page);
        const slider = page.locator('#replay-slider');
        expect(await slider.getAttribute('min')).toBe('1');
        expect(await slider.getAttribute('max')).toBe(String(replayed.version));
        expect(await slider.inputValue()).toBe(String(replayed.version));
        await waitForActive(page, expectedActive('person', replayed.statesAt[replayed.version]), 'live');

        for (const step of [3, 1, 6]) {
          await slider.fill(String(step));
          await page.locator(`#diagram[data-sequence="${step}"]`).waitFor();
          await waitForActive(page, expectedActive('person', replayed.statesAt[step]), `step ${step}`);
          await waitFor(async () => squash(await page.locator('#replay-details').textContent()), {
            accept: (text) => text.includes(replayed.eventAt[step]),
            message: `#replay-details naming ${replayed.eventAt[step]}`,
          });
          // Replaying shows history: it changes nothing.
          expect(await page.locator('#case-view').getAttribute('data-version')).toBe(String(replayed.version));
        }
        // Step 3 is intake: A.1 done, A.2 in progress, later services not started.
        await slider.fill('3');
        await page.locator('#diagram[data-sequence="3"]').waitFor();
        await waitForActive(page, expectedActive('person', replayed.statesAt[3]), 'step 3 again');
        expect(replayed.statesAt[3]).toEqual(expect.arrayContaining(['open.A1.completed', 'open.A2.active', 'open.A3.notStarted']));
        const details = squash(await page.locator('#replay-details').textContent());
        expect(details).toContain('INTAKE_SESSION_HELD');
        expect(details).toContain('individual');
        await page.locator('#replay-details').scrollIntoViewIfNeeded();
        // The guide's pictures come from Chromium (see saveScreenshot).
        if (browserName === 'chromium') await saveScreenshot(page, 'inspector-replay.png');

        await page.locator('#replay-live').click();
        await waitFor(() => page.locator('#diagram').getAttribute('data-sequence'), {
          accept: (sequence) => sequence === null || sequence === String(replayed.version),
          message: 'the diagram back to live',
        });
        expect(await slider.inputValue()).toBe(String(replayed.version));
        await waitForActive(page, expectedActive('person', replayed.statesAt[replayed.version]), 'live again');

        // While live, a new event moves the slider's end with it.
        await postEvent(suite.api, replayed, { type: 'PAI_SIGNED', at: ACT_DATE });
        await page.locator(`#case-view[data-version="${replayed.version}"]`).waitFor();
        await waitFor(() => slider.getAttribute('max'), {
          accept: (max) => max === String(replayed.version),
          message: 'the slider to grow',
        });
        await waitForActive(page, expectedActive('person', replayed.statesAt[replayed.version]), 'after PAI_SIGNED');
      }),
    BROWSER_TEST_TIMEOUT_MS,
  );
});
