/** What the HTTP benchmarks share: rounding, waiting, percentiles, one request with its arrival time. */
import http from 'node:http';
import os from 'node:os';
import { wallClockMs } from '../../test/support/webhook-receiver.js';

export const round = (n: number, digits = 2) => Number(n.toFixed(digits));
/** The machine a benchmark ran on, and its load (1-minute average) before and now, for the printed result. */
export const machineFacts = (loadBefore: number, extra: Record<string, unknown> = {}) => ({
  cpus: os.cpus().length,
  node: process.version,
  ...extra,
  loadAverage1mBefore: round(loadBefore, 2),
  loadAverage1mAfter: round(os.loadavg()[0], 2),
});
export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Nearest-rank percentiles of a list of milliseconds. */
export function distribution(values: number[]) {
  const sorted = Float64Array.from(values).sort();
  const q = (p: number) =>
    sorted.length ? round(sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))]) : null;
  return {
    count: sorted.length,
    min: q(0),
    p50: q(0.5),
    p90: q(0.9),
    p95: q(0.95),
    p99: q(0.99),
    max: sorted.length ? round(sorted[sorted.length - 1]) : null,
  };
}

/**
 * One request on a keep-alive agent; `at` is when the response's headers arrived (wall clock). It
 * carries the target's `headers` (a ServiceUnderTest's: the benchmark operator's token), then `headers`.
 */
export function request(
  agent: http.Agent,
  target: { host: string; port: number; headers?: Record<string, string> },
  method: string,
  path: string,
  body?: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; text: string; at: number }> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        agent,
        host: target.host,
        port: target.port,
        method,
        path,
        headers: {
          ...target.headers,
          ...(body === undefined ? {} : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) }),
          ...headers,
        },
      },
      (response) => {
        const at = wallClockMs();
        let text = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => (text += chunk));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, text, at }));
        response.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}
