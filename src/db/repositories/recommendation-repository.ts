import { toSql as vectorLiteral } from 'pgvector';
import type { EntityManager } from 'typeorm';

/**
 * What the conversation recommends: the rows it reads to choose (progress, items close to the
 * question, generate_recommendations), the recommendations it stores, and their clicks. Every function
 * runs on the EntityManager of the caller's transaction (a user scope: row-level security limits the
 * rows to the person's own).
 */

export type RecommendedItemType = 'skill' | 'course' | 'content';

export interface NewRecommendation {
  userId: string;
  type: RecommendedItemType;
  itemId: string;
  score: number;
  reason: string | null;
}

/** A learning_progress row, named after its skill or course (title null when the item is gone). */
export interface ProgressTitleRow {
  skill_id: string | null;
  course_id: string | null;
  progress: number;
  completed_at: Date | null;
  title: string;
}

/**
 * learning_content close to a query vector; skill and course rows (catalogue entries, course
 * overviews) carry the catalogue item they stand for.
 */
export interface RelatedContentRow {
  id: string;
  title: string;
  content_type: string;
  similarity: number;
  skill_id: string | null;
  skill_name: string | null;
  course_id: string | null;
  course_title: string | null;
}

/** generate_recommendations: progress-aware, not started before in progress, beginner first, never completed. */
export interface ProfileRecommendationRow {
  id: string;
  type: 'skill' | 'course';
  title: string;
  score: number;
  reason: string;
}

/** Stores a recommendation shown to the person; returns its id (a click is tracked against it). */
export async function insertRecommendation(m: EntityManager, r: NewRecommendation): Promise<string> {
  const [row] = await m.query(
    `INSERT INTO recommendations (user_id, type, item_id, score, reason) VALUES ($1, $2, $3, $4, $5) RETURNING id`,
    [r.userId, r.type, r.itemId, r.score, r.reason],
  );
  return row.id;
}

/** Marks the person's recommendation clicked; undefined when it is not theirs or no longer exists. */
export async function markRecommendationClicked(
  m: EntityManager,
  userId: string,
  recommendationId: string,
): Promise<{ type: RecommendedItemType; itemId: string } | undefined> {
  // TypeORM returns [rows, affected] for UPDATE ... RETURNING.
  const [[row]] = await m.query(`UPDATE recommendations SET clicked = true WHERE id = $1 AND user_id = $2 RETURNING type, item_id`, [
    recommendationId,
    userId,
  ]);
  return row ? { type: row.type, itemId: row.item_id } : undefined;
}

/** Starts a learning_progress row at 0% for a skill or course; false when the person has one already. */
export async function startProgressIfNew(m: EntityManager, userId: string, type: 'skill' | 'course', itemId: string): Promise<boolean> {
  // one of two fixed column names, never user input
  const column = type === 'skill' ? 'skill_id' : 'course_id';
  const inserted = await m.query(
    `INSERT INTO learning_progress (user_id, ${column}, progress) VALUES ($1, $2, 0) ON CONFLICT (user_id, ${column}) DO NOTHING RETURNING id`,
    [userId, itemId],
  );
  return inserted.length === 1;
}

/** All of the person's progress rows with the name of their skill or course. */
export async function findProgressWithTitles(m: EntityManager, userId: string): Promise<ProgressTitleRow[]> {
  return m.query(
    `SELECT lp.skill_id, lp.course_id, lp.progress, lp.completed_at, coalesce(s.name, c.title) AS title
       FROM learning_progress lp LEFT JOIN skills s ON s.id = lp.skill_id LEFT JOIN courses c ON c.id = lp.course_id
      WHERE lp.user_id = $1`,
    [userId],
  );
}

/** How many of the rows nearest the question the recommender considers. */
export const RELATED_CONTENT_ROWS = 24;

/** The 24 learning_content rows most similar to the vector (match_documents), most similar first. */
export async function findRelatedContent(m: EntityManager, queryVector: number[]): Promise<RelatedContentRow[]> {
  return m.query(
    `SELECT md.id, md.title, md.content_type, md.similarity, s.id AS skill_id, s.name AS skill_name, c.id AS course_id, c.title AS course_title
       FROM match_documents($1::vector, -1, ${RELATED_CONTENT_ROWS}, NULL) md
       LEFT JOIN skills s ON md.content_type = 'skill' AND s.id = md.metadata->>'skill_id'
       LEFT JOIN courses c ON md.content_type = 'course' AND c.id = md.metadata->>'course_id'
      ORDER BY md.similarity DESC`,
    [vectorLiteral(queryVector)],
  );
}

/** A row of a vector search already done (match_documents' columns), most similar first. */
export interface NearestContentRow {
  id: string;
  title: string;
  content_type: string;
  metadata: Record<string, unknown> | null;
  similarity: number;
}

/**
 * What findRelatedContent returns, from the nearest rows of a search already done (the retriever's
 * unfiltered vector list, most similar first): no second HNSW search, only the catalogue names of the
 * skill and course rows among the first 24 (primary-key lookups; none when there are no such rows).
 */
export async function relatedContentFromNearest(m: EntityManager, nearest: NearestContentRow[]): Promise<RelatedContentRow[]> {
  const rows = nearest.slice(0, RELATED_CONTENT_ROWS);
  // As metadata->>'skill_id' reads it: a string or a number as text, anything else matches no catalogue id.
  const itemOf = (r: NearestContentRow, key: string): string | null => {
    const v = r.metadata?.[key];
    return typeof v === 'string' || typeof v === 'number' ? String(v) : null;
  };
  const skillIds = rows.filter((r) => r.content_type === 'skill').map((r) => itemOf(r, 'skill_id'));
  const courseIds = rows.filter((r) => r.content_type === 'course').map((r) => itemOf(r, 'course_id'));
  const names = new Map<string, string>();
  if (skillIds.some(Boolean) || courseIds.some(Boolean)) {
    const found: Array<{ kind: string; id: string; name: string }> = await m.query(
      `SELECT 'skill' AS kind, id, name FROM skills WHERE id = ANY($1::text[])
       UNION ALL SELECT 'course' AS kind, id, title AS name FROM courses WHERE id = ANY($2::text[])`,
      [skillIds.filter(Boolean), courseIds.filter(Boolean)],
    );
    for (const f of found) names.set(`${f.kind}:${f.id}`, f.name);
  }
  return rows.map((r) => {
    const skill = r.content_type === 'skill' ? itemOf(r, 'skill_id') : null;
    const course = r.content_type === 'course' ? itemOf(r, 'course_id') : null;
    const skillName = skill === null ? undefined : names.get(`skill:${skill}`);
    const courseTitle = course === null ? undefined : names.get(`course:${course}`);
    return {
      id: r.id,
      title: r.title,
      content_type: r.content_type,
      similarity: r.similarity,
      skill_id: skillName === undefined ? null : skill,
      skill_name: skillName ?? null,
      course_id: courseTitle === undefined ? null : course,
      course_title: courseTitle ?? null,
    };
  });
}

/** generate_recommendations for the person (the limit split between skills and courses), with the function's score and reason. */
export async function findProfileRecommendations(m: EntityManager, userId: string, limit = 10): Promise<ProfileRecommendationRow[]> {
  return m.query(`SELECT id, type, title, score, reason FROM generate_recommendations($1, $2::int)`, [userId, limit]);
}
