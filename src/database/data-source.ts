import { DataSource, type DataSourceOptions } from 'typeorm';
import { CaseEventEntity } from '../cases/case-event.entity.js';
import { CaseEntity } from '../cases/case.entity.js';
import { IdempotencyKeyEntity } from '../cases/idempotency-key.entity.js';
import { MIGRATIONS } from './migrations/index.js';

export const ENTITIES = [CaseEntity, CaseEventEntity, IdempotencyKeyEntity];

/**
 * TypeORM options for one database, embedded or not: the same `postgres` driver either way.
 * The embedded database is one session, so its pool has one connection.
 */
export function dataSourceOptions(args: { url: string; schema: string; poolSize: number; embedded: boolean }): DataSourceOptions {
  return {
    type: 'postgres',
    url: args.url,
    schema: args.schema,
    entities: ENTITIES,
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
      idleTimeoutMillis: 30000,
      application_name: 'percorsi',
    },
  };
}

/** For the TypeORM CLI (`npm run migration:generate`): the database in DATABASE_URL. */
export default new DataSource(
  dataSourceOptions({ url: process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres', schema: 'public', poolSize: 2, embedded: false }),
);
