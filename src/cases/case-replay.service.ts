import { Inject, Injectable } from '@nestjs/common';
import {
  HistoryNotReplayableError,
  PATHWAYS,
  replayCase,
  type CaseState,
  type PathwayName,
  type PersistedSnapshot,
} from '../../machines/index.js';
import { canonicalJson } from '../common/canonical-json.js';
import { ProblemException } from '../common/problem.js';
import { Clock } from '../common/clock.js';
import { Database } from '../database/database.js';
import { CaseRepository, type CaseRow, type EventRow } from './case.repository.js';
import { machineOutdated } from './case.service.js';
import { readableOrFail } from './case-disclosure.js';
import { columnsOf, historyEntryOf, type HistoryEntry } from './case-view.js';
import type { CaseAccess } from '../common/request-context.js';

/** The case as it was right after one event of its history: the event as /history shows it, and the case then. */
export type ReplayStep = Pick<HistoryEntry, 'sequence' | 'type' | 'payload' | 'actor' | 'occurredAt' | 'recordedAt'> & {
  state: unknown;
  statePaths: string[];
  status: string;
  services: Record<string, string>;
  context: unknown;
};

export interface CaseReplay {
  caseId: string;
  pathway: string;
  /** The case's current version (the steps may stop earlier with `upTo`). */
  version: number;
  steps: ReplayStep[];
}

/**
 * Rebuilds a case from its stored history through the running machine (machines/replay.ts): the
 * inspector's replay slider, and the intermediate views of the live streams.
 */
@Injectable()
export class CaseReplayService {
  constructor(
    @Inject(Database) private readonly database: Database,
    @Inject(CaseRepository) private readonly repository: CaseRepository,
    @Inject(Clock) private readonly clock: Clock,
  ) {}

  async replay(caseId: string, upTo: number | null, access: CaseAccess): Promise<CaseReplay> {
    const db = this.database.dataSource.manager;
    const { row, shown } = readableOrFail(access, await this.repository.findCase(db, caseId), caseId);
    const pathway = PATHWAYS[row.pathway as PathwayName];
    if (row.machineVersion !== pathway.version) throw machineOutdated(row, pathway.version);
    const last = Math.min(upTo ?? row.version, row.version);
    const events = await this.repository.eventsBetween(db, { caseId, after: 0, upTo: last });
    const states = replayOrProblem({ row, events, now: this.clock.now() });
    return {
      caseId: row.id,
      pathway: row.pathway,
      version: row.version,
      steps: events.map((event, i) => stepOf(shown.event(event), { ...states[i], snapshot: shown.snapshot(states[i].snapshot) })),
    };
  }
}

/**
 * The case after each event, replayed from `from` (the snapshot before `events[0]`; none: from
 * the opening), its deadlines read at `now`. A history that the machine refuses, or that lands in
 * other states than the ones stored with it, is a 409 CASE_HISTORY_NOT_REPLAYABLE.
 */
export function replayOrProblem(args: { row: CaseRow; events: EventRow[]; from?: PersistedSnapshot; now: Date }): CaseState[] {
  const { row, events, from, now } = args;
  try {
    const states = replayCase({ pathway: row.pathway as PathwayName, events, from, now });
    events.forEach((event, i) => {
      if (canonicalJson(states[i].value) !== canonicalJson(event.stateAfter)) {
        throw new HistoryNotReplayableError(event.sequence, 'the machine now reaches another state than the one recorded');
      }
    });
    return states;
  } catch (error) {
    if (!(error instanceof HistoryNotReplayableError)) throw error;
    throw new ProblemException(
      'CASE_HISTORY_NOT_REPLAYABLE',
      {
        it: `La storia del caso non si riesegue con la macchina in servizio: si ferma all'evento ${error.sequence} (${error.detail}).`,
        en: `The case's history does not replay on the running machine: it stops at event ${error.sequence} (${error.detail}).`,
      },
      { sequence: error.sequence },
    );
  }
}

/** The case row as it was after an event, from the case the replay gave for it. */
export function rowAfter(row: CaseRow, event: EventRow, state: CaseState): CaseRow {
  return { ...row, ...columnsOf(state), version: event.sequence, updatedAt: new Date(event.recordedAt) };
}

function stepOf(event: EventRow, state: CaseState): ReplayStep {
  const { sequence, type, payload, actor, occurredAt, recordedAt } = historyEntryOf(event);
  const { snapshot, statePaths, status, services } = state;
  return {
    sequence,
    type,
    payload,
    actor,
    occurredAt,
    recordedAt,
    state: snapshot.value,
    statePaths,
    status,
    services,
    context: snapshot.context,
  };
}
