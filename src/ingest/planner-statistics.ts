// Planner statistics while an import grows learning_content (and its BM25 tables).

import type { DataSource } from 'typeorm';
import type { Logger } from '../observability/logger';

/**
 * Keeps the planner's row estimate for learning_content roughly right while a run grows the table.
 * Each inserted chunk adds a few hundred learning_content_terms rows (BM25 trigger), and each of
 * those runs a foreign-key lookup on learning_content whose plan is cached per session: planned on
 * a never-analysed table it is a sequential scan over wide vector rows, which made ingestion ~15x
 * slower (50 ms instead of 3 ms per chunk). Analysing when the table has doubled keeps it an index
 * lookup; autovacuum would get there only after a minute, and PGlite has no autovacuum.
 * Returns the estimated row count. Needs table ownership; without it this quietly does nothing.
 */
export async function refreshStatistics(ds: DataSource, logger: Logger, force: boolean): Promise<number> {
  const estimate = async () =>
    Number((await ds.query(`SELECT reltuples FROM pg_class WHERE oid = 'learning_content'::regclass`))[0]?.reltuples ?? 0);
  try {
    if (!force && (await estimate()) >= 0) return estimate();
    await ds.query(`ANALYZE learning_content`);
    return Math.max(0, await estimate());
  } catch (err) {
    logger.debug({ err }, 'ingest: could not analyze learning_content');
    return Number.MAX_SAFE_INTEGER; // do not try again in this run
  }
}

/**
 * After a large import the planner still has the statistics of the smaller table, and the new
 * postings are not yet marked all-visible, until autovacuum runs (a minute or more): meanwhile BM25
 * gets bitmap heap scans instead of index-only scans (58 ms instead of 11 ms a query on SciFact).
 * VACUUM and ANALYZE need ownership: where the connection lacks it, autovacuum does it later.
 */
export async function refreshPlannerStatistics(ds: DataSource, logger: Logger, changedChunks: number): Promise<void> {
  if (changedChunks < 500) return;
  try {
    await ds.query(`VACUUM (ANALYZE) learning_content_terms, learning_content_lexemes`);
    await ds.query(`ANALYZE learning_content`);
  } catch (err) {
    logger.debug({ err }, 'VACUUM/ANALYZE after the import was not allowed; autovacuum will do it');
  }
}
