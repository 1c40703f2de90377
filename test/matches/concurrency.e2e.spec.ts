import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { client, startTestApp, type ApiResponse, type Client, type TestApp } from '../support/test-app.js';
import { aPerson, anEmployer, AT, VACANCY } from './match-cases.js';

/*
 * 200 matching acts at once across overlapping cases: 20 person cases x 10 employer cases, every
 * pair once, so each person case is in 10 acts and each employer case in 20, all in flight together,
 * with single-case events on the same person cases racing them. The cases are locked in id order:
 * no deadlock, no 500, and both sides always together.
 */

const PERSONS = 20;
const EMPLOYERS = 10;

describe('concurrent matching acts', () => {
  let t: TestApp;
  let api: Client;

  beforeAll(async () => {
    t = await startTestApp();
    api = client(t.url);
  });
  afterAll(() => t?.close());

  const versionsOf = async (ids: string[]): Promise<Map<string, number>> =>
    new Map(
      (await t.dataSource.query<{ id: string; version: number }[]>(`SELECT id, version FROM cases WHERE id = ANY($1::uuid[])`, [ids])).map(
        (r) => [r.id, r.version],
      ),
    );

  it('records 200 concurrent acts on overlapping cases with both sides together, gapless histories and no deadlock', async () => {
    const persons = await Promise.all(Array.from({ length: PERSONS }, () => aPerson(api)));
    const employers = await Promise.all(Array.from({ length: EMPLOYERS }, () => anEmployer(api)));
    const before = await versionsOf([...persons, ...employers]);
    const pairs = persons.flatMap((personCaseId) => employers.map((employerCaseId) => ({ personCaseId, employerCaseId })));
    // Every act and the single-case events in one burst, interleaved.
    const acts = pairs.map((pair) => api.post('/matches', { ...pair, vacancyId: VACANCY, at: AT }));
    const singles = persons.map((id) => api.post(`/cases/${id}/events`, { type: 'CANDIDATE_PRESELECTED', vacancyId: VACANCY, at: AT }));
    const [answers, singleAnswers] = await Promise.all([Promise.all(acts), Promise.all(singles)]);

    const statuses = (list: ApiResponse[]) => [...new Set(list.map((r) => r.status))];
    expect(statuses(answers)).toEqual([201]);
    expect(statuses(singleAnswers)).toEqual([200]);
    answers.forEach((res, i) => {
      expect(res.body.personEvent).toMatchObject({
        type: 'SENT_TO_INTERVIEW',
        payload: { employerCaseId: pairs[i].employerCaseId, vacancyId: VACANCY },
      });
      expect(res.body.employerEvent).toMatchObject({
        type: 'CANDIDATE_PUT_FORWARD',
        payload: { personCaseId: pairs[i].personCaseId, vacancyId: VACANCY },
      });
    });

    // 6.2 = 10.1: as many persons sent as candidates put forward, and each pairs with exactly one.
    const [counts] = await t.dataSource.query<{ sent: number; forward: number; paired: number; matches: number; linked: number }[]>(
      `WITH sent AS (SELECT * FROM case_events WHERE type = 'SENT_TO_INTERVIEW'),
            forward AS (SELECT * FROM case_events WHERE type = 'CANDIDATE_PUT_FORWARD')
       SELECT (SELECT count(*) FROM sent)::int AS sent, (SELECT count(*) FROM forward)::int AS forward,
              (SELECT count(*) FROM sent s JOIN forward f
                 ON f.case_id::text = s.payload->>'employerCaseId' AND s.case_id::text = f.payload->>'personCaseId'
                AND f.payload->>'vacancyId' = s.payload->>'vacancyId')::int AS paired,
              (SELECT count(*) FROM matches)::int AS matches,
              (SELECT count(*) FROM matches m
                 JOIN sent s ON s.case_id = m.person_case_id AND s.sequence = m.person_sequence
                 JOIN forward f ON f.case_id = m.employer_case_id AND f.sequence = m.employer_sequence
                WHERE s.payload->>'employerCaseId' = m.employer_case_id::text AND f.payload->>'personCaseId' = m.person_case_id::text)::int AS linked`,
    );
    expect(counts).toEqual({ sent: 200, forward: 200, paired: 200, matches: 200, linked: 200 });

    // Every case's history is 1..version without a gap, and its row is at its last event.
    const gaps = await t.dataSource.query<{ id: string }[]>(
      `SELECT c.id FROM cases c JOIN case_events e ON e.case_id = c.id
        GROUP BY c.id, c.version HAVING count(*) <> c.version OR min(e.sequence) <> 1 OR max(e.sequence) <> c.version`,
    );
    expect(gaps).toEqual([]);
    // Each person case moved by its 10 acts and its pre-selection, each employer case by its 20 acts.
    const after = await versionsOf([...persons, ...employers]);
    for (const id of persons) expect({ id, version: after.get(id) }).toEqual({ id, version: before.get(id)! + EMPLOYERS + 1 });
    for (const id of employers) expect({ id, version: after.get(id) }).toEqual({ id, version: before.get(id)! + PERSONS });
  }, 300_000);
});
