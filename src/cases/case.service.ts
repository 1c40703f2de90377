import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { PATHWAYS, eventsAvailable, readCase, startCase, type PathwayName } from '../../machines/index.js';
import { Clock } from '../common/clock.js';
import { ProblemException, validationFailed } from '../common/problem.js';
import type { Actor, CaseAccess } from '../common/request-context.js';
import type { Language } from '../config/app-config.js';
import { Database } from '../database/database.js';
import { OutboxSignal } from '../database/outbox-signal.js';
import { deadlineWriteOf } from './case-deadlines.js';
import { CaseFeed } from './case-feed.js';
import { CaseRepository, IDEMPOTENCY_PRIMARY_KEY, isUniqueViolation, type CaseRow } from './case.repository.js';
import { encodeCursor } from '../common/request-parsing.js';
import { parseCreateCase, parseEventBody, type ListQuery } from './case-requests.js';
import {
  actorRecord,
  appendDecided,
  caseNotFound,
  decideEvent,
  refusalProblem,
  remember,
  replay,
  versionConflict,
  type Idempotency,
  type WriteResult,
} from './case-step.js';
import { columnsOf, etagOf, historyEntryOf, reasonIn, summaryOf, viewOf, type CaseSummary, type CaseView } from './case-view.js';
import { isMatchingEvent, MatchService } from './match.service.js';
import { assertWritable, readableOrFail, type Disclosure } from './case-disclosure.js';

export { actorRecord, caseNotFound, machineOutdated, requestHash, type Idempotency, type WriteResult } from './case-step.js';

/** The type of the event that opens every case: sequence 1 of its history. */
export const CASE_OPENED = 'CASE_OPENED';

/** Optimistic attempts before an event falls back to locking the case row. */
export const OPTIMISTIC_ATTEMPTS = 3;

/**
 * Cases: opening, events, reading. An event is one atomic write (case row, event row and stored
 * idempotent response together); the machine alone decides whether it is allowed.
 */
@Injectable()
export class CaseService {
  /** Lost optimistic races, and events written under a row lock after too many of them. */
  readonly contention = { conflicts: 0, lockedWrites: 0 };

  constructor(
    @Inject(Database) private readonly database: Database,
    @Inject(Clock) private readonly clock: Clock,
    @Inject(OutboxSignal) private readonly outbox: OutboxSignal,
    @Inject(CaseFeed) private readonly feed: CaseFeed,
    @Inject(CaseRepository) private readonly repository: CaseRepository,
    @Inject(MatchService) private readonly matches: MatchService,
  ) {}

  private get db(): EntityManager {
    return this.database.dataSource.manager;
  }

  async openCase(args: { body: unknown; actor: Actor; access: CaseAccess; idempotency: Idempotency | null }): Promise<WriteResult> {
    const request = parseCreateCase(args.body);
    // Keys are the operator's own: another operator's key is neither replayed nor disclosed.
    const scope = `cases:${args.actor.id}`;
    if (args.idempotency) {
      const stored = await this.repository.findStored(this.db, scope, args.idempotency.key);
      if (stored) return replay(stored, args.idempotency);
    }
    const officeId = officeOfNewCase(request, args.access);
    const now = this.clock.now();
    const started = startCase({ pathway: request.pathway, input: request.input, now });
    if (!started.ok) throw refusalProblem(started.refusal);
    const row: CaseRow = {
      id: randomUUID(),
      pathway: request.pathway,
      machineVersion: PATHWAYS[request.pathway].version,
      subject: request.subject,
      officeId,
      // A case manager who opens a case is in charge of it; a service account's case waits for one.
      assigneeId:
        args.actor.account === 'person' && officeId !== null && args.access.ownOfficeIds.includes(officeId) ? args.actor.id : null,
      input: request.input,
      practice: request.practice,
      ...columnsOf(started),
      version: 1,
      createdAt: now,
      updatedAt: now,
    };
    const result: WriteResult = {
      status: 201,
      headers: { Location: `/cases/${row.id}`, ETag: etagOf(1) },
      body: viewOf(row, started.deadlines, now),
      replayed: false,
    };
    const event = {
      id: randomUUID(),
      type: CASE_OPENED,
      payload: {
        type: CASE_OPENED,
        at: now.toISOString(),
        subject: row.subject,
        officeId: row.officeId,
        input: row.input,
        ...(row.practice ? { practice: true } : {}),
      },
      stateBefore: null,
      stateAfter: started.snapshot.value,
      actor: actorRecord(args.actor),
      occurredAt: now,
      idempotencyKey: args.idempotency?.key ?? null,
    };
    try {
      const write = { row, event, idempotency: remember(scope, args.idempotency, result), deadlines: deadlineWriteOf(started.deadlines) };
      // One open case per subject, pathway and agency (practice cases aside): the check and the
      // insert under the subject's lock, so that concurrent openings cannot both pass the check.
      const { deliveries, openCase } =
        row.practice || row.officeId === null
          ? await this.repository.insertCase(this.db, { ...write, oneOpen: false })
          : await this.database.dataSource.transaction(async (manager) => {
              await this.repository.lockSubject(manager, { officeId: row.officeId!, pathway: row.pathway, subject: row.subject });
              return this.repository.insertCase(manager, { ...write, oneOpen: true });
            });
      if (openCase) {
        // The same key sent at the same time: the open case is the one the other request opened; answer as it did.
        const stored = args.idempotency ? await this.repository.findStored(this.db, scope, args.idempotency.key) : null;
        if (stored) return replay(stored, args.idempotency!);
        throw caseAlreadyOpen(openCase);
      }
      if (deliveries > 0) this.outbox.notify();
    } catch (error) {
      // The same key, sent at the same time: the other request won; answer as it did.
      if (args.idempotency && isUniqueViolation(error, IDEMPOTENCY_PRIMARY_KEY)) {
        const stored = await this.repository.findStored(this.db, scope, args.idempotency.key);
        if (stored) return replay(stored, args.idempotency);
      }
      throw error;
    }
    // Committed: the case's live streams (here and, through NOTIFY, on other replicas).
    this.feed.committed(row.id, 1);
    return result;
  }

  async getCase(id: string, access: CaseAccess): Promise<CaseView> {
    const { row, shown } = await this.getReadableOrFail(id, access);
    const now = this.clock.now();
    return viewOf(shown.row(row), readCase({ pathway: row.pathway as PathwayName, snapshot: row.snapshot, now }).deadlines, now);
  }

  async transitions(id: string, actor: Actor, access: CaseAccess, language: Language) {
    // The machine's answer carries no personal data: an observer sees what the standards allow now.
    const { row } = await this.getReadableOrFail(id, access);
    const pathway = PATHWAYS[row.pathway as PathwayName];
    const available = eventsAvailable({ pathway: pathway.name, snapshot: row.snapshot, operator: { id: actor.id, kind: actor.kind } });
    return {
      caseId: row.id,
      version: row.version,
      operator: { id: actor.id, kind: actor.kind },
      allowed: available.allowed.map((type) => ({
        event: type,
        service: pathway.events[type].service,
        summary: pathway.events[type].summary[language],
      })),
      blocked: available.blocked.map((b) => ({
        event: b.event,
        service: pathway.events[b.event].service,
        kind: b.kind,
        reasons: b.reasons.map((r) => reasonIn(r, language)),
      })),
    };
  }

  async postEvent(args: {
    caseId: string;
    body: unknown;
    actor: Actor;
    access: CaseAccess;
    ifMatch: number[] | '*' | null;
    idempotency: Idempotency | null;
  }): Promise<WriteResult> {
    const scope = `case:${args.caseId}:${args.actor.id}`;
    const key = args.idempotency ? { scope, key: args.idempotency.key } : null;
    const sent = { ...args, event: parseEventBody(args.body, this.clock.now()) };
    // An event that names the other side of a matching act records both sides, as POST /matches does.
    if (isMatchingEvent(sent.event)) return this.matches.recordFromCase({ ...sent, scope });
    for (let attempt = 1; ; attempt++) {
      // Under contention the optimistic path would spin: the last attempts lock the row instead.
      const lock = attempt > OPTIMISTIC_ATTEMPTS;
      const outcome = lock
        ? await this.database.dataSource.transaction((manager) => this.tryEvent(manager, sent, key, true))
        : await this.tryEvent(this.db, sent, key, false);
      if (outcome !== 'conflict') {
        if (lock) this.contention.lockedWrites += 1;
        // Committed: wake the dispatcher if the write queued webhook deliveries, and the case's streams.
        if (outcome.deliveries > 0) this.outbox.notify();
        if (outcome.version !== null) this.feed.committed(args.caseId, outcome.version);
        return outcome.result;
      }
      this.contention.conflicts += 1;
    }
  }

  /** One attempt: load, decide, write if the case has not moved meanwhile. */
  private async tryEvent(
    db: EntityManager,
    args: {
      caseId: string;
      event: Record<string, unknown>;
      actor: Actor;
      access: CaseAccess;
      ifMatch: number[] | '*' | null;
      idempotency: Idempotency | null;
    },
    key: { scope: string; key: string } | null,
    lock: boolean,
  ): Promise<{ result: WriteResult; deliveries: number; version: number | null } | 'conflict'> {
    const loaded = await this.repository.loadForEvent(db, { caseId: args.caseId, idempotency: key, lock });
    // Out of reach is not found (its existence is not disclosed); a case the actor only observes is 403.
    if (!loaded) throw caseNotFound(args.caseId);
    assertWritable(args.access, loaded.row, args.caseId);
    if (loaded.stored) return { result: replay(loaded.stored, args.idempotency!), deliveries: 0, version: null };
    const { row } = loaded;
    if (args.ifMatch !== null && args.ifMatch !== '*' && !args.ifMatch.includes(row.version)) throw versionConflict(row.version);
    const now = this.clock.now();
    const decided = decideEvent({ row, event: args.event, actor: args.actor, now, idempotencyKey: args.idempotency?.key ?? null });
    if (!decided.ok) throw refusalProblem(decided.refusal);
    const { next, entry, step } = decided;
    const result: WriteResult = {
      status: 200,
      headers: { ETag: etagOf(next.version), Location: `/cases/${row.id}` },
      body: { event: entry, case: viewOf(next, step.deadlines, now) },
      replayed: false,
    };
    try {
      const written = await appendDecided(this.repository, db, {
        decided,
        now,
        idempotency: key ? remember(key.scope, args.idempotency, result) : null,
      });
      return written ? { result, deliveries: written.deliveries, version: next.version } : 'conflict';
    } catch (error) {
      // A concurrent request with the same key committed first: the next attempt replays it.
      if (key && isUniqueViolation(error, IDEMPOTENCY_PRIMARY_KEY)) return 'conflict';
      throw error;
    }
  }

  async history(args: { caseId: string; access: CaseAccess; afterSequence: number; limit: number }) {
    const { row, shown } = await this.getReadableOrFail(args.caseId, args.access);
    const events = (await this.repository.history(this.db, args)).map((event) => historyEntryOf(shown.event(event)));
    const last = events.at(-1)?.sequence;
    return { caseId: row.id, version: row.version, events, nextAfter: last !== undefined && last < row.version ? last : null };
  }

  async list(query: ListQuery, actor: Actor, access: CaseAccess): Promise<{ items: CaseSummary[]; nextCursor: string | null }> {
    const { scope, ...filter } = query;
    const rows = await this.repository.listCases(this.db, {
      ...filter,
      // A search by subject never finds a case the actor only observes: that would disclose that the person has one.
      reach: filter.subject ? { ...access, observedOfficeIds: [] } : access,
      ...(scope === 'mine' ? { assigneeId: actor.id } : {}),
      limit: query.limit + 1,
    });
    const items = rows.slice(0, query.limit).map((row) => summaryOf(readableOrFail(access, row, row.id).shown.row(row)));
    const last = items.at(-1);
    return { items, nextCursor: rows.length > query.limit && last ? encodeCursor(last.createdAt, last.id) : null };
  }

  /** The case and how the actor may read it (in full, or masked as an observer); otherwise 404, as if it did not exist. */
  private async getReadableOrFail(id: string, access: CaseAccess): Promise<{ row: CaseRow; shown: Disclosure }> {
    return readableOrFail(access, await this.repository.findCase(this.db, id), id);
  }
}

/**
 * The office of a new case: the one asked for, which the actor must reach; else the actor's only
 * office. A practice case may have none (a trainer in no office); a real case needs one, and the
 * offices scope (trainers open practice cases only).
 */
function officeOfNewCase(request: { officeId: string | undefined; practice: boolean }, access: CaseAccess): string | null {
  if (!request.practice && access.officeIds.length === 0)
    throw new ProblemException('FORBIDDEN', {
      it: 'Questo ruolo apre solo casi di esercitazione (practice: true).',
      en: 'This role opens practice cases only (practice: true).',
    });
  if (request.officeId !== undefined) {
    if (access.officeIds.includes(request.officeId)) return request.officeId;
    throw new ProblemException('FORBIDDEN', {
      it: `La sede ${request.officeId} non è tra quelle per cui si opera.`,
      en: `Office ${request.officeId} is not one the actor works for.`,
    });
  }
  if (access.ownOfficeIds.length === 1) return access.ownOfficeIds[0];
  if (request.practice && access.ownOfficeIds.length === 0) return null;
  throw validationFailed([
    {
      field: 'officeId',
      problem: 'required',
      message: {
        it: `indicare la sede: si opera per ${access.ownOfficeIds.length} sedi`,
        en: `say which office: the actor works for ${access.ownOfficeIds.length}`,
      },
    },
  ]);
}

/** 409: the subject already has an open case of the pathway in the agency (a new one, or a transfer into it). */
export const caseAlreadyOpen = (open: { id: string; officeId: string }) =>
  new ProblemException(
    'CASE_ALREADY_OPEN',
    {
      it: `Il soggetto ha già un caso aperto su questo percorso nello stesso ente: ${open.id} (sede ${open.officeId}).`,
      en: `The subject already has an open case on this pathway in the same agency: ${open.id} (office ${open.officeId}).`,
    },
    { openCaseId: open.id, officeId: open.officeId, openCase: `/cases/${open.id}` },
  );
