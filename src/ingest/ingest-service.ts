// Ingestion: files -> chunks -> embeddings -> learning_content rows, idempotently.
//
// A chunk is identified by its content_hash (sha256 of title + '\n' + content, see chunk-document.ts)
// within its source_path. Ingesting a file again leaves the chunks it still produces alone, embeds and
// inserts the new ones, and deletes the ones it no longer produces (file-chunks-store.ts: embedding
// before the file's one transaction, so a failure leaves its stored rows as they were).
//
// Note: chunk titles carry "(part i/n)", so a change in a file's number of chunks changes every
// chunk's hash and re-embeds the whole file. Files are small; this keeps hash = embedded text.

import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import type { DataSource } from 'typeorm';
import type { EmbeddingProvider } from '../ai/embedding-provider';
import { assertEmbedderMatches } from '../db/embedder-guard';
import { type Logger, silentLogger } from '../observability/logger';
import { type Catalogue, loadCatalogue, resolveCatalogueLinks } from './catalogue-links';
import { chunkDocument } from './chunk-document';
import { ContentEmbedder, DEFAULT_EMBED_BATCH_SIZE } from './content-embedder';
import { FileChunksStore, type PlannedRow } from './file-chunks-store';
import { IngestError, type LoadedDocument, listDocumentFiles, loadDocument } from './load-document';
import { refreshPlannerStatistics, refreshStatistics } from './planner-statistics';

export { DEFAULT_EMBED_BATCH_SIZE, embeddingText } from './content-embedder';

/**
 * Files in flight at once. With two, one file's embedding overlaps the other's insert, and the two
 * inserts run on two connections: PostgreSQL's HNSW inserts, most of a batch's time at 100k chunks,
 * then use both cores (bench/README.md, "Ingestion at 100k chunks, side by side").
 */
export const DEFAULT_INGEST_CONCURRENCY = 2;

/** What happened to one file. */
export interface FileResult {
  /** The file as stored in source_path: relative to the base directory (default: the working directory), forward slashes. */
  file: string;
  ok: boolean;
  /** Why the file failed (ok = false); its stored rows were left untouched. */
  error?: string;
  /** Document title (when the file could be read). */
  title?: string;
  /** Chunks the file produces now. */
  chunks: number;
  added: number;
  unchanged: number;
  deleted: number;
  /** Unchanged chunks whose metadata, content_type or source_service was updated in place (no re-embedding). */
  updated: number;
  warnings: string[];
  seconds: number;
}

export interface IngestSummary {
  /** Files attempted (including failed ones). */
  files: number;
  failed: Array<{ file: string; error: string }>;
  chunksAdded: number;
  chunksUnchanged: number;
  chunksDeleted: number;
  /** Unchanged chunks whose metadata was refreshed (e.g. front matter edited, a skill created since). */
  chunksUpdated: number;
  seconds: number;
  warnings: string[];
}

export interface IngestOptions {
  /** Content type for files that do not set one (default: the loader's default, 'reference'). */
  contentType?: string;
  /** Source service for files that do not set one. */
  sourceService?: string;
  onFileStart?(file: string, index: number, total: number): void;
  onFileDone?(result: FileResult): void;
}

export interface IngestServiceDeps {
  ds: DataSource;
  provider: EmbeddingProvider;
  logger?: Logger;
  /** Texts per embedDocuments call (default 64). */
  batchSize?: number;
  /** source_path is stored relative to this folder (default: process.cwd() at the time of the call). */
  baseDir?: string;
  /** Files ingested at the same time (default DEFAULT_INGEST_CONCURRENCY); 1 ingests them one after another. */
  concurrency?: number;
}

export class IngestService {
  private readonly ds: DataSource;
  private readonly provider: EmbeddingProvider;
  private readonly logger: Logger;
  private readonly baseDir?: string;
  private readonly embedder: ContentEmbedder;
  private readonly store: FileChunksStore;
  private readonly concurrency: number;

  constructor(deps: IngestServiceDeps) {
    this.concurrency = Math.max(1, Math.floor(deps.concurrency ?? DEFAULT_INGEST_CONCURRENCY));
    this.ds = deps.ds;
    this.provider = deps.provider;
    this.logger = deps.logger ?? silentLogger;
    this.baseDir = deps.baseDir;
    const batchSize = Math.max(1, Math.floor(deps.batchSize ?? DEFAULT_EMBED_BATCH_SIZE));
    this.embedder = new ContentEmbedder({ ds: deps.ds, provider: deps.provider, logger: this.logger, batchSize });
    this.store = new FileChunksStore({ ds: deps.ds, embedder: this.embedder });
  }

  /**
   * Ingests files and folders (folders recursively). A file that cannot be read, parsed, embedded or
   * stored is recorded in `failed` and the others go on. Throws only when nothing can be done at all
   * (EMBEDDER_MISMATCH, database unreachable).
   */
  async ingestPaths(paths: string[], opts: IngestOptions = {}): Promise<IngestSummary> {
    const started = performance.now();
    await assertEmbedderMatches(this.ds, this.provider.id);

    const summary: IngestSummary = {
      files: 0,
      failed: [],
      chunksAdded: 0,
      chunksUnchanged: 0,
      chunksDeleted: 0,
      chunksUpdated: 0,
      seconds: 0,
      warnings: [],
    };
    // Listed per argument, so one missing path or unsupported file does not stop the others.
    const files: string[] = [];
    const seen = new Set<string>();
    for (const p of paths) {
      try {
        for (const f of await listDocumentFiles([p])) {
          const key = path.resolve(f);
          if (!seen.has(key)) {
            seen.add(key);
            files.push(f);
          }
        }
      } catch (err) {
        summary.files++;
        summary.failed.push({ file: this.sourcePath(p), error: errorMessage(err) });
        this.logger.warn({ file: p, err }, 'ingest: path skipped');
      }
    }

    const catalogue = await loadCatalogue(this.ds);
    let analyzedRows = await refreshStatistics(this.ds, this.logger, false);
    let addedSinceAnalyze = 0;
    let analyzing: Promise<void> | undefined;
    let next = 0;
    // Each worker takes the next file; a file is never in two workers (the list has no duplicates).
    const worker = async () => {
      for (let index = next++; index < files.length; index = next++) {
        const file = files[index];
        const rel = this.sourcePath(file);
        opts.onFileStart?.(rel, index, files.length);
        const result = await this.ingestFile(file, rel, opts, catalogue);
        addedSinceAnalyze += result.added;
        if (addedSinceAnalyze >= Math.max(50, analyzedRows) && !analyzing) {
          addedSinceAnalyze = 0;
          analyzing = refreshStatistics(this.ds, this.logger, true).then((rows) => {
            analyzedRows = rows;
            analyzing = undefined;
          });
          await analyzing;
        }
        summary.files++;
        summary.chunksAdded += result.added;
        summary.chunksUnchanged += result.unchanged;
        summary.chunksDeleted += result.deleted;
        summary.chunksUpdated += result.updated;
        summary.warnings.push(...result.warnings);
        if (!result.ok) summary.failed.push({ file: result.file, error: result.error ?? 'unknown error' });
        opts.onFileDone?.(result);
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.concurrency, Math.max(1, files.length)) }, worker));

    await refreshPlannerStatistics(this.ds, this.logger, summary.chunksAdded + summary.chunksUpdated + summary.chunksDeleted);
    summary.seconds = (performance.now() - started) / 1000;
    this.logger.info({ ...summary, failed: summary.failed.length, warnings: summary.warnings.length }, 'ingest finished');
    return summary;
  }

  /**
   * Re-embeds every learning_content row (title + '\n' + content) with the current provider and sets
   * embedding_model, in batches ordered by id, each batch in its own transaction. Works whatever
   * embedders made the stored vectors (that is its purpose). Returns the number of rows re-embedded.
   */
  async reembedAll(onProgress?: (done: number, total: number) => void): Promise<number> {
    return this.embedder.rewriteEmbeddings(false, onProgress);
  }

  /** Embeds the rows that have no vector yet (e.g. rows inserted by SQL seeds). Returns how many. */
  async embedMissing(onProgress?: (done: number, total: number) => void): Promise<number> {
    return this.embedder.rewriteEmbeddings(true, onProgress);
  }

  /** The source_path stored for a file: relative to the base directory, with forward slashes. */
  sourcePath(file: string): string {
    const base = this.baseDir ?? process.cwd();
    return path.relative(base, path.resolve(file)).split(path.sep).join('/');
  }

  // -------------------------------------------------------------------------------------------

  private async ingestFile(file: string, rel: string, opts: IngestOptions, catalogue: Catalogue): Promise<FileResult> {
    const t0 = performance.now();
    const result: FileResult = { file: rel, ok: true, chunks: 0, added: 0, unchanged: 0, deleted: 0, updated: 0, warnings: [], seconds: 0 };
    try {
      const rows: PlannedRow[] = [];
      let doc: LoadedDocument | undefined;
      try {
        doc = await loadDocument(file, { contentType: opts.contentType, sourceService: opts.sourceService });
      } catch (err) {
        // An emptied file yields no chunks: its stored rows go, and the user is told.
        if (!(err instanceof IngestError && err.code === 'EMPTY_DOCUMENT')) throw err;
        result.warnings.push(err.message);
      }
      if (doc) {
        result.title = doc.title;
        const chunks = await chunkDocument(doc);
        if (chunks.length === 0)
          result.warnings.push(
            `${rel} yields no chunks (it has no letters or digits outside markup); its stored chunks, if any, were removed.`,
          );
        const links = resolveCatalogueLinks(doc.metadata, catalogue, rel);
        result.warnings.push(...links.warnings);
        const hashes = new Set<string>();
        for (const c of chunks) {
          if (hashes.has(c.hash)) continue; // identical chunk twice in one file: store it once
          hashes.add(c.hash);
          rows.push({
            hash: c.hash,
            title: c.title,
            content: c.content,
            contentType: doc.contentType,
            sourceService: doc.sourceService,
            metadata: jsonClone({ ...c.metadata, ...links.ids, source_path: rel }),
          });
        }
      }
      result.chunks = rows.length;
      Object.assign(result, await this.store.syncFile(rel, rows));
      this.logger.debug({ ...result }, 'ingest: file done');
    } catch (err) {
      result.ok = false;
      result.error = errorMessage(err);
      result.added = result.unchanged = result.deleted = result.updated = 0;
      this.logger.warn({ file: rel, err }, 'ingest: file failed');
    }
    result.seconds = (performance.now() - t0) / 1000;
    return result;
  }
}

/** Drops undefined values the way jsonb would, so comparisons with stored metadata are exact. */
function jsonClone<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

function errorMessage(err: unknown): string {
  if (err instanceof Error) {
    const pg = err as { code?: string; detail?: string };
    if (!(err instanceof IngestError) && pg.code && /^[0-9A-Z]{5}$/.test(pg.code)) {
      return `the database refused the write: ${err.message}${pg.detail ? ` (${pg.detail})` : ''}`;
    }
    return err.message;
  }
  return String(err);
}
