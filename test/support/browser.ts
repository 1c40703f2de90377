/**
 * Headless Chromium and Firefox for the browser tests: playwright-core drives Debian's
 * /usr/bin/chromium (over CDP) and /usr/bin/firefox-esr (over WebDriver BiDi, the `moz-firefox`
 * channel: Playwright's own Firefox build is not needed). Every page opened here may talk to the service under test
 * only: any other request is aborted and recorded, and console errors and warnings, uncaught page
 * errors and failed requests are collected, so that each test can end with `expectClean()`.
 *
 * playwright-core is pinned to 1.61.1: 1.65 sends BiDi commands Firefox ESR 153 does not know
 * (`emulation.setMediaFeaturesOverride` on `newPage`), and 1.61.1 drives both browsers.
 */
import { mkdir } from 'node:fs/promises';
import { afterAll, beforeAll } from '@jest/globals';
import path from 'node:path';
import { chromium, firefox, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { ROOT } from './service-process.js';
import { sessionCookie } from './provision.js';
import { signInCredentials } from './signed-in.js';

/** The browsers every inspector test runs in (one `describe` per browser). */
export const BROWSERS = ['chromium', 'firefox'] as const;
export type BrowserName = (typeof BROWSERS)[number];

/** The Chromium binary: Debian's package (`apt-get install -y chromium`). */
export const CHROMIUM_PATH = process.env.PERCORSI_CHROMIUM ?? '/usr/bin/chromium';

/** The Firefox binary: Debian's package (`apt-get install -y firefox-esr`). */
export const FIREFOX_PATH = process.env.PERCORSI_FIREFOX ?? '/usr/bin/firefox-esr';

/**
 * Where the inspector's screenshots go: test-results/screenshots/ (ignored by git), so that a test run
 * leaves the tree as it was; with UPDATE_SCREENSHOTS=1, docs/screenshots/, the pictures committed with
 * docs/inspector.md.
 */
export const SCREENSHOTS_DIR =
  process.env.UPDATE_SCREENSHOTS === '1' ? path.join(ROOT, 'docs', 'screenshots') : path.join(ROOT, 'test-results', 'screenshots');

/** A screen large enough for a whole diagram and the case panel. */
export const VIEWPORT = { width: 1600, height: 1000 };

/**
 * Per-action and per-wait bound for Playwright (clicks, fills, locator waits). Generous: the machine
 * has two noisy cores. It is a safety net that turns a hang into a readable failure, not a check
 * that something is fast; keep it below the Jest timeout of the browser tests.
 */
export const ACTION_TIMEOUT_MS = 45_000;

/** Jest timeout for one browser test. */
export const BROWSER_TEST_TIMEOUT_MS = 120_000;

const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];

/** One headless browser; close it with `closeBrowser` in afterAll (it tolerates a failed launch). */
export async function launchBrowser(name: BrowserName): Promise<Browser> {
  switch (name) {
    case 'chromium':
      return chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: CHROMIUM_ARGS, timeout: 60_000 });
    case 'firefox':
      return firefox.launch({ channel: 'moz-firefox', executablePath: FIREFOX_PATH, headless: true, timeout: 60_000 });
  }
}

/** Which of BROWSERS a page runs in. */
export function browserOf(page: Page): BrowserName {
  const name = page.context().browser()?.browserType().name();
  if (name !== 'chromium' && name !== 'firefox') throw new Error(`a page in an unexpected browser: ${name}`);
  return name;
}

/** Closes the browser if it was launched; never throws (afterAll must go on closing the app). */
/** A browser for the tests of the enclosing `describe`: launched before them, closed after them. */
export function suiteBrowser(name: BrowserName): () => Browser {
  let browser: Browser | undefined;
  beforeAll(async () => {
    browser = await launchBrowser(name);
  }, BROWSER_TEST_TIMEOUT_MS);
  afterAll(() => closeBrowser(browser));
  return () => {
    if (!browser) throw new Error(`${name} was not launched`);
    return browser;
  };
}

export async function closeBrowser(browser: Browser | undefined): Promise<void> {
  if (!browser) return;
  try {
    await browser.close();
  } catch {
    // already gone
  }
}

/** What a page did that it should not have. Every list is empty on a clean page. */
export interface PageProblems {
  /** Requests for anything but the service's origin (aborted before they left). */
  external: string[];
  /** Console messages of type error or warning. */
  console: string[];
  /** Uncaught exceptions and unhandled rejections in the page. */
  pageErrors: string[];
  /** Same-origin requests that failed (network error), except the ones the page cancelled itself. */
  failedRequests: string[];
}

export interface InspectedPage {
  page: Page;
  context: BrowserContext;
  /** The service's origin, e.g. http://127.0.0.1:41234. */
  origin: string;
  problems: PageProblems;
  /** Every request the page made (method and URL), in order, same-origin or not. */
  requests: string[];
  /**
   * Accepts console messages matching `pattern` from now on. Only for a message the test causes on
   * purpose: Chromium logs every non-2xx fetch response ("Failed to load resource: the server
   * responded with a status of 409"), so a test that makes the service refuse an event allows that one
   * (Firefox logs nothing for it: the pattern is an allowance, not an expectation).
   */
  allowConsole(pattern: RegExp): void;
  /** Throws, listing everything, unless the page made no external attempt, logged no error or warning (but the allowed ones), threw nothing and no request failed. */
  expectClean(): void;
  close(): Promise<void>;
}

export interface OpenPageOptions {
  /** Path to open after the origin, e.g. '/inspector'; nothing is opened when omitted. */
  path?: string;
  viewport?: { width: number; height: number };
  locale?: string;
  /** Whether the page is signed in as the test app's operator (default: yes, when the app is a test app). */
  signedIn?: boolean;
  /** Signed in as this operator instead (one with a password). */
  signInAs?: { username: string; password: string };
}

/** How each browser names a request the page cancelled itself. */
const ABORTED_BY_PAGE = new Set(['net::ERR_ABORTED', 'NS_BINDING_ABORTED']);

/**
 * A fresh browser context and page that may reach `baseUrl`'s origin only. Requests elsewhere are
 * aborted and recorded in `problems.external`; service workers are blocked; WebSockets to other
 * origins are closed and recorded too. The same in Chromium and Firefox: `context.route`,
 * `routeWebSocket` and `serviceWorkers: 'block'` all work under WebDriver BiDi (the harness tests
 * prove each one in both browsers).
 */
/** Signs in through the API and answers with the session cookie, as Playwright adds it to a context. */
async function sessionCookieFor(origin: string, credentials: { username: string; password: string }) {
  const value = (await sessionCookie(origin, credentials.username, credentials.password)).slice('percorsi_session='.length);
  return { name: 'percorsi_session', value, url: origin, httpOnly: true, sameSite: 'Lax' as const };
}

export async function openPage(browser: Browser, baseUrl: string, options: OpenPageOptions = {}): Promise<InspectedPage> {
  const origin = new URL(baseUrl).origin;
  const context = await browser.newContext({
    // Playwright's own script in every page, in both browsers: navigator.serviceWorker.register
    // only logs a warning (so a page that tries is not clean), and no worker can answer a request
    // past context.route.
    serviceWorkers: 'block',
    viewport: options.viewport ?? VIEWPORT,
    locale: options.locale ?? 'it-IT',
    timezoneId: 'Europe/Rome',
    acceptDownloads: false,
  });
  context.setDefaultTimeout(ACTION_TIMEOUT_MS);
  context.setDefaultNavigationTimeout(ACTION_TIMEOUT_MS);
  // Signed in as the test app's operator, with the session cookie a browser gets from POST /auth/login.
  const credentials = options.signInAs ?? signInCredentials(origin);
  if (credentials && options.signedIn !== false) await context.addCookies([await sessionCookieFor(origin, credentials)]);
  const problems: PageProblems = { external: [], console: [], pageErrors: [], failedRequests: [] };
  const requests: string[] = [];
  const allowed: RegExp[] = [];
  const sameOrigin = (url: string): boolean => {
    try {
      return new URL(url).origin === origin;
    } catch {
      return false;
    }
  };

  await context.route('**/*', async (route) => {
    const request = route.request();
    if (sameOrigin(request.url())) {
      await route.continue();
    } else {
      problems.external.push(`${request.method()} ${request.url()} (${request.resourceType()})`);
      // Under BiDi (Firefox) the error code is not passed on: the request fails all the same.
      await route.abort('blockedbyclient');
    }
  });
  await context.routeWebSocket(/.*/, async (ws) => {
    const url = ws.url();
    if (sameOrigin(url.replace(/^ws/, 'http'))) {
      ws.connectToServer();
    } else {
      problems.external.push(`WEBSOCKET ${url}`);
      await ws.close();
    }
  });

  const page = await context.newPage();
  page.on('console', (message) => {
    const type = message.type();
    if ((type === 'error' || type === 'warning') && !allowed.some((pattern) => pattern.test(message.text()))) {
      const where = message.location();
      problems.console.push(`${type}: ${message.text()}${where.url ? ` (${where.url}:${where.lineNumber})` : ''}`);
    }
  });
  page.on('pageerror', (error) => problems.pageErrors.push(error.stack ?? String(error)));
  page.on('request', (request) => requests.push(`${request.method()} ${request.url()}`));
  page.on('requestfailed', (request) => {
    const url = request.url();
    if (!sameOrigin(url)) return; // already in problems.external
    const error = request.failure()?.errorText ?? 'unknown error';
    // A stream the page closes (EventSource.close when another case opens) or a fetch it aborts
    // (AbortController) ends as net::ERR_ABORTED in Chromium, NS_BINDING_ABORTED in Firefox: the
    // page's own choice, not a failure.
    if (ABORTED_BY_PAGE.has(error) && ['eventsource', 'fetch', 'xhr'].includes(request.resourceType())) return;
    problems.failedRequests.push(`${request.method()} ${url} (${request.resourceType()}): ${error}`);
  });
  page.on('crash', () => problems.pageErrors.push('the page crashed'));

  if (options.path !== undefined) await page.goto(`${origin}${options.path}`);

  return {
    page,
    context,
    origin,
    problems,
    requests,
    allowConsole: (pattern) => {
      allowed.push(pattern);
    },
    expectClean: () => {
      const found = Object.entries(problems).filter(([, list]) => (list as string[]).length > 0);
      if (found.length > 0) {
        throw new Error(
          `the page was not clean:\n${found.map(([kind, list]) => `  ${kind}:\n${(list as string[]).map((l) => `    - ${l}`).join('\n')}`).join('\n')}`,
        );
      }
    },
    close: async () => {
      try {
        await context.close();
      } catch {
        // the browser is already closed
      }
    },
  };
}

/**
 * Polls `probe` until it returns a value `accept` likes (default: truthy), and returns that value.
 * For conditions Playwright's locators cannot express (sets of ids, computed layouts). The bound only
 * turns a hang into a readable failure; the message shows the last value seen.
 */
export async function waitFor<T>(
  probe: () => Promise<T> | T,
  options: { accept?: (value: T) => boolean; message?: string; timeoutMs?: number; intervalMs?: number } = {},
): Promise<T> {
  const accept = options.accept ?? ((value: T) => Boolean(value));
  const deadline = Date.now() + (options.timeoutMs ?? ACTION_TIMEOUT_MS);
  let last: T | undefined;
  let lastError: unknown;
  for (;;) {
    try {
      last = await probe();
      lastError = undefined;
      if (accept(last)) return last;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() > deadline) {
      const seen = lastError
        ? `last error: ${lastError instanceof Error ? lastError.message : JSON.stringify(lastError)}`
        : `last value: ${JSON.stringify(last)}`;
      throw new Error(`waitFor: ${options.message ?? 'condition not met'} (${seen})`);
    }
    await new Promise((resolve) => setTimeout(resolve, options.intervalMs ?? 100));
  }
}

/**
 * Saves a PNG of the page in SCREENSHOTS_DIR, overwriting the last run's. Chromium only: the
 * docs' pictures come from Chromium, and in Firefox Playwright's screenshot injects a <style> that
 * the page's CSP (`style-src 'self'`) refuses, so the page would log a CSP error caused by the tool.
 * Tests call it when `browserName === 'chromium'`; a call from another browser is a test bug.
 */
export async function saveScreenshot(page: Page, name: string): Promise<string> {
  const browser = browserOf(page);
  if (browser !== 'chromium') throw new Error(`saveScreenshot(${name}) in ${browser}: screenshots are taken in Chromium only`);
  await mkdir(SCREENSHOTS_DIR, { recursive: true });
  const file = path.join(SCREENSHOTS_DIR, name);
  await page.screenshot({ path: file, fullPage: false, animations: 'disabled', caret: 'hide' });
  return file;
}

/**
 * Signs `page` in through the sign-in page (GET /auth/login): fills the username and password, submits
 * and waits until the page has gone on to `next` (default /inspector). The session cookie is then in
 * the page's context, as after a person's sign-in.
 */
export async function signInThroughPage(
  page: Page,
  origin: string,
  args: { username: string; password: string; next?: string },
): Promise<void> {
  const next = args.next ?? '/inspector';
  await page.goto(`${origin}/auth/login?next=${encodeURIComponent(next)}`);
  await page.locator('#username').fill(args.username);
  await page.locator('#password').fill(args.password);
  const arrived = page.waitForURL((url) => url.origin === origin && `${url.pathname}${url.search}` === next);
  await page.locator('#sign-in button[type="submit"]').click();
  await arrived;
}
