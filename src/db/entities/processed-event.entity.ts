import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { Platform } from './user-identity.entity';

/**
 * One row per accepted platform delivery (Slack event_id, Teams activity id), inserted in the same
 * transaction as the delivery's job: INSERT ... ON CONFLICT DO NOTHING decides who answers. The worker
 * records the reply it posted before completing the job, so a retried job never posts twice.
 */
@Entity({ name: 'processed_events' })
export class ProcessedEvent {
  @PrimaryColumn('text') platform: Platform;
  /** Never empty. */
  @PrimaryColumn('text') event_id: string;
  @Column('timestamptz', { default: () => 'now()' }) received_at: Date;
  /** The pg-boss job that handles the delivery. */
  @Column('text', { nullable: true }) job_id: string | null;
  /** The reply posted: Slack message ts or Teams activity id. */
  @Column('text', { nullable: true }) reply_ref: string | null;
  @Column('timestamptz', { nullable: true }) replied_at: Date | null;
}
