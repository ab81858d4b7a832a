/**
 * BEIR SciFact through the bot's own ingestion and retrieval path.
 *
 *   npx ts-node --transpile-only bench/eval-scifact.ts [--no-tune] [--limit=N]
 *
 * 1. Writes every corpus document to a temp folder as Markdown with front matter (title,
 *    content_type: reference, source_service: scifact, doc_id) and ingests the folder with
 *    IngestService and the offline embedder (LocalEmbeddings).
 * 2. Runs each query through HybridRetriever.search(manager, text, { k: 100, mode }) for mode
 *    vector / text / hybrid, inside a transaction; chunks map back to documents via metadata.doc_id
 *    and a document is scored by its best chunk. nDCG@10 (trec_eval gain = qrels relevance,
 *    log2 discount) and recall@100 over the documents of the 100 chunks returned.
 * 3. Tuning on the train qrels only: k1, b, textWeight/vectorWeight, rrfK, candidates. The two result
 *    lists are fetched once per query with the retriever's own vectorSearch/textSearch (one text list
 *    per (k1, b)) and fused in-process exactly like search() does (checked against search() on the
 *    default and chosen settings). The test split is then run through search() for the default and
 *    the chosen setting only.
 *
 * Database: embedded PGlite in memory (default), or DATABASE_URL, where it works in a scratch
 * database la_bench_<pid> that it creates and drops. Only 127.0.0.1.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import 'reflect-metadata';
import { type EmbeddingProvider, vectorLiteral } from '../src/ai/embedding-provider';
import {
  DEFAULT_TUNING,
  HybridRetriever,
  OFFLINE_TUNING,
  type RetrievedPassage,
  type RetrieverTuning,
  type SearchMode,
  tuningFor,
} from '../src/ai/hybrid-retriever';
import { LocalEmbeddings } from '../src/ai/local-embeddings';
import { AppDataSource } from '../src/db/data-source';
import { IngestService } from '../src/ingest/ingest-service';
import { LegacyTextRetriever } from './legacy-retriever';
import {
  arg,
  createScratchDatabase,
  exactNearest,
  f,
  flag,
  latencyStats,
  mean,
  now,
  replaceGenerated,
  type ScratchDatabase,
  table,
} from './lib';

/**
 * BEIR SciFact (corpus.jsonl, queries-all.jsonl, qrels-train.tsv, qrels-test.tsv) is public data the
 * repository does not ship: --data=DIR or SCIFACT_DIR, default bench/.cache/scifact.
 */
const DATA_DIR = path.resolve(arg('data', process.env.SCIFACT_DIR ?? path.join(__dirname, '.cache', 'scifact')));
const K = 100;
const LIMIT = Number(arg('limit', '0'));
const MODES: SearchMode[] = ['vector', 'text', 'hybrid'];
const RESULTS_DIR = path.join(__dirname, '.cache', 'results');
/** --cache: keep the ingested embedded database in bench/.cache (saves the ~4 min ingestion on later runs). */
const CACHE = flag('cache');
const CACHE_DIR = path.join(__dirname, '.cache', 'scifact-pglite');
const CACHE_KEY_FILE = `${CACHE_DIR}.key`;

/** What the cached database depends on: the corpus, the migrations, the ingestion and embedding code. */
function cacheKey(embedderId: string): string {
  const h = createHash('sha256');
  h.update(fs.readFileSync(path.join(DATA_DIR, 'corpus.jsonl')));
  h.update(embedderId);
  const root = path.resolve(__dirname, '..');
  for (const dir of ['migrations', 'src/ingest']) {
    for (const f of fs.readdirSync(path.join(root, dir)).sort()) if (f.endsWith('.ts')) h.update(fs.readFileSync(path.join(root, dir, f)));
  }
  for (const f of ['src/ai/local-embeddings.ts', 'src/ai/embedding-provider.ts', 'src/db/seed-rows.ts'])
    h.update(fs.readFileSync(path.join(root, f)));
  return h.digest('hex');
}

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

interface Doc {
  _id: string;
  title: string;
  text: string;
}
interface Q {
  id: string;
  text: string;
}
type Qrels = Map<string, Map<string, number>>;

function readJsonl<T>(file: string): T[] {
  return fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as T);
}

function readQrels(file: string): Qrels {
  const q: Qrels = new Map();
  for (const line of fs.readFileSync(file, 'utf8').split('\n').slice(1)) {
    const [qid, did, rel] = line.trim().split('\t');
    if (!qid || !did) continue;
    if (!q.has(qid)) q.set(qid, new Map());
    q.get(qid)!.set(did, Number(rel));
  }
  return q;
}

// ------------------------------------------------------------------ metrics

/** trec_eval / pytrec_eval ndcg_cut_10: gain = relevance grade, discount log2(rank + 1). */
export function ndcgAt(ranked: string[], rels: Map<string, number>, k: number): number {
  let dcg = 0;
  ranked.slice(0, k).forEach((d, i) => {
    dcg += (rels.get(d) ?? 0) / Math.log2(i + 2);
  });
  const ideal = [...rels.values()]
    .filter((r) => r > 0)
    .sort((a, b) => b - a)
    .slice(0, k);
  const idcg = ideal.reduce((s, r, i) => s + r / Math.log2(i + 2), 0);
  return idcg > 0 ? dcg / idcg : 0;
}

export function recallAt(ranked: string[], rels: Map<string, number>, k: number): number {
  const relevant = [...rels].filter(([, r]) => r > 0).map(([d]) => d);
  if (!relevant.length) return 0;
  const top = new Set(ranked.slice(0, k));
  return relevant.filter((d) => top.has(d)).length / relevant.length;
}

/** Chunks -> documents: a document takes the rank of its best chunk (the first one in the list). */
function docRanking(passages: Array<{ metadata: Record<string, unknown> }>): string[] {
  const out: string[] = [];
  const seen = new Set<string>();
  for (const p of passages) {
    const id = p.metadata?.doc_id;
    if (id === undefined || id === null) continue;
    const s = String(id);
    if (!seen.has(s)) {
      seen.add(s);
      out.push(s);
    }
  }
  return out;
}

interface Score {
  ndcg10: number;
  recall100: number;
  docsReturned: number;
  n: number;
}

function scoreRuns(runs: Map<string, string[]>, qrels: Qrels): Score {
  const nd: number[] = [];
  const rc: number[] = [];
  const dr: number[] = [];
  for (const [qid, ranked] of runs) {
    const rels = qrels.get(qid)!;
    nd.push(ndcgAt(ranked, rels, 10));
    rc.push(recallAt(ranked, rels, 100));
    dr.push(ranked.length);
  }
  return { ndcg10: mean(nd), recall100: mean(rc), docsReturned: mean(dr), n: nd.length };
}

// ------------------------------------------------------------------ BM25 replica

interface Posting {
  lexeme: string;
  content_id: string;
  tf: number;
  doc_len: number;
}

/**
 * textSearch's BM25 in-process, same formula and operation order as the SQL, over the postings of
 * the query's lexemes; top n by score, ties by id (C collation = JS string order for these ids).
 */
function bm25(post: Posting[], n: number, avgdl: number, k1: number, b: number, limit: number): string[] {
  const df = new Map<string, number>();
  for (const p of post) df.set(p.lexeme, (df.get(p.lexeme) ?? 0) + 1);
  const score = new Map<string, number>();
  for (const p of post) {
    const d = df.get(p.lexeme)!;
    const tf = Number(p.tf);
    const v = (Math.log(1 + (n - d + 0.5) / (d + 0.5)) * tf * (k1 + 1)) / (tf + k1 * (1 - b + (b * Number(p.doc_len)) / avgdl));
    score.set(p.content_id, (score.get(p.content_id) ?? 0) + v);
  }
  return [...score]
    .sort((x, y) => y[1] - x[1] || (x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : 0))
    .slice(0, limit)
    .map(([id]) => id);
}

// ------------------------------------------------------------------ fusion replica

interface ListRow {
  id: string;
  metadata: Record<string, unknown> | null;
}

/** search()'s fusion, step for step: lists cut to n = max(candidates, k), RRF, stable sort, top k. */
function fuse(
  byVector: ListRow[],
  byText: ListRow[],
  t: Pick<RetrieverTuning, 'candidates' | 'rrfK' | 'vectorWeight' | 'textWeight'>,
  k: number,
  mode: SearchMode,
) {
  const n = Math.max(t.candidates, k);
  const fused = new Map<string, { id: string; metadata: Record<string, unknown>; score: number }>();
  const add = (rows: ListRow[], weight: number) => {
    rows.slice(0, n).forEach((row, i) => {
      const p = fused.get(row.id) ?? { id: row.id, metadata: row.metadata ?? {}, score: 0 };
      p.score += weight / (t.rrfK + i + 1);
      fused.set(row.id, p);
    });
  };
  if (mode !== 'text') add(byVector, t.vectorWeight);
  if (mode !== 'vector') add(byText, t.textWeight);
  return [...fused.values()].sort((a, b) => b.score - a.score).slice(0, k);
}

// ------------------------------------------------------------------ main

async function main(): Promise<void> {
  const t0 = now();
  if (!fs.existsSync(path.join(DATA_DIR, 'corpus.jsonl'))) {
    throw new Error(
      `BEIR SciFact not found in ${DATA_DIR}: put corpus.jsonl, queries-all.jsonl, qrels-train.tsv and qrels-test.tsv there, or pass --data=DIR`,
    );
  }
  const docs = readJsonl<Doc>(path.join(DATA_DIR, 'corpus.jsonl'));
  const allQueries = new Map(readJsonl<Q & { _id: string }>(path.join(DATA_DIR, 'queries-all.jsonl')).map((q) => [String(q._id), q.text]));
  const qrelsTest = readQrels(path.join(DATA_DIR, 'qrels-test.tsv'));
  const qrelsTrain = readQrels(path.join(DATA_DIR, 'qrels-train.tsv'));
  const pick = (qrels: Qrels): Q[] => {
    const qs = [...qrels.keys()].filter((id) => allQueries.has(id)).map((id) => ({ id, text: allQueries.get(id)! }));
    return LIMIT > 0 ? qs.slice(0, LIMIT) : qs;
  };
  const testQ = pick(qrelsTest);
  const trainQ = pick(qrelsTrain);
  log(
    `corpus ${docs.length} docs; test ${testQ.length} queries (${qrelsTest.size} in qrels), train ${trainQ.length} queries (${qrelsTrain.size} in qrels)`,
  );

  const databaseUrl = process.env.DATABASE_URL;
  let scratch: ScratchDatabase | undefined;
  if (databaseUrl) scratch = await createScratchDatabase(databaseUrl, 'scifact');
  const local = new LocalEmbeddings({ onWarning: (m) => log(`embedder: ${m}`) });
  const provider: EmbeddingProvider = { id: local.embedderId, embeddings: local };
  let cached = false;
  if (CACHE && !databaseUrl) {
    const key = cacheKey(provider.id);
    cached = fs.existsSync(CACHE_KEY_FILE) && fs.readFileSync(CACHE_KEY_FILE, 'utf8') === key && fs.existsSync(CACHE_DIR);
    if (!cached) {
      fs.rmSync(CACHE_DIR, { recursive: true, force: true });
      fs.rmSync(CACHE_KEY_FILE, { force: true });
    }
    log(
      cached
        ? `using the cached ingested database ${path.relative(process.cwd(), CACHE_DIR)}`
        : `no usable cache; ingesting into ${path.relative(process.cwd(), CACHE_DIR)}`,
    );
  }
  const ds = new AppDataSource({ databaseUrl: scratch?.url, pgliteDataDir: CACHE && !databaseUrl ? CACHE_DIR : 'memory://', poolSize: 4 });
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'la-scifact-'));
  const result: Record<string, any> = {
    retriever: retrieverVersion(),
    backend: databaseUrl
      ? 'postgres (scratch database)'
      : CACHE
        ? 'embedded (PGlite, file cache in bench/.cache)'
        : 'embedded (PGlite, in memory)',
    command: process.argv.slice(2).join(' '),
    queries: { test: testQ.length, train: trainQ.length },
  };
  try {
    await ds.initialize();
    await ds.runMigrations({ transaction: 'each' });
    const [{ server_version }] = await ds.query(`SHOW server_version`);
    const [{ extversion }] = await ds.query(`SELECT extversion FROM pg_extension WHERE extname = 'vector'`);
    Object.assign(result, { pgVersion: server_version, pgvector: extversion });

    // ---------------------------------------------------------------- ingest
    result.embedder = provider.id;
    if (!cached) await ingestCorpus();
    else result.ingest = JSON.parse(fs.readFileSync(`${CACHE_DIR}.ingest.json`, 'utf8'));
    async function ingestCorpus() {
      const corpusDir = path.join(tmp, 'corpus');
      fs.mkdirSync(corpusDir);
      for (const d of docs) {
        // JSON strings are valid YAML double-quoted scalars.
        const front = [
          '---',
          `title: ${JSON.stringify(d.title)}`,
          'content_type: reference',
          'source_service: scifact',
          `doc_id: ${JSON.stringify(String(d._id))}`,
          '---',
          '',
        ];
        fs.writeFileSync(path.join(corpusDir, `${d._id}.md`), `${front.join('\n') + d.text}\n`);
      }
      const ingest = new IngestService({ ds, provider, baseDir: tmp });
      const ti = now();
      let lastLog = ti;
      const summary = await ingest.ingestPaths([corpusDir], {
        onFileDone: () => undefined,
        onFileStart: (_file, index, total) => {
          if (now() - lastLog > 30000) {
            lastLog = now();
            log(`  ingesting ${index}/${total} files (${f((now() - ti) / 1000, 0)} s)`);
          }
        },
      });
      const ingestSeconds = (now() - ti) / 1000;
      const [{ chunks, docsIn, noDocId }] =
        await ds.query(`SELECT count(*)::int AS chunks, count(DISTINCT metadata->>'doc_id')::int AS "docsIn",
      count(*) FILTER (WHERE metadata->>'doc_id' IS NULL)::int AS "noDocId" FROM learning_content`);
      const [stats] = await ds.query(`SELECT doc_count::int AS doc_count, total_len::float8 AS total_len FROM learning_content_stats`);
      result.ingest = {
        files: summary.files,
        failed: summary.failed.length,
        chunksAdded: summary.chunksAdded,
        seconds: ingestSeconds,
        chunks,
        docsIn,
        noDocId,
        stats,
      };
      log(
        `ingested ${summary.files} files (${summary.failed.length} failed) -> ${summary.chunksAdded} chunks in ${f(ingestSeconds, 0)} s ` +
          `(${f(summary.chunksAdded / ingestSeconds, 0)} chunks/s); ${docsIn} docs with doc_id; ${noDocId} rows without (seed rows); BM25 stats ${JSON.stringify(stats)}`,
      );
      if (summary.failed.length) log(`  failures: ${JSON.stringify(summary.failed.slice(0, 5))}`);
      if (CACHE && !databaseUrl) {
        fs.writeFileSync(`${CACHE_DIR}.ingest.json`, JSON.stringify(result.ingest));
        fs.writeFileSync(CACHE_KEY_FILE, cacheKey(provider.id));
      }
    }

    // ---------------------------------------------------------------- test split through search()
    const runSearch = async (queries: Q[], tuning: Partial<RetrieverTuning>, mode: SearchMode, vectors: Map<string, number[]>) => {
      const r = new HybridRetriever(provider, tuning);
      const runs = new Map<string, string[]>();
      const raw = new Map<string, string[]>();
      const lat: number[] = [];
      for (const q of queries) {
        const t = now();
        const passages: RetrievedPassage[] = await ds.transaction((m) =>
          r.search(m, q.text, { k: K, mode, queryVector: mode === 'text' ? undefined : vectors.get(q.id) }),
        );
        lat.push(now() - t);
        runs.set(q.id, docRanking(passages));
        raw.set(
          q.id,
          passages.map((p) => p.id),
        );
      }
      return { runs, raw, lat: latencyStats(lat) };
    };
    const embedAll = async (queries: Q[]) => {
      const r = new HybridRetriever(provider);
      const out = new Map<string, number[]>();
      for (const q of queries) out.set(q.id, await r.embedQuery(q.text));
      return out;
    };
    const testVec = await embedAll(testQ);
    const trainVec = await embedAll(trainQ);

    const evaluate = async (
      queries: Q[],
      qrels: Qrels,
      vectors: Map<string, number[]>,
      tuning: Partial<RetrieverTuning>,
      label: string,
      modes = MODES,
    ) => {
      const rows: Record<string, any> = {};
      for (const mode of modes) {
        const run = await runSearch(queries, tuning, mode, vectors);
        const sc = scoreRuns(run.runs, qrels);
        rows[mode] = { ...sc, p50ms: run.lat.p50, p95ms: run.lat.p95, raw: run.raw, via: 'search()' };
        log(
          `test ${label} ${mode}: nDCG@10 ${f(sc.ndcg10, 4)}  recall@100 ${f(sc.recall100, 4)}  (${f(sc.docsReturned, 1)} docs per 100 chunks; p50 ${f(run.lat.p50, 1)} ms)`,
        );
      }
      return rows;
    };
    result.test = { default: await evaluate(testQ, qrelsTest, testVec, {}, 'default') };

    // ---------------------------------------------------------------- the two lists, fetched once per query
    // search() = fuse(vectorSearch(n), textSearch(n)) with n = max(candidates, k). The vector list does not
    // depend on anything tuned here; the BM25 list is recomputed in-process from the query's postings for
    // each (k1, b) (the shipped SQL takes ~0.5 s a query on PGlite). Both replicas are checked against
    // the shipped code below before any number from them is used.
    const docIdOf = new Map<string, Record<string, unknown>>(
      (
        (await ds.query(`SELECT id, metadata->>'doc_id' AS doc_id FROM learning_content`)) as Array<{ id: string; doc_id: string | null }>
      ).map((r) => [r.id, r.doc_id === null ? {} : { doc_id: r.doc_id }]),
    );
    const [st] = await ds.query(
      `SELECT greatest(doc_count, 1)::float8 AS n, total_len::float8 / greatest(doc_count, 1) AS avgdl FROM learning_content_stats`,
    );
    const base = new HybridRetriever(provider);
    const fetchLists = async (queries: Q[], vectors: Map<string, number[]>) => {
      const vec = new Map<string, ListRow[]>();
      const post = new Map<string, Posting[]>();
      for (const q of queries) {
        vec.set(q.id, await ds.transaction((m) => base.vectorSearch(m, vectors.get(q.id)!, K, null)));
        post.set(
          q.id,
          await ds.query(
            `SELECT t.lexeme, t.content_id, t.tf, t.doc_len FROM learning_content_terms t
            WHERE t.lexeme IN (SELECT lexeme FROM unnest(to_tsvector('english', $1)))`,
            [q.text],
          ),
        );
      }
      return { vec, post };
    };
    const tl = now();
    const trainLists = await fetchLists(trainQ, trainVec);
    const testLists = await fetchLists(testQ, testVec);
    log(`lists for ${trainQ.length + testQ.length} queries in ${f((now() - tl) / 1000, 0)} s`);
    const textList = (post: Posting[], k1: number, b: number): ListRow[] =>
      bm25(post, st.n, st.avgdl, k1, b, K).map((id) => ({ id, metadata: docIdOf.get(id) ?? {} }));

    // Check 1: the whole replica (BM25 + fusion) against search() on the test runs above (default tuning).
    const agree: Record<string, string> = {};
    for (const mode of MODES) {
      let same = 0;
      for (const q of testQ) {
        const ids = fuse(
          testLists.vec.get(q.id)!,
          textList(testLists.post.get(q.id)!, DEFAULT_TUNING.k1, DEFAULT_TUNING.b),
          DEFAULT_TUNING,
          K,
          mode,
        ).map((p) => p.id);
        if (JSON.stringify(ids) === JSON.stringify(result.test.default[mode].raw.get(q.id))) same++;
      }
      agree[mode] = `${same}/${testQ.length}`;
    }
    // Check 2: the in-process BM25 against the shipped textSearch for every (k1, b) of the grid, on train queries.
    const checkN = Math.min(trainQ.length, 25);
    for (const [k1, b] of [
      [0.9, 0.4],
      [0.9, 0.75],
      [1.2, 0.4],
      [1.2, 0.75],
    ]) {
      const r = new HybridRetriever(provider, { k1, b });
      let same = 0;
      for (const q of trainQ.slice(0, checkN)) {
        const shipped = await ds.transaction((m) => r.textSearch(m, q.text, K, null));
        if (JSON.stringify(shipped.map((x) => x.id)) === JSON.stringify(textList(trainLists.post.get(q.id)!, k1, b).map((x) => x.id)))
          same++;
      }
      agree[`textSearch k1=${k1} b=${b}`] = `${same}/${checkN}`;
    }
    result.replicaAgreement = agree;
    log(`replica identical to the shipped code: ${JSON.stringify(agree)}`);

    // HNSW recall on real (not synthetic) embeddings: vectorSearch (n=10) against the exact nearest 10 by cosine.
    {
      const sample = testQ.slice(0, Math.min(testQ.length, 100));
      const exactIds: string[][] = [];
      for (const q of sample) {
        exactIds.push(
          (
            await ds.transaction(async (m) => {
              await m.query(`SET LOCAL enable_indexscan = off`);
              return exactNearest(m, testVec.get(q.id)!, 10, null);
            })
          ).map((x) => x.id),
        );
      }
      result.annRecall = [];
      for (const ef of [40, 100, 200, 400]) {
        const r = new HybridRetriever(provider, { efSearch: ef });
        const rec: number[] = [];
        const lat: number[] = [];
        for (const [i, q] of sample.entries()) {
          const t = now();
          const got = new Set((await ds.transaction((m) => r.vectorSearch(m, testVec.get(q.id)!, 10, null))).map((x) => x.id));
          lat.push(now() - t);
          rec.push(exactIds[i].filter((id) => got.has(id)).length / exactIds[i].length);
        }
        result.annRecall.push({
          ef,
          queries: sample.length,
          recall10: mean(rec),
          misses: rec.filter((x) => x < 0.5).length,
          p50ms: latencyStats(lat).p50,
        });
        log(
          `HNSW ef_search ${ef}: recall@10 ${f(mean(rec), 4)} vs exact on ${sample.length} test queries (p50 ${f(latencyStats(lat).p50, 1)} ms)`,
        );
      }
    }

    // The offline app's vector list (n = 100) against the exact nearest 100, for re-ranking pools of 2-4 × n
    // (match_documents re-ranks greatest(4 × n, ef_search) sign-bit candidates): train queries, no labels.
    {
      const sample = trainQ.slice(0, Math.min(trainQ.length, 100));
      const n = OFFLINE_TUNING.candidates;
      result.poolRecall = [];
      const exact: Array<Set<string>> = [];
      for (const q of sample) exact.push(new Set((await exactNearest(ds, trainVec.get(q.id)!, n, null)).map((x) => x.id)));
      for (const times of [2, 3, 4]) {
        const rec: number[] = [];
        const lat: number[] = [];
        for (const [i, q] of sample.entries()) {
          const t = now();
          const rows: Array<{ id: string }> = await ds.transaction(async (m) => {
            // As HybridRetriever.vectorSearch sets them for the offline tuning.
            await m.query(
              `SET LOCAL hnsw.iterative_scan = relaxed_order; SET LOCAL hnsw.max_scan_tuples = 20000; SET LOCAL hnsw.ef_search = ${OFFLINE_TUNING.efSearch}`,
            );
            return m.query(
              `SELECT id FROM (SELECT id, embedding <=> $1::vector AS d FROM learning_content WHERE embedding IS NOT NULL
                  ORDER BY binary_quantize(embedding)::bit(1536) <~> binary_quantize($1::vector) LIMIT $2) c ORDER BY d LIMIT $3`,
              [vectorLiteral(trainVec.get(q.id)!), times * n, n],
            );
          });
          lat.push(now() - t);
          rec.push(rows.filter((r) => exact[i].has(r.id)).length / exact[i].size);
        }
        result.poolRecall.push({ times, recall: mean(rec), p50ms: latencyStats(lat).p50 });
        log(
          `vector list n=${n}, ${times}×n re-ranked: recall@${n} ${f(mean(rec), 4)} vs exact on ${sample.length} train queries (p50 ${f(latencyStats(lat).p50, 1)} ms)`,
        );
      }
    }

    // The BM25 SQL before commit fc78af1 (bench/legacy-retriever.ts) on real queries: same ranking? how much slower?
    {
      const shipped = new HybridRetriever(provider);
      const legacy = new LegacyTextRetriever(provider);
      const la: number[] = [];
      const lb: number[] = [];
      let same = 0;
      const sample = testQ.slice(0, Math.min(testQ.length, 50));
      for (const q of sample) {
        let t = now();
        const a = await ds.transaction((m) => shipped.textSearch(m, q.text, K, null));
        la.push(now() - t);
        t = now();
        const b = await ds.transaction((m) => legacy.textSearch(m, q.text, K, null));
        lb.push(now() - t);
        if (JSON.stringify(a.map((x) => x.id)) === JSON.stringify(b.map((x) => x.id))) same++;
      }
      result.legacyText = { queries: sample.length, identical: same, shipped: latencyStats(la), legacy: latencyStats(lb) };
      log(
        `BM25 SQL before fc78af1: identical ranking on ${same}/${sample.length} test queries; p50 ${f(latencyStats(lb).p50, 0)} ms vs shipped ${f(latencyStats(la).p50, 0)} ms`,
      );
    }

    // ---------------------------------------------------------------- tuning on train only
    const memo = new Map<string, ListRow[]>();
    const textListOf = (lists: typeof trainLists, qid: string, k1: number, b: number) => {
      const key = `${qid}|${k1}|${b}|${lists === trainLists ? 'train' : 'test'}`;
      let l = memo.get(key);
      if (!l) {
        l = textList(lists.post.get(qid)!, k1, b);
        memo.set(key, l);
      }
      return l;
    };
    const replicaRun = (lists: typeof trainLists, queries: Q[], t: RetrieverTuning, mode: SearchMode, k: number) => {
      const runs = new Map<string, string[]>();
      for (const q of queries) runs.set(q.id, docRanking(fuse(lists.vec.get(q.id)!, textListOf(lists, q.id, t.k1, t.b), t, k, mode)));
      return runs;
    };
    const trainScores = (t: RetrieverTuning) =>
      Object.fromEntries(
        MODES.map((mode) => [mode, { ...scoreRuns(replicaRun(trainLists, trainQ, t, mode, K), qrelsTrain), via: 'replica' }]),
      );
    result.train = { default: trainScores(DEFAULT_TUNING) };
    let chosen: RetrieverTuning = { ...DEFAULT_TUNING };
    if (!flag('no-tune')) {
      const tt = now();
      const grid: Array<Record<string, any>> = [];
      for (const k1 of [0.9, 1.2]) {
        for (const b of [0.4, 0.75]) {
          const text = scoreRuns(replicaRun(trainLists, trainQ, { ...DEFAULT_TUNING, k1, b }, 'text', K), qrelsTrain);
          grid.push({ k1, b, mode: 'text', ...text });
          for (const rrfK of [20, 60]) {
            for (const ratio of [0.5, 0.75, 1, 1.25, 1.5, 2, 3, 4, 6, 8, 12]) {
              for (const candidates of [50, 100]) {
                const t: RetrieverTuning = { ...DEFAULT_TUNING, k1, b, candidates, rrfK, vectorWeight: 1, textWeight: ratio };
                const sc = scoreRuns(replicaRun(trainLists, trainQ, t, 'hybrid', K), qrelsTrain);
                // How the bot calls it (small k): n = candidates rows from each list.
                const s10 = scoreRuns(replicaRun(trainLists, trainQ, t, 'hybrid', 10), qrelsTrain);
                grid.push({ k1, b, mode: 'hybrid', rrfK, textWeight: ratio, vectorWeight: 1, candidates, ...sc, ndcg10AtK10: s10.ndcg10 });
              }
            }
          }
        }
      }
      const hybrid = grid
        .filter((g) => g.mode === 'hybrid')
        .sort((x, y) => y.ndcg10 - x.ndcg10 || y.ndcg10AtK10 - x.ndcg10AtK10 || x.candidates - y.candidates);
      const best = hybrid[0];
      chosen = {
        ...DEFAULT_TUNING,
        k1: best.k1,
        b: best.b,
        rrfK: best.rrfK,
        vectorWeight: 1,
        textWeight: best.textWeight,
        candidates: best.candidates,
      };
      result.grid = grid;
      result.gridSeconds = (now() - tt) / 1000;
      result.chosen = chosen;
      log(
        `grid: ${grid.length} settings on ${trainQ.length} train queries in ${f((now() - tt) / 1000, 0)} s; best ${JSON.stringify(chosen)} ` +
          `train nDCG@10 ${f(best.ndcg10, 4)} (k=10 path ${f(best.ndcg10AtK10, 4)})`,
      );
      console.log(
        table(
          ['k1', 'b', 'train text nDCG@10', 'recall@100'],
          grid.filter((g) => g.mode === 'text').map((g) => [g.k1, g.b, f(g.ndcg10, 4), f(g.recall100, 4)]),
        ),
      );
      console.log(
        table(
          ['k1', 'b', 'rrfK', 'text/vector', 'candidates', 'train nDCG@10 (k=100)', 'nDCG@10 (k=10)', 'recall@100'],
          hybrid
            .slice(0, 15)
            .map((g) => [g.k1, g.b, g.rrfK, g.textWeight, g.candidates, f(g.ndcg10, 4), f(g.ndcg10AtK10, 4), f(g.recall100, 4)]),
        ),
      );
      result.train.chosen = trainScores(chosen);

      // Test, chosen setting, through search(). The vector list does not depend on the tuned values (k=100
      // makes n=100 whatever candidates is), nor does text mode unless k1/b changed: those are reused.
      const again: SearchMode[] = ['hybrid'];
      if (chosen.k1 !== DEFAULT_TUNING.k1 || chosen.b !== DEFAULT_TUNING.b) again.push('text');
      const rerun = await evaluate(testQ, qrelsTest, testVec, chosen, 'chosen', again);
      result.test.chosen = Object.fromEntries(
        MODES.map((mode) => [mode, rerun[mode] ?? { ...result.test.default[mode], via: 'search() (same call as default)' }]),
      );
    }
    // What the app uses with this embedder (tuningFor(provider.id)), when that is neither of the above.
    const app = tuningFor(provider.id);
    result.appTuning = app;
    const sameAs = (t: RetrieverTuning) => JSON.stringify(t) === JSON.stringify(app);
    if (!sameAs(DEFAULT_TUNING) && !sameAs(chosen)) {
      const again: SearchMode[] = ['hybrid'];
      if (app.k1 !== DEFAULT_TUNING.k1 || app.b !== DEFAULT_TUNING.b) again.push('text');
      const rerun = await evaluate(testQ, qrelsTest, testVec, app, 'app', again);
      result.test.app = Object.fromEntries(
        MODES.map((mode) => [mode, rerun[mode] ?? { ...result.test.default[mode], via: 'search() (same call as default)' }]),
      );
      result.train.app = trainScores(app);
    }
    result.totalSeconds = (now() - t0) / 1000;
    report(result);
  } finally {
    await ds.destroy().catch(() => undefined);
    if (flag('keep') && scratch) console.log(`kept ${scratch.url}`);
    else await scratch?.drop();
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

function report(result: Record<string, any>): void {
  for (const split of ['test', 'train'])
    for (const v of Object.values(result[split] ?? {}) as any[]) for (const m of Object.values(v) as any[]) delete m.raw;
  fs.mkdirSync(RESULTS_DIR, { recursive: true });
  const key = result.backend.startsWith('postgres') ? 'postgres' : 'embedded';
  fs.writeFileSync(path.join(RESULTS_DIR, `scifact-${key}.json`), JSON.stringify(result, null, 2));

  const fmtT = (t: RetrieverTuning) =>
    `k1 ${t.k1}, b ${t.b}, rrfK ${t.rrfK}, textWeight/vectorWeight ${t.textWeight}/${t.vectorWeight}, candidates ${t.candidates}, efSearch ${t.efSearch}`;
  const rows: Array<Array<string | number>> = [];
  for (const split of ['test', 'train']) {
    for (const [label, k] of [
      ['default', 'default'],
      ['app: tuningFor(embedder)', 'app'],
      ['tuned on train', 'chosen'],
    ] as const) {
      const r = result[split]?.[k];
      if (!r) continue;
      for (const mode of MODES) {
        const x = r[mode];
        rows.push([
          split,
          label,
          mode,
          f(x.ndcg10, 4),
          f(x.recall100, 4),
          f(x.docsReturned, 1),
          x.p50ms === undefined ? '-' : f(x.p50ms, 0),
          x.via,
        ]);
      }
    }
  }
  const head = ['split', 'setting', 'mode', 'nDCG@10', 'recall@100', 'docs', 'p50 ms', 'computed by'];
  console.log(`\n${table(head, rows)}\n`);

  const md: string[] = [];
  md.push(
    `Data: BEIR SciFact (5,183 abstracts; ${result.queries.test} test queries, ${result.queries.train} train queries). Back end: ${result.backend}, ` +
      `${result.backend.startsWith('embedded') ? `PGlite's PostgreSQL ${result.pgVersion} (WASM)` : `PostgreSQL ${result.pgVersion}`}, pgvector ${result.pgvector}; retriever as of commit ${result.retriever}; embedder \`${result.embedder}\` (offline). Every document is written as Markdown with front matter ` +
      `(title, content_type: reference, source_service: scifact, doc_id) and ingested with \`IngestService.ingestPaths\` (${result.ingest.chunks} chunks from ` +
      `${result.ingest.docsIn} documents, ${result.ingest.failed} failures, ${f(result.ingest.seconds, 0)} s). Test queries run ` +
      `\`HybridRetriever.search(m, text, { k: 100, mode })\` in \`ds.transaction\` (as the owner, so no RLS); chunks map to documents by metadata.doc_id and a ` +
      `document takes the rank of its best chunk, so 100 chunks give fewer than 100 documents ("docs"). nDCG@10: trec_eval gain (the qrels grade; all 1 in ` +
      `SciFact) with log2 discount; recall@100 over the returned documents.`,
  );
  md.push('');
  md.push(
    `Train numbers and the grid come from the retriever's own \`vectorSearch\` list plus the BM25 list recomputed in-process for each (k1, b), ` +
      `fused exactly like search() (one postings fetch per query instead of four textSearch calls). Before use, the replica is compared with the shipped code: ` +
      `${Object.entries(result.replicaAgreement ?? {})
        .map(([k, v]) => `${k} ${v}`)
        .join(', ')} identical rankings (test: replica vs search() per mode, default tuning; ` +
      `textSearch: vs the shipped SQL on train queries).`,
  );
  md.push('');
  md.push('```sh');
  md.push(
    `npm run eval:scifact${result.command ? ` -- ${result.command}` : ''}     # = npx ts-node --transpile-only bench/eval-scifact.ts${result.command ? ` ${result.command}` : ''}`,
  );
  md.push('```');
  md.push('');
  md.push(`Default: ${fmtT(DEFAULT_TUNING)}.`);
  if (result.test?.app) md.push(`App: \`tuningFor('${result.embedder}')\` = ${fmtT(result.appTuning)}.`);
  if (result.chosen) md.push(`Tuned on train (best train nDCG@10 of hybrid at k=100): ${fmtT(result.chosen)}.`);
  md.push('');
  md.push(table(head, rows));
  md.push('');
  md.push('Published BM25 on the test split: nDCG@10 0.665 (BEIR), 0.6647 / recall@100 0.9076 (Anserini multifield).');
  if (result.annRecall) {
    md.push('');
    md.push(
      `HNSW on these (real-text) vectors, \`vectorSearch(n=10)\` against the exact nearest 10 by cosine on ${result.annRecall[0].queries} test queries: ` +
        (result.annRecall as any[]).map((a) => `ef_search ${a.ef} recall@10 ${f(a.recall10, 4)} (p50 ${f(a.p50ms, 1)} ms)`).join(', ') +
        '.',
    );
  }
  if (result.poolRecall) {
    md.push('');
    md.push(
      `The offline app's vector list (n = ${OFFLINE_TUNING.candidates}) against the exact nearest ${OFFLINE_TUNING.candidates} on 100 train queries, by how many sign-bit candidates are re-ranked: ` +
        (result.poolRecall as any[]).map((a) => `${a.times} × n recall ${f(a.recall, 4)} (p50 ${f(a.p50ms, 1)} ms)`).join(', ') +
        '.',
    );
  }
  if (result.legacyText) {
    const p = result.legacyText;
    md.push('');
    md.push(
      `textSearch alone on ${p.queries} test queries: p50 ${f(p.shipped.p50, 0)} ms (p95 ${f(p.shipped.p95, 0)}) with the shipped SQL, ` +
        `${f(p.legacy.p50, 0)} ms (p95 ${f(p.legacy.p95, 0)}) with the SQL before commit fc78af1 (bench/legacy-retriever.ts); identical rankings on ${p.identical}/${p.queries}.`,
    );
  }
  if (result.grid) {
    const grid = result.grid as Array<Record<string, any>>;
    md.push('');
    md.push(`Train grid (${grid.length} settings, ${f(result.gridSeconds ?? 0, 0)} s):`);
    md.push('');
    md.push(
      table(
        ['k1', 'b', 'text-only nDCG@10', 'recall@100'],
        grid.filter((g) => g.mode === 'text').map((g) => [g.k1, g.b, f(g.ndcg10, 4), f(g.recall100, 4)]),
      ),
    );
    md.push('');
    const hy = grid.filter((g) => g.mode === 'hybrid').sort((x, y) => y.ndcg10 - x.ndcg10);
    md.push(
      table(
        ['k1', 'b', 'rrfK', 'text/vector', 'candidates', 'nDCG@10 (k=100)', 'nDCG@10 (k=10: n = candidates)', 'recall@100'],
        [...hy.slice(0, 10), ...hy.slice(-3)].map((g) => [
          g.k1,
          g.b,
          g.rrfK,
          g.textWeight,
          g.candidates,
          f(g.ndcg10, 4),
          f(g.ndcg10AtK10, 4),
          f(g.recall100, 4),
        ]),
      ),
    );
    md.push('');
    md.push(
      'Top 10 and bottom 3 of the hybrid grid. At k=100 the candidates setting has no effect: search() takes n = max(candidates, k) rows from each list.',
    );
  }
  const readme = path.join(__dirname, 'README.md');
  const before = fs.existsSync(readme) ? fs.readFileSync(readme, 'utf8') : '# Benchmarks\n';
  fs.writeFileSync(readme, replaceGenerated(before, 'BEIR SciFact', 'scifact', md.join('\n')));
  log(`wrote ${path.relative(process.cwd(), readme)} (total ${f(result.totalSeconds, 0)} s)`);
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
