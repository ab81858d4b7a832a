import type { MigrationInterface, QueryRunner } from 'typeorm';
import { ROW_INDEX_FUNCTION, ROW_INDEX_TRIGGER } from './1795700000000-ConversationCore';

/**
 * Retrieval as fast as the indexes allow, under row-level security (bench/README.md, "Retrieval speed").
 *
 * 1. Policies evaluate auth.uid()/auth.role() once per query, and role tests no longer look selective:
 *    with `auth.role() = 'authenticated'` per row the planner expected ~1 % of learning_content to be
 *    visible and sorted a sequential scan instead of using the HNSW index (330 ms instead of 3 ms at
 *    100k chunks). A role test becomes one boolean InitPlan, `(SELECT auth.role() = 'authenticated')`,
 *    and auth.uid() becomes `(SELECT auth.uid())`. Same expressions, same meaning; every policy in the
 *    public schema is rewritten.
 * 2. BM25 reads a bounded number of postings per query term: postings are indexed by term and impact
 *    (bm25_impact: tf saturated against the document length) and carry their chunk's content type,
 *    document frequencies live in learning_content_lexemes, so a query reads the best (matching)
 *    postings of each term instead of all of them, then scores its best candidates exactly from
 *    their own postings (idx_learning_content_terms_doc).
 * 3. The search index is maintained per statement (transition tables), not per row: one update of the
 *    statistics row per statement instead of one per chunk (that row serialised concurrent writers),
 *    and correct counts on every path (the row trigger subtracted documents that had never been
 *    counted after the backfill, and read a length of 0 on DELETE because the cascade ran first).
 */
export class FastRetrieval1796100000000 implements MigrationInterface {
  name = 'FastRetrieval1796100000000';

  async up(q: QueryRunner): Promise<void> {
    await rewritePolicies(q, (expr) =>
      expr.replace(ROLE_TEST, '(SELECT $&)').replace(/(?<!SELECT \(?)auth\.uid\(\)/g, '(SELECT auth.uid())'),
    );

    await q.query(`DROP TRIGGER IF EXISTS learning_content_index_terms ON learning_content`);
    await q.query(`DROP FUNCTION IF EXISTS learning_content_index_terms()`);

    // tf saturated against the document length, with BM25's k1 = 1.2, b = 0.75 and a reference length
    // of 256 lexemes. Only the order of a term's postings depends on it; scores use the true average.
    await q.query(`CREATE FUNCTION bm25_impact(tf INTEGER, doc_len INTEGER) RETURNS REAL
      LANGUAGE sql IMMUTABLE PARALLEL SAFE
      AS $$ SELECT (tf / (tf + 1.2 * (0.25 + 0.75 * doc_len / 256.0)))::real $$`);
    await q.query(`ALTER TABLE learning_content_terms DROP CONSTRAINT learning_content_terms_pkey`);
    // Each posting carries its chunk's content type, so a filtered search reads matching postings only.
    await q.query(`ALTER TABLE learning_content_terms ADD COLUMN content_type TEXT`);

    await q.query(`CREATE TABLE learning_content_lexemes (lexeme TEXT PRIMARY KEY, df INTEGER NOT NULL)`);
    await q.query(`GRANT SELECT ON learning_content_lexemes TO app_user`);
    await q.query(`ALTER TABLE learning_content_lexemes ENABLE ROW LEVEL SECURITY`);
    await q.query(`CREATE POLICY "Authenticated users can read the search index" ON learning_content_lexemes
      FOR SELECT USING ((SELECT auth.role() IN ('authenticated', 'service_role')))`);

    // SECURITY DEFINER: the index is derived data; app_user may read it but never write it directly.
    for (const [op, changed] of Object.entries(CHANGED_ROWS)) {
      await q.query(`
        CREATE FUNCTION learning_content_index_${op}() RETURNS TRIGGER
        LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
        BEGIN
          ${maintainIndex(changed)};
          RETURN NULL;
        END $$`);
      const referencing =
        op === 'insert'
          ? 'NEW TABLE AS new_rows'
          : op === 'delete'
            ? 'OLD TABLE AS old_rows'
            : 'OLD TABLE AS old_rows NEW TABLE AS new_rows';
      await q.query(`CREATE TRIGGER learning_content_index_${op} AFTER ${op.toUpperCase()} ON learning_content
        REFERENCING ${referencing} FOR EACH STATEMENT EXECUTE FUNCTION learning_content_index_${op}()`);
    }

    // Rebuild the index and the statistics from the content (also repairs counts the row trigger drifted),
    // then index the postings: the best postings of a term first, answered from the index alone.
    await rebuildSearchIndex(q);
    await q.query(`CREATE INDEX idx_learning_content_terms_impact ON learning_content_terms
      (lexeme, bm25_impact(tf, doc_len) DESC) INCLUDE (content_id, tf, doc_len, content_type)`);
    // A candidate's postings of the query terms, for its exact score (and a chunk's postings, for deletes).
    await q.query(`DROP INDEX IF EXISTS idx_learning_content_terms_content`);
    await q.query(`CREATE INDEX idx_learning_content_terms_doc ON learning_content_terms (content_id, lexeme) INCLUDE (tf, doc_len)`);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const op of Object.keys(CHANGED_ROWS)) {
      await q.query(`DROP TRIGGER IF EXISTS learning_content_index_${op} ON learning_content`);
      await q.query(`DROP FUNCTION IF EXISTS learning_content_index_${op}()`);
    }
    await q.query(`DROP TABLE IF EXISTS learning_content_lexemes`);
    await q.query(`DROP INDEX IF EXISTS idx_learning_content_terms_impact`);
    await q.query(`DROP INDEX IF EXISTS idx_learning_content_terms_doc`);
    await q.query(`CREATE INDEX idx_learning_content_terms_content ON learning_content_terms (content_id)`);
    await q.query(`ALTER TABLE learning_content_terms DROP COLUMN IF EXISTS content_type`);
    await q.query(`ALTER TABLE learning_content_terms ADD PRIMARY KEY (lexeme, content_id)`);
    await q.query(`DROP FUNCTION IF EXISTS bm25_impact(INTEGER, INTEGER)`);
    // The row-level trigger of ConversationCore, as it was.
    await q.query(ROW_INDEX_FUNCTION);
    await q.query(ROW_INDEX_TRIGGER);
    await rewritePolicies(q, (expr) =>
      expr
        .replace(/\(\s*SELECT \((auth\.role\(\) (?:=|<>) [^()]*(?:\([^()]*\))?)\)\)/g, '($1)')
        .replace(/\(\s*SELECT auth\.uid\(\) AS uid\)/g, 'auth.uid()'),
    );
  }
}

/**
 * A role test as PostgreSQL prints a policy: auth.role() = 'x'::text, or = ANY (ARRAY[...]).
 * Wrapped whole, `(SELECT auth.role() = 'x')` is one boolean InitPlan that the planner estimates at
 * 50 % of the rows; `(SELECT auth.role()) = 'x'` would still be estimated like a rare value (0.5 %).
 */
const ROLE_TEST = /auth\.role\(\) (?:=|<>) (?:'[^']*'::text|ANY \(ARRAY\[[^\]]*\]\))/g;

/** The rows a statement changed, with +1 (indexed now) or -1 (no longer), for each kind of statement. */
const CHANGED_ROWS = {
  insert: `SELECT id, 1 AS sign, search_tsv, content_type FROM new_rows`,
  delete: `SELECT id, -1 AS sign, search_tsv, content_type FROM old_rows`,
  // Only rows whose text or type changed (an UPDATE of the embedding or metadata leaves the index alone).
  update: `SELECT o.id, s.sign, CASE WHEN s.sign = 1 THEN n.search_tsv ELSE o.search_tsv END AS search_tsv, n.content_type
             FROM old_rows o JOIN new_rows n ON n.id = o.id CROSS JOIN (VALUES (1), (-1)) s(sign)
            WHERE n.search_tsv IS DISTINCT FROM o.search_tsv OR n.content_type IS DISTINCT FROM o.content_type`,
};

/**
 * One statement (run by the triggers, and by the rebuild over every row): old postings out, new postings in, document frequencies and the statistics row
 * adjusted once. Data-modifying CTEs share one snapshot, so the DELETE never sees the rows the INSERT
 * adds. Lexemes are upserted in sorted order so that concurrent writers lock them in the same order.
 */
function maintainIndex(changed: string): string {
  return `
    WITH changed AS (${changed}),
    docs AS (
      SELECT c.id, c.sign, c.search_tsv, c.content_type,
             greatest((SELECT coalesce(sum(coalesce(array_length(v.positions, 1), 1)), 0) FROM unnest(c.search_tsv) v), 1)::int AS len
        FROM changed c),
    removed AS (
      DELETE FROM learning_content_terms t USING docs d WHERE d.sign = -1 AND t.content_id = d.id),
    added AS (
      INSERT INTO learning_content_terms (lexeme, content_id, tf, doc_len, content_type)
        SELECT u.lexeme, d.id, coalesce(array_length(u.positions, 1), 1), d.len, d.content_type
          FROM docs d CROSS JOIN LATERAL unnest(d.search_tsv) u WHERE d.sign = 1),
    frequencies AS (
      INSERT INTO learning_content_lexemes AS l (lexeme, df)
        SELECT u.lexeme, sum(d.sign) FROM docs d CROSS JOIN LATERAL unnest(d.search_tsv) u
         GROUP BY u.lexeme HAVING sum(d.sign) <> 0 ORDER BY u.lexeme
      ON CONFLICT (lexeme) DO UPDATE SET df = l.df + excluded.df)
    UPDATE learning_content_stats SET doc_count = doc_count + s.docs, total_len = total_len + s.len
      FROM (SELECT coalesce(sum(sign), 0) AS docs, coalesce(sum(sign * len), 0) AS len FROM docs) s
     WHERE s.docs <> 0 OR s.len <> 0`;
}

/** Empties and refills postings, document frequencies and statistics: every row indexed as if just inserted. */
async function rebuildSearchIndex(q: QueryRunner): Promise<void> {
  await q.query(`TRUNCATE learning_content_terms, learning_content_lexemes`);
  await q.query(`UPDATE learning_content_stats SET doc_count = 0, total_len = 0`);
  await q.query(maintainIndex(`SELECT id, 1 AS sign, search_tsv, content_type FROM learning_content`));
}

/** ALTER POLICY for every policy in the public schema whose expressions `change` rewrites. */
async function rewritePolicies(q: QueryRunner, change: (expr: string) => string): Promise<void> {
  const policies: Array<{ tablename: string; policyname: string; qual: string | null; with_check: string | null }> = await q.query(
    `SELECT tablename, policyname, qual, with_check FROM pg_policies WHERE schemaname = 'public' ORDER BY tablename, policyname`,
  );
  for (const p of policies) {
    const using = p.qual === null ? null : change(p.qual);
    const check = p.with_check === null ? null : change(p.with_check);
    if (using === p.qual && check === p.with_check) continue;
    const clauses = [using !== null ? `USING (${using})` : '', check !== null ? `WITH CHECK (${check})` : ''].filter(Boolean).join(' ');
    await q.query(`ALTER POLICY "${p.policyname.replace(/"/g, '""')}" ON public."${p.tablename.replace(/"/g, '""')}" ${clauses}`);
  }
}
