import type { MigrationInterface, QueryRunner } from 'typeorm';
import { ROTATED_DIMENSIONS, rotate, unrotate } from '../src/ai/orthogonal-rotation';
import { FLOAT_HNSW_INDEX } from './1795600000000-InitialSchema';
import { MATCH_DOCUMENTS } from './1795600000001-Functions';

/**
 * The vector index becomes an HNSW graph over each vector's sign bits, and match_documents re-ranks the
 * graph's candidates by exact cosine (issue 11; bench/README.md, "Binary-quantized vector index").
 *
 * The float HNSW index was most of a chunk's ingestion cost: each insert computes ~1,500 cosine distances
 * of 1536 floats, and at 100k chunks the graph (~930 MB) no longer fits in memory, so inserts also read it
 * from disk. Over sign bits a distance is a 192-byte Hamming distance and the graph is ~16× smaller (60 MB):
 * two writers ingest 719 instead of 459 chunks/s at 100k. The best greatest(4 × match_count,
 * hnsw.ef_search) candidates are re-ranked by their true cosine: recall@10 against the exact answer 0.980
 * (float index 0.9705) on the synthetic 100k, 0.97 (float 0.98) on SciFact's real-text vectors, the same
 * SciFact nDCG@10. Similarities, thresholds and filters mean what they meant: only the candidate list is
 * found another way.
 *
 * Sign bits keep a vector's direction only when its coordinates are projections on unrelated directions.
 * Dense neural embeddings are; the offline embedder's v1 vectors were mostly zeros, so v2 emits the same
 * vectors turned by a fixed rotation (src/ai/orthogonal-rotation.ts). Rotating the stored v1 vectors here
 * makes them exactly v2 vectors, so nobody has to re-embed: cosines do not change.
 */
export class BinaryQuantizedIndex1796800000000 implements MigrationInterface {
  name = 'BinaryQuantizedIndex1796800000000';

  async up(q: QueryRunner): Promise<void> {
    // Dropped first: rewriting every offline vector would otherwise update the graph row by row.
    await q.query(`DROP INDEX IF EXISTS idx_learning_content_embedding`);
    for (const [v1, v2] of OFFLINE_VERSIONS) await turnVectors(q, v1, v2, rotate);
    await q.query(BINARY_QUANTIZED_INDEX);
    await q.query(MATCH_DOCUMENTS_RERANKED);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX IF EXISTS idx_learning_content_embedding`);
    for (const [v1, v2] of OFFLINE_VERSIONS) await turnVectors(q, v2, v1, unrotate);
    await q.query(FLOAT_HNSW_INDEX);
    await q.query(MATCH_DOCUMENTS);
  }
}

/** The index over sign bits (binary_quantize: 1 where a coordinate is > 0), under the float index's name. */
export const BINARY_QUANTIZED_INDEX = `CREATE INDEX idx_learning_content_embedding ON learning_content
  USING hnsw ((binary_quantize(embedding)::bit(${ROTATED_DIMENSIONS})) bit_hamming_ops)`;

/**
 * Same signature, columns and meaning as the document's match_documents, still one inlinable SQL statement
 * (callers' SET LOCAL hnsw.iterative_scan applies, so filters never starve the result): the nearest rows by
 * sign bits that pass the filters, re-ranked by cosine; the threshold applies to the true similarity.
 */
const MATCH_DOCUMENTS_RERANKED = `
  CREATE OR REPLACE FUNCTION match_documents (
    query_embedding VECTOR(1536),
    match_threshold FLOAT DEFAULT 0.7,
    match_count INT DEFAULT 5,
    content_types TEXT[] DEFAULT NULL
  )
  RETURNS TABLE (id TEXT, title TEXT, content TEXT, content_type TEXT, similarity FLOAT, metadata JSONB)
  LANGUAGE SQL STABLE
  AS $$
    SELECT c.id, c.title, c.content, c.content_type, 1 - c.distance AS similarity, c.metadata
      FROM (
        SELECT lc.id, lc.title, lc.content, lc.content_type, lc.metadata, lc.embedding <=> query_embedding AS distance
          FROM learning_content lc
         WHERE lc.embedding IS NOT NULL
           AND (content_types IS NULL OR lc.content_type = ANY(content_types))
         ORDER BY binary_quantize(lc.embedding)::bit(${ROTATED_DIMENSIONS}) <~> binary_quantize(query_embedding)
         LIMIT greatest(4 * match_count, coalesce(nullif(current_setting('hnsw.ef_search', true), '')::int, 40))
      ) c
     WHERE 1 - c.distance > match_threshold
     ORDER BY c.distance
     LIMIT match_count;
  $$`;

/** The offline embedder's ids before and after its vectors were rotated (src/ai/local-embeddings.ts). */
const OFFLINE_VERSIONS: Array<[v1: string, v2: string]> = [
  ['local:hash-glove-v1', 'local:hash-glove-v2'],
  ['local:hash-v1', 'local:hash-v2'],
];

const BATCH = 500;

/**
 * Rewrites every vector made by embedder `from` as turn(vector), labelled `to`, 500 rows at a time until none
 * is left (a rewritten row no longer matches). A row labelled `from` without a vector has nothing to turn.
 */
async function turnVectors(q: QueryRunner, from: string, to: string, turn: (v: number[]) => number[]): Promise<void> {
  for (;;) {
    const rows: Array<{ id: string; embedding: string }> = await q.query(
      `SELECT id, embedding::text AS embedding FROM learning_content
        WHERE embedding_model = $1 AND embedding IS NOT NULL ORDER BY id LIMIT ${BATCH}`,
      [from],
    );
    if (rows.length === 0) return;
    await q.query(
      `UPDATE learning_content lc SET embedding = v.embedding::vector, embedding_model = $3
         FROM unnest($1::text[], $2::text[]) AS v(id, embedding) WHERE lc.id = v.id`,
      [rows.map((r) => r.id), rows.map((r) => `[${turn(JSON.parse(r.embedding)).join(',')}]`), to],
    );
  }
}
