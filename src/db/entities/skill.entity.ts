import { Column, Entity, PrimaryColumn } from 'typeorm';

@Entity({ name: 'skills' })
export class Skill {
  @PrimaryColumn('text', { default: () => 'gen_random_uuid()::text' }) id: string;
  @Column('text') name: string;
  @Column('text', { nullable: true }) description: string | null;
  @Column('text', { nullable: true }) category: string | null;
  /** 1 = beginner, 2 = intermediate, 3+ = advanced (generate_recommendations maps it so). */
  @Column('integer', { nullable: true, default: 1 }) level: number | null;
  @Column('text', { array: true, nullable: true }) prerequisites: string[] | null;
  @Column('jsonb', { nullable: true }) metadata: Record<string, unknown> | null;
  @Column('timestamptz', { nullable: true, default: () => 'now()' }) created_at: Date | null;
  @Column('timestamptz', { nullable: true, default: () => 'now()' }) updated_at: Date | null;
}
