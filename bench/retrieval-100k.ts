/**
 * Retrieval at 100k chunks on real PostgreSQL + pgvector.
 *
 *   npx ts-node --transpile-only bench/retrieval-100k.ts [--rows=100000] [--queries=200] [--writers=2]
 *       [--batch=200] [--index=after|first] [--extra=2000] [--ef=40,64,100,200,400] [--keep]
 *
 * BENCH_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/postgres) names the server; the
 * benchmark works in a scratch database la_bench_<pid> that it creates, migrates and drops.
 *
 * --index=after (default, ~6-8 min): the migration's HNSW index is dropped before the bulk load and
 *   created afterwards with the same definition (maintenance_work_mem raised for the session only).
 *   After the queries, --extra rows go in with the index present, which is the steady-state ingestion
 *   rate of a live 100k-chunk database.
 * --index=first (~15 min): all rows go in with the migration's index present; at the end the index is
 *   dropped and rebuilt once to time a bulk build on the same table.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import 'reflect-metadata';
import type { EntityManager } from 'typeorm';
import type { EmbeddingProvider } from '../src/ai/embedding-provider';
import { DEFAULT_TUNING, HybridRetriever } from '../src/ai/hybrid-retriever';
import { AppDataSource } from '../src/db/data-source';
import { inUserScope } from '../src/db/user-scope';
import { LegacyTextRetriever } from './legacy-retriever';
import {
  arg,
  createScratchDatabase,
  DEFAULT_BENCH_URL,
  exactNearest,
  f,
  flag,
  HNSW_DDL,
  type LatencyStats,
  latencyStats,
  mean,
  now,
  replaceGenerated,
  table,
} from './lib';
import { candidateWords, type Query, SyntheticCorpus, toArray, vectorText } from './synthetic';

const ROWS = Number(arg('rows', '100000'));
const QUERIES = Number(arg('queries', '200'));
const WRITERS = Number(arg('writers', '2'));
const BATCH = Number(arg('batch', '200'));
const INDEX_MODE = arg('index', 'after') as 'first' | 'after';
const EXTRA = Number(arg('extra', INDEX_MODE === 'after' ? '2000' : '0'));
const EF_LIST = arg('ef', '40,64,100,200,400').split(',').map(Number);
const TEXT_QUERIES = Number(arg('text-queries', '20'));
const ROUNDS = Number(arg('rounds', '2'));
/** Index build parameters for --index=after, e.g. --hnsw=m=32,ef_construction=128 (default: the migration's, m=16, ef_construction=64). */
const HNSW_WITH = arg('hnsw', '');
const K = 10;
const BASE_URL = process.env.BENCH_DATABASE_URL ?? DEFAULT_BENCH_URL;

const hnswDdl = (params: string) =>
  params
    ? `${HNSW_DDL} WITH (${params
        .replace(/[^a-z_=0-9,]/g, '')
        .split(',')
        .join(', ')})`
    : HNSW_DDL;
const RESULTS_DIR = path.join(__dirname, '.cache', 'results');

/** Queries carry their own vectors; nothing may call the embedder. */
const NO_EMBEDDER: EmbeddingProvider = {
  id: 'bench',
  embeddings: {
    embedQuery: async () => {
      throw new Error('bench passes queryVector');
    },
  } as unknown as EmbeddingProvider['embeddings'],
};

/** The last commit that touched the retriever, plus "+changes" when the working copy differs from it. */
function retrieverVersion(): string {
  const git = (args: string[]) => execFileSync('git', args, { cwd: path.join(__dirname, '..'), encoding: 'utf8' }).trim();
  try {
    const file = 'src/ai/hybrid-retriever.ts';
    return `${git(['log', '-1', '--format=%h', '--', file])}${git(['status', '--porcelain', '--', file]) ? '+changes' : ''}`;
  } catch {
    return 'unknown';
  }
}

const log = (msg: string) => console.log(`[${new Date().toISOString().slice(11, 19)}] ${msg}`);

interface Measure {
  label: string;
  ef: number | string;
  n: number;
  lat: LatencyStats;
  txn: LatencyStats;
  queries?: number;
  recall?: number;
  minRecall?: number;
  /** queries with recall@10 < 0.5 (the search ended in the wrong region of the graph) */
  misses?: number;
}

async function main(): Promise<void> {
  const t0 = now();
  const scratch = await createScratchDatabase(BASE_URL);
  log(`scratch database ${scratch.name}`);
  const ds = new AppDataSource({ databaseUrl: scratch.url, pgliteDataDir: 'memory://', poolSize: WRITERS + 2 });
  const result: Record<string, unknown> = {
    rows: ROWS,
    queries: QUERIES,
    textQueries: TEXT_QUERIES,
    rounds: ROUNDS,
    writers: WRITERS,
    batch: BATCH,
    indexMode: INDEX_MODE,
    hnsw: HNSW_WITH || 'm=16,ef_construction=64 (migration)',
    command: process.argv.slice(2).join(' '),
    retriever: retrieverVersion(),
  };
  try {
    await ds.initialize();
    await ds.runMigrations({ transaction: 'each' });
    const [{ server_version: pgVersion }] = await ds.query(`SHOW server_version`);
    const [{ extversion }] = await ds.query(`SELECT extversion FROM pg_extension WHERE extname = 'vector'`);
    const settings = Object.fromEntries(
      (
        (await ds.query(
          `SELECT name, setting, unit FROM pg_settings WHERE name IN ('shared_buffers','work_mem','maintenance_work_mem','max_parallel_workers_per_gather','max_parallel_maintenance_workers','effective_cache_size','synchronous_commit')`,
        )) as Array<{ name: string; setting: string; unit: string | null }>
      ).map((r) => [r.name, `${r.setting}${r.unit ? ` ${r.unit}` : ''}`]),
    );
    Object.assign(result, {
      pgVersion,
      pgvector: extversion,
      settings,
      cpus: os.cpus().length,
      memGB: Math.round(os.totalmem() / 2 ** 30),
    });
    log(`PostgreSQL ${pgVersion}, pgvector ${extversion}, ${os.cpus().length} cores; ${JSON.stringify(settings)}`);

    // Vocabulary: pseudo-words that PostgreSQL's English configuration keeps as distinct lexemes.
    const cands = candidateWords(3000, 11);
    const lex: Array<{ w: string; l: string }> = await ds.query(
      `SELECT w, (SELECT string_agg(lexeme, ' ') FROM unnest(to_tsvector('english', w))) AS l FROM unnest($1::text[]) w`,
      [cands],
    );
    const seen = new Set<string>();
    const vocab = lex
      .filter((r) => r.l && !r.l.includes(' ') && !seen.has(r.l) && seen.add(r.l))
      .map((r) => r.w)
      .slice(0, 2000);
    const corpus = new SyntheticCorpus(vocab);
    log(`vocabulary ${vocab.length} words; ${corpus.opt.clusters} clusters in ${corpus.opt.topics} topics`);

    // ---------------------------------------------------------------- load
    if (INDEX_MODE === 'after') await ds.query(`DROP INDEX idx_learning_content_embedding`);
    const load = await loadRows(ds, corpus, 0, ROWS);
    Object.assign(result, { load });
    log(
      `loaded ${ROWS} rows in ${f(load.seconds, 1)} s = ${Math.round(load.rowsPerSec)} rows/s (${INDEX_MODE === 'first' ? 'HNSW index present' : 'no HNSW index'})`,
    );

    const buildIndex = async (label: string, params = '') => {
      const q = ds.createQueryRunner();
      try {
        await q.query(`SET maintenance_work_mem = '3GB'`);
        const t = now();
        await q.query(hnswDdl(params));
        const s = (now() - t) / 1000;
        log(
          `${label}: CREATE INDEX hnsw took ${f(s, 1)} s (maintenance_work_mem 3GB, ${settings.max_parallel_maintenance_workers} parallel workers)`,
        );
        return s;
      } finally {
        await q.release();
      }
    };
    if (INDEX_MODE === 'after') {
      const s = await buildIndex(`bulk build${HNSW_WITH ? ` WITH (${HNSW_WITH})` : ''}`, HNSW_WITH);
      Object.assign(result, { indexBuildSeconds: s, loadPlusBuildRowsPerSec: ROWS / (load.seconds + s) });
    }
    const tv = now();
    await ds.query(`VACUUM ANALYZE learning_content`);
    await ds.query(`VACUUM ANALYZE learning_content_terms`);
    await ds.query(`VACUUM ANALYZE learning_content_stats`);
    log(`VACUUM ANALYZE ${f((now() - tv) / 1000, 1)} s`);
    const sizes = (await ds.query(`SELECT c.relname AS name, pg_relation_size(c.oid) AS bytes FROM pg_class c
      WHERE c.relname IN ('learning_content','idx_learning_content_embedding','learning_content_terms','learning_content_terms_pkey',
        'idx_learning_content_search','idx_learning_content_terms_content','learning_content_stats') ORDER BY 2 DESC`)) as Array<{
      name: string;
      bytes: string;
    }>;
    result.sizesMB = Object.fromEntries(sizes.map((s) => [s.name, Math.round(Number(s.bytes) / 2 ** 20)]));
    log(`sizes (MB): ${JSON.stringify(result.sizesMB)}`);

    // ---------------------------------------------------------------- queries
    if (QUERIES > 0) await runQueries(ds, corpus, result);

    if (EXTRA > 0) {
      log(`inserting ${EXTRA} more rows with the HNSW index present`);
      const extra = await loadRows(ds, corpus, ROWS, ROWS + EXTRA);
      result.extraLoad = { rows: EXTRA, ...extra };
      log(`  ${Math.round(extra.rowsPerSec)} rows/s into the ${ROWS}-row table with its HNSW index`);
    }
    if (INDEX_MODE === 'first') {
      await ds.query(`DROP INDEX idx_learning_content_embedding`);
      result.indexRebuildSeconds = await buildIndex('rebuild on the loaded table');
    }
    result.totalSeconds = (now() - t0) / 1000;
    printAndSave(result);
  } finally {
    await ds.destroy().catch(() => undefined);
    if (flag('keep')) log(`kept ${scratch.url}`);
    else await scratch.drop();
  }
}

async function runQueries(ds: AppDataSource, corpus: SyntheticCorpus, result: Record<string, any>): Promise<void> {
  const queries = Array.from({ length: QUERIES }, (_, i) => corpus.query(i));
  const textQueries = queries.slice(0, TEXT_QUERIES);
  const warm = Array.from({ length: 50 }, (_, i) => corpus.query(i, 99));
  const types = ['reference'];
  const [{ share }] = await ds.query(`SELECT avg((content_type = 'reference')::int)::float8 AS share FROM learning_content`);
  result.referenceShare = share;

  const tg = now();
  const exact = await exactTopK(ds, queries, null);
  const exactFiltered = await exactTopK(ds, queries, types);
  log(
    `exact top-${K} for ${QUERIES} queries: unfiltered ${f(exact.ms / QUERIES, 0)} ms/query, filtered ${f(exactFiltered.ms / QUERIES, 0)} ms/query (total ${f((now() - tg) / 1000, 1)} s)`,
  );
  result.exactMsPerQuery = { unfiltered: exact.ms / QUERIES, filtered: exactFiltered.ms / QUERIES };
  result.similarity = {
    top1: mean(exact.sims.map((s) => s[0])),
    top10: mean(exact.sims.map((s) => s[K - 1])),
  };

  const defaultRetriever = new HybridRetriever(NO_EMBEDDER);
  await runVector(ds, defaultRetriever, warm, null, K); // warm-up (OS page cache, shared buffers, plans)
  await runVector(ds, defaultRetriever, warm, types, K);

  // Vector configurations, measured in interleaved rounds so that background load spreads evenly.
  const cfgs = [
    ...EF_LIST.map((ef) => ({ label: 'vectorSearch, unfiltered', ef, n: K, types: null as string[] | null, truth: exact.ids })),
    ...EF_LIST.map((ef) => ({ label: "vectorSearch, content_type = 'reference'", ef, n: K, types, truth: exactFiltered.ids })),
    // What search() asks for: n = max(candidates, k) = 50 rows, ef_search = max(efSearch, n).
    {
      label: 'vectorSearch n=50 (as search() calls it), unfiltered',
      ef: DEFAULT_TUNING.efSearch,
      n: DEFAULT_TUNING.candidates,
      types: null,
      truth: exact.ids,
    },
    {
      label: "vectorSearch n=50 (as search() calls it), 'reference'",
      ef: DEFAULT_TUNING.efSearch,
      n: DEFAULT_TUNING.candidates,
      types,
      truth: exactFiltered.ids,
    },
  ];
  const acc = cfgs.map(() => ({ lat: [] as number[], txn: [] as number[], ids: [] as string[][] }));
  for (let round = 0; round < ROUNDS; round++) {
    for (const [i, c] of cfgs.entries()) {
      const run = await runVector(ds, new HybridRetriever(NO_EMBEDDER, { efSearch: c.ef }), queries, c.types, c.n);
      acc[i].lat.push(...run.lat);
      acc[i].txn.push(...run.txn);
      if (round === 0) acc[i].ids = run.ids;
    }
  }
  const measures: Measure[] = cfgs.map((c, i) => score(c.label, c.ef, c.n, acc[i], c.truth));

  for (const filter of [null, types]) {
    const run = await runSearch(ds, defaultRetriever, queries, 'vector', filter);
    measures.push({
      label: `search() k=${K} mode=vector${filter ? ", 'reference'" : ''}`,
      ef: DEFAULT_TUNING.efSearch,
      n: K,
      lat: latencyStats(run.lat),
      txn: latencyStats(run.txn),
      recall: recallAt(run.ids, (filter ? exactFiltered : exact).ids),
      queries: queries.length,
    });
  }
  {
    const run = await runSearch(ds, defaultRetriever, queries, 'vector', null, true);
    measures.push({
      label: `search() k=${K} mode=vector, as app_user (inUserScope, RLS)`,
      ef: DEFAULT_TUNING.efSearch,
      n: K,
      lat: latencyStats(run.lat),
      txn: latencyStats(run.txn),
      recall: recallAt(run.ids, exact.ids),
      queries: queries.length,
    });
  }
  const shipped: Record<string, string[][]> = {};
  for (const [mode, filter, asUser] of [
    ['text', null, false],
    ['text', types, false],
    ['hybrid', null, false],
    ['hybrid', types, false],
    ['hybrid', null, true],
  ] as const) {
    const run = await runSearch(ds, defaultRetriever, queries, mode, filter, asUser);
    if (!asUser) shipped[`${mode}${filter ? '-f' : ''}`] = run.ids;
    measures.push({
      label: `search() k=${K} mode=${mode}${filter ? ", 'reference'" : ''}${asUser ? ', as app_user (RLS)' : ''}`,
      ef: DEFAULT_TUNING.efSearch,
      n: K,
      lat: latencyStats(run.lat),
      txn: latencyStats(run.txn),
      queries: queries.length,
    });
  }
  const [{ postings }] = await ds.query(
    `SELECT avg(c)::float8 AS postings FROM (SELECT (SELECT count(*) FROM learning_content_terms t
       WHERE t.lexeme IN (SELECT lexeme FROM unnest(to_tsvector('english', q)))) AS c FROM unnest($1::text[]) q) s`,
    [queries.map((q) => q.text)],
  );
  result.postingsPerQuery = Math.round(postings);
  result.explain = await explainSamples(ds, queries[0]);

  // ---------------------------------------------------------------- before commit fc78af1 (the earlier BM25 SQL)
  // ~1-2 s a query at 100k, so only the first TEXT_QUERIES queries; same rankings checked.
  const legacy = new LegacyTextRetriever(NO_EMBEDDER);
  const before: Measure[] = [];
  let identical = 0;
  for (const [mode, filter] of [
    ['text', null],
    ['hybrid', null],
    ['hybrid', types],
  ] as const) {
    const run = await runSearch(ds, legacy, textQueries, mode, filter);
    const ref = shipped[`${mode}${filter ? '-f' : ''}`];
    identical += run.ids.filter((ids, i) => JSON.stringify(ids) === JSON.stringify(ref[i])).length;
    before.push({
      label: `BM25 SQL before fc78af1: search() mode=${mode}${filter ? ", 'reference'" : ''}`,
      ef: DEFAULT_TUNING.efSearch,
      n: K,
      lat: latencyStats(run.lat),
      txn: latencyStats(run.txn),
      queries: textQueries.length,
    });
  }
  result.before = before;
  result.beforeIdentical = `${identical}/${3 * textQueries.length}`;
  log(`the earlier BM25 SQL returns the same ranking as the shipped one on ${result.beforeIdentical} searches`);

  // ---------------------------------------------------------------- proposals (bench-only, nothing shipped changes)
  const proposals: Measure[] = [];
  // 1. Covering indexes: postings (lexeme, content_id) INCLUDE (tf, doc_len) (index-only probes) and
  //    learning_content (id) INCLUDE (content_type) (the content_type filter without heap visits).
  const tc = now();
  await ds.query(`CREATE UNIQUE INDEX bench_terms_cover ON learning_content_terms (lexeme, content_id) INCLUDE (tf, doc_len)`);
  await ds.query(`CREATE INDEX bench_content_id_type ON learning_content (id) INCLUDE (content_type)`);
  await ds.query(`VACUUM ANALYZE learning_content_terms`);
  await ds.query(`VACUUM ANALYZE learning_content`);
  result.coveringIndexSeconds = (now() - tc) / 1000;
  for (const [mode, filter] of [
    ['text', null],
    ['text', types],
    ['hybrid', null],
    ['hybrid', types],
  ] as const) {
    const run = await runSearch(ds, defaultRetriever, queries, mode, filter);
    proposals.push({
      label: `covering indexes: search() mode=${mode}${filter ? ", 'reference'" : ''}`,
      ef: DEFAULT_TUNING.efSearch,
      n: K,
      lat: latencyStats(run.lat),
      txn: latencyStats(run.txn),
      queries: queries.length,
    });
  }
  // 2. Row-level security as the bot runs it (inUserScope): the per-row role check of the learning_content SELECT
  //    policy makes the planner expect ~1 % of the rows to be visible, so it sorts a sequential scan instead of
  //    using the HNSW index. The same policy without a per-row qual (USING (true)) gives the index plan back.
  await ds.query(`ALTER POLICY "Authenticated users can read learning content" ON learning_content USING (true)`);
  for (const [mode, filter] of [
    ['vector', null],
    ['vector', types],
    ['hybrid', null],
  ] as const) {
    const run = await runSearch(ds, defaultRetriever, queries, mode, filter, true);
    proposals.push({
      label: `SELECT policy USING (true)${mode === 'hybrid' ? ' + covering indexes' : ''}: search() mode=${mode}${filter ? ", 'reference'" : ''}, as app_user (RLS)`,
      ef: DEFAULT_TUNING.efSearch,
      n: K,
      lat: latencyStats(run.lat),
      txn: latencyStats(run.txn),
      recall: mode === 'vector' ? recallAt(run.ids, (filter ? exactFiltered : exact).ids) : undefined,
      queries: queries.length,
    });
  }
  await ds.query(`ALTER POLICY "Authenticated users can read learning content" ON learning_content USING (auth.role() = 'authenticated')`);
  await ds.query(`DROP INDEX bench_terms_cover`);
  await ds.query(`DROP INDEX bench_content_id_type`);
  result.proposals = proposals;
  result.measures = measures;
}

// -------------------------------------------------------------------- load

async function loadRows(ds: AppDataSource, corpus: SyntheticCorpus, first: number, end: number) {
  const total = end - first;
  const batches = Math.ceil(total / BATCH);
  let next = 0;
  let done = 0;
  const t = now();
  let lastT = t;
  let lastDone = 0;
  const segments: Array<{ upTo: number; rowsPerSec: number }> = [];
  const cols = 9;
  const writer = async () => {
    const q = ds.createQueryRunner();
    await q.connect();
    try {
      for (;;) {
        const b = next++;
        if (b >= batches) return;
        const from = first + b * BATCH;
        const to = Math.min(end, from + BATCH);
        const params: unknown[] = [];
        const values: string[] = [];
        for (let row = from; row < to; row++) {
          const c = corpus.chunk(row);
          const p = params.length;
          values.push(`(${Array.from({ length: cols }, (_, i) => `$${p + i + 1}`).join(',')})`);
          params.push(
            c.title,
            c.content,
            c.contentType,
            vectorText(c.vector),
            'bench',
            'bench',
            `bench/${c.cluster}/${row}.md`,
            `h${row}`,
            JSON.stringify({ cluster: c.cluster, row }),
          );
        }
        await q.query(
          `INSERT INTO learning_content (title, content, content_type, embedding, embedding_model, source_service, source_path, content_hash, metadata)
          VALUES ${values.join(',')}`,
          params,
        );
        done += to - from;
        if (Math.floor(done / 10000) !== Math.floor((done - (to - from)) / 10000) || done === total) {
          const tt = now();
          const rate = ((done - lastDone) / (tt - lastT)) * 1000;
          segments.push({ upTo: done, rowsPerSec: Math.round(rate) });
          log(`  ${done} rows, ${Math.round(rate)} rows/s in the last segment`);
          lastT = tt;
          lastDone = done;
        }
      }
    } finally {
      await q.release();
    }
  };
  await Promise.all(Array.from({ length: WRITERS }, writer));
  const seconds = (now() - t) / 1000;
  return { seconds, rowsPerSec: total / seconds, segments };
}

// -------------------------------------------------------------------- queries

interface Run {
  lat: number[];
  txn: number[];
  ids: string[][];
  sims: number[][];
}

async function runVector(ds: AppDataSource, r: HybridRetriever, queries: Query[], types: string[] | null, n: number): Promise<Run> {
  const lat: number[] = [];
  const txn: number[] = [];
  const ids: string[][] = [];
  const sims: number[][] = [];
  for (const q of queries) {
    const v = toArray(q.vector);
    const t = now();
    const rows = await ds.transaction(async (m) => {
      const t1 = now();
      const rows = await r.vectorSearch(m, v, n, types);
      lat.push(now() - t1);
      return rows;
    });
    txn.push(now() - t);
    ids.push(rows.map((x) => x.id));
    sims.push(rows.map((x) => Number(x.similarity)));
  }
  return { lat, txn, ids, sims };
}

/** Exact answers: the retriever's own query with index scans disabled (sequential or bitmap scan + sort). */
async function exactTopK(
  ds: AppDataSource,
  queries: Query[],
  types: string[] | null,
): Promise<{ ids: string[][]; sims: number[][]; ms: number }> {
  const ids: string[][] = [];
  const sims: number[][] = [];
  const t = now();
  for (const q of queries) {
    const rows = await ds.transaction(async (m) => {
      await m.query(`SET LOCAL enable_indexscan = off`);
      return exactNearest(m, Array.from(toArray(q.vector)), K, types);
    });
    ids.push(rows.map((x) => x.id));
    sims.push(rows.map((x) => Number(x.similarity)));
  }
  return { ids, sims, ms: now() - t };
}

function recallAt(got: string[][], truth: string[][]): number {
  return mean(
    got.map((g, i) => {
      const top = new Set(g.slice(0, K));
      return truth[i].filter((id) => top.has(id)).length / truth[i].length;
    }),
  );
}

function score(label: string, ef: number, n: number, run: { lat: number[]; txn: number[]; ids: string[][] }, truth: string[][]): Measure {
  const per = run.ids.map((g, i) => {
    const top = new Set(g.slice(0, K));
    return truth[i].filter((id) => top.has(id)).length / truth[i].length;
  });
  const m: Measure = {
    label,
    ef: Math.max(ef, n),
    n,
    lat: latencyStats(run.lat),
    txn: latencyStats(run.txn),
    queries: run.ids.length,
    recall: mean(per),
    minRecall: Math.min(...per),
    misses: per.filter((x) => x < 0.5).length,
  };
  log(
    `${label} ef_search=${m.ef}: p50 ${f(m.lat.p50)} ms, p95 ${f(m.lat.p95)} ms, recall@${K} ${f(m.recall!, 4)} (${m.misses} queries < 0.5)`,
  );
  return m;
}

/** search() in a transaction; `asUser`: the bot's path, inUserScope (SET LOCAL ROLE app_user, row-level security). */
async function runSearch(
  ds: AppDataSource,
  r: HybridRetriever,
  queries: Query[],
  mode: 'vector' | 'text' | 'hybrid',
  types: string[] | null,
  asUser = false,
) {
  const lat: number[] = [];
  const txn: number[] = [];
  const ids: string[][] = [];
  const scope = <T>(work: (m: EntityManager) => Promise<T>) => (asUser ? inUserScope(ds, 'bench-user', work) : ds.transaction(work));
  for (const q of queries) {
    const t = now();
    const rows = await scope(async (m) => {
      const t1 = now();
      const rows = await r.search(m, q.text, { k: K, mode, queryVector: toArray(q.vector), contentTypes: types as never });
      lat.push(now() - t1);
      return rows;
    });
    txn.push(now() - t);
    ids.push(rows.map((x) => x.id));
  }
  log(
    `${r instanceof LegacyTextRetriever ? 'earlier BM25 SQL: ' : ''}search() mode=${mode}${types ? ' filtered' : ''}${asUser ? ' as app_user' : ''} x${queries.length}: p50 ${f(latencyStats(lat).p50)} ms, p95 ${f(latencyStats(lat).p95)} ms`,
  );
  return { lat, txn, ids };
}

async function explainSamples(ds: AppDataSource, q: Query): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const v = vectorText(q.vector);
  const explain = async (label: string, sql: string, params: unknown[], setup: string[] = []) => {
    out[label] = await ds.transaction(async (m) => {
      for (const s of setup) await m.query(s);
      await m.query(
        `SELECT set_config('hnsw.iterative_scan', 'relaxed_order', true), set_config('hnsw.max_scan_tuples', '20000', true), set_config('hnsw.ef_search', '100', true)`,
      );
      const rows: Array<{ 'QUERY PLAN': string }> = await m.query(`EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) ${sql}`, params);
      return rows.map((r) => r['QUERY PLAN'].replace(/'\[[^\]]*\]'::vector/g, "'[query]'::vector")).join('\n');
    });
  };
  const vsql = `SELECT id, title, content, content_type, metadata, similarity FROM match_documents($1::vector, -1, $2, $3::text[]) ORDER BY similarity DESC`;
  await explain('vector unfiltered', vsql, [v, K, null]);
  await explain("vector 'reference'", vsql, [v, K, ['reference']]);
  await explain('exact unfiltered', vsql, [v, K, null], ['SET LOCAL enable_indexscan = off']);
  return out;
}

// -------------------------------------------------------------------- report

/** Results are kept per variant; --tag=x keeps a trial run apart (--tag=scratch: not saved, README untouched). */
const TAG = arg('tag', '');
const VARIANT = `${INDEX_MODE}${HNSW_WITH ? `-${HNSW_WITH.replace(/[^a-z0-9]+/gi, '_')}` : ''}${TAG ? `-${TAG}` : ''}`;

const measureHead = ['call', 'ef_search', 'queries', 'p50 ms', 'p95 ms', 'p50 incl. BEGIN/COMMIT', 'recall@10', 'queries < 0.5'];
const measureRow = (m: Measure) => [
  m.label,
  m.ef,
  m.queries ?? '-',
  f(m.lat.p50),
  f(m.lat.p95),
  f(m.txn.p50),
  m.recall === undefined ? '-' : f(m.recall, 4),
  m.misses === undefined ? '-' : m.misses,
];

function printAndSave(result: Record<string, any>): void {
  const measures: Measure[] = result.measures ?? [];
  fs.mkdirSync(RESULTS_DIR, { recursive: true });
  if (TAG !== 'scratch') fs.writeFileSync(path.join(RESULTS_DIR, `retrieval-100k-${VARIANT}.json`), JSON.stringify(result, null, 2));
  console.log(`\n${table(measureHead, [...measures, ...(result.before ?? []), ...(result.proposals ?? [])].map(measureRow))}\n`);
  for (const [k, v] of Object.entries((result.explain ?? {}) as Record<string, string>)) console.log(`EXPLAIN ${k}:\n${v}\n`);
  console.log(JSON.stringify({ ...result, measures: undefined, proposals: undefined, explain: undefined }, null, 2));
  if (TAG !== 'scratch') writeReadme();
}

/** Rebuilds the generated part of the README section from the saved results of every variant run so far. */
function writeReadme(): void {
  const readme = path.join(__dirname, 'README.md');
  const runs = fs
    .readdirSync(RESULTS_DIR)
    .filter((n) => /^retrieval-100k-.*\.json$/.test(n))
    .sort()
    .map((n) => ({
      variant: n.slice('retrieval-100k-'.length, -5),
      r: JSON.parse(fs.readFileSync(path.join(RESULTS_DIR, n), 'utf8')) as Record<string, any>,
    }));
  const main = (runs.find((x) => x.variant === 'after') ?? runs.find((x) => x.r.measures) ?? runs[0]).r;
  const md: string[] = [];
  md.push(
    `Machine: ${main.cpus} cores, ${main.memGB} GB RAM, shared with other engineers' jobs (latencies are noisy); PostgreSQL ${main.pgVersion}, ` +
      `pgvector ${main.pgvector}; server settings untouched (shared_buffers ${main.settings.shared_buffers} = 128 MB, work_mem ${main.settings.work_mem}, ` +
      `max_parallel_workers_per_gather ${main.settings.max_parallel_workers_per_gather}).`,
  );
  md.push('');
  md.push('```sh');
  for (const { r } of runs) md.push(`npx ts-node --transpile-only bench/retrieval-100k.ts ${r.command}`.trim());
  md.push('```');
  md.push('');
  md.push(
    `Data: ${main.rows.toLocaleString('en')} chunks in a scratch database la_bench_<pid> with the project's migrations (HNSW vector_cosine_ops, ` +
      `m=16, ef_construction=64; embedding stored PLAIN). Vectors: 1,000 cluster centres in 50 topics plus a shared direction, chunks = centre + gaussian ` +
      `noise of norm 0.6-1.0, unit-normalised (exact top-1 cosine ${f(main.similarity.top1, 3)}, 10th ${f(main.similarity.top10, 3)}). Text: pseudo-words ` +
      `from a 2,000-word vocabulary (Zipf background + cluster/topic words), titles 3-6 words, content 40-120 words (~${Math.round(main.postingsPerQuery)} ` +
      `postings per query); content_type uniform over the 6 types ('reference' = ${f(100 * main.referenceShare, 1)} %). ${main.queries} queries = a random ` +
      `centre + the same noise; query text 3-6 words of that cluster. Recall@10 is against the exact answer of the same call with ` +
      `\`SET LOCAL enable_indexscan = off\` (${f(main.exactMsPerQuery.unfiltered, 0)} ms a query unfiltered, ${f(main.exactMsPerQuery.filtered, 0)} ms filtered). ` +
      `Latency is the retriever call inside \`ds.transaction\` after a 50-query warm-up; vector calls over ${main.rounds} interleaved rounds.`,
  );
  md.push('');
  md.push('### Ingestion');
  md.push('');
  const loadRows: Array<Array<string | number>> = [];
  for (const { variant, r } of runs) {
    const idx = r.hnsw;
    if (r.indexMode === 'first') {
      loadRows.push([
        variant,
        `multi-row INSERT (${r.batch} rows/statement, ${r.writers} writers), HNSW index (${idx}) present`,
        Math.round(r.load.rowsPerSec),
        f(r.load.seconds, 0),
      ]);
      loadRows.push([
        variant,
        'drop + CREATE INDEX on the loaded table (maintenance_work_mem 3GB, 2 parallel workers)',
        '-',
        f(r.indexRebuildSeconds, 0),
      ]);
    } else {
      loadRows.push([
        variant,
        `multi-row INSERT (${r.batch} rows/statement, ${r.writers} writers), no HNSW index`,
        Math.round(r.load.rowsPerSec),
        f(r.load.seconds, 0),
      ]);
      loadRows.push([variant, `then CREATE INDEX ${idx} (maintenance_work_mem 3GB, 2 parallel workers)`, '-', f(r.indexBuildSeconds, 0)]);
      loadRows.push([variant, 'load + build', Math.round(r.loadPlusBuildRowsPerSec), f(r.load.seconds + r.indexBuildSeconds, 0)]);
    }
    if (r.extraLoad)
      loadRows.push([
        variant,
        `${r.extraLoad.rows.toLocaleString('en')} more rows with the index present (steady state at ${(r.rows / 1000).toFixed(0)}k rows)`,
        Math.round(r.extraLoad.rowsPerSec),
        f(r.extraLoad.seconds, 0),
      ]);
  }
  md.push(table(['run', 'load', 'rows/s', 'seconds'], loadRows));
  for (const { variant, r } of runs) {
    md.push('');
    md.push(
      `${variant}: rate per 10k rows ${r.load.segments.map((s: any) => s.rowsPerSec).join(', ')} rows/s; sizes (MB) ` +
        `${Object.entries(r.sizesMB)
          .map(([k, v]) => `${k} ${v}`)
          .join(', ')}; total run ${f(r.totalSeconds / 60, 1)} min.`,
    );
  }
  for (const { variant, r } of runs.filter((x) => x.r.measures)) {
    md.push('');
    md.push(
      `### Queries (${variant}: HNSW ${r.hnsw}${r.indexMode === 'first' ? ', built while loading' : ', built after the load'}; retriever ${r.retriever ?? 'unknown'})`,
    );
    md.push('');
    md.push(table(measureHead, (r.measures as Measure[]).map(measureRow)));
    if (r.before) {
      md.push('');
      md.push(
        `The BM25 SQL before commit fc78af1 (bench/legacy-retriever.ts), same database, first ${r.textQueries} queries; ` +
          `same rankings as the shipped SQL on ${r.beforeIdentical} searches:`,
      );
      md.push('');
      md.push(table(measureHead, (r.before as Measure[]).map(measureRow)));
    }
    if (r.proposals) {
      md.push('');
      md.push(
        `Proposals, measured in the same database and then undone (creating the two covering indexes took ${f(r.coveringIndexSeconds, 0)} s):`,
      );
      md.push('');
      md.push(table(measureHead, (r.proposals as Measure[]).map(measureRow)));
    }
  }
  const before = fs.existsSync(readme) ? fs.readFileSync(readme, 'utf8') : '# Benchmarks\n';
  fs.writeFileSync(readme, replaceGenerated(before, 'Retrieval at 100k chunks', 'retrieval-100k', md.join('\n')));
  log(`wrote ${path.relative(process.cwd(), readme)}`);
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
