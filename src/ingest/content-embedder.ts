// Embedding for ingestion: texts to checked vectors in batches, and (re-)embedding stored rows.

import { createHash } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { EMBEDDING_DIMENSIONS, type EmbeddingProvider, vectorLiteral } from '../ai/embedding-provider';
import { inServiceScope } from '../db/user-scope';
import type { Logger } from '../observability/logger';

export const DEFAULT_EMBED_BATCH_SIZE = 64;

/** The text embedded for a stored chunk (the retriever embeds the bare question). */
export function embeddingText(title: string, content: string): string {
  return `${title}\n${content}`;
}

export class ContentEmbedder {
  constructor(private readonly deps: { ds: DataSource; provider: EmbeddingProvider; logger: Logger; batchSize: number }) {}

  get providerId(): string {
    return this.deps.provider.id;
  }

  /** Embeds the texts of rows keyed by `key` into `vectors`, `batchSize` texts per call. */
  async embedInto<T extends { title: string; content: string }>(
    rows: T[],
    key: (row: T) => string,
    vectors: Map<string, number[]>,
  ): Promise<void> {
    for (let i = 0; i < rows.length; i += this.deps.batchSize) {
      const slice = rows.slice(i, i + this.deps.batchSize);
      const out = await this.embedTexts(slice.map((r) => embeddingText(r.title, r.content)));
      slice.forEach((r, j) => {
        vectors.set(key(r), out[j]);
      });
    }
  }

  /** One embedDocuments call, its answer checked: one finite vector of the column's dimensions per text. */
  async embedTexts(texts: string[]): Promise<number[][]> {
    const { provider } = this.deps;
    const out = await provider.embeddings.embedDocuments(texts);
    if (!Array.isArray(out) || out.length !== texts.length) {
      throw new Error(`the embedder "${provider.id}" returned ${Array.isArray(out) ? out.length : 'no'} vectors for ${texts.length} texts`);
    }
    for (const v of out) {
      if (!Array.isArray(v) || v.length !== EMBEDDING_DIMENSIONS || !v.every(Number.isFinite)) {
        throw new Error(
          `the embedder "${provider.id}" returned a vector of ${Array.isArray(v) ? v.length : 0} dimensions ` +
            `(or with non-numbers); learning_content.embedding needs ${EMBEDDING_DIMENSIONS}: use a model or "dimensions" setting that gives ${EMBEDDING_DIMENSIONS}`,
        );
      }
    }
    return out;
  }

  /**
   * Embeds rows in batches (keyset over id), each batch's update in its own transaction. A row whose
   * title or content changed between reading and writing is skipped (its writer re-embeds it).
   */
  async rewriteEmbeddings(onlyMissing: boolean, onProgress?: (done: number, total: number) => void): Promise<number> {
    const { ds, provider, logger, batchSize } = this.deps;
    const filter = onlyMissing ? 'embedding IS NULL' : 'TRUE';
    const read = <T>(sql: string, params: unknown[] = []) => inServiceScope(ds, (m) => m.query(sql, params) as Promise<T>);
    const [{ n }] = await read<Array<{ n: string | number }>>(`SELECT count(*) AS n FROM learning_content WHERE ${filter}`);
    let total = Number(n);
    let done = 0;
    let seen = 0;
    let last = '';
    onProgress?.(0, total);
    for (;;) {
      const batch = await read<Array<{ id: string; title: string; content: string }>>(
        `SELECT id, title, content FROM learning_content WHERE ${filter} AND id > $1 ORDER BY id LIMIT $2`,
        [last, batchSize],
      );
      if (batch.length === 0) break;
      last = batch[batch.length - 1].id;
      const vectors = await this.embedTexts(batch.map((r) => embeddingText(r.title, r.content)));
      const params: unknown[] = [provider.id];
      const tuples = batch.map((r, i) => {
        const k = params.length;
        params.push(r.id, vectorLiteral(vectors[i]), md5(embeddingText(r.title, r.content)));
        return `($${k + 1}, $${k + 2}::vector, $${k + 3})`;
      });
      const res = await inServiceScope(ds, (m) =>
        m.query(
          `UPDATE learning_content AS lc SET embedding = v.embedding, embedding_model = $1
           FROM (VALUES ${tuples.join(', ')}) AS v(id, embedding, text_md5)
          WHERE lc.id = v.id AND md5(lc.title || E'\\n' || lc.content) = v.text_md5${onlyMissing ? ' AND lc.embedding IS NULL' : ''}`,
          params,
        ),
      );
      done += affectedRows(res);
      seen += batch.length;
      total = Math.max(total, seen);
      onProgress?.(seen, total);
    }
    logger.info(
      { embedder: provider.id, rows: done, onlyMissing },
      onlyMissing ? 'embedded rows without a vector' : 're-embedded all content',
    );
    return done;
  }
}

function md5(text: string): string {
  return createHash('md5').update(text, 'utf8').digest('hex');
}

/** TypeORM returns [rows, affected] for UPDATE/DELETE on PostgreSQL. */
function affectedRows(res: unknown): number {
  if (Array.isArray(res) && res.length === 2 && typeof res[1] === 'number') return res[1];
  return Array.isArray(res) ? res.length : 0;
}
