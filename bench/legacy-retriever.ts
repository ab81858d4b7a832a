/**
 * The retriever as it was before commit fc78af1 ("BM25 query shaped for the planner"): the same class
 * with the earlier BM25 SQL, kept so the benchmarks can show what that change did on the same data.
 * Bench-only; nothing in src/ uses it.
 */
import type { EntityManager } from 'typeorm';
import { HybridRetriever } from '../src/ai/hybrid-retriever';

export class LegacyTextRetriever extends HybridRetriever {
  override async textSearch(
    m: EntityManager,
    query: string,
    n: number,
    types: string[] | null,
  ): Promise<Awaited<ReturnType<HybridRetriever['textSearch']>>> {
    return m.query(
      `WITH qt AS (SELECT DISTINCT lexeme FROM unnest(to_tsvector('english', $1))),
            st AS (SELECT greatest(doc_count, 1)::float8 AS n, total_len::float8 / greatest(doc_count, 1) AS avgdl FROM learning_content_stats),
            df AS (SELECT t.lexeme, count(*)::float8 AS df FROM learning_content_terms t JOIN qt ON qt.lexeme = t.lexeme GROUP BY t.lexeme),
            scored AS (
              SELECT t.content_id, sum(ln(1 + (st.n - df.df + 0.5) / (df.df + 0.5))
                       * t.tf * ($4::float8 + 1) / (t.tf + $4::float8 * (1 - $5::float8 + $5::float8 * t.doc_len / st.avgdl))) AS score
                FROM learning_content_terms t JOIN df ON df.lexeme = t.lexeme CROSS JOIN st
               GROUP BY t.content_id)
       SELECT lc.id, lc.title, lc.content, lc.content_type, lc.metadata, s.score
         FROM scored s JOIN learning_content lc ON lc.id = s.content_id
        WHERE $3::text[] IS NULL OR lc.content_type = ANY($3::text[])
        ORDER BY s.score DESC, lc.id
        LIMIT $2`,
      [query, n, types, this.tuning.k1, this.tuning.b],
    );
  }
}
