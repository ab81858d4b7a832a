import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { ContentType } from './learning-content.entity';

/**
 * One BM25 posting: a lexeme of one chunk. Derived data, written only by the learning_content triggers
 * (SECURITY DEFINER); the app reads it.
 *
 * The table has no primary key constraint (FastRetrieval dropped it; the postings are read through
 * idx_learning_content_terms_impact and idx_learning_content_terms_doc). TypeORM needs an identity, and
 * (lexeme, content_id) is unique by construction: the trigger writes one posting per lexeme of a chunk.
 * No foreign key to learning_content (LeanPostings): the triggers add and remove a chunk's postings with
 * it, and a TRUNCATE of learning_content empties the index.
 */
@Entity({ name: 'learning_content_terms' })
export class LearningContentTerm {
  @PrimaryColumn('text') lexeme: string;
  @PrimaryColumn('text') content_id: string;
  /** Occurrences of the lexeme in the chunk. */
  @Column('integer') tf: number;
  /** The chunk's length in lexeme occurrences (at least 1). */
  @Column('integer') doc_len: number;
  /** The chunk's content type, so a filtered search reads matching postings only. */
  @Column('text', { nullable: true }) content_type: ContentType | null;
}
