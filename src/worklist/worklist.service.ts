import { Inject, Injectable } from '@nestjs/common';
import { daysBetween, romeDay } from '../cases/case-deadlines.js';
import { Clock } from '../common/clock.js';
import type { Actor, CaseAccess } from '../common/request-context.js';
import { Database } from '../database/database.js';
import { encodeWorklistCursor, type WorklistQuery } from './worklist-requests.js';
import { WorklistRepository, type WorklistRow } from './worklist.repository.js';

/** A row of GET /worklist. */
export interface WorklistItem {
  caseId: string;
  pathway: string;
  subject: string;
  officeId: string | null;
  /** The operator in charge (an operator id), or null: as GET /cases shows it. */
  assignee: string | null;
  nextDeadline: { id: string; dueBy: string; state: 'pending' | 'overdue'; daysLeft: number } | null;
  lastActivityAt: string;
  services: Record<string, string>;
}

const earlier = (a: string | undefined, b: string | undefined): string | undefined =>
  a === undefined || (b !== undefined && b < a) ? b : a;

/** The worklist: an operator's or an office's active real cases, the most urgent first. */
@Injectable()
export class WorklistService {
  constructor(
    @Inject(Database) private readonly database: Database,
    @Inject(Clock) private readonly clock: Clock,
    @Inject(WorklistRepository) private readonly repository: WorklistRepository,
  ) {}

  async worklist(query: WorklistQuery, actor: Actor, access: CaseAccess): Promise<{ items: WorklistItem[]; nextCursor: string | null }> {
    // An office out of reach lists nothing, as GET /cases?officeId does.
    const officeIds = query.officeId === undefined ? access.officeIds : access.officeIds.filter((id) => id === query.officeId);
    if (officeIds.length === 0) return { items: [], nextCursor: null };
    // Days are Rome's: a deadline is overdue once its day has passed there.
    const today = romeDay(this.clock.now());
    const rows = await this.repository.page(this.database.dataSource.manager, {
      officeIds,
      ...(query.scope === 'mine' ? { assigneeId: actor.id } : {}),
      dueBefore: earlier(query.overdue ? today : undefined, query.dueBefore),
      service: query.service,
      after: query.after,
      limit: query.limit + 1,
    });
    const items = rows.slice(0, query.limit);
    const last = items.at(-1);
    return {
      items: items.map((row) => itemOf(row, today)),
      nextCursor: rows.length > query.limit && last ? encodeWorklistCursor({ dueBy: last.nextDueBy, id: last.id }) : null,
    };
  }
}

function itemOf(row: WorklistRow, today: string): WorklistItem {
  const due = row.nextDueBy !== null && row.deadlineId !== null ? { id: row.deadlineId, dueBy: row.nextDueBy } : null;
  return {
    caseId: row.id,
    pathway: row.pathway,
    subject: row.subject,
    officeId: row.officeId,
    assignee: row.assigneeId,
    nextDeadline: due && { ...due, state: due.dueBy < today ? 'overdue' : 'pending', daysLeft: daysBetween(today, due.dueBy) },
    lastActivityAt: new Date(row.updatedAt).toISOString(),
    services: row.services,
  };
}
