/**
 * Bench-only variants of the shipped retriever, used to measure proposed changes next to the shipped
 * code. Nothing in src/ uses this file.
 */
import type { EntityManager } from 'typeorm';
import { HybridRetriever } from '../src/ai/hybrid-retriever';

/**
 * The shipped BM25, rewritten (bench only): a LATERAL probe of the postings index per distinct query
 * lexeme (the shipped CTE join lets the planner choose a parallel sequential scan of all postings),
 * document frequency as a window count, and learning_content joined only for the n best (the shipped
 * query joins every matching chunk, a sequential scan of the wide PLAIN table). k1/b cast to float8.
 */
export class ProposedRetriever extends HybridRetriever {
  override async textSearch(m: EntityManager, query: string, n: number, types: string[] | null): Promise<Awaited<ReturnType<HybridRetriever['textSearch']>>> {
    return m.query(
      `WITH qt AS MATERIALIZED (SELECT DISTINCT lexeme FROM unnest(to_tsvector('english', $1))),
            st AS MATERIALIZED (SELECT greatest(doc_count, 1)::float8 AS n, total_len::float8 / greatest(doc_count, 1) AS avgdl FROM learning_content_stats),
            p AS (SELECT t.content_id, t.tf, t.doc_len, count(*) OVER (PARTITION BY qt.lexeme)::float8 AS df
                    FROM qt CROSS JOIN LATERAL (SELECT content_id, tf, doc_len FROM learning_content_terms t WHERE t.lexeme = qt.lexeme) t),
            scored AS (
              SELECT p.content_id, sum(ln(1 + (st.n - p.df + 0.5) / (p.df + 0.5))
                       * p.tf * ($4::float8 + 1) / (p.tf + $4::float8 * (1 - $5::float8 + $5::float8 * p.doc_len / st.avgdl))) AS score
                FROM p CROSS JOIN st GROUP BY p.content_id),
            top AS (
              SELECT s.content_id, s.score FROM scored s
               WHERE $3::text[] IS NULL OR EXISTS (SELECT 1 FROM learning_content f WHERE f.id = s.content_id AND f.content_type = ANY($3::text[]))
               ORDER BY s.score DESC, s.content_id
               LIMIT $2)
       SELECT lc.id, lc.title, lc.content, lc.content_type, lc.metadata, top.score
         FROM top JOIN learning_content lc ON lc.id = top.content_id
        ORDER BY top.score DESC, lc.id`,
      [query, n, types, this.tuning.k1, this.tuning.b]);
  }
}

