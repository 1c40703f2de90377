import { Logger } from '@nestjs/common';
import { createApp } from './app.js';
import { ConfigError, loadConfig } from './config/app-config.js';
import { HealthController } from './health/health.controller.js';

/** Starts the service: `npm start`. Stops gracefully on SIGTERM / SIGINT. */
async function main(): Promise<void> {
  const logger = new Logger('Percorsi');
  let config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message);
      process.exit(2);
    }
    throw error;
  }
  const app = await createApp({ config });
  await app.listen(config.port, config.host);
  const address = app.getHttpServer().address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  const base = `http://${config.host === '0.0.0.0' ? 'localhost' : config.host}:${port}`;
  logger.log(
    `Percorsi is listening: console ${base}/, API ${base}/cases, inspector ${base}/inspector, OpenAPI docs ${base}/docs, health ${base}/health`,
  );
  logger.log(config.databaseUrl ? 'database: PostgreSQL (DATABASE_URL)' : `database: embedded PGlite in ${config.dataDir}`);

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.log(`${signal}: finishing in-flight requests, then closing the database`);
    const force = setTimeout(() => {
      logger.error(`shutdown took longer than ${config.shutdownDrainMs + config.shutdownTimeoutMs} ms: exiting`);
      process.exit(1);
    }, config.shutdownDrainMs + config.shutdownTimeoutMs);
    force.unref();
    // Readiness fails first, so that a load balancer stops routing here before the listener closes.
    app.get(HealthController).drain();
    new Promise((resolve) => setTimeout(resolve, config.shutdownDrainMs))
      .then(() => app.close())
      .then(
        () => {
          logger.log('stopped');
          process.exit(0);
        },
        (error: unknown) => {
          logger.error(`shutdown failed: ${String(error)}`);
          process.exit(1);
        },
      );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

main().catch((error: unknown) => {
  console.error('Percorsi could not start:', error instanceof Error ? error.message : error);
  process.exit(1);
});
