import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Browser } from 'playwright-core';
import { BROWSER_TEST_TIMEOUT_MS, BROWSERS, closeBrowser, launchBrowser, openPage, waitFor } from '../support/browser.js';

/**
 * The browser harness itself: a page that misbehaves in every way the inspector's tests guard
 * against must be caught, or their "the page was clean" would prove nothing.
 */
const PAGES: Record<string, { type: string; body: string }> = {
  '/clean': { type: 'text/html', body: '<!doctype html><title>clean</title><p id="ok">ok</p><script src="/clean.js"></script>' },
  '/clean.js': {
    type: 'text/javascript',
    body: 'console.log("fine"); const s = new EventSource("/stream"); s.onmessage = () => s.close();',
  },
  '/bad': {
    type: 'text/html',
    body: [
      '<!doctype html><title>bad</title>',
      // An external image and stylesheet: aborted by the route before leaving, and recorded.
      '<img src="http://203.0.113.7/pixel.png" alt="">',
      '<link rel="stylesheet" href="https://fonts.example.net/css">',
      '<script src="/bad.js"></script>',
    ].join(''),
  },
  '/sw.js': { type: 'text/javascript', body: 'self.addEventListener("fetch", (event) => event.respondWith(fetch(event.request)));' },
  '/bad.js': {
    type: 'text/javascript',
    body: [
      'console.error("boom");',
      'console.warn("careful");',
      'fetch("/broken").catch(() => {});',
      'fetch("http://203.0.113.7/api").catch(() => {});',
      // A WebSocket elsewhere: closed by the WebSocket route, and recorded.
      'new WebSocket("ws://203.0.113.7/socket");',
      // A service worker: registration is blocked (it logs a warning) and none is installed.
      'navigator.serviceWorker.register("/sw.js").then(() => navigator.serviceWorker.getRegistrations()).then((r) => { document.body.dataset.workers = String(r.length); });',
      'setTimeout(() => { throw new Error("uncaught in the page"); }, 0);',
      'document.body.dataset.done = "true";',
    ].join('\n'),
  },
};

describe.each(BROWSERS)('browser harness in %s: what a test page may not do is caught', (browserName) => {
  let server: Server;
  let base: string;
  let browser: Browser | undefined;

  beforeAll(async () => {
    server = createServer((req, res) => {
      if (req.url === '/broken') {
        req.socket.destroy(); // a network failure on the service's own origin
        return;
      }
      if (req.url === '/stream') {
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        res.write('data: hello\n\n');
        return;
      }
      const page = PAGES[req.url ?? ''];
      if (!page) {
        res.writeHead(404).end();
        return;
      }
      res.writeHead(200, { 'content-type': `${page.type}; charset=utf-8` }).end(page.body);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    browser = await launchBrowser(browserName);
  }, BROWSER_TEST_TIMEOUT_MS);
  afterAll(async () => {
    await closeBrowser(browser);
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }, BROWSER_TEST_TIMEOUT_MS);

  it(
    'a page that only talks to its origin and closes its stream is clean',
    async () => {
      const inspected = await openPage(browser!, base, { path: '/clean' });
      try {
        await inspected.page.locator('#ok').waitFor();
        expect(() => inspected.expectClean()).not.toThrow();
        expect(inspected.requests.every((r) => r.includes(base))).toBe(true);
      } finally {
        await inspected.close();
      }
    },
    BROWSER_TEST_TIMEOUT_MS,
  );

  it(
    'records external attempts, console errors and warnings, page errors and failed requests',
    async () => {
      const inspected = await openPage(browser!, base, { path: '/bad' });
      try {
        const { page, problems } = inspected;
        await page.locator('body[data-done="true"]').waitFor();
        await page.locator('body[data-workers]').waitFor();
        expect(await page.locator('body').getAttribute('data-workers')).toBe('0');
        const seen = () => problems.external.length >= 4 && problems.pageErrors.length >= 1 && problems.failedRequests.length >= 1;
        await waitFor(seen, { message: 'the bad page to be recorded' });
        expect(problems.external).toEqual(
          expect.arrayContaining([
            expect.stringContaining('http://203.0.113.7/pixel.png'),
            expect.stringContaining('https://fonts.example.net/css'),
            expect.stringContaining('http://203.0.113.7/api'),
            'WEBSOCKET ws://203.0.113.7/socket',
          ]),
        );
        expect(problems.console).toEqual(
          expect.arrayContaining([
            expect.stringContaining('error: boom'),
            expect.stringContaining('warning: careful'),
            expect.stringContaining('warning: Service Worker registration blocked'),
          ]),
        );
        const pageErrors = [expect.stringContaining('uncaught in the page')];
        // Firefox also reports the external fetch the route aborted as an error of the page.
        if (browserName === 'firefox')
          pageErrors.push(expect.stringMatching(/^Cross-Origin Request Blocked: .* http:\/\/203\.0\.113\.7\/api/));
        expect(problems.pageErrors).toHaveLength(pageErrors.length);
        expect(problems.pageErrors).toEqual(expect.arrayContaining(pageErrors));
        expect(problems.failedRequests).toEqual([expect.stringContaining(`${base}/broken`)]);
        expect(() => inspected.expectClean()).toThrow(/external[\s\S]*203\.0\.113\.7/);
      } finally {
        await inspected.close();
      }
    },
    BROWSER_TEST_TIMEOUT_MS,
  );
});
