import { Column, Entity, JoinColumn, ManyToOne, OneToOne, PrimaryColumn } from 'typeorm';
import { Assessment } from './assessment.entity';
import { AssessmentResult } from './assessment-result.entity';
import { User } from './user.entity';

/**
 * One row per quiz started. A trigger sets expires_at from the assessment's time_limit; an attempt is
 * submitted once (submitted_at, then result_id, which is unique).
 */
@Entity({ name: 'assessment_attempts' })
export class AssessmentAttempt {
  @PrimaryColumn('text', { default: () => 'gen_random_uuid()::text' }) id: string;
  @Column('text') user_id: string;
  @ManyToOne(() => User, { onDelete: 'CASCADE' }) @JoinColumn({ name: 'user_id' }) user?: User;
  @Column('text') assessment_id: string;
  @ManyToOne(() => Assessment, { onDelete: 'CASCADE' }) @JoinColumn({ name: 'assessment_id' }) assessment?: Assessment;
  @Column('timestamptz', { default: () => 'now()' }) started_at: Date;
  /** NULL when the assessment has no time limit. */
  @Column('timestamptz', { nullable: true }) expires_at: Date | null;
  @Column('timestamptz', { nullable: true }) submitted_at: Date | null;
  @Column('text', { nullable: true }) result_id: string | null;
  @OneToOne(() => AssessmentResult, { onDelete: 'SET NULL', nullable: true })
  @JoinColumn({ name: 'result_id' })
  result?: AssessmentResult | null;
}
