import { Inject, Module, RequestMethod, type DynamicModule, type MiddlewareConsumer, type NestModule, type OnApplicationShutdown } from '@nestjs/common';
import { APP_FILTER, APP_GUARD } from '@nestjs/core';
import { LoggerModule } from 'nestjs-pino';
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { CasesController } from './cases/cases.controller.js';
import { CaseService } from './cases/case.service.js';
import { ActorGuard } from './common/actor.guard.js';
import { jsonBody, languageMiddleware, requireJson } from './common/body.middleware.js';
import { Clock, SystemClock } from './common/clock.js';
import { ProblemFilter } from './common/problem.filter.js';
import { APP_CONFIG, type AppConfig } from './config/app-config.js';
import { Database } from './database/database.js';
import { HealthController } from './health/health.controller.js';
import { PathwaysController } from './pathways/pathways.controller.js';

const REQUEST_ID = /^[\w.:-]{1,100}$/;

/** Closes the database after the HTTP server has stopped taking requests (Nest's last hook). */
class DatabaseCloser implements OnApplicationShutdown {
  constructor(private readonly database: Database) {}
  async onApplicationShutdown(): Promise<void> {
    await this.database.close();
  }
}

@Module({})
export class AppModule implements NestModule {
  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  /** Body parsing runs as Nest middleware, after the request logger, so that its errors are logged problems too. */
  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(languageMiddleware(this.config), requireJson, jsonBody).forRoutes({ path: '*splat', method: RequestMethod.ALL });
  }

  /** The application, for a configuration and an opened database (main.ts and the tests). */
  static forRoot(args: { config: AppConfig; database: Database; clock?: Clock }): DynamicModule {
    const { config } = args;
    return {
      module: AppModule,
      imports: [
        LoggerModule.forRoot({
          pinoHttp: {
            level: config.logLevel,
            // A caller's X-Request-Id is kept (and echoed), otherwise one is made.
            genReqId: (request: IncomingMessage, response: ServerResponse) => {
              const given = request.headers['x-request-id'];
              const id = typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
              response.setHeader('X-Request-Id', id);
              return id;
            },
            redact: ['req.headers.authorization', 'req.headers.cookie'],
            customLogLevel: (_request, response, error) => (error || response.statusCode >= 500 ? 'error' : response.statusCode >= 400 ? 'warn' : 'info'),
          },
        }),
      ],
      controllers: [CasesController, PathwaysController, HealthController],
      providers: [
        { provide: APP_CONFIG, useValue: config },
        { provide: Database, useValue: args.database },
        { provide: Clock, useValue: args.clock ?? new SystemClock() },
        { provide: DatabaseCloser, useFactory: (db: Database) => new DatabaseCloser(db), inject: [Database] },
        CaseService,
        { provide: APP_GUARD, useClass: ActorGuard },
        { provide: APP_FILTER, useClass: ProblemFilter },
      ],
    };
  }
}
