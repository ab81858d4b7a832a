import { Column, Entity, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { Course } from './course.entity';
import { Skill } from './skill.entity';
import { User } from './user.entity';

/**
 * One row per (user, skill) or (user, course). "Completed" means progress = 100 and completed_at set;
 * a trigger keeps the two in step and a CHECK constraint guarantees it.
 */
@Entity({ name: 'learning_progress' })
export class LearningProgress {
  @PrimaryColumn('text', { default: () => 'gen_random_uuid()::text' }) id: string;
  @Column('text') user_id: string;
  @ManyToOne(() => User, { onDelete: 'CASCADE' }) @JoinColumn({ name: 'user_id' }) user?: User;
  @Column('text', { nullable: true }) skill_id: string | null;
  @ManyToOne(() => Skill, { onDelete: 'SET NULL', nullable: true }) @JoinColumn({ name: 'skill_id' }) skill?: Skill | null;
  @Column('text', { nullable: true }) course_id: string | null;
  @ManyToOne(() => Course, { onDelete: 'SET NULL', nullable: true }) @JoinColumn({ name: 'course_id' }) course?: Course | null;
  @Column('integer', { nullable: true, default: 1 }) level: number | null;
  /** 0..100 */
  @Column('double precision', { nullable: true, default: 0 }) progress: number | null;
  @Column('timestamptz', { nullable: true }) completed_at: Date | null;
  @Column('timestamptz', { nullable: true, default: () => 'now()' }) started_at: Date | null;
  @Column('timestamptz', { nullable: true, default: () => 'now()' }) updated_at: Date | null;
}
