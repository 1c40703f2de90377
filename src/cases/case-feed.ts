import { Inject, Injectable, Logger, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import pg from 'pg';
import { ProblemException } from '../common/problem.js';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { Database } from '../database/database.js';

/** The PostgreSQL channel on which replicas tell each other which cases moved: `<id>,<id>,...`. */
export const CASE_FEED_CHANNEL = 'percorsi_case_feed';
/** Commits within this window go out in one NOTIFY (per payload). */
const NOTIFY_BATCH_MS = 20;
/** PostgreSQL refuses NOTIFY payloads of 8000 bytes or more. */
const MAX_PAYLOAD_BYTES = 7900;
/** The safety net: while a stream is open, how often the watched cases' versions are read. */
export const FEED_POLL_MS = 3000;

type Wake = () => void;

interface Watched {
  /** The highest version this process has heard of (a commit here, or the poll). */
  version: number;
  listeners: Set<Wake>;
}

/**
 * Tells the open streams that their case moved. Told by CaseService after every committed write
 * (`committed`); other replicas hear of it through a batched `pg_notify` on PostgreSQL, received by a
 * LISTEN on a connection of its own; and while any stream is open a poll reads the watched cases'
 * versions, for a writer that died between its commit and its NOTIFY (and for the embedded
 * database, which has one connection and so no LISTEN). A wake-up says "look again": the streams
 * read what is new themselves, so a spurious one costs a query and a missed one is caught by the poll.
 *
 * It also counts the open streams (PERCORSI_MAX_STREAMS) and ends them all on shutdown.
 */
@Injectable()
export class CaseFeed implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('CaseFeed');
  private readonly watched = new Map<string, Watched>();
  private readonly streams = new Set<() => void>();
  private readonly pending = new Set<string>();
  private notifyTimer: NodeJS.Timeout | null = null;
  private flushing: Promise<void> = Promise.resolve();
  private pollTimer: NodeJS.Timeout | null = null;
  private polling = false;
  private listener: pg.Client | null = null;
  private connecting: pg.Client | null = null;
  private listening: Promise<void> | null = null;
  private stopBackoff: (() => void) | null = null;
  private running = false;
  private closing = false;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(Database) private readonly database: Database,
  ) {}

  onApplicationBootstrap(): void {
    this.running = true;
    if (this.config.databaseUrl) this.listening = this.listen(this.config.databaseUrl);
  }

  /** Ends every open stream (so that the HTTP server can close), then the LISTEN connection. */
  async beforeApplicationShutdown(): Promise<void> {
    this.closing = true;
    this.running = false;
    for (const end of [...this.streams]) end();
    this.streams.clear();
    this.stopPolling();
    if (this.notifyTimer) {
      clearTimeout(this.notifyTimer);
      this.notifyTimer = null;
      this.flushing = this.flushing.then(() => this.flush());
    }
    await this.flushing;
    const clients = [this.listener, this.connecting];
    this.listener = null;
    this.stopBackoff?.();
    await Promise.all(clients.map((client) => (client ? client.end().catch(() => undefined) : Promise.resolve())));
    await this.listening;
  }

  /** After a committed write of a case (any case, practice ones too): wake its streams here, and (batched) elsewhere. */
  committed(caseId: string, version: number): void {
    this.moved(caseId, version);
    if (!this.config.databaseUrl || this.closing) return;
    this.pending.add(caseId);
    this.notifyTimer ??= setTimeout(() => {
      this.notifyTimer = null;
      // One NOTIFY at a time: a pg client must not be given a query while another is running.
      this.flushing = this.flushing.then(() => this.flush());
    }, NOTIFY_BATCH_MS);
  }

  /** Calls `wake` whenever the case may have moved past `version`; returns the unsubscribe. */
  watch(caseId: string, version: number, wake: Wake): () => void {
    let entry = this.watched.get(caseId);
    if (!entry) {
      entry = { version, listeners: new Set() };
      this.watched.set(caseId, entry);
    }
    entry.version = Math.max(entry.version, version);
    entry.listeners.add(wake);
    this.startPolling();
    return () => {
      const current = this.watched.get(caseId);
      if (!current) return;
      current.listeners.delete(wake);
      if (current.listeners.size === 0) this.watched.delete(caseId);
      if (this.watched.size === 0) this.stopPolling();
    };
  }

  /**
   * Takes a stream slot, or throws 503 (TOO_MANY_STREAMS beyond PERCORSI_MAX_STREAMS, SHUTTING_DOWN
   * once closing). `end` is called on shutdown; the returned function gives the slot back.
   */
  openStream(end: () => void): () => void {
    if (this.closing) {
      throw new ProblemException('SHUTTING_DOWN', { it: 'Il servizio si sta arrestando.', en: 'The service is shutting down.' }, {}, { 'Retry-After': '5' });
    }
    if (this.streams.size >= this.config.maxStreams) {
      throw new ProblemException(
        'TOO_MANY_STREAMS',
        {
          it: `Questo processo ha già ${this.streams.size} flussi aperti (massimo ${this.config.maxStreams}): riprovare più tardi.`,
          en: `This process already has ${this.streams.size} open streams (at most ${this.config.maxStreams}): retry later.`,
        },
        { maxStreams: this.config.maxStreams },
        { 'Retry-After': '10' },
      );
    }
    this.streams.add(end);
    return () => this.streams.delete(end);
  }

  get openStreams(): number {
    return this.streams.size;
  }

  private moved(caseId: string, version: number | null): void {
    const entry = this.watched.get(caseId);
    if (!entry) return;
    if (version !== null) entry.version = Math.max(entry.version, version);
    for (const wake of [...entry.listeners]) wake();
  }

  /** One pg_notify per payload of at most ~7900 bytes, outside any write (after the commit). */
  private async flush(): Promise<void> {
    const ids = [...this.pending];
    this.pending.clear();
    const payloads: string[] = [];
    let current = '';
    for (const id of ids) {
      if (current && current.length + 1 + id.length > MAX_PAYLOAD_BYTES) {
        payloads.push(current);
        current = '';
      }
      current = current ? `${current},${id}` : id;
    }
    if (current) payloads.push(current);
    for (const payload of payloads) {
      try {
        // The LISTEN connection when it is up (its own notifications are then recognised and skipped).
        if (this.listener) await this.listener.query('SELECT pg_notify($1, $2)', [CASE_FEED_CHANNEL, payload]);
        else await this.database.dataSource.query('SELECT pg_notify($1, $2)', [CASE_FEED_CHANNEL, payload]);
      } catch (error) {
        // Other replicas' polls will see the change.
        this.logger.debug(`case feed NOTIFY failed: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
  }

  private startPolling(): void {
    if (this.pollTimer || this.closing) return;
    this.pollTimer = setInterval(() => void this.poll(), FEED_POLL_MS);
    this.pollTimer.unref();
  }

  private stopPolling(): void {
    if (this.pollTimer) clearInterval(this.pollTimer);
    this.pollTimer = null;
  }

  /** Wakes the watchers of every case whose version is past what this process has heard of. */
  private async poll(): Promise<void> {
    if (this.polling || this.watched.size === 0 || this.closing) return;
    this.polling = true;
    try {
      const rows = await this.database.dataSource.query<{ id: string; version: number }[]>('SELECT id, version FROM cases WHERE id = ANY($1)', [[...this.watched.keys()]]);
      for (const row of rows) {
        const entry = this.watched.get(row.id);
        if (entry && row.version > entry.version) this.moved(row.id, row.version);
      }
    } catch (error) {
      this.logger.warn(`case feed poll failed: ${error instanceof Error ? error.message : String(error)}`);
    } finally {
      this.polling = false;
    }
  }

  /** LISTEN on a connection of its own (PostgreSQL only), reconnecting with backoff. */
  private async listen(url: string): Promise<void> {
    let delay = 500;
    while (this.running) {
      const client = new pg.Client({ connectionString: url, application_name: 'percorsi-case-feed', connectionTimeoutMillis: 10_000 });
      this.connecting = client;
      try {
        await client.connect();
        const own = (client as unknown as { processID: number | null }).processID;
        client.on('notification', (message) => {
          if (message.channel !== CASE_FEED_CHANNEL || message.processId === own) return;
          for (const id of (message.payload ?? '').split(',')) if (id) this.moved(id, null);
        });
        const closed = new Promise<void>((resolve) => {
          client.on('error', () => resolve());
          client.on('end', () => resolve());
        });
        await client.query(`LISTEN ${CASE_FEED_CHANNEL}`);
        if (!this.running) {
          await client.end().catch(() => undefined);
          return;
        }
        this.listener = client;
        delay = 500;
        // Whatever moved while not listening: every watcher looks again.
        for (const id of [...this.watched.keys()]) this.moved(id, null);
        await closed;
        if (this.running) this.logger.warn('case feed LISTEN connection lost: reconnecting');
      } catch (error) {
        if (this.running) this.logger.warn(`case feed LISTEN failed: ${error instanceof Error ? error.message : String(error)}`);
        await client.end().catch(() => undefined);
      }
      if (this.connecting === client) this.connecting = null;
      if (this.listener === client) this.listener = null;
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
