import type { DataSource, EntityManager } from 'typeorm';

/**
 * How much learning content there is, for the web console's status: everything searchable, and what was
 * ingested beyond what a fresh install loads by itself (the catalogue rows `catalog:*`, the sample corpus
 * `content/sample/*` and the SQL seed rows, which have no source_path).
 */
export interface ContentCounts {
  /** learning_content rows (chunks) */
  chunks: number;
  /** chunks with a vector (what the retriever can find by meaning) */
  embedded: number;
  /** source documents: distinct source_path, each row without one counting alone */
  documents: number;
  /** chunks and documents ingested beyond the catalogue, the sample corpus and the seed rows */
  ownChunks: number;
  ownDocuments: number;
}

/** Where a fresh install's sample corpus is stored (ingested relative to the project root). */
export const SAMPLE_SOURCE_PREFIX = 'content/sample/';

/** One scan of learning_content (owner or service scope: row-level security would hide rows from app_user). */
export async function contentCounts(m: EntityManager | DataSource): Promise<ContentCounts> {
  // Grouped by document first: a hash aggregate, where count(DISTINCT ...) would sort every path (slow under a
  // linguistic collation as the table grows).
  const [row]: Array<Record<keyof ContentCounts, number | string | null>> = await m.query(
    `SELECT coalesce(sum(n), 0) AS chunks,
            coalesce(sum(e), 0) AS embedded,
            count(*) FILTER (WHERE source_path IS NOT NULL) + coalesce(sum(n) FILTER (WHERE source_path IS NULL), 0) AS documents,
            coalesce(sum(n) FILTER (WHERE own), 0) AS "ownChunks",
            count(*) FILTER (WHERE own) AS "ownDocuments"
       FROM (SELECT source_path, count(*) AS n, count(*) FILTER (WHERE embedding IS NOT NULL) AS e,
                    source_path NOT LIKE 'catalog:%' AND left(source_path, $1) <> $2 AS own
               FROM learning_content
              GROUP BY source_path) AS docs`,
    [SAMPLE_SOURCE_PREFIX.length, SAMPLE_SOURCE_PREFIX],
  );
  return {
    chunks: Number(row.chunks),
    embedded: Number(row.embedded),
    documents: Number(row.documents),
    ownChunks: Number(row.ownChunks),
    ownDocuments: Number(row.ownDocuments),
  };
}
