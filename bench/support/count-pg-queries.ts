/**
 * Counts the service's PostgreSQL round trips: every `pg` Client.query of a connection whose
 * application_name is 'percorsi' (the service's pool; the benchmark's own connections are named
 * otherwise). Each query is one round trip (the extended protocol sends parse/bind/execute/sync together).
 *
 * In process the benchmark calls installQueryCounter() and reads queryCount(). For a child process
 * it is preloaded (`node --import tsx --import ./bench/support/count-pg-queries.ts`): then SIGUSR2
 * makes the child print `PG_QUERIES <count>` on stderr.
 */
import pg from 'pg';

let count = 0;
let installed = false;

export function installQueryCounter(): void {
  if (installed) return;
  installed = true;
  const proto = pg.Client.prototype as unknown as { query: (...args: unknown[]) => unknown };
  const original = proto.query;
  proto.query = function (this: { connectionParameters?: { application_name?: string } }, ...args: unknown[]) {
    if (this.connectionParameters?.application_name === 'percorsi') count++;
    return original.apply(this, args);
  };
}

export const queryCount = (): number => count;

if (process.env.BENCH_COUNT_PG_QUERIES === '1') {
  installQueryCounter();
  process.on('SIGUSR2', () => process.stderr.write(`PG_QUERIES ${count}\n`));
}
