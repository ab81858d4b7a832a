import type { EntityManager } from 'typeorm';
import type { RecommendedItemType } from './recommendation-repository';

/**
 * What a person's own dashboard reads besides their progress rows (progress-repository): profile,
 * latest recommendations and quiz results, totals. On the caller's transaction (the person's user scope).
 */

export interface DashboardUserRow {
  id: string;
  name: string;
  department: string | null;
}

/** A stored recommendation with its item's current title (null when the item is gone). */
export interface RecentRecommendationRow {
  id: string;
  type: RecommendedItemType;
  item_id: string;
  title: string | null;
  score: number;
  reason: string | null;
  clicked: boolean;
  created_at: Date;
}

export interface RecentQuizResultRow {
  id: string;
  assessment_id: string;
  title: string;
  score: number;
  passed: boolean | null;
  late: boolean;
  completed_at: Date;
  time_taken: number | null;
}

export interface QuizTotalsRow {
  taken: number;
  passed: number;
  /** mean score; null before the first result */
  average: number | null;
}

export async function findDashboardUser(m: EntityManager, userId: string): Promise<DashboardUserRow | undefined> {
  const [row] = await m.query(`SELECT id, name, department FROM users WHERE id = $1`, [userId]);
  return row;
}

/** The latest `limit` recommendations, newest first. */
export async function findRecentRecommendations(m: EntityManager, userId: string, limit: number): Promise<RecentRecommendationRow[]> {
  return m.query(
    `SELECT r.id, r.type, r.item_id, r.score, r.reason, coalesce(r.clicked, false) AS clicked, r.created_at,
            CASE r.type WHEN 'skill' THEN s.name WHEN 'course' THEN c.title ELSE lc.title END AS title
       FROM recommendations r
       LEFT JOIN skills s ON r.type = 'skill' AND s.id = r.item_id
       LEFT JOIN courses c ON r.type = 'course' AND c.id = r.item_id
       LEFT JOIN learning_content lc ON r.type = 'content' AND lc.id = r.item_id
      WHERE r.user_id = $1
      ORDER BY r.created_at DESC, r.id
      LIMIT $2::int`,
    [userId, limit],
  );
}

/** The latest `limit` quiz results with their quiz's title, newest first. */
export async function findRecentQuizResults(m: EntityManager, userId: string, limit: number): Promise<RecentQuizResultRow[]> {
  return m.query(
    `SELECT r.id, r.assessment_id, a.title, r.score, r.passed, r.late, r.completed_at, r.time_taken
       FROM assessment_results r JOIN assessments a ON a.id = r.assessment_id
      WHERE r.user_id = $1 ORDER BY r.completed_at DESC, r.id LIMIT $2::int`,
    [userId, limit],
  );
}

export async function findQuizTotals(m: EntityManager, userId: string): Promise<QuizTotalsRow> {
  const [row] = await m.query(
    `SELECT count(*)::int AS taken, count(*) FILTER (WHERE passed)::int AS passed, avg(score)::float8 AS average
       FROM assessment_results WHERE user_id = $1`,
    [userId],
  );
  return row;
}

/** learning_progress rows (of skills or courses) updated in the last 7 days. */
export async function countProgressUpdatesLast7Days(m: EntityManager, userId: string): Promise<number> {
  const [{ recent }] = await m.query(
    `SELECT count(*)::int AS recent FROM learning_progress
      WHERE user_id = $1 AND (skill_id IS NOT NULL OR course_id IS NOT NULL) AND updated_at > now() - interval '7 days'`,
    [userId],
  );
  return recent;
}
