import type { EntityManager } from 'typeorm';
import type { ContentType } from '../db/entities/learning-content.entity';
import type { Passage } from './answer-types';
import { type EmbeddingProvider, vectorLiteral } from './embedding-provider';

export type SearchMode = 'hybrid' | 'vector' | 'text';

export interface RetrievedPassage extends Passage {
  metadata: Record<string, unknown>;
  /** 1-based rank in each list it appeared in. */
  vectorRank?: number;
  textRank?: number;
}

export interface SearchOptions {
  /** passages to return (default 5) */
  k?: number;
  contentTypes?: ContentType[];
  mode?: SearchMode;
  /** a precomputed query embedding (the service reuses it for recommendations) */
  queryVector?: number[];
}

export interface RetrieverTuning {
  /** candidates taken from each list before fusion */
  candidates: number;
  /** reciprocal rank fusion constant: score = sum of weight / (rrfK + rank) */
  rrfK: number;
  vectorWeight: number;
  textWeight: number;
  /** BM25 term-frequency saturation and length normalisation */
  k1: number;
  b: number;
  /**
   * HNSW search breadth; match_documents re-ranks greatest(4 × n, efSearch) sign-bit candidates by exact
   * cosine. Higher = better recall, slower
   */
  efSearch: number;
  /** BM25 reads at most this many postings per query term, the highest-impact ones first (null: all) */
  postingsPerTerm: number | null;
}

// BM25 k1/b and the offline fusion weights were tuned on SciFact's train queries only (bench/README.md,
// "BEIR SciFact"); the test queries were never used for tuning. Equal weights stay the default for a
// neural embedder (e.g. OpenAI), which the offline grid could not measure.
export const DEFAULT_TUNING: RetrieverTuning = {
  candidates: 50,
  rrfK: 60,
  vectorWeight: 1,
  textWeight: 1,
  k1: 1.2,
  b: 0.75,
  // Sign bits rank coarser than floats: at least 200 candidates re-ranked (bench/README.md, "Binary-quantized vector index").
  efSearch: 200,
  postingsPerTerm: 1000,
};

/** The offline embedder is weaker than BM25 on real questions (SciFact nDCG@10 0.55 vs 0.68), so the text list leads. */
export const OFFLINE_TUNING: RetrieverTuning = { ...DEFAULT_TUNING, candidates: 100, rrfK: 20, vectorWeight: 1, textWeight: 6 };

export function tuningFor(embedderId: string): RetrieverTuning {
  return embedderId.startsWith('local:') ? OFFLINE_TUNING : DEFAULT_TUNING;
}

/** One row of the vector list, as match_documents returns it. */
export interface NearestContent {
  id: string;
  title: string;
  content: string;
  content_type: string;
  metadata: Record<string, unknown> | null;
  similarity: number;
}

export interface SearchResult {
  passages: RetrievedPassage[];
  /**
   * The vector list of an unfiltered search, most similar first (the HNSW search already paid for),
   * so a caller that wants "the rows nearest the question" (the recommender) needs no second search.
   * `asked` is how many rows were asked for: fewer rows means there are no more. null when the search
   * was filtered by content type or had no vector.
   */
  nearest: { rows: NearestContent[]; asked: number } | null;
}

interface Row {
  id: string;
  title: string;
  content: string;
  content_type: string;
  metadata: Record<string, unknown> | null;
  similarity?: number;
  score?: number;
}

/**
 * Hybrid retrieval in PostgreSQL: pgvector (match_documents over the HNSW index, with iterative scan
 * so filters cannot starve the result) and BM25 over the full-text index, fused by reciprocal rank.
 * Every query runs through the caller's EntityManager, i.e. inside the caller's transaction and
 * row-level-security scope.
 */
export class HybridRetriever {
  readonly tuning: RetrieverTuning;

  constructor(
    private readonly provider: EmbeddingProvider,
    tuning: Partial<RetrieverTuning> = {},
  ) {
    this.tuning = { ...DEFAULT_TUNING, ...tuning };
  }

  embedQuery(text: string): Promise<number[]> {
    return this.provider.embeddings.embedQuery(text);
  }

  async search(m: EntityManager, query: string, opts: SearchOptions = {}): Promise<RetrievedPassage[]> {
    return (await this.searchWithNearest(m, query, opts)).passages;
  }

  /** search(), plus the unfiltered vector list it read (see SearchResult.nearest). */
  async searchWithNearest(m: EntityManager, query: string, opts: SearchOptions = {}): Promise<SearchResult> {
    const k = opts.k ?? 5;
    const mode = opts.mode ?? 'hybrid';
    const types = opts.contentTypes?.length ? opts.contentTypes : null;
    const n = Math.max(this.tuning.candidates, k);
    const vector = mode === 'text' ? undefined : (opts.queryVector ?? (await this.embedQuery(query)));
    const [byVector, byText] = await Promise.all([
      vector ? this.vectorSearch(m, vector, n, types) : Promise.resolve([]),
      mode === 'vector' ? Promise.resolve([]) : this.textSearch(m, query, n, types),
    ]);

    const fused = new Map<string, RetrievedPassage>();
    const add = (rows: Row[], weight: number, key: 'vectorRank' | 'textRank') => {
      rows.forEach((row, i) => {
        const p = fused.get(row.id) ?? toPassage(row);
        p.score += weight / (this.tuning.rrfK + i + 1);
        p[key] = i + 1;
        if (row.similarity !== undefined) p.similarity = row.similarity;
        fused.set(row.id, p);
      });
    };
    add(byVector, this.tuning.vectorWeight, 'vectorRank');
    add(byText, this.tuning.textWeight, 'textRank');
    const top = [...fused.values()].sort((a, b) => b.score - a.score).slice(0, k);

    // Keyword-only hits still get a cosine similarity, so confidence can treat every passage alike.
    const missing = top.filter((p) => p.similarity === null).map((p) => p.id);
    if (vector && missing.length) {
      const sims: Array<{ id: string; similarity: number }> = await m.query(
        `SELECT id, 1 - (embedding <=> $1::vector) AS similarity FROM learning_content WHERE id = ANY($2) AND embedding IS NOT NULL`,
        [vectorLiteral(vector), missing],
      );
      for (const s of sims) top.find((p) => p.id === s.id)!.similarity = s.similarity;
    }
    return { passages: top, nearest: vector && !types ? { rows: byVector as NearestContent[], asked: n } : null };
  }

  /** Nearest neighbours by cosine; iterative scan keeps filtered searches complete, so re-sort by distance. */
  async vectorSearch(m: EntityManager, vector: number[], n: number, types: string[] | null): Promise<Row[]> {
    await m.query(
      `SELECT set_config('hnsw.iterative_scan', 'relaxed_order', true), set_config('hnsw.max_scan_tuples', '20000', true),
      set_config('hnsw.ef_search', $1, true)`,
      [String(Math.max(this.tuning.efSearch, n))],
    );
    return m.query(
      `SELECT id, title, content, content_type, metadata, similarity
         FROM match_documents($1::vector, -1, $2, $3::text[]) ORDER BY similarity DESC`,
      [vectorLiteral(vector), n, types],
    );
  }

  /**
   * BM25 over the lexemes PostgreSQL's English configuration extracts (stemmed, stop words removed).
   * Each query term reads at most `postingsPerTerm` postings of the wanted content types, best impact
   * first (an index-only scan of idx_learning_content_terms_impact), with its document frequency from
   * learning_content_lexemes, so the cost no longer grows with how common a word is, and a filter
   * never starves the result (the cap counts matching postings only). The best 2n of those candidates
   * are then scored exactly from their own postings: a chunk that matches every term, each below the
   * cap, is ranked by its full score rather than by the terms that happened to reach it.
   */
  async textSearch(m: EntityManager, query: string, n: number, types: string[] | null): Promise<Row[]> {
    const cap = this.tuning.postingsPerTerm;
    // PostgreSQL's JIT compiles this query when the planner's cost estimate is high (a table not yet
    // analysed after a bulk load): ~300 ms of compiling for a query that runs in ~10 ms.
    await m.query(`SELECT set_config('jit', 'off', true)`);
    return this.bm25(m, query, n, types, cap === null ? null : Math.max(cap, n));
  }

  private bm25(m: EntityManager, query: string, n: number, types: string[] | null, postingsPerTerm: number | null): Promise<Row[]> {
    return m.query(
      `WITH qt AS MATERIALIZED (SELECT DISTINCT lexeme FROM unnest(to_tsvector('english', $1))),
            st AS MATERIALIZED (SELECT greatest(doc_count, 1)::float8 AS n, greatest(total_len, 1)::float8 / greatest(doc_count, 1) AS avgdl FROM learning_content_stats),
            w AS MATERIALIZED (
              SELECT l.lexeme, ln(1 + (st.n - l.df + 0.5) / (l.df + 0.5)) AS idf
                FROM qt JOIN learning_content_lexemes l ON l.lexeme = qt.lexeme CROSS JOIN st WHERE l.df > 0),
            partial AS (
              SELECT t.content_id, sum(w.idf * t.tf * ($4::float8 + 1) / (t.tf + $4::float8 * (1 - $5::float8 + $5::float8 * t.doc_len / st.avgdl))) AS score
                FROM w CROSS JOIN st
                CROSS JOIN LATERAL (
                  SELECT content_id, tf, doc_len FROM learning_content_terms t
                   WHERE t.lexeme = w.lexeme AND ($3::text[] IS NULL OR t.content_type = ANY($3::text[]))
                   ORDER BY bm25_impact(t.tf, t.doc_len) DESC LIMIT $6) t
               GROUP BY t.content_id),
            candidates AS MATERIALIZED (SELECT content_id FROM partial ORDER BY score DESC, content_id LIMIT $7),
            exact AS (
              SELECT c.content_id, sum(w.idf * t.tf * ($4::float8 + 1) / (t.tf + $4::float8 * (1 - $5::float8 + $5::float8 * t.doc_len / st.avgdl))) AS score
                FROM candidates c CROSS JOIN st
                -- one index probe per (candidate, query term), not every posting of the candidate
                JOIN learning_content_terms t ON t.content_id = c.content_id AND t.lexeme = ANY ((SELECT array_agg(lexeme) FROM w)::text[])
                JOIN w ON w.lexeme = t.lexeme
               GROUP BY c.content_id),
            top AS (SELECT content_id, score FROM exact ORDER BY score DESC, content_id LIMIT $2)
       SELECT lc.id, lc.title, lc.content, lc.content_type, lc.metadata, top.score
         FROM top JOIN learning_content lc ON lc.id = top.content_id
        ORDER BY top.score DESC, lc.id`,
      // Every posting read (no cap): the partial scores are exact already, so the top n are the candidates.
      [query, n, types, this.tuning.k1, this.tuning.b, postingsPerTerm, postingsPerTerm === null ? n : Math.max(2 * n, 100)],
    );
  }
}

function toPassage(row: Row): RetrievedPassage {
  return {
    id: row.id,
    title: row.title,
    content: row.content,
    contentType: row.content_type,
    metadata: row.metadata ?? {},
    score: 0,
    similarity: null,
  };
}
