/**
 * The sign-in page (GET /auth/login) in Chromium and Firefox ESR: the form posts to POST /auth/login,
 * shows the service's refusals (401, 429) in the page's language, and goes on to `next` only when it
 * is a path of this service. Served offline under a strict policy.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Browser } from 'playwright-core';
import {
  BROWSER_TEST_TIMEOUT_MS,
  BROWSERS,
  closeBrowser,
  launchBrowser,
  openPage,
  signInThroughPage,
  type InspectedPage,
} from '../support/browser.js';
import { seriousViolations } from '../support/axe.js';
import type { TestApp } from '../support/test-app.js';
import { ADMIN_PASSWORD, anOperator, signIn, startIdentityApp, type IdentityClient } from './identity-fixture.js';

let t: TestApp;
let api: IdentityClient;
let operator: { username: string; password: string };

beforeAll(async () => {
  ({ t, api } = await startIdentityApp());
  const admin = await signIn(t, api, 'admin', ADMIN_PASSWORD);
  operator = await anOperator(api, admin);
});
afterAll(async () => {
  await t?.close();
});

describe('the sign-in page over HTTP', () => {
  it('is served with a policy allowing nothing but the service, its form posting to the service only', async () => {
    const page = await api.get('/auth/login?next=%2Fcases');
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    const csp = page.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("form-action 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toMatch(/https?:|\*|unsafe/);
    expect(page.headers.get('referrer-policy')).toBe('no-referrer');
    const html = page.body as string;
    expect(html).toContain('<html lang="it">');
    expect(html).toContain('data-next="/cases"');
    expect(html).not.toContain('<script>');
    for (const url of [...html.matchAll(/(?:src|href)="(\/[^"]+)"/g)].map((m) => m[1])) {
      expect({ url, status: (await api.get(url)).status }).toEqual({ url, status: 200 });
    }
    expect((await api.get('/auth/assets/nope.js')).body.code).toBe('ROUTE_NOT_FOUND');
  });

  it('speaks English per Accept-Language, and keeps only a path of this service as next', async () => {
    const page = await api.get('/auth/login?next=https%3A%2F%2Fevil.example%2F', { 'accept-language': 'en-GB,en;q=0.9' });
    expect(page.body).toContain('<html lang="en">');
    expect(page.body).toContain('<label for="username">Username</label>');
    expect(page.body).toContain('data-next="/"');
    const escaped = await api.get(`/auth/login?next=${encodeURIComponent('/cases?q="><script>x</script>')}`);
    expect(escaped.body).not.toContain('<script>x');
  });
});

describe.each(BROWSERS)('the sign-in page in %s', (browserName) => {
  let browser: Browser | undefined;
  let inspected: InspectedPage | undefined;

  beforeAll(async () => {
    browser = await launchBrowser(browserName);
  }, BROWSER_TEST_TIMEOUT_MS);
  afterAll(async () => {
    await inspected?.close();
    await closeBrowser(browser);
  });

  it(
    'shows a refusal in Italian, then signs in and goes on to next',
    async () => {
      inspected = await openPage(browser!, t.url, { path: `/auth/login?next=${encodeURIComponent('/me?x=1')}` });
      const { page } = inspected;
      // Chromium logs every non-2xx fetch answer; the 401 is caused on purpose.
      inspected.allowConsole(/status of 401/);
      await page.getByLabel('Nome utente').waitFor();
      expect(await seriousViolations(page)).toEqual([]);
      await page.getByLabel('Nome utente').fill(operator.username);
      await page.getByLabel('Password').fill('not-the-password');
      await page.getByRole('button', { name: 'Accedi' }).click();
      await expect(page.getByRole('alert').textContent()).resolves.toBe('Nome utente o password non validi.');
      expect(await seriousViolations(page)).toEqual([]); // the refusal too
      expect(page.url()).toBe(`${t.url}/auth/login?next=${encodeURIComponent('/me?x=1')}`);
      await page.getByLabel('Password').fill(operator.password);
      await page.getByRole('button', { name: 'Accedi' }).click();
      await page.waitForURL(`${t.url}/me?x=1`);
      const session = (await inspected.context.cookies(t.url)).find((c) => c.name === 'percorsi_session');
      expect(session).toMatchObject({ httpOnly: true, sameSite: 'Lax' });
      const me = await api.get('/me', { cookie: `percorsi_session=${session!.value}` });
      expect(me.body.operator.username).toBe(operator.username);
      inspected.expectClean();
      await inspected.close();
    },
    BROWSER_TEST_TIMEOUT_MS,
  );

  it(
    'shows the throttling refusal (429) in English',
    async () => {
      const admin = await signIn(t, api, 'admin', ADMIN_PASSWORD);
      const throttled = await anOperator(api, admin);
      for (let i = 0; i < 5; i += 1) await api.post('/auth/login', { username: throttled.username, password: 'wrong-password-here' });
      inspected = await openPage(browser!, t.url, { path: '/auth/login', locale: 'en-GB' });
      const { page } = inspected;
      inspected.allowConsole(/status of 429/);
      await page.getByLabel('Username').fill(throttled.username);
      await page.getByLabel('Password').fill(throttled.password);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await expect(page.getByRole('alert').textContent()).resolves.toMatch(
        /^Too many failed sign-in attempts: try again in \d+ seconds\.$/,
      );
      expect(await page.getByRole('link').count()).toBe(0); // no OpenID provider configured: no link to it
      inspected.expectClean();
      await inspected.close();
    },
    BROWSER_TEST_TIMEOUT_MS,
  );

  it(
    'signs a page in with the browser helper (signInThroughPage)',
    async () => {
      inspected = await openPage(browser!, t.url);
      await signInThroughPage(inspected.page, t.url, { username: operator.username, password: operator.password, next: '/me' });
      expect(inspected.page.url()).toBe(`${t.url}/me`);
      expect((await inspected.context.cookies(t.url)).some((c) => c.name === 'percorsi_session')).toBe(true);
      inspected.expectClean();
      await inspected.close();
    },
    BROWSER_TEST_TIMEOUT_MS,
  );
});
