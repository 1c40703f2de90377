import { Inject, Injectable, Logger, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import { describeError } from '../common/log-redaction.js';
import { Clock } from '../common/clock.js';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { Database } from '../database/database.js';
import { ReplicaChannels } from '../database/replica-channels.js';
import { OutboxSignal } from '../database/outbox-signal.js';
import { MAX_ATTEMPTS, nextAttemptAt, parseRetryAfter, shouldDisable } from './retry-schedule.js';
import { SecretBox } from '../common/secret-box.js';
import { WebhookMetrics } from './webhook-metrics.js';
import { WebhookRepository, type ClaimedDelivery } from './webhook.repository.js';
import { WebhookSender, type SendResult } from './webhook-sender.js';
import { signatureHeaders } from './webhook-signer.js';
import { OUTBOX_CHANNEL } from './webhook-sql.js';

/** Wake-ups within this window (commits, finished attempts) lead to one claim. */
const WAKE_COALESCE_MS = 3;

/** Standard Webhooks payloads are capped; ours are far below (event bodies are at most 64 KiB). */
export const MAX_PAYLOAD_BYTES = 256 * 1024;

/**
 * How often the leases of the deliveries in flight are renewed: a third of the lease, so that two
 * renewals in a row can fail (the database briefly unreachable) before another dispatcher may take
 * a delivery over.
 */
export const heartbeatMs = (leaseMs: number): number => Math.floor(leaseMs / 3);

/**
 * Delivers the outbox. Claims due deliveries (FOR UPDATE SKIP LOCKED, with a lease, so several
 * replicas can run it and a crashed one's claims are taken over), makes each HTTP call outside any
 * transaction, then records the attempt and what follows. While attempts are in flight a heartbeat
 * renews their leases, so a lease can be short (a dead replica's claims are free again within
 * seconds) and still outlast a slow attempt. Woken in-process after a commit, by the other
 * replicas' commits (ReplicaChannels: NOTIFY on PostgreSQL), and by a short poll.
 */
@Injectable()
export class WebhookDispatcher implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('WebhookDispatcher');
  private readonly inFlight = new Set<Promise<void>>();
  private running = false;
  private loop: Promise<void> | null = null;
  private wakeUp: (() => void) | null = null;
  private woken = false;
  private readonly unsubscribe: (() => void)[] = [];
  /** The deliveries this dispatcher holds: id -> the attempt number of its claim. */
  private readonly held = new Map<string, number>();
  private heartbeat: NodeJS.Timeout | null = null;
  private renewing = false;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(Database) private readonly database: Database,
    @Inject(Clock) private readonly clock: Clock,
    @Inject(SecretBox) private readonly secrets: SecretBox,
    @Inject(WebhookSender) private readonly sender: WebhookSender,
    @Inject(WebhookMetrics) private readonly metrics: WebhookMetrics,
    @Inject(OutboxSignal) signal: OutboxSignal,
    @Inject(WebhookRepository) private readonly repository: WebhookRepository,
    @Inject(ReplicaChannels) channels: ReplicaChannels,
  ) {
    // After a local commit that queued deliveries: wake this dispatcher, and (batched) the other
    // replicas' (even when this process does not dispatch); theirs wake this one.
    this.unsubscribe.push(
      signal.subscribe(() => {
        this.wake();
        channels.notify(OUTBOX_CHANNEL);
      }),
      channels.subscribe(OUTBOX_CHANNEL, () => this.wake()),
    );
  }

  onApplicationBootstrap(): void {
    if (!this.config.webhooks.dispatch) return;
    this.running = true;
    this.loop = this.run();
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.running = false;
    for (const unsubscribe of this.unsubscribe) unsubscribe();
    this.wake();
    await this.loop;
    // Deliveries in flight finish (each is bounded by the timeout), their leases still renewed; a kill
    // instead leaves them to the lease.
    await Promise.allSettled([...this.inFlight]);
    this.stopHeartbeat();
  }

  wake(): void {
    this.woken = true;
    this.wakeUp?.();
  }

  /**
   * Claims and sends everything due now, and waits for it: for tests driving time with a clock,
   * and for a dispatcher-less process asked to deliver once.
   */
  async tick(): Promise<number> {
    let total = 0;
    for (;;) {
      const claimed = await this.claim(this.config.webhooks.concurrency);
      if (claimed.length === 0) break;
      total += claimed.length;
      await Promise.all(claimed.map((d) => this.deliver(d)));
    }
    return total;
  }

  private async run(): Promise<void> {
    while (this.running) {
      let claimed = 0;
      try {
        const free = this.config.webhooks.concurrency - this.inFlight.size;
        if (free > 0) {
          const deliveries = await this.claim(free);
          claimed = deliveries.length;
          for (const delivery of deliveries) this.track(this.deliver(delivery));
        }
      } catch (error) {
        this.logger.warn(`claiming deliveries failed: ${describeError(error)}`);
      }
      // A full batch may mean more is due: go again at once; otherwise wait for a wake-up or the poll.
      if (claimed === 0 || this.inFlight.size >= this.config.webhooks.concurrency) {
        await this.sleep(this.config.webhooks.pollMs);
        // Let the wake-ups of a burst (commits, finished attempts) add up to one claim.
        if (this.running) await new Promise((resolve) => setTimeout(resolve, WAKE_COALESCE_MS));
      }
    }
  }

  private track(promise: Promise<void>): void {
    const tracked = promise.finally(() => {
      this.inFlight.delete(tracked);
      this.wake();
    });
    this.inFlight.add(tracked);
  }

  private sleep(ms: number): Promise<void> {
    if (this.woken || !this.running) {
      this.woken = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.wakeUp = null;
        this.woken = false;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.wakeUp = done;
    });
  }

  private async claim(limit: number): Promise<ClaimedDelivery[]> {
    const now = this.clock.now();
    const claimed = await this.repository.claimDue(this.database.dataSource.manager, {
      now,
      leaseUntil: new Date(now.getTime() + this.config.webhooks.leaseMs),
      limit,
    });
    for (const delivery of claimed) this.hold(delivery);
    return claimed;
  }

  /** Holds a claimed delivery until its attempt is recorded: its lease is renewed meanwhile. */
  private hold(delivery: ClaimedDelivery): void {
    this.held.set(delivery.id, delivery.attempts);
    if (this.heartbeat) return;
    this.heartbeat = setInterval(() => void this.renewLeases(), heartbeatMs(this.config.webhooks.leaseMs));
    this.heartbeat.unref();
  }

  private release(delivery: ClaimedDelivery): void {
    // Only this claim's entry: the same dispatcher may have claimed the delivery again since (its lease had expired).
    if (this.held.get(delivery.id) === delivery.attempts) this.held.delete(delivery.id);
    if (this.held.size === 0) this.stopHeartbeat();
  }

  private stopHeartbeat(): void {
    if (this.heartbeat) clearInterval(this.heartbeat);
    this.heartbeat = null;
  }

  /**
   * One beat: every lease held, in one statement. A renewal that fails is retried at the next beat
   * and the attempts go on; if the leases run out meanwhile, another dispatcher may send a delivery
   * again (at least once), and this one's late result is then ignored (recordAttempt).
   */
  private async renewLeases(): Promise<void> {
    if (this.renewing || this.held.size === 0) return;
    this.renewing = true;
    const held = [...this.held].map(([id, attempts]) => ({ id, attempts }));
    try {
      const now = this.clock.now();
      await this.repository.renewLeases(this.database.dataSource.manager, {
        held,
        leaseUntil: new Date(now.getTime() + this.config.webhooks.leaseMs),
      });
    } catch (error) {
      this.logger.warn(
        `renewing the leases of ${held.length} deliveries in flight failed (retried in ${heartbeatMs(this.config.webhooks.leaseMs)} ms): ${describeError(error)}`,
      );
    } finally {
      this.renewing = false;
    }
  }

  /** One attempt of one claimed delivery. Never throws: a failure to record is left to the lease. */
  private async deliver(delivery: ClaimedDelivery): Promise<void> {
    try {
      const startedAt = this.clock.now();
      const body = JSON.stringify(delivery.payload);
      let headers: Record<string, string> | null = null;
      try {
        headers = this.headers(delivery, body, startedAt);
      } catch (error) {
        // A secret that cannot be decrypted (PERCORSI_SECRET_KEY changed or lost): an attempt that
        // fails without sending, so that the delivery follows its schedule to `failed`, logged.
        this.logger.error(`delivery ${delivery.id}: ${describeError(error)}`);
      }
      const result: SendResult = !headers
        ? notSent('the subscription secret cannot be decrypted: rotate it or restore PERCORSI_SECRET_KEY')
        : Buffer.byteLength(body) > MAX_PAYLOAD_BYTES
          ? notSent(`payload larger than ${MAX_PAYLOAD_BYTES} bytes`)
          : await this.sender.send({ url: delivery.url, headers, body });
      await this.settle(delivery, result, startedAt);
    } catch (error) {
      this.logger.error(`delivery ${delivery.id}: ${describeError(error, { stack: true })}`);
    } finally {
      this.release(delivery);
    }
  }

  private headers(delivery: ClaimedDelivery, body: string, now: Date): Record<string, string> {
    const secrets = [this.secrets.decrypt(delivery.secret)];
    // During a rotation's grace period both secrets sign, the new one first.
    if (delivery.previousSecret && delivery.previousSecretExpiresAt && new Date(delivery.previousSecretExpiresAt) > now) {
      secrets.push(this.secrets.decrypt(delivery.previousSecret));
    }
    return {
      ...signatureHeaders({ msgId: delivery.eventId, timestamp: now, body, secrets }),
      'x-percorsi-attempt': String(delivery.attempts),
      ...(delivery.sequence !== null ? { 'x-percorsi-case-sequence': String(delivery.sequence) } : {}),
    };
  }

  private async settle(delivery: ClaimedDelivery, result: SendResult, startedAt: Date): Promise<void> {
    const now = this.clock.now();
    const gone = result.statusCode === 410;
    let outcome: 'succeeded' | 'retrying' | 'failed' | 'paused';
    let next: Date | null = null;
    if (result.ok) outcome = 'succeeded';
    else if (gone) {
      // 410 Gone: the subscription is disabled; the delivery waits for it to be enabled again.
      outcome = 'paused';
      next = now;
    } else {
      next =
        delivery.attempts >= MAX_ATTEMPTS
          ? null
          : nextAttemptAt({ attempts: delivery.attempts, now, retryAfterMs: parseRetryAfter(result.retryAfter, now) });
      outcome = next ? 'retrying' : 'failed';
    }
    const failures = await this.repository.recordAttempt(this.database.dataSource.manager, {
      deliveryId: delivery.id,
      subscriptionId: delivery.subscriptionId,
      attempt: delivery.attempts,
      startedAt,
      durationMs: result.durationMs,
      statusCode: result.statusCode,
      errorClass: result.errorClass,
      error: result.error,
      responseBody: result.responseBody,
      outcome,
      nextAttemptAt: next,
      gone,
      now,
    });
    this.metrics.attempts.inc({ outcome, error_class: result.errorClass ?? 'none' });
    this.metrics.attemptSeconds.observe(result.durationMs / 1000);
    if (gone) this.logger.warn(`subscription ${delivery.subscriptionId} disabled: the receiver answered 410 Gone`);
    if (
      !result.ok &&
      failures &&
      shouldDisable({ ...failures, failingSince: failures.failingSince && new Date(failures.failingSince), now })
    ) {
      await this.repository.disableSubscription(this.database.dataSource.manager, { id: delivery.subscriptionId, reason: 'failing', now });
      this.logger.warn(`subscription ${delivery.subscriptionId} disabled after ${failures.consecutiveFailures} consecutive failures`);
    }
  }
}

/** An attempt refused before any connection (error class `blocked`). */
const notSent = (error: string): SendResult => ({
  ok: false,
  statusCode: null,
  errorClass: 'blocked',
  error,
  durationMs: 0,
  responseBody: '',
  retryAfter: null,
  remoteAddress: null,
});
