import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { describeError } from './database-errors.js';
import pg from 'pg';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';

/** Notifications within this window go out as one NOTIFY per channel. */
const NOTIFY_BATCH_MS = 20;
/** PostgreSQL refuses NOTIFY payloads of 8000 bytes or more. */
const MAX_PAYLOAD_BYTES = 7900;

/**
 * Told whenever the LISTEN connection is (re)established: notifications may have been missed
 * meanwhile, so listeners look again.
 */
export const RECONNECTED = Symbol('reconnected');

type Handler = (items: string[] | typeof RECONNECTED) => void;

/**
 * How replicas tell each other that something committed (PostgreSQL NOTIFY/LISTEN): one LISTEN
 * connection per process, shared by every channel, reconnected with backoff; notifications batched
 * per channel and sent after the commits, never inside a write (a transaction that notifies holds
 * PostgreSQL's notification-queue lock through its commit, which would serialise the commits).
 * A payload is a comma-separated list of items (case ids, say), split into NOTIFYs of < 8000 bytes.
 * The process's own notifications are not handed back: it has woken its own workers already.
 * On the embedded database (one connection, one process) it does nothing: there are no replicas.
 */
@Injectable()
export class ReplicaChannels implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('ReplicaChannels');
  private readonly handlers = new Map<string, Set<Handler>>();
  private readonly pending = new Map<string, Set<string>>();
  private client: pg.Client | null = null;
  private connecting: pg.Client | null = null;
  private listening: Promise<void> | null = null;
  private notifyTimer: NodeJS.Timeout | null = null;
  private sending: Promise<void> = Promise.resolve();
  private stopBackoff: (() => void) | null = null;
  private running = false;

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  onApplicationBootstrap(): void {
    if (!this.config.databaseUrl) return;
    this.running = true;
    this.listening = this.listen(this.config.databaseUrl);
  }

  /** After the HTTP server and the workers have stopped: sends what is pending, then closes. */
  async onApplicationShutdown(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    this.flushSoon(0);
    await this.sending;
    const clients = [this.client, this.connecting];
    this.client = null;
    this.stopBackoff?.();
    await Promise.all(clients.map((client) => (client ? client.end().catch(() => undefined) : Promise.resolve())));
    await this.listening;
  }

  /** Calls `handler` with the items other replicas notify on `channel`; returns the unsubscribe. */
  subscribe(channel: string, handler: Handler): () => void {
    let set = this.handlers.get(channel);
    if (!set) {
      set = new Set();
      this.handlers.set(channel, set);
    }
    set.add(handler);
    // A channel first subscribed to after the connection is up: LISTEN on it too (in turn).
    const client = this.client;
    if (client && set.size === 1)
      this.sending = this.sending.then(() =>
        client.query(`LISTEN ${pg.escapeIdentifier(channel)}`).then(
          () => undefined,
          () => undefined,
        ),
      );
    return () => set.delete(handler);
  }

  /** Tells the other replicas (batched, after the commit that calls it); `item` is optional. */
  notify(channel: string, item = ''): void {
    if (!this.running) return;
    let items = this.pending.get(channel);
    if (!items) {
      items = new Set();
      this.pending.set(channel, items);
    }
    if (item) items.add(item);
    this.flushSoon(NOTIFY_BATCH_MS);
  }

  private flushSoon(delayMs: number): void {
    if (this.notifyTimer && delayMs > 0) return;
    if (this.notifyTimer) clearTimeout(this.notifyTimer);
    this.notifyTimer = setTimeout(() => {
      this.notifyTimer = null;
      // One NOTIFY at a time: a pg client must not be given a query while another is running.
      this.sending = this.sending.then(() => this.flush());
    }, delayMs);
    this.notifyTimer.unref();
  }

  private async flush(): Promise<void> {
    const batches = [...this.pending];
    this.pending.clear();
    for (const [channel, items] of batches) {
      for (const payload of payloads([...items])) {
        try {
          await this.client?.query('SELECT pg_notify($1, $2)', [channel, payload]);
        } catch (error) {
          // The other replicas' polls find what this notification would have told them.
          this.logger.debug(`NOTIFY ${channel} failed: ${describeError(error)}`);
        }
      }
    }
  }

  private deliver(channel: string, items: string[] | typeof RECONNECTED): void {
    for (const handler of [...(this.handlers.get(channel) ?? [])]) handler(items);
  }

  private async listen(url: string): Promise<void> {
    let delay = 500;
    while (this.running) {
      const client = new pg.Client({ connectionString: url, application_name: 'percorsi-replicas', connectionTimeoutMillis: 10_000 });
      this.connecting = client;
      try {
        await client.connect();
        const own = (client as unknown as { processID: number | null }).processID;
        client.on('notification', (message) => {
          if (message.processId === own) return;
          this.deliver(message.channel, (message.payload ?? '').split(',').filter(Boolean));
        });
        const closed = new Promise<void>((resolve) => {
          client.on('error', () => resolve());
          client.on('end', () => resolve());
        });
        for (const channel of this.handlers.keys()) await client.query(`LISTEN ${pg.escapeIdentifier(channel)}`);
        if (!this.running) {
          await client.end().catch(() => undefined);
          return;
        }
        this.client = client;
        delay = 500;
        for (const channel of this.handlers.keys()) this.deliver(channel, RECONNECTED);
        await closed;
        if (this.running) this.logger.warn('LISTEN connection lost: reconnecting');
      } catch (error) {
        if (this.running) this.logger.warn(`LISTEN failed: ${describeError(error)}`);
        await client.end().catch(() => undefined);
      }
      if (this.connecting === client) this.connecting = null;
      if (this.client === client) this.client = null;
      if (!this.running) return;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, delay);
        this.stopBackoff = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.stopBackoff = null;
      delay = Math.min(delay * 2, 30_000);
    }
  }
}

/** Items joined with commas into payloads below PostgreSQL's limit (one empty payload for none). */
export function payloads(items: string[]): string[] {
  const out: string[] = [];
  let current = '';
  for (const item of items) {
    if (current && current.length + 1 + item.length > MAX_PAYLOAD_BYTES) {
      out.push(current);
      current = '';
    }
    current = current ? `${current},${item}` : item;
  }
  out.push(current);
  return out;
}
