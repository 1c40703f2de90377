import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { client, startTestApp, type Client, type TestApp } from '../support/test-app.js';

/** The inspector's page and files are the service's own: same origin, strict CSP, plain 404s. */
describe('inspector assets', () => {
  let t: TestApp;
  let api: Client;

  beforeAll(async () => {
    t = await startTestApp();
    api = client(t.url);
  });
  afterAll(async () => {
    await t?.close();
  });

  it('serves the page with a policy that allows nothing but the service itself', async () => {
    const page = await api.get('/inspector');
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    const csp = page.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("connect-src 'self'");
    expect(csp).not.toMatch(/https?:|\*/);
    const html = page.body as string;
    // Every script, style and icon the page names is under /inspector/assets/.
    const urls = [...html.matchAll(/(?:src|href)="([^"#]+)"/g)].map((m) => m[1]);
    expect(urls.length).toBeGreaterThanOrEqual(4);
    for (const url of urls) expect(url).toMatch(/^\/inspector\/assets\/[\w.-]+$/);
    for (const url of urls) expect((await api.get(url)).status).toBe(200);
    // The one inline script is the import map (Preact, htm and the blocks shared with the console,
    // all from /ui/), allowed by its hash and by nothing wider.
    const importMap = /<script type="importmap">([\s\S]*?)<\/script>/.exec(html)?.[1] ?? '';
    expect(csp).toContain(`'sha256-${createHash('sha256').update(importMap).digest('base64')}'`);
    expect(csp).not.toContain('unsafe-inline');
    const mapped = Object.values((JSON.parse(importMap) as { imports: Record<string, string> }).imports);
    expect(mapped).toEqual(expect.arrayContaining(['/ui/vendor/preact.mjs', '/ui/common/']));
    for (const url of mapped) expect(url).toMatch(/^\/ui\/(vendor|common)\//);
    for (const file of [
      '/ui/vendor/preact.mjs',
      '/ui/vendor/preact-hooks.mjs',
      '/ui/vendor/htm-preact.mjs',
      '/ui/common/api.js',
      '/ui/common/event-form.js',
      '/ui/common/i18n.js',
      '/ui/common/reasons.js',
    ]) {
      const response = await api.get(file);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    }
  });

  it('serves the layout engine and the scripts as JavaScript', async () => {
    for (const file of ['elk.bundled.js', 'inspector.js', 'diagram.js', 'words.js']) {
      const response = await api.get(`/inspector/assets/${file}`);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
      expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    }
    expect((await api.get('/inspector/assets/inspector.css')).headers.get('content-type')).toBe('text/css; charset=utf-8');
  });

  it('answers an unknown file with a 404 problem, not a file from elsewhere', async () => {
    for (const path of [
      '/inspector/assets/nope.js',
      '/inspector/assets/..%2F..%2Fpackage.json',
      '/inspector/assets/index.html',
      '/inspector/assets/.env',
      '/inspector/assets/api.js',
    ]) {
      const response = await api.get(path);
      expect(response.status).toBe(404);
      expect(response.headers.get('content-type')).toContain('application/problem+json');
      expect(response.body.code).toBe('ROUTE_NOT_FOUND');
    }
  });
});
