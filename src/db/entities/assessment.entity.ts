import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { Difficulty } from './course.entity';

@Entity({ name: 'assessments' })
export class Assessment {
  @PrimaryColumn('text', { default: () => 'gen_random_uuid()::text' }) id: string;
  @Column('text') title: string;
  @Column('text', { nullable: true }) description: string | null;
  @Column('jsonb', { nullable: true }) questions: unknown[] | null;
  @Column('text', { nullable: true }) difficulty: Difficulty | null;
  /** minutes; an attempt's expires_at is started_at + time_limit when it is positive. */
  @Column('integer', { nullable: true }) time_limit: number | null;
  @Column('double precision', { nullable: true, default: 70 }) passing_score: number | null;
  @Column('jsonb', { nullable: true }) metadata: Record<string, unknown> | null;
  @Column('timestamptz', { nullable: true, default: () => 'now()' }) created_at: Date | null;
  @Column('timestamptz', { nullable: true, default: () => 'now()' }) updated_at: Date | null;
}
