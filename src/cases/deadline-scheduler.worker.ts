import { randomUUID } from 'node:crypto';
import { Inject, Injectable, Logger, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import { Clock } from '../common/clock.js';
import { describeError } from '../common/log-redaction.js';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { Database } from '../database/database.js';
import { OutboxSignal } from '../database/outbox-signal.js';
import { daysBetween, romeDay } from './case-deadlines.js';
import { CaseFeed } from './case-feed.js';
import { DeadlineRepository, type ClaimedCase, type SystemEvent } from './deadline.repository.js';

/** Who records the scheduler's events in a case's history. */
export const SYSTEM_ACTOR = { id: 'system', username: 'scheduler', kind: 'system', via: 'scheduler' } as const;

/** Cases claimed per transaction. */
const BATCH = 200;

/**
 * The legal deadlines' scheduler, in every replica. Every PERCORSI_DEADLINE_SCAN_SECONDS it claims
 * the active cases with a pending deadline due a notice (FOR UPDATE SKIP LOCKED, so that replicas
 * share the work and never record one twice) and appends to each case's history, as the system:
 * DEADLINE_APPROACHING from PERCORSI_DEADLINE_LEAD_DAYS before the due day, DEADLINE_OVERDUE once
 * the day has passed (days in Europe/Rome, from the service's clock: never early), each at most
 * once (case_deadlines.approaching_at / overdue_at, in the same transaction). A scheduler that was
 * down records only the overdue notice of a deadline that passed meanwhile: never an approaching
 * one after it. The machine does not see these events (record keeping, like CASE_ASSIGNED).
 */
@Injectable()
export class DeadlineScheduler implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('DeadlineScheduler');
  private timer: NodeJS.Timeout | null = null;
  private scanning: Promise<number> | null = null;
  private stopped = false;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(Database) private readonly database: Database,
    @Inject(Clock) private readonly clock: Clock,
    @Inject(OutboxSignal) private readonly outbox: OutboxSignal,
    @Inject(CaseFeed) private readonly feed: CaseFeed,
    @Inject(DeadlineRepository) private readonly repository: DeadlineRepository,
  ) {}

  onApplicationBootstrap(): void {
    const seconds = this.config.deadlines.scanSeconds;
    if (seconds === 0) return;
    // At once (what fell due while no scheduler ran), then every `seconds`.
    this.tick();
    this.timer = setInterval(() => this.tick(), seconds * 1000);
    this.timer.unref();
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    // A scan under way finishes its transaction (the one after it is not started).
    await this.scanning?.catch(() => 0);
  }

  private tick(): void {
    if (this.scanning || this.stopped) return;
    void this.scanOnce().catch((error: unknown) => this.logger.warn(`deadline scan failed: ${describeError(error)}`));
  }

  /**
   * One scan: records every notice due now, batch after batch, and returns how many events it
   * recorded (tests drive it with their clock; the benchmark times it). Concurrent calls in one
   * process share the scan under way.
   */
  scanOnce(): Promise<number> {
    if (!this.scanning) this.scanning = this.scan().finally(() => (this.scanning = null));
    return this.scanning;
  }

  private async scan(): Promise<number> {
    let total = 0;
    for (;;) {
      const now = this.clock.now();
      const { events, deliveries, claimed } = await this.database.dataSource.transaction(async (db) => {
        const cases = await this.repository.claim(db, { today: romeDay(now), leadDays: this.config.deadlines.leadDays, limit: BATCH });
        const events = cases.flatMap((c) => noticesOf(c, now));
        const deliveries = events.length === 0 ? 0 : await this.repository.record(db, { events, actor: SYSTEM_ACTOR, now });
        return { events, deliveries, claimed: cases.length };
      });
      // Committed: wake the dispatcher, and the cases' live streams.
      if (deliveries > 0) this.outbox.notify();
      const versions = new Map(events.map((e) => [e.caseId, e.sequence]));
      for (const [caseId, version] of versions) this.feed.committed(caseId, version);
      total += events.length;
      if (claimed < BATCH || this.stopped) return total;
    }
  }
}

/** The system events a claimed case is due, numbered after its version. */
function noticesOf(claimed: ClaimedCase, now: Date): SystemEvent[] {
  const today = romeDay(now);
  return claimed.deadlines.map((d, i): SystemEvent => {
    const daysLeft = daysBetween(today, d.dueBy);
    // Its day has passed: overdue only (an approaching notice after it would mislead).
    const type = daysLeft < 0 ? 'DEADLINE_OVERDUE' : 'DEADLINE_APPROACHING';
    return {
      id: randomUUID(),
      caseId: claimed.id,
      sequence: claimed.version + i + 1,
      type,
      deadlineId: d.deadlineId,
      payload: { type, at: now.toISOString(), deadlineId: d.deadlineId, dueBy: d.dueBy, daysLeft },
    };
  });
}
