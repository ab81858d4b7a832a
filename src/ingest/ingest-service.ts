// Ingestion: files -> chunks -> embeddings -> learning_content rows, idempotently.
//
// A chunk is identified by its content_hash (sha256 of title + '\n' + content, see chunk-document.ts)
// within its source_path. Ingesting a file again leaves the chunks it still produces alone, embeds and
// inserts the new ones, and deletes the ones it no longer produces. Embedding happens before the
// file's transaction opens (an API call may take seconds; no transaction is held meanwhile), and all
// writes for one file happen in one service-scope transaction, so a failure leaves that file's stored
// rows exactly as they were.
//
// Note: chunk titles carry "(part i/n)", so a change in a file's number of chunks changes every
// chunk's hash and re-embeds the whole file. Files are small; this keeps hash = embedded text.

import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { createHash } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import type { DataSource, EntityManager } from 'typeorm';
import { EMBEDDING_DIMENSIONS, vectorLiteral, type EmbeddingProvider } from '../ai/embedding-provider';
import { assertEmbedderMatches } from '../db/embedder-guard';
import { inServiceScope } from '../db/user-scope';
import { silentLogger, type Logger } from '../observability/logger';
import { chunkDocument } from './chunk-document';
import { IngestError, listDocumentFiles, loadDocument, type LoadedDocument } from './load-document';

export const DEFAULT_EMBED_BATCH_SIZE = 64;

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
}

/** One row to be stored for a chunk. */
interface PlannedRow {
  hash: string;
  title: string;
  content: string;
  contentType: string;
  sourceService: string | null;
  metadata: Record<string, unknown>;
}

interface StoredRow {
  id: string;
  content_hash: string | null;
  embedded: boolean;
  metadata: Record<string, unknown> | null;
  content_type: string;
  source_service: string | null;
}

type Catalogue = { skills: Map<string, string>; courses: Map<string, string> };

const INSERT_ROWS_PER_STATEMENT = 50;
const MAX_SYNC_ATTEMPTS = 3;

export class IngestService {
  private readonly ds: DataSource;
  private readonly provider: EmbeddingProvider;
  private readonly logger: Logger;
  private readonly batchSize: number;
  private readonly baseDir?: string;

  constructor(deps: IngestServiceDeps) {
    this.ds = deps.ds;
    this.provider = deps.provider;
    this.logger = deps.logger ?? silentLogger;
    this.batchSize = Math.max(1, Math.floor(deps.batchSize ?? DEFAULT_EMBED_BATCH_SIZE));
    this.baseDir = deps.baseDir;
  }

  /**
   * Ingests files and folders (folders recursively). A file that cannot be read, parsed, embedded or
   * stored is recorded in `failed` and the others go on. Throws only when nothing can be done at all
   * (EMBEDDER_MISMATCH, database unreachable).
   */
  async ingestPaths(paths: string[], opts: IngestOptions = {}): Promise<IngestSummary> {
    const started = performance.now();
    await assertEmbedderMatches(this.ds, this.provider.id);

    const summary: IngestSummary = { files: 0, failed: [], chunksAdded: 0, chunksUnchanged: 0, chunksDeleted: 0, chunksUpdated: 0, seconds: 0, warnings: [] };
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

    const catalogue = await this.loadCatalogue();
    let analyzedRows = await this.refreshStatistics(false);
    let addedSinceAnalyze = 0;
    for (const [index, file] of files.entries()) {
      const rel = this.sourcePath(file);
      opts.onFileStart?.(rel, index, files.length);
      const result = await this.ingestFile(file, rel, opts, catalogue);
      addedSinceAnalyze += result.added;
      if (addedSinceAnalyze >= Math.max(50, analyzedRows)) {
        analyzedRows = await this.refreshStatistics(true);
        addedSinceAnalyze = 0;
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

    await this.refreshPlannerStatistics(summary.chunksAdded + summary.chunksUpdated + summary.chunksDeleted);
    summary.seconds = (performance.now() - started) / 1000;
    this.logger.info({ ...summary, failed: summary.failed.length, warnings: summary.warnings.length }, 'ingest finished');
    return summary;
  }

  /**
   * After a large import the planner still has the statistics of the smaller table, and the new
   * postings are not yet marked all-visible, until autovacuum runs (a minute or more): meanwhile BM25
   * gets bitmap heap scans instead of index-only scans (58 ms instead of 11 ms a query on SciFact).
   * VACUUM and ANALYZE need ownership: where the connection lacks it, autovacuum does it later.
   */
  private async refreshPlannerStatistics(changedChunks: number): Promise<void> {
    if (changedChunks < 500) return;
    try {
      await this.ds.query(`VACUUM (ANALYZE) learning_content_terms, learning_content_lexemes`);
      await this.ds.query(`ANALYZE learning_content`);
    } catch (err) {
      this.logger.debug({ err }, 'VACUUM/ANALYZE after the import was not allowed; autovacuum will do it');
    }
  }

  /**
   * Re-embeds every learning_content row (title + '\n' + content) with the current provider and sets
   * embedding_model, in batches ordered by id, each batch in its own transaction. Works whatever
   * embedders made the stored vectors (that is its purpose). Returns the number of rows re-embedded.
   */
  async reembedAll(onProgress?: (done: number, total: number) => void): Promise<number> {
    return this.rewriteEmbeddings(false, onProgress);
  }

  /** Embeds the rows that have no vector yet (e.g. rows inserted by SQL seeds). Returns how many. */
  async embedMissing(onProgress?: (done: number, total: number) => void): Promise<number> {
    return this.rewriteEmbeddings(true, onProgress);
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
      let rows: PlannedRow[] = [];
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
        if (chunks.length === 0) result.warnings.push(`${rel} yields no chunks (it has no letters or digits outside markup); its stored chunks, if any, were removed.`);
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
      Object.assign(result, await this.syncFile(rel, rows));
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

  /** Makes the stored rows of `rel` match `rows`: embeds first, then writes in one transaction. */
  private async syncFile(rel: string, rows: PlannedRow[]): Promise<Pick<FileResult, 'added' | 'unchanged' | 'deleted' | 'updated'>> {
    const vectors = new Map<string, number[]>();
    for (let attempt = 1; ; attempt++) {
      const stored = await inServiceScope(this.ds, (m) => this.storedRows(m, rel, false));
      const present = new Set(stored.filter((r) => r.embedded).map((r) => r.content_hash));
      await this.embedInto(rows.filter((r) => !present.has(r.hash) && !vectors.has(r.hash)), vectors);

      const outcome = await inServiceScope(this.ds, async (m) => {
        // Two ingests of the same file queue here instead of inserting the same chunks twice.
        await m.query(`SELECT pg_advisory_xact_lock(hashtextextended($1, 0))`, [`ingest:${rel}`]);
        const current = await this.storedRows(m, rel, true);
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
        await this.insertRows(m, rel, insert, vectors);
        let updated = 0;
        for (const [hash, row] of keep) {
          const want = wanted.get(hash)!;
          if (isDeepStrictEqual(row.metadata, want.metadata) && row.content_type === want.contentType && row.source_service === want.sourceService) continue;
          await m.query(`UPDATE learning_content SET metadata = $2::jsonb, content_type = $3, source_service = $4 WHERE id = $1`,
            [row.id, JSON.stringify(want.metadata), want.contentType, want.sourceService]);
          updated++;
        }
        return { added: insert.length, unchanged: keep.size, deleted: remove.length, updated };
      });
      if (outcome) return outcome;
      if (attempt >= MAX_SYNC_ATTEMPTS) throw new Error(`the stored chunks of ${rel} kept changing during ingestion (another ingest running?); try again`);
    }
  }

  private async storedRows(m: EntityManager, rel: string, lock: boolean): Promise<StoredRow[]> {
    return m.query(
      `SELECT id, content_hash, embedding IS NOT NULL AS embedded, metadata, content_type, source_service
         FROM learning_content WHERE source_path = $1 ORDER BY created_at, id${lock ? ' FOR UPDATE' : ''}`, [rel]);
  }

  private async insertRows(m: EntityManager, rel: string, rows: PlannedRow[], vectors: Map<string, number[]>): Promise<void> {
    for (let i = 0; i < rows.length; i += INSERT_ROWS_PER_STATEMENT) {
      const slice = rows.slice(i, i + INSERT_ROWS_PER_STATEMENT);
      const params: unknown[] = [];
      const tuples = slice.map((r) => {
        const n = params.length;
        params.push(r.title, r.content, r.contentType, vectorLiteral(vectors.get(r.hash)!), JSON.stringify(r.metadata), r.sourceService, this.provider.id, rel, r.hash);
        return `($${n + 1}, $${n + 2}, $${n + 3}, $${n + 4}::vector, $${n + 5}::jsonb, $${n + 6}, $${n + 7}, $${n + 8}, $${n + 9})`;
      });
      await m.query(
        `INSERT INTO learning_content (title, content, content_type, embedding, metadata, source_service, embedding_model, source_path, content_hash)
         VALUES ${tuples.join(', ')}`, params);
    }
  }

  /** Embeds the rows' texts in batches into `vectors` (keyed by hash). */
  private async embedInto(rows: PlannedRow[], vectors: Map<string, number[]>): Promise<void> {
    for (let i = 0; i < rows.length; i += this.batchSize) {
      const slice = rows.slice(i, i + this.batchSize);
      const out = await this.embedTexts(slice.map((r) => embeddingText(r.title, r.content)));
      slice.forEach((r, j) => vectors.set(r.hash, out[j]));
    }
  }

  private async embedTexts(texts: string[]): Promise<number[][]> {
    const out = await this.provider.embeddings.embedDocuments(texts);
    if (!Array.isArray(out) || out.length !== texts.length) {
      throw new Error(`the embedder "${this.provider.id}" returned ${Array.isArray(out) ? out.length : 'no'} vectors for ${texts.length} texts`);
    }
    for (const v of out) {
      if (!Array.isArray(v) || v.length !== EMBEDDING_DIMENSIONS || !v.every(Number.isFinite)) {
        throw new Error(`the embedder "${this.provider.id}" returned a vector of ${Array.isArray(v) ? v.length : 0} dimensions ` +
          `(or with non-numbers); learning_content.embedding needs ${EMBEDDING_DIMENSIONS}: use a model or "dimensions" setting that gives ${EMBEDDING_DIMENSIONS}`);
      }
    }
    return out;
  }

  /**
   * Embeds rows in batches (keyset over id), each batch's update in its own transaction. A row whose
   * title or content changed between reading and writing is skipped (its writer re-embeds it).
   */
  private async rewriteEmbeddings(onlyMissing: boolean, onProgress?: (done: number, total: number) => void): Promise<number> {
    const filter = onlyMissing ? 'embedding IS NULL' : 'TRUE';
    const read = <T>(sql: string, params: unknown[] = []) => inServiceScope(this.ds, (m) => m.query(sql, params) as Promise<T>);
    const [{ n }] = await read<Array<{ n: string | number }>>(`SELECT count(*) AS n FROM learning_content WHERE ${filter}`);
    let total = Number(n);
    let done = 0;
    let seen = 0;
    let last = '';
    onProgress?.(0, total);
    for (;;) {
      const batch = await read<Array<{ id: string; title: string; content: string }>>(
        `SELECT id, title, content FROM learning_content WHERE ${filter} AND id > $1 ORDER BY id LIMIT $2`, [last, this.batchSize]);
      if (batch.length === 0) break;
      last = batch[batch.length - 1].id;
      const vectors = await this.embedTexts(batch.map((r) => embeddingText(r.title, r.content)));
      const params: unknown[] = [this.provider.id];
      const tuples = batch.map((r, i) => {
        const k = params.length;
        params.push(r.id, vectorLiteral(vectors[i]), md5(embeddingText(r.title, r.content)));
        return `($${k + 1}, $${k + 2}::vector, $${k + 3})`;
      });
      const res = await inServiceScope(this.ds, (m) => m.query(
        `UPDATE learning_content AS lc SET embedding = v.embedding, embedding_model = $1
           FROM (VALUES ${tuples.join(', ')}) AS v(id, embedding, text_md5)
          WHERE lc.id = v.id AND md5(lc.title || E'\\n' || lc.content) = v.text_md5${onlyMissing ? ' AND lc.embedding IS NULL' : ''}`, params));
      done += affectedRows(res);
      seen += batch.length;
      total = Math.max(total, seen);
      onProgress?.(seen, total);
    }
    this.logger.info({ embedder: this.provider.id, rows: done, onlyMissing }, onlyMissing ? 'embedded rows without a vector' : 're-embedded all content');
    return done;
  }

  /**
   * Keeps the planner's row estimate for learning_content roughly right while a run grows the table.
   * Each inserted chunk adds a few hundred learning_content_terms rows (BM25 trigger), and each of
   * those runs a foreign-key lookup on learning_content whose plan is cached per session: planned on
   * a never-analysed table it is a sequential scan over wide vector rows, which made ingestion ~15x
   * slower (50 ms instead of 3 ms per chunk). Analysing when the table has doubled keeps it an index
   * lookup; autovacuum would get there only after a minute, and PGlite has no autovacuum.
   * Returns the estimated row count. Needs table ownership; without it this quietly does nothing.
   */
  private async refreshStatistics(force: boolean): Promise<number> {
    const estimate = async () => Number((await this.ds.query(`SELECT reltuples FROM pg_class WHERE oid = 'learning_content'::regclass`))[0]?.reltuples ?? 0);
    try {
      if (!force && (await estimate()) >= 0) return estimate();
      await this.ds.query(`ANALYZE learning_content`);
      return Math.max(0, await estimate());
    } catch (err) {
      this.logger.debug({ err }, 'ingest: could not analyze learning_content');
      return Number.MAX_SAFE_INTEGER; // do not try again in this run
    }
  }

  private async loadCatalogue(): Promise<Catalogue> {
    return inServiceScope(this.ds, async (m) => {
      const skills: Array<{ id: string; name: string }> = await m.query(`SELECT id, name FROM skills ORDER BY created_at, id`);
      const courses: Array<{ id: string; title: string }> = await m.query(`SELECT id, title FROM courses ORDER BY created_at, id`);
      const byKey = <T>(rows: T[], key: (r: T) => string, id: (r: T) => string) => {
        const map = new Map<string, string>();
        for (const r of rows) if (!map.has(nameKey(key(r)))) map.set(nameKey(key(r)), id(r));
        return map;
      };
      return { skills: byKey(skills, (s) => s.name, (s) => s.id), courses: byKey(courses, (c) => c.title, (c) => c.id) };
    });
  }
}

/** The text embedded for a stored chunk (the retriever embeds the bare question). */
export function embeddingText(title: string, content: string): string {
  return `${title}\n${content}`;
}

/** Front matter `skill` (a skill name) and `course` (a course title) to skill_id / course_id, case-insensitively. */
function resolveCatalogueLinks(meta: Record<string, unknown>, catalogue: Catalogue, rel: string): { ids: Record<string, string>; warnings: string[] } {
  const ids: Record<string, string> = {};
  const warnings: string[] = [];
  const link = (field: 'skill' | 'course', idField: string, table: Map<string, string>, what: string) => {
    const value = meta[field];
    if (value === undefined || value === null || value === '') return;
    if (typeof value !== 'string') {
      warnings.push(`${rel}: front matter "${field}" should be one ${what} as text; it was stored as given, without ${idField}.`);
      return;
    }
    const id = table.get(nameKey(value));
    if (id) ids[idField] = id;
    else warnings.push(`${rel}: no ${what} named "${value}" in the database; the name was kept but the content is not linked (${idField} not set).`);
  };
  link('skill', 'skill_id', catalogue.skills, 'skill');
  link('course', 'course_id', catalogue.courses, 'course');
  return { ids, warnings };
}

function nameKey(name: string): string {
  return name.normalize('NFKC').trim().replace(/\s+/g, ' ').toLowerCase();
}

/** Drops undefined values the way jsonb would, so comparisons with stored metadata are exact. */
function jsonClone<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

function md5(text: string): string {
  return createHash('md5').update(text, 'utf8').digest('hex');
}

/** TypeORM returns [rows, affected] for UPDATE/DELETE on PostgreSQL. */
function affectedRows(res: unknown): number {
  if (Array.isArray(res) && res.length === 2 && typeof res[1] === 'number') return res[1];
  return Array.isArray(res) ? res.length : 0;
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
