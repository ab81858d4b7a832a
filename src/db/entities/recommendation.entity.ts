import { Column, Entity, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { User } from './user.entity';

export type RecommendationType = 'skill' | 'course' | 'content';

@Entity({ name: 'recommendations' })
export class Recommendation {
  @PrimaryColumn('text', { default: () => 'gen_random_uuid()::text' }) id: string;
  @Column('text') user_id: string;
  @ManyToOne(() => User, { onDelete: 'CASCADE' }) @JoinColumn({ name: 'user_id' }) user?: User;
  @Column('text') type: RecommendationType;
  /** The id of a skill, course or learning_content row, by `type` (no foreign key). */
  @Column('text') item_id: string;
  /** 0..1 */
  @Column('double precision') score: number;
  @Column('text', { nullable: true }) reason: string | null;
  @Column('boolean', { nullable: true, default: false }) clicked: boolean | null;
  @Column('timestamptz', { nullable: true, default: () => 'now()' }) created_at: Date | null;
}
