/**
 * The console's time to interactive with 10,000 cases in the office (issue 12), in Chromium.
 *   npm run bench:console                                                    (embedded database)
 *   DATABASE_URL=postgres://postgres@127.0.0.1:5432/test npm run bench:console  (PostgreSQL)
 *
 * 1. Starts the service as a child process on a fresh embedded data folder or, with DATABASE_URL, in
 *    a fresh schema bench_<random> (both removed at the end), with the benchmark's operator.
 * 2. Seeds BENCH_CASES (10,000) cases in SQL in the operator's office (test/support/worklist-seed.ts:
 *    10% closed, 2% practice, 60% assigned to the operator, deadlines over 400 days), then opens one
 *    real case through the API and records its intake (the case page needs a case the machine runs).
 *    The embedded database is one process's: the service is stopped for the load.
 * 3. In Debian's Chromium (playwright-core; PERCORSI_CHROMIUM names another), signed in with a session cookie, BENCH_RUNS (5) times
 *    after one warm-up: a fresh page navigates to `/` until the worklist's first page is shown
 *    (`table.worklist` with its rows: scope "mine", 50 rows), then a fresh page navigates to the
 *    case (`/#/cases/<id>`) until its acts are shown as buttons (the page has read the case, its
 *    transitions, history and pathway). Each time is from the navigation's start, in ms.
 * Prints the figures as JSON on stdout, progress on stderr. Nothing is asserted.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import { chromium } from 'playwright-core';
import { calendarDateIn } from '../machines/case.js';
import { STANDARDS_TIME_ZONE } from '../machines/index.js';
import { taxCode } from '../test/support/subjects.js';
import { seedCases, type Query } from '../test/support/worklist-seed.js';
import { integer } from './support/bench-env.js';
import { distribution, machineFacts, round } from './support/measure.js';
import { BENCH_OPERATOR_PASSWORD, originOf, signIn, startService, type ServiceUnderTest } from './support/service-under-test.js';

const CASES = integer('BENCH_CASES', 10_000);
const RUNS = integer('BENCH_RUNS', 5);
const databaseUrl = process.env.DATABASE_URL?.trim() || null;
const SCHEMA = `bench_${randomBytes(5).toString('hex')}`;

const log = (message: string) => process.stderr.write(`[bench:console] ${message}\n`);

/** A real person case, opened and taken in through the API: the case page's subject. */
async function realCase(service: ServiceUnderTest): Promise<string> {
  const post = async (url: string, body: unknown) => {
    const response = await fetch(`${originOf(service)}${url}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...service.headers },
      body: JSON.stringify(body),
    });
    if (response.status >= 300) throw new Error(`POST ${url}: ${response.status} ${await response.text()}`);
    return (await response.json()) as { id: string };
  };
  const { id } = await post('/cases', { pathway: 'person', subject: taxCode() });
  const day = '2026-01-15';
  for (const event of [
    { type: 'INFORMATION_GIVEN', referral: 'A2', at: day },
    { type: 'INTAKE_SESSION_HELD', mode: 'individual', minutes: 30, at: day },
    { type: 'REGISTRY_UPDATED', at: day },
    { type: 'DID_RECEIVED', didDate: day, deadlineGroup: 'other', at: day },
  ])
    await post(`/cases/${id}/events`, event);
  return id;
}

async function main(): Promise<void> {
  const loadBefore = os.loadavg()[0];
  const dataDir = databaseUrl ? null : await mkdtemp(path.join(os.tmpdir(), 'percorsi-bench-console-'));
  const env = {
    ...(databaseUrl ? { DATABASE_URL: databaseUrl, PERCORSI_DB_SCHEMA: SCHEMA } : { PERCORSI_DATA_DIR: dataDir! }),
    PERCORSI_LOG_LEVEL: 'warn',
    PERCORSI_SECRET_KEY: randomBytes(32).toString('hex'),
  };
  const admin = databaseUrl ? new pg.Client({ connectionString: databaseUrl, application_name: 'percorsi-bench' }) : null;
  await admin?.connect();
  let service: ServiceUnderTest | null = null;
  // Debian's Chromium, as the browser tests drive it (test/support/browser.ts, which needs Jest).
  const browser = await chromium.launch({
    executablePath: process.env.PERCORSI_CHROMIUM ?? '/usr/bin/chromium',
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--no-first-run'],
  });
  try {
    log(`starting the service (${databaseUrl ? `PostgreSQL, schema ${SCHEMA}` : `embedded database in ${dataDir}`})`);
    service = await startService({ mode: 'child', env });
    const operator = service.operator!;
    const today = calendarDateIn(STANDARDS_TIME_ZONE, Date.now());
    const seed = (query: Query) => seedCases(query, { count: CASES, offices: [operator.officeId], operators: [operator.id], today });
    if (admin) {
      await admin.query(`SET search_path TO "${SCHEMA}"`);
      await seed(async (sql, params) => (await admin.query(sql, params)).rows);
    } else {
      await service.close();
      service = null;
      const db = await PGlite.create(dataDir!);
      try {
        await seed(async (sql, params) => (await db.query(sql, params)).rows);
      } finally {
        await db.close();
      }
      service = await startService({ mode: 'child', env, operator });
    }
    log(`seeded ${CASES} cases in the office`);
    const caseId = await realCase(service);
    const origin = originOf(service);
    const cookie = (await signIn(service, operator.username, BENCH_OPERATOR_PASSWORD)).slice('percorsi_session='.length);
    const context = await browser.newContext({ viewport: { width: 1366, height: 768 }, locale: 'it-IT', timezoneId: 'Europe/Rome' });
    await context.addCookies([{ name: 'percorsi_session', value: cookie, url: origin, httpOnly: true, sameSite: 'Lax' }]);
    /** Milliseconds from a fresh page's navigation to `url` until `ready` is shown. */
    const timeTo = async (url: string, ready: string) => {
      const page = await context.newPage();
      const started = performance.now();
      await page.goto(url);
      await page.locator(ready).first().waitFor({ timeout: 60_000 });
      const ms = performance.now() - started;
      await page.close();
      return ms;
    };
    const worklist: number[] = [];
    const casePage: number[] = [];
    for (let run = 0; run <= RUNS; run++) {
      const w = await timeTo(`${origin}/`, 'table.worklist tbody tr:nth-child(50)');
      const c = await timeTo(`${origin}/#/cases/${caseId}`, 'ul.acts button');
      log(`run ${run}${run === 0 ? ' (warm-up)' : ''}: worklist ${round(w)} ms, case page ${round(c)} ms`);
      if (run > 0) {
        worklist.push(w);
        casePage.push(c);
      }
    }
    await context.close();
    const version = admin ? ((await admin.query(`SELECT current_setting('server_version') AS v`)).rows[0] as { v: string }).v : null;
    console.log(
      JSON.stringify(
        {
          benchmark: 'console',
          database: databaseUrl ? `PostgreSQL ${version}` : 'embedded (PGlite)',
          casesInTheOffice: CASES,
          runs: RUNS,
          worklistMs: { ...distribution(worklist), samples: worklist.map((v) => round(v)) },
          casePageMs: { ...distribution(casePage), samples: casePage.map((v) => round(v)) },
          browser: `Chromium ${browser.version()}`,
          machine: machineFacts(loadBefore),
        },
        null,
        2,
      ),
    );
  } finally {
    await browser.close().catch(() => undefined);
    await service?.close().catch(() => undefined);
    if (admin) {
      await admin.query(`DROP SCHEMA IF EXISTS "${SCHEMA}" CASCADE`).catch(() => undefined);
      await admin.end().catch(() => undefined);
    }
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error('benchmark failed:', error instanceof Error ? (error.stack ?? error.message) : error);
  process.exitCode = 1;
});
