import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The insights' content gaps group unsourced questions by their English word stems. Computing
 * to_tsvector for every such question at read time was a quarter of the gaps query at 100k turns
 * (~135 of ~540 ms, bench/insights.ts); stored once when the turn is logged, the page reads it.
 */
export class QuestionStems1796700000000 implements MigrationInterface {
  name = 'QuestionStems1796700000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `ALTER TABLE chat_messages ADD COLUMN question_tsv TSVECTOR GENERATED ALWAYS AS (to_tsvector('english', coalesce(message, ''))) STORED`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE chat_messages DROP COLUMN IF EXISTS question_tsv`);
  }
}
