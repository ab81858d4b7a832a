import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * The corpus statistics for BM25, a single row (id is always TRUE). Maintained by the learning_content
 * triggers. BIGINT columns arrive as numbers: the DataSource sets parseInt8.
 */
@Entity({ name: 'learning_content_stats' })
export class LearningContentStats {
  @PrimaryColumn('boolean', { default: true }) id: boolean;
  @Column('bigint', { default: 0 }) doc_count: number;
  /** Sum of the chunks' lengths (average length = total_len / doc_count). */
  @Column('bigint', { default: 0 }) total_len: number;
}
