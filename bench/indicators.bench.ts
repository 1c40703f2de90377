/**
 * The Region's indicators at scale (issue 11): GET /indicators for a year, one office and all, JSON and CSV.
 *   npm run bench:indicators                                                    (embedded database)
 *   DATABASE_URL=postgres://postgres@127.0.0.1:5432/test npm run bench:indicators  (PostgreSQL)
 *
 * 1. Starts the service as a child process (`node --import tsx src/main.ts`) on a fresh embedded data
 *    folder or, with DATABASE_URL, in a fresh schema bench_<random> (both removed at the end), and
 *    provisions through the admin API 20 offices of one agency and an analyst of all of them.
 * 2. Seeds in SQL (not through the service) BENCH_CASES (100,000) cases with 10 events each (1,000,000
 *    events) over the 20 offices: 4 person cases for 1 employer case; 10% of the persons and companies
 *    with two cases; 0.2% practice cases. Each case's acts run over ~2 months from a start day spread
 *    over 2025-01-01 .. 2026-10 (so about two years of acts); every employer case puts forward the
 *    person of the next case, which is sent to it on the same day (1% of those pairs name different
 *    vacancies: unmatched). A realistic mix of event types: intake, DID, Patto, guidance, PAI, training,
 *    traineeships, matching, hires; scouting, vacancies, consulting, hires. Then VACUUM ANALYZE. On the
 *    embedded database the service is stopped for the seeding (PGlite takes one connection) and
 *    started again on the same folder.
 * 3. Times GET /indicators?from=2025-07-01&to=2026-06-30 (a year) for all 20 offices and for one, as
 *    JSON and as CSV (Accept: text/csv): one warm-up request each, then BENCH_RUNS (5) measured, in turn.
 * 4. Runs EXPLAIN (ANALYZE, BUFFERS) of the three statements (counts, dates, consistency check) for all
 *    offices, and prints the plan of the slowest.
 * Prints the figures as JSON on stdout, progress and the plan on stderr. Nothing is asserted.
 * Environment: BENCH_CASES (100000), BENCH_RUNS (5), BENCH_KEEP_SCHEMA=1 (PostgreSQL: keep the schema).
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { PATHWAYS } from '../machines/index.js';
import { EmbeddedDatabase } from '../src/database/embedded-database.js';
import { FACTS_BACKFILL } from '../src/database/migrations/1796560000000-indicator-facts.js';
import { INDICATOR_DEFINITIONS } from '../machines/indicator-definitions.js';
import { consistencyQuery, countsQuery, dimensionsQuery, WORK_MEM, type Query } from '../src/indicators/indicators.repository.js';
import { adminSession } from '../test/support/provision.js';
import { integer } from './support/bench-env.js';
import { distribution, machineFacts, request, round } from './support/measure.js';
import { BENCH_ADMIN_PASSWORD, originOf, startService, type ServiceUnderTest } from './support/service-under-test.js';

const CASES = integer('BENCH_CASES', 100_000);
const RUNS = integer('BENCH_RUNS', 5);
const OFFICES = 20;
const EVENTS_PER_CASE = 10;
const BATCH = 10_000;
const FROM = '2025-07-01';
const TO = '2026-06-30';
const databaseUrl = process.env.DATABASE_URL?.trim() || null;
const SCHEMA = `bench_${randomBytes(5).toString('hex')}`;
/** PostgreSQL only: keep the seeded schema (to study the plans by hand). */
const KEEP = process.env.BENCH_KEEP_SCHEMA === '1';

const log = (message: string) => process.stderr.write(`[bench:indicators] ${message}\n`);

async function adminPost(service: ServiceUnderTest, admin: Record<string, string>, path: string, body: unknown): Promise<any> {
  const response = await fetch(`${originOf(service)}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...admin },
    body: JSON.stringify(body),
  });
  const parsed = await response.json();
  if (response.status !== 201) throw new Error(`POST ${path}: ${response.status} ${JSON.stringify(parsed)}`);
  return parsed;
}

/** 19 more offices in the benchmark operator's agency, and an analyst of all 20 with an API token. */
async function provisionOffices(service: ServiceUnderTest): Promise<{ officeIds: string[]; analyst: Record<string, string> }> {
  const admin = await adminSession(originOf(service), BENCH_ADMIN_PASSWORD);
  const officeIds = [service.operator!.officeId];
  for (let n = 2; n <= OFFICES; n++)
    officeIds.push((await adminPost(service, admin, '/admin/offices', { name: `Sede ${n}`, agencyId: service.operator!.agencyId })).id);
  const analyst = await adminPost(service, admin, '/admin/operators', {
    username: 'bench.analyst',
    name: 'Analista',
    roles: ['analyst'],
    officeIds,
  });
  const token = await adminPost(service, admin, `/admin/operators/${analyst.id}/tokens`, { name: 'bench' });
  return { officeIds, analyst: { authorization: `Bearer ${token.token}` } };
}

const PERSON_TYPE = `CASE k
  WHEN 1 THEN 'CASE_OPENED' WHEN 2 THEN 'INFORMATION_GIVEN' WHEN 3 THEN 'INTAKE_SESSION_HELD' WHEN 4 THEN 'DID_RECEIVED'
  WHEN 5 THEN 'PATTO_SIGNED' WHEN 6 THEN 'GUIDANCE_SESSION_HELD'
  WHEN 7 THEN CASE WHEN i % 10 = 3 THEN 'PAI_REFUSED' ELSE 'PAI_SIGNED' END
  WHEN 8 THEN (ARRAY['JOB_SEARCH_SESSION_HELD', 'TRAINEESHIP_ACTIVATED', 'TRAINING_REFERRED', 'COUNSELLING_MEETING_HELD', 'CANDIDATE_PRESELECTED', 'MATCHING_SESSION_HELD'])[1 + i % 6]
  WHEN 9 THEN CASE WHEN i % 5 = 1 THEN 'SENT_TO_INTERVIEW' ELSE (ARRAY['TRAINING_ENROLLED', 'JOB_SEARCH_SESSION_HELD', 'REGISTRY_UPDATED', 'CANDIDATE_PRESELECTED'])[1 + i % 4] END
  ELSE CASE WHEN i % 5 = 1 AND i % 3 = 0 THEN 'HIRED' ELSE (ARRAY['TRAINING_COMPLETED', 'TRAINEESHIP_ACTIVATED', 'NETWORK_INTEGRATION_RECORDED'])[1 + i % 3] END
END`;

const EMPLOYER_TYPE = `(ARRAY['CASE_OPENED', 'COMPANY_CONTACTED', 'SCOUTING_MEETING_HELD', 'INTEREST_EXPRESSED', 'EMPLOYER_INTAKE_HELD',
  'VACANCY_RECORDED', 'PATTO_SIGNED', 'CONSULTING_SESSION_HELD', 'CANDIDATE_PUT_FORWARD',
  CASE WHEN i % 2 = 0 THEN 'HIRING_DECLARED' ELSE 'CANDIDATE_HIRED' END])[k]`;

// Case i belongs to group g = i / 5: one employer case (i = 5g) and four person cases; all of a
// group's cases start on the same day, and their k-th acts fall on the same day.
const GROUP = `LATERAL (SELECT i / 5 AS g, DATE '2025-01-01' + ((i / 5) * 7919 % 640) AS start) s`;

async function seed(db: pg.Client, officeIds: string[]): Promise<void> {
  for (let first = 1; first <= CASES; first += BATCH) {
    const last = Math.min(CASES, first + BATCH - 1);
    await db.query(
      `INSERT INTO cases (id, pathway, machine_version, subject, office_id, input, snapshot, status, state_paths, services, version, practice, created_at, updated_at)
       SELECT md5('bench-case-' || i)::uuid,
              CASE WHEN i % 5 = 0 THEN 'employer' ELSE 'person' END,
              CASE WHEN i % 5 = 0 THEN $4 ELSE $5 END,
              CASE WHEN i % 5 = 0 THEN 'IT' || lpad((g % 18000)::text, 11, '0') ELSE 'BNCPRS' || lpad((i % 72000)::text, 10, '0') END,
              ($3::uuid[])[1 + i % ${OFFICES}],
              '{}',
              jsonb_build_object('value', 'open', 'status', 'active', 'notes', repeat(md5(i::text), 30),
                'context', jsonb_build_object('did', CASE WHEN i % 5 = 0 THEN NULL ELSE jsonb_build_object('date', to_char(start, 'YYYY-MM-DD'), 'deadlineGroup', 'other') END)),
              'active', ARRAY['open'], '{"A1": "completed", "A2": "completed", "A3": "active"}', ${EVENTS_PER_CASE},
              i % 1000 IN (0, 1), start, start
         FROM generate_series($1::int, $2::int) i, ${GROUP}`,
      [first, last, officeIds, PATHWAYS.employer.version, PATHWAYS.person.version],
    );
    await db.query(
      `INSERT INTO case_events (id, case_id, sequence, type, payload, state_before, state_after, services_after, actor, occurred_at, recorded_at, idempotency_key)
       SELECT md5('bench-event-' || i || '-' || k)::uuid, md5('bench-case-' || i)::uuid, k, ty.type,
              jsonb_build_object('type', ty.type, 'at', to_char(t.ts AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'),
                'receivedAt', to_char(t.ts AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'),
                'operator', jsonb_build_object('id', 'b7c1d0e2-0000-4000-8000-000000000001', 'kind', 'cpi'))
              || CASE ty.type
                   WHEN 'SENT_TO_INTERVIEW' THEN jsonb_build_object('vacancyId', CASE WHEN g % 100 = 0 THEN 'V-X' ELSE 'V-' END || g,
                                                 'employerCaseId', md5('bench-case-' || (i - 1))::uuid::text)
                   WHEN 'CANDIDATE_PUT_FORWARD' THEN jsonb_build_object('vacancyId', 'V-' || g, 'personCaseId', md5('bench-case-' || (i + 1))::uuid::text)
                   WHEN 'VACANCY_RECORDED' THEN jsonb_build_object('vacancyId', 'V-' || g, 'profile', 'Saldatore', 'positions', 2)
                   WHEN 'HIRING_DECLARED' THEN jsonb_build_object('vacancyId', 'V-' || g)
                   WHEN 'CANDIDATE_HIRED' THEN jsonb_build_object('vacancyId', 'V-' || g, 'personCaseId', md5('bench-case-' || (i + 1))::uuid::text)
                   WHEN 'HIRED' THEN jsonb_build_object('contractType', 'permanent', 'contractStartDate', to_char(d.day + 10, 'YYYY-MM-DD'), 'vacancyId', 'V-' || g)
                   WHEN 'DID_RECEIVED' THEN jsonb_build_object('didDate', to_char(s.start, 'YYYY-MM-DD'), 'deadlineGroup', 'other')
                   WHEN 'INFORMATION_GIVEN' THEN jsonb_build_object('referral', 'A2')
                   ELSE jsonb_build_object('mode', 'individual', 'minutes', 60)
                 END,
              CASE WHEN k = 1 THEN NULL ELSE '{"open": {"information": "done", "intake": "done", "guidance": "active"}}'::jsonb END,
              '{"open": {"information": "done", "intake": "done", "guidance": "active", "counselling": "idle", "jobSearch": "idle", "matching": "idle"}}'::jsonb,
              '{"A1": "completed", "A2": "completed", "A3": "active", "A4": "not_started", "A5": "not_started", "A6": "not_started"}'::jsonb,
              '{"id": "b7c1d0e2-0000-4000-8000-000000000001", "username": "bench.operator", "kind": "cpi", "via": "token"}'::jsonb,
              t.ts, t.ts, NULL
         FROM generate_series($1::int, $2::int) i, generate_series(1, ${EVENTS_PER_CASE}) k, ${GROUP},
              LATERAL (SELECT s.start + (k - 1) * 6 AS day) d,
              LATERAL (SELECT (d.day::timestamp + interval '9 hours') AT TIME ZONE 'UTC' AS ts) t,
              LATERAL (SELECT CASE WHEN i % 5 = 0 THEN ${EMPLOYER_TYPE} ELSE ${PERSON_TYPE} END AS type) ty`,
      [first, last],
    );
    log(`seeded cases ${first}-${last} (${last * EVENTS_PER_CASE} events)`);
  }
  // The indicators' facts of the seeded acts, as the service writes them with each event (and the migration that made the table).
  for (const statement of FACTS_BACKFILL) log(`${(await db.query(statement)).rowCount} rows: ${statement.trim().split('\n')[0]}`);
  await db.query('VACUUM ANALYZE cases');
  await db.query('VACUUM ANALYZE case_events');
  await db.query('VACUUM ANALYZE indicator_subjects');
  await db.query('VACUUM ANALYZE indicator_facts');
}

interface Scenario {
  name: string;
  path: string;
  headers: Record<string, string>;
}

async function timeScenarios(service: ServiceUnderTest, scenarios: Scenario[]) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const samples = new Map<string, number[]>(scenarios.map((s) => [s.name, []]));
  const sizes = new Map<string, number>();
  const failures = new Map<string, number>();
  const bodies = new Map<string, string>();
  for (let run = 0; run <= RUNS; run++) {
    for (const scenario of scenarios) {
      const started = performance.now();
      const response = await request(agent, service, 'GET', scenario.path, undefined, scenario.headers);
      const ms = performance.now() - started;
      // A failure (the service's 10 s query timeout answers 503) is reported, not fatal: the figures say so.
      if (response.status !== 200) {
        log(`${scenario.name}: ${response.status} after ${round(ms)} ms: ${response.text.slice(0, 200)}`);
        failures.set(scenario.name, (failures.get(scenario.name) ?? 0) + 1);
        continue;
      }
      sizes.set(scenario.name, Buffer.byteLength(response.text));
      bodies.set(scenario.name, response.text);
      // Run 0 warms up (the service's first request of the route, the database's caches).
      if (run > 0) samples.get(scenario.name)!.push(ms);
      else log(`${scenario.name}: warm-up ${round(ms)} ms`);
    }
  }
  agent.destroy();
  const results = scenarios.map((s) => ({
    name: s.name,
    path: s.path,
    failures: failures.get(s.name) ?? 0,
    bytes: sizes.get(s.name),
    ms: samples.get(s.name)!.map((v) => round(v)),
    ...distribution(samples.get(s.name)!),
  }));
  return { results, bodies };
}

async function explain(db: pg.Client, officeIds: string[]) {
  const scope = { from: FROM, to: TO, officeIds };
  const queries: Record<string, Query> = {
    counts: countsQuery(scope, INDICATOR_DEFINITIONS),
    dimensions: dimensionsQuery(scope, INDICATOR_DEFINITIONS),
    consistency: consistencyQuery(scope),
  };
  const plans: { name: string; ms: number; plan: string }[] = [];
  for (const [name, query] of Object.entries(queries)) {
    // As the service runs them (IndicatorsRepository.prepare): its work_mem and, on PostgreSQL, no JIT.
    await db.query('BEGIN');
    await db.query(`SET LOCAL work_mem = '${WORK_MEM}'`);
    if (databaseUrl) await db.query('SET LOCAL jit = off');
    const { rows } = await db.query<{ 'QUERY PLAN': string }>(`EXPLAIN (ANALYZE, BUFFERS) ${query.sql}`, query.params);
    await db.query('ROLLBACK');
    const plan = rows.map((r) => r['QUERY PLAN']).join('\n');
    plans.push({ name, ms: Number(/Execution Time: ([\d.]+) ms/.exec(plan)?.[1] ?? NaN), plan });
  }
  return plans;
}

async function main(): Promise<void> {
  const loadBefore = os.loadavg()[0];
  const dataDir = databaseUrl ? null : await mkdtemp(path.join(os.tmpdir(), 'percorsi-bench-indicators-'));
  const admin = databaseUrl ? new pg.Client({ connectionString: databaseUrl, application_name: 'percorsi-bench' }) : null;
  await admin?.connect();
  const env = {
    ...(databaseUrl ? { DATABASE_URL: databaseUrl, PERCORSI_DB_SCHEMA: SCHEMA } : { PERCORSI_DATA_DIR: dataDir! }),
    PERCORSI_LOG_LEVEL: 'warn',
    PERCORSI_SECRET_KEY: randomBytes(32).toString('hex'),
  };
  let service: ServiceUnderTest | null = null;
  let embedded: EmbeddedDatabase | null = null;
  let direct: pg.Client | null = null;
  /** A connection for the seeding and the EXPLAINs: the admin one, or the data folder's (with the service stopped). */
  const connect = async (): Promise<pg.Client> => {
    if (admin) {
      await admin.query(`SET search_path TO "${SCHEMA}"`);
      return admin;
    }
    embedded = await EmbeddedDatabase.start({ dataDir: dataDir!, port: 0 });
    direct = new pg.Client({ connectionString: embedded.url });
    await direct.connect();
    return direct;
  };
  const disconnect = async () => {
    if (direct) await direct.end();
    if (embedded) await embedded.stop();
    [direct, embedded] = [null, null];
  };
  try {
    log(`starting the service (${databaseUrl ? `PostgreSQL, schema ${SCHEMA}` : `embedded database in ${dataDir}`})`);
    service = await startService({ mode: 'child', env });
    const operator = service.operator!;
    const { officeIds, analyst } = await provisionOffices(service);
    if (!admin) {
      await service.close();
      service = null;
    }
    const seedStarted = performance.now();
    await seed(await connect(), officeIds);
    const seedSeconds = round((performance.now() - seedStarted) / 1000, 1);
    const db = admin ?? direct!;
    const [{ events }] = (await db.query<{ events: number }>(`SELECT count(*)::int AS events FROM case_events`)).rows;
    const [{ inYear }] = (
      await db.query<{ inYear: number }>(
        `SELECT count(*)::int AS "inYear" FROM case_events WHERE occurred_at >= $1::date AND occurred_at < $2::date + 1`,
        [FROM, TO],
      )
    ).rows;
    log(`seeded ${CASES} cases, ${events} events (${inYear} in the year) in ${seedSeconds} s`);
    if (!admin) await disconnect();
    service ??= await startService({ mode: 'child', env, operator });

    const query = `from=${FROM}&to=${TO}`;
    const csv = { ...analyst, accept: 'text/csv' };
    const { results, bodies } = await timeScenarios(service, [
      { name: 'all offices, JSON', path: `/indicators?${query}`, headers: analyst },
      { name: 'one office, JSON', path: `/indicators?${query}&officeId=${officeIds[0]}`, headers: analyst },
      { name: 'all offices, CSV', path: `/indicators?${query}`, headers: csv },
      { name: 'one office, CSV', path: `/indicators?${query}&officeId=${officeIds[0]}`, headers: csv },
    ]);
    const body = bodies.get('all offices, JSON');
    const sample = body
      ? (JSON.parse(body) as {
          indicators: { id: string; value: number }[];
          consistency: { '6.2': number; '10.1': number; unmatched: unknown[] };
        })
      : null;

    if (!admin) {
      await service.close();
      service = null;
    }
    const plans = await explain(await connect(), officeIds);
    const slowest = plans.reduce((a, b) => (b.ms > a.ms ? b : a));
    let serverVersion = 'embedded (PGlite)';
    if (admin)
      serverVersion = `PostgreSQL ${((await admin.query(`SELECT current_setting('server_version') AS v`)).rows[0] as { v: string }).v}`;
    for (const r of results) log(`${r.name.padEnd(18)} p50 ${r.p50} ms, max ${r.max} ms (${r.bytes} bytes): ${r.ms.join(', ')}`);
    for (const p of plans) log(`EXPLAIN ANALYZE ${p.name}: ${p.ms} ms`);
    log(`the slowest statement (${slowest.name}):\n${slowest.plan}`);
    console.log(
      JSON.stringify(
        {
          benchmark: 'indicators',
          database: serverVersion,
          cases: CASES,
          events,
          eventsInYear: inYear,
          offices: OFFICES,
          period: { from: FROM, to: TO },
          seedSeconds,
          runs: RUNS,
          results,
          figures: sample && {
            values: Object.fromEntries(sample.indicators.map((i) => [i.id, i.value])),
            consistency: {
              '6.2': sample.consistency['6.2'],
              '10.1': sample.consistency['10.1'],
              unmatched: sample.consistency.unmatched.length,
            },
          },
          statements: plans.map((p) => ({ name: p.name, executionMs: p.ms })),
          slowest: slowest.name,
          machine: machineFacts(loadBefore, { operator: operator.username }),
        },
        null,
        2,
      ),
    );
  } finally {
    await service?.close().catch(() => undefined);
    await disconnect().catch(() => undefined);
    if (admin && KEEP) log(`schema ${SCHEMA} kept (BENCH_KEEP_SCHEMA=1): drop it yourself`);
    if (admin && !KEEP) await admin.query(`DROP SCHEMA IF EXISTS "${SCHEMA}" CASCADE`).catch(() => undefined);
    if (admin) {
      await admin.end().catch(() => undefined);
    }
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
