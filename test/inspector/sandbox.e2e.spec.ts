import { describe, expect, it } from '@jest/globals';
import type { Page } from 'playwright-core';
import { BROWSER_TEST_TIMEOUT_MS, BROWSERS, saveScreenshot, waitFor } from '../support/browser.js';
import {
  inspectorSuite,
  activeStates,
  chooseLanguage,
  expectedActive,
  gotoInspector,
  squash,
  tabTo,
  waitForActive,
  waitForDiagram,
  withPage,
} from './inspector-page.js';

/** Refused after intake alone: the preceding service is not completed and the Patto is not signed. */
const BLOCKED = 'GUIDANCE_SESSION_HELD';

describe.each(BROWSERS)('inspector in %s: the sandbox (practice cases)', (browserName) => {
  const suite = inspectorSuite(browserName);

  /** Creates a practice case with the sandbox controls; returns its id once its panel shows. */
  async function newPracticeCase(page: Page): Promise<string> {
    const before = await page
      .locator('#case-view')
      .getAttribute('data-case-id')
      .catch(() => null);
    await page.locator('#sandbox-pathway').selectOption('person');
    await page.locator('#new-practice').click();
    return openedPracticeCase(page, before);
  }

  async function openedPracticeCase(page: Page, previous: string | null): Promise<string> {
    const id = await waitFor(
      () =>
        page
          .locator('#case-view[data-practice="true"][data-version="1"]')
          .getAttribute('data-case-id', { timeout: 1000 })
          .catch(() => null),
      {
        accept: (value) => value !== null && value !== previous,
        message: 'a new practice case in #case-view',
      },
    );
    await page.locator('#practice-badge').waitFor({ state: 'visible' });
    await waitForDiagram(page, 'person');
    return id!;
  }

  /** The messages of a blocked event's reasons, as the API gives them in a language. */
  async function reasonsOf(id: string, event: string, language: 'it' | 'en'): Promise<string[]> {
    const res = await suite.api.get(`/cases/${id}/transitions`, { 'Accept-Language': language });
    const blocked = (res.body.blocked as { event: string; reasons: { message: string }[] }[]).find((b) => b.event === event);
    if (!blocked) throw new Error(`${event} is not blocked: ${JSON.stringify(res.body)}`);
    return blocked.reasons.map((r) => squash(r.message));
  }

  const resultShows = (page: Page, outcome: string, messages: string[]) =>
    waitFor(async () => squash(await page.locator(`#event-result[data-outcome="${outcome}"]`).textContent({ timeout: 1000 })), {
      accept: (text) => messages.every((m) => text.includes(m)),
      message: `#event-result[data-outcome="${outcome}"] showing ${JSON.stringify(messages)}`,
    });

  it(
    'an allowed transition moves the highlight; a blocked one shows its reasons in Italian, then in English; reset starts over',
    () =>
      withPage(suite.browser, suite.t.url, async (inspected) => {
        const { page, origin } = inspected;
        await gotoInspector(page, origin);
        const id = await newPracticeCase(page);
        const opened = (await suite.api.get(`/cases/${id}`)).body;
        expect(opened).toMatchObject({ pathway: 'person', practice: true, version: 1 });
        await waitForActive(page, expectedActive('person', opened.statePaths), 'a new practice case');

        // An allowed event: its generated form (enum -> select, integer -> number, `at` a prefilled date).
        await page.locator('#allowed-events button.event-allowed[data-event="INTAKE_SESSION_HELD"]').click();
        const form = page.locator('#event-form[data-event="INTAKE_SESSION_HELD"]');
        await form.waitFor();
        expect(await form.locator('[name="at"]').getAttribute('type')).toBe('date');
        expect(await form.locator('[name="at"]').inputValue()).toMatch(/^\d{4}-\d{2}-\d{2}$/);
        expect(await form.locator('[name="f.minutes"]').getAttribute('type')).toBe('number');
        await form.locator('select[name="f.mode"]').selectOption('individual');
        await form.locator('[name="f.minutes"]').fill('30');
        await form.locator('#fire-event').click();
        await page.locator('#event-result[data-outcome="applied"]').waitFor();
        await page.locator(`#case-view[data-case-id="${id}"][data-version="2"]`).waitFor();
        const afterIntake = (await suite.api.get(`/cases/${id}`)).body;
        expect(afterIntake.statePaths).toContain('open.A2.active');
        await waitForActive(page, expectedActive('person', afterIntake.statePaths), 'after INTAKE_SESSION_HELD');
        expect(await activeStates(page)).not.toContain('person.open.A2.notStarted');

        // A multi-choice list and a yes/no field: checkbox groups.
        await page.locator('#allowed-events button.event-allowed[data-event="TARGET_PROFILE_RECORDED"]').click();
        const profile = page.locator('#event-form[data-event="TARGET_PROFILE_RECORDED"]');
        await profile.waitFor();
        expect(await profile.locator('input[type="checkbox"][name="f.targets"]').count()).toBe(5);
        await profile.locator('input[type="checkbox"][name="f.targets"][value="immigrant"]').check();
        await profile.locator('input[type="checkbox"][name="f.languageMediation"]').check();
        await profile.locator('#fire-event').click();
        await page.locator(`#case-view[data-case-id="${id}"][data-version="3"]`).waitFor();
        await page.locator('#event-result[data-outcome="applied"]').waitFor();
        const profiled = (await suite.api.get(`/cases/${id}`)).body;
        expect(profiled.context).toMatchObject({ targets: ['immigrant'], languageMediation: true });

        // A blocked event: its reasons, in the chosen language.
        const italian = await reasonsOf(id, BLOCKED, 'it');
        const english = await reasonsOf(id, BLOCKED, 'en');
        expect(italian.length).toBeGreaterThan(0);
        expect(italian).not.toEqual(english);
        await chooseLanguage(page, 'it');
        await page.locator(`#blocked-events button.event-blocked[data-event="${BLOCKED}"]`).click();
        await resultShows(page, 'blocked', italian);
        await page.locator('#event-result').scrollIntoViewIfNeeded();
        // The guide's pictures come from Chromium (see saveScreenshot).
        if (browserName === 'chromium') await saveScreenshot(page, 'inspector-sandbox.png');

        await chooseLanguage(page, 'en');
        await resultShows(page, 'blocked', english);
        expect(squash(await page.locator('#event-result').textContent())).not.toContain(italian[0]);
        // Nothing was applied by looking at a blocked event.
        expect((await suite.api.get(`/cases/${id}`)).body.version).toBe(3);

        // Submitting it anyway: the service refuses, and the page shows the service's reasons.
        await page.locator(`#blocked-events button.event-blocked[data-event="${BLOCKED}"]`).click();
        const tried = page.locator(`#event-form[data-event="${BLOCKED}"]`);
        await tried.waitFor();
        await tried.locator('select[name="f.mode"]').selectOption('individual');
        await tried.locator('[name="f.minutes"]').fill('60');
        const at = await tried.locator('[name="at"]').inputValue();
        inspected.allowConsole(/the server responded with a status of 409/);
        await tried.locator('#fire-event').click();
        const refusal = await suite.api.post(
          `/cases/${id}/events`,
          { type: BLOCKED, mode: 'individual', minutes: 60, at },
          { 'Accept-Language': 'en' },
        );
        expect(refusal.status).toBe(409);
        const refusedReasons = refusal.body.reasons as { code: string; message: string }[];
        await resultShows(
          page,
          'refused',
          refusedReasons.map((r) => squash(r.message)),
        );
        expect(await page.locator('#event-result [data-code]').evaluateAll((els) => els.map((el) => el.getAttribute('data-code')))).toEqual(
          refusedReasons.map((r) => r.code),
        );
        expect((await suite.api.get(`/cases/${id}`)).body.version).toBe(3);

        // Reset: a fresh practice case of the same pathway.
        await page.locator('#reset-practice').click();
        const fresh = await openedPracticeCase(page, id);
        expect(fresh).not.toBe(id);
        expect((await suite.api.get(`/cases/${fresh}`)).body).toMatchObject({ pathway: 'person', practice: true, version: 1 });
        await waitForActive(page, expectedActive('person', opened.statePaths), 'the reset practice case');
      }),
    BROWSER_TEST_TIMEOUT_MS,
  );

  it(
    'works from the keyboard: pathway picker, event buttons, event form and replay slider',
    () =>
      withPage(suite.browser, suite.t.url, async ({ page, origin }) => {
        await gotoInspector(page, origin);

        // The pathway picker: Tab to it, arrows change the pathway.
        await tabTo(page, '#pathway');
        const first = await page.locator('#pathway').inputValue();
        await page.keyboard.press(first === 'person' ? 'ArrowDown' : 'ArrowUp');
        await waitForDiagram(page, first === 'person' ? 'employer' : 'person');
        await page.keyboard.press(first === 'person' ? 'ArrowUp' : 'ArrowDown');
        await waitForDiagram(page, first === 'person' ? 'person' : 'employer');

        // A practice case from the keyboard.
        await page.locator('#sandbox-pathway').selectOption('person');
        await tabTo(page, '#new-practice');
        await page.keyboard.press('Enter');
        const id = await openedPracticeCase(page, null);

        // An allowed event: Space opens its form; fields and submit are reachable with Tab.
        await tabTo(page, '#allowed-events button.event-allowed[data-event="INFORMATION_GIVEN"]', { maxPresses: 150 });
        await page.keyboard.press('Space');
        const form = page.locator('#event-form[data-event="INFORMATION_GIVEN"]');
        await form.waitFor();
        await tabTo(page, '#event-form select[name="f.referral"]', { maxPresses: 150 });
        for (let i = 0; i < 5 && (await form.locator('select[name="f.referral"]').inputValue()) !== 'A2'; i++)
          await page.keyboard.press('ArrowDown');
        expect(await form.locator('select[name="f.referral"]').inputValue()).toBe('A2');
        await tabTo(page, '#fire-event');
        await page.keyboard.press('Enter');
        await page.locator(`#case-view[data-case-id="${id}"][data-version="2"]`).waitFor();
        await page.locator('#event-result[data-outcome="applied"]').waitFor();
        const applied = (await suite.api.get(`/cases/${id}`)).body;
        await waitForActive(page, expectedActive('person', applied.statePaths), 'after INFORMATION_GIVEN from the keyboard');

        // A blocked event: Enter shows its reasons.
        const reasons = await reasonsOf(id, BLOCKED, 'it');
        await tabTo(page, `#blocked-events button.event-blocked[data-event="${BLOCKED}"]`, { maxPresses: 150 });
        await page.keyboard.press('Enter');
        await resultShows(page, 'blocked', reasons);

        // The replay slider: arrows step through the history, the live button comes back.
        await tabTo(page, '#replay-slider', { maxPresses: 150 });
        expect(await page.locator('#replay-slider').getAttribute('max')).toBe('2');
        await page.keyboard.press('ArrowLeft');
        await page.locator('#diagram[data-sequence="1"]').waitFor();
        const initial = (await suite.api.get(`/cases/${id}/history`)).body.events[0];
        expect(initial.type).toBe('CASE_OPENED');
        await waitFor(async () => squash(await page.locator('#replay-details').textContent()), {
          accept: (text) => text.includes('CASE_OPENED'),
          message: '#replay-details naming CASE_OPENED',
        });
        await tabTo(page, '#replay-live', { maxPresses: 150 });
        await page.keyboard.press('Enter');
        await waitFor(() => page.locator('#diagram').getAttribute('data-sequence'), {
          accept: (sequence) => sequence === null || sequence === '2',
          message: 'the diagram back to live',
        });
        expect(await page.locator('#replay-slider').inputValue()).toBe('2');
        await waitForActive(page, expectedActive('person', applied.statePaths), 'live again');
      }),
    BROWSER_TEST_TIMEOUT_MS,
  );
});
