/**
 * Embedded PGlite at --rows chunks (issue 11): hybrid search latency, and whether a query ever blocks
 * the app's event loop. PGlite runs in a worker thread (src/db/embedded-worker.ts) behind a Unix
 * socket, so the main thread only sends queries and parses results; this measures that it stays free.
 *
 *   npx ts-node --transpile-only bench/embedded-20k.ts [--rows=20000] [--queries=200]
 *
 * Data: bench/synthetic.ts chunks (as bench/ingest-phases.ts inserts them), loaded without the HNSW
 * index and the index built after the load (the bulk path; a live-index load in WASM takes far
 * longer and is not what is measured here), then VACUUM ANALYZE as IngestService does after imports.
 * Queries: HybridRetriever.search, k = 5 (the bot's), inside inUserScope (the bot's path: app_user,
 * row-level security), with the default and the offline tuning. The event-loop delay is recorded by
 * perf_hooks.monitorEventLoopDelay (a 1 ms timer; it records the interval between ticks, so a block of
 * B ms shows as about B + 1 ms) during the queries only, and separately while the process sits idle for
 * as long (the floor on this shared machine).
 */
import 'reflect-metadata';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { DEFAULT_TUNING, HybridRetriever, OFFLINE_TUNING, type RetrieverTuning } from '../src/ai/hybrid-retriever';
import { AppDataSource } from '../src/db/data-source';
import { IN_MEMORY } from '../src/db/embedded-postgres';
import { inUserScope } from '../src/db/user-scope';
import { benchCorpus, insertStatement } from './ingest-phases';
import { arg, f, HNSW_DDL, latencyStats, now, replaceGenerated, table } from './lib';
import { toArray } from './synthetic';

const ROWS = Number(arg('rows', '20000'));
const QUERIES = Number(arg('queries', '200'));
const log = (msg: string) => console.log(`[${new Date().toISOString().slice(11, 19)}] ${msg}`);

async function main(): Promise<void> {
  const ds = new AppDataSource({ pgliteDataDir: IN_MEMORY, poolSize: 4 });
  await ds.initialize();
  try {
    await ds.runMigrations({ transaction: 'each' });
    await ds.query(`DROP INDEX idx_learning_content_embedding`);
    const corpus = await benchCorpus((s, p) => ds.query(s, p));
    const t = now();
    for (let b = 0; b * 200 < ROWS; b++) {
      const { sql, params } = insertStatement(corpus, b * 200, Math.min(ROWS, (b + 1) * 200));
      await ds.query(sql, params);
    }
    const loadSeconds = (now() - t) / 1000;
    log(`loaded ${ROWS} rows in ${f(loadSeconds, 0)} s`);
    const tb = now();
    // The migration's definition (m=16, ef_construction=64); PGlite's memory limit keeps the graph build modest.
    const q = ds.createQueryRunner();
    await q.query(`SET maintenance_work_mem = '512MB'`);
    await q.query(HNSW_DDL);
    await q.release();
    const buildSeconds = (now() - tb) / 1000;
    for (const tbl of ['learning_content', 'learning_content_terms', 'learning_content_lexemes', 'learning_content_stats'])
      await ds.query(`VACUUM ANALYZE ${tbl}`);
    log(`HNSW built in ${f(buildSeconds, 0)} s, analysed`);
    const [{ id: user }] = await ds.query(`INSERT INTO users (email, name) VALUES ('bench-embedded@example.test', 'Bench') RETURNING id`);

    const queries = Array.from({ length: QUERIES }, (_, i) => corpus.query(i));
    const provider = { id: 'bench', embeddings: { embedQuery: async () => [], embedDocuments: async () => [] } } as never;
    const arms: Array<[string, RetrieverTuning, 'hybrid' | 'vector' | 'text']> = [
      ['hybrid, default tuning (n = 50)', DEFAULT_TUNING, 'hybrid'],
      ['hybrid, offline tuning (n = 100, the app with the offline embedder)', OFFLINE_TUNING, 'hybrid'],
      ['vector only (n = 50)', DEFAULT_TUNING, 'vector'],
      ['text only (n = 50)', DEFAULT_TUNING, 'text'],
    ];
    const run = async (tuning: RetrieverTuning, mode: 'hybrid' | 'vector' | 'text', i: number) => {
      const retriever = new HybridRetriever(provider, tuning);
      const qv = queries[i % queries.length];
      return inUserScope(ds, user, (m) => retriever.search(m, qv.text, { k: 5, mode, queryVector: toArray(qv.vector) }));
    };
    for (let i = 0; i < 20; i++) for (const [, tuning, mode] of arms) await run(tuning, mode, i); // warm-up

    // Idle floor: the same monitor while nothing runs, for about as long as the queries take.
    const idle = monitorEventLoopDelay({ resolution: 1 });
    const lat = new Map<string, number[]>(arms.map(([name]) => [name, []]));
    const busy = monitorEventLoopDelay({ resolution: 1 });
    const tq = now();
    busy.enable();
    for (let i = 0; i < QUERIES; i++)
      for (const [name, tuning, mode] of arms) {
        const t0 = now();
        await run(tuning, mode, i);
        lat.get(name)!.push(now() - t0);
      }
    busy.disable();
    const queryMs = now() - tq;
    idle.enable();
    await new Promise((r) => setTimeout(r, Math.min(queryMs, 60_000)));
    idle.disable();

    const ms = (ns: number) => f(ns / 1e6, 1);
    const body = [
      `Machine: ${os.cpus().length} cores (load average at the end ${os.loadavg()[0].toFixed(1)}); Node ${process.version}; embedded PGlite (in memory, pgvector) in its worker thread (src/db/embedded-worker.ts), reached over its Unix socket with the ordinary pg pool.`,
      '',
      '```sh',
      `npx ts-node --transpile-only bench/embedded-20k.ts --rows=${ROWS} --queries=${QUERIES}`,
      '```',
      '',
      `Data: ${ROWS.toLocaleString('en')} synthetic chunks (bench/synthetic.ts), loaded in ${f(loadSeconds, 0)} s (${f(ROWS / loadSeconds, 0)} rows/s, BM25 trigger live, no HNSW index), HNSW (m=16, ef_construction=64) built after in ${f(buildSeconds, 0)} s. ${QUERIES} queries per call, the calls interleaved, each \`HybridRetriever.search(k = 5)\` inside \`inUserScope\` (app_user, row-level security), after 20 warm-up rounds.`,
      '',
      table(
        ['call', 'queries', 'p50 ms', 'p95 ms', 'max ms'],
        arms.map(([name]) => {
          const s = latencyStats(lat.get(name)!);
          return [name, s.n, f(s.p50, 1), f(s.p95, 1), f(s.max, 1)];
        }),
      ),
      '',
      table(
        ['event loop: interval between 1 ms timer ticks (monitorEventLoopDelay)', 'p50 ms', 'p99 ms', 'p99.9 ms', 'max ms'],
        [
          [
            `during the ${QUERIES * arms.length} queries (${f(queryMs / 1000, 0)} s)`,
            ms(busy.percentile(50)),
            ms(busy.percentile(99)),
            ms(busy.percentile(99.9)),
            ms(busy.max),
          ],
          [
            `idle, same process, ${f(Math.min(queryMs, 60_000) / 1000, 0)} s`,
            ms(idle.percentile(50)),
            ms(idle.percentile(99)),
            ms(idle.percentile(99.9)),
            ms(idle.max),
          ],
        ],
      ),
    ].join('\n');
    console.log(body);
    const readme = path.join(__dirname, 'README.md');
    fs.writeFileSync(
      readme,
      replaceGenerated(fs.readFileSync(readme, 'utf8'), 'Embedded PGlite at 20,000 chunks (issue 11)', 'embedded-20k', body),
    );
  } finally {
    await ds.destroy();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
