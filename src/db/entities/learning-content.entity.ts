import { Column, Entity, PrimaryColumn } from 'typeorm';
import { vectorTransformer } from './vector-transformer';

export const CONTENT_TYPES = ['course', 'lesson', 'skill', 'assessment', 'tutorial', 'reference'] as const;
export type ContentType = (typeof CONTENT_TYPES)[number];

/**
 * One retrievable chunk. Inserting, updating or deleting rows maintains the BM25 index
 * (learning_content_terms, learning_content_lexemes, learning_content_stats) through statement triggers.
 */
@Entity({ name: 'learning_content' })
export class LearningContent {
  @PrimaryColumn('text', { default: () => 'gen_random_uuid()::text' }) id: string;
  @Column('text') title: string;
  @Column('text') content: string;
  @Column('text') content_type: ContentType;
  /** vector(1536); a CHECK requires embedding_model whenever it is set. */
  @Column('vector', { length: 1536, nullable: true, transformer: vectorTransformer }) embedding: number[] | null;
  @Column('jsonb', { nullable: true }) metadata: Record<string, unknown> | null;
  @Column('text', { nullable: true }) source_service: string | null;
  @Column('timestamptz', { nullable: true, default: () => 'now()' }) created_at: Date | null;
  @Column('timestamptz', { nullable: true, default: () => 'now()' }) updated_at: Date | null;
  /** Which embedder made `embedding` (vectors of different models are never compared). */
  @Column('text', { nullable: true }) embedding_model: string | null;
  /** Where the chunk came from (ingestion), with content_hash for idempotent re-ingestion. */
  @Column('text', { nullable: true }) source_path: string | null;
  @Column('text', { nullable: true }) content_hash: string | null;
  /**
   * The weighted full-text document, title (A) + content (B): a STORED column PostgreSQL generates, so
   * read-only here. Deliberately not declared with `generatedType`/`asExpression`: TypeORM would then
   * create its own `typeorm_metadata` table in the public schema whenever migrations run.
   */
  @Column({ type: 'tsvector', nullable: true, insert: false, update: false })
  search_tsv: string | null;
}
