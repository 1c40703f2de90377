import { Inject, Injectable, Logger, type BeforeApplicationShutdown } from '@nestjs/common';
import { ProblemException } from '../common/problem.js';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { Database } from '../database/database.js';
import { RECONNECTED, ReplicaChannels } from '../database/replica-channels.js';
import { describeError } from '../common/log-redaction.js';

/** The PostgreSQL channel on which replicas tell each other which cases moved: `<id>,<id>,...`. */
export const CASE_FEED_CHANNEL = 'percorsi_case_feed';
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
 * (`committed`); other replicas hear of it through ReplicaChannels (a batched NOTIFY of the case
 * ids on PostgreSQL); and while any stream is open a poll reads the watched cases'
 * versions, for a writer that died between its commit and its NOTIFY (and for the embedded
 * database, which has one connection and so no LISTEN). A wake-up says "look again": the streams
 * read what is new themselves, so a spurious one costs a query and a missed one is caught by the poll.
 *
 * It also counts the open streams (PERCORSI_MAX_STREAMS) and ends them all on shutdown.
 */
@Injectable()
export class CaseFeed implements BeforeApplicationShutdown {
  private readonly logger = new Logger('CaseFeed');
  private readonly watched = new Map<string, Watched>();
  private readonly streams = new Set<() => void>();
  private pollTimer: NodeJS.Timeout | null = null;
  private polling = false;
  private closing = false;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(Database) private readonly database: Database,
    @Inject(ReplicaChannels) private readonly channels: ReplicaChannels,
  ) {
    channels.subscribe(CASE_FEED_CHANNEL, (ids) => {
      // After a reconnection, whatever moved meanwhile: every watcher looks again.
      for (const id of ids === RECONNECTED ? [...this.watched.keys()] : ids) this.moved(id, null);
    });
  }

  /** Ends every open stream, so that the HTTP server can close. */
  beforeApplicationShutdown(): void {
    this.closing = true;
    for (const end of [...this.streams]) end();
    this.streams.clear();
    this.stopPolling();
  }

  /** After a committed write of a case (any case, practice ones too): wake its streams here, and (batched) elsewhere. */
  committed(caseId: string, version: number): void {
    this.moved(caseId, version);
    if (!this.closing) this.channels.notify(CASE_FEED_CHANNEL, caseId);
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
      throw new ProblemException(
        'SHUTTING_DOWN',
        { it: 'Il servizio si sta arrestando.', en: 'The service is shutting down.' },
        {},
        { 'Retry-After': '5' },
      );
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
      const rows = await this.database.dataSource.query<{ id: string; version: number }[]>(
        'SELECT id, version FROM cases WHERE id = ANY($1)',
        [[...this.watched.keys()]],
      );
      for (const row of rows) {
        const entry = this.watched.get(row.id);
        if (entry && row.version > entry.version) this.moved(row.id, row.version);
      }
    } catch (error) {
      this.logger.warn(`case feed poll failed: ${describeError(error)}`);
    } finally {
      this.polling = false;
    }
  }
}
