import { Clock } from '../../src/common/clock.js';
import { APP_CONFIG, type AppConfig } from '../../src/config/app-config.js';
import { Database } from '../../src/database/database.js';
import { ReplicaChannels } from '../../src/database/replica-channels.js';
import { OutboxSignal } from '../../src/database/outbox-signal.js';
import { SecretBox } from '../../src/common/secret-box.js';
import { WebhookDispatcher } from '../../src/webhooks/webhook-dispatcher.worker.js';
import { WebhookMetrics } from '../../src/webhooks/webhook-metrics.js';
import { WebhookSender } from '../../src/webhooks/webhook-sender.js';
import { WebhookRepository } from '../../src/webhooks/webhook.repository.js';
import type { TestApp } from '../support/test-app.js';

/**
 * A second dispatcher beside the app's own, on the app's database, signal, sender and secrets; its
 * own metrics. The embedded database serves one process: this is how two dispatchers share it.
 */
export function secondDispatcher(t: TestApp): { dispatcher: WebhookDispatcher; metrics: WebhookMetrics } {
  const metrics = new WebhookMetrics();
  const dispatcher = new WebhookDispatcher(
    t.app.get<AppConfig>(APP_CONFIG),
    t.app.get(Database),
    t.app.get(Clock),
    t.app.get(SecretBox),
    t.app.get(WebhookSender),
    metrics,
    t.app.get(OutboxSignal),
    t.app.get(WebhookRepository),
    t.app.get(ReplicaChannels),
  );
  return { dispatcher, metrics };
}
