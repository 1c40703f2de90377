/**
 * The case service under load, against the same writes done as naive raw SQL. Prints one JSON object.
 *   DATABASE_URL=postgres://... npm run bench
 *
 * 1. Starts the service on DATABASE_URL in a fresh schema (bench_<random>, migrated by the service,
 *    dropped at the end), as a child process (default) or in this process (BENCH_SERVICE=inprocess).
 *    The service provisions the benchmark's operator (bench/support/service-under-test.ts): every request
 *    carries its API token, and the raw side records the same actor on its events.
 * 2. Opens one person case through the API and clones it in SQL: the same seeded rows for both sides.
 * 3. Service: BENCH_CLIENTS (32) clients, each on its own cases, POST /cases/:id/events over HTTP
 *    keep-alive with the legal sequence of bench/support/person-sequence.ts (20 events, intake to
 *    hiring), moving to the next case when one is closed; BENCH_WARMUP_SECONDS (3) not counted, then
 *    BENCH_SECONDS (20) measured.
 * 4. Raw: as many `pg` connections, each on its own cases, the naive 5-round-trip transaction per event
 *    (BEGIN; SELECT ... FOR UPDATE; UPDATE cases; INSERT INTO case_events; COMMIT) writing what the
 *    service writes for the same event (snapshot, derived columns, event row with the operator's
 *    actor), same warm-up and duration.
 *
 * Environment: BENCH_SECONDS, BENCH_WARMUP_SECONDS, BENCH_CLIENTS, BENCH_SERVICE (child | inprocess),
 * BENCH_LOG_LEVEL (service log level, default warn), BENCH_POOL_SIZE (service pool; default: the
 * service's default), BENCH_CPU_PROF_DIR (child only: write a CPU profile of the service there),
 * BENCH_CASES_PER_CLIENT (default: enough for 6,000 transitions/s).
 * Targets are reported, not asserted: the exit code is 0 whatever the figures.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import http from 'node:http';
import os from 'node:os';
import pg from 'pg';
import { CONFIG_VARIABLES } from '../src/config/app-config.js';
import { startCpuMeter, type CpuReport } from './support/cpu.js';
import { EVENT_BODIES, precomputeWrites, type StepWrite } from './support/person-sequence.js';
import { cloneCases } from './support/seed-cases.js';
import { recordedActor, startService, type ServiceUnderTest } from './support/service-under-test.js';
import { integer, requireDatabaseUrl } from './support/bench-env.js';
import { machineFacts, round } from './support/measure.js';
import { taxCode } from '../test/support/subjects.js';

const databaseUrl = requireDatabaseUrl('bench');

const SECONDS = integer('BENCH_SECONDS', 20);
const WARMUP_SECONDS = integer('BENCH_WARMUP_SECONDS', 3, 0);
const CLIENTS = integer('BENCH_CLIENTS', 32);
const MODE = process.env.BENCH_SERVICE ?? 'child';
if (MODE !== 'child' && MODE !== 'inprocess') {
  console.error(`BENCH_SERVICE must be child or inprocess, got '${MODE}'`);
  process.exit(2);
}
const LOG_LEVEL = process.env.BENCH_LOG_LEVEL ?? 'warn';
const POOL_SIZE = process.env.BENCH_POOL_SIZE;
const CPU_PROFILE_DIR = process.env.BENCH_CPU_PROF_DIR;
const SEQUENCE = EVENT_BODIES.length;
const CASES_PER_CLIENT = integer('BENCH_CASES_PER_CLIENT', Math.ceil(((SECONDS + WARMUP_SECONDS) * 6000) / SEQUENCE / CLIENTS));
const SCHEMA = `bench_${randomBytes(5).toString('hex')}`;
const TARGET_RATIO = 1.0;
const TARGET_P99_MS = 50;

const log = (message: string) => process.stderr.write(`[bench] ${message}\n`);

/** Ctrl-C stops the clients; the run then ends as usual (service stopped, schema dropped). Twice: exit at once. */
let interrupted = false;
class Interrupted extends Error {}
process.on('SIGINT', () => {
  if (interrupted) process.exit(130);
  interrupted = true;
  log('interrupted: stopping the clients, then the service, then dropping the schema (Ctrl-C again: exit now)');
});

/** The measured window: requests started in it count; the ones started during the warm-up do not. */
class Window {
  readonly start: number;
  readonly end: number;
  private latencies: number[] = [];
  ok = 0;
  errors = 0;
  /** Every request of the phase, warm-up included (round trips per request). */
  requests = 0;
  exhaustedClients = 0;
  lastCompletion = 0;
  readonly errorSamples: string[] = [];

  constructor(warmupSeconds: number, seconds: number) {
    this.start = performance.now() + warmupSeconds * 1000;
    this.end = this.start + seconds * 1000;
  }

  get open(): boolean {
    return !interrupted && performance.now() < this.end;
  }

  record(startedAt: number, ok: boolean, error?: string): void {
    const now = performance.now();
    this.requests++;
    if (!ok && error && this.errorSamples.length < 5) this.errorSamples.push(error);
    if (startedAt < this.start) return;
    this.lastCompletion = Math.max(this.lastCompletion, now);
    if (ok) {
      this.ok++;
      this.latencies.push(now - startedAt);
    } else this.errors++;
  }

  summary() {
    const sorted = Float64Array.from(this.latencies).sort();
    const q = (p: number) => (sorted.length ? round(sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)], 2) : null);
    const elapsed = (Math.max(this.lastCompletion, this.end) - this.start) / 1000;
    return {
      transitionsPerSec: round(this.ok / elapsed, 1),
      p50Ms: q(0.5),
      p99Ms: q(0.99),
      maxMs: sorted.length ? round(sorted[sorted.length - 1], 1) : null,
      errors: this.errors,
      count: this.ok,
      ...(this.exhaustedClients > 0 ? { exhaustedClients: this.exhaustedClients } : {}),
      ...(this.errorSamples.length > 0 ? { errorSamples: this.errorSamples } : {}),
    };
  }
}

// ---- service side: HTTP keep-alive clients ----

/** Sizes of the 200 responses (the event and the case view the service sends back). */
const responseBytes = { total: 0, count: 0 };

function post(agent: http.Agent, service: ServiceUnderTest, path: string, body: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const request = http.request(
      {
        agent,
        host: service.host,
        port: service.port,
        method: 'POST',
        path,
        headers: { ...service.headers, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
      },
      (response) => {
        const status = response.statusCode ?? 0;
        if (status === 200) {
          // Read and drop the body: the socket goes back to the pool only once the body is consumed.
          responseBytes.total += Number(response.headers['content-length'] ?? 0);
          responseBytes.count++;
          response.resume();
          response.on('end', () => resolve({ status, text: '' }));
        } else {
          let text = '';
          response.setEncoding('utf8');
          response.on('data', (chunk: string) => (text += chunk));
          response.on('end', () => resolve({ status, text }));
        }
        response.on('error', reject);
      },
    );
    request.on('error', reject);
    request.end(body);
  });
}

async function serviceClient(agent: http.Agent, service: ServiceUnderTest, caseIds: string[], window: Window): Promise<void> {
  const bodies = EVENT_BODIES.map((body) => JSON.stringify(body));
  for (const id of caseIds) {
    for (const body of bodies) {
      if (!window.open) return;
      const startedAt = performance.now();
      try {
        const response = await post(agent, service, `/cases/${id}/events`, body);
        const ok = response.status === 200;
        window.record(startedAt, ok, ok ? undefined : `${response.status} ${response.text.slice(0, 300)}`);
        if (!ok) break; // the case is off its sequence: go to the next one
      } catch (error) {
        window.record(startedAt, false, String(error));
        break;
      }
    }
  }
  window.exhaustedClients++;
}

// ---- raw side: the naive transaction through `pg` ----

const RAW_UPDATE = `UPDATE cases SET snapshot = $2, status = $3, state_paths = $4, services = $5, version = version + 1, updated_at = $6 WHERE id = $1`;
const RAW_INSERT = `INSERT INTO case_events (id, case_id, sequence, type, payload, state_before, state_after, services_after, actor, occurred_at, recorded_at, idempotency_key)
  VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`;

async function rawClient(
  client: pg.Client,
  caseIds: string[],
  writes: StepWrite[],
  window: Window,
  trips: { count: number },
): Promise<void> {
  const query = (text: string, values?: unknown[]) => {
    trips.count++;
    return client.query(text, values);
  };
  for (const id of caseIds) {
    for (const write of writes) {
      if (!window.open) return;
      const startedAt = performance.now();
      try {
        await query('BEGIN');
        const { rows } = await query('SELECT snapshot, version FROM cases WHERE id = $1 FOR UPDATE', [id]);
        const now = new Date();
        const { update, event } = write;
        await query(RAW_UPDATE, [id, update.snapshot, update.status, update.statePaths, update.services, now]);
        await query(RAW_INSERT, [
          randomUUID(),
          id,
          (rows[0] as { version: number }).version + 1,
          event.type,
          event.payload,
          JSON.stringify(event.stateBefore),
          JSON.stringify(event.stateAfter),
          update.services,
          event.actor,
          event.occurredAt,
          now,
          null,
        ]);
        await query('COMMIT');
        window.record(startedAt, true);
      } catch (error) {
        await client.query('ROLLBACK').catch(() => undefined);
        window.record(startedAt, false, String(error));
        break;
      }
    }
  }
  window.exhaustedClients++;
}

// ---- seeding ----

const perClient = (ids: string[]): string[][] =>
  Array.from({ length: CLIENTS }, (_, i) => ids.slice(i * CASES_PER_CLIENT, (i + 1) * CASES_PER_CLIENT));

async function checkpoint(admin: pg.Client): Promise<void> {
  // Both phases start from a clean checkpoint, so that neither pays for the other's dirty pages.
  await admin.query('CHECKPOINT').catch(() => log('CHECKPOINT not permitted: phases may share checkpoint work'));
}

// ---- the run ----

/** CPU over the whole phase (warm-up included), so per transition it is divided by every request of the phase. */
const cpuSummary = (report: CpuReport | null, requests: number) =>
  report && {
    machineBusyPercent: report.machineBusyPercent,
    seconds: report.cpuSeconds,
    msPerTransition: report.cpuMsPerTransition(requests),
  };

async function main(): Promise<void> {
  const admin = new pg.Client({ connectionString: databaseUrl, application_name: 'percorsi-bench' });
  await admin.connect();
  let service: ServiceUnderTest | null = null;
  const cleanup = async () => {
    await service?.close().catch(() => undefined);
    await admin.query(`DROP SCHEMA IF EXISTS "${SCHEMA}" CASCADE`).catch(() => undefined);
    await admin.end().catch(() => undefined);
  };
  try {
    const [{ server_version: serverVersion, synchronous_commit: synchronousCommit }] = (
      await admin.query(
        `SELECT current_setting('server_version') AS server_version, current_setting('synchronous_commit') AS synchronous_commit`,
      )
    ).rows as { server_version: string; synchronous_commit: string }[];
    const loadBefore = os.loadavg()[0];

    log(`starting the service (${MODE}, schema ${SCHEMA}, log level ${LOG_LEVEL}${POOL_SIZE ? `, pool ${POOL_SIZE}` : ''})`);
    const stopIfInterrupted = () => {
      if (interrupted) throw new Interrupted('interrupted');
    };
    service = await startService({
      mode: MODE as 'child' | 'inprocess',
      env: {
        DATABASE_URL: databaseUrl,
        PERCORSI_DB_SCHEMA: SCHEMA,
        PERCORSI_LOG_LEVEL: LOG_LEVEL,
        PORT: '0',
        PERCORSI_HOST: '127.0.0.1',
        ...(POOL_SIZE ? { PERCORSI_DB_POOL_SIZE: POOL_SIZE } : {}),
      },
      cpuProfileDir: CPU_PROFILE_DIR,
    });
    const poolSize = Number(POOL_SIZE ?? CONFIG_VARIABLES.find((v) => v.name === 'PERCORSI_DB_POOL_SIZE')!.default);

    // One case opened through the API, cloned for both sides.
    const agent = new http.Agent({ keepAlive: true, maxSockets: CLIENTS });
    // The case goes to the operator's one office.
    const opened = await post(agent, service, '/cases', JSON.stringify({ pathway: 'person', subject: taxCode(), input: {} }));
    if (opened.status !== 201) throw new Error(`opening the template case failed: ${opened.status} ${opened.text}`);
    const templateId = (JSON.parse(opened.text) as { id: string }).id;
    // The raw side writes the actor the service records: checked against the template's first event.
    const actor = await recordedActor(service, templateId);
    const writes = precomputeWrites(actor);
    await admin.query(`SET search_path = "${SCHEMA}"`);
    const total = CLIENTS * CASES_PER_CLIENT;
    log(`seeding ${total} cases per side (${CASES_PER_CLIENT} per client, ${SEQUENCE} events each)`);
    const serviceCases = perClient(await cloneCases(admin, templateId, total, 'svc'));
    const rawCases = perClient(await cloneCases(admin, templateId, total, 'raw'));
    await admin.query('ANALYZE cases; ANALYZE case_events');
    stopIfInterrupted();

    // Service phase.
    await checkpoint(admin);
    log(`service: ${CLIENTS} HTTP clients, ${WARMUP_SECONDS} s warm-up + ${SECONDS} s`);
    const queriesBefore = await service.queries();
    const serviceCpu = await startCpuMeter(admin, service.pid, 'percorsi');
    const serviceWindow = new Window(WARMUP_SECONDS, SECONDS);
    await Promise.all(serviceCases.map((ids) => serviceClient(agent, service!, ids, serviceWindow)));
    const serviceCpuReport = await serviceCpu.stop();
    const serviceTrips = (await service.queries()) - queriesBefore;
    agent.destroy();
    await service.close();
    service = null;
    stopIfInterrupted();

    // Raw phase.
    await checkpoint(admin);
    log(`raw: ${CLIENTS} pg connections, ${WARMUP_SECONDS} s warm-up + ${SECONDS} s`);
    const clients = await Promise.all(
      serviceCases.map(async () => {
        const client = new pg.Client({
          connectionString: databaseUrl,
          application_name: 'percorsi-bench-raw',
          options: `-c search_path=${SCHEMA}`,
        });
        await client.connect();
        return client;
      }),
    );
    const rawTrips = { count: 0 };
    const rawCpu = await startCpuMeter(admin, null, 'percorsi-bench-raw');
    const rawWindow = new Window(WARMUP_SECONDS, SECONDS);
    await Promise.all(rawCases.map((ids, i) => rawClient(clients[i], ids, writes, rawWindow, rawTrips)));
    const rawCpuReport = await rawCpu.stop();
    await Promise.all(clients.map((c) => c.end()));
    stopIfInterrupted();

    const serviceResult = {
      ...serviceWindow.summary(),
      roundTripsPerTransition: round(serviceTrips / Math.max(1, serviceWindow.requests), 3),
      responseBytesMean: Math.round(responseBytes.total / Math.max(1, responseBytes.count)),
      cpu: cpuSummary(serviceCpuReport, serviceWindow.requests),
    };
    const rawResult = {
      ...rawWindow.summary(),
      roundTripsPerTransition: round(rawTrips.count / Math.max(1, rawWindow.requests), 3),
      cpu: cpuSummary(rawCpuReport, rawWindow.requests),
    };
    const ratio = round(serviceResult.transitionsPerSec / rawResult.transitionsPerSec, 3);
    const targets = {
      ratioAtLeast1: { target: TARGET_RATIO, value: ratio, met: ratio >= TARGET_RATIO },
      p99AtMost50Ms: {
        target: TARGET_P99_MS,
        value: serviceResult.p99Ms,
        met: serviceResult.p99Ms !== null && serviceResult.p99Ms <= TARGET_P99_MS,
      },
    };
    const snapshotBytes = writes.map((w) => w.snapshotBytes);
    console.log(
      JSON.stringify(
        {
          service: serviceResult,
          raw: rawResult,
          ratio,
          targets,
          seconds: SECONDS,
          warmupSeconds: WARMUP_SECONDS,
          clients: CLIENTS,
          setup: {
            serviceMode: MODE,
            serviceLogLevel: LOG_LEVEL,
            servicePoolSize: poolSize,
            rawConnections: CLIENTS,
            eventsPerCase: SEQUENCE,
            snapshotBytes: { min: Math.min(...snapshotBytes), max: Math.max(...snapshotBytes) },
          },
          machine: machineFacts(loadBefore, { postgres: serverVersion, synchronousCommit }),
        },
        null,
        2,
      ),
    );
    log(`ratio service/raw ${ratio} (target >= ${TARGET_RATIO}): ${targets.ratioAtLeast1.met ? 'met' : 'NOT met'}`);
    log(`service p99 ${serviceResult.p99Ms} ms (target <= ${TARGET_P99_MS} ms): ${targets.p99AtMost50Ms.met ? 'met' : 'NOT met'}`);
    for (const [side, window] of [
      ['service', serviceWindow],
      ['raw', rawWindow],
    ] as const) {
      if (window.exhaustedClients > 0) log(`${side}: ${window.exhaustedClients} clients ran out of cases: raise BENCH_CASES_PER_CLIENT`);
    }
  } finally {
    await cleanup();
  }
}

main().catch((error: unknown) => {
  if (error instanceof Interrupted) {
    process.exitCode = 130;
    return;
  }
  console.error('benchmark failed:', error instanceof Error ? (error.stack ?? error.message) : error);
  process.exitCode = 1;
});
