import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { OPENING_EVENT, PATHWAYS, PATHWAY_NAMES } from '../../machines/index.js';
import { Clock } from '../common/clock.js';
import { ProblemException } from '../common/problem.js';
import { encodeCursor } from '../common/request-parsing.js';
import { Database } from '../database/database.js';
import { AddressGuard } from './address-policy.js';
import { OutboxSignal } from '../database/outbox-signal.js';
import { SecretBox, generateWebhookSecret } from '../common/secret-box.js';
import { WebhookRepository, type AttemptRow, type DeliveryRow, type SubscriptionRow } from './webhook.repository.js';
import { parseDeliveryQuery, parseReplay, parseRotation, parseSubscription } from './webhook-requests.js';

const iso = (d: Date | string | null) => (d === null ? null : new Date(d).toISOString());

/** A subscription as the API shows it: never its secret (only once, at creation and rotation). */
export function subscriptionView(row: SubscriptionRow) {
  return {
    id: row.id,
    url: row.url,
    description: row.description,
    filter: { pathways: row.filterPathways, eventTypes: row.filterTypes, services: row.filterServices },
    ordering: row.ordering,
    enabled: row.enabled,
    disabledReason: row.disabledReason,
    consecutiveFailures: row.consecutiveFailures,
    failingSince: iso(row.failingSince),
    previousSecretExpiresAt: iso(row.previousSecretExpiresAt),
    createdAt: iso(row.createdAt),
    updatedAt: iso(row.updatedAt),
  };
}

export function deliveryView(row: DeliveryRow) {
  return {
    id: row.id,
    subscriptionId: row.subscriptionId,
    webhookId: row.eventId,
    type: row.type,
    caseId: row.caseId,
    sequence: row.sequence,
    eventType: row.eventType,
    status: row.paused ? 'paused' : row.status,
    attempts: row.attempts,
    nextAttemptAt: row.status === 'pending' ? iso(row.nextAttemptAt) : null,
    lastStatusCode: row.lastStatusCode,
    lastErrorClass: row.lastErrorClass,
    deliveredAt: iso(row.deliveredAt),
    createdAt: iso(row.createdAt),
    updatedAt: iso(row.updatedAt),
    payload: row.payload,
  };
}

const attemptView = (row: AttemptRow) => ({ ...row, startedAt: iso(row.startedAt) });

/** Subscriptions, their deliveries and replays. Delivering is the dispatcher's job. */
@Injectable()
export class WebhooksService {
  constructor(
    @Inject(Database) private readonly database: Database,
    @Inject(Clock) private readonly clock: Clock,
    @Inject(SecretBox) private readonly secrets: SecretBox,
    @Inject(AddressGuard) private readonly guard: AddressGuard,
    @Inject(OutboxSignal) private readonly outbox: OutboxSignal,
    @Inject(WebhookRepository) private readonly repository: WebhookRepository,
  ) {}

  private get db(): EntityManager {
    return this.database.dataSource.manager;
  }

  async create(body: unknown) {
    const input = parseSubscription(body, { guard: this.guard, creating: true });
    const secret = generateWebhookSecret();
    const now = this.clock.now();
    const row: SubscriptionRow = {
      id: randomUUID(),
      url: input.url!,
      description: input.description ?? null,
      filterPathways: input.filter!.pathways,
      filterTypes: input.filter!.eventTypes,
      filterServices: input.filter!.services,
      ordering: input.ordering ?? 'per-case',
      enabled: input.enabled ?? true,
      disabledReason: input.enabled === false ? 'manual' : null,
      secret: this.secrets.encrypt(secret),
      previousSecret: null,
      previousSecretExpiresAt: null,
      consecutiveFailures: 0,
      failingSince: null,
      createdAt: now,
      updatedAt: now,
    };
    await this.repository.insertSubscription(this.db, row);
    // The secret is shown once: store it now.
    return { ...subscriptionView(row), secret };
  }

  async list() {
    return { items: (await this.repository.listSubscriptions(this.db)).map(subscriptionView) };
  }

  async get(id: string) {
    return subscriptionView(await this.getOrFail(id));
  }

  async update(id: string, body: unknown) {
    const input = parseSubscription(body, { guard: this.guard, creating: false });
    const row = await this.getOrFail(id);
    const next: SubscriptionRow = { ...row, updatedAt: this.clock.now() };
    if (input.url !== undefined) next.url = input.url;
    if (input.description !== undefined) next.description = input.description;
    if (input.filter) {
      next.filterPathways = input.filter.pathways;
      next.filterTypes = input.filter.eventTypes;
      next.filterServices = input.filter.services;
    }
    if (input.ordering) next.ordering = input.ordering;
    if (input.enabled !== undefined && input.enabled !== row.enabled) {
      next.enabled = input.enabled;
      next.disabledReason = input.enabled ? null : 'manual';
      // Enabled again: the failure count starts over, and the paused deliveries resume.
      if (input.enabled) {
        next.consecutiveFailures = 0;
        next.failingSince = null;
      }
    }
    await this.repository.updateSubscription(this.db, next);
    if (next.enabled && !row.enabled) this.outbox.notify();
    return subscriptionView(next);
  }

  async remove(id: string): Promise<void> {
    if (!(await this.repository.deleteSubscription(this.db, id))) throw subscriptionNotFound(id);
  }

  /** A new secret; the old one keeps signing too for `graceHours`, so receivers can switch over. */
  async rotateSecret(id: string, body: unknown) {
    const { graceHours } = parseRotation(body);
    const row = await this.getOrFail(id);
    const now = this.clock.now();
    const secret = generateWebhookSecret();
    const next: SubscriptionRow = {
      ...row,
      secret: this.secrets.encrypt(secret),
      previousSecret: graceHours > 0 ? row.secret : null,
      previousSecretExpiresAt: graceHours > 0 ? new Date(now.getTime() + graceHours * 3_600_000) : null,
      updatedAt: now,
    };
    await this.repository.updateSubscription(this.db, next);
    return { ...subscriptionView(next), secret };
  }

  /** Queues a `webhook.test` message, signed like the others (on a disabled subscription it waits, paused). */
  async sendTest(id: string) {
    const row = await this.getOrFail(id);
    const now = this.clock.now();
    const webhookId = randomUUID();
    const deliveryId = randomUUID();
    const payload = {
      id: webhookId,
      type: 'webhook.test',
      timestamp: now.toISOString(),
      data: { subscriptionId: row.id, message: 'Percorsi test message: your endpoint and signature verification work.' },
    };
    await this.repository.insertDelivery(this.db, {
      id: deliveryId,
      subscriptionId: row.id,
      eventId: webhookId,
      type: 'webhook.test',
      payload,
      now,
    });
    this.outbox.notify();
    return { deliveryId, webhookId, status: row.enabled ? 'pending' : 'paused' };
  }

  async deliveries(id: string, query: Record<string, unknown>) {
    const q = parseDeliveryQuery(query);
    await this.getOrFail(id);
    const rows = await this.repository.listDeliveries(this.db, {
      subscriptionId: id,
      status: q.status,
      caseId: q.caseId,
      after: q.cursor,
      limit: q.limit + 1,
    });
    const items = rows.slice(0, q.limit).map(deliveryView);
    const last = items.at(-1);
    return {
      items,
      nextCursor: rows.length > q.limit && last?.createdAt ? encodeCursor(last.createdAt, last.id) : null,
    };
  }

  async attempts(deliveryId: string) {
    const delivery = await this.repository.findDelivery(this.db, deliveryId);
    if (!delivery) throw deliveryNotFound(deliveryId);
    return { delivery: deliveryView(delivery), items: (await this.repository.listAttempts(this.db, deliveryId)).map(attemptView) };
  }

  async retry(deliveryId: string) {
    const delivery = await this.repository.findDelivery(this.db, deliveryId);
    if (!delivery) throw deliveryNotFound(deliveryId);
    if (!(await this.repository.retryDelivery(this.db, { id: deliveryId, now: this.clock.now() }))) {
      throw new ProblemException('DELIVERY_IN_FLIGHT', {
        it: 'La consegna è in corso: attendere il suo esito.',
        en: 'The delivery is being attempted: wait for its outcome.',
      });
    }
    this.outbox.notify();
    return deliveryView((await this.repository.findDelivery(this.db, deliveryId))!);
  }

  /**
   * Queues again the committed transitions of a time range that the subscription's filter wants
   * (narrowed to `types` if given); delivered asynchronously, with their original webhook-ids.
   */
  async replay(id: string, body: unknown) {
    const request = parseReplay(body);
    const row = await this.getOrFail(id);
    const keys = PATHWAY_NAMES.filter((p) => row.filterPathways.length === 0 || row.filterPathways.includes(p)).flatMap((pathway) =>
      [OPENING_EVENT, ...Object.keys(PATHWAYS[pathway].events)]
        .filter((type) => {
          const service = type === OPENING_EVENT ? null : PATHWAYS[pathway].events[type].service;
          const wanted =
            (row.filterTypes.length === 0 && row.filterServices.length === 0) ||
            row.filterTypes.includes(type) ||
            (service !== null && row.filterServices.includes(service));
          return wanted && (request.types.length === 0 || request.types.includes(type));
        })
        .map((type) => `${pathway}:${type}`),
    );
    const queued = await this.repository.replay(this.db, {
      subscriptionId: id,
      from: request.from,
      to: request.to,
      keys,
      now: this.clock.now(),
    });
    if (queued > 0) this.outbox.notify();
    return { subscriptionId: id, queued, from: iso(request.from), to: iso(request.to), types: request.types };
  }

  private async getOrFail(id: string): Promise<SubscriptionRow> {
    const row = await this.repository.findSubscription(this.db, id);
    if (!row) throw subscriptionNotFound(id);
    return row;
  }
}

const subscriptionNotFound = (id: string) =>
  new ProblemException('SUBSCRIPTION_NOT_FOUND', { it: `Nessuna sottoscrizione con id ${id}.`, en: `No subscription with id ${id}.` });

const deliveryNotFound = (id: string) =>
  new ProblemException('DELIVERY_NOT_FOUND', { it: `Nessuna consegna con id ${id}.`, en: `No delivery with id ${id}.` });
