import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';

/** A matching act as stored (the matches table). */
export interface MatchRow {
  id: string;
  personCaseId: string;
  employerCaseId: string;
  vacancyId: string;
  personSequence: number;
  employerSequence: number;
  outcome: 'hired' | 'not_selected' | null;
  createdAt: Date;
  outcomeAt: Date | null;
  createdBy: string;
}

const MATCH_COLUMNS = `id, person_case_id AS "personCaseId", employer_case_id AS "employerCaseId", vacancy_id AS "vacancyId",
  person_sequence AS "personSequence", employer_sequence AS "employerSequence", outcome, created_at AS "createdAt",
  outcome_at AS "outcomeAt", created_by AS "createdBy"`;

/** The matches' SQL. Written inside the transaction that records both cases' events. */
@Injectable()
export class MatchRepository {
  async insertMatch(db: EntityManager, row: MatchRow): Promise<void> {
    await db.query(
      `INSERT INTO matches (id, person_case_id, employer_case_id, vacancy_id, person_sequence, employer_sequence, outcome, created_at, outcome_at, created_by)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
      [
        row.id,
        row.personCaseId,
        row.employerCaseId,
        row.vacancyId,
        row.personSequence,
        row.employerSequence,
        row.outcome,
        row.createdAt,
        row.outcomeAt,
        row.createdBy,
      ],
    );
  }

  /** The match; `lock` (in a transaction) holds it until the outcome is written. */
  async findMatch(db: EntityManager, id: string, lock = false): Promise<MatchRow | null> {
    const rows: MatchRow[] = await db.query(`SELECT ${MATCH_COLUMNS} FROM matches WHERE id = $1 ${lock ? 'FOR UPDATE' : ''}`, [id]);
    return rows[0] ?? null;
  }

  /** Records the outcome of a match that has none yet; false if it has one (a SELECT: TypeORM answers an UPDATE with a pair). */
  async setOutcome(db: EntityManager, args: { id: string; outcome: 'hired' | 'not_selected'; at: Date }): Promise<boolean> {
    const rows: unknown[] = await db.query(
      `WITH updated AS (UPDATE matches SET outcome = $2, outcome_at = $3 WHERE id = $1 AND outcome IS NULL RETURNING id) SELECT id FROM updated`,
      [args.id, args.outcome, args.at],
    );
    return rows.length === 1;
  }

  /** A case's matches, oldest first (IDX_matches_person, IDX_matches_employer). */
  async listMatches(db: EntityManager, args: { side: 'person' | 'employer'; caseId: string }): Promise<MatchRow[]> {
    const column = args.side === 'person' ? 'person_case_id' : 'employer_case_id';
    return db.query(`SELECT ${MATCH_COLUMNS} FROM matches WHERE ${column} = $1 ORDER BY created_at, id`, [args.caseId]);
  }
}
