import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Browser, Page } from 'playwright-core';
import {
  BROWSER_TEST_TIMEOUT_MS,
  BROWSERS,
  closeBrowser,
  launchBrowser,
  openPage,
  saveScreenshot,
  type InspectedPage,
} from '../support/browser.js';
import { seriousViolations } from '../support/axe.js';
import { client, startTestApp, type Client, type TestApp } from '../support/test-app.js';
import { taxCode } from '../support/subjects.js';

/**
 * The console (GET /) in real browsers against the real service and database: a case manager finds
 * an overdue case in the worklist, opens it, records an A.3 session from the generated form and
 * sees the case move; a blocked step shows its reasons; a stale page gets the conflict message; a
 * double submit records once.
 */
const DID = '2026-01-15';
const GUIDANCE = 'Colloquio di orientamento di 1° livello svolto';

/** A person case up to the Patto, its DID in January 2026: the guidance interview (DID + 3 months) is overdue. */
async function overdueCase(api: Client): Promise<{ id: string; subject: string }> {
  const subject = taxCode();
  const opened = await api.post('/cases', { pathway: 'person', subject });
  expect(opened.status).toBe(201);
  const id = opened.body.id as string;
  for (const event of [
    { type: 'INFORMATION_GIVEN', referral: 'A2', at: DID },
    { type: 'INTAKE_SESSION_HELD', mode: 'individual', minutes: 30, at: DID },
    { type: 'REGISTRY_UPDATED', at: DID },
    { type: 'DID_RECEIVED', didDate: DID, deadlineGroup: 'other', at: DID },
    { type: 'DID_CERTIFICATION_REQUESTED', at: DID },
    { type: 'PATTO_SIGNED', at: DID },
  ])
    expect((await api.post(`/cases/${id}/events`, event)).status).toBe(200);
  return { id, subject };
}

describe.each(BROWSERS)('the console in %s', (browserName) => {
  let t: TestApp;
  let api: Client;
  let browser: Browser;
  beforeAll(async () => {
    t = await startTestApp();
    api = client(t.url);
    browser = await launchBrowser(browserName);
  }, BROWSER_TEST_TIMEOUT_MS);
  afterAll(async () => {
    await closeBrowser(browser);
    await t?.close();
  }, BROWSER_TEST_TIMEOUT_MS);

  const history = async (id: string) =>
    (await api.get(`/cases/${id}/history`)).body.events as { type: string; actor: { username: string } }[];

  /** The case page of `id`, opened from the worklist (scope: my cases, overdue only). */
  async function openFromWorklist(opened: InspectedPage, subject: string): Promise<Page> {
    const { page } = opened;
    await page.getByRole('checkbox', { name: 'Solo scaduti' }).check();
    const row = page.locator('table.worklist tr', { hasText: subject });
    await expect(row.getAttribute('class')).resolves.toContain('row-overdue');
    await row.getByRole('link', { name: subject }).click();
    await page.getByRole('heading', { level: 1, name: new RegExp(subject) }).waitFor();
    return page;
  }

  async function fillGuidance(page: Page): Promise<void> {
    await page.getByRole('button', { name: GUIDANCE }).click();
    const form = page.getByRole('form', { name: GUIDANCE });
    await form.getByLabel(/Modalità/).selectOption('individual');
    await form.getByLabel(/Durata/).fill('60');
  }

  it(
    'finds the overdue case in the worklist, records an A.3 session from its form, and shows the case moved',
    async () => {
      const { id, subject } = await overdueCase(api);
      // A laptop's screen: the screenshots of docs/console.md are taken here (Chromium).
      const opened = await openPage(browser, t.url, { path: '/', viewport: { width: 1366, height: 768 } });
      const screenshot = (name: string) => (browserName === 'chromium' ? saveScreenshot(opened.page, name) : Promise.resolve(''));
      try {
        const { page } = opened;
        await expect(page.getByTestId('operator-name').textContent()).resolves.toBe((await api.get('/me')).body.operator.name);
        await page.locator('table.worklist').waitFor();
        expect(await seriousViolations(page)).toEqual([]);
        await page.getByRole('checkbox', { name: 'Solo scaduti' }).check();
        await page.locator('table.worklist tr', { hasText: subject }).waitFor();
        await screenshot('console-worklist.png');
        await openFromWorklist(opened, subject);
        await expect(page.locator('.deadlines').textContent()).resolves.toMatch(/scaduta/);
        // No serious or critical accessibility violation on the case page.
        expect(await seriousViolations(page)).toEqual([]);
        const before = await history(id);
        await fillGuidance(page);
        await screenshot('console-act-form.png');
        await page.getByRole('button', { name: 'Registra' }).click();
        await page.getByRole('status').filter({ hasText: 'Atto registrato.' }).waitFor();
        await page.locator('.timeline li', { hasText: GUIDANCE }).first().waitFor();
        await screenshot('console-case.png');
        const after = await history(id);
        expect(after).toHaveLength(before.length + 1);
        expect(after.at(-1)).toMatchObject({ type: 'GUIDANCE_SESSION_HELD', actor: { username: t.operator.username } });
        // A.3 is in progress now, as the service says.
        expect((await api.get(`/cases/${id}`)).body.services.A3).toBe('active');
        await expect(page.locator('table.services tr', { hasText: 'A.3' }).textContent()).resolves.toMatch(/in corso/);
        opened.expectClean();
      } finally {
        await opened.close();
      }
    },
    BROWSER_TEST_TIMEOUT_MS,
  );

  it(
    'shows the blocked steps with their reasons, the field errors next to the field, and the conflict on a stale page',
    async () => {
      const { id, subject } = await overdueCase(api);
      const opened = await openPage(browser, t.url, { path: '/' });
      // Chromium logs each non-2xx fetch; the refusals below are on purpose.
      opened.allowConsole(/status of 4\d\d/);
      try {
        const page = await openFromWorklist(opened, subject);
        // Blocked steps, with the machine's reasons as the API gives them (in Italian), collapsed until opened.
        const transitions = (await api.get(`/cases/${id}/transitions`, { 'accept-language': 'it' })).body as {
          blocked: { event: string; kind: string; reasons: { message: string }[] }[];
        };
        const refused = transitions.blocked.filter((b) => b.kind === 'guards_failed');
        expect(refused.length).toBeGreaterThan(0);
        await expect(page.locator('details.blocked').getAttribute('open')).resolves.toBeNull();
        await page.locator('details.blocked summary').click();
        const shown = await page.locator('details.blocked').textContent();
        for (const blocked of refused) for (const reason of blocked.reasons) expect(shown).toContain(reason.message);
        // A field the service refuses: its message next to the field, nothing recorded.
        const version = (await api.get(`/cases/${id}`)).body.version as number;
        await fillGuidance(page);
        await page.getByLabel(/Durata/).fill('100000');
        await page.getByRole('button', { name: 'Registra' }).click();
        await page.locator('.field-error').first().waitFor();
        await expect(page.getByLabel(/Durata/).getAttribute('aria-invalid')).resolves.toBe('true');
        expect((await api.get(`/cases/${id}`)).body.version).toBe(version);
        // Someone else records an act: this page is stale, its submit is refused and it offers to reload.
        await page.getByLabel(/Durata/).fill('60');
        expect(
          (await api.post(`/cases/${id}/events`, { type: 'TARGET_PROFILE_RECORDED', targets: [], languageMediation: false, at: DID }))
            .status,
        ).toBeLessThan(300);
        await page.getByRole('button', { name: 'Registra' }).click();
        await page.getByRole('alert').filter({ hasText: 'modificato da qualcun altro' }).waitFor();
        expect((await api.get(`/cases/${id}`)).body.version).toBe(version + 1);
        await page.getByRole('button', { name: 'Ricarica il caso' }).click();
        await page.getByRole('button', { name: GUIDANCE }).waitFor();
        opened.expectClean();
      } finally {
        await opened.close();
      }
    },
    BROWSER_TEST_TIMEOUT_MS,
  );

  it(
    'records once when the form is submitted twice',
    async () => {
      const { id, subject } = await overdueCase(api);
      const opened = await openPage(browser, t.url, { path: '/' });
      try {
        const page = await openFromWorklist(opened, subject);
        const before = (await history(id)).length;
        await fillGuidance(page);
        // Two submits before the page re-renders: the same Idempotency-Key, one event.
        await page.getByRole('form', { name: GUIDANCE }).evaluate((form: { requestSubmit(): void }) => {
          form.requestSubmit();
          form.requestSubmit();
        });
        await page.getByRole('status').filter({ hasText: 'Atto registrato.' }).waitFor();
        // Both were sent.
        expect(opened.requests.filter((r) => r === `POST ${opened.origin}/cases/${id}/events`)).toHaveLength(2);
        const after = await history(id);
        expect(after.filter((e) => e.type === 'GUIDANCE_SESSION_HELD')).toHaveLength(1);
        expect(after).toHaveLength(before + 1);
        opened.expectClean();
      } finally {
        await opened.close();
      }
    },
    BROWSER_TEST_TIMEOUT_MS,
  );

  it(
    'opens a new case (the subject checked by the service), finds it by its tax code, and links the open case to a second opening',
    async () => {
      const opened = await openPage(browser, t.url, { path: '/' });
      opened.allowConsole(/status of 4\d\d/);
      try {
        const { page } = opened;
        await page.locator('table.worklist, main p').first().waitFor();
        await page.getByRole('button', { name: 'Nuovo caso' }).click();
        const form = page.getByRole('form', { name: 'Nuovo caso' });
        // A tax code with a wrong check character: the service's message next to the field, nothing opened.
        const cases = (await t.counts()).cases;
        await form.getByLabel(/Codice fiscale/).fill('RSSMRA80A01H501A');
        await form.getByRole('button', { name: 'Apri il caso' }).click();
        await form.locator('.field-error').waitFor();
        await expect(form.getByLabel(/Codice fiscale/).getAttribute('aria-invalid')).resolves.toBe('true');
        expect((await t.counts()).cases).toBe(cases);
        // A valid one, in lower case with spaces: opened (normalised), and the case page shows.
        const subject = taxCode();
        await form.getByLabel(/Codice fiscale/).fill(` ${subject.toLowerCase().slice(0, 6)} ${subject.toLowerCase().slice(6)}`);
        await form.getByRole('button', { name: 'Apri il caso' }).click();
        await page.getByRole('heading', { level: 1, name: new RegExp(subject) }).waitFor();
        const id = /#\/cases\/([0-9a-f-]{36})$/.exec(page.url())![1];
        expect((await api.get(`/cases/${id}`)).body).toMatchObject({ subject, pathway: 'person' });
        // Found by its tax code, whatever the letter case.
        await page.getByRole('link', { name: 'Torna all’elenco' }).click();
        await page.getByLabel('Cerca per codice fiscale o partita IVA').fill(subject.toLowerCase());
        await page.getByRole('button', { name: 'Cerca', exact: true }).click();
        await page.locator('table.search-results').getByRole('link', { name: subject }).waitFor();
        // A second opening for the same subject: refused, with the link to the open case.
        await page.getByRole('button', { name: 'Nuovo caso' }).click();
        await page
          .getByRole('form', { name: 'Nuovo caso' })
          .getByLabel(/Codice fiscale/)
          .fill(subject);
        await page.getByRole('form', { name: 'Nuovo caso' }).getByRole('button', { name: 'Apri il caso' }).click();
        const link = page.getByRole('alert').getByRole('link', { name: 'Vai al caso aperto' });
        await expect(link.getAttribute('href')).resolves.toBe(`#/cases/${id}`);
        expect((await api.get(`/cases?subject=${subject}`)).body.items).toHaveLength(1);
        opened.expectClean();
      } finally {
        await opened.close();
      }
    },
    BROWSER_TEST_TIMEOUT_MS,
  );

  it(
    'works from the keyboard alone: skip link, worklist, case, act, form',
    async () => {
      const { subject } = await overdueCase(api);
      const opened = await openPage(browser, t.url, { path: '/' });
      try {
        const { page } = opened;
        await page.locator('table.worklist').waitFor();
        /** Presses Tab until the focused element's text (or label) matches, at most 80 times. */
        const tabTo = async (text: string) => {
          for (let i = 0; i < 80; i++) {
            await page.keyboard.press('Tab');
            const focused = await page.evaluate(() => {
              const active = (globalThis as unknown as { document: { activeElement: { textContent: string | null } | null } }).document
                .activeElement;
              return active?.textContent ?? '';
            });
            if (focused.includes(text)) return;
          }
          throw new Error(`Tab never reached "${text}"`);
        };
        await tabTo('Vai al contenuto');
        await tabTo(subject);
        await page.keyboard.press('Enter');
        await page.getByRole('heading', { level: 1, name: new RegExp(subject) }).waitFor();
        await tabTo(GUIDANCE);
        await page.keyboard.press('Enter');
        await page.getByRole('form', { name: GUIDANCE }).waitFor();
        opened.expectClean();
      } finally {
        await opened.close();
      }
    },
    BROWSER_TEST_TIMEOUT_MS,
  );

  it(
    'the accessibility check can fail: a button without a name added to the page is a serious violation',
    async () => {
      const opened = await openPage(browser, t.url, { path: '/' });
      try {
        const { page } = opened;
        await page.locator('table.worklist, main p').first().waitFor();
        await page.evaluate(() => {
          const doc = (
            globalThis as unknown as {
              document: { createElement(tag: string): { innerHTML: string }; body: { append(node: unknown): void } };
            }
          ).document;
          const button = doc.createElement('button');
          button.innerHTML = '<svg width="10" height="10"></svg>';
          doc.body.append(button);
        });
        expect((await seriousViolations(page)).map((v) => v.id)).toContain('button-name');
      } finally {
        await opened.close();
      }
    },
    BROWSER_TEST_TIMEOUT_MS,
  );

  it(
    'sends a browser without a session to the sign-in page and back',
    async () => {
      const opened = await openPage(browser, t.url, { signedIn: false, path: '/' });
      try {
        expect(new URL(opened.page.url()).pathname).toBe('/auth/login');
        expect(new URL(opened.page.url()).searchParams.get('next')).toBe('/');
      } finally {
        await opened.close();
      }
    },
    BROWSER_TEST_TIMEOUT_MS,
  );
});
