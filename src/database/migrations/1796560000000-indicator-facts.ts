import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Step 7, the indicators at scale (src/indicators/indicator-fact.entity.ts): `indicator_facts`, one
 * narrow row per act and indicator it feeds, written from now on in the statement that appends the
 * event, and `indicator_subjects`, the subjects they count by a number; both filled here from the
 * event log and the cases. GET /indicators reads them instead of joining a period's events to their
 * cases (2 s for all offices at 1,000,000 events; docs/benchmarks.md).
 *
 * The backfill reads the feeding event types as the machines' catalogues had them when this was
 * written (FEEDS below, frozen: test/indicators/indicator-facts.e2e.spec.ts checks that it still
 * matches feedTable() in machines/indicator-facts.ts, so a catalogue change comes with its own
 * migration). Real cases only; the case's current office and subject; the act's day in Europe/Rome;
 * 6.4 dated by the contract's start date; 6.2 and 10.1 with the vacancy and the other case they name.
 *
 * IDX_case_events_type_occurred (1796530000000) served only the indicators' reading of the event log:
 * dropped here (every event paid for it), made again by down.
 */
export const FEEDS: readonly (readonly [pathway: string, type: string, indicator: string, datedBy: string | null])[] = [
  ['person', 'INFORMATION_GIVEN', '1.1', null],
  ['person', 'INTAKE_SESSION_HELD', '2.1', null],
  ['person', 'PATTO_SIGNED', '2.2', null],
  ['person', 'GUIDANCE_SESSION_HELD', '3.1', null],
  ['person', 'PAI_SIGNED', '3.2', null],
  ['person', 'PAI_REFUSED', '3.3', null],
  ['person', 'TRAINING_REFERRED', '3.4', null],
  ['person', 'TRAINING_ENROLLED', '3.5', null],
  ['person', 'TRAINING_COMPLETED', '3.6', null],
  ['person', 'COUNSELLING_MEETING_HELD', '4.1', null],
  ['person', 'JOB_SEARCH_SESSION_HELD', '5.1', null],
  ['person', 'TRAINEESHIP_ACTIVATED', '5.2', null],
  ['person', 'CANDIDATE_PRESELECTED', '6.1', null],
  ['person', 'SENT_TO_INTERVIEW', '6.2', null],
  ['person', 'HIRED', '6.3', null],
  ['person', 'HIRED', '6.4', 'contractStartDate'],
  ['employer', 'COMPANY_CONTACTED', '7.1', null],
  ['employer', 'INTEREST_EXPRESSED', '7.2', null],
  ['employer', 'EMPLOYER_INTAKE_HELD', '8.1', null],
  ['employer', 'PATTO_SIGNED', '8.2', null],
  ['employer', 'VACANCY_RECORDED', '8.3', null],
  ['employer', 'VACANCY_RECORDED', '8.4', null],
  ['employer', 'CONSULTING_SESSION_HELD', '9.1', null],
  ['employer', 'CANDIDATE_PUT_FORWARD', '10.1', null],
  ['employer', 'HIRING_DECLARED', '10.2', null],
  ['employer', 'CANDIDATE_HIRED', '10.3', null],
];

/** The other case each side of the 6.2 / 10.1 check names (CONSISTENCY in indicator-definitions.ts). */
const NAMES: Record<string, string> = { '6.2': 'employerCaseId', '10.1': 'personCaseId' };

const literal = (value: string | null) => (value === null ? 'NULL' : `'${value.replace(/'/g, "''")}'`);

/**
 * The indicators' subjects and facts of the event log's acts on real cases that have none yet, in two
 * statements (the facts read the subjects' numbers the first wrote). The DID date is the case's
 * current one (which the acts' own is, unless a DID was received again after them). A string field
 * longer than the column is cut, as the machines refuse it. The bench seeds the event log in SQL and
 * calls this too.
 */
export const FACTS_BACKFILL = [
  `INSERT INTO indicator_subjects (subject)
   SELECT DISTINCT subject FROM cases WHERE NOT practice AND office_id IS NOT NULL
   ON CONFLICT (subject) DO NOTHING`,
  `WITH feeds (pathway, type, indicator, dated_by, names) AS (
     VALUES ${FEEDS.map(([p, t, i, d]) => `(${literal(p)}, ${literal(t)}, ${literal(i)}, ${literal(d)}, ${literal(NAMES[i] ?? null)})`).join(', ')}
   )
   INSERT INTO indicator_facts (case_id, sequence, indicator, office_id, subject_id, day, dated, did, vacancy, other_case)
   SELECT e.case_id, e.sequence, f.indicator, c.office_id, s.id, (e.occurred_at AT TIME ZONE 'Europe/Rome')::date,
          CASE WHEN e.payload ->> f.dated_by ~ '^\\d{4}-\\d{2}-\\d{2}' THEN left(e.payload ->> f.dated_by, 10)::date END,
          CASE WHEN c.snapshot #>> '{context,did,date}' ~ '^\\d{4}-\\d{2}-\\d{2}' THEN left(c.snapshot #>> '{context,did,date}', 10)::date END,
          CASE WHEN f.names IS NOT NULL THEN left(e.payload ->> 'vacancyId', 200) END,
          left(e.payload ->> f.names, 200)
     FROM case_events e
     JOIN cases c ON c.id = e.case_id
     JOIN feeds f ON f.type = e.type AND f.pathway = c.pathway
     JOIN indicator_subjects s ON s.subject = c.subject
    WHERE NOT c.practice AND c.office_id IS NOT NULL
   ON CONFLICT DO NOTHING`,
];

export class IndicatorFacts1796560000000 implements MigrationInterface {
  name = 'IndicatorFacts1796560000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "indicator_subjects" ("id" SERIAL NOT NULL, "subject" character varying(200) NOT NULL, CONSTRAINT "PK_indicator_subjects" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(`CREATE UNIQUE INDEX "UQ_indicator_subjects_subject" ON "indicator_subjects" ("subject")`);
    await queryRunner.query(
      `CREATE TABLE "indicator_facts" ("case_id" uuid NOT NULL, "sequence" integer NOT NULL, "indicator" character varying(8) NOT NULL, "office_id" uuid NOT NULL, "subject_id" integer NOT NULL, "day" date NOT NULL, "dated" date, "did" date, "vacancy" character varying(200), "other_case" character varying(200), CONSTRAINT "PK_indicator_facts" PRIMARY KEY ("case_id", "sequence", "indicator"))`,
    );
    await queryRunner.query(
      `ALTER TABLE "indicator_facts" ADD CONSTRAINT "FK_indicator_facts_case" FOREIGN KEY ("case_id") REFERENCES "cases"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "indicator_facts" ADD CONSTRAINT "FK_indicator_facts_subject" FOREIGN KEY ("subject_id") REFERENCES "indicator_subjects"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`,
    );
    for (const statement of FACTS_BACKFILL) await queryRunner.query(statement);
    // Each (office, indicator)'s facts by day, with the subject: a period's counts read the index alone.
    await queryRunner.query(
      `CREATE INDEX "IDX_indicator_facts_period" ON "indicator_facts" ("office_id", "indicator", "day") INCLUDE ("subject_id")`,
    );
    // The 6.2 / 10.1 check's two sides, each act with what it names, in the order its pairing reads them.
    await queryRunner.query(
      `CREATE INDEX "IDX_indicator_facts_matching" ON "indicator_facts" ("indicator", "case_id", "other_case", "vacancy", "sequence") INCLUDE ("office_id", "day") WHERE "indicator" IN ('6.2', '10.1')`,
    );
    await queryRunner.query(`DROP INDEX "IDX_case_events_type_occurred"`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE INDEX "IDX_case_events_type_occurred" ON "case_events" ("type", "occurred_at", "case_id")`);
    await queryRunner.query(`DROP TABLE "indicator_facts"`);
    await queryRunner.query(`DROP TABLE "indicator_subjects"`);
  }
}
