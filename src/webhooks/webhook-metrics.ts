import { Counter, Gauge, Histogram, Registry } from 'prom-client';

/** The webhook metrics of one application instance (its own registry: tests run several apps). */
export class WebhookMetrics {
  readonly registry = new Registry();
  readonly attempts = new Counter({
    name: 'percorsi_webhook_attempts_total',
    help: 'Webhook delivery attempts, by outcome (succeeded, retrying, failed, paused) and error class',
    labelNames: ['outcome', 'error_class'] as const,
    registers: [this.registry],
  });
  readonly attemptSeconds = new Histogram({
    name: 'percorsi_webhook_attempt_duration_seconds',
    help: 'Duration of webhook delivery attempts',
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 15],
    registers: [this.registry],
  });
  readonly pending = new Gauge({
    name: 'percorsi_webhook_deliveries_pending',
    help: 'Deliveries waiting to be sent (enabled subscriptions)',
    registers: [this.registry],
  });
  readonly paused = new Gauge({
    name: 'percorsi_webhook_deliveries_paused',
    help: 'Deliveries kept for disabled subscriptions',
    registers: [this.registry],
  });
  readonly inFlight = new Gauge({
    name: 'percorsi_webhook_deliveries_in_flight',
    help: 'Deliveries claimed by a dispatcher',
    registers: [this.registry],
  });
  readonly oldestPending = new Gauge({
    name: 'percorsi_webhook_oldest_pending_age_seconds',
    help: 'Age of the oldest delivery not yet settled (0 when none)',
    registers: [this.registry],
  });
}
