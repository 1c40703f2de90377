import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { Refusal } from '../../machines/index.js';
import { Clock } from '../common/clock.js';
import { ProblemException, validationFailed } from '../common/problem.js';
import type { Actor, CaseAccess } from '../common/request-context.js';
import { UUID } from '../common/request-parsing.js';
import type { Language } from '../config/app-config.js';
import { Database } from '../database/database.js';
import { OutboxSignal } from '../database/outbox-signal.js';
import { CaseFeed } from './case-feed.js';
import { CaseQueue } from './case-queue.js';
import {
  appendDecided,
  caseNotFound,
  decideEvent,
  isBadRequest,
  messageOf,
  reasonsIn,
  refusalProblem,
  remember,
  replay,
  versionConflict,
  type Decided,
  type Decision,
  type Idempotency,
  type WriteResult,
} from './case-step.js';
import { etagOf, viewOf } from './case-view.js';
import { CaseRepository, IDEMPOTENCY_PRIMARY_KEY, isUniqueViolation, type CaseRow } from './case.repository.js';
import { parseMatch, parseOutcome, type MatchRequest } from './match-requests.js';
import { MatchRepository, type MatchRow } from './match.repository.js';
import { assertWritable, disclosureOf, readableOrFail } from './case-disclosure.js';

/** A match as the API shows it: its row, with ISO 8601 instants. */
export type MatchView = Omit<MatchRow, 'createdAt' | 'outcomeAt'> & { createdAt: string; outcomeAt: string | null };

const viewOfMatch = (row: MatchRow): MatchView => ({
  ...row,
  createdAt: new Date(row.createdAt).toISOString(),
  outcomeAt: row.outcomeAt === null ? null : new Date(row.outcomeAt).toISOString(),
});

type Side = 'person' | 'employer';

/** The two sides of an act: each case's decision (null: the act records nothing on that side). */
type Sides = Record<Side, Decision | null>;
type Written = Record<Side, Decided | null>;

/**
 * An event sent to POST /cases/:id/events that names the other case of a matching act by its id:
 * the person's SENT_TO_INTERVIEW with an employerCaseId, the employer's CANDIDATE_PUT_FORWARD with
 * a personCaseId (recorded on both cases), or CANDIDATE_HIRED with a personCaseId (refused: a hire
 * is an outcome, POST /matches/:id/outcome). A value that is not a case id (a UUID) names no case
 * of this service: the catalogues take any text there, and the event stays one-sided, as before.
 */
export function isMatchingEvent(event: Record<string, unknown>): boolean {
  const named = event.type === 'SENT_TO_INTERVIEW' ? event.employerCaseId : event.personCaseId;
  const types = ['SENT_TO_INTERVIEW', 'CANDIDATE_PUT_FORWARD', 'CANDIDATE_HIRED'];
  return types.includes(event.type as string) && typeof named === 'string' && UUID.test(named);
}

export const matchNotFound = (id: string) =>
  new ProblemException('MATCH_NOT_FOUND', { it: `Nessun abbinamento con id ${id}.`, en: `No match with id ${id}.` });

/**
 * The matching act (A.6 / B.4): a person put forward for an employer's vacancy, and its outcome,
 * recorded on both cases in one transaction. The two case rows are locked in id order (so that
 * concurrent acts on overlapping cases queue instead of deadlocking; in this process they queue in
 * memory first, CaseQueue, so that waiting acts hold no pooled connection), both machines decide, and
 * either both events are written (with their webhooks, the match row and the stored idempotent
 * response) or nothing is: a refusal on either side is a 409 listing each side's reasons.
 */
@Injectable()
export class MatchService {
  /** Acts wait for their cases here, not holding a pooled connection while another act holds the rows. */
  private readonly queue = new CaseQueue();

  constructor(
    @Inject(Database) private readonly database: Database,
    @Inject(Clock) private readonly clock: Clock,
    @Inject(OutboxSignal) private readonly outbox: OutboxSignal,
    @Inject(CaseFeed) private readonly feed: CaseFeed,
    @Inject(CaseRepository) private readonly cases: CaseRepository,
    @Inject(MatchRepository) private readonly matches: MatchRepository,
  ) {}

  private get db(): EntityManager {
    return this.database.dataSource.manager;
  }

  /** POST /matches: SENT_TO_INTERVIEW on the person's case and CANDIDATE_PUT_FORWARD on the employer's. */
  async create(args: { body: unknown; actor: Actor; access: CaseAccess; idempotency: Idempotency | null }): Promise<WriteResult> {
    const request = parseMatch(args.body);
    const id = randomUUID();
    return this.act({
      ...args,
      ...pairOf(request),
      scope: `matches:${args.actor.id}`,
      answer: (w) => ({
        status: 201,
        headers: { Location: `/matches/${id}` },
        body: { id, personEvent: w.person!.entry, employerEvent: w.employer!.entry },
        replayed: false,
      }),
      record: (db, w, now) => this.insertMatch(db, { id, request, written: w, now, actor: args.actor }),
    });
  }

  /**
   * POST /cases/:id/events with an event that names the other case: the same act as POST /matches,
   * answered as POST /cases/:id/events answers for the case of the path (200, its event and the
   * case after it, its ETag), plus the match.
   */
  async recordFromCase(args: {
    caseId: string;
    event: Record<string, unknown> & { type: string; at: unknown };
    actor: Actor;
    access: CaseAccess;
    ifMatch: number[] | '*' | null;
    idempotency: Idempotency | null;
    scope: string;
  }): Promise<WriteResult> {
    const { event, caseId } = args;
    if (event.type === 'CANDIDATE_HIRED')
      throw validationFailed([
        {
          field: 'personCaseId',
          problem: 'unknown',
          message: {
            it: "un'assunzione che nomina il caso della persona si registra con POST /matches/:id/outcome (outcome hired), su entrambi i casi",
            en: "a hire that names the person's case is recorded with POST /matches/:id/outcome (outcome hired), on both cases",
          },
        },
      ]);
    const own: Side = event.type === 'SENT_TO_INTERVIEW' ? 'person' : 'employer';
    const otherField = own === 'person' ? 'employerCaseId' : 'personCaseId';
    const other = (event[otherField] as string).toLowerCase();
    const request: MatchRequest = {
      personCaseId: own === 'person' ? caseId : other,
      employerCaseId: own === 'employer' ? caseId : other,
      // The machine checks the event's own fields; the other side takes them as they are.
      vacancyId: event.vacancyId as string,
      at: event.at as string,
    };
    const pair = pairOf(request);
    const id = randomUUID();
    return this.act({
      ...args,
      ...pair,
      events: { ...pair.events, [own]: { ...event, [otherField]: other } },
      fields: own === 'person' ? { person: 'path:id', employer: otherField } : { person: otherField, employer: 'path:id' },
      flatReasons: own,
      check: (rows) => {
        const row = rows[own];
        if (args.ifMatch !== null && args.ifMatch !== '*' && !args.ifMatch.includes(row.version)) throw versionConflict(row.version);
      },
      answer: (w) => {
        const mine = w[own]!;
        return {
          status: 200,
          headers: { ETag: etagOf(mine.next.version), Location: `/cases/${caseId}` },
          body: {
            event: mine.entry,
            case: viewOf(mine.next, mine.step.deadlines, mine.next.updatedAt),
            match: { id, personEvent: w.person!.entry, employerEvent: w.employer!.entry },
          },
          replayed: false,
        };
      },
      record: (db, w, now) => this.insertMatch(db, { id, request, written: w, now, actor: args.actor }),
    });
  }

  /**
   * POST /matches/:id/outcome. hired: HIRED on the person's case (which closes the pathway) and
   * CANDIDATE_HIRED on the employer's, together; not_selected: EMPLOYER_FEEDBACK_RECORDED on the
   * employer's case only. Once: a second outcome is 409 MATCH_OUTCOME_RECORDED.
   */
  async recordOutcome(args: {
    matchId: string;
    body: unknown;
    actor: Actor;
    access: CaseAccess;
    idempotency: Idempotency | null;
  }): Promise<WriteResult> {
    const request = parseOutcome(args.body);
    const scope = `match:${args.matchId}:${args.actor.id}`;
    if (args.idempotency) {
      const stored = await this.cases.findStored(this.db, scope, args.idempotency.key);
      if (stored) return replay(stored, args.idempotency);
    }
    const match = await this.matches.findMatch(this.db, args.matchId);
    if (!match) throw matchNotFound(args.matchId);
    const { vacancyId, personCaseId, at } = { ...match, at: request.at };
    const events: Record<Side, Record<string, unknown> | null> =
      request.outcome === 'hired'
        ? {
            person: {
              type: 'HIRED',
              contractType: request.contractType,
              contractStartDate: request.contractStartDate,
              vacancyId,
              at,
            },
            employer: { type: 'CANDIDATE_HIRED', vacancyId, personCaseId, at },
          }
        : {
            person: null,
            employer: {
              type: 'EMPLOYER_FEEDBACK_RECORDED',
              vacancyId,
              feedback: request.feedback ?? `not_selected: ${personCaseId}`,
              at,
            },
          };
    return this.act({
      ...args,
      ids: { person: match.personCaseId, employer: match.employerCaseId },
      events,
      scope,
      notFound: () => matchNotFound(args.matchId),
      check: async (_rows, db) => {
        // Under the cases' locks: a concurrent outcome of the same match has committed or waits.
        const current = await this.matches.findMatch(db, match.id, true);
        if (current?.outcome)
          throw new ProblemException('MATCH_OUTCOME_RECORDED', {
            it: `L'esito dell'abbinamento ${match.id} è già registrato: ${current.outcome}.`,
            en: `The outcome of match ${match.id} is already recorded: ${current.outcome}.`,
          });
      },
      answer: (w) => ({
        status: 201,
        headers: { Location: `/matches/${match.id}` },
        body: {
          id: match.id,
          outcome: request.outcome,
          ...(w.person ? { personEvent: w.person.entry } : {}),
          employerEvent: w.employer!.entry,
        },
        replayed: false,
      }),
      record: async (db, _w, now) => {
        if (!(await this.matches.setOutcome(db, { id: match.id, outcome: request.outcome, at: now })))
          throw new Error(`match ${match.id}: outcome written meanwhile under the cases' locks`);
      },
    });
  }

  /** GET /matches?personCaseId|employerCaseId: the matches of a case in reach, oldest first. */
  async list(args: { side: Side; caseId: string; access: CaseAccess }): Promise<{ items: MatchView[] }> {
    // A match holds ids and dates only: an observer of the case reads it as it is.
    readableOrFail(args.access, await this.cases.findCase(this.db, args.caseId), args.caseId);
    return { items: (await this.matches.listMatches(this.db, args)).map(viewOfMatch) };
  }

  /** GET /matches/:id: a match both of whose cases are in reach (otherwise 404, as if it did not exist). */
  async get(id: string, access: CaseAccess): Promise<MatchView> {
    const match = await this.matches.findMatch(this.db, id);
    if (!match) throw matchNotFound(id);
    for (const caseId of [match.personCaseId, match.employerCaseId]) {
      const row = await this.cases.findCase(this.db, caseId);
      if (!row || !disclosureOf(access, row)) throw matchNotFound(id);
    }
    return viewOfMatch(match);
  }

  /**
   * One act on two cases, in one transaction: lock both rows in id order, check, let both machines
   * decide, write both events (and the response stored under the Idempotency-Key with the last of
   * them) and the match; then wake the dispatcher and both cases' streams.
   */
  private async act(args: {
    ids: Record<Side, string>;
    events: Record<Side, Record<string, unknown> | null>;
    actor: Actor;
    access: CaseAccess;
    idempotency: Idempotency | null;
    scope: string;
    /** How the two case ids are named in a 400 (the body's fields, or the path's). */
    fields?: Record<Side, string>;
    /** A case out of reach: CASE_NOT_FOUND naming it, unless the act is reached through another resource. */
    notFound?: (caseId: string) => ProblemException;
    /** The side whose reasons are also the 409's top-level `kind` and `reasons` (POST /cases/:id/events). */
    flatReasons?: Side;
    check?: (rows: Record<Side, CaseRow>, db: EntityManager) => void | Promise<void>;
    answer: (written: Written) => WriteResult;
    record: (db: EntityManager, written: Written, now: Date) => Promise<void>;
  }): Promise<WriteResult> {
    const { idempotency, scope } = args;
    if (idempotency) {
      const stored = await this.cases.findStored(this.db, scope, idempotency.key);
      if (stored) return replay(stored, idempotency);
    }
    try {
      const done = await this.queue.run([args.ids.person, args.ids.employer], () =>
        this.database.dataSource.transaction(async (db) => {
          const rows = await this.lockPair(db, args);
          await args.check?.(rows, db);
          const now = this.clock.now();
          const decide = (side: Side): Decision | null => {
            const event = args.events[side];
            return event ? decideEvent({ row: rows[side], event, actor: args.actor, now, idempotencyKey: idempotency?.key ?? null }) : null;
          };
          const sides: Sides = { person: decide('person'), employer: decide('employer') };
          // What the sender got wrong first (as POST /cases/:id/events answers it), then what the cases refuse.
          for (const side of ['person', 'employer'] as const) {
            const d = sides[side];
            if (d && !d.ok && isBadRequest(d.refusal)) throw refusalProblem(d.refusal);
          }
          if ((sides.person && !sides.person.ok) || (sides.employer && !sides.employer.ok)) throw sidesRefused(sides, args.flatReasons);
          const written = sides as Written;
          const result = args.answer(written);
          const writes = [written.person, written.employer].filter((d): d is Decided => d !== null);
          let deliveries = 0;
          for (const [i, decided] of writes.entries()) {
            const last = i === writes.length - 1;
            const appended = await appendDecided(this.cases, db, {
              decided,
              now,
              idempotency: last ? remember(scope, idempotency, result) : null,
            });
            // A locked row cannot move: if it did, nothing of the act may stay.
            if (!appended) throw new Error(`case ${decided.row.id} moved under its lock`);
            deliveries += appended.deliveries;
          }
          await args.record(db, written, now);
          return { result, deliveries, versions: writes.map((d) => [d.row.id, d.next.version] as const) };
        }),
      );
      // Committed: wake the dispatcher if webhooks were queued, and both cases' streams.
      if (done.deliveries > 0) this.outbox.notify();
      for (const [caseId, version] of done.versions) this.feed.committed(caseId, version);
      return done.result;
    } catch (error) {
      // The same key, sent at the same time: the other request won; answer as it did.
      if (idempotency && isUniqueViolation(error, IDEMPOTENCY_PRIMARY_KEY)) {
        const stored = await this.cases.findStored(this.db, scope, idempotency.key);
        if (stored) return replay(stored, idempotency);
      }
      throw error;
    }
  }

  /** Both case rows, locked in id order; each in reach, on its pathway, both real or both practice. */
  private async lockPair(
    db: EntityManager,
    args: { ids: Record<Side, string>; access: CaseAccess; fields?: Record<Side, string>; notFound?: (caseId: string) => ProblemException },
  ): Promise<Record<Side, CaseRow>> {
    const { ids } = args;
    const loaded = new Map<string, CaseRow>();
    // The same order for every act: two acts on overlapping cases queue, they never wait on each other.
    for (const caseId of [...new Set([ids.person, ids.employer])].sort()) {
      const found = await this.cases.loadForEvent(db, { caseId, idempotency: null, lock: true });
      if (found) loaded.set(caseId, found.row);
    }
    const notFound = args.notFound ?? caseNotFound;
    const rows = {} as Record<Side, CaseRow>;
    // Out of reach is not found, the person's case first: nothing is said of the other. An observed case is 403.
    for (const side of ['person', 'employer'] as const) {
      const row = loaded.get(ids[side]) ?? null;
      assertWritable(args.access, row, ids[side], notFound);
      rows[side] = row;
    }
    const fields = args.fields ?? { person: 'personCaseId', employer: 'employerCaseId' };
    const wrong = (['person', 'employer'] as const).filter((side) => rows[side].pathway !== side);
    if (wrong.length > 0)
      throw validationFailed(
        wrong.map((side) => ({
          field: fields[side],
          problem: 'enum',
          message: { it: `un caso del percorso ${side}`, en: `a case of the ${side} pathway` },
        })),
      );
    if (rows.person.practice !== rows.employer.practice)
      throw new ProblemException('MATCH_PRACTICE_MIXED', {
        it: "Un caso di esercitazione si abbina solo a un altro caso di esercitazione: l'atto non è registrato.",
        en: 'A practice case is matched only with another practice case: the act is not recorded.',
      });
    return rows;
  }

  private insertMatch(
    db: EntityManager,
    args: { id: string; request: MatchRequest; written: Written; now: Date; actor: Actor },
  ): Promise<void> {
    const { request, written } = args;
    return this.matches.insertMatch(db, {
      id: args.id,
      personCaseId: request.personCaseId,
      employerCaseId: request.employerCaseId,
      vacancyId: request.vacancyId,
      personSequence: written.person!.next.version,
      employerSequence: written.employer!.next.version,
      outcome: null,
      createdAt: args.now,
      outcomeAt: null,
      createdBy: args.actor.id,
    });
  }
}

/** The two events of a new match: each names the other case (the 6.2 / 10.1 link). */
function pairOf(request: MatchRequest): { ids: Record<Side, string>; events: Record<Side, Record<string, unknown>> } {
  const { personCaseId, employerCaseId, vacancyId, at } = request;
  return {
    ids: { person: personCaseId, employer: employerCaseId },
    events: {
      person: { type: 'SENT_TO_INTERVIEW', vacancyId, employerCaseId, at },
      employer: { type: 'CANDIDATE_PUT_FORWARD', vacancyId, personCaseId, at },
    },
  };
}

/**
 * 409 TRANSITION_NOT_ALLOWED for an act either case refuses: `sides` gives each side's reasons (empty
 * for a side that would pass, or that the act does not touch), in the request's language.
 */
function sidesRefused(sides: Sides, flat: Side | undefined): ProblemException {
  const refusalOf = (side: Side): Refusal | null => {
    const d = sides[side];
    return d && !d.ok ? d.refusal : null;
  };
  const refusals = [refusalOf('person'), refusalOf('employer')].filter((r): r is Refusal => r !== null);
  const sideIn = (side: Side, language: Language) => ({
    kind: refusalOf(side)?.kind ?? null,
    reasons: reasonsIn(refusalOf(side), language),
  });
  return new ProblemException('TRANSITION_NOT_ALLOWED', messageOf(refusals), (language) => ({
    ...(flat ? { kind: refusals[0].kind, reasons: refusals.flatMap((r) => reasonsIn(r, language)) } : {}),
    sides: { person: sideIn('person', language), employer: sideIn('employer', language) },
  }));
}
