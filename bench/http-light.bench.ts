/**
 * SPIKE (docs/benchmarks.md, "HTTP adapter: Express vs Fastify"): the HTTP stack's own cost on a light route.
 *   DATABASE_URL=postgres://... PERCORSI_HTTP_ADAPTER=express|fastify npx tsx bench/http-light.bench.ts /health/live|case [seconds]
 * The service as a child process (log level warn, a fresh schema dropped at the end); 32 keep-alive clients
 * GET the route (`case`: GET /cases/:id of one case opened first) for 3 s of warm-up, then the measured
 * seconds (default 15). Prints requests/s, p50, p99 and the service's CPU per request (Linux /proc, over the
 * requests completed between two samples of its CPU time).
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import pg from 'pg';
import { requireDatabaseUrl } from './support/bench-env.js';
import { round } from './support/measure.js';
import { startService } from './support/service-under-test.js';

const databaseUrl = requireDatabaseUrl('bench');
const [route = '/health/live', secondsArg = '15'] = process.argv.slice(2);
const CLIENTS = 32;
const WARMUP_SECONDS = 3;
const SECONDS = Number(secondsArg);
const SCHEMA = `bench_${randomBytes(5).toString('hex')}`;

/** The process's user + system CPU time in ms (clock ticks of 10 ms). */
function cpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

const service = await startService({
  mode: 'child',
  env: { DATABASE_URL: databaseUrl, PERCORSI_DB_SCHEMA: SCHEMA, PERCORSI_LOG_LEVEL: 'warn', PORT: '0', PERCORSI_HOST: '127.0.0.1' },
});
const admin = new pg.Client({ connectionString: databaseUrl });
await admin.connect();
try {
  const base = `http://${service.host}:${service.port}`;
  let path = route;
  if (route === 'case') {
    const opened = await fetch(`${base}/cases`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ pathway: 'person', subject: 'BENCH-LIGHT', office: 'CPI Bench', input: {} }),
    });
    path = `/cases/${((await opened.json()) as { id: string }).id}`;
  }
  const agent = new http.Agent({ keepAlive: true, maxSockets: CLIENTS });
  const get = () =>
    new Promise<number>((resolve, reject) => {
      http
        .get({ agent, host: service.host, port: service.port, path }, (response) => {
          response.resume();
          response.on('end', () => resolve(response.statusCode ?? 0));
        })
        .on('error', reject);
    });
  const start = performance.now() + WARMUP_SECONDS * 1000;
  const end = start + SECONDS * 1000;
  const latencies: number[] = [];
  let completed = 0;
  let errors = 0;
  const samples: { cpu: number; completed: number }[] = [];
  const sample = () => samples.push({ cpu: cpuMs(service.pid!), completed });
  setTimeout(sample, WARMUP_SECONDS * 1000);
  setTimeout(sample, (WARMUP_SECONDS + SECONDS) * 1000 - 200);
  await Promise.all(
    Array.from({ length: CLIENTS }, async () => {
      while (performance.now() < end) {
        const startedAt = performance.now();
        const status = await get();
        completed++;
        if (startedAt < start) continue;
        if (status === 200) latencies.push(performance.now() - startedAt);
        else errors++;
      }
    }),
  );
  agent.destroy();
  latencies.sort((a, b) => a - b);
  const q = (p: number) => round(latencies[Math.ceil(p * latencies.length) - 1], 2);
  const [first, last] = samples;
  console.log(
    JSON.stringify({
      adapter: process.env.PERCORSI_HTTP_ADAPTER ?? 'express',
      route,
      requestsPerSec: Math.round(latencies.length / SECONDS),
      p50Ms: q(0.5),
      p99Ms: q(0.99),
      errors,
      serviceCpuMsPerRequest: round((last.cpu - first.cpu) / (last.completed - first.completed), 3),
      loadAverage1m: round(os.loadavg()[0], 2),
    }),
  );
} finally {
  await service.close();
  await admin.query(`DROP SCHEMA IF EXISTS "${SCHEMA}" CASCADE`);
  await admin.end();
}
