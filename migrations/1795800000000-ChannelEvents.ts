import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * What the Slack and Teams adapters need:
 * - processed_events: one row per platform delivery (Slack event_id, Teams activity id). Slack retries
 *   after 3 s and sends both app_mention and message for one mention; Teams retries after 15 s.
 *   INSERT ... ON CONFLICT DO NOTHING decides, across every app instance, who answers.
 * - chat_messages.feedback: 👍 (1) / 👎 (-1) on an answer, set by the service role after it has
 *   checked that the person giving feedback is the one who asked.
 */
export class ChannelEvents1795800000000 implements MigrationInterface {
  name = 'ChannelEvents1795800000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE processed_events (
        platform TEXT NOT NULL CHECK (platform IN ('slack', 'teams', 'console')),
        event_id TEXT NOT NULL CHECK (event_id <> ''),
        received_at TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT NOW(),
        PRIMARY KEY (platform, event_id)
      )`);
    await q.query(`CREATE INDEX idx_processed_events_received ON processed_events (received_at)`);
    await q.query(`ALTER TABLE processed_events ENABLE ROW LEVEL SECURITY`);
    await q.query(
      `CREATE POLICY "Service role can manage processed events" ON processed_events FOR ALL USING (auth.role() = 'service_role')`,
    );
    await q.query(`GRANT SELECT, INSERT, DELETE ON processed_events TO app_user`);

    await q.query(`ALTER TABLE chat_messages
      ADD COLUMN feedback SMALLINT CHECK (feedback IN (-1, 1)),
      ADD COLUMN feedback_at TIMESTAMP WITH TIME ZONE`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE chat_messages DROP COLUMN IF EXISTS feedback_at, DROP COLUMN IF EXISTS feedback`);
    await q.query(`DROP TABLE IF EXISTS processed_events`);
  }
}
