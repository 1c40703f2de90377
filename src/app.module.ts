import {
  Inject,
  Module,
  RequestMethod,
  type DynamicModule,
  type MiddlewareConsumer,
  type NestModule,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { APP_FILTER, APP_GUARD } from '@nestjs/core';
import { LoggerModule } from 'nestjs-pino';
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { CasesController } from './cases/cases.controller.js';
import { CaseService } from './cases/case.service.js';
import { CaseFeed } from './cases/case-feed.js';
import { CaseReplayService } from './cases/case-replay.service.js';
import { CaseStreamController } from './cases/case-stream.controller.js';
import { CaseStreamService } from './cases/case-stream.service.js';
import { ActorGuard } from './common/actor.guard.js';
import { jsonBody, languageMiddleware, requireJson } from './common/body.middleware.js';
import { Clock, SystemClock } from './common/clock.js';
import { logTransport } from './common/log-transport.js';
import { ProblemFilter } from './common/problem.filter.js';
import { APP_CONFIG, type AppConfig } from './config/app-config.js';
import { Database } from './database/database.js';
import { ReplicaChannels } from './database/replica-channels.js';
import { MetricsController } from './webhooks/metrics.controller.js';
import { AddressGuard } from './webhooks/address-policy.js';
import { OutboxSignal } from './webhooks/outbox-signal.js';
import { SecretBox } from './webhooks/secret-box.js';
import { WebhookDispatcher } from './webhooks/webhook-dispatcher.worker.js';
import { WebhookMetrics } from './webhooks/webhook-metrics.js';
import { WebhookSender } from './webhooks/webhook-sender.js';
import { WebhooksController } from './webhooks/webhooks.controller.js';
import { WebhooksService } from './webhooks/webhooks.service.js';
import { HealthController } from './health/health.controller.js';
import { PathwaysController } from './pathways/pathways.controller.js';
import { InspectorController } from './inspector/inspector.controller.js';

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
            transport: logTransport(),
            // A caller's X-Request-Id is kept (and echoed), otherwise one is made.
            genReqId: (request: IncomingMessage, response: ServerResponse) => {
              const given = request.headers['x-request-id'];
              const id = typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
              response.setHeader('X-Request-Id', id);
              return id;
            },
            redact: ['req.headers.authorization', 'req.headers.cookie'],
            customLogLevel: (_request, response, error) =>
              error || response.statusCode >= 500 ? 'error' : response.statusCode >= 400 ? 'warn' : 'info',
          },
        }),
      ],
      controllers: [
        CasesController,
        CaseStreamController,
        PathwaysController,
        HealthController,
        WebhooksController,
        MetricsController,
        InspectorController,
      ],
      providers: [
        { provide: APP_CONFIG, useValue: config },
        { provide: Database, useValue: args.database },
        { provide: Clock, useValue: args.clock ?? new SystemClock() },
        { provide: OutboxSignal, useValue: new OutboxSignal() },
        ReplicaChannels,
        { provide: SecretBox, useFactory: () => SecretBox.fromConfig(config) },
        {
          provide: AddressGuard,
          useValue: new AddressGuard({ allowHttp: config.webhooks.allowHttp, allowlist: config.webhooks.allowlist }),
        },
        {
          provide: WebhookSender,
          useFactory: (guard: AddressGuard) =>
            new WebhookSender({ guard, timeoutMs: config.webhooks.timeoutMs, userAgent: 'Percorsi-Webhooks/0.3' }),
          inject: [AddressGuard],
        },
        { provide: WebhookMetrics, useValue: new WebhookMetrics() },
        WebhooksService,
        WebhookDispatcher,
        { provide: DatabaseCloser, useFactory: (db: Database) => new DatabaseCloser(db), inject: [Database] },
        CaseFeed,
        CaseService,
        CaseReplayService,
        CaseStreamService,
        { provide: APP_GUARD, useClass: ActorGuard },
        { provide: APP_FILTER, useClass: ProblemFilter },
      ],
    };
  }
}
