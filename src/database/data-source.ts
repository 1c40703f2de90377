import type { DataSourceOptions } from 'typeorm';
import { MIGRATIONS } from './migrations/index.js';

/**
 * How long a query waits for the database's answer. Without it a request on a pooled connection
 * hangs for as long as the kernel keeps the TCP connection (minutes) when the database stops
 * answering without closing it (a network partition); with it the request ends in a 503.
 */
export const QUERY_TIMEOUT_MS = 10_000;

/**
 * TypeORM options for one database, embedded or not: the same `postgres` driver either way.
 * The embedded database is one session, so its pool has one connection. The entities are the
 * capabilities' (src/entities.ts): this folder knows none of them.
 */
export function dataSourceOptions(args: {
  url: string;
  schema: string;
  poolSize: number;
  embedded: boolean;
  entities: NonNullable<DataSourceOptions['entities']>;
}): DataSourceOptions {
  return {
    type: 'postgres',
    url: args.url,
    schema: args.schema,
    entities: args.entities,
    migrations: MIGRATIONS,
    migrationsTableName: 'migrations',
    migrationsTransactionMode: 'each',
    synchronize: false,
    // PGlite has no uuid-ossp; ids come from gen_random_uuid() or the service.
    installExtensions: false,
    uuidExtension: 'pgcrypto',
    logging: false,
    extra: {
      max: args.embedded ? 1 : args.poolSize,
      // Unqualified names in the repositories' SQL resolve to the configured schema.
      options: `-c search_path=${args.schema}`,
      connectionTimeoutMillis: 5000,
      query_timeout: QUERY_TIMEOUT_MS,
      // The embedded server takes one connection: never drop it for idleness (a reconnect could race the old one's close).
      idleTimeoutMillis: args.embedded ? 0 : 30000,
      application_name: 'percorsi',
    },
  };
}
