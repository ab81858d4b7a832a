import { Column, Entity, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { User } from './user.entity';
import type { Platform } from './user-identity.entity';

/**
 * One row per conversation turn: the question, the answer and how it was made. A platform message is
 * logged once: (channel, conversation_id, platform_message_id) is unique when platform_message_id is set.
 */
@Entity({ name: 'chat_messages' })
export class ChatMessage {
  @PrimaryColumn('text', { default: () => 'gen_random_uuid()::text' }) id: string;
  @Column('text') user_id: string;
  @ManyToOne(() => User, { onDelete: 'CASCADE' }) @JoinColumn({ name: 'user_id' }) user?: User;
  @Column('text') message: string;
  @Column('text', { nullable: true }) response: string | null;
  @Column('double precision', { nullable: true }) confidence: number | null;
  @Column('jsonb', { nullable: true }) sources: unknown[] | null;
  /** milliseconds */
  @Column('integer', { nullable: true }) processing_time: number | null;
  @Column('timestamptz', { nullable: true, default: () => 'now()' }) created_at: Date | null;
  @Column('text', { nullable: true }) channel: Platform | null;
  /** Slack team id or Teams tenant id. */
  @Column('text', { nullable: true }) tenant_id: string | null;
  /** Slack channel id or Teams conversation id. */
  @Column('text', { nullable: true }) conversation_id: string | null;
  @Column('text', { nullable: true }) thread_id: string | null;
  /** Slack ts or Teams activity id of the question. */
  @Column('text', { nullable: true }) platform_message_id: string | null;
  /** 1 (helpful) or -1 (not helpful), set by the service role for the person who asked. */
  @Column('smallint', { nullable: true }) feedback: 1 | -1 | null;
  @Column('timestamptz', { nullable: true }) feedback_at: Date | null;
  /** what the person wrote with their 👍/👎 (Teams' feedback loop), if anything */
  @Column('text', { nullable: true }) feedback_comment: string | null;
  /** the platform id of the reply that carried the answer (a Teams activity id): feedback on that reply finds this turn */
  @Column('text', { nullable: true }) reply_activity_id: string | null;
}
