import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Accepted means persisted: processed_events is now the record of an *accepted* delivery. Its row is
 * inserted in the same transaction as the delivery's job (pg-boss, schema `pgboss`, which pg-boss
 * creates and migrates itself on start), and the worker records the reply it posted (Slack ts, Teams
 * activity id) before it completes the job, so a retried job never posts twice.
 */
export class DurableDelivery1796000000000 implements MigrationInterface {
  name = 'DurableDelivery1796000000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE processed_events
      ADD COLUMN job_id TEXT,
      ADD COLUMN reply_ref TEXT,
      ADD COLUMN replied_at TIMESTAMP WITH TIME ZONE`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(
      `ALTER TABLE processed_events DROP COLUMN IF EXISTS replied_at, DROP COLUMN IF EXISTS reply_ref, DROP COLUMN IF EXISTS job_id`,
    );
  }
}
