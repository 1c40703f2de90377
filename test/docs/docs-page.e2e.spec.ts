import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Browser } from 'playwright-core';
import { BROWSER_TEST_TIMEOUT_MS, BROWSERS, closeBrowser, launchBrowser, openPage } from '../support/browser.js';
import { seriousViolations } from '../support/axe.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

/**
 * The API's document as a page (GET /docs, Swagger UI) in real browsers: it renders from the service
 * alone (no external request, no console error) and axe-core finds no serious or critical violation.
 */
describe.each(BROWSERS)('the API document page in %s', (browserName) => {
  let t: TestApp;
  let browser: Browser;
  beforeAll(async () => {
    t = await startTestApp();
    browser = await launchBrowser(browserName);
  }, BROWSER_TEST_TIMEOUT_MS);
  afterAll(async () => {
    await closeBrowser(browser);
    await t?.close();
  }, BROWSER_TEST_TIMEOUT_MS);

  it(
    'renders the operations offline, with no serious accessibility violation',
    async () => {
      const opened = await openPage(browser, t.url, { path: '/docs' });
      const { page } = opened;
      await page.locator('.opblock').first().waitFor();
      expect(await page.locator('.opblock').count()).toBeGreaterThan(50);
      expect(await seriousViolations(page)).toEqual([]);
      // An operation opened: its parameters, body schema and responses.
      await page.locator('#operations-cases-CasesController_postEvent .opblock-summary-control').click();
      await page.locator('#operations-cases-CasesController_postEvent .opblock-body .responses-table').first().waitFor();
      expect(await seriousViolations(page)).toEqual([]);
      opened.expectClean();
      await opened.close();
    },
    BROWSER_TEST_TIMEOUT_MS,
  );
});
