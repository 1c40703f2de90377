import { Module } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { AddressGuard } from './address-policy.js';
import { MetricsController } from './metrics.controller.js';
import { SecretBox } from '../common/secret-box.js';
import { WebhookAttemptEntity } from './webhook-attempt.entity.js';
import { WebhookDeliveryEntity } from './webhook-delivery.entity.js';
import { WebhookDispatcher } from './webhook-dispatcher.worker.js';
import { WebhookMetrics } from './webhook-metrics.js';
import { WebhookSender } from './webhook-sender.js';
import { WebhookSubscriptionEntity } from './webhook-subscription.entity.js';
import { WebhookRepository } from './webhook.repository.js';
import { WebhooksController } from './webhooks.controller.js';
import { WebhooksService } from './webhooks.service.js';

/** The webhooks' tables. */
export const WEBHOOK_ENTITIES = [WebhookSubscriptionEntity, WebhookDeliveryEntity, WebhookAttemptEntity];

/** Webhooks: subscriptions, the outbox's dispatcher (SSRF-guarded, signed), replays and the metrics. */
@Module({
  controllers: [WebhooksController, MetricsController],
  providers: [
    WebhookRepository,
    { provide: SecretBox, useFactory: (config: AppConfig) => SecretBox.fromConfig(config), inject: [APP_CONFIG] },
    {
      provide: AddressGuard,
      useFactory: (config: AppConfig) => new AddressGuard({ allowHttp: config.webhooks.allowHttp, allowlist: config.webhooks.allowlist }),
      inject: [APP_CONFIG],
    },
    {
      provide: WebhookSender,
      useFactory: (config: AppConfig, guard: AddressGuard) =>
        new WebhookSender({ guard, timeoutMs: config.webhooks.timeoutMs, userAgent: 'Percorsi-Webhooks/0.3' }),
      inject: [APP_CONFIG, AddressGuard],
    },
    { provide: WebhookMetrics, useValue: new WebhookMetrics() },
    WebhooksService,
    WebhookDispatcher,
  ],
  exports: [WebhooksService],
})
export class WebhooksModule {}
