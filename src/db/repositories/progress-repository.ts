import type { EntityManager } from 'typeorm';

/**
 * learning_progress, and the skills and courses it tracks. Every function runs on the EntityManager of
 * the caller's transaction (a user scope: row-level security limits the rows to the person's own).
 */

/** What progress is tracked on. */
export type TrackedItemType = 'skill' | 'course';

/** A learning_progress row, named after its skill or course. */
export interface ProgressRow {
  id: string;
  skill_id: string | null;
  course_id: string | null;
  title: string;
  progress: number;
  completed_at: Date | null;
  started_at: Date;
  updated_at: Date;
}

/** A skill or course of the catalogue. */
export interface CatalogRow {
  type: TrackedItemType;
  id: string;
  title: string;
}

const PROGRESS_SELECT = `
  SELECT lp.id, lp.skill_id, lp.course_id, coalesce(s.name, c.title) AS title, lp.progress, lp.completed_at, lp.started_at, lp.updated_at
    FROM learning_progress lp
    LEFT JOIN skills s ON s.id = lp.skill_id
    LEFT JOIN courses c ON c.id = lp.course_id`;

/** The column a row of this type references: one of two fixed names, never user input. */
const itemColumn = (type: TrackedItemType) => (type === 'skill' ? 'skill_id' : 'course_id');

/** The person's progress rows whose skill or course still exists (rows of deleted items have both ids NULL). */
export async function findProgressRows(m: EntityManager, userId: string): Promise<ProgressRow[]> {
  return m.query(`${PROGRESS_SELECT} WHERE lp.user_id = $1 AND (s.id IS NOT NULL OR c.id IS NOT NULL)`, [userId]);
}

export async function findProgressRow(
  m: EntityManager,
  userId: string,
  type: TrackedItemType,
  itemId: string,
): Promise<ProgressRow | undefined> {
  const [row] = await m.query(`${PROGRESS_SELECT} WHERE lp.user_id = $1 AND lp.${itemColumn(type)} = $2`, [userId, itemId]);
  return row;
}

/**
 * The current percent of the item, row locked until the transaction ends (so a concurrent update
 * waits); null when the person has no row for it yet.
 */
export async function lockProgressPercent(m: EntityManager, userId: string, type: TrackedItemType, itemId: string): Promise<number | null> {
  const [row] = await m.query(`SELECT progress FROM learning_progress WHERE user_id = $1 AND ${itemColumn(type)} = $2 FOR UPDATE`, [
    userId,
    itemId,
  ]);
  return row ? Number(row.progress) : null;
}

/** Marks the item started (1%) without ever lowering progress: an item already past 1% (or completed) is left as it is. */
export async function markProgressStarted(m: EntityManager, userId: string, type: TrackedItemType, itemId: string): Promise<void> {
  const column = itemColumn(type);
  await m.query(
    `INSERT INTO learning_progress (user_id, ${column}, progress) VALUES ($1, $2, 1)
     ON CONFLICT (user_id, ${column}) DO UPDATE SET progress = 1 WHERE learning_progress.progress < 1`,
    [userId, itemId],
  );
}

/** Sets the percent, up or down (100 completes the item: a database trigger sets completed_at). */
export async function setProgressPercent(
  m: EntityManager,
  userId: string,
  type: TrackedItemType,
  itemId: string,
  percent: number,
): Promise<void> {
  const column = itemColumn(type);
  await m.query(
    `INSERT INTO learning_progress (user_id, ${column}, progress) VALUES ($1, $2, $3)
     ON CONFLICT (user_id, ${column}) DO UPDATE SET progress = EXCLUDED.progress`,
    [userId, itemId, percent],
  );
}

/** Raises the percent to at least `percent`, never lowers it; returns the row as it is afterwards. */
export async function raiseProgressPercent(
  m: EntityManager,
  userId: string,
  type: TrackedItemType,
  itemId: string,
  percent: number,
): Promise<{ progress: number; completed_at: Date | null }> {
  const column = itemColumn(type);
  const [row] = await m.query(
    `INSERT INTO learning_progress (user_id, ${column}, progress) VALUES ($1, $2, $3)
     ON CONFLICT (user_id, ${column}) DO UPDATE SET progress = GREATEST(learning_progress.progress, EXCLUDED.progress)
     RETURNING progress, completed_at`,
    [userId, itemId, percent],
  );
  return row;
}

/** Percent per skill or course id, for every item the person has a row for. */
export async function findProgressByItem(m: EntityManager, userId: string): Promise<Array<{ item: string; progress: number }>> {
  return m.query(
    `SELECT coalesce(skill_id, course_id) AS item, progress FROM learning_progress WHERE user_id = $1 AND coalesce(skill_id, course_id) IS NOT NULL`,
    [userId],
  );
}

/** Every skill and course (or only one type), by title. */
export async function findCatalog(m: EntityManager, type?: TrackedItemType): Promise<CatalogRow[]> {
  return m.query(
    `SELECT 'skill' AS type, id, name AS title FROM skills WHERE $1::text IS NULL OR $1 = 'skill'
     UNION ALL
     SELECT 'course' AS type, id, title FROM courses WHERE $1::text IS NULL OR $1 = 'course'
     ORDER BY title, type`,
    [type ?? null],
  );
}
