import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Teams' own 👍/👎 under an answer (the feedback loop) can carry a comment, and arrives as a
 * `message/submitAction` invoke naming the *bot's reply* (its activity id), not our chat message.
 * - chat_messages.feedback_comment: what the person wrote with their 👍/👎 (null: nothing written).
 * - chat_messages.reply_activity_id: the platform id of the reply that carried the answer (a Teams
 *   activity id), so feedback on that reply finds its turn. Activity ids are only unique within a
 *   conversation: looked up together with channel and conversation_id.
 */
export class FeedbackComment1796300000000 implements MigrationInterface {
  name = 'FeedbackComment1796300000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE chat_messages ADD COLUMN feedback_comment TEXT, ADD COLUMN reply_activity_id TEXT`);
    await q.query(
      `CREATE INDEX idx_chat_messages_reply ON chat_messages (channel, conversation_id, reply_activity_id) WHERE reply_activity_id IS NOT NULL`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX IF EXISTS idx_chat_messages_reply`);
    await q.query(`ALTER TABLE chat_messages DROP COLUMN IF EXISTS reply_activity_id, DROP COLUMN IF EXISTS feedback_comment`);
  }
}
