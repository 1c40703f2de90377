/**
 * Webhook latency under a steady load: how long after a transition commits its webhook reaches a
 * subscriber on loopback. Prints one JSON object.
 *   DATABASE_URL=postgres://... npm run bench:webhooks
 *
 * 1. Starts the service as a child process (log level warn, PERCORSI_WEBHOOK_ALLOWLIST=127.0.0.1,
 *    PERCORSI_WEBHOOK_ALLOW_HTTP=true, a random PERCORSI_SECRET_KEY) on DATABASE_URL in a fresh schema
 *    bench_<random>, dropped at the end; other PERCORSI_* variables of the environment pass through
 *    (PERCORSI_WEBHOOK_CONCURRENCY, PERCORSI_WEBHOOK_POLL_MS...).
 * 2. Starts the subscriber (test/support/webhook-receiver.ts, the tests' receiver): a loopback HTTP server in a process of
 *    its own (BENCH_RECEIVER=inprocess: in this one) that stamps each request when its headers arrive
 *    and answers 200 at once; one subscription (all events, per-case ordering) points at it.
 * 3. Opens one person case through the API and clones it in SQL; BENCH_ACTIVE_CASES (100) of them are
 *    worked at a time, each with the legal sequence of bench/support/person-sequence.ts (20 events),
 *    one request in flight per case; a closed case is replaced by a fresh one.
 * 4. Open loop: POST /cases/:id/events over HTTP keep-alive on a fixed schedule, BENCH_RATE (500) per
 *    second, whatever the responses do (a request waits only when all active cases have one in flight);
 *    BENCH_WARMUP_SECONDS (3) not counted, then BENCH_SECONDS (20) measured.
 * 5. Waits up to BENCH_DRAIN_SECONDS (30) for every webhook, then 1 s more for duplicates.
 *
 * Commit-to-receipt, per measured transition (matched by webhook-id = the event's id in the response):
 * - fromRecordedAt: receipt - the event's recordedAt (the service's clock, read before the write
 *   statement, so before the commit): an upper bound of the true latency, used for the targets;
 * - fromResponse: receipt - when the 200 response's headers reached the client (after the commit): a
 *   lower bound (it can be negative: the dispatcher is woken before the response is written).
 * Both clocks are the same machine's wall clock (performance.timeOrigin + performance.now()).
 * Environment: BENCH_RATE, BENCH_SECONDS, BENCH_WARMUP_SECONDS, BENCH_DRAIN_SECONDS, BENCH_ACTIVE_CASES,
 * BENCH_RECEIVER (child | inprocess), BENCH_LOG_LEVEL (the service's, default warn), BENCH_KEEP_SCHEMA=1
 * (keep the schema to inspect it), BENCH_CPU_PROF_DIR (write a CPU profile of the service there).
 * Targets are reported, not asserted: the exit code is 0 whatever the figures.
 */
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import os from 'node:os';
import pg from 'pg';
import { CONFIG_VARIABLES } from '../src/config/app-config.js';
import { startCpuMeter } from './support/cpu.js';
import { EVENT_BODIES } from './support/person-sequence.js';
import { cloneCases } from './support/seed-cases.js';
import { startService, type ServiceUnderTest } from './support/service-under-test.js';
import { forkBenchReceiver, startBenchReceiver, wallClockMs, type BenchReceiver } from '../test/support/webhook-receiver.js';
import { integer, requireDatabaseUrl } from './support/bench-env.js';
import { distribution, machineFacts, request, round, sleep } from './support/measure.js';
import { taxCode } from '../test/support/subjects.js';

const databaseUrl = requireDatabaseUrl('bench:webhooks');

const SECONDS = integer('BENCH_SECONDS', 20);
const WARMUP_SECONDS = integer('BENCH_WARMUP_SECONDS', 3, 0);
const RATE = integer('BENCH_RATE', 500);
const DRAIN_SECONDS = integer('BENCH_DRAIN_SECONDS', 30);
const ACTIVE_CASES = integer('BENCH_ACTIVE_CASES', 100);
const RECEIVER_MODE = process.env.BENCH_RECEIVER ?? 'child';
if (RECEIVER_MODE !== 'child' && RECEIVER_MODE !== 'inprocess') {
  console.error(`BENCH_RECEIVER must be child or inprocess, got '${RECEIVER_MODE}'`);
  process.exit(2);
}
const LOG_LEVEL = process.env.BENCH_LOG_LEVEL ?? 'warn';
const KEEP_SCHEMA = process.env.BENCH_KEEP_SCHEMA === '1';
const CPU_PROFILE_DIR = process.env.BENCH_CPU_PROF_DIR;
const SEQUENCE = EVENT_BODIES.length;
const TOTAL_REQUESTS = RATE * (WARMUP_SECONDS + SECONDS);
const CASES = Math.ceil((TOTAL_REQUESTS / SEQUENCE) * 1.1) + ACTIVE_CASES;
const SCHEMA = `bench_${randomBytes(5).toString('hex')}`;
const TARGET_P50_MS = 20;
const TARGET_P99_MS = 200;
/** The load counts as sustained when this share of the scheduled rate completed. */
const RATE_TOLERANCE = 0.98;

const log = (message: string) => process.stderr.write(`[bench:webhooks] ${message}\n`);

let interrupted = false;
class Interrupted extends Error {}
process.on('SIGINT', () => {
  if (interrupted) process.exit(130);
  interrupted = true;
  log('interrupted: stopping the load, then the service, then dropping the schema (Ctrl-C again: exit now)');
});

/** The service's setting: the environment's value (it passes through to the child) or the default. */
const setting = (name: string) => process.env[name] ?? CONFIG_VARIABLES.find((v) => v.name === name)?.default ?? null;

/** One committed transition, as the client saw it. */
interface Committed {
  recordedAt: number;
  respondedAt: number;
  measured: boolean;
}

class Load {
  readonly committed = new Map<string, Committed>();
  readonly requestLatencies: number[] = [];
  readonly startLags: number[] = [];
  readonly errorSamples: string[] = [];
  ok = 0;
  errors = 0;
  measuredOk = 0;
  lastCompletion = 0;
  inFlight = 0;
  /** Scheduled requests that found every active case busy and waited for one. */
  waitedForCase = 0;
  private readonly free: { id: string; next: number }[] = [];
  private readonly waiting: number[] = [];
  private reserve: string[];
  private idle: (() => void) | null = null;

  constructor(
    private readonly agent: http.Agent,
    private readonly service: ServiceUnderTest,
    caseIds: string[],
    readonly measureStart: number,
    readonly measureEnd: number,
  ) {
    this.reserve = caseIds.slice(ACTIVE_CASES);
    for (const id of caseIds.slice(0, ACTIVE_CASES)) this.free.push({ id, next: 0 });
  }

  /** A request whose time has come (`scheduledAt`): sent now on a free case, or as soon as one is free. */
  fire(scheduledAt: number): void {
    const item = this.free.shift();
    if (item) this.send(item, scheduledAt);
    else {
      this.waitedForCase++;
      this.waiting.push(scheduledAt);
    }
  }

  private release(item: { id: string; next: number } | null): void {
    let next = item;
    if (next === null || next.next >= SEQUENCE) {
      const id = this.reserve.shift();
      next = id ? { id, next: 0 } : null;
    }
    if (next) {
      const scheduledAt = this.waiting.shift();
      if (scheduledAt !== undefined) this.send(next, scheduledAt);
      else this.free.push(next);
    }
    if (this.inFlight === 0 && this.waiting.length === 0) this.idle?.();
  }

  private send(item: { id: string; next: number }, scheduledAt: number): void {
    const startedAt = wallClockMs();
    const measured = scheduledAt >= this.measureStart && scheduledAt < this.measureEnd;
    if (measured) this.startLags.push(startedAt - scheduledAt);
    this.inFlight++;
    const body = JSON.stringify(EVENT_BODIES[item.next]);
    request(this.agent, this.service, 'POST', `/cases/${item.id}/events`, body).then(
      (response) => {
        this.inFlight--;
        if (response.status === 200) {
          const { event } = JSON.parse(response.text) as { event: { id: string; recordedAt: string } };
          this.committed.set(event.id, { recordedAt: Date.parse(event.recordedAt), respondedAt: response.at, measured });
          this.ok++;
          if (measured) {
            this.measuredOk++;
            this.requestLatencies.push(response.at - scheduledAt);
            this.lastCompletion = Math.max(this.lastCompletion, response.at);
          }
          item.next++;
          this.release(item);
        } else {
          this.fail(measured, `${response.status} ${response.text.slice(0, 300)}`);
          this.release(null); // the case is off its sequence: take a fresh one
        }
      },
      (error: unknown) => {
        this.inFlight--;
        this.fail(measured, String(error));
        this.release(null);
      },
    );
  }

  private fail(measured: boolean, sample: string): void {
    if (measured) this.errors++;
    if (this.errorSamples.length < 5) this.errorSamples.push(sample);
  }

  /** Resolves when every request sent (or waiting for a case) has its response. */
  settled(): Promise<void> {
    if (this.inFlight === 0 && this.waiting.length === 0) return Promise.resolve();
    return new Promise((resolve) => (this.idle = resolve));
  }
}

/** Sends TOTAL_REQUESTS on the fixed schedule t0 + i / RATE. */
function runSchedule(load: Load, t0: number): Promise<number> {
  return new Promise((resolve) => {
    let scheduled = 0;
    const tick = () => {
      const due = Math.min(TOTAL_REQUESTS, Math.floor(((wallClockMs() - t0) * RATE) / 1000) + 1);
      while (scheduled < due) {
        load.fire(t0 + (scheduled * 1000) / RATE);
        scheduled++;
      }
      if (scheduled >= TOTAL_REQUESTS || interrupted) resolve(scheduled);
      else setTimeout(tick, 1);
    };
    setTimeout(tick, Math.max(0, t0 - wallClockMs()));
  });
}

/** percorsi_webhook_attempts_total by outcome, and the backlog gauges, from /metrics. */
function parseMetrics(text: string) {
  const attempts: Record<string, number> = {};
  const gauges: Record<string, number> = {};
  for (const line of text.split('\n')) {
    const attempt = /^percorsi_webhook_attempts_total\{outcome="([^"]+)",error_class="([^"]+)"\} (\S+)$/.exec(line);
    if (attempt) attempts[attempt[2] === 'none' ? attempt[1] : `${attempt[1]}/${attempt[2]}`] = Number(attempt[3]);
    const gauge = /^percorsi_webhook_(deliveries_pending|deliveries_paused|deliveries_in_flight|oldest_pending_age_seconds) (\S+)$/.exec(
      line,
    );
    if (gauge) gauges[gauge[1]] = Number(gauge[2]);
  }
  return { attempts, backlog: gauges };
}

async function main(): Promise<void> {
  const admin = new pg.Client({ connectionString: databaseUrl, application_name: 'percorsi-bench' });
  await admin.connect();
  let service: ServiceUnderTest | null = null;
  let receiver: BenchReceiver | null = null;
  let agent: http.Agent | null = null;
  const cleanup = async () => {
    agent?.destroy();
    await receiver?.finish().catch(() => undefined);
    await service?.close().catch(() => undefined);
    if (KEEP_SCHEMA) log(`schema ${SCHEMA} kept (BENCH_KEEP_SCHEMA)`);
    else await admin.query(`DROP SCHEMA IF EXISTS "${SCHEMA}" CASCADE`).catch(() => undefined);
    await admin.end().catch(() => undefined);
  };
  const stopIfInterrupted = () => {
    if (interrupted) throw new Interrupted('interrupted');
  };
  try {
    const [{ server_version: serverVersion, synchronous_commit: synchronousCommit }] = (
      await admin.query(
        `SELECT current_setting('server_version') AS server_version, current_setting('synchronous_commit') AS synchronous_commit`,
      )
    ).rows as { server_version: string; synchronous_commit: string }[];
    const loadBefore = os.loadavg()[0];

    receiver = RECEIVER_MODE === 'child' ? await forkBenchReceiver() : await startBenchReceiver();
    log(`receiver (${RECEIVER_MODE}) on ${receiver.url}; starting the service (schema ${SCHEMA}, log level ${LOG_LEVEL})`);
    service = await startService({
      mode: 'child',
      env: {
        DATABASE_URL: databaseUrl,
        PERCORSI_DB_SCHEMA: SCHEMA,
        PERCORSI_LOG_LEVEL: LOG_LEVEL,
        PERCORSI_WEBHOOK_ALLOWLIST: '127.0.0.1',
        PERCORSI_WEBHOOK_ALLOW_HTTP: 'true',
        // Otherwise the service would generate a key file in PERCORSI_DATA_DIR (./data).
        PERCORSI_SECRET_KEY: randomBytes(32).toString('hex'),
      },
      cpuProfileDir: CPU_PROFILE_DIR,
    });
    agent = new http.Agent({ keepAlive: true, maxSockets: ACTIVE_CASES + 4 });

    // Every request carries the provisioned operator's token (service.headers); the case goes to its one office.
    const opened = await request(agent, service, 'POST', '/cases', JSON.stringify({ pathway: 'person', subject: taxCode(), input: {} }));
    if (opened.status !== 201) throw new Error(`opening the template case failed: ${opened.status} ${opened.text}`);
    const templateId = (JSON.parse(opened.text) as { id: string }).id;
    await admin.query(`SET search_path = "${SCHEMA}"`);
    log(`seeding ${CASES} cases (${ACTIVE_CASES} worked at a time, ${SEQUENCE} events each)`);
    const caseIds = await cloneCases(admin, templateId, CASES, 'wh');
    await admin.query('ANALYZE cases; ANALYZE case_events');
    // Subscribed after the seeding: the template's CASE_OPENED is not part of the run.
    const subscribed = await request(
      agent,
      service,
      'POST',
      '/webhooks/subscriptions',
      JSON.stringify({ url: receiver.url, description: 'bench' }),
    );
    if (subscribed.status !== 201) throw new Error(`subscribing failed: ${subscribed.status} ${subscribed.text}`);
    await receiver.setSecret((JSON.parse(subscribed.text) as { secret: string }).secret);
    await admin.query('CHECKPOINT').catch(() => log('CHECKPOINT not permitted'));
    stopIfInterrupted();

    log(`load: ${RATE} transitions/s, ${WARMUP_SECONDS} s warm-up + ${SECONDS} s measured`);
    const t0 = wallClockMs() + 100;
    const measureStart = t0 + WARMUP_SECONDS * 1000;
    const measureEnd = measureStart + SECONDS * 1000;
    const load = new Load(agent, service, caseIds, measureStart, measureEnd);
    const queriesBefore = await service.queries();
    // CPU over the measured part only: the warm-up is over when the meter starts.
    const cpuStarted = sleep(measureStart - wallClockMs()).then(() =>
      startCpuMeter(admin, service!.pid, 'percorsi', RECEIVER_MODE === 'child' ? { receiver: receiver!.pid } : {}),
    );
    const scheduled = await runSchedule(load, t0);
    const cpu = await (await cpuStarted).stop();
    await load.settled();
    const loadEnd = wallClockMs();
    stopIfInterrupted();

    // Drain: every committed transition's webhook, or the time limit; then a second for duplicates.
    log(`load done (${load.ok} transitions committed); draining up to ${DRAIN_SECONDS} s`);
    const drainDeadline = loadEnd + DRAIN_SECONDS * 1000;
    while (!interrupted && wallClockMs() < drainDeadline && (await receiver.count()) < load.committed.size) await sleep(100);
    await sleep(1000);
    // Every statement of the run, the deliveries' included, per transition committed.
    const roundTrips = (await service.queries()) - queriesBefore;
    const metrics = parseMetrics((await request(agent, service, 'GET', '/metrics')).text);
    const report = await receiver.finish();
    receiver = null;
    stopIfInterrupted();

    // Match receipts to commits by webhook-id.
    const firstReceipt = new Map<string, number>();
    let duplicates = 0;
    let unexpected = 0;
    let lastReceipt = 0;
    for (const [id, at] of report.receipts) {
      if (!load.committed.has(id)) unexpected++;
      else if (firstReceipt.has(id)) duplicates++;
      else {
        firstReceipt.set(id, at);
        lastReceipt = Math.max(lastReceipt, at);
      }
    }
    const fromRecordedAt: number[] = [];
    const fromResponse: number[] = [];
    let missing = 0;
    let missingMeasured = 0;
    for (const [id, c] of load.committed) {
      const at = firstReceipt.get(id);
      if (at === undefined) {
        missing++;
        if (c.measured) missingMeasured++;
      } else if (c.measured) {
        fromRecordedAt.push(at - c.recordedAt);
        fromResponse.push(at - c.respondedAt);
      }
    }
    let deliveredInWindow = 0;
    for (const at of firstReceipt.values()) if (at >= measureStart && at < measureEnd) deliveredInWindow++;

    // Per second of the measured window: transitions committed (by recordedAt), and their latency.
    const perSecond = Array.from({ length: SECONDS }, () => [] as number[]);
    for (const [id, c] of load.committed) {
      const at = firstReceipt.get(id);
      const second = Math.floor((c.recordedAt - measureStart) / 1000);
      if (c.measured && at !== undefined && second >= 0 && second < SECONDS) perSecond[second].push(at - c.recordedAt);
    }

    const elapsed = (Math.max(load.lastCompletion, measureEnd) - measureStart) / 1000;
    const achieved = round(load.measuredOk / elapsed, 1);
    const latency = distribution(fromRecordedAt);
    const targets = {
      rateSustained: { target: RATE, value: achieved, met: achieved >= RATE * RATE_TOLERANCE },
      p50AtMost20Ms: {
        target: TARGET_P50_MS,
        value: latency.p50,
        met: latency.p50 !== null && latency.p50 <= TARGET_P50_MS && missingMeasured === 0,
      },
      p99AtMost200Ms: {
        target: TARGET_P99_MS,
        value: latency.p99,
        met: latency.p99 !== null && latency.p99 <= TARGET_P99_MS && missingMeasured === 0,
      },
    };
    console.log(
      JSON.stringify(
        {
          transitions: {
            targetPerSec: RATE,
            achievedPerSec: achieved,
            scheduled,
            committed: load.ok,
            measured: load.measuredOk,
            errors: load.errors,
            requestLatencyMs: distribution(load.requestLatencies),
            startLagMs: distribution(load.startLags),
            waitedForCase: load.waitedForCase,
            ...(load.errorSamples.length > 0 ? { errorSamples: load.errorSamples } : {}),
          },
          deliveries: {
            perSec: round(deliveredInWindow / SECONDS, 1),
            received: report.receipts.length,
            missing,
            missingMeasured,
            duplicates,
            unexpected,
            badSignatures: report.badSignatures,
            orderViolations: report.orderViolations,
            drainSeconds: round(Math.max(0, lastReceipt - loadEnd) / 1000, 2),
          },
          commitToReceiptMs: {
            fromRecordedAt: latency,
            fromResponse: { ...distribution(fromResponse), negative: fromResponse.filter((v) => v < 0).length },
          },
          targets,
          perSecond: perSecond.map((values, s) => {
            const d = distribution(values);
            return { s, committed: d.count, p50: d.p50, p99: d.p99, max: d.max };
          }),
          service: {
            ...metrics,
            // The service's PostgreSQL statements from the start of the load to the end of the drain, per
            // transition committed: 2 for the transition, the rest for its delivery (claims, records).
            roundTripsPerTransition: round(roundTrips / Math.max(1, load.ok), 3),
          },
          cpu: cpu && {
            machineBusyPercent: cpu.machineBusyPercent,
            seconds: cpu.cpuSeconds,
            msPerTransition: cpu.cpuMsPerTransition(load.measuredOk),
          },
          setup: {
            seconds: SECONDS,
            warmupSeconds: WARMUP_SECONDS,
            rate: RATE,
            activeCases: ACTIVE_CASES,
            receiver: RECEIVER_MODE,
            serviceLogLevel: LOG_LEVEL,
            webhookConcurrency: Number(setting('PERCORSI_WEBHOOK_CONCURRENCY')),
            webhookPollMs: Number(setting('PERCORSI_WEBHOOK_POLL_MS')),
            servicePoolSize: Number(setting('PERCORSI_DB_POOL_SIZE')),
            receiverClockSkewMs: round(report.clockSkewMs, 3),
            benchClockSkewMs: round(wallClockMs() - Date.now(), 3),
          },
          machine: machineFacts(loadBefore, { postgres: serverVersion, synchronousCommit }),
        },
        null,
        2,
      ),
    );
    log(`achieved ${achieved} transitions/s (target ${RATE}): ${targets.rateSustained.met ? 'sustained' : 'NOT sustained'}`);
    log(`commit-to-receipt p50 ${latency.p50} ms (target <= ${TARGET_P50_MS}): ${targets.p50AtMost20Ms.met ? 'met' : 'NOT met'}`);
    log(`commit-to-receipt p99 ${latency.p99} ms (target <= ${TARGET_P99_MS}): ${targets.p99AtMost200Ms.met ? 'met' : 'NOT met'}`);
    if (missing > 0) log(`${missing} webhooks missing after the drain`);
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
