/**
 * What authentication costs per request (Step 6). Prints one JSON object on stdout and a table on stderr.
 *   npm run bench:auth                                                    (embedded database)
 *   DATABASE_URL=postgres://postgres@127.0.0.1:5432/test npm run bench:auth  (PostgreSQL)
 *
 * 1. Starts the service once as a child process (`node --import tsx src/main.ts`, log level warn), on
 *    a fresh embedded data folder (removed at the end) or, with DATABASE_URL, in a fresh schema
 *    bench_<random> (dropped at the end). Provisions the benchmark's operator through the admin API
 *    (bench/support/service-under-test.ts: an API token), signs it in with its password (a session
 *    cookie), and opens one person case.
 * 2. BENCH_CLIENTS (8) clients in a closed loop over HTTP keep-alive, for each scenario in turn:
 *    - live:    GET /health/live, no credentials (an open route: the floor of the HTTP stack);
 *    - token:   GET /cases/:id with `Authorization: Bearer pct_...`;
 *    - session: GET /cases/:id with the `percorsi_session` cookie;
 *    - refused: GET /cases/:id with no credentials (401: what refusing costs);
 *    each BENCH_WARMUP_SECONDS (1) not counted, then BENCH_SECONDS (10) measured; the whole list
 *    BENCH_ROUNDS (2) times, alternated, to spread the machine's noise over all of them.
 * 3. Per scenario (the rounds together, and each round): requests/s, latency p50/p99, the service's CPU
 *    per request (Linux /proc; with DATABASE_URL also PostgreSQL's backends, which on the embedded
 *    database are inside the service process), and the service's PostgreSQL round trips per request
 *    (bench/support/count-pg-queries.ts).
 *
 * The figure before authentication: BENCH_NO_AUTH=1 provisions nobody and sends no credentials, with
 * the scenarios live and `case` (GET /cases/:id, 200); BENCH_SERVICE_ROOT=<checkout> starts the service
 * from another checkout (its `npm ci` done), e.g. the commit before Step 6:
 *   git worktree add ../before 8a953f5 && (cd ../before && npm ci)
 *   BENCH_NO_AUTH=1 BENCH_SERVICE_ROOT=../before npm run bench:auth
 * Environment: BENCH_SECONDS, BENCH_WARMUP_SECONDS, BENCH_CLIENTS, BENCH_ROUNDS, BENCH_NO_AUTH,
 * BENCH_SERVICE_ROOT, BENCH_SCENARIOS (a comma-separated subset), BENCH_LOG_LEVEL (the service's, default warn).
 * Nothing is asserted: the exit code is 0 whatever the figures.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { integer } from './support/bench-env.js';
import { startCpuMeter, type CpuReport } from './support/cpu.js';
import { distribution, machineFacts, request, round, sleep } from './support/measure.js';
import { BENCH_OPERATOR_PASSWORD, signIn, startService, type ServiceUnderTest } from './support/service-under-test.js';
import { taxCode } from '../test/support/subjects.js';

const SECONDS = integer('BENCH_SECONDS', 10);
const WARMUP_SECONDS = integer('BENCH_WARMUP_SECONDS', 1, 0);
const CLIENTS = integer('BENCH_CLIENTS', 8);
const ROUNDS = integer('BENCH_ROUNDS', 2);
const NO_AUTH = process.env.BENCH_NO_AUTH === '1';
const SERVICE_ROOT = process.env.BENCH_SERVICE_ROOT ? path.resolve(process.env.BENCH_SERVICE_ROOT) : undefined;
const LOG_LEVEL = process.env.BENCH_LOG_LEVEL ?? 'warn';
const databaseUrl = process.env.DATABASE_URL?.trim() || null;
const SCHEMA = `bench_${randomBytes(5).toString('hex')}`;

const log = (message: string) => process.stderr.write(`[bench:auth] ${message}\n`);

interface Scenario {
  name: string;
  label: string;
  path: (caseId: string) => string;
  headers: Record<string, string>;
  status: number;
}

/** The figures of one scenario over one measured window (or several, summed). */
interface Sample {
  seconds: number;
  requests: number;
  errors: number;
  latencies: number[];
  queries: number;
  cpu: { service: number; postgres: number; benchProcess: number; other: number } | null;
  errorSamples: string[];
}

/** Runs one scenario: CLIENTS clients in a closed loop; warm-up, then the measured window. */
async function runScenario(service: ServiceUnderTest, admin: pg.Client | null, caseId: string, scenario: Scenario): Promise<Sample> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: CLIENTS });
  const target = { host: service.host, port: service.port };
  const route = scenario.path(caseId);
  let measuring = false;
  let running = true;
  const sample: Sample = { seconds: 0, requests: 0, errors: 0, latencies: [], queries: 0, cpu: null, errorSamples: [] };
  const client = async () => {
    while (running) {
      const startedAt = performance.now();
      try {
        const response = await request(agent, target, 'GET', route, undefined, scenario.headers);
        if (!measuring) continue;
        sample.requests++;
        if (response.status === scenario.status) sample.latencies.push(performance.now() - startedAt);
        else {
          sample.errors++;
          if (sample.errorSamples.length < 3) sample.errorSamples.push(`${response.status} ${response.text.slice(0, 200)}`);
        }
      } catch (error) {
        if (measuring) sample.errors++;
        if (sample.errorSamples.length < 3) sample.errorSamples.push(String(error));
      }
    }
  };
  const clients = Array.from({ length: CLIENTS }, client);
  await sleep(WARMUP_SECONDS * 1000);
  // Requests that complete inside the window count; CPU and round trips are taken at its edges.
  const queriesBefore = await service.queries();
  const meter = await startCpuMeter(admin, service.pid, 'percorsi');
  const t0 = performance.now();
  measuring = true;
  await sleep(SECONDS * 1000);
  measuring = false;
  sample.seconds = (performance.now() - t0) / 1000;
  const report: CpuReport | null = await meter.stop();
  sample.queries = (await service.queries()) - queriesBefore;
  running = false;
  await Promise.all(clients);
  agent.destroy();
  if (report) {
    const s = report.cpuSeconds;
    sample.cpu = { service: s.service ?? 0, postgres: s.postgres + s.postgresBackground, benchProcess: s.benchProcess, other: s.other };
  }
  return sample;
}

function merge(samples: Sample[]): Sample {
  return {
    seconds: samples.reduce((a, s) => a + s.seconds, 0),
    requests: samples.reduce((a, s) => a + s.requests, 0),
    errors: samples.reduce((a, s) => a + s.errors, 0),
    latencies: samples.flatMap((s) => s.latencies),
    queries: samples.reduce((a, s) => a + s.queries, 0),
    cpu: samples.every((s) => s.cpu)
      ? {
          service: samples.reduce((a, s) => a + s.cpu!.service, 0),
          postgres: samples.reduce((a, s) => a + s.cpu!.postgres, 0),
          benchProcess: samples.reduce((a, s) => a + s.cpu!.benchProcess, 0),
          other: samples.reduce((a, s) => a + s.cpu!.other, 0),
        }
      : null,
    errorSamples: samples.flatMap((s) => s.errorSamples).slice(0, 3),
  };
}

/** Per request: milliseconds of CPU, PostgreSQL round trips. */
function summary(sample: Sample) {
  const perRequest = (seconds: number) => (sample.requests ? round((1000 * seconds) / sample.requests, 3) : null);
  const latency = distribution(sample.latencies);
  return {
    requestsPerSec: round(sample.requests / sample.seconds, 1),
    p50Ms: latency.p50,
    p99Ms: latency.p99,
    maxMs: latency.max,
    requests: sample.requests,
    errors: sample.errors,
    queriesPerRequest: sample.requests ? round(sample.queries / sample.requests, 3) : null,
    cpuMsPerRequest: sample.cpu && {
      service: perRequest(sample.cpu.service),
      postgres: databaseUrl ? perRequest(sample.cpu.postgres) : null,
      loadGenerator: perRequest(sample.cpu.benchProcess),
    },
    otherCpuSeconds: sample.cpu ? round(sample.cpu.other) : null,
    ...(sample.errorSamples.length ? { errorSamples: sample.errorSamples } : {}),
  };
}

async function openCase(service: ServiceUnderTest): Promise<string> {
  const agent = new http.Agent({ keepAlive: false });
  // The operator has one office: the case goes there (before Step 6 there were no offices to give).
  const opened = await request(agent, service, 'POST', '/cases', JSON.stringify({ pathway: 'person', subject: taxCode(), input: {} }));
  agent.destroy();
  if (opened.status !== 201) throw new Error(`opening the case failed: ${opened.status} ${opened.text}`);
  return (JSON.parse(opened.text) as { id: string }).id;
}

function scenariosOf(cookie: string | null, service: ServiceUnderTest): Scenario[] {
  const live: Scenario = { name: 'live', label: 'GET /health/live (open)', path: () => '/health/live', headers: {}, status: 200 };
  const all = NO_AUTH
    ? [live, { name: 'case', label: 'GET /cases/:id (no authentication)', path: (id: string) => `/cases/${id}`, headers: {}, status: 200 }]
    : [
        live,
        { name: 'token', label: 'GET /cases/:id, API token', path: (id: string) => `/cases/${id}`, headers: service.headers, status: 200 },
        {
          name: 'session',
          label: 'GET /cases/:id, session cookie',
          path: (id: string) => `/cases/${id}`,
          headers: { cookie: cookie! },
          status: 200,
        },
        { name: 'refused', label: 'GET /cases/:id, no credentials (401)', path: (id: string) => `/cases/${id}`, headers: {}, status: 401 },
      ];
  const wanted = process.env.BENCH_SCENARIOS?.split(',').map((s) => s.trim());
  return wanted ? all.filter((s) => wanted.includes(s.name)) : all;
}

function table(rows: { label: string; result: ReturnType<typeof summary> }[]): string {
  const head = [
    'scenario',
    'req/s',
    'p50 ms',
    'p99 ms',
    'errors',
    'queries/req',
    'service CPU ms/req',
    ...(databaseUrl ? ['PostgreSQL CPU ms/req'] : []),
  ];
  const lines = rows.map(({ label, result }) => [
    label,
    String(result.requestsPerSec),
    String(result.p50Ms),
    String(result.p99Ms),
    String(result.errors),
    String(result.queriesPerRequest),
    String(result.cpuMsPerRequest?.service ?? '-'),
    ...(databaseUrl ? [String(result.cpuMsPerRequest?.postgres ?? '-')] : []),
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i].length)));
  const format = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`;
  return [format(head), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...lines.map(format)].join('\n');
}

async function main(): Promise<void> {
  const dataDir = databaseUrl ? null : await mkdtemp(path.join(os.tmpdir(), 'percorsi-bench-auth-'));
  const admin = databaseUrl ? new pg.Client({ connectionString: databaseUrl, application_name: 'percorsi-bench' }) : null;
  await admin?.connect();
  let service: ServiceUnderTest | null = null;
  try {
    const loadBefore = os.loadavg()[0];
    log(
      `starting the service from ${SERVICE_ROOT ?? 'this checkout'} (${databaseUrl ? `PostgreSQL, schema ${SCHEMA}` : `embedded database in ${dataDir}`})` +
        (NO_AUTH ? ', no authentication' : ''),
    );
    service = await startService({
      mode: 'child',
      root: SERVICE_ROOT,
      env: {
        ...(databaseUrl ? { DATABASE_URL: databaseUrl, PERCORSI_DB_SCHEMA: SCHEMA } : { PERCORSI_DATA_DIR: dataDir! }),
        PERCORSI_LOG_LEVEL: LOG_LEVEL,
        // Otherwise the service would write a key file into PERCORSI_DATA_DIR (./data with DATABASE_URL).
        PERCORSI_SECRET_KEY: randomBytes(32).toString('hex'),
      },
      ...(NO_AUTH ? { operator: null } : {}),
    });
    const cookie = service.operator ? await signIn(service, service.operator.username, BENCH_OPERATOR_PASSWORD) : null;
    const caseId = await openCase(service);
    const scenarios = scenariosOf(cookie, service);
    const samples = new Map<string, Sample[]>(scenarios.map((s) => [s.name, []]));
    for (let r = 1; r <= ROUNDS; r++) {
      for (const scenario of scenarios) {
        log(`round ${r}/${ROUNDS}: ${scenario.label}, ${CLIENTS} clients, ${WARMUP_SECONDS} s warm-up + ${SECONDS} s`);
        samples.get(scenario.name)!.push(await runScenario(service, admin, caseId, scenario));
      }
    }
    const results = scenarios.map((scenario) => ({
      name: scenario.name,
      label: scenario.label,
      expectedStatus: scenario.status,
      result: summary(merge(samples.get(scenario.name)!)),
      rounds: samples.get(scenario.name)!.map(summary),
    }));
    let serverVersion: string | null = null;
    if (admin) serverVersion = ((await admin.query(`SELECT current_setting('server_version') AS v`)).rows[0] as { v: string }).v;
    console.log(
      JSON.stringify(
        {
          database: databaseUrl ? `PostgreSQL ${serverVersion}` : 'embedded (PGlite)',
          service: SERVICE_ROOT ?? 'this checkout',
          authentication: !NO_AUTH,
          scenarios: results,
          settings: { clients: CLIENTS, seconds: SECONDS, warmupSeconds: WARMUP_SECONDS, rounds: ROUNDS, serviceLogLevel: LOG_LEVEL },
          machine: machineFacts(loadBefore),
        },
        null,
        2,
      ),
    );
    process.stderr.write(`${table(results)}\n`);
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
