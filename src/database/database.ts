import type { Logger } from 'pino';
import { DataSource, MigrationExecutor, type DataSourceOptions } from 'typeorm';
import type { AppConfig } from '../config/app-config.js';
import { dataSourceOptions } from './data-source.js';
import { EmbeddedDatabase } from './embedded-database.js';

/**
 * The service's database: PostgreSQL at DATABASE_URL, or the embedded PGlite served on a loopback
 * port. Either way one TypeORM DataSource over `pg`, migrated at start-up.
 */
export class Database {
  private constructor(
    readonly dataSource: DataSource,
    private readonly embedded: EmbeddedDatabase | null,
  ) {}

  get kind(): 'postgres' | 'embedded' {
    return this.embedded ? 'embedded' : 'postgres';
  }

  /** `entities`: the capabilities' (src/entities.ts), which this folder does not import. */
  static async open(args: { config: AppConfig; logger: Logger; entities: NonNullable<DataSourceOptions['entities']> }): Promise<Database> {
    const { config, logger } = args;
    const embedded = config.databaseUrl
      ? null
      : await EmbeddedDatabase.start({
          dataDir: config.dataDir,
          port: config.embeddedDbPort,
          // Another process writes to the folder now: stop here at once, before two of them corrupt it.
          onLockLost: (error) => {
            logger.fatal({ context: 'Database', err: error }, `the lock on the data folder ${config.dataDir} was lost: exiting`);
            process.exit(1);
          },
        });
    try {
      const url = config.databaseUrl ?? embedded!.url;
      const dataSource = new DataSource(
        dataSourceOptions({
          url,
          schema: config.dbSchema,
          poolSize: config.dbPoolSize,
          embedded: embedded !== null,
          entities: args.entities,
        }),
      );
      await dataSource.initialize();
      const database = new Database(dataSource, embedded);
      try {
        await database.migrate(config.dbSchema, logger);
      } catch (error) {
        await dataSource.destroy();
        throw error;
      }
      logger.info({ context: 'Database' }, embedded ? `embedded database in ${config.dataDir}` : `PostgreSQL at ${redact(url)}`);
      return database;
    } catch (error) {
      await embedded?.stop();
      throw error;
    }
  }

  /** Runs pending migrations on one connection; replicas starting together take turns (advisory lock). */
  private async migrate(schema: string, logger: Logger): Promise<void> {
    const runner = this.dataSource.createQueryRunner();
    const connection = (await runner.connect()) as { connectionParameters: { query_timeout: number | false } };
    // Waiting for another replica's migrations, or a long one, is not an outage: no query timeout here.
    const queryTimeout = connection.connectionParameters.query_timeout;
    connection.connectionParameters.query_timeout = false;
    const lock = `percorsi.migrations.${schema}`;
    try {
      await runner.query(`CREATE SCHEMA IF NOT EXISTS "${schema}"`);
      await runner.query('SELECT pg_advisory_lock(hashtext($1))', [lock]);
      try {
        const executor = new MigrationExecutor(this.dataSource, runner);
        executor.transaction = 'each';
        const applied = await executor.executePendingMigrations();
        if (applied.length > 0) logger.info({ context: 'Database' }, `migrations applied: ${applied.map((m) => m.name).join(', ')}`);
      } finally {
        await runner.query('SELECT pg_advisory_unlock(hashtext($1))', [lock]);
      }
    } finally {
      connection.connectionParameters.query_timeout = queryTimeout;
      await runner.release();
    }
  }

  /** Readiness: one round trip, bounded in time. */
  async ping(timeoutMs = 2000): Promise<number> {
    const started = performance.now();
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error('timeout exceeded when trying to connect')), timeoutMs);
    });
    try {
      await Promise.race([this.dataSource.query('SELECT 1'), timeout]);
    } finally {
      clearTimeout(timer);
    }
    return performance.now() - started;
  }

  async close(): Promise<void> {
    if (this.dataSource.isInitialized) await this.dataSource.destroy();
    await this.embedded?.stop();
  }
}

const redact = (url: string): string => url.replace(/\/\/([^:@/]+):[^@/]*@/, '//$1:***@');
