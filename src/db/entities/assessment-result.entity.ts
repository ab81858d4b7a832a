import { Column, Entity, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { Assessment } from './assessment.entity';
import { User } from './user.entity';

@Entity({ name: 'assessment_results' })
export class AssessmentResult {
  @PrimaryColumn('text', { default: () => 'gen_random_uuid()::text' }) id: string;
  @Column('text') user_id: string;
  @ManyToOne(() => User, { onDelete: 'CASCADE' }) @JoinColumn({ name: 'user_id' }) user?: User;
  @Column('text') assessment_id: string;
  @ManyToOne(() => Assessment, { onDelete: 'CASCADE' }) @JoinColumn({ name: 'assessment_id' }) assessment?: Assessment;
  @Column('double precision') score: number;
  @Column('jsonb', { nullable: true }) answers: unknown | null;
  @Column('timestamptz', { default: () => 'now()' }) completed_at: Date;
  /** seconds */
  @Column('integer', { nullable: true }) time_taken: number | null;
}
