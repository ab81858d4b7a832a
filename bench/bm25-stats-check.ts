/**
 * Checks the BM25 bookkeeping of migration ConversationCore (learning_content_terms + the one-row
 * learning_content_stats kept by the learning_content_index_terms trigger) against the truth, and
 * measures what the one-row statistics table does to concurrent ingestion.
 *
 *   npx ts-node --transpile-only bench/bm25-stats-check.ts [--rows=4000]
 *
 * Works in a scratch database la_bench_<pid>_stats on BENCH_DATABASE_URL (default
 * postgres://postgres@127.0.0.1:5432/postgres), dropped at the end. About a minute.
 */
import 'reflect-metadata';
import { AppDataSource } from '../src/db/data-source';
import { arg, createScratchDatabase, DEFAULT_BENCH_URL, f, now, table } from './lib';
import { candidateWords, SyntheticCorpus, vectorText } from './synthetic';

const ROWS = Number(arg('rows', '4000'));
const BASE_URL = process.env.BENCH_DATABASE_URL ?? DEFAULT_BENCH_URL;

const TRUTH = `SELECT s.doc_count::int AS stats_doc_count, s.total_len::int AS stats_total_len,
  (SELECT count(*)::int FROM learning_content) AS rows_in_table,
  (SELECT coalesce(sum(l), 0)::int FROM (SELECT max(doc_len) AS l FROM learning_content_terms GROUP BY content_id) x) AS true_total_len
  FROM learning_content_stats s`;

async function fresh(suffix: string) {
  const scratch = await createScratchDatabase(BASE_URL, suffix);
  const ds = new AppDataSource({ databaseUrl: scratch.url, pgliteDataDir: '', poolSize: 3 });
  await ds.initialize();
  await ds.runMigrations({ transaction: 'each' });
  return { ds, scratch };
}

async function main(): Promise<void> {
  // 1. Bookkeeping.
  const rows: Array<Array<string | number>> = [];
  {
    const { ds, scratch } = await fresh('stats');
    try {
      const snap = async (step: string) => {
        const [r] = await ds.query(TRUTH);
        rows.push([step, r.rows_in_table, r.stats_doc_count, r.true_total_len, r.stats_total_len]);
      };
      await snap('after the migrations (4 seed rows)');
      await ds.query(
        `INSERT INTO learning_content (title, content, content_type) VALUES ('alpha beta', 'gamma delta epsilon', 'reference'), ('zeta', 'eta theta', 'lesson')`,
      );
      await snap('insert 2 rows');
      await ds.query(`UPDATE learning_content SET content = content || ' iota kappa' WHERE title = 'zeta'`);
      await snap('update 1 row');
      await ds.query(`DELETE FROM learning_content WHERE title IN ('alpha beta', 'zeta')`);
      await snap('delete those 2 rows');
      const order: Array<{ tgname: string }> = await ds.query(
        `SELECT tgname FROM pg_trigger WHERE tgrelid = 'learning_content'::regclass ORDER BY tgname COLLATE "C"`,
      );
      console.log(table(['step', 'rows', 'stats.doc_count', 'true total length', 'stats.total_len'], rows));
      console.log(`\nAFTER triggers on learning_content fire in name order: ${order.map((o) => o.tgname).join(', ')}`);
      console.log(
        '(the ON DELETE CASCADE of learning_content_terms runs in RI_ConstraintTrigger_a_*, before learning_content_index_terms reads old_len)\n',
      );
    } finally {
      await ds.destroy();
      await scratch.drop();
    }
  }

  // 2. The one-row statistics table under two concurrent writers (no HNSW index, so only the trigger matters).
  const corpus = new SyntheticCorpus(candidateWords(2000, 11));
  const load: Array<Array<string | number>> = [];
  for (const variant of ['shipped trigger', 'without the stats-row UPDATE'] as const) {
    for (const writers of [1, 2]) {
      const { ds, scratch } = await fresh('load');
      try {
        await ds.query(`DROP INDEX idx_learning_content_embedding`);
        if (variant !== 'shipped trigger') {
          await ds.query(`CREATE OR REPLACE FUNCTION learning_content_index_terms() RETURNS TRIGGER LANGUAGE plpgsql AS $$
            DECLARE new_len INTEGER; BEGIN
              SELECT coalesce(sum(coalesce(array_length(positions, 1), 1)), 0) INTO new_len FROM unnest(NEW.search_tsv);
              INSERT INTO learning_content_terms (lexeme, content_id, tf, doc_len)
                SELECT lexeme, NEW.id, coalesce(array_length(positions, 1), 1), greatest(new_len, 1) FROM unnest(NEW.search_tsv);
              RETURN NULL; END $$`);
        }
        let next = 0;
        const batch = 100;
        const t = now();
        await Promise.all(
          Array.from({ length: writers }, async () => {
            const q = ds.createQueryRunner();
            await q.connect();
            try {
              for (;;) {
                const b = next++;
                if (b * batch >= ROWS) return;
                const params: unknown[] = [];
                const values: string[] = [];
                for (let row = b * batch; row < Math.min(ROWS, (b + 1) * batch); row++) {
                  const c = corpus.chunk(row);
                  const p = params.length;
                  values.push(`($${p + 1}, $${p + 2}, $${p + 3}, $${p + 4}, 'bench')`);
                  params.push(c.title, c.content, c.contentType, vectorText(c.vector));
                }
                await q.query(
                  `INSERT INTO learning_content (title, content, content_type, embedding, embedding_model) VALUES ${values.join(',')}`,
                  params,
                );
              }
            } finally {
              await q.release();
            }
          }),
        );
        const s = (now() - t) / 1000;
        const [{ pages }] = await ds.query(`SELECT pg_relation_size('learning_content_stats') / 8192 AS pages`);
        load.push([variant, writers, Math.round(ROWS / s), pages]);
        console.log(`${variant}, ${writers} writer(s): ${f(ROWS / s, 0)} rows/s`);
      } finally {
        await ds.destroy();
        await scratch.drop();
      }
    }
  }
  console.log(`\n${table(['trigger', 'writers', `rows/s (${ROWS} rows, ${100} rows/statement)`, 'learning_content_stats pages'], load)}`);
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
