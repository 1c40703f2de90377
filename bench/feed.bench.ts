/**
 * The inspector's live feed under load: how long after a transition commits it reaches the pages
 * watching the case, on the same replica and on another one, and what an open stream costs.
 * Prints one JSON object.
 *   DATABASE_URL=postgres://... npm run bench:feed
 *
 * 1. Starts two service processes (replicas A and B) on DATABASE_URL in a fresh schema
 *    bench_<random>, dropped at the end.
 * 2. Opens BENCH_CASES (50) person cases and BENCH_WATCHERS (4) streams per case
 *    (GET /cases/:id/stream), half on A and half on B; reads each replica's resident memory before
 *    and after opening them.
 * 3. Posts INFORMATION_GIVEN (allowed again and again) to random cases through B, at BENCH_RATE (100)
 *    per second for BENCH_SECONDS (15) after BENCH_WARMUP_SECONDS (2), one request at a time per case.
 * 4. For every measured transition and every stream, the time from the POST's response (after the
 *    commit) to the `transition` message's arrival: on B's streams the in-process wake-up, on A's
 *    the NOTIFY between replicas (the poll, every 3 s, is the safety net). Missing and duplicate
 *    messages are counted.
 * Targets are not set by the issue; the figures are reported, not asserted (exit code 0).
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import pg from 'pg';
import { integer, requireDatabaseUrl } from './support/bench-env.js';
import { startService, type ServiceUnderTest } from './support/service-under-test.js';
import { wallClockMs } from '../test/support/webhook-receiver.js';
import { distribution, request, round, sleep } from './support/measure.js';
import { taxCode } from '../test/support/subjects.js';

const databaseUrl = requireDatabaseUrl('bench:feed');
const CASES = integer('BENCH_CASES', 50);
const WATCHERS = integer('BENCH_WATCHERS', 4);
const RATE = integer('BENCH_RATE', 100);
const SECONDS = integer('BENCH_SECONDS', 15);
const WARMUP_SECONDS = integer('BENCH_WARMUP_SECONDS', 2, 0);
const SCHEMA = `bench_${randomBytes(5).toString('hex')}`;
const EVENT = JSON.stringify({ type: 'INFORMATION_GIVEN', referral: 'A2' });

const log = (message: string) => process.stderr.write(`[bench:feed] ${message}\n`);
/** Resident memory of a process, in MiB (Linux). */
function rssMiB(pid: number | null): number | null {
  if (pid === null) return null;
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match ? round(Number(match[1]) / 1024, 1) : null;
}

/** One open stream: the arrival time of each transition's event id. */
interface Watcher {
  replica: 'A' | 'B';
  caseId: string;
  arrivals: Map<string, number>;
  duplicates: number;
  request: http.ClientRequest;
}

function watch(service: ServiceUnderTest, replica: 'A' | 'B', caseId: string): Promise<Watcher> {
  return new Promise((resolve, reject) => {
    const options = { host: service.host, port: service.port, path: `/cases/${caseId}/stream`, agent: false, headers: service.headers };
    const request = http.get(options, (response) => {
      if (response.statusCode !== 200) return reject(new Error(`stream ${caseId}: HTTP ${response.statusCode}`));
      const watcher: Watcher = { replica, caseId, arrivals: new Map(), duplicates: 0, request };
      let buffered = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => {
        const at = wallClockMs();
        buffered += chunk;
        let end: number;
        while ((end = buffered.indexOf('\n\n')) >= 0) {
          const block = buffered.slice(0, end);
          buffered = buffered.slice(end + 2);
          if (!block.startsWith('event: transition')) continue;
          const data = block.split('\n').find((line) => line.startsWith('data: '));
          if (!data) continue;
          const id = (JSON.parse(data.slice(6)) as { event: { id: string } }).event.id;
          if (watcher.arrivals.has(id)) watcher.duplicates += 1;
          else watcher.arrivals.set(id, at);
        }
      });
      response.on('error', () => undefined);
      resolve(watcher);
    });
    request.on('error', reject);
  });
}

async function main() {
  const admin = new pg.Client({ connectionString: databaseUrl });
  await admin.connect();
  const services: ServiceUnderTest[] = [];
  const watchers: Watcher[] = [];
  const agent = new http.Agent({ keepAlive: true, maxSockets: CASES + 4 });
  try {
    const env = {
      DATABASE_URL: databaseUrl,
      PERCORSI_DB_SCHEMA: SCHEMA,
      PERCORSI_LOG_LEVEL: 'warn',
      PERCORSI_SECRET_KEY: randomBytes(32).toString('hex'),
    };
    log(`starting replicas A and B (schema ${SCHEMA})`);
    const a = await startService({ mode: 'child', env });
    services.push(a);
    // One database: B acts as the operator A provisioned.
    const b = await startService({ mode: 'child', env, operator: a.operator });
    services.push(b);

    const caseIds: string[] = [];
    for (let i = 0; i < CASES; i++) {
      const opened = await request(agent, b, 'POST', '/cases', JSON.stringify({ pathway: 'person', subject: taxCode() }));
      if (opened.status !== 201) throw new Error(`opening a case: ${opened.status} ${opened.text}`);
      caseIds.push((JSON.parse(opened.text) as { id: string }).id);
    }
    await sleep(500);
    const memoryBefore = { A: rssMiB(a.pid), B: rssMiB(b.pid) };
    for (const id of caseIds) {
      for (let w = 0; w < WATCHERS; w++) watchers.push(await watch(w % 2 === 0 ? a : b, w % 2 === 0 ? 'A' : 'B', id));
    }
    await sleep(1000);
    const memoryAfter = { A: rssMiB(a.pid), B: rssMiB(b.pid) };
    log(`${watchers.length} streams open; load: ${RATE}/s, ${WARMUP_SECONDS} s warm-up + ${SECONDS} s measured, posted through B`);

    const committed = new Map<string, { caseId: string; respondedAt: number }>();
    const requestMs: number[] = [];
    const busy = new Set<string>();
    let errors = 0;
    let skipped = 0;
    const t0 = wallClockMs();
    const measureStart = t0 + WARMUP_SECONDS * 1000;
    const total = RATE * (WARMUP_SECONDS + SECONDS);
    const inFlight: Promise<void>[] = [];
    for (let n = 0; n < total; n++) {
      const due = t0 + (n * 1000) / RATE;
      const wait = due - wallClockMs();
      if (wait > 0) await sleep(wait);
      const free = caseIds.filter((id) => !busy.has(id));
      if (free.length === 0) {
        skipped += 1;
        continue;
      }
      const caseId = free[Math.floor(Math.random() * free.length)];
      busy.add(caseId);
      const sentAt = wallClockMs();
      inFlight.push(
        request(agent, b, 'POST', `/cases/${caseId}/events`, EVENT).then(
          (res) => {
            busy.delete(caseId);
            if (res.status !== 200) return void (errors += 1);
            const id = (JSON.parse(res.text) as { event: { id: string } }).event.id;
            if (due >= measureStart) {
              committed.set(id, { caseId, respondedAt: res.at });
              requestMs.push(res.at - sentAt);
            }
          },
          () => {
            busy.delete(caseId);
            errors += 1;
          },
        ),
      );
    }
    await Promise.all(inFlight);
    // Up to one poll period and a half for the stragglers.
    await sleep(5000);

    const latency = { sameReplica: [] as number[], otherReplica: [] as number[] };
    let missing = 0;
    for (const [id, sent] of committed) {
      for (const watcher of watchers) {
        if (watcher.caseId !== sent.caseId) continue;
        const at = watcher.arrivals.get(id);
        if (at === undefined) missing += 1;
        else (watcher.replica === 'B' ? latency.sameReplica : latency.otherReplica).push(at - sent.respondedAt);
      }
    }
    const streams = watchers.length;
    const report = {
      machine: { cpus: os.cpus().length, loadAverage1m: round(os.loadavg()[0]) },
      settings: { cases: CASES, watchersPerCase: WATCHERS, streams, rate: RATE, seconds: SECONDS },
      transitions: { measured: committed.size, errors, skippedAllCasesBusy: skipped, requestMs: distribution(requestMs) },
      deliveries: { expected: committed.size * WATCHERS, missing, duplicates: watchers.reduce((s, w) => s + w.duplicates, 0) },
      responseToPageMs: { sameReplica: distribution(latency.sameReplica), otherReplica: distribution(latency.otherReplica) },
      memoryMiB: {
        before: memoryBefore,
        withStreams: memoryAfter,
        perStreamKiB: {
          A: memoryBefore.A !== null && memoryAfter.A !== null ? round(((memoryAfter.A - memoryBefore.A) * 1024) / (streams / 2), 1) : null,
          B: memoryBefore.B !== null && memoryAfter.B !== null ? round(((memoryAfter.B - memoryBefore.B) * 1024) / (streams / 2), 1) : null,
        },
      },
    };
    console.log(JSON.stringify(report, null, 2));
  } finally {
    for (const watcher of watchers) watcher.request.destroy();
    agent.destroy();
    for (const service of services) await service.close().catch(() => undefined);
    await admin.query(`DROP SCHEMA IF EXISTS "${SCHEMA}" CASCADE`).catch(() => undefined);
    await admin.end().catch(() => undefined);
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
