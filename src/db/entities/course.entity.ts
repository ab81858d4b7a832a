import { Column, Entity, PrimaryColumn } from 'typeorm';

export type Difficulty = 'beginner' | 'intermediate' | 'advanced';

@Entity({ name: 'courses' })
export class Course {
  @PrimaryColumn('text', { default: () => 'gen_random_uuid()::text' }) id: string;
  @Column('text') title: string;
  @Column('text', { nullable: true }) description: string | null;
  /** minutes */
  @Column('integer', { nullable: true }) duration: number | null;
  @Column('text', { nullable: true }) difficulty: Difficulty | null;
  @Column('text', { array: true, nullable: true }) prerequisites: string[] | null;
  @Column('text', { array: true, nullable: true }) learning_objectives: string[] | null;
  @Column('jsonb', { nullable: true }) metadata: Record<string, unknown> | null;
  @Column('timestamptz', { nullable: true, default: () => 'now()' }) created_at: Date | null;
  @Column('timestamptz', { nullable: true, default: () => 'now()' }) updated_at: Date | null;
}
