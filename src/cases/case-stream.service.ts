import { Inject, Injectable, Logger } from '@nestjs/common';
import type { Response } from 'express';
import { PATHWAYS, readCase, type CaseState, type PathwayName, type PersistedSnapshot } from '../../machines/index.js';
import { Clock } from '../common/clock.js';
import { Database } from '../database/database.js';
import { CaseFeed } from './case-feed.js';
import { actorEvent, initEvents, transitionEvents } from './case-inspection.js';
import { replayOrProblem, rowAfter } from './case-replay.service.js';
import { CaseRepository, type CaseRow, type EventRow } from './case.repository.js';
import { historyEntryOf, viewOf } from './case-view.js';
import type { CaseAccess } from '../common/request-context.js';
import { readableOrFail, type Disclosure } from './case-disclosure.js';
import { describeError } from '../common/log-redaction.js';

/** `/stream`: named `case` and `transition` messages; `/inspection`: unnamed XState inspection events. */
export type StreamKind = 'case' | 'inspection';

/** One Server-Sent Event. */
export interface SseMessage {
  event?: string;
  id?: number;
  data: unknown;
}

export const HEARTBEAT_MS = 15_000;
export const RETRY_MS = 2000;

/** JSON never holds a raw line break, so every message is one `data:` line. */
export const formatSse = (m: SseMessage): string =>
  `${m.event ? `event: ${m.event}\n` : ''}${m.id !== undefined ? `id: ${m.id}\n` : ''}data: ${JSON.stringify(m.data)}\n\n`;

/** Where an open stream is: the last sequence it sent and the case's snapshot after it (null: unknown). */
interface Position {
  sequence: number;
  snapshot: PersistedSnapshot | null;
}

/**
 * The live feeds of a case (GET /cases/:id/stream and /inspection). Everything that can fail
 * (unknown case, stream cap, the catch-up of a resumed stream) fails before the first byte; then
 * each wake-up from the CaseFeed reads the events after the last one sent and sends them in
 * sequence order, one pump at a time per stream, so none is skipped or sent twice.
 */
@Injectable()
export class CaseStreamService {
  private readonly logger = new Logger('CaseStream');

  constructor(
    @Inject(Database) private readonly database: Database,
    @Inject(Clock) private readonly clock: Clock,
    @Inject(CaseFeed) private readonly feed: CaseFeed,
    @Inject(CaseRepository) private readonly repository: CaseRepository,
  ) {}

  async open(args: {
    kind: StreamKind;
    caseId: string;
    access: CaseAccess;
    lastEventId: number | null;
    response: Response;
    /** Called once the case is found and in reach, before the first byte (the access log). */
    beforeFirstByte?: () => Promise<void>;
  }): Promise<void> {
    const { kind, caseId, response } = args;
    // What the stream sends is masked for an observer, like every other reading of the case.
    const { row, shown } = readableOrFail(args.access, await this.findCase(caseId), caseId);
    await args.beforeFirstByte?.();
    const resumeFrom = args.lastEventId !== null && args.lastEventId <= row.version ? args.lastEventId : null;

    let ended = false;
    let release: () => void = () => undefined;
    let unwatch: () => void = () => undefined;
    let heartbeat: NodeJS.Timeout | undefined;
    const end = () => {
      if (ended) return;
      ended = true;
      clearInterval(heartbeat);
      unwatch();
      release();
      if (!response.writableEnded) response.end();
    };
    // Throws 503 before any byte when the process is at PERCORSI_MAX_STREAMS or shutting down.
    release = this.feed.openStream(end);
    try {
      const position: Position = { sequence: row.version, snapshot: row.snapshot };
      const opening: SseMessage[] = kind === 'inspection' ? [{ data: actorEvent(shown.row(row), this.clock.now()) }] : [];
      if (resumeFrom === null) {
        opening.push(...this.openingMessages(kind, row, shown));
      } else {
        position.sequence = resumeFrom;
        position.snapshot = await this.snapshotAt(row, resumeFrom);
        opening.push(...(await this.catchUp(kind, row, position, shown)));
      }

      response.status(200);
      response.setHeader('Content-Type', 'text/event-stream; charset=utf-8');
      response.setHeader('Cache-Control', 'no-cache');
      response.setHeader('X-Accel-Buffering', 'no');
      response.flushHeaders();
      response.on('close', end);
      if (!response.socket || response.socket.destroyed) return end();
      response.write(`retry: ${RETRY_MS}\n\n${opening.map(formatSse).join('')}`);

      let pumping = false;
      let again = false;
      const pump = async (): Promise<void> => {
        if (pumping) {
          again = true;
          return;
        }
        pumping = true;
        try {
          do {
            again = false;
            const current = await this.findCase(caseId);
            if (ended) return;
            if (!current) return end();
            if (current.version > position.sequence) {
              const messages = await this.catchUp(kind, current, position, shown);
              if (ended) return;
              if (!response.write(messages.map(formatSse).join(''))) await drained(response);
            }
          } while (again && !ended);
        } catch (error) {
          // The client reconnects (EventSource does by itself) with Last-Event-ID and loses nothing.
          this.logger.warn(`stream of case ${caseId} ended: ${describeError(error)}`);
          end();
        } finally {
          pumping = false;
        }
      };
      unwatch = this.feed.watch(caseId, position.sequence, () => void pump());
      heartbeat = setInterval(() => {
        if (!ended) response.write(': heartbeat\n\n');
      }, HEARTBEAT_MS);
      heartbeat.unref();
      if (ended) return end();
      // A commit between the first read and the watch must not wait for the next one.
      void pump();
    } catch (error) {
      end();
      throw error;
    }
  }

  private findCase(id: string): Promise<CaseRow | null> {
    return this.repository.findCase(this.database.dataSource.manager, id);
  }

  private openingMessages(kind: StreamKind, row: CaseRow, shown: Disclosure): SseMessage[] {
    const now = this.clock.now();
    if (kind === 'case')
      return [{ event: 'case', id: row.version, data: { case: viewOf(shown.row(row), currentState(row, now).deadlines, now) } }];
    const [event, snapshot] = initEvents(shown.row(row), now);
    return [{ data: event }, { id: row.version, data: snapshot }];
  }

  /**
   * The messages for the events after `position` up to `row` (the case as just read), and the new
   * position. Each event's case is rebuilt by replaying it on the snapshot before it (the same pure
   * engine step that wrote it); the last one is the row itself. Should that be impossible (a case
   * on a machine version no longer served), the intermediate ones carry the latest case. The
   * messages show what `shown` discloses; the replay runs on the stored data.
   */
  private async catchUp(kind: StreamKind, row: CaseRow, position: Position, shown: Disclosure): Promise<SseMessage[]> {
    const events = await this.repository.eventsBetween(this.database.dataSource.manager, {
      caseId: row.id,
      after: position.sequence,
      upTo: row.version,
    });
    const now = this.clock.now();
    const states = this.tryReplay({ row, events, from: position.snapshot, fromSequence: position.sequence, now });
    const current = currentState(row, now);
    const messages = events.flatMap((event, i): SseMessage[] => {
      const state = event.sequence === row.version ? current : (states?.[i] ?? current);
      const after = event.sequence === row.version ? row : rowAfter(row, event, state);
      if (kind === 'case')
        return [
          {
            event: 'transition',
            id: event.sequence,
            data: { event: historyEntryOf(shown.event(event)), case: viewOf(shown.row(after), state.deadlines, now) },
          },
        ];
      const [eventMessage, snapshotMessage] = transitionEvents(row, shown.event(event), shown.snapshot(state.snapshot));
      return [{ data: eventMessage }, { id: event.sequence, data: snapshotMessage }];
    });
    position.sequence = row.version;
    position.snapshot = row.snapshot;
    return messages;
  }

  private tryReplay(args: {
    row: CaseRow;
    events: EventRow[];
    from: PersistedSnapshot | null;
    fromSequence: number;
    now: Date;
  }): CaseState[] | null {
    const { row, events, from, fromSequence, now } = args;
    if (events.length <= 1 || row.machineVersion !== PATHWAYS[row.pathway as PathwayName].version) return null;
    if (from === null && fromSequence > 0) return null;
    try {
      return replayOrProblem({ row, events, from: from ?? undefined, now });
    } catch {
      return null;
    }
  }

  /** The snapshot after event `sequence`, by replaying the history up to it (null if it does not replay). */
  private async snapshotAt(row: CaseRow, sequence: number): Promise<PersistedSnapshot | null> {
    if (sequence === row.version) return row.snapshot;
    if (sequence === 0 || row.machineVersion !== PATHWAYS[row.pathway as PathwayName].version) return null;
    const events = await this.repository.eventsBetween(this.database.dataSource.manager, { caseId: row.id, after: 0, upTo: sequence });
    try {
      return replayOrProblem({ row, events, now: this.clock.now() }).at(-1)?.snapshot ?? null;
    } catch {
      return null;
    }
  }
}

/** The case as stored, read by the engine at `now`. */
const currentState = (row: CaseRow, now: Date): CaseState => readCase({ pathway: row.pathway as PathwayName, snapshot: row.snapshot, now });

/** Resolves when the response can take more, or is closed. */
function drained(response: Response): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      response.off('drain', done);
      response.off('close', done);
      resolve();
    };
    response.on('drain', done);
    response.on('close', done);
  });
}
