import { DataSource } from 'typeorm';
import { dataSourceOptions } from './database/data-source.js';
import { ENTITIES } from './entities.js';

/** For the TypeORM CLI (`npm run migration:generate`): the database in DATABASE_URL. */
export default new DataSource(
  dataSourceOptions({
    url: process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres',
    schema: 'public',
    poolSize: 2,
    embedded: false,
    entities: ENTITIES,
  }),
);
