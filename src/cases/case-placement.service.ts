import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { readCase, type PathwayName } from '../../machines/index.js';
import { Clock } from '../common/clock.js';
import { validationFailed } from '../common/problem.js';
import type { Actor, CaseAccess } from '../common/request-context.js';
import { Database } from '../database/database.js';
import { OutboxSignal } from '../database/outbox-signal.js';
import { IdentityRepository } from '../identity/identity.repository.js';
import { CaseFeed } from './case-feed.js';
import { CaseRepository, type CaseRow } from './case.repository.js';
import { actorRecord, caseAlreadyOpen, caseNotFound, OPTIMISTIC_ATTEMPTS, type WriteResult } from './case.service.js';
import { etagOf, viewOf, type HistoryEntry } from './case-view.js';
import { assertWritable } from './case-disclosure.js';

/** Who is in charge of a case, or which office holds it: a supervisor's change. */
export type Placement = { kind: 'assign'; assigneeId: string | null } | { kind: 'transfer'; officeId: string; reason: string };

/** Roles that work cases: an assignee holds one of them. */
const CASE_ROLES = ['case_manager', 'supervisor'];

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

  async place(args: { caseId: string; change: Placement; actor: Actor; access: CaseAccess }): Promise<WriteResult> {
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
    args: { caseId: string; change: Placement; actor: Actor; access: CaseAccess },
    lock: boolean,
  ): Promise<{ result: WriteResult; deliveries: number; version: number } | null> {
    const loaded = await this.repository.loadForEvent(db, { caseId: args.caseId, idempotency: null, lock });
    if (!loaded) throw caseNotFound(args.caseId);
    assertWritable(args.access, loaded.row, args.caseId);
    const { row } = loaded;
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
      idempotencyKey: null,
    };
    const state = readCase({ pathway: row.pathway as PathwayName, snapshot: row.snapshot, now });
    const written = await this.repository.appendEvent(db, {
      caseId: row.id,
      pathway: row.pathway,
      practice: row.practice,
      service: null,
      expectedVersion: row.version,
      update: { snapshot: row.snapshot, status: row.status, statePaths: row.statePaths, services: row.services },
      event: { ...entry, occurredAt: now },
      now,
      idempotency: null,
      placement,
      // Record keeping: the deadlines stay as they are.
      deadlines: null,
    });
    if (!written) return null;
    const result: WriteResult = {
      status: 200,
      headers: { ETag: etagOf(next.version), Location: `/cases/${row.id}` },
      body: { event: entry, case: viewOf(next, state.deadlines, now) },
      replayed: false,
    };
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
