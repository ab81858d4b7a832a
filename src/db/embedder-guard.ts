import type { DataSource, EntityManager } from 'typeorm';
import { AppError } from '../errors';

/** How many learning_content rows carry a vector made by each embedder (rows without a vector are not counted). */
export interface EmbedderCount {
  embedder: string;
  chunks: number;
}

/** Vectors per embedder id, most used first. A vector without an embedder id (should not exist: a CHECK forbids it) counts as '(unknown)'. */
export async function embedderCounts(m: EntityManager | DataSource): Promise<EmbedderCount[]> {
  const rows: Array<{ embedder: string; chunks: number | string }> = await m.query(
    `SELECT coalesce(embedding_model, '(unknown)') AS embedder, count(*) AS chunks
       FROM learning_content
      WHERE embedding IS NOT NULL
      GROUP BY 1
      ORDER BY count(*) DESC, 1`,
  );
  return rows.map((r) => ({ embedder: r.embedder, chunks: Number(r.chunks) }));
}

/**
 * The embedder ids that made the stored vectors, in name order. Walks idx_learning_content_embedding_model
 * one value at a time (a loose index scan: one index probe per embedder), so it costs the same at 200 chunks
 * and at 100,000; a GROUP BY over the table (embedderCounts) read every row, which every start-up and every
 * `npm run ingest` paid before doing anything else.
 */
export async function embedderIds(m: EntityManager | DataSource): Promise<string[]> {
  const rows: Array<{ embedder: string }> = await m.query(
    `WITH RECURSIVE ids(embedder) AS (
       SELECT (SELECT min(embedding_model) FROM learning_content WHERE embedding IS NOT NULL)
       UNION ALL
       SELECT (SELECT min(embedding_model) FROM learning_content
                WHERE embedding IS NOT NULL AND embedding_model > ids.embedder)
         FROM ids WHERE ids.embedder IS NOT NULL)
     SELECT embedder FROM ids WHERE embedder IS NOT NULL`,
  );
  return rows.map((r) => r.embedder);
}

/**
 * Refuses to go on when stored vectors were made by another embedder than `embedderId`: vectors of
 * different models live in different spaces, so mixing them (or comparing a query vector with them)
 * gives meaningless similarity scores. The common case (no other embedder) costs a few index probes;
 * only a mismatch counts the rows, for the message.
 */
export async function assertEmbedderMatches(m: EntityManager | DataSource, embedderId: string): Promise<void> {
  if ((await embedderIds(m)).every((id) => id === embedderId)) return;
  const others = (await embedderCounts(m)).filter((c) => c.embedder !== embedderId);
  if (others.length === 0) return;
  const made = others.map((c) => `${c.chunks} chunk${c.chunks === 1 ? '' : 's'} embedded with "${c.embedder}"`);
  const list = made.length === 1 ? made[0] : `${made.slice(0, -1).join(', ')} and ${made[made.length - 1]}`;
  throw new AppError(
    'EMBEDDER_MISMATCH',
    `The database holds ${list}, but the configured embedder is "${embedderId}": ` +
      'run `npm run reembed` to re-embed all content with the current embedder, or restore the previous OPENAI_* settings.',
  );
}
