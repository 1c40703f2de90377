import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Step 7, the worklist (GET /worklist): an office's, or an operator's, active real cases by next due
 * day, those without a pending deadline last. The index key is `coalesce(next_due_by, 'infinity')`:
 * nulls sort last, and a page's keyset cursor is one row comparison the index answers, whether the
 * previous page ended on a case with a deadline or without. Partial: closed and practice cases are
 * never listed, so they take no room in these indexes (src/worklist/worklist.repository.ts).
 */
export class Worklist1796550000000 implements MigrationInterface {
  name = 'Worklist1796550000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE INDEX "IDX_cases_worklist_office" ON "cases" ("office_id", (coalesce("next_due_by", 'infinity'::date)), "id") WHERE "status" = 'active' AND NOT "practice"`,
    );
    await queryRunner.query(
      `CREATE INDEX "IDX_cases_worklist_assignee" ON "cases" ("assignee_id", (coalesce("next_due_by", 'infinity'::date)), "id") WHERE "status" = 'active' AND NOT "practice"`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "IDX_cases_worklist_assignee"`);
    await queryRunner.query(`DROP INDEX "IDX_cases_worklist_office"`);
  }
}
