import { Column, Entity, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { Assessment } from './assessment.entity';
import { User } from './user.entity';

/**
 * A scored quiz. attempt_id is unique and references assessment_attempts through a composite foreign
 * key (attempt_id, user_id, assessment_id), so a result's user and assessment are its attempt's; it is
 * kept as a plain column here (user_id and assessment_id already carry their own relations). A late
 * result is never passed (CHECK).
 */
@Entity({ name: 'assessment_results' })
export class AssessmentResult {
  @PrimaryColumn('text', { default: () => 'gen_random_uuid()::text' }) id: string;
  @Column('text') user_id: string;
  @ManyToOne(() => User, { onDelete: 'CASCADE' }) @JoinColumn({ name: 'user_id' }) user?: User;
  @Column('text') assessment_id: string;
  @ManyToOne(() => Assessment, { onDelete: 'CASCADE' }) @JoinColumn({ name: 'assessment_id' }) assessment?: Assessment;
  @Column('double precision') score: number;
  @Column('jsonb', { nullable: true }) answers: unknown | null;
  @Column('timestamptz', { nullable: true, default: () => 'now()' }) completed_at: Date | null;
  /** seconds */
  @Column('integer', { nullable: true }) time_taken: number | null;
  @Column('text', { nullable: true }) attempt_id: string | null;
  /** Submitted after the attempt expired. */
  @Column('boolean', { default: false }) late: boolean;
  @Column('boolean', { nullable: true }) passed: boolean | null;
}
