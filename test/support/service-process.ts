import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll } from '@jest/globals';
import { forgetSignedIn } from './signed-in.js';
import { newTestDatabase, signInTestOperator, TEST_ADMIN_PASSWORD, type TestDatabase, type TestOperator } from './test-app.js';

/** The repository root: src/main.ts is started from here. */
export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** A child process running the service (by default `node --import tsx src/main.ts`). */
export interface ServiceProcess {
  pid: number;
  /** Everything the process wrote to stdout and stderr so far, interleaved. */
  output(): string;
  kill(signal?: NodeJS.Signals): void;
  /** Resolves when the process has exited; rejects after `timeoutMs` (the process is left running). */
  waitForExit(timeoutMs?: number): Promise<Exit>;
  readonly exited: boolean;
}

/** A started service that answered GET /health with 200. */
export interface RunningService extends ServiceProcess {
  url: string;
  port: number;
  /** The operator the tests act as (see signInTestOperator); null with `signIn: false`. */
  operator: TestOperator | null;
  /** SIGTERM, then SIGKILL if it has not exited after `timeoutMs`. Never throws. */
  stop(timeoutMs?: number): Promise<Exit>;
}

/** A loopback TCP port that was free a moment ago. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/**
 * The environment of a child service: this process's, minus anything that configures the service
 * (the test runner may have DATABASE_URL set) or the child's Node, plus the database's and the
 * caller's variables.
 */
function childEnv(env: Record<string, string>): NodeJS.ProcessEnv {
  const inherited = Object.fromEntries(
    Object.entries(process.env).filter(
      ([name]) => !name.startsWith('PERCORSI_') && !['DATABASE_URL', 'PORT', 'NODE_OPTIONS'].includes(name),
    ),
  );
  // No deadline scheduler unless asked for (see startTestApp).
  return { ...inherited, PERCORSI_LOG_LEVEL: 'warn', PERCORSI_HOST: '127.0.0.1', PERCORSI_DEADLINE_SCAN_SECONDS: '0', ...env };
}

/**
 * Spawns the service with exactly this configuration (added to the inherited environment), without
 * waiting for it: `node --import tsx src/main.ts`, or another command run from the repository root
 * (such as `npm start`).
 */
export function spawnService(
  env: Record<string, string>,
  command: [string, ...string[]] = [process.execPath, '--import', 'tsx', 'src/main.ts'],
): ServiceProcess {
  const child: ChildProcess = spawn(command[0], command.slice(1), {
    cwd: ROOT,
    env: childEnv(env),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const append = (chunk: Buffer) => {
    output += chunk.toString();
    // Keep the tail only: a runaway log must not eat the test's memory.
    if (output.length > 200_000) output = output.slice(-100_000);
  };
  child.stdout!.on('data', append);
  child.stderr!.on('data', append);
  let exit: Exit | null = null;
  const exited = new Promise<Exit>((resolve) => {
    child.on('exit', (code, signal) => {
      exit = { code, signal };
      resolve(exit);
    });
    child.on('error', (error) => {
      append(Buffer.from(`spawn error: ${error.message}\n`));
      exit = { code: null, signal: null };
      resolve(exit);
    });
  });
  if (child.pid === undefined) throw new Error(`could not spawn the service: ${output}`);
  return {
    pid: child.pid,
    output: () => output,
    kill: (signal: NodeJS.Signals = 'SIGTERM') => {
      if (exit === null) child.kill(signal);
    },
    waitForExit: async (timeoutMs = 30_000) => {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`the service (pid ${child.pid}) did not exit within ${timeoutMs} ms; output:\n${output}`)),
          timeoutMs,
        );
      });
      try {
        return await Promise.race([exited, timeout]);
      } finally {
        clearTimeout(timer);
      }
    },
    get exited() {
      return exit !== null;
    },
  };
}

/**
 * Starts the real service (`node --import tsx src/main.ts`) on a test database and a free port,
 * and waits until GET /health answers 200. On failure the process is killed and its output is in
 * the error.
 */
export async function startService(options: {
  database: TestDatabase;
  env?: Record<string, string>;
  readyTimeoutMs?: number;
  /** What to run instead of `node --import tsx src/main.ts` (see spawnService). */
  command?: [string, ...string[]];
  /** Sign in (default): the first admin's password is TEST_ADMIN_PASSWORD, and clients send an operator's token. */
  signIn?: boolean;
}): Promise<RunningService> {
  const port = await freePort();
  const signIn = options.signIn ?? true;
  const service = spawnService(
    { ...options.database.env, ...(signIn ? { PERCORSI_ADMIN_PASSWORD: TEST_ADMIN_PASSWORD } : {}), PORT: String(port), ...options.env },
    options.command,
  );
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + (options.readyTimeoutMs ?? 30_000);
  let last: string;
  for (;;) {
    if (service.exited) {
      const exit = await service.waitForExit();
      throw new Error(`the service exited before it was ready (code ${exit.code}, signal ${exit.signal}); output:\n${service.output()}`);
    }
    try {
      const response = await fetch(`${url}/health`, { signal: AbortSignal.timeout(2000) });
      const body = await response.text();
      if (response.status === 200) break;
      last = `${response.status} ${body}`;
    } catch (error) {
      last = error instanceof Error ? `${error.message}${error.cause instanceof Error ? `: ${error.cause.message}` : ''}` : String(error);
    }
    if (Date.now() > deadline) {
      service.kill('SIGKILL');
      await service.waitForExit(5000).catch(() => undefined);
      throw new Error(
        `the service was not ready within ${options.readyTimeoutMs ?? 30_000} ms (last: ${last}); output:\n${service.output()}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const operator = signIn
    ? (await signInTestOperator(url, options.env?.PERCORSI_ADMIN_PASSWORD ?? TEST_ADMIN_PASSWORD, options.database)).operator
    : null;
  return Object.assign(service, {
    url,
    port,
    operator,
    stop: async (timeoutMs = 15_000): Promise<Exit> => {
      forgetSignedIn(url);
      if (service.exited) return service.waitForExit();
      service.kill('SIGTERM');
      try {
        return await service.waitForExit(timeoutMs);
      } catch {
        service.kill('SIGKILL');
        return service.waitForExit(5000).catch(() => ({ code: null, signal: null }));
      }
    },
  });
}

/**
 * For a describe block: a fresh database (made before its tests) and `start`, which starts a
 * service process on it; after the tests every process started is stopped and the database dropped.
 */
export function processesOnOneDatabase(): { start(env?: Record<string, string>): Promise<RunningService> } {
  let database: TestDatabase | undefined;
  const services: RunningService[] = [];
  beforeAll(async () => {
    database = await newTestDatabase();
  });
  afterAll(async () => {
    for (const service of services) await service.stop();
    await database?.drop();
  });
  return {
    start: async (env) => {
      if (!database) throw new Error('the test database was not made');
      const service = await startService({ database, env });
      services.push(service);
      return service;
    },
  };
}
