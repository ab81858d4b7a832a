// Storing one file's chunks: make its learning_content rows match the chunks it produces now.
//
// A chunk is identified by its content_hash within its source_path. Embedding happens before the
// file's transaction opens (an API call may take seconds; no transaction is held meanwhile), and all
// writes for one file happen in one service-scope transaction, so a failure leaves that file's stored
// rows exactly as they were.

import { isDeepStrictEqual } from 'node:util';
import type { DataSource, EntityManager } from 'typeorm';
import { vectorLiteral } from '../ai/embedding-provider';
import { inServiceScope } from '../db/user-scope';
import type { ContentEmbedder } from './content-embedder';

/** One row to be stored for a chunk. */
export interface PlannedRow {
  hash: string;
  title: string;
  content: string;
  contentType: string;
  sourceService: string | null;
  metadata: Record<string, unknown>;
}

/** What syncing a file changed. */
export interface FileSyncCounts {
  added: number;
  unchanged: number;
  deleted: number;
  /** unchanged chunks whose metadata, content_type or source_service was updated in place (no re-embedding) */
  updated: number;
}

interface StoredRow {
  id: string;
  content_hash: string | null;
  embedded: boolean;
  metadata: Record<string, unknown> | null;
  content_type: string;
  source_service: string | null;
}

/**
 * Rows per INSERT: the search index is maintained once per statement (one document-frequency upsert and
 * one statistics update per statement), so fewer, larger statements write less; 200 rows x 9 parameters
 * stay far below PostgreSQL's 65,535 parameters per statement.
 */
const INSERT_ROWS_PER_STATEMENT = 200;
const MAX_SYNC_ATTEMPTS = 3;
const MAX_DEADLOCK_RETRIES = 4;

export class FileChunksStore {
  constructor(private readonly deps: { ds: DataSource; embedder: ContentEmbedder }) {}

  /** Makes the stored rows of `rel` match `rows`: embeds first, then writes in one transaction. */
  async syncFile(rel: string, rows: PlannedRow[]): Promise<FileSyncCounts> {
    const { ds, embedder } = this.deps;
    const vectors = new Map<string, number[]>();
    for (let attempt = 1; ; attempt++) {
      const stored = await inServiceScope(ds, (m) => storedRows(m, rel, false));
      const present = new Set(stored.filter((r) => r.embedded).map((r) => r.content_hash));
      await embedder.embedInto(
        rows.filter((r) => !present.has(r.hash) && !vectors.has(r.hash)),
        (r) => r.hash,
        vectors,
      );

      const outcome = await retryOnDeadlock(() =>
        inServiceScope(ds, async (m) => {
          // Two ingests of the same file queue here instead of inserting the same chunks twice.
          await m.query(`SELECT pg_advisory_xact_lock(hashtextextended($1, 0))`, [`ingest:${rel}`]);
          const current = await storedRows(m, rel, true);
          const wanted = new Map(rows.map((r) => [r.hash, r]));
          const keep = new Map<string, StoredRow>();
          const remove: string[] = [];
          for (const r of current) {
            if (r.embedded && r.content_hash && wanted.has(r.content_hash) && !keep.has(r.content_hash)) keep.set(r.content_hash, r);
            else remove.push(r.id);
          }
          const insert = rows.filter((r) => !keep.has(r.hash));
          // Someone changed this file's rows since we looked: embed what is missing, then try again.
          if (insert.some((r) => !vectors.has(r.hash))) return null;

          if (remove.length) await m.query(`DELETE FROM learning_content WHERE id = ANY($1::text[])`, [remove]);
          await insertRows(m, rel, insert, vectors, embedder.providerId);
          let updated = 0;
          for (const [hash, row] of keep) {
            const want = wanted.get(hash)!;
            if (
              isDeepStrictEqual(row.metadata, want.metadata) &&
              row.content_type === want.contentType &&
              row.source_service === want.sourceService
            )
              continue;
            await m.query(`UPDATE learning_content SET metadata = $2::jsonb, content_type = $3, source_service = $4 WHERE id = $1`, [
              row.id,
              JSON.stringify(want.metadata),
              want.contentType,
              want.sourceService,
            ]);
            updated++;
          }
          return { added: insert.length, unchanged: keep.size, deleted: remove.length, updated };
        }),
      );
      if (outcome) return outcome;
      if (attempt >= MAX_SYNC_ATTEMPTS)
        throw new Error(`the stored chunks of ${rel} kept changing during ingestion (another ingest running?); try again`);
    }
  }
}

/**
 * Files are written two at a time (IngestService), and the BM25 triggers upsert the document
 * frequencies of every lexeme a statement adds or removes: two transactions of several statements
 * each (a re-ingest's DELETE and INSERT, a file of more than 200 chunks) can lock the same lexeme rows
 * in opposite orders. PostgreSQL then aborts one of them; nothing of it was written, so it runs again.
 */
export async function retryOnDeadlock<T>(work: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await work();
    } catch (err) {
      const e = err as { code?: string; driverError?: { code?: string } };
      const code = e.code ?? e.driverError?.code;
      if (attempt >= MAX_DEADLOCK_RETRIES || (code !== '40P01' && code !== '40001')) throw err;
      await new Promise((resolve) => setTimeout(resolve, 20 + Math.random() * 80 * attempt));
    }
  }
}

async function storedRows(m: EntityManager, rel: string, lock: boolean): Promise<StoredRow[]> {
  return m.query(
    `SELECT id, content_hash, embedding IS NOT NULL AS embedded, metadata, content_type, source_service
       FROM learning_content WHERE source_path = $1 ORDER BY created_at, id${lock ? ' FOR UPDATE' : ''}`,
    [rel],
  );
}

async function insertRows(
  m: EntityManager,
  rel: string,
  rows: PlannedRow[],
  vectors: Map<string, number[]>,
  embedderId: string,
): Promise<void> {
  for (let i = 0; i < rows.length; i += INSERT_ROWS_PER_STATEMENT) {
    const slice = rows.slice(i, i + INSERT_ROWS_PER_STATEMENT);
    const params: unknown[] = [];
    const tuples = slice.map((r) => {
      const n = params.length;
      params.push(
        r.title,
        r.content,
        r.contentType,
        vectorLiteral(vectors.get(r.hash)!),
        JSON.stringify(r.metadata),
        r.sourceService,
        embedderId,
        rel,
        r.hash,
      );
      return `($${n + 1}, $${n + 2}, $${n + 3}, $${n + 4}::vector, $${n + 5}::jsonb, $${n + 6}, $${n + 7}, $${n + 8}, $${n + 9})`;
    });
    await m.query(
      `INSERT INTO learning_content (title, content, content_type, embedding, metadata, source_service, embedding_model, source_path, content_hash)
       VALUES ${tuples.join(', ')}`,
      params,
    );
  }
}
