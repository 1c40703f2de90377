import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { listCasesQuery, type CaseFilter } from '../../src/cases/case.repository.js';
import { worklistQuery, type WorklistFilter } from '../../src/worklist/worklist.repository.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { seedCases, seedRegistry } from '../support/worklist-seed.js';

/**
 * Issue 11: the worklist and the case list are index-backed: on 1,000,000 cases over 20 offices, no
 * plan of theirs reads `cases` or `case_deadlines` sequentially. The queries are the production ones
 * (worklistQuery, listCasesQuery), explained with the parameters a request would bind.
 */

const CASES = Number(process.env.WORKLIST_PLAN_CASES ?? 1_000_000);
const TODAY = '2026-12-02';

interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  'Index Name'?: string;
  Plans?: PlanNode[];
}

const nodesOf = (node: PlanNode): PlanNode[] => [node, ...(node.Plans ?? []).flatMap(nodesOf)];

let t: TestApp;
let offices: string[];
let operators: string[];
let seedSeconds: number;

async function plan(query: { sql: string; params: unknown[] }): Promise<PlanNode[]> {
  const rows = await t.dataSource.query<{ 'QUERY PLAN': unknown }[]>(`EXPLAIN (FORMAT JSON) ${query.sql}`, query.params);
  const json = rows[0]['QUERY PLAN'];
  const document = (typeof json === 'string' ? JSON.parse(json) : json) as { Plan: PlanNode }[];
  return nodesOf(document[0].Plan);
}

/** The sequential scans of `cases` and `case_deadlines` in a plan, and the indexes it reads. */
async function scans(query: { sql: string; params: unknown[] }) {
  const nodes = await plan(query);
  return {
    seqScans: nodes.filter((n) => n['Node Type'] === 'Seq Scan' && ['cases', 'case_deadlines'].includes(n['Relation Name'] ?? '')),
    indexes: [...new Set(nodes.map((n) => n['Index Name']).filter((name) => name !== undefined))].sort(),
  };
}

/** Runs `work` on one connection without the service's query timeout: loading and counting 1M rows take longer than a request may. */
async function withoutTimeout<T>(work: (query: (sql: string, params?: unknown[]) => Promise<any[]>) => Promise<T>): Promise<T> {
  const runner = t.dataSource.createQueryRunner();
  const connection = (await runner.connect()) as { connectionParameters: { query_timeout: number | false } };
  const timeout = connection.connectionParameters.query_timeout;
  connection.connectionParameters.query_timeout = false;
  try {
    return await work((sql, params) => runner.query(sql, params));
  } finally {
    connection.connectionParameters.query_timeout = timeout;
    await runner.release();
  }
}

beforeAll(async () => {
  t = await startTestApp();
  await withoutTimeout(async (query) => {
    ({ offices, operators } = await seedRegistry(query, { offices: 20, operators: 200, tag: 'plans' }));
    const started = performance.now();
    await seedCases(query, { count: CASES, offices, operators, today: TODAY });
    seedSeconds = (performance.now() - started) / 1000;
  });
  process.stderr.write(`[worklist-plans] seeded ${CASES} cases in ${seedSeconds.toFixed(1)} s\n`);
}, 1_800_000);
afterAll(() => t?.close());

describe(`plans on ${CASES} cases over 20 offices`, () => {
  it('seeded what the plans are read on', async () => {
    const [counts] = await withoutTimeout<{ cases: number; due: number; deadlines: number; listed: number; overdue: number }[]>((query) =>
      query(
        `SELECT (SELECT count(*) FROM cases WHERE office_id = ANY($1::uuid[]))::int AS cases,
              (SELECT count(*) FROM cases WHERE next_due_by IS NOT NULL AND office_id = ANY($1::uuid[]))::int AS due,
              (SELECT count(*) FROM case_deadlines)::int AS deadlines,
              (SELECT count(*) FROM cases WHERE office_id = $2 AND status = 'active' AND NOT practice)::int AS listed,
              (SELECT count(*) FROM cases WHERE office_id = $2 AND status = 'active' AND NOT practice AND next_due_by < $3)::int AS overdue`,
        [offices, offices[3], TODAY],
      ),
    );
    expect(counts.cases).toBe(CASES);
    expect(counts.due).toBeGreaterThan(CASES * 0.7);
    expect(counts.deadlines).toBe(counts.due * 2);
    // The office explained below holds its share of listed cases (about 88% of a twentieth), a fifth of them overdue.
    expect(counts.listed).toBeGreaterThan((CASES / 20) * 0.8);
    expect(counts.overdue).toBeGreaterThan(counts.listed * 0.15);
  });

  const office = (): WorklistFilter => ({ officeIds: [offices[3]], limit: 51 });
  const worklists: [string, () => WorklistFilter][] = [
    ['scope=office, one office, first page', office],
    [
      'scope=office, a later page (cursor on a due day)',
      () => ({ ...office(), after: { dueBy: '2027-03-01', id: '80000000-0000-4000-8000-000000000000' } }),
    ],
    [
      'scope=office, a later page (cursor past the due days)',
      () => ({ ...office(), after: { dueBy: null, id: '80000000-0000-4000-8000-000000000000' } }),
    ],
    ['scope=office, every office in reach', () => ({ officeIds: offices, limit: 51 })],
    ['scope=mine', () => ({ officeIds: offices, assigneeId: operators[7], limit: 51 })],
    ['overdue=true, one office', () => ({ ...office(), dueBefore: TODAY })],
    ['overdue=true, scope=mine', () => ({ officeIds: offices, assigneeId: operators[7], dueBefore: TODAY, limit: 51 })],
    ['dueBefore, one office', () => ({ ...office(), dueBefore: '2027-01-15' })],
    ['service=A3, one office', () => ({ ...office(), service: 'A3' })],
    [
      'service=A3 and overdue=true, scope=mine',
      () => ({ officeIds: offices, assigneeId: operators[7], service: 'A3', dueBefore: TODAY, limit: 51 }),
    ],
  ];
  it.each(worklists)('the worklist, %s: no sequential scan, the worklist indexes', async (_name, filter) => {
    const found = await scans(worklistQuery(filter()));
    expect(found.seqScans).toEqual([]);
    expect(found.indexes).toEqual(expect.arrayContaining([expect.stringMatching(/^IDX_cases_worklist_(office|assignee)$/)]));
  });

  const reach = (): CaseFilter => ({ reach: { officeIds: offices, practice: false }, practice: false, limit: 51 });
  const lists: [string, () => CaseFilter][] = [
    ['officeId', () => ({ ...reach(), officeId: offices[3] })],
    ['scope=mine (assignee)', () => ({ ...reach(), assigneeId: operators[7] })],
    ['subject', () => ({ ...reach(), subject: 'seed000000123456' })],
    [
      'officeId, a later page',
      () => ({ ...reach(), officeId: offices[3], after: { createdAt: new Date('2026-01-05T00:00:00Z'), id: offices[0] } }),
    ],
  ];
  it.each(lists)('GET /cases, %s: no sequential scan', async (_name, filter) => {
    expect((await scans(listCasesQuery(filter()))).seqScans).toEqual([]);
  });
});
