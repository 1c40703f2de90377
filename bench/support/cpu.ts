/**
 * Where the CPU went during a phase (Linux /proc; elsewhere null): the whole machine, the service
 * process, the benchmark process (the load generator, or the raw `pg` driver), PostgreSQL's backends
 * serving the phase's connections, and its background processes (WAL writer, checkpointer,
 * autovacuum: they also work for other users of the server).
 * Whatever else the machine ran meanwhile is `other`: on a shared machine, that is the noise.
 * On the embedded database (no `admin` connection) PostgreSQL is PGlite inside the service process:
 * its CPU is the service's, and the postgres figures are 0.
 */
import { readFileSync, readdirSync, readlinkSync } from 'node:fs';
import type pg from 'pg';

const TICK_SECONDS = 0.01; // USER_HZ: 100 on Linux

function machineTicks(): { busy: number; total: number } | null {
  try {
    const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
    const total = fields.reduce((a, b) => a + b, 0);
    const idle = fields[3] + (fields[4] ?? 0); // idle + iowait
    return { busy: total - idle, total };
  } catch {
    return null;
  }
}

function processTicks(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(fields[11]) + Number(fields[12]); // utime + stime
  } catch {
    return 0;
  }
}

/** Local TCP ports of a process's sockets (its connections to PostgreSQL among them). */
function localPorts(pid: number): Set<number> {
  const inodes = new Set<string>();
  try {
    for (const fd of readdirSync(`/proc/${pid}/fd`)) {
      try {
        const link = readlinkSync(`/proc/${pid}/fd/${fd}`);
        if (link.startsWith('socket:[')) inodes.add(link.slice(8, -1));
      } catch {
        // closed meanwhile
      }
    }
  } catch {
    return new Set();
  }
  const ports = new Set<number>();
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    try {
      for (const line of readFileSync(table, 'utf8').split('\n').slice(1)) {
        const f = line.trim().split(/\s+/);
        if (f.length > 9 && inodes.has(f[9])) ports.add(parseInt(f[1].split(':')[1], 16));
      }
    } catch {
      // no IPv6 table
    }
  }
  return ports;
}

/**
 * The phase's backends (connections from `clientPid` named `applicationName`: other users of the same
 * server, such as a test run, are left out; over a Unix socket, which has no port, every connection
 * of that name counts) and the server's background processes.
 */
async function postgresPids(
  admin: pg.Client | null,
  clientPid: number,
  applicationName: string,
): Promise<{ pid: number; background: boolean }[]> {
  if (!admin) return [];
  const ports = [...localPorts(clientPid)];
  const { rows } = await admin.query<{ pid: number; background: boolean }>(
    `SELECT pid, backend_type <> 'client backend' AS background FROM pg_stat_activity
     WHERE (application_name = $1 AND (client_port = ANY($2::int[]) OR client_port = -1)) OR backend_type NOT IN ('client backend', 'walsender')`,
    [applicationName, ports],
  );
  return rows;
}

export interface CpuMeter {
  /** Call while the phase's connections are still open. */
  stop(): Promise<CpuReport | null>;
}

export interface CpuReport {
  machineBusyPercent: number;
  /** Plus one entry per extra process given to startCpuMeter. */
  cpuSeconds: { service: number | null; benchProcess: number; postgres: number; postgresBackground: number; other: number } & Record<
    string,
    number | null
  >;
  cpuMsPerTransition: (transitions: number) => Record<string, number | null>;
}

/**
 * Starts measuring. `servicePid` is the child's pid, or null when the service runs in this process
 * (then its CPU is part of benchProcess). The phase's PostgreSQL connections are those named
 * `applicationName` from the service's process (or this one); `admin` null: the embedded database. `extra`
 * names other processes of the benchmark to measure apart (by pid), which are then not counted in `other`.
 */
export async function startCpuMeter(
  admin: pg.Client | null,
  servicePid: number | null,
  applicationName: string,
  extra: Record<string, number> = {},
): Promise<CpuMeter> {
  const clientPid = servicePid ?? process.pid;
  const machine0 = machineTicks();
  if (!machine0) return { stop: () => Promise.resolve(null) };
  const bench0 = process.cpuUsage();
  const service0 = servicePid ? processTicks(servicePid) : 0;
  const extra0 = Object.fromEntries(Object.entries(extra).map(([name, pid]) => [name, processTicks(pid)]));
  const pg0 = new Map(
    (await postgresPids(admin, clientPid, applicationName)).map(({ pid, background }) => [pid, { ticks: processTicks(pid), background }]),
  );
  return {
    stop: async () => {
      const pids = new Map([...pg0].map(([pid, p]) => [pid, p.background]));
      for (const { pid, background } of await postgresPids(admin, clientPid, applicationName)) pids.set(pid, background);
      let postgres = 0;
      let background = 0;
      for (const [pid, isBackground] of pids) {
        const ticks = Math.max(0, processTicks(pid) - (pg0.get(pid)?.ticks ?? 0));
        if (isBackground) background += ticks;
        else postgres += ticks;
      }
      const machine1 = machineTicks()!;
      const benchUsage = process.cpuUsage(bench0);
      const bench = (benchUsage.user + benchUsage.system) / 1e6;
      const service = servicePid ? (processTicks(servicePid) - service0) * TICK_SECONDS : null;
      const busy = (machine1.busy - machine0.busy) * TICK_SECONDS;
      const postgresSeconds = postgres * TICK_SECONDS;
      const backgroundSeconds = background * TICK_SECONDS;
      const extraSeconds = Object.fromEntries(
        Object.entries(extra).map(([name, pid]) => [name, (processTicks(pid) - extra0[name]) * TICK_SECONDS]),
      );
      const extraTotal = Object.values(extraSeconds).reduce((a, b) => a + b, 0);
      const other = Math.max(0, busy - bench - (service ?? 0) - postgresSeconds - backgroundSeconds - extraTotal);
      const seconds = {
        service,
        benchProcess: bench,
        postgres: postgresSeconds,
        postgresBackground: backgroundSeconds,
        ...extraSeconds,
        other,
      };
      const r = (n: number) => Number(n.toFixed(2));
      return {
        machineBusyPercent: r((100 * (machine1.busy - machine0.busy)) / (machine1.total - machine0.total)),
        cpuSeconds: {
          service: service === null ? null : r(service),
          benchProcess: r(bench),
          postgres: r(postgresSeconds),
          postgresBackground: r(backgroundSeconds),
          ...Object.fromEntries(Object.entries(extraSeconds).map(([name, v]) => [name, r(v)])),
          other: r(other),
        },
        cpuMsPerTransition: (transitions: number) =>
          Object.fromEntries(
            Object.entries(seconds).map(([k, v]) => [
              k,
              v === null || transitions === 0 ? null : Number(((1000 * v) / transitions).toFixed(3)),
            ]),
          ),
      };
    },
  };
}
