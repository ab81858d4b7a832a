import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The admin insights (/admin) aggregate a date range of chat_messages: questions per day and channel,
 * the confidence histogram, feedback and active people per department. With the columns they read
 * included in an index on created_at, these run as index-only scans instead of reading the wide rows
 * (question, answer, sources): measured in bench/insights.ts (100k turns, 90-day range, see
 * bench/README.md). Turns are appended and rarely updated (feedback), so the visibility map stays mostly
 * set and the index-only scans rarely visit the table. It covers idx_chat_messages_created's queries too,
 * but that one stays: it is smaller for plain range scans.
 */
export class InsightsIndexes1796600000000 implements MigrationInterface {
  name = 'InsightsIndexes1796600000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `CREATE INDEX idx_chat_messages_created_covering ON chat_messages (created_at) INCLUDE (user_id, channel, confidence, feedback)`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX IF EXISTS idx_chat_messages_created_covering`);
  }
}
