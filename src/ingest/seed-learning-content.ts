// Searchable learning content for a fresh install: one row per skill and course of the catalogue,
// vectors for every row that has none (the document's SQL seed rows), the sample corpus, and the
// sample quizzes (src/db/seed-assessments.ts). Idempotent: a second run adds nothing and embeds nothing.

import * as fs from 'node:fs';
import * as path from 'node:path';
import type { DataSource } from 'typeorm';
import type { EmbeddingProvider } from '../ai/embedding-provider';
import { assertEmbedderMatches } from '../db/embedder-guard';
import { insertSeedAssessments, type SeedAssessmentsResult } from '../db/seed-assessments';
import { type CatalogueSyncResult, syncCatalogueContent } from '../db/seed-content';
import { inServiceScope } from '../db/user-scope';
import { type Logger, silentLogger } from '../observability/logger';
import { IngestService, type IngestSummary } from './ingest-service';

export interface SeedContentOptions {
  /** Folder of sample documents to ingest; default `<project root>/content/sample`; null skips it. */
  sampleDir?: string | null;
  logger?: Logger;
  /** Texts per embedding call (default: IngestService's). */
  batchSize?: number;
}

export interface SeedContentResult extends CatalogueSyncResult {
  /** Rows that had no vector and were embedded (new or changed catalogue rows, SQL seed rows). */
  embedded: number;
  /** The sample corpus ingest, or null when skipped (no sample folder). */
  ingest: IngestSummary | null;
  /** Sample quizzes inserted / rewritten because their definition changed. */
  assessments: SeedAssessmentsResult;
}

export async function seedLearningContent(
  ds: DataSource,
  provider: EmbeddingProvider,
  opts: SeedContentOptions = {},
): Promise<SeedContentResult> {
  const logger = opts.logger ?? silentLogger;
  // Refuse before writing anything: new vectors must be comparable with the stored ones.
  await assertEmbedderMatches(ds, provider.id);

  const catalogue = await syncCatalogueContent(ds);
  const assessments = await inServiceScope(ds, (m) => insertSeedAssessments((sql, params) => m.query(sql, params)));
  const service = new IngestService({ ds, provider, logger, batchSize: opts.batchSize, baseDir: projectRoot() });
  const embedded = await service.embedMissing();

  let ingest: IngestSummary | null = null;
  const sampleDir = opts.sampleDir === undefined ? defaultSampleDir() : opts.sampleDir;
  if (sampleDir === null) {
    if (opts.sampleDir === undefined) logger.warn({}, 'no content/sample folder found; sample corpus not ingested');
  } else {
    ingest = await service.ingestPaths([sampleDir]);
  }
  const result = { ...catalogue, embedded, ingest, assessments };
  logger.info(
    {
      ...catalogue,
      embedded,
      ingested: ingest?.chunksAdded ?? 0,
      assessmentsAdded: assessments.added,
      assessmentsUpdated: assessments.updated,
    },
    'learning content seeded',
  );
  return result;
}

/** The folder holding package.json, walking up from this file. */
export function projectRoot(start = __dirname): string {
  let dir = start;
  for (;;) {
    if (fs.existsSync(path.join(dir, 'package.json'))) return dir;
    const up = path.dirname(dir);
    if (up === dir) return process.cwd();
    dir = up;
  }
}

function defaultSampleDir(): string | null {
  const dir = path.join(projectRoot(), 'content', 'sample');
  return fs.existsSync(dir) ? dir : null;
}
