import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import {
  PATHWAYS,
  applyEvent,
  eventsAvailable,
  readCase,
  startCase,
  type PathwayName,
  type Refusal,
  type RefusalKind,
} from '../../machines/index.js';
import { canonicalJson, sha256 } from '../common/canonical-json.js';
import { Clock } from '../common/clock.js';
import { ProblemException, validationFailed, type FieldError } from '../common/problem.js';
import { reaches, type Actor, type CaseAccess } from '../common/request-context.js';
import type { Language } from '../config/app-config.js';
import { Database } from '../database/database.js';
import { OutboxSignal } from '../database/outbox-signal.js';
import { deadlineWriteOf } from './case-deadlines.js';
import { CaseFeed } from './case-feed.js';
import {
  CaseRepository,
  IDEMPOTENCY_PRIMARY_KEY,
  isUniqueViolation,
  type CaseRow,
  type IdempotencyWrite,
  type StoredResponse,
} from './case.repository.js';
import { encodeCursor } from '../common/request-parsing.js';
import { parseCreateCase, parseEventBody, type ListQuery } from './case-requests.js';
import {
  columnsOf,
  etagOf,
  fieldIn,
  historyEntryOf,
  reasonIn,
  summaryOf,
  viewOf,
  type CaseSummary,
  type CaseView,
  type HistoryEntry,
} from './case-view.js';

/** The answer to a write: what the controller sends, and whether it is a stored one replayed. */
export interface WriteResult {
  status: number;
  headers: Record<string, string>;
  body: unknown;
  replayed: boolean;
}

export interface Idempotency {
  key: string;
  /** The request as hashed: method, route and canonical body. */
  requestHash: string;
}

/** The type of the event that opens every case: sequence 1 of its history. */
export const CASE_OPENED = 'CASE_OPENED';

/** Optimistic attempts before an event falls back to locking the case row. */
export const OPTIMISTIC_ATTEMPTS = 3;

export const requestHash = (method: string, route: string, body: unknown): string => sha256(`${method} ${route}\n${canonicalJson(body)}`);

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
      const { deliveries } = await this.repository.insertCase(this.db, {
        row,
        event,
        idempotency: remember(scope, args.idempotency, result),
        deadlines: deadlineWriteOf(started.deadlines),
      });
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
    const row = await this.getRowOrFail(id, access);
    const now = this.clock.now();
    return viewOf(row, readCase({ pathway: row.pathway as PathwayName, snapshot: row.snapshot, now }).deadlines, now);
  }

  async transitions(id: string, actor: Actor, access: CaseAccess, language: Language) {
    const row = await this.getRowOrFail(id, access);
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
    // Out of reach is not found: the case's existence is not disclosed.
    if (!loaded || !reaches(args.access, loaded.row)) throw caseNotFound(args.caseId);
    if (loaded.stored) return { result: replay(loaded.stored, args.idempotency!), deliveries: 0, version: null };
    const { row } = loaded;
    if (args.ifMatch !== null && args.ifMatch !== '*' && !args.ifMatch.includes(row.version)) throw versionConflict(row.version);
    const pathway = PATHWAYS[row.pathway as PathwayName];
    if (row.machineVersion !== pathway.version) throw machineOutdated(row, pathway.version);

    const now = this.clock.now();
    const event = { ...args.event, operator: { id: args.actor.id, kind: args.actor.kind } };
    const step = applyEvent({ pathway: pathway.name, snapshot: row.snapshot, event, now });
    if (!step.ok) throw refusalProblem(step.refusal);

    const update = columnsOf(step);
    const next: CaseRow = { ...row, ...update, version: row.version + 1, updatedAt: now };
    const entry: HistoryEntry = {
      id: randomUUID(),
      sequence: next.version,
      type: step.event.type,
      payload: step.event,
      stateBefore: row.snapshot.value,
      stateAfter: step.value,
      actor: actorRecord(args.actor),
      occurredAt: new Date(Date.parse(step.event.at)).toISOString(),
      recordedAt: now.toISOString(),
      idempotencyKey: args.idempotency?.key ?? null,
    };
    const result: WriteResult = {
      status: 200,
      headers: { ETag: etagOf(next.version), Location: `/cases/${row.id}` },
      body: { event: entry, case: viewOf(next, step.deadlines, now) },
      replayed: false,
    };
    try {
      const written = await this.repository.appendEvent(db, {
        caseId: row.id,
        pathway: pathway.name,
        practice: row.practice,
        service: pathway.events[step.event.type]?.service ?? null,
        expectedVersion: row.version,
        update,
        event: { ...entry, occurredAt: new Date(entry.occurredAt) },
        now,
        idempotency: key ? remember(key.scope, args.idempotency, result) : null,
        deadlines: deadlineWriteOf(step.deadlines),
      });
      return written ? { result, deliveries: written.deliveries, version: next.version } : 'conflict';
    } catch (error) {
      // A concurrent request with the same key committed first: the next attempt replays it.
      if (key && isUniqueViolation(error, IDEMPOTENCY_PRIMARY_KEY)) return 'conflict';
      throw error;
    }
  }

  async history(args: { caseId: string; access: CaseAccess; afterSequence: number; limit: number }) {
    const row = await this.getRowOrFail(args.caseId, args.access);
    const events = (await this.repository.history(this.db, args)).map(historyEntryOf);
    const last = events.at(-1)?.sequence;
    return { caseId: row.id, version: row.version, events, nextAfter: last !== undefined && last < row.version ? last : null };
  }

  async list(query: ListQuery, actor: Actor, access: CaseAccess): Promise<{ items: CaseSummary[]; nextCursor: string | null }> {
    const { scope, ...filter } = query;
    const rows = await this.repository.listCases(this.db, {
      ...filter,
      reach: access,
      ...(scope === 'mine' ? { assigneeId: actor.id } : {}),
      limit: query.limit + 1,
    });
    const items = rows.slice(0, query.limit).map(summaryOf);
    const last = items.at(-1);
    return { items, nextCursor: rows.length > query.limit && last ? encodeCursor(last.createdAt, last.id) : null };
  }

  /** The case, if the actor reaches it; otherwise 404, as if it did not exist. */
  async getRowOrFail(id: string, access: CaseAccess): Promise<CaseRow> {
    const row = await this.repository.findCase(this.db, id);
    if (!row || !reaches(access, row)) throw caseNotFound(id);
    return row;
  }
}

/** Who acted, as the history keeps it. */
export const actorRecord = (actor: Actor) => ({ id: actor.id, username: actor.username, kind: actor.kind, via: actor.via });

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

function remember(scope: string, idempotency: Idempotency | null, result: WriteResult): IdempotencyWrite | null {
  if (!idempotency) return null;
  return {
    scope,
    key: idempotency.key,
    requestHash: idempotency.requestHash,
    statusCode: result.status,
    response: { headers: result.headers, body: result.body },
  };
}

function replay(stored: StoredResponse, idempotency: Idempotency): WriteResult {
  if (stored.requestHash !== idempotency.requestHash) {
    throw new ProblemException('IDEMPOTENCY_KEY_REUSED', {
      it: `La chiave di idempotenza '${idempotency.key}' è già stata usata con una richiesta diversa.`,
      en: `The idempotency key '${idempotency.key}' was already used with a different request.`,
    });
  }
  return { status: stored.statusCode, headers: stored.response.headers, body: stored.response.body, replayed: true };
}

export const caseNotFound = (id: string) =>
  new ProblemException('CASE_NOT_FOUND', { it: `Nessun caso con id ${id}.`, en: `No case with id ${id}.` });

const versionConflict = (current: number) =>
  new ProblemException(
    'VERSION_CONFLICT',
    {
      it: `Il caso è alla versione ${current}: rileggerlo e ripetere l'operazione se ha ancora senso.`,
      en: `The case is at version ${current}: read it again and repeat the step if it still makes sense.`,
    },
    { currentVersion: current },
    { ETag: etagOf(current) },
  );

export const machineOutdated = (row: CaseRow, served: string) =>
  new ProblemException(
    'CASE_MACHINE_OUTDATED',
    {
      it: `Il caso segue la versione ${row.machineVersion} del percorso ${row.pathway}; il servizio esegue la ${served}.`,
      en: `The case runs on version ${row.machineVersion} of the ${row.pathway} pathway; the service runs ${served}.`,
    },
    { caseMachineVersion: row.machineVersion, servedMachineVersion: served },
  );

/**
 * A refusal as HTTP: what the sender got wrong (the opening data, the event's fields, an unknown
 * event) is a 400 VALIDATION_FAILED listing the fields; what the case does not allow now is a 409
 * TRANSITION_NOT_ALLOWED. `kind` is the body's: the explanation's vocabulary, where invalid data are
 * a failed guard (the payload guard, or the opening's check).
 */
/** A machine refusal as a problem document, with the machine's reasons in the request's language. */
function refusalProblem(refusal: Refusal): ProblemException {
  const reasons = (language: Language) => refusal.reasons.map((r) => reasonIn(r, language));
  switch (refusal.kind) {
    case 'invalid_input':
    case 'invalid_payload':
    case 'unknown_event': {
      // The opening data are the body's `input`.
      const prefix = refusal.kind === 'invalid_input' ? 'input.' : '';
      // The public kind of a bad payload or input stays 'guards_failed', as clients have always seen it.
      const kind: RefusalKind = refusal.kind === 'unknown_event' ? 'unknown_event' : 'guards_failed';
      const errors = (language: Language): FieldError[] =>
        refusal.fields.map((f) => fieldIn({ ...f, field: `${prefix}${f.field}` }, language));
      return new ProblemException('VALIDATION_FAILED', refusal.cause.message, (language) => ({
        errors: errors(language),
        kind,
        reasons: reasons(language),
      }));
    }
    case 'not_available':
    case 'case_closed':
    case 'guards_failed':
      return new ProblemException(
        'TRANSITION_NOT_ALLOWED',
        { it: refusal.reasons.map((r) => r.message.it).join(' '), en: refusal.reasons.map((r) => r.message.en).join(' ') },
        (language) => ({ kind: refusal.kind, reasons: reasons(language) }),
      );
  }
}
