import assert from 'node:assert/strict';
import type { AppDataSource } from '../../src/db/data-source';
import { forEachBackend } from '../helpers/databases';

/**
 * The BM25 index (postings, document frequencies, statistics) is derived from learning_content by
 * statement-level triggers; after any mix of writes it must equal a rebuild from the content.
 */
forEachBackend('search index maintenance', (backend) => {
  let ds: AppDataSource;
  before(async () => {
    ds = await backend.freshDataSource();
    await ds.runMigrations({ transaction: 'each' });
  });
  after(async () => ds?.destroy());

  const derived = async () => ({
    stats: (await ds.query(`SELECT doc_count::int AS docs, total_len::int AS len FROM learning_content_stats`))[0],
    df: (await ds.query(`SELECT lexeme, df FROM learning_content_lexemes WHERE df <> 0 ORDER BY lexeme`)) as Array<{
      lexeme: string;
      df: number;
    }>,
    postings: (await ds.query(
      `SELECT lexeme, content_id, tf, doc_len, content_type FROM learning_content_terms ORDER BY lexeme, content_id`,
    )) as unknown[],
  });
  const fromContent = async () => {
    const docs = `SELECT id, content_type, search_tsv, greatest((SELECT coalesce(sum(coalesce(array_length(v.positions, 1), 1)), 0) FROM unnest(search_tsv) v), 1)::int AS len FROM learning_content`;
    return {
      stats: (await ds.query(`SELECT count(*)::int AS docs, coalesce(sum(len), 0)::int AS len FROM (${docs}) d`))[0],
      df: (await ds.query(
        `SELECT u.lexeme, count(*)::int AS df FROM learning_content lc CROSS JOIN LATERAL unnest(lc.search_tsv) u GROUP BY u.lexeme ORDER BY u.lexeme`,
      )) as Array<{ lexeme: string; df: number }>,
      postings:
        (await ds.query(`SELECT u.lexeme, d.id AS content_id, coalesce(array_length(u.positions, 1), 1) AS tf, d.len AS doc_len, d.content_type
        FROM (${docs}) d CROSS JOIN LATERAL unnest(d.search_tsv) u ORDER BY u.lexeme, d.id`)) as unknown[],
    };
  };
  const assertConsistent = async (step: string) => assert.deepEqual(await derived(), await fromContent(), step);
  const insert = (rows: Array<[string, string]>) =>
    ds.query(
      `INSERT INTO learning_content (title, content, content_type) SELECT t, c, 'tutorial' FROM unnest($1::text[], $2::text[]) AS x(t, c) RETURNING id`,
      [rows.map((r) => r[0]), rows.map((r) => r[1])],
    ) as Promise<Array<{ id: string }>>;

  it('matches a rebuild from the content after the migration (seed rows included)', async () => {
    assert.ok((await derived()).stats.docs > 0, 'the seed rows are indexed');
    await assertConsistent('after the migrations');
  });

  it('stays equal to a rebuild after multi-row inserts, text updates, other updates, deletes and cascades', async () => {
    const rows = await insert([
      ['Kestrel routing', 'Kestrel lanes route parcels'],
      ['Depot basics', 'Depots weigh parcels and parcels again'],
      ['Empty', ''],
      ['', ''],
    ]);
    await assertConsistent('multi-row insert');
    await ds.query(`UPDATE learning_content SET content = 'Kestrel lanes are rebuilt nightly' WHERE id = $1`, [rows[0].id]);
    await assertConsistent('content update');
    await ds.query(`UPDATE learning_content SET metadata = '{"x":1}', title = title WHERE id = ANY($1)`, [rows.map((r) => r.id)]);
    await assertConsistent('an update that leaves the text alone');
    await ds.query(`UPDATE learning_content SET title = 'Depot ' || title WHERE id = ANY($1)`, [rows.map((r) => r.id)]);
    await assertConsistent('multi-row title update');
    await ds.query(`UPDATE learning_content SET content_type = 'reference' WHERE id = $1`, [rows[1].id]);
    await assertConsistent('content type changed');
    await ds.query(`DELETE FROM learning_content WHERE id = ANY($1)`, [[rows[1].id, rows[2].id]]);
    await assertConsistent('delete');
    await ds.transaction(async (m) => {
      await m.query(`INSERT INTO learning_content (title, content, content_type) VALUES ('Rolled back kestrel', 'never', 'tutorial')`);
      await m.query(`DELETE FROM learning_content WHERE id = $1`, [rows[0].id]);
    });
    await assertConsistent('insert and delete in one transaction');
    await ds.query(`DELETE FROM learning_content WHERE id = $1`, [rows[3].id]);
    await assertConsistent('the last of them deleted');
  });

  it('a TRUNCATE of the content empties the index with it (postings have no foreign key since LeanPostings)', async () => {
    await insert([['Kestrel routing', 'Kestrel lanes route parcels']]);
    await ds.query(`TRUNCATE learning_content`);
    await assertConsistent('truncated');
    assert.equal((await derived()).postings.length, 0);
    await insert([['Depot basics', 'Depots weigh parcels']]);
    await assertConsistent('inserted after the truncate');
  });
});
