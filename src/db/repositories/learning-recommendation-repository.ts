import type { EntityManager } from 'typeorm';

/**
 * The recommendations the learning loop stores itself (what to study after a quiz, the "recommend"
 * command), and the database's progress-aware generate_recommendations. On the caller's transaction.
 */

export type StoredRecommendationType = 'skill' | 'course' | 'content';

export interface NewRecommendation {
  userId: string;
  type: StoredRecommendationType;
  itemId: string;
  score: number;
  reason: string | null;
}

/** generate_recommendations: skills and courses, not started before in progress, beginner first, never completed. */
export interface GeneratedRecommendationRow {
  id: string;
  type: 'skill' | 'course';
  title: string;
  score: number;
}

/** Stores a recommendation shown to the person; returns its id (a click is tracked against it). */
export async function insertRecommendation(m: EntityManager, r: NewRecommendation): Promise<string> {
  const [row] = await m.query(`INSERT INTO recommendations (user_id, type, item_id, score, reason) VALUES ($1, $2, $3, $4, $5) RETURNING id`,
    [r.userId, r.type, r.itemId, r.score, r.reason]);
  return row.id;
}

export async function generateRecommendations(m: EntityManager, userId: string, limit: number): Promise<GeneratedRecommendationRow[]> {
  return m.query(`SELECT id, type, title, score FROM generate_recommendations($1, $2::int)`, [userId, limit]);
}
