import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * auth.uid()/auth.role() (Supabase's names, which the document's policies use) and the document's three
 * functions. Deviations:
 * - auth.* read transaction-local settings the app sets with set_config(..., true). nullif matters:
 *   once a transaction has set a custom setting, later reads in the session return '' instead of NULL.
 * - match_documents is kept verbatim and inlinable (LANGUAGE SQL, no SET clause), so callers can run
 *   `SET LOCAL hnsw.iterative_scan = relaxed_order` and the planner folds the call into their query;
 *   otherwise filters apply after the approximate search and can return too few rows.
 * - generate_recommendations: the document took limit/2 rows of each kind (0/2/4 rows for limits
 *   1/3/5) and sorted difficulty alphabetically. Now: never what the user completed; not-started before
 *   in-progress; beginner -> intermediate -> advanced (a skill's level 1/2/3+ maps to the same ranks);
 *   exactly limit_count rows when that many exist. The unused user_profile CTE is gone.
 */
export class Functions1795600000001 implements MigrationInterface {
  name = 'Functions1795600000001';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE SCHEMA IF NOT EXISTS auth`);
    await q.query(`CREATE OR REPLACE FUNCTION auth.uid() RETURNS text LANGUAGE sql STABLE
      AS $$ SELECT nullif(current_setting('app.user_id', true), '') $$`);
    await q.query(`CREATE OR REPLACE FUNCTION auth.role() RETURNS text LANGUAGE sql STABLE
      AS $$ SELECT coalesce(nullif(current_setting('app.role', true), ''), 'anon') $$`);

    await q.query(MATCH_DOCUMENTS);

    await q.query(`
      CREATE OR REPLACE FUNCTION get_user_learning_analytics(user_id_param TEXT)
      RETURNS TABLE (
        total_skills INTEGER,
        completed_skills INTEGER,
        total_courses INTEGER,
        completed_courses INTEGER,
        total_progress FLOAT,
        recent_activity JSONB
      )
      LANGUAGE SQL STABLE
      AS $$
        SELECT
          COUNT(DISTINCT lp.skill_id)::INTEGER as total_skills,
          COUNT(DISTINCT CASE WHEN lp.progress = 100 THEN lp.skill_id END)::INTEGER as completed_skills,
          COUNT(DISTINCT lp.course_id)::INTEGER as total_courses,
          COUNT(DISTINCT CASE WHEN lp.progress = 100 THEN lp.course_id END)::INTEGER as completed_courses,
          COALESCE(AVG(lp.progress), 0) as total_progress,
          jsonb_build_object(
            'recent_messages', (
              SELECT COUNT(*) FROM chat_messages cm
              WHERE cm.user_id = user_id_param
              AND cm.created_at > NOW() - INTERVAL '7 days'
            ),
            'recent_progress', (
              SELECT COUNT(*) FROM learning_progress lp2
              WHERE lp2.user_id = user_id_param
              AND lp2.updated_at > NOW() - INTERVAL '7 days'
            )
          ) as recent_activity
        FROM learning_progress lp
        WHERE lp.user_id = user_id_param;
      $$`);

    await q.query(`
      CREATE OR REPLACE FUNCTION generate_recommendations(
        user_id_param TEXT,
        limit_count INTEGER DEFAULT 10
      )
      RETURNS TABLE (
        id TEXT,
        type TEXT,
        title TEXT,
        description TEXT,
        score FLOAT,
        reason TEXT
      )
      LANGUAGE SQL STABLE
      AS $$
        WITH user_progress AS (
          SELECT skill_id, course_id, completed_at
          FROM learning_progress
          WHERE user_id = user_id_param
        ),
        candidates AS (
          SELECT
            s.id,
            'skill'::TEXT AS type,
            s.name AS title,
            s.description,
            CASE WHEN up.skill_id IS NULL THEN 0.8 ELSE 0.3 END::FLOAT AS score,
            CASE WHEN up.skill_id IS NULL THEN 'Recommended based on your learning profile'
                 ELSE 'You have started this skill: keep going' END AS reason,
            up.skill_id IS NOT NULL AS started,
            CASE WHEN COALESCE(s.level, 1) <= 1 THEN 1 WHEN s.level = 2 THEN 2 ELSE 3 END AS difficulty_rank
          FROM skills s
          LEFT JOIN user_progress up ON up.skill_id = s.id
          WHERE up.completed_at IS NULL
          UNION ALL
          SELECT
            c.id,
            'course'::TEXT,
            c.title,
            c.description,
            CASE WHEN up.course_id IS NULL THEN 0.7 ELSE 0.2 END::FLOAT,
            CASE WHEN up.course_id IS NULL THEN 'Course matches your skill development goals'
                 ELSE 'You have started this course: keep going' END,
            up.course_id IS NOT NULL,
            CASE c.difficulty WHEN 'beginner' THEN 1 WHEN 'intermediate' THEN 2 WHEN 'advanced' THEN 3 ELSE 2 END
          FROM courses c
          LEFT JOIN user_progress up ON up.course_id = c.id
          WHERE up.completed_at IS NULL
        )
        SELECT id, type, title, description, score, reason
        FROM candidates
        ORDER BY started ASC, difficulty_rank ASC, score DESC, title ASC
        LIMIT GREATEST(limit_count, 0);
      $$`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP FUNCTION IF EXISTS generate_recommendations(TEXT, INTEGER)`);
    await q.query(`DROP FUNCTION IF EXISTS get_user_learning_analytics(TEXT)`);
    await q.query(`DROP FUNCTION IF EXISTS match_documents(VECTOR, FLOAT, INT, TEXT[])`);
    await q.query(`DROP FUNCTION IF EXISTS auth.role()`);
    await q.query(`DROP FUNCTION IF EXISTS auth.uid()`);
    await q.query(`DROP SCHEMA IF EXISTS auth`);
  }
}

/** match_documents as the document wrote it (BinaryQuantizedIndex replaces its body; its down restores this). */
export const MATCH_DOCUMENTS = `
      CREATE OR REPLACE FUNCTION match_documents (
        query_embedding VECTOR(1536),
        match_threshold FLOAT DEFAULT 0.7,
        match_count INT DEFAULT 5,
        content_types TEXT[] DEFAULT NULL
      )
      RETURNS TABLE (
        id TEXT,
        title TEXT,
        content TEXT,
        content_type TEXT,
        similarity FLOAT,
        metadata JSONB
      )
      LANGUAGE SQL STABLE
      AS $$
        SELECT
          lc.id,
          lc.title,
          lc.content,
          lc.content_type,
          1 - (lc.embedding <=> query_embedding) AS similarity,
          lc.metadata
        FROM learning_content lc
        WHERE lc.embedding IS NOT NULL
          AND 1 - (lc.embedding <=> query_embedding) > match_threshold
          AND (content_types IS NULL OR lc.content_type = ANY(content_types))
        ORDER BY lc.embedding <=> query_embedding
        LIMIT match_count;
      $$`;
