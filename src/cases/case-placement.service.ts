import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { readCase, type PathwayName } from '../../machines/index.js';
import { Clock } from '../common/clock.js';
import { ProblemException, validationFailed } from '../common/problem.js';
import type { Actor, CaseAccess } from '../common/request-context.js';
import { Database } from '../database/database.js';
import { OutboxSignal } from '../database/outbox-signal.js';
import { IdentityRepository } from '../identity/identity.repository.js';
import { CaseFeed } from './case-feed.js';
import { CaseRepository, type CaseRow } from './case.repository.js';
import { actorRecord, caseAlreadyOpen, caseNotFound, OPTIMISTIC_ATTEMPTS, type Idempotency, type WriteResult } from './case.service.js';
import { IDEMPOTENCY_PRIMARY_KEY, isUniqueViolation } from './case.repository.js';
import { remember, replay, versionConflict } from './case-step.js';
import { etagOf, viewOf, type HistoryEntry } from './case-view.js';
import { assertWritable } from './case-disclosure.js';

/** Who is in charge of a case, or which office holds it: a supervisor's change. */
export type Placement = { kind: 'assign'; assigneeId: string | null } | { kind: 'transfer'; officeId: string; reason: string };

/** Roles that work cases: an assignee holds one of them. */
const CASE_ROLES = ['case_manager', 'supervisor'];

/** A placement's request: the change, and the version the client read (If-Match; null: any). */
interface PlacementArgs {
  caseId: string;
  change: Placement;
  actor: Actor;
  access: CaseAccess;
  ifMatch?: number[] | '*' | null;
  /** Idempotency-Key: a repeat gets the first answer (the same scope as the case's events). */
  idempotency?: Idempotency | null;
}

/** An operator a case of the office may be assigned to (GET /offices/:id/assignees). */
export interface Assignee {
  id: string;
  username: string;
  name: string;
  roles: string[];
}

/**
 * Assignment and transfer (supervisors): the case's assignee or office changes, and the history
 * records it (CASE_ASSIGNED, CASE_TRANSFERRED: record keeping, which the machine does not see),
 * in one statement, with webhooks like any other event. A transfer leaves the case unassigned: the
 * receiving office assigns it.
 */
@Injectable()
export class CasePlacementService {
  constructor(
    @Inject(Database) private readonly database: Database,
    @Inject(Clock) private readonly clock: Clock,
    @Inject(OutboxSignal) private readonly outbox: OutboxSignal,
    @Inject(CaseFeed) private readonly feed: CaseFeed,
    @Inject(CaseRepository) private readonly repository: CaseRepository,
    @Inject(IdentityRepository) private readonly identity: IdentityRepository,
  ) {}

  /**
   * The operators a case of the office may be assigned to: enabled, members of it, with a case role.
   * An office out of the actor's reach is 404 OFFICE_NOT_FOUND, its existence not disclosed.
   */
  async assignees(officeId: string, access: CaseAccess): Promise<{ officeId: string; items: Assignee[] }> {
    if (!access.officeIds.includes(officeId))
      throw new ProblemException('OFFICE_NOT_FOUND', {
        it: `Nessuna sede ${officeId} tra le tue.`,
        en: `No office ${officeId} in your reach.`,
      });
    const rows = await this.identity.operatorsOfOffice(this.database.dataSource.manager, officeId);
    const items = rows
      .filter((o) => o.disabledAt === null && o.roles.some((r) => CASE_ROLES.includes(r)))
      .map((o) => ({ id: o.id, username: o.username, name: o.name, roles: o.roles.filter((r) => CASE_ROLES.includes(r)) }));
    return { officeId, items };
  }

  async place(args: PlacementArgs): Promise<WriteResult> {
    // Optimistic, like events: a concurrent write makes this read the case again; after as many
    // lost races as an event allows, the case row is locked instead, so that it cannot spin.
    for (let attempt = 1; ; attempt++) {
      const lock = attempt > OPTIMISTIC_ATTEMPTS;
      // A transfer runs in a transaction: into another agency, it holds the subject's lock there (validate).
      const outcome =
        lock || args.change.kind === 'transfer'
          ? await this.database.dataSource.transaction((manager) => this.attempt(manager, args, lock))
          : await this.attempt(this.database.dataSource.manager, args, false);
      if (!outcome) continue;
      if (outcome.deliveries > 0) this.outbox.notify();
      this.feed.committed(args.caseId, outcome.version);
      return outcome.result;
    }
  }

  /** One attempt: read, check, write if the case has not moved meanwhile (null if it has). */
  private async attempt(
    db: EntityManager,
    args: PlacementArgs,
    lock: boolean,
  ): Promise<{ result: WriteResult; deliveries: number; version: number } | null> {
    const idempotency = args.idempotency ?? null;
    const key = idempotency ? { scope: `case:${args.caseId}:${args.actor.id}`, key: idempotency.key } : null;
    const loaded = await this.repository.loadForEvent(db, { caseId: args.caseId, idempotency: key, lock });
    // A repeat gets the first answer even when that one took the case out of reach (a transfer): the
    // answer is the operator's own (the key's scope), given to them once already.
    if (loaded?.stored && idempotency) return { result: replay(loaded.stored, idempotency), deliveries: 0, version: loaded.row.version };
    if (!loaded) throw caseNotFound(args.caseId);
    assertWritable(args.access, loaded.row, args.caseId);
    const { row } = loaded;
    if (args.ifMatch && args.ifMatch !== '*' && !args.ifMatch.includes(row.version)) throw versionConflict(row.version);
    const placement = await this.validate(db, row, args.change);
    const now = this.clock.now();
    const payload =
      args.change.kind === 'assign'
        ? { type: 'CASE_ASSIGNED', assigneeId: placement.assigneeId, previousAssigneeId: row.assigneeId, at: now.toISOString() }
        : {
            type: 'CASE_TRANSFERRED',
            fromOfficeId: row.officeId,
            toOfficeId: placement.officeId,
            reason: args.change.reason,
            previousAssigneeId: row.assigneeId,
            at: now.toISOString(),
          };
    const next: CaseRow = { ...row, ...placement, version: row.version + 1, updatedAt: now };
    const entry: HistoryEntry = {
      id: randomUUID(),
      sequence: next.version,
      type: payload.type,
      payload,
      stateBefore: row.snapshot.value,
      stateAfter: row.snapshot.value,
      actor: actorRecord(args.actor),
      occurredAt: now.toISOString(),
      recordedAt: now.toISOString(),
      idempotencyKey: idempotency?.key ?? null,
    };
    const state = readCase({ pathway: row.pathway as PathwayName, snapshot: row.snapshot, now });
    const result: WriteResult = {
      status: 200,
      headers: { ETag: etagOf(next.version), Location: `/cases/${row.id}` },
      body: { event: entry, case: viewOf(next, state.deadlines, now) },
      replayed: false,
    };
    const written = await this.repository
      .appendEvent(db, {
        caseId: row.id,
        pathway: row.pathway,
        practice: row.practice,
        service: null,
        expectedVersion: row.version,
        update: { snapshot: row.snapshot, status: row.status, statePaths: row.statePaths, services: row.services },
        event: { ...entry, occurredAt: now },
        now,
        idempotency: key ? remember(key.scope, idempotency, result) : null,
        placement,
        // Record keeping: the deadlines stay as they are.
        deadlines: null,
      })
      .catch((error: unknown) => {
        // A concurrent request with the same key committed first: the next attempt replays it.
        if (key && isUniqueViolation(error, IDEMPOTENCY_PRIMARY_KEY)) return null;
        throw error;
      });
    if (!written) return null;
    return { result, deliveries: written.deliveries, version: next.version };
  }

  /**
   * Into another agency, a transfer must not give the subject a second open case of the pathway
   * there (409 CASE_ALREADY_OPEN, as an opening would). Checked under the subject's lock, which
   * openings take too, until the transfer's transaction ends.
   */
  private async refuseSecondOpenCase(db: EntityManager, row: CaseRow, office: { id: string; agencyId: string }): Promise<void> {
    const [current] = row.officeId === null ? [] : await this.identity.offices(db, [row.officeId]);
    if (current?.agencyId === office.agencyId) return;
    const target = { officeId: office.id, pathway: row.pathway, subject: row.subject };
    await this.repository.lockSubject(db, target);
    const open = await this.repository.findOpenCase(db, { ...target, exceptId: row.id });
    if (open) throw caseAlreadyOpen(open);
  }

  /** The office and assignee after the change, if the registry allows it (400 naming the field otherwise). */
  private async validate(
    db: EntityManager,
    row: CaseRow,
    change: Placement,
  ): Promise<{ officeId: string | null; assigneeId: string | null }> {
    if (change.kind === 'transfer') {
      const [office] = await this.identity.offices(db, [change.officeId]);
      if (!office)
        throw validationFailed([
          { field: 'officeId', problem: 'format', message: { it: 'nessuna sede con questo id', en: 'no office with this id' } },
        ]);
      if (office.id === row.officeId)
        throw validationFailed([
          {
            field: 'officeId',
            problem: 'range',
            message: { it: 'il caso è già in questa sede', en: 'the case is already in this office' },
          },
        ]);
      if (!row.practice && row.status === 'active') await this.refuseSecondOpenCase(db, row, office);
      return { officeId: office.id, assigneeId: null };
    }
    if (change.assigneeId === null) return { officeId: row.officeId, assigneeId: null };
    const operator = await this.identity.operator(db, change.assigneeId);
    const fits =
      operator !== null &&
      operator.disabledAt === null &&
      operator.roles.some((r) => CASE_ROLES.includes(r)) &&
      row.officeId !== null &&
      operator.officeIds.includes(row.officeId);
    if (!fits)
      throw validationFailed([
        {
          field: 'assigneeId',
          problem: 'range',
          message: {
            it: 'un operatore attivo della sede del caso, con il ruolo case_manager o supervisor',
            en: "an enabled operator of the case's office, with the case_manager or supervisor role",
          },
        },
      ]);
    return { officeId: row.officeId, assigneeId: operator.id };
  }
}
