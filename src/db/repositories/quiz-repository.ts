import type { EntityManager } from 'typeorm';

/**
 * Quizzes: assessments (with the skill or course they are linked to), attempts and results. Every
 * function runs on the EntityManager of the caller's transaction (a user scope: the person's own
 * attempts and results only).
 */

/** An assessment with its linked skill and course (metadata.skill_id / metadata.course_id), if they exist. */
export interface AssessmentRow {
  id: string;
  title: string;
  description: string | null;
  difficulty: string | null;
  time_limit: number | null;
  passing_score: number | null;
  /** as stored (jsonb): validate before use */
  questions: unknown;
  metadata: Record<string, unknown> | null;
  skill_id: string | null;
  skill_name: string | null;
  skill_level: number | null;
  course_id: string | null;
  course_title: string | null;
  course_difficulty: string | null;
}

export interface AttemptRow {
  id: string;
  assessment_id: string;
  started_at: Date;
  /** null: no time limit */
  expires_at: Date | null;
  submitted_at: Date | null;
  result_id: string | null;
}

export interface StoredResultRow {
  id: string;
  score: number | string;
  answers: unknown;
  late: boolean | null;
  passed: boolean | null;
  time_taken: number | null;
  completed_at: Date | null;
}

export interface NewResult {
  userId: string;
  assessmentId: string;
  attemptId: string;
  score: number;
  /** question id → choice id */
  answers: Record<string, string>;
  completedAt: Date;
  timeTakenSeconds: number;
  late: boolean;
  passed: boolean;
}

/** Per assessment the person has results for: passed at least once, and when last taken. */
export interface ResultSummaryRow {
  assessment_id: string;
  passed: boolean | null;
  last: Date;
}

const ASSESSMENT_SELECT = `
  SELECT a.id, a.title, a.description, a.difficulty, a.time_limit, a.passing_score, a.questions, a.metadata,
         s.id AS skill_id, s.name AS skill_name, s.level AS skill_level, c.id AS course_id, c.title AS course_title, c.difficulty AS course_difficulty
    FROM assessments a
    LEFT JOIN skills s ON s.id = a.metadata->>'skill_id'
    LEFT JOIN courses c ON c.id = a.metadata->>'course_id'`;

/** Every assessment, by title. */
export async function findAssessments(m: EntityManager): Promise<AssessmentRow[]> {
  return m.query(`${ASSESSMENT_SELECT} ORDER BY a.title, a.id`);
}

export async function findAssessment(m: EntityManager, assessmentId: string): Promise<AssessmentRow | undefined> {
  const [row] = await m.query(`${ASSESSMENT_SELECT} WHERE a.id = $1`, [assessmentId]);
  return row;
}

/** The person's latest attempt of the assessment that is neither submitted nor expired. */
export async function findOpenAttempt(
  m: EntityManager,
  userId: string,
  assessmentId: string,
): Promise<Pick<AttemptRow, 'id' | 'started_at' | 'expires_at'> | undefined> {
  const [row] = await m.query(
    `SELECT id, started_at, expires_at FROM assessment_attempts
      WHERE user_id = $1 AND assessment_id = $2 AND submitted_at IS NULL AND (expires_at IS NULL OR expires_at > now())
      ORDER BY started_at DESC LIMIT 1`,
    [userId, assessmentId],
  );
  return row;
}

/** A new attempt; the database sets started_at and expires_at (from the assessment's time limit). */
export async function createAttempt(
  m: EntityManager,
  userId: string,
  assessmentId: string,
): Promise<Pick<AttemptRow, 'id' | 'started_at' | 'expires_at'>> {
  const [row] = await m.query(
    `INSERT INTO assessment_attempts (user_id, assessment_id) VALUES ($1, $2) RETURNING id, started_at, expires_at`,
    [userId, assessmentId],
  );
  return row;
}

/** The person's attempt, locked until the transaction ends: two submissions at once are serialised. */
export async function lockAttempt(m: EntityManager, userId: string, attemptId: string): Promise<AttemptRow | undefined> {
  const [row] = await m.query(
    `SELECT id, assessment_id, started_at, expires_at, submitted_at, result_id FROM assessment_attempts WHERE id = $1 AND user_id = $2 FOR UPDATE`,
    [attemptId, userId],
  );
  return row;
}

/** The result stored for a submitted attempt (by the attempt's result_id, or the result's attempt_id). */
export async function findAttemptResult(
  m: EntityManager,
  resultId: string | null,
  attemptId: string,
): Promise<StoredResultRow | undefined> {
  const [row] = await m.query(
    `SELECT id, score, answers, late, passed, time_taken, completed_at FROM assessment_results WHERE id = $1 OR attempt_id = $2 LIMIT 1`,
    [resultId, attemptId],
  );
  return row;
}

/** The transaction's clock: the same instant for every statement of the transaction. */
export async function transactionNow(m: EntityManager): Promise<Date> {
  const [row] = await m.query(`SELECT now() AS now`);
  return row.now;
}

/** Stores a scored submission; returns the result id. */
export async function insertResult(m: EntityManager, r: NewResult): Promise<string> {
  const [row] = await m.query(
    `INSERT INTO assessment_results (user_id, assessment_id, score, answers, completed_at, time_taken, attempt_id, late, passed)
     VALUES ($1, $2, $3, $4::jsonb, $5, $6, $7, $8, $9) RETURNING id`,
    [r.userId, r.assessmentId, r.score, JSON.stringify(r.answers), r.completedAt, r.timeTakenSeconds, r.attemptId, r.late, r.passed],
  );
  return row.id;
}

/** Marks the attempt submitted with its result; false when it already was (nothing changed). */
export async function markAttemptSubmitted(m: EntityManager, attemptId: string, submittedAt: Date, resultId: string): Promise<boolean> {
  const [, claimed] = await m.query(
    `UPDATE assessment_attempts SET submitted_at = $2, result_id = $3 WHERE id = $1 AND submitted_at IS NULL`,
    [attemptId, submittedAt, resultId],
  );
  return claimed === 1;
}

export async function findResultSummaries(m: EntityManager, userId: string): Promise<ResultSummaryRow[]> {
  return m.query(
    `SELECT assessment_id, bool_or(coalesce(passed, false)) AS passed, max(completed_at) AS last FROM assessment_results WHERE user_id = $1 GROUP BY assessment_id`,
    [userId],
  );
}
