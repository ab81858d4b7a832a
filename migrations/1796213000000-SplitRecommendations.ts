import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * generate_recommendations splits its limit between skills and courses, as the design does (it takes
 * limit/2 of each), instead of taking the best rows of either kind (a limit of 2 gave two beginner
 * skills and no course). Kept from the previous definition: never what the user completed; not-started
 * before in-progress; beginner -> intermediate -> advanced (a skill's level 1/2/3+ maps to the same
 * ranks); exactly limit_count rows when that many candidates exist.
 *
 * How: each kind is ranked on its own, then the kinds take turns (skill 1 and course 1, then skill 2 and
 * course 2, ...), so an even limit is split evenly. An odd limit's extra row goes to whichever kind has
 * the better next candidate (not started, easier, then higher score: the design scores an unstarted skill
 * 0.8 and an unstarted course 0.7, so at equal footing the skill). When one kind runs out, the other
 * fills the remaining rows. The chosen rows come back beginner first. Same signature, so the grants of
 * the row-level-security migration still apply.
 */
export class SplitRecommendations1796213000000 implements MigrationInterface {
  name = 'SplitRecommendations1796213000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      definition(`,
        ranked AS (
          SELECT c.*,
            row_number() OVER (PARTITION BY c.type ORDER BY c.started ASC, c.difficulty_rank ASC, c.score DESC, c.title ASC, c.id ASC) AS kind_rank
          FROM candidates c
        ),
        picked AS (
          SELECT * FROM ranked
          ORDER BY kind_rank ASC, started ASC, difficulty_rank ASC, score DESC, title ASC, id ASC
          LIMIT GREATEST(limit_count, 0)
        )
        SELECT id, type, title, description, score, reason
        FROM picked
        ORDER BY started ASC, difficulty_rank ASC, score DESC, title ASC, id ASC;`),
    );
  }

  /** The definition of migration 1795600000001 (Functions), verbatim in behaviour. */
  async down(q: QueryRunner): Promise<void> {
    await q.query(
      definition(`
        SELECT id, type, title, description, score, reason
        FROM candidates
        ORDER BY started ASC, difficulty_rank ASC, score DESC, title ASC
        LIMIT GREATEST(limit_count, 0);`),
    );
  }
}

/** The function: its candidate rows (the same in both definitions), then `selection` (more CTEs, if any, and the final SELECT). */
function definition(selection: string): string {
  return `
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
        )${selection}
      $$`;
}
