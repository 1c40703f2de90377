/**
 * The worklist's latency at 100,000 cases over 20 offices (issue 11: p99 <= 50 ms for one office).
 * Prints one JSON object on stdout and a table on stderr.
 *   npm run bench:worklist                                                    (embedded database)
 *   DATABASE_URL=postgres://postgres@127.0.0.1:5432/test npm run bench:worklist  (PostgreSQL)
 *
 * 1. Starts the service as a child process (`node --import tsx src/main.ts`, log level warn) on a fresh
 *    embedded data folder (removed at the end) or, with DATABASE_URL, in a fresh schema bench_<random>
 *    (dropped at the end), and provisions the benchmark's operator (bench/support/service-under-test.ts).
 * 2. Seeds BENCH_CASES (100,000) cases in SQL (test/support/worklist-seed.ts): 20 offices (the
 *    operator's and 19 more), 50 operators (the benchmark's one of them), 10% closed, 2% practice, 60%
 *    assigned, 20% with no pending deadline, the others due from 100 days ago to 299 days ahead, with
 *    their case_deadlines rows and next_due_by, then ANALYZE. The embedded database is one process's:
 *    the service is stopped for the load and started again on the same folder.
 * 3. The query alone, on the seeding connection (before the service starts again on the embedded
 *    database): BENCH_SQL_RUNS (200) runs of each scenario's query (worklistQuery, as the service sends
 *    it), one at a time: p50/p95/p99 of what the database spends, without HTTP, authentication or queueing.
 * 4. BENCH_CLIENTS (4) clients in a closed loop over HTTP keep-alive, per scenario, in the operator's
 *    office (about 4,400 listed cases), 50 a page: the first page (scope=office), overdue=true, a deep
 *    page (after BENCH_DEEP_PAGES (40) pages, among the cases with a due day), the last page (cases
 *    with no pending deadline), and scope=mine; each BENCH_WARMUP_SECONDS (1) not counted, then
 *    BENCH_SECONDS (10) measured. Per scenario: requests/s and latency p50/p95/p99. This saturates the
 *    service: its latencies are mostly the clients' requests queued behind each other.
 * 5. Then, per scenario, an open loop at BENCH_RATE (50) requests a second for BENCH_SECONDS: each
 *    request sent on schedule whatever the others are doing, latency from its scheduled time. 50 a
 *    second for one office is far above an office's use (a case manager opens a worklist page every
 *    few minutes): the latency a case manager sees, with room to spare. Latency p50/p95/p99.
 * BENCH_CPU_PROF_DIR=<dir>: the service writes a V8 CPU profile there when it stops (read it with
 * `npx tsx bench/profile-summary.ts <file>`).
 * Nothing is asserted: the exit code is 0 whatever the figures.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import { calendarDateIn } from '../machines/case.js';
import { STANDARDS_TIME_ZONE } from '../machines/index.js';
import { encodeWorklistCursor } from '../src/worklist/worklist-requests.js';
import { worklistQuery, type WorklistCursor, type WorklistFilter } from '../src/worklist/worklist.repository.js';
import { seedCases, seedRegistry, type Query } from '../test/support/worklist-seed.js';
import { integer } from './support/bench-env.js';
import { distribution, machineFacts, request, round, sleep } from './support/measure.js';
import { startService, type BenchOperator, type ServiceUnderTest } from './support/service-under-test.js';

const CASES = integer('BENCH_CASES', 100_000);
const SECONDS = integer('BENCH_SECONDS', 10);
const WARMUP_SECONDS = integer('BENCH_WARMUP_SECONDS', 1, 0);
const CLIENTS = integer('BENCH_CLIENTS', 4);
const RATE = integer('BENCH_RATE', 50);
const DEEP_PAGES = integer('BENCH_DEEP_PAGES', 40);
const SQL_RUNS = integer('BENCH_SQL_RUNS', 200);
const databaseUrl = process.env.DATABASE_URL?.trim() || null;
const SCHEMA = `bench_${randomBytes(5).toString('hex')}`;

const log = (message: string) => process.stderr.write(`[bench:worklist] ${message}\n`);

interface Scenario {
  name: string;
  /** The request through HTTP. */
  path: string;
  /** The same page's query, as the service sends it (worklistQuery). */
  filter: WorklistFilter;
}

/** The query alone, on the seeding connection: SQL_RUNS runs one after the other. */
async function timeQuery(query: Query, filter: WorklistFilter) {
  const { sql, params } = worklistQuery(filter);
  const latencies: number[] = [];
  for (let i = 0; i < SQL_RUNS; i++) {
    const startedAt = performance.now();
    await query(sql, params);
    latencies.push(performance.now() - startedAt);
  }
  const d = distribution(latencies);
  return { p50Ms: d.p50, p95Ms: d.p95, p99Ms: d.p99 };
}

/** The office's listed case at `offset` in the worklist's order: where a page after it starts. */
async function cursorAt(query: Query, officeId: string, offset: number): Promise<WorklistCursor> {
  const [row] = (await query(
    `SELECT next_due_by::text AS "dueBy", id FROM cases WHERE office_id = $1 AND status = 'active' AND NOT practice
      ORDER BY coalesce(next_due_by, 'infinity'::date), id OFFSET $2 LIMIT 1`,
    [officeId, offset],
  )) as WorklistCursor[];
  return row;
}

/** The scenarios: the operator's office (its only one, so its reach), 50 a page. */
async function scenariosOf(query: Query, operator: BenchOperator, today: string, listed: number): Promise<Scenario[]> {
  const office = `/worklist?scope=office&officeId=${operator.officeId}`;
  const base: WorklistFilter = { officeIds: [operator.officeId], limit: 51 };
  const deep = await cursorAt(query, operator.officeId, DEEP_PAGES * 50 - 1);
  const tail = await cursorAt(query, operator.officeId, listed - 60);
  return [
    { name: 'scope=office, first page (50)', path: office, filter: base },
    { name: 'scope=office, overdue=true (50)', path: `${office}&overdue=true`, filter: { ...base, dueBefore: today } },
    {
      name: `scope=office, page ${DEEP_PAGES + 1} (50)`,
      path: `${office}&cursor=${encodeWorklistCursor(deep)}`,
      filter: { ...base, after: deep },
    },
    {
      name: 'scope=office, past the due days (50)',
      path: `${office}&cursor=${encodeWorklistCursor(tail)}`,
      filter: { ...base, after: tail },
    },
    { name: 'scope=mine, first page (50)', path: '/worklist', filter: { ...base, assigneeId: operator.id } },
  ];
}

async function run(service: ServiceUnderTest, scenario: Scenario) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: CLIENTS });
  const latencies: number[] = [];
  let [measuring, running, errors, items] = [false, true, 0, 0];
  const clientLoop = async () => {
    while (running) {
      const startedAt = performance.now();
      const answer = await request(agent, service, 'GET', scenario.path).catch(() => ({ status: 0, text: '' }));
      if (!measuring) continue;
      if (answer.status === 200) {
        latencies.push(performance.now() - startedAt);
        items = (JSON.parse(answer.text) as { items: unknown[] }).items.length;
      } else errors++;
    }
  };
  const clients = Array.from({ length: CLIENTS }, clientLoop);
  await sleep(WARMUP_SECONDS * 1000);
  const t0 = performance.now();
  measuring = true;
  await sleep(SECONDS * 1000);
  measuring = false;
  const seconds = (performance.now() - t0) / 1000;
  running = false;
  await Promise.all(clients);
  agent.destroy();
  const d = distribution(latencies);
  return {
    requestsPerSec: round(latencies.length / seconds, 1),
    p50Ms: d.p50,
    p95Ms: d.p95,
    p99Ms: d.p99,
    maxMs: d.max,
    errors,
    itemsPerPage: items,
  };
}

/**
 * Open loop: RATE requests a second for SECONDS, each sent at its scheduled time whatever the others
 * are doing (as case managers' browsers do), its latency counted from that time (so a request held
 * up by the client's own queue still counts as waiting: no coordinated omission). After the closed
 * loop's warm-up of the same scenario.
 */
async function atRate(service: ServiceUnderTest, scenario: Scenario) {
  const agent = new http.Agent({ keepAlive: true });
  const latencies: number[] = [];
  let errors = 0;
  const interval = 1000 / RATE;
  const total = RATE * SECONDS;
  const t0 = performance.now();
  const pending: Promise<void>[] = [];
  for (let n = 0; n < total; n++) {
    const due = t0 + n * interval;
    const wait = due - performance.now();
    if (wait > 0) await sleep(wait);
    pending.push(
      request(agent, service, 'GET', scenario.path)
        .then((answer) => (answer.status === 200 ? void latencies.push(performance.now() - due) : void errors++))
        .catch(() => void errors++),
    );
  }
  await Promise.all(pending);
  agent.destroy();
  const d = distribution(latencies);
  return { rate: RATE, p50Ms: d.p50, p95Ms: d.p95, p99Ms: d.p99, maxMs: d.max, errors };
}

/** Seeds through `query`: 19 offices and 49 operators more than the benchmark's, then the cases. */
async function seed(query: Query, operator: BenchOperator, today: string) {
  const registry = await seedRegistry(query, { offices: 19, operators: 49, tag: 'bench' });
  const started = performance.now();
  await seedCases(query, {
    count: CASES,
    offices: [operator.officeId, ...registry.offices],
    operators: [operator.id, ...registry.operators],
    today,
  });
  const seconds = (performance.now() - started) / 1000;
  const [counted] = (await query(`SELECT count(*)::int AS listed FROM cases WHERE office_id = $1 AND status = 'active' AND NOT practice`, [
    operator.officeId,
  ])) as { listed: number }[];
  const scenarios = await scenariosOf(query, operator, today, counted.listed);
  const sql = [];
  for (const scenario of scenarios) sql.push({ scenario: scenario.name, ...(await timeQuery(query, scenario.filter)) });
  return { seconds, listed: counted.listed, scenarios, sql };
}

async function main(): Promise<void> {
  const dataDir = databaseUrl ? null : await mkdtemp(path.join(os.tmpdir(), 'percorsi-bench-worklist-'));
  const env = {
    ...(databaseUrl ? { DATABASE_URL: databaseUrl, PERCORSI_DB_SCHEMA: SCHEMA } : { PERCORSI_DATA_DIR: dataDir! }),
    PERCORSI_LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'warn',
    PERCORSI_SECRET_KEY: randomBytes(32).toString('hex'),
  };
  const admin = databaseUrl ? new pg.Client({ connectionString: databaseUrl, application_name: 'percorsi-bench' }) : null;
  await admin?.connect();
  let service: ServiceUnderTest | null = null;
  try {
    const loadBefore = os.loadavg()[0];
    log(`starting the service (${databaseUrl ? `PostgreSQL, schema ${SCHEMA}` : `embedded database in ${dataDir}`})`);
    service = await startService({ mode: 'child', env });
    const operator = service.operator!;
    const today = calendarDateIn(STANDARDS_TIME_ZONE, Date.now());
    log(`seeding ${CASES} cases over 20 offices`);
    let seeded: Awaited<ReturnType<typeof seed>>;
    if (admin) {
      await admin.query(`SET search_path TO "${SCHEMA}"`);
      seeded = await seed(async (sql, params) => (await admin.query(sql, params)).rows, operator, today);
    } else {
      // One process at a time on an embedded folder: the service stops for the load.
      await service.close();
      service = null;
      const db = await PGlite.create(dataDir!);
      try {
        seeded = await seed(async (sql, params) => (await db.query(sql, params)).rows, operator, today);
      } finally {
        await db.close();
      }
      service = await startService({ mode: 'child', env, operator, cpuProfileDir: process.env.BENCH_CPU_PROF_DIR });
    }
    log(`seeded in ${round(seeded.seconds, 1)} s`);
    const scenarios = seeded.scenarios;
    const results = [];
    for (const scenario of scenarios) {
      log(`${scenario.name}: ${CLIENTS} clients, ${WARMUP_SECONDS} s warm-up + ${SECONDS} s; then ${RATE} requests/s for ${SECONDS} s`);
      const saturated = await run(service, scenario);
      results.push({ scenario: scenario.name, ...saturated, atRate: await atRate(service, scenario) });
    }
    const version = admin ? ((await admin.query(`SELECT current_setting('server_version') AS v`)).rows[0] as { v: string }).v : null;
    console.log(
      JSON.stringify(
        {
          database: databaseUrl ? `PostgreSQL ${version}` : 'embedded (PGlite)',
          cases: CASES,
          offices: 20,
          listedInTheOffice: seeded.listed,
          seedSeconds: round(seeded.seconds, 1),
          results,
          queryAlone: seeded.sql,
          settings: { clients: CLIENTS, rate: RATE, seconds: SECONDS, warmupSeconds: WARMUP_SECONDS },
          machine: machineFacts(loadBefore),
        },
        null,
        2,
      ),
    );
    const head = ['scenario', 'req/s', 'p50 ms', 'p95 ms', 'p99 ms', 'errors', `at ${RATE}/s: p50 ms`, 'p95 ms', 'p99 ms', 'errors'];
    const lines = results.map((r) =>
      [
        r.scenario,
        r.requestsPerSec,
        r.p50Ms,
        r.p95Ms,
        r.p99Ms,
        r.errors,
        r.atRate.p50Ms,
        r.atRate.p95Ms,
        r.atRate.p99Ms,
        r.atRate.errors,
      ].map(String),
    );
    const widths = head.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i].length)));
    const format = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`;
    process.stderr.write(`${[format(head), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...lines.map(format)].join('\n')}\n`);
    process.stderr.write(
      `the query alone (${SQL_RUNS} runs, one at a time): ${seeded.sql.map((q) => `${q.scenario}: p50 ${q.p50Ms} / p99 ${q.p99Ms} ms`).join('; ')}\n`,
    );
  } finally {
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
