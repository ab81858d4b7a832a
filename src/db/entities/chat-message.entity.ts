import { Column, Entity, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { User } from './user.entity';

/** One row per conversation turn: the question, the answer and how it was made. */
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
  @Column('timestamptz', { default: () => 'now()' }) created_at: Date;
}
