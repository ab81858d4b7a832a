import type { EntityManager } from 'typeorm';

/**
 * Progress reports: people and their aggregated progress. Runs on the EntityManager of the VIEWER's
 * user scope, so row-level security (manager/admin policies) decides which people and rows exist.
 */

export interface ReportUserRow {
  id: string;
  name: string;
  email: string;
  department: string | null;
  role: string | null;
}

/** One person's aggregated progress. */
export interface ReportAggregateRow {
  id: string;
  name: string;
  email: string;
  department: string | null;
  courses_done: number;
  courses_total: number;
  skills_done: number;
  skills_total: number;
  /** average progress over their skills and courses; 0 with none */
  overall: number;
  /** progress rows updated in the last 7 days */
  recent: number;
  /** latest progress update or quiz result; null if never */
  last_activity: Date | null;
  /** last_activity within the last 7 days */
  active: boolean;
}

export async function findReportUser(m: EntityManager, userId: string): Promise<ReportUserRow | undefined> {
  const [row] = await m.query(`SELECT id, name, email, department, role FROM users WHERE id = $1`, [userId]);
  return row;
}

/** A person by id or (case-insensitive) email; the id wins when both match someone. */
export async function findReportUserByIdOrEmail(m: EntityManager, idOrEmail: string): Promise<ReportUserRow | undefined> {
  const [row] = await m.query(
    `SELECT id, name, email, department, role FROM users WHERE id = $1 OR lower(email) = lower($1) ORDER BY (id = $1) DESC LIMIT 1`,
    [idOrEmail],
  );
  return row;
}

/** Departments of the people the viewer may see (RLS decides), sorted. */
export async function findVisibleDepartments(m: EntityManager): Promise<string[]> {
  const rows: Array<{ department: string }> = await m.query(
    `SELECT DISTINCT department FROM users WHERE department IS NOT NULL AND btrim(department) <> '' ORDER BY department`,
  );
  return rows.map((r) => r.department);
}

/** One aggregate query; progress rows of deleted skills/courses (both ids NULL) do not count. */
export async function findReportRows(m: EntityManager, filter: { department: string } | { userId: string }): Promise<ReportAggregateRow[]> {
  const where = 'department' in filter ? 'u.department = $1' : 'u.id = $1';
  const param = 'department' in filter ? filter.department : filter.userId;
  return m.query(
    `WITH people AS (SELECT u.id, u.name, u.email, u.department FROM users u WHERE ${where}),
          lp AS (SELECT p.user_id,
                        count(p.course_id)::int AS courses_total,
                        count(p.course_id) FILTER (WHERE p.completed_at IS NOT NULL)::int AS courses_done,
                        count(p.skill_id)::int AS skills_total,
                        count(p.skill_id) FILTER (WHERE p.completed_at IS NOT NULL)::int AS skills_done,
                        avg(p.progress) AS overall,
                        count(*) FILTER (WHERE p.updated_at > now() - interval '7 days')::int AS recent,
                        max(p.updated_at) AS last_progress
                   FROM learning_progress p
                  WHERE p.user_id IN (SELECT id FROM people) AND (p.skill_id IS NOT NULL OR p.course_id IS NOT NULL)
                  GROUP BY p.user_id),
          ar AS (SELECT r.user_id, max(r.completed_at) AS last_quiz
                   FROM assessment_results r WHERE r.user_id IN (SELECT id FROM people) GROUP BY r.user_id)
     SELECT pe.id, pe.name, pe.email, pe.department,
            coalesce(lp.courses_done, 0) AS courses_done, coalesce(lp.courses_total, 0) AS courses_total,
            coalesce(lp.skills_done, 0) AS skills_done, coalesce(lp.skills_total, 0) AS skills_total,
            coalesce(lp.overall, 0)::float8 AS overall, coalesce(lp.recent, 0) AS recent,
            greatest(lp.last_progress, ar.last_quiz) AS last_activity,
            coalesce(greatest(lp.last_progress, ar.last_quiz) > now() - interval '7 days', false) AS active
       FROM people pe LEFT JOIN lp ON lp.user_id = pe.id LEFT JOIN ar ON ar.user_id = pe.id`,
    [param],
  );
}
