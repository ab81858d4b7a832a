import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The document's two views, verbatim except `WITH (security_invoker = true)`: a plain view runs with its
 * owner's rights and would bypass row-level security, showing every user's dashboard to anyone.
 */
export class Views1795600000004 implements MigrationInterface {
  name = 'Views1795600000004';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE VIEW user_learning_dashboard WITH (security_invoker = true) AS
      SELECT
        u.id,
        u.name,
        u.email,
        u.department,
        u.role,
        COALESCE(stats.total_skills, 0) as total_skills,
        COALESCE(stats.completed_skills, 0) as completed_skills,
        COALESCE(stats.total_courses, 0) as total_courses,
        COALESCE(stats.completed_courses, 0) as completed_courses,
        COALESCE(stats.total_progress, 0) as overall_progress,
        COALESCE(recent_messages.count, 0) as recent_messages,
        COALESCE(recent_progress.count, 0) as recent_progress_updates
      FROM users u
      LEFT JOIN LATERAL get_user_learning_analytics(u.id) stats ON true
      LEFT JOIN LATERAL (
        SELECT COUNT(*) as count
        FROM chat_messages cm
        WHERE cm.user_id = u.id
        AND cm.created_at > NOW() - INTERVAL '7 days'
      ) recent_messages ON true
      LEFT JOIN LATERAL (
        SELECT COUNT(*) as count
        FROM learning_progress lp
        WHERE lp.user_id = u.id
        AND lp.updated_at > NOW() - INTERVAL '7 days'
      ) recent_progress ON true`);

    await q.query(`
      CREATE VIEW learning_content_search WITH (security_invoker = true) AS
      SELECT
        lc.id,
        lc.title,
        lc.content,
        lc.content_type,
        lc.source_service,
        lc.metadata,
        lc.created_at,
        lc.updated_at,
        CASE
          WHEN lc.content_type = 'course' THEN c.difficulty
          WHEN lc.content_type = 'skill' THEN s.level::TEXT
          ELSE NULL
        END as difficulty_level,
        CASE
          WHEN lc.content_type = 'course' THEN c.duration
          ELSE NULL
        END as duration
      FROM learning_content lc
      LEFT JOIN courses c ON lc.metadata->>'course_id' = c.id
      LEFT JOIN skills s ON lc.metadata->>'skill_id' = s.id`);
    await q.query(`GRANT SELECT ON user_learning_dashboard, learning_content_search TO app_user`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP VIEW IF EXISTS learning_content_search`);
    await q.query(`DROP VIEW IF EXISTS user_learning_dashboard`);
  }
}
