import { Column, Entity, PrimaryColumn } from 'typeorm';

export const CONTENT_TYPES = ['course', 'lesson', 'skill', 'assessment', 'tutorial', 'reference'] as const;
export type ContentType = (typeof CONTENT_TYPES)[number];

@Entity({ name: 'learning_content' })
export class LearningContent {
  @PrimaryColumn('text', { default: () => 'gen_random_uuid()::text' }) id: string;
  @Column('text') title: string;
  @Column('text') content: string;
  @Column('text') content_type: ContentType;
  @Column('vector', { length: 1536, nullable: true }) embedding: number[] | null;
  @Column('jsonb', { nullable: true }) metadata: Record<string, unknown> | null;
  @Column('text', { nullable: true }) source_service: string | null;
  @Column('timestamptz', { default: () => 'now()' }) created_at: Date;
  @Column('timestamptz', { default: () => 'now()' }) updated_at: Date;
}
