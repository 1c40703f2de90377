import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Step 7, deadlines that act: a person's legal deadlines (D.Lgs. 181/2000 art. 3) stored per case,
 * written in the same statement as the event that creates or meets them, and the case's next due
 * date on the case row, for the worklist (its indexes: 1796550000000-worklist).
 *
 * - `state`: pending | met | waived (a case closed before meeting it). "Overdue" is not stored: a
 *   pending deadline whose day has passed in Europe/Rome is overdue, whether or not the scheduler has run.
 * - `approaching_at` / `overdue_at`: when the scheduler recorded DEADLINE_APPROACHING / DEADLINE_OVERDUE
 *   (at most once each).
 * - `cases.next_due_by`: the earliest due date among the case's pending deadlines (null: none).
 */
export class Deadlines1796510000000 implements MigrationInterface {
  name = 'Deadlines1796510000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "case_deadlines" ("case_id" uuid NOT NULL, "deadline_id" character varying(64) NOT NULL, "due_by" date NOT NULL, "state" character varying(16) NOT NULL, "met_at" TIMESTAMP WITH TIME ZONE, "approaching_at" TIMESTAMP WITH TIME ZONE, "overdue_at" TIMESTAMP WITH TIME ZONE, CONSTRAINT "CHK_case_deadlines_state" CHECK ("state" IN ('pending', 'met', 'waived')), CONSTRAINT "PK_case_deadlines" PRIMARY KEY ("case_id", "deadline_id"))`,
    );
    await queryRunner.query(
      `ALTER TABLE "case_deadlines" ADD CONSTRAINT "FK_case_deadlines_case" FOREIGN KEY ("case_id") REFERENCES "cases"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`,
    );
    // The scheduler's scan: pending deadlines by due date.
    await queryRunner.query(`CREATE INDEX "IDX_case_deadlines_pending" ON "case_deadlines" ("due_by") WHERE "state" = 'pending'`);
    await queryRunner.query(`ALTER TABLE "cases" ADD "next_due_by" date`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "cases" DROP COLUMN "next_due_by"`);
    await queryRunner.query(`DROP TABLE "case_deadlines"`);
  }
}
