import { Inject, Module, RequestMethod, type DynamicModule, type MiddlewareConsumer, type NestModule } from '@nestjs/common';
import { APP_FILTER, APP_GUARD } from '@nestjs/core';
import { LoggerModule } from 'nestjs-pino';
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { AccessLogModule } from './access/access-log.module.js';
import { CasesModule } from './cases/cases.module.js';
import { jsonBody, languageMiddleware, requireJson } from './common/body.middleware.js';
import { inputRules } from './common/input-rules.js';
import type { Clock } from './common/clock.js';
import { CommonModule } from './common/common.module.js';
import { logRedaction } from './common/log-redaction.js';
import { logTransport } from './common/log-transport.js';
import { ProblemFilter } from './common/problem.filter.js';
import { APP_CONFIG, type AppConfig } from './config/app-config.js';
import { ConfigModule } from './config/config.module.js';
import type { Database } from './database/database.js';
import { DatabaseModule } from './database/database.module.js';
import { HealthModule } from './health/health.module.js';
import { IdentityModule } from './identity/identity.module.js';
import { IndicatorsModule } from './indicators/indicators.module.js';
import { PolicyGuard } from './identity/policy.guard.js';
import { ConsoleModule } from './console/console.module.js';
import { InspectorModule } from './inspector/inspector.module.js';
import { PathwaysModule } from './pathways/pathways.module.js';
import { WebhooksModule } from './webhooks/webhooks.module.js';
import { WorklistModule } from './worklist/worklist.module.js';

const REQUEST_ID = /^[\w.:-]{1,100}$/;

@Module({})
export class AppModule implements NestModule {
  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  /**
   * Body parsing and the input rules run as Nest middleware, after the request logger, so that
   * their errors are logged problems too; the input rules see every parsed body, query and kept header.
   */
  configure(consumer: MiddlewareConsumer): void {
    consumer
      .apply(languageMiddleware(this.config), requireJson, jsonBody, inputRules)
      .forRoutes({ path: '*splat', method: RequestMethod.ALL });
  }

  /**
   * The application, for a configuration and an opened database (main.ts and the tests): the
   * capabilities' modules, and the cross-cutting request handling (logs, actor, problem documents).
   */
  static forRoot(args: { config: AppConfig; database: Database; clock?: Clock }): DynamicModule {
    const { config } = args;
    return {
      module: AppModule,
      imports: [
        LoggerModule.forRoot({
          pinoHttp: {
            level: config.logLevel,
            transport: logTransport(),
            // A caller's X-Request-Id is kept (and echoed), otherwise one is made.
            genReqId: (request: IncomingMessage, response: ServerResponse) => {
              const given = request.headers['x-request-id'];
              const id = typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
              response.setHeader('X-Request-Id', id);
              return id;
            },
            // No query values, bodies, database messages or credentials in the logs (src/common/log-redaction.ts).
            ...logRedaction,
            customLogLevel: (_request, response, error) =>
              error || response.statusCode >= 500 ? 'error' : response.statusCode >= 400 ? 'warn' : 'info',
          },
        }),
        ConfigModule.forRoot(config),
        DatabaseModule.forRoot(args.database),
        CommonModule.forRoot({ clock: args.clock }),
        CasesModule,
        PathwaysModule,
        HealthModule,
        WebhooksModule,
        InspectorModule,
        ConsoleModule,
        IdentityModule,
        AccessLogModule,
        IndicatorsModule,
        WorklistModule,
      ],
      providers: [
        // Every route, one gate: authentication and the policy table (src/policy/policy.ts).
        { provide: APP_GUARD, useExisting: PolicyGuard },
        { provide: APP_FILTER, useClass: ProblemFilter },
      ],
    };
  }
}
