/**
 * Where one ingestion batch spends its time at --rows chunks with every index live (PostgreSQL).
 *
 *   npx ts-node --transpile-only bench/ingest-phases.ts [--rows=100000] [--batch=200] [--rounds=6] [--url=postgres://.../db]
 *
 * Without --url: a scratch database (la_bench_<pid>_phases) is migrated and bulk-loaded with --rows
 * synthetic chunks (bench/synthetic.ts; HNSW built after the load); --keep keeps it for another run.
 * Then, interleaved over --rounds rounds, one single-writer batch of --batch fresh rows per variant,
 * each in a transaction that is rolled back (so every variant sees the same table):
 *   all live | no HNSW index (dropped inside the transaction) | no BM25 statement trigger (disabled) |
 *   no foreign key on the postings | neither HNSW nor trigger
 * plus the embedding of the same batch with the offline embedder, and one EXPLAIN (ANALYZE) of the
 * all-live INSERT (its trigger lines). Differences of medians are the phases' costs.
 */
import 'reflect-metadata';
import { Client } from 'pg';
import { LocalEmbeddings } from '../src/ai/local-embeddings';
import { AppDataSource } from '../src/db/data-source';
import { arg, createScratchDatabase, DEFAULT_BENCH_URL, f, flag, HNSW_DDL, now, type ScratchDatabase } from './lib';
import { candidateWords, SyntheticCorpus, vectorText } from './synthetic';

const ROWS = Number(arg('rows', '100000'));
const BATCH = Number(arg('batch', '200'));
const ROUNDS = Number(arg('rounds', '6'));
const BASE_URL = process.env.BENCH_DATABASE_URL ?? DEFAULT_BENCH_URL;
const log = (msg: string) => console.log(`[${new Date().toISOString().slice(11, 19)}] ${msg}`);

export async function benchCorpus(query: (sql: string, params: unknown[]) => Promise<Array<{ w: string; l: string }>>) {
  const lex = await query(
    `SELECT w, (SELECT string_agg(lexeme, ' ') FROM unnest(to_tsvector('english', w))) AS l FROM unnest($1::text[]) w`,
    [candidateWords(3000, 11)],
  );
  const seen = new Set<string>();
  return new SyntheticCorpus(
    lex
      .filter((r) => r.l && !r.l.includes(' ') && !seen.has(r.l) && seen.add(r.l))
      .map((r) => r.w)
      .slice(0, 2000),
  );
}

export function insertStatement(corpus: SyntheticCorpus, first: number, end: number): { sql: string; params: unknown[] } {
  const params: unknown[] = [];
  const values: string[] = [];
  for (let row = first; row < end; row++) {
    const c = corpus.chunk(row);
    const p = params.length;
    values.push(`($${p + 1},$${p + 2},$${p + 3},$${p + 4},'bench','bench',$${p + 5})`);
    params.push(c.title, c.content, c.contentType, vectorText(c.vector), JSON.stringify({ cluster: c.cluster, row }));
  }
  return {
    sql: `INSERT INTO learning_content (title, content, content_type, embedding, embedding_model, source_service, metadata) VALUES ${values.join(',')}`,
    params,
  };
}

async function main(): Promise<void> {
  let scratch: ScratchDatabase | undefined;
  let url = arg('url', '');
  if (!url) {
    scratch = await createScratchDatabase(BASE_URL, 'phases');
    url = scratch.url;
    const ds = new AppDataSource({ databaseUrl: url, pgliteDataDir: 'memory://', poolSize: 4 });
    await ds.initialize();
    await ds.runMigrations({ transaction: 'each' });
    await ds.query(`DROP INDEX idx_learning_content_embedding`);
    const corpus = await benchCorpus((s, p) => ds.query(s, p));
    const t = now();
    let next = 0;
    const writer = async () => {
      for (let b = next++; b * 200 < ROWS; b = next++) {
        const { sql, params } = insertStatement(corpus, b * 200, Math.min(ROWS, (b + 1) * 200));
        await ds.query(sql, params);
      }
    };
    await Promise.all([writer(), writer()]);
    log(`loaded ${ROWS} rows in ${f((now() - t) / 1000, 0)} s`);
    const q = ds.createQueryRunner();
    await q.query(`SET maintenance_work_mem = '3GB'`);
    await q.query(HNSW_DDL);
    await q.release();
    for (const tb of ['learning_content', 'learning_content_terms', 'learning_content_lexemes', 'learning_content_stats'])
      await ds.query(`VACUUM ANALYZE ${tb}`);
    await ds.destroy();
    log(`HNSW built, analysed: ${url}`);
  }
  const c = new Client({ connectionString: url });
  await c.connect();
  try {
    const corpus = await benchCorpus(async (s, p) => (await c.query(s, p)).rows);
    const [{ n }] = (await c.query(`SELECT count(*)::int AS n FROM learning_content`)).rows;
    const fk = (
      await c.query(
        `SELECT conname FROM pg_constraint WHERE conrelid = 'learning_content_terms'::regclass AND contype = 'f' AND confrelid = 'learning_content'::regclass`,
      )
    ).rows[0]?.conname as string | undefined;
    log(`${n} rows in learning_content; batch ${BATCH} rows; postings FK ${fk ?? 'none'}`);
    // An HNSW index over halfvec(1536) built beside the vector one (bench only): its insert cost and recall.
    const half = (await c.query(`SELECT to_regclass('idx_lc_half') IS NOT NULL AS x`)).rows[0].x as boolean;
    const noHalf = half ? ['DROP INDEX idx_lc_half'] : [];
    // The insert trigger with its postings written in lexeme order (idx_learning_content_terms_impact's order).
    const triggerDef = (await c.query(`SELECT pg_get_functiondef('learning_content_index_insert'::regproc) AS d`)).rows[0].d as string;
    const sortedDef = triggerDef.replace('WHERE d.sign = 1)', 'WHERE d.sign = 1 ORDER BY u.lexeme, d.id)');
    const listed: Array<[string, string[]]> = [
      ...(sortedDef !== triggerDef ? ([['postings inserted in lexeme order', [sortedDef]]] as Array<[string, string[]]>) : []),
      ['all live', []],
      ['no HNSW index', ['DROP INDEX idx_learning_content_embedding']],
      ['no BM25 trigger', ['ALTER TABLE learning_content DISABLE TRIGGER learning_content_index_insert']],
      ...(fk ? ([['no postings FK', [`ALTER TABLE learning_content_terms DROP CONSTRAINT ${fk}`]]] as Array<[string, string[]]>) : []),
      [
        'no HNSW, no BM25 trigger',
        ['DROP INDEX idx_learning_content_embedding', 'ALTER TABLE learning_content DISABLE TRIGGER learning_content_index_insert'],
      ],
      ...(half
        ? ([
            ['halfvec HNSW instead', ['DROP INDEX idx_learning_content_embedding']],
            ...(fk
              ? ([
                  [
                    'halfvec HNSW, no postings FK',
                    ['DROP INDEX idx_learning_content_embedding', `ALTER TABLE learning_content_terms DROP CONSTRAINT ${fk}`],
                  ],
                ] as Array<[string, string[]]>)
              : []),
          ] as Array<[string, string[]]>)
        : []),
    ];
    const variants = listed.map(([name, setup]): [string, string[]] => [name, name.startsWith('halfvec') ? setup : [...noHalf, ...setup]]);
    const times = new Map<string, number[]>(variants.map(([v]) => [v, []]));
    let row = 10_000_000 + Math.floor(Math.random() * 1_000_000) * 10;
    for (let r = 0; r < ROUNDS; r++) {
      for (const [name, setup] of variants) {
        const { sql, params } = insertStatement(corpus, row, row + BATCH);
        row += BATCH;
        await c.query('BEGIN');
        for (const s of setup) await c.query(s);
        const t = now();
        await c.query(sql, params);
        times.get(name)!.push(now() - t);
        await c.query('ROLLBACK');
      }
    }
    const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
    const base = med(times.get('all live')!);
    for (const [name, xs] of times)
      log(
        `${name.padEnd(26)} median ${f(med(xs), 0)} ms (${f((BATCH / med(xs)) * 1000, 0)} rows/s single writer); saves ${f(base - med(xs), 0)} ms`,
      );

    // Commit cost: the same batch committed vs rolled back, with and without synchronous_commit.
    const commit: Record<string, number[]> = { 'COMMIT (synchronous)': [], 'COMMIT (synchronous_commit off)': [] };
    for (let r = 0; r < ROUNDS; r++)
      for (const mode of Object.keys(commit)) {
        const { sql, params } = insertStatement(corpus, row, row + BATCH);
        row += BATCH;
        await c.query('BEGIN');
        if (mode.includes('off')) await c.query('SET LOCAL synchronous_commit = off');
        await c.query(sql, params);
        const t = now();
        await c.query('COMMIT');
        commit[mode].push(now() - t);
      }
    for (const [mode, xs] of Object.entries(commit)) log(`${mode.padEnd(32)} median ${f(med(xs), 1)} ms`);

    const { sql, params } = insertStatement(corpus, row, row + BATCH);
    await c.query('BEGIN');
    const plan = (await c.query(`EXPLAIN (ANALYZE, BUFFERS) ${sql}`, params)).rows.map((x) => x['QUERY PLAN']);
    await c.query('ROLLBACK');
    console.log(plan.filter((l: string) => /Trigger|Execution|Planning|Insert on/.test(l)).join('\n'));

    if (half) {
      // Recall@10 at ef_search 100 of each HNSW index against the exact answer (float vectors, no index).
      const Q = Number(arg('recall-queries', '100'));
      const top = async (sql: string, v: string, setup: string) => {
        await c.query('BEGIN');
        await c.query(setup);
        const ids = (await c.query(sql, [v])).rows.map((x) => x.id as string);
        await c.query('ROLLBACK');
        return ids;
      };
      const nearest = (order: string) => `SELECT id FROM learning_content ORDER BY ${order} LIMIT 10`;
      const hits = { vector: 0, halfvec: 0 };
      for (let i = 0; i < Q; i++) {
        const v = vectorText(corpus.query(i).vector);
        const exact = new Set(await top(nearest('embedding <=> $1::vector'), v, 'SET LOCAL enable_indexscan = off'));
        // The app's index is searched through match_documents (sign bits, then re-ranked by cosine).
        const app = 'SELECT id FROM match_documents($1::vector, -1, 10, NULL)';
        for (const x of await top(app, v, 'SET LOCAL hnsw.ef_search = 100')) hits.vector += exact.has(x) ? 1 : 0;
        for (const x of await top(nearest('embedding::halfvec(1536) <=> $1::halfvec(1536)'), v, 'SET LOCAL hnsw.ef_search = 100'))
          hits.halfvec += exact.has(x) ? 1 : 0;
      }
      log(
        `recall@10 at ef_search 100 over ${Q} queries: the app's index ${f(hits.vector / (10 * Q), 4)}, halfvec index ${f(hits.halfvec / (10 * Q), 4)}`,
      );
      const sizes = (
        await c.query(
          `SELECT relname, pg_relation_size(oid) / 1048576 AS mb FROM pg_class WHERE relname IN ('idx_learning_content_embedding', 'idx_lc_half')`,
        )
      ).rows;
      log(`index sizes (MB): ${sizes.map((x) => `${x.relname} ${x.mb}`).join(', ')}`);
    }

    const steady = Number(arg('steady', '0'));
    if (steady > 0 && fk) {
      // Committed batches, 2 writers, interleaved rounds: the schema before LeanPostings (postings FK,
      // synchronous commit) against after it (no FK, synchronous_commit off in the ingest transaction).
      if (half) await c.query('DROP INDEX idx_lc_half');
      const w2 = new Client({ connectionString: url });
      await w2.connect();
      const rates: Record<string, number[]> = { before: [], after: [] };
      try {
        for (let r = 0; r < ROUNDS; r++)
          for (const arm of ['before', 'after'] as const) {
            const hasFk = (await c.query(`SELECT count(*)::int AS n FROM pg_constraint WHERE conname = $1`, [fk])).rows[0].n > 0;
            if (arm === 'after' && hasFk) await c.query(`ALTER TABLE learning_content_terms DROP CONSTRAINT ${fk}`);
            if (arm === 'before' && !hasFk)
              await c.query(`ALTER TABLE learning_content_terms ADD CONSTRAINT ${fk} FOREIGN KEY (content_id)
                REFERENCES learning_content(id) ON DELETE CASCADE NOT VALID`);
            const first = row;
            row += steady;
            let next = 0;
            const t = now();
            await Promise.all(
              [c, w2].map(async (w) => {
                for (let b = next++; b * BATCH < steady; b = next++) {
                  const { sql, params } = insertStatement(corpus, first + b * BATCH, first + Math.min(steady, (b + 1) * BATCH));
                  await w.query('BEGIN');
                  if (arm === 'after') await w.query('SET LOCAL synchronous_commit = off');
                  await w.query(sql, params);
                  await w.query('COMMIT');
                }
              }),
            );
            rates[arm].push((steady / (now() - t)) * 1000);
            log(`steady round ${r + 1} ${arm}: ${f(rates[arm].at(-1)!, 0)} rows/s`);
          }
      } finally {
        await w2.end();
      }
      const total = (await c.query(`SELECT count(*)::int AS n FROM learning_content`)).rows[0].n;
      for (const [arm, xs] of Object.entries(rates))
        log(
          `steady ${arm}: median ${f(med(xs), 0)} rows/s over ${xs.length} rounds of ${steady} rows (2 writers, ${BATCH} rows/statement)`,
        );
      log(`after/before: ${f(med(rates.after) / med(rates.before), 2)}x; table ends at ${total} rows`);
    }

    const emb = new LocalEmbeddings({});
    const texts = Array.from({ length: BATCH }, (_, i) => {
      const ch = corpus.chunk(i);
      return `${ch.title}\n${ch.content}`;
    });
    await emb.embedDocuments(texts.slice(0, 10));
    const et: number[] = [];
    for (let r = 0; r < 3; r++) {
      const t = now();
      await emb.embedDocuments(texts);
      et.push(now() - t);
    }
    log(`embedding ${BATCH} chunks with ${emb.embedderId}: median ${f(med(et), 0)} ms (${f((BATCH / med(et)) * 1000, 0)} chunks/s)`);
  } finally {
    await c.end();
    if (scratch) {
      if (flag('keep')) log(`kept ${scratch.url}`);
      else await scratch.drop();
    }
  }
}

// Other benchmarks import benchCorpus and insertStatement.
if (require.main === module)
  main().catch((err) => {
    console.error(err);
    process.exit(1);
  });
