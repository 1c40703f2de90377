import { describe, expect, it } from '@jest/globals';
import { seriousViolations } from '../support/axe.js';
import { BROWSER_TEST_TIMEOUT_MS, BROWSERS, saveScreenshot, waitFor } from '../support/browser.js';
import {
  inspectorSuite,
  PERSON_STEPS,
  chooseLanguage,
  driveCase,
  gotoInspector,
  openCaseById,
  squash,
  tabTo,
  waitForCase,
  waitForDiagram,
  waitForLive,
  withPage,
} from './inspector-page.js';
import type { PageDocument } from './page-dom.js';
import { subjectFor } from '../support/subjects.js';

// Functions given to page.evaluate run in the page; tsconfig has no DOM lib (see page-dom.ts).
declare const document: PageDocument;
declare const localStorage: { getItem(key: string): string | null };

/** Refused after intake alone: the preceding service is not completed and the Patto is not signed. */
const BLOCKED = 'GUIDANCE_SESSION_HELD';

describe.each(BROWSERS)('inspector in %s: accessibility, the standard beside the diagram, read-only cases', (browserName) => {
  const suite = inspectorSuite(browserName);

  it(
    'axe-core finds no serious or critical violation on the pathway view, a live case and the sandbox; nothing leaves the service',
    () =>
      withPage(suite.browser, suite.t.url, async ({ page, origin, requests }) => {
        const live = await driveCase(suite.api, 'person', PERSON_STEPS.slice(0, 5));
        await gotoInspector(page, origin);
        expect(await seriousViolations(page)).toEqual([]);

        // The standard's text for a service, beside the diagram.
        await page.locator('#about button[data-service="A3"]').click();
        await page.locator('#about .about-text[data-service="A3"]').waitFor();
        expect(await seriousViolations(page)).toEqual([]);

        await openCaseById(page, live);
        await waitForLive(page);
        await page.locator('#deadlines li').first().waitFor();
        expect(await seriousViolations(page)).toEqual([]);

        // The sandbox: a practice case, a blocked event's reasons and its form open.
        await page.locator('#sandbox-pathway').selectOption('person');
        await page.locator('#new-practice').click();
        await page.locator('#case-view[data-practice="true"][data-version="1"]').waitFor();
        await page.locator(`#blocked-events button.event-blocked[data-event="${BLOCKED}"]`).click();
        await page.locator(`#event-form[data-event="${BLOCKED}"]`).waitFor();
        await page.locator('#event-result[data-outcome="blocked"]').waitFor();
        expect(await seriousViolations(page)).toEqual([]);
        await chooseLanguage(page, 'en');
        await page.locator('html[lang="en"]').waitFor();
        expect(await seriousViolations(page)).toEqual([]);

        // Every request of the whole walk went to the service itself, and only to the page's own
        // files, the UI library and the API.
        const paths = requests.map((r) => new URL(r.split(' ')[1]));
        expect(paths.filter((url) => url.origin !== origin)).toEqual([]);
        const unexpected = paths.filter(
          (url) => !/^\/(inspector(\/assets\/[\w.-]+)?|ui\/(vendor|common)\/[\w.-]+|pathways\/\w+|cases(\/.*)?)$/.test(url.pathname),
        );
        expect(unexpected.map((url) => url.pathname)).toEqual([]);
      }),
    BROWSER_TEST_TIMEOUT_MS,
  );

  it(
    "a service's standard in both languages, as the API gives it: what it is for, who delivers it, the minimum duration, access, outputs",
    () =>
      withPage(suite.browser, suite.t.url, async ({ page, origin }) => {
        const pathway = (await suite.api.get('/pathways/person')).body as {
          services: { key: string; about: Record<string, { it: string; en: string } | { it: string; en: string }[]> }[];
        };
        const a3 = pathway.services.find((s) => s.key === 'A3')!;
        await gotoInspector(page, origin);
        await page.locator('#about button[data-service="A3"]').click();
        const about = page.locator('#about .about-text[data-service="A3"]');
        for (const language of ['it', 'en'] as const) {
          await chooseLanguage(page, language);
          const texts = ['purpose', 'deliveredBy', 'duration', 'access'].map((key) =>
            squash((a3.about[key] as { it: string; en: string })[language]),
          );
          const outputs = (a3.about.outputs as { it: string; en: string }[]).map((o) => squash(o[language]));
          expect(texts.every((t) => t.length > 0)).toBe(true);
          await waitFor(async () => squash(await about.textContent()), {
            accept: (shown) => [...texts, ...outputs].every((t) => shown.includes(t)),
            message: `A.3's standard in ${language}`,
          });
        }
        expect(await page.locator('#about button[data-service="A3"]').getAttribute('aria-pressed')).toBe('true');
        // The guide's pictures come from Chromium (see saveScreenshot).
        if (browserName === 'chromium') await saveScreenshot(page, 'inspector-about.png');
      }),
    BROWSER_TEST_TIMEOUT_MS,
  );

  it(
    'works from the keyboard: skip link, language, zoom, the service picker; the language chosen here is the console’s too',
    () =>
      withPage(suite.browser, suite.t.url, async ({ page, origin }) => {
        await gotoInspector(page, origin);
        // The skip link comes first and takes the focus to the case panel.
        await page.keyboard.press('Tab');
        expect(await page.evaluate(() => document.activeElement?.getAttribute('class'))).toBe('skip');
        await page.keyboard.press('Enter');
        await waitFor(() => page.evaluate(() => document.activeElement?.id), {
          accept: (id) => id === 'case-panel',
          message: 'the focus on the case panel',
        });

        // The language picker: arrows change the page's language.
        await tabTo(page, '#language', { backwards: true });
        expect(await page.locator('#language').inputValue()).toBe('it');
        await page.keyboard.press('ArrowDown');
        await page.locator('html[lang="en"]').waitFor();
        expect(squash(await page.locator('h1').textContent())).toBe('Percorsi · Inspector');

        // Zoom with the keyboard: the drawing grows.
        const width = async () => Number(await page.locator('#diagram').getAttribute('width'));
        const before = await width();
        await tabTo(page, '#zoom-in');
        await page.keyboard.press('Enter');
        await waitFor(width, { accept: (w) => w > before, message: 'the diagram to grow' });

        // The service picker: Enter shows a service's standard.
        await tabTo(page, '#about button[data-service="A2"]');
        await page.keyboard.press('Enter');
        await page.locator('#about .about-text[data-service="A2"]').waitFor();

        // The choice is saved under the key both pages read: the console opens in English.
        expect(await page.evaluate(() => localStorage.getItem('percorsi.lang'))).toBe('en');
        await page.goto(`${origin}/`);
        await page.locator('html[lang="en"]').waitFor();
        // And ?lang= wins over the saved choice.
        await page.goto(`${origin}/inspector?lang=it`);
        await waitForDiagram(page, 'person');
        await page.locator('html[lang="it"]').waitFor();
        expect(squash(await page.locator('h1').textContent())).toBe('Percorsi · Ispettore');
      }),
    BROWSER_TEST_TIMEOUT_MS,
  );

  it(
    'a trainer opens a real case of their office read-only: the notice, no subject anywhere, no control that records',
    async () => {
      const password = 'trainer-password-1234';
      const trainer = await suite.t.newOperator({
        officeId: suite.t.operator.officeId,
        roles: ['trainer'],
        name: 'Tina Formatrice',
        password,
      });
      const realSubject = subjectFor('person');
      const real = await driveCase(suite.api, 'person', PERSON_STEPS.slice(0, 2), { subject: realSubject });
      await withPage(
        suite.browser,
        suite.t.url,
        async (inspected) => {
          const { page, origin } = inspected;
          // Chromium logs every non-2xx answer; none is expected, and the page sends no write.
          const writes: string[] = [];
          page.on('request', (r) => {
            if (r.method() !== 'GET') writes.push(`${r.method()} ${r.url()}`);
          });
          await gotoInspector(page, origin);
          await openCaseById(page, real);
          await waitForCase(page, real);
          await waitForLive(page);
          expect(await page.locator('#case-view').getAttribute('data-masked')).toBe('true');
          const notice = squash(await page.locator('#read-only').textContent());
          expect(notice).toMatch(/^Sola lettura: dati personali nascosti/);
          const subject = squash(await page.locator('#case-subject').textContent());
          expect(subject).toBe('(dati personali nascosti)');
          expect(subject).not.toContain('***');
          // Allowed events are listed, not actionable; blocked ones keep their reasons; no form, no button.
          const transitions = (await suite.api.get(`/cases/${real.id}/transitions`)).body;
          await page.locator('#allowed-events li[data-event]').first().waitFor();
          expect(await page.locator('#allowed-events li[data-event]').count()).toBe(transitions.allowed.length);
          expect(await page.locator('#allowed-events button, #blocked-events button').count()).toBe(0);
          expect(await page.locator('#blocked-events li[data-event] .reasons li').count()).toBeGreaterThan(0);
          expect(await page.locator('#event-form, #fire-event').count()).toBe(0);
          expect(await page.locator('#diagram g.transition.allowed').count()).toBe(0);
          expect(await page.locator('#diagram g.state.active').count()).toBeGreaterThan(0);
          // The subject is nowhere on the page, nor in the case list beside it (the service masks it there too).
          await page.locator(`#case-list button[data-case-id="${real.id}"]`).waitFor();
          expect(await page.content()).not.toContain(realSubject);
          if (browserName === 'chromium') await saveScreenshot(page, 'inspector-read-only.png');
          expect(await seriousViolations(page)).toEqual([]);
          expect(writes).toEqual([]);
          // What the page offers none of, the service refuses: a trainer's act on the real case is 403, and changes nothing.
          const before = (await suite.api.get(`/cases/${real.id}`)).body.version;
          const cookie = (await inspected.context.cookies(origin)).find((c) => c.name === 'percorsi_session')!;
          const refused = await fetch(`${origin}/cases/${real.id}/events`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', cookie: `percorsi_session=${cookie.value}`, origin },
            body: JSON.stringify({ type: 'REGISTRY_UPDATED', at: '2026-01-15' }),
          });
          expect(refused.status).toBe(403);
          expect(((await refused.json()) as { detail: string }).detail).toMatch(/solo osservare|only be observed/);
          expect((await suite.api.get(`/cases/${real.id}`)).body.version).toBe(before);
        },
        { signInAs: { username: trainer.username, password } },
      );
    },
    BROWSER_TEST_TIMEOUT_MS,
  );
});
