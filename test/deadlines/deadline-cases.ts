import { expect } from '@jest/globals';
import type { Client, TestApp } from '../support/test-app.js';
import { taxCode } from '../support/subjects.js';

/** The events that take a new person case to a registered DID on `didDate` (and a signed Patto). */
export const toDid = (didDate: string, group: 'priority' | 'other' = 'other') => [
  { type: 'INTAKE_SESSION_HELD', mode: 'individual', minutes: 30, at: didDate },
  { type: 'REGISTRY_UPDATED', at: didDate },
  { type: 'DID_RECEIVED', didDate, deadlineGroup: group, at: didDate },
  { type: 'DID_CERTIFICATION_REQUESTED', at: didDate },
  { type: 'PATTO_SIGNED', at: didDate },
];

/** Posts events in order, each of which must be applied. */
export async function apply(api: Client, id: string, events: Record<string, unknown>[]): Promise<void> {
  for (const event of events) {
    const res = await api.post(`/cases/${id}/events`, event);
    if (res.status !== 200) throw new Error(`${String(event.type)} answered ${res.status}: ${JSON.stringify(res.body)}`);
  }
}

/** A new person case (a valid tax code), optionally taken to a DID; returns its id. */
export async function openPerson(api: Client, did?: { date: string; group?: 'priority' | 'other' }, practice = false): Promise<string> {
  const res = await api.post('/cases', { pathway: 'person', subject: taxCode(), ...(practice ? { practice: true } : {}) });
  expect(res.status).toBe(201);
  const id = res.body.id as string;
  if (did) await apply(api, id, toDid(did.date, did.group));
  return id;
}

export interface StoredRow {
  id: string;
  dueBy: string;
  state: string;
  metAt: string | null;
  approachingAt: string | null;
  overdueAt: string | null;
}

/** The case's case_deadlines rows (by deadline id) and its next_due_by, as stored. */
export async function stored(t: TestApp, caseId: string): Promise<{ rows: StoredRow[]; nextDueBy: string | null }> {
  const rows = await t.dataSource.query<StoredRow[]>(
    `SELECT deadline_id AS id, to_char(due_by, 'YYYY-MM-DD') AS "dueBy", state, met_at AS "metAt", approaching_at AS "approachingAt", overdue_at AS "overdueAt"
       FROM case_deadlines WHERE case_id = $1 ORDER BY deadline_id`,
    [caseId],
  );
  const [row] = await t.dataSource.query<{ next: string | null }[]>(
    `SELECT to_char(next_due_by, 'YYYY-MM-DD') AS next FROM cases WHERE id = $1`,
    [caseId],
  );
  return {
    rows: rows.map((r) => ({
      ...r,
      metAt: r.metAt && new Date(r.metAt).toISOString(),
      approachingAt: r.approachingAt && new Date(r.approachingAt).toISOString(),
      overdueAt: r.overdueAt && new Date(r.overdueAt).toISOString(),
    })),
    nextDueBy: row.next,
  };
}
