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
import { client, startTestApp, type Client, type TestApp, type TestOperator } from '../support/test-app.js';
import { taxCode } from '../support/subjects.js';
import { aPerson, anEmployer, AT, VACANCY } from '../matches/match-cases.js';

/**
 * The console's supervisor and matching features, in real browsers against the real service and
 * database (issue 12): a supervisor assigns and transfers a case, a case manager sees no such
 * controls; the matching act is recorded on both cases from the person's page, and a refusal shows
 * each side's reasons; the worklist's filters narrow it, and a slower answer to an older filter
 * never replaces a newer one.
 */
const PASSWORD = 'console-acts-password-1';
const SENT_TO_INTERVIEW = 'Inviato a colloquio di selezione';
/** The screenshots of docs/console.md: a laptop's screen, Chromium only. */
const LAPTOP = { width: 1366, height: 768 };

describe.each(BROWSERS)('the console, supervision and matching, in %s', (browserName) => {
  let t: TestApp;
  let api: Client;
  let browser: Browser;
  /** A supervisor of the test office and of a second office of the same agency. */
  let supervisor: { id: string; username: string; password: string };
  let secondOffice: { id: string; name: string };
  let colleague: TestOperator & { password: string };
  /** The supervisor's API client: a transferred case stays in their reach. */
  let asSupervisor: Client;

  beforeAll(async () => {
    t = await startTestApp();
    api = client(t.url);
    browser = await launchBrowser(browserName);
    const admin = client(t.url, t.admin, { anonymous: true });
    const office = await admin.post('/admin/offices', { name: 'Sede di Moncalieri', agencyId: t.operator.agencyId });
    expect(office.status).toBe(201);
    secondOffice = { id: office.body.id, name: 'Sede di Moncalieri' };
    const username = `supervisor.${process.pid}.${browserName}`;
    const made = await admin.post('/admin/operators', {
      username,
      name: 'Sara Supervisora',
      password: PASSWORD,
      roles: ['supervisor', 'case_manager'],
      officeIds: [t.operator.officeId, secondOffice.id],
    });
    expect(made.status).toBe(201);
    supervisor = { id: made.body.id, username, password: PASSWORD };
    const token = await admin.post(`/admin/operators/${supervisor.id}/tokens`, { name: 'tests' });
    expect(token.status).toBe(201);
    asSupervisor = client(t.url, { authorization: `Bearer ${token.body.token}` });
    const manager = await t.newOperator({
      officeId: t.operator.officeId,
      roles: ['case_manager'],
      name: 'Laura Bianchi',
      password: PASSWORD,
    });
    colleague = { ...manager, password: PASSWORD };
  }, BROWSER_TEST_TIMEOUT_MS);
  afterAll(async () => {
    await closeBrowser(browser);
    await t?.close();
  }, BROWSER_TEST_TIMEOUT_MS);

  const openCase = async () => {
    const subject = taxCode();
    const opened = await api.post('/cases', { pathway: 'person', subject });
    expect(opened.status).toBe(201);
    return { id: opened.body.id as string, subject };
  };

  const screenshot = (page: Page, name: string) => (browserName === 'chromium' ? saveScreenshot(page, name) : Promise.resolve(''));

  async function casePage(opened: InspectedPage, id: string, subject: string): Promise<Page> {
    await opened.page.goto(`${opened.origin}/#/cases/${id}`);
    await opened.page.getByRole('heading', { level: 1, name: new RegExp(subject) }).waitFor();
    return opened.page;
  }

  it(
    'a supervisor assigns a case to an operator of its office and transfers it to another of their offices',
    async () => {
      const { id, subject } = await openCase();
      const opened = await openPage(browser, t.url, { signInAs: supervisor, viewport: LAPTOP });
      // The refusal below is on purpose (Chromium logs each non-2xx fetch).
      opened.allowConsole(/status of 4\d\d/);
      try {
        const page = await casePage(opened, id, subject);
        await page.getByRole('heading', { name: 'Assegnazione e sede' }).waitFor();
        // Assign: the office's operators to choose from, by name.
        await page.getByRole('button', { name: 'Assegna', exact: true }).click();
        const assign = page.getByRole('form', { name: 'Assegna' });
        await assign.getByLabel('Operatore della sede').selectOption(colleague.id);
        expect(await seriousViolations(page)).toEqual([]);
        await screenshot(page, 'console-assign.png');
        await assign.getByRole('button', { name: 'Assegna' }).click();
        await page.getByRole('status').filter({ hasText: 'Caso assegnato.' }).waitFor();
        await page
          .getByTestId('case-assignee')
          .filter({ hasText: /^Laura Bianchi$/ })
          .waitFor();
        expect((await api.get(`/cases/${id}`)).body).toMatchObject({ assignee: colleague.id, version: 2 });
        await page.locator('.timeline li', { hasText: 'Caso assegnato' }).waitFor();
        // Transfer: a reason is required; the service's refusal shows next to the field, nothing changes.
        await page.getByRole('button', { name: 'Trasferisci' }).click();
        const transfer = page.getByRole('form', { name: 'Trasferisci' });
        await transfer.getByLabel('Alla sede').selectOption(secondOffice.id);
        await transfer.getByRole('button', { name: 'Trasferisci' }).click();
        await transfer.locator('.field-error').waitFor();
        await expect(transfer.getByLabel(/Motivo/).getAttribute('aria-invalid')).resolves.toBe('true');
        await page.getByRole('alert').filter({ hasText: 'Correggi i campi indicati' }).waitFor();
        expect(await seriousViolations(page)).toEqual([]);
        expect((await api.get(`/cases/${id}`)).body.version).toBe(2);
        await transfer.getByLabel(/Motivo/).fill('Cambio di residenza');
        await transfer.getByRole('button', { name: 'Trasferisci' }).click();
        await page.getByRole('status').filter({ hasText: 'Caso trasferito.' }).waitFor();
        await page.getByTestId('case-office').filter({ hasText: secondOffice.name }).waitFor();
        await page
          .getByTestId('case-assignee')
          .filter({ hasText: /^nessuno$/ })
          .waitFor();
        expect((await api.get(`/cases/${id}`)).status).toBe(404);
        const after = (await asSupervisor.get(`/cases/${id}/history`)).body.events.at(-1);
        expect(after).toMatchObject({
          type: 'CASE_TRANSFERRED',
          payload: { fromOfficeId: t.operator.officeId, toOfficeId: secondOffice.id, reason: 'Cambio di residenza' },
          actor: { id: supervisor.id },
        });
        opened.expectClean();
      } finally {
        await opened.close();
      }
    },
    BROWSER_TEST_TIMEOUT_MS,
  );

  it(
    'a stale supervisor page changes nothing and offers to reload',
    async () => {
      const { id, subject } = await openCase();
      const opened = await openPage(browser, t.url, { signInAs: supervisor });
      opened.allowConsole(/status of 4\d\d/);
      try {
        const page = await casePage(opened, id, subject);
        await page.getByRole('button', { name: 'Assegna', exact: true }).click();
        // Someone else assigns the case meanwhile.
        expect((await api.post(`/cases/${id}/assignment`, { assigneeId: null })).status).toBe(200);
        const assign = page.getByRole('form', { name: 'Assegna' });
        await assign.getByLabel('Operatore della sede').selectOption(colleague.id);
        await assign.getByRole('button', { name: 'Assegna' }).click();
        await page.getByRole('alert').filter({ hasText: 'modificato da qualcun altro' }).waitFor();
        expect((await api.get(`/cases/${id}`)).body).toMatchObject({ assignee: null, version: 2 });
        await page.getByRole('button', { name: 'Ricarica il caso' }).click();
        await page
          .getByTestId('case-assignee')
          .filter({ hasText: /^nessuno$/ })
          .waitFor();
        opened.expectClean();
      } finally {
        await opened.close();
      }
    },
    BROWSER_TEST_TIMEOUT_MS,
  );

  it(
    'a case manager sees no assignment or transfer controls',
    async () => {
      const { id, subject } = await openCase();
      const opened = await openPage(browser, t.url, { signInAs: { username: colleague.username, password: colleague.password } });
      try {
        const page = await casePage(opened, id, subject);
        await page.getByRole('heading', { name: 'Cosa si può fare ora' }).waitFor();
        await expect(page.getByRole('heading', { name: 'Assegnazione e sede' }).count()).resolves.toBe(0);
        await expect(page.getByRole('button', { name: 'Assegna', exact: true }).count()).resolves.toBe(0);
        await expect(page.getByRole('button', { name: 'Trasferisci' }).count()).resolves.toBe(0);
        // Nor does the page ask for the office's operators (a supervisor's route).
        expect(opened.requests.filter((r) => r.includes('/assignees'))).toEqual([]);
        opened.expectClean();
      } finally {
        await opened.close();
      }
    },
    BROWSER_TEST_TIMEOUT_MS,
  );

  /** The matching form on a person's page, its employer case found by partita IVA. */
  async function matchForm(page: Page, employerSubject: string) {
    await page.getByRole('button', { name: SENT_TO_INTERVIEW }).click();
    await page.getByLabel('Partita IVA o codice fiscale dell’impresa').fill(employerSubject);
    await page.getByRole('search', { name: 'Cerca l’impresa' }).getByRole('button', { name: 'Cerca', exact: true }).click();
    const form = page.getByRole('form', { name: 'Abbinamento alla vacancy' });
    await form.getByRole('radio', { name: employerSubject }).check();
    await form.getByLabel(/^Vacancy/).waitFor();
    await form.getByLabel(/Data dell’atto/).fill(AT);
    return form;
  }

  it(
    'records the matching act on both cases from the person’s page: the employer case and its vacancy chosen',
    async () => {
      const personId = await aPerson(api);
      const employerId = await anEmployer(api);
      const person = (await api.get(`/cases/${personId}`)).body;
      const employer = (await api.get(`/cases/${employerId}`)).body;
      const opened = await openPage(browser, t.url, { viewport: LAPTOP });
      try {
        const page = await casePage(opened, personId, person.subject);
        const form = await matchForm(page, employer.subject);
        await expect(form.getByLabel(/^Vacancy/).inputValue()).resolves.toBe(VACANCY);
        expect(await seriousViolations(page)).toEqual([]);
        await screenshot(page, 'console-matching.png');
        await form.getByRole('button', { name: 'Registra' }).click();
        await page.getByRole('status').filter({ hasText: 'Abbinamento registrato sui due casi.' }).waitFor();
        // Both cases hold the act, each naming the other.
        const matches = (await api.get(`/matches?personCaseId=${personId}`)).body.items;
        expect(matches).toMatchObject([{ personCaseId: personId, employerCaseId: employerId, vacancyId: VACANCY, outcome: null }]);
        const last = async (id: string) => (await api.get(`/cases/${id}/history`)).body.events.at(-1);
        await expect(last(personId)).resolves.toMatchObject({ type: 'SENT_TO_INTERVIEW', payload: { employerCaseId: employerId } });
        await expect(last(employerId)).resolves.toMatchObject({ type: 'CANDIDATE_PUT_FORWARD', payload: { personCaseId: personId } });
        // The person's page shows it, and so does the employer's.
        await page.locator('.matches li', { hasText: VACANCY }).waitFor();
        await page.locator('.timeline li', { hasText: SENT_TO_INTERVIEW }).first().waitFor();
        await page.locator('.matches li', { hasText: VACANCY }).getByRole('link').click();
        await page.getByRole('heading', { level: 1, name: new RegExp(employer.subject) }).waitFor();
        await page.locator('.matches li', { hasText: VACANCY }).waitFor();
        await page.locator('.timeline li', { hasText: 'Candidato segnalato per una vacancy' }).first().waitFor();
        // Its outcome, from the employer's page: not selected, with the company's feedback.
        await page.getByRole('button', { name: 'Registra l’esito' }).click();
        const outcome = page.getByRole('form', { name: 'Esito' });
        await outcome.getByLabel(/^Esito/).selectOption('not_selected');
        await outcome.getByLabel(/Riscontro/).fill('Profilo non adatto');
        await outcome.getByLabel(/Data dell’atto/).fill(AT);
        expect(await seriousViolations(page)).toEqual([]);
        await outcome.getByRole('button', { name: 'Registra' }).click();
        await page.getByRole('status').filter({ hasText: 'Esito registrato.' }).waitFor();
        await page.locator('.matches li', { hasText: 'non selezionato' }).waitFor();
        expect((await api.get(`/matches?employerCaseId=${employerId}`)).body.items).toMatchObject([{ outcome: 'not_selected' }]);
        await expect(last(employerId)).resolves.toMatchObject({
          type: 'EMPLOYER_FEEDBACK_RECORDED',
          payload: { feedback: 'Profilo non adatto' },
        });
        opened.expectClean();
      } finally {
        await opened.close();
      }
    },
    BROWSER_TEST_TIMEOUT_MS,
  );

  it(
    'shows each side’s reasons when the matching act is refused, and records nothing',
    async () => {
      const personId = await aPerson(api);
      // Vacancy V-1 recorded (B.2), but no Patto and no action plan: B.4 cannot take a candidate.
      const employerId = await anEmployer(api, { upTo: 6 });
      const person = (await api.get(`/cases/${personId}`)).body;
      const employer = (await api.get(`/cases/${employerId}`)).body;
      const opened = await openPage(browser, t.url);
      opened.allowConsole(/status of 4\d\d/);
      try {
        const page = await casePage(opened, personId, person.subject);
        const form = await matchForm(page, employer.subject);
        // Meanwhile the person withdraws: the person's side refuses too.
        expect((await api.post(`/cases/${personId}/events`, { type: 'WITHDRAWN', reason: 'Trasferito all’estero', at: AT })).status).toBe(
          200,
        );
        const versions = [(await api.get(`/cases/${personId}`)).body.version, (await api.get(`/cases/${employerId}`)).body.version];
        await form.getByRole('button', { name: 'Registra' }).click();
        const alert = page.getByRole('alert').filter({ hasText: 'Atto non registrato' });
        await alert.waitFor();
        // The same refusal as the API gives it, side by side.
        const refused = await api.post(
          '/matches',
          { personCaseId: personId, employerCaseId: employerId, vacancyId: VACANCY, at: AT },
          { 'accept-language': 'it' },
        );
        expect([refused.status, refused.body.code]).toEqual([409, 'TRANSITION_NOT_ALLOWED']);
        const shown = await alert.textContent();
        expect(shown).toContain('Caso della persona');
        expect(shown).toContain('Caso dell’impresa');
        for (const side of ['person', 'employer']) {
          expect(refused.body.sides[side].reasons.length).toBeGreaterThan(0);
          for (const reason of refused.body.sides[side].reasons) expect(shown).toContain(reason.message);
        }
        expect(await seriousViolations(page)).toEqual([]);
        expect([(await api.get(`/cases/${personId}`)).body.version, (await api.get(`/cases/${employerId}`)).body.version]).toEqual(
          versions,
        );
        expect((await api.get(`/matches?personCaseId=${personId}`)).body.items).toEqual([]);
        opened.expectClean();
      } finally {
        await opened.close();
      }
    },
    BROWSER_TEST_TIMEOUT_MS,
  );

  it(
    'narrows the worklist by service and by the case’s status, and never shows an older filter’s late answer',
    async () => {
      // Mine (the default operator's): a case whose intake (A.2) is in progress, one just opened, one closed.
      const intake = await aPerson(api, { upTo: 2 });
      const fresh = await openCase();
      const closed = await openCase();
      expect((await api.post(`/cases/${closed.id}/events`, { type: 'WITHDRAWN', reason: 'Trasferito all’estero' })).status).toBe(200);
      const intakeCase = (await api.get(`/cases/${intake}`)).body;
      expect(intakeCase.services.A2).toBe('active');
      expect((await api.get(`/cases/${fresh.id}`)).body.services.A2).not.toBe('active');
      const opened = await openPage(browser, t.url, { path: '/' });
      try {
        const { page } = opened;
        const rows = page.locator('table.worklist tbody tr');
        const row = (subject: string) => page.locator('table.worklist tbody tr', { hasText: subject });
        await row(fresh.subject).waitFor();
        await row(intakeCase.subject).waitFor();
        await expect(row(closed.subject).count()).resolves.toBe(0);
        // Service A.2: only the cases where it is in progress.
        await page.getByLabel('Servizio').selectOption('A2');
        await row(fresh.subject).waitFor({ state: 'detached' });
        await row(intakeCase.subject).waitFor();
        for (const text of await rows.allTextContents()) expect(text).toMatch(/A2/);
        expect(await seriousViolations(page)).toEqual([]);
        // Closed cases: with A.2 completed (not the one closed before its intake), then all of them.
        await page.getByLabel('Stato del caso').selectOption('done');
        await page.locator('table.worklist[data-status="done"], p:text("Nessun caso da mostrare.")').first().waitFor();
        await expect(row(closed.subject).count()).resolves.toBe(0);
        await page.getByLabel('Servizio').selectOption('');
        await row(closed.subject).waitFor();
        await expect(row(fresh.subject).count()).resolves.toBe(0);
        await expect(page.getByRole('checkbox', { name: 'Solo scaduti' }).isDisabled()).resolves.toBe(true);
        await page.getByLabel('Stato del caso').selectOption('active');
        await row(fresh.subject).waitFor();

        // The race: the answer for service A.2 is held back until the answer for all services has been shown.
        let release = () => {};
        const held = new Promise<void>((resolve) => (release = resolve));
        await page.route(/\/worklist\?.*service=A2/, async (route) => {
          await held;
          await route.continue();
        });
        const late = page.waitForResponse(/\/worklist\?.*service=A2/);
        await page.getByLabel('Servizio').selectOption('A2');
        const newer = page.waitForResponse((r) => r.url().includes('/worklist?') && !r.url().includes('service='));
        await page.getByLabel('Servizio').selectOption('');
        await (await newer).finished();
        await row(fresh.subject).waitFor();
        release();
        await (await late).finished();
        // Let the page run what the late answer would trigger, then read it again.
        await page.evaluate(() => {
          const window = globalThis as unknown as { requestAnimationFrame(callback: () => void): void };
          return new Promise<void>((resolve) => window.requestAnimationFrame(() => window.requestAnimationFrame(resolve)));
        });
        await expect(row(fresh.subject).count()).resolves.toBe(1);
        await expect(page.getByLabel('Servizio').inputValue()).resolves.toBe('');
        await page.unroute(/\/worklist\?.*service=A2/);
        opened.expectClean();
      } finally {
        await opened.close();
      }
    },
    BROWSER_TEST_TIMEOUT_MS,
  );
});
