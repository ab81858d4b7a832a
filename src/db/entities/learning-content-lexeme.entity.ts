import { Column, Entity, PrimaryColumn } from 'typeorm';

/** Document frequency of a lexeme over learning_content (BM25's idf). Maintained by the learning_content triggers. */
@Entity({ name: 'learning_content_lexemes' })
export class LearningContentLexeme {
  @PrimaryColumn('text') lexeme: string;
  @Column('integer') df: number;
}
