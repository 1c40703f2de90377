/**
 * Starts the service for the benchmark: in this process (createApp + listen) or as a child process
 * (`node --import tsx src/main.ts`, optionally with --cpu-prof). Either way it can report how many
 * PostgreSQL round trips it has made so far (see count-pg-queries.ts).
 */
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { installQueryCounter, queryCount } from './count-pg-queries.js';

export interface ServiceUnderTest {
  host: string;
  port: number;
  /** The child's pid; null in process. */
  pid: number | null;
  /** The service's PostgreSQL round trips so far. */
  queries(): Promise<number>;
  close(): Promise<void>;
  /** Child only: SIGKILL, resolved once the process is gone (a crash, as the failover benchmark needs). */
  kill(): Promise<void>;
}

export interface ServiceOptions {
  mode: 'child' | 'inprocess';
  /** The service's environment on top of process.env (PERCORSI_* and DATABASE_URL). */
  env: Record<string, string>;
  /** Child only: write a V8 CPU profile (.cpuprofile) into this folder when the service stops. */
  cpuProfileDir?: string;
}

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

export async function startService(options: ServiceOptions): Promise<ServiceUnderTest> {
  return options.mode === 'inprocess' ? startInProcess(options.env) : startChild(options);
}

async function startInProcess(env: Record<string, string>): Promise<ServiceUnderTest> {
  installQueryCounter();
  const { createApp } = await import('../../src/app.js');
  const { loadConfig } = await import('../../src/config/app-config.js');
  const app = await createApp({ config: loadConfig({ ...process.env, ...env }) });
  await app.listen(0, '127.0.0.1');
  const address = app.getHttpServer().address() as { port: number };
  return {
    host: '127.0.0.1',
    port: address.port,
    pid: null,
    queries: () => Promise.resolve(queryCount()),
    close: () => app.close(),
    kill: () => Promise.reject(new Error('a service in process cannot be killed')),
  };
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

async function startChild(options: ServiceOptions): Promise<ServiceUnderTest> {
  const port = await freePort();
  const args = [
    '--import',
    'tsx',
    '--import',
    './bench/support/count-pg-queries.ts',
    ...(options.cpuProfileDir ? ['--cpu-prof', `--cpu-prof-dir=${options.cpuProfileDir}`] : []),
    'src/main.ts',
  ];
  const child = spawn(process.execPath, args, {
    cwd: ROOT,
    env: { ...process.env, ...options.env, PORT: String(port), PERCORSI_HOST: '127.0.0.1', BENCH_COUNT_PG_QUERIES: '1' },
    // Logs (pino, on stdout) go nowhere, as to a log shipper that keeps up; stderr carries the counts.
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const tail: string[] = [];
  const waiting: ((count: number) => void)[] = [];
  let buffered = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk: string) => {
    buffered += chunk;
    let newline: number;
    while ((newline = buffered.indexOf('\n')) >= 0) {
      const line = buffered.slice(0, newline);
      buffered = buffered.slice(newline + 1);
      const counted = /^PG_QUERIES (\d+)$/.exec(line);
      if (counted) waiting.shift()?.(Number(counted[1]));
      else {
        tail.push(line);
        if (tail.length > 40) tail.shift();
      }
    }
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  let alive = true;
  void exited.then(() => (alive = false));

  const deadline = Date.now() + 60_000;
  for (;;) {
    if (!alive) throw new Error(`the service exited during start-up:\n${tail.join('\n')}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`the service did not answer /health within 60 s:\n${tail.join('\n')}`);
    }
    const ok = await fetch(`http://127.0.0.1:${port}/health`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) break;
    await new Promise((r) => setTimeout(r, 200));
  }

  return {
    host: '127.0.0.1',
    port,
    pid: child.pid ?? null,
    queries: () =>
      new Promise<number>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('the service did not report its query count')), 5000);
        waiting.push((count) => {
          clearTimeout(timer);
          resolve(count);
        });
        child.kill('SIGUSR2');
      }),
    kill: async () => {
      if (!alive) return;
      child.kill('SIGKILL');
      await exited;
    },
    close: async () => {
      if (!alive) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
      const code = await exited;
      clearTimeout(timer);
      if (code !== 0) process.stderr.write(`service exited with code ${code}:\n${tail.join('\n')}\n`);
    },
  };
}
