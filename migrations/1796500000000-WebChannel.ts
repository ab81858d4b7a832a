import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The web console is a third channel (`web`) of the same conversation service: its identities, turns and
 * events are stored like Slack's and Teams'. PostgreSQL named the inline CHECKs `<table>_<column>_check`.
 */
const CHECKS = [
  ['user_identities', 'platform'],
  ['chat_messages', 'channel'],
  ['processed_events', 'platform'],
] as const;

export class WebChannel1796500000000 implements MigrationInterface {
  name = 'WebChannel1796500000000';

  async up(q: QueryRunner): Promise<void> {
    for (const [table, column] of CHECKS) {
      await q.query(`ALTER TABLE ${table} DROP CONSTRAINT ${table}_${column}_check`);
      await q.query(
        `ALTER TABLE ${table} ADD CONSTRAINT ${table}_${column}_check CHECK (${column} IN ('slack', 'teams', 'console', 'web'))`,
      );
    }
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DELETE FROM user_identities WHERE platform = 'web'`);
    await q.query(`DELETE FROM processed_events WHERE platform = 'web'`);
    await q.query(`UPDATE chat_messages SET channel = NULL WHERE channel = 'web'`);
    for (const [table, column] of CHECKS) {
      await q.query(`ALTER TABLE ${table} DROP CONSTRAINT ${table}_${column}_check`);
      await q.query(`ALTER TABLE ${table} ADD CONSTRAINT ${table}_${column}_check CHECK (${column} IN ('slack', 'teams', 'console'))`);
    }
  }
}
