import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Step 7, the Region's indicators (src/indicators/indicators.repository.ts):
 * - the event log by type and date of the act, so that a period's acts of the feeding types are an
 *   index range scan, and with the case id in the index an index-only scan (no event row read);
 * - the cases' office, id, pathway, subject and practice flag in one index, so that joining the acts
 *   to their cases reads no case row (a case row carries its snapshot).
 */
export class Indicators1796530000000 implements MigrationInterface {
  name = 'Indicators1796530000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE INDEX "IDX_case_events_type_occurred" ON "case_events" ("type", "occurred_at", "case_id")`);
    await queryRunner.query(
      `CREATE INDEX "IDX_cases_office_subject" ON "cases" ("office_id", "id") INCLUDE ("pathway", "subject", "practice")`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "IDX_cases_office_subject"`);
    await queryRunner.query(`DROP INDEX "IDX_case_events_type_occurred"`);
  }
}
