import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Faster ingestion with every index live (issue 11; bench/README.md, "Ingestion: where a batch's time goes").
 *
 * The foreign key learning_content_terms.content_id -> learning_content(id) ran one referential check
 * per posting: ~57 postings per synthetic chunk, so ~11,500 index probes and row locks for a 200-row
 * INSERT, ~190 ms of the ~640 ms the postings insert took at 114k chunks (the HNSW insert, ~2 s of the
 * ~3 s batch, is most of the rest; bench/ingest-phases.ts). It guarded nothing
 * the triggers do not already guarantee: postings are written only by the SECURITY DEFINER statement
 * triggers of learning_content (app_user cannot write them), which add postings for the rows a
 * statement inserted and remove those of the rows it deleted; ON DELETE CASCADE did the same work twice.
 * The one path the foreign key covered that the triggers did not is TRUNCATE (refused while postings
 * referenced the table): a TRUNCATE trigger now empties the search index with it.
 */
export class LeanPostings1796400000000 implements MigrationInterface {
  name = 'LeanPostings1796400000000';

  async up(q: QueryRunner): Promise<void> {
    const fks: Array<{ conname: string }> = await q.query(
      `SELECT conname FROM pg_constraint
        WHERE conrelid = 'learning_content_terms'::regclass AND contype = 'f' AND confrelid = 'learning_content'::regclass`,
    );
    for (const { conname } of fks) await q.query(`ALTER TABLE learning_content_terms DROP CONSTRAINT "${conname.replace(/"/g, '""')}"`);
    await q.query(`
      CREATE FUNCTION learning_content_index_truncate() RETURNS TRIGGER
      LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
      BEGIN
        TRUNCATE learning_content_terms, learning_content_lexemes;
        UPDATE learning_content_stats SET doc_count = 0, total_len = 0;
        RETURN NULL;
      END $$`);
    await q.query(`CREATE TRIGGER learning_content_index_truncate AFTER TRUNCATE ON learning_content
      FOR EACH STATEMENT EXECUTE FUNCTION learning_content_index_truncate()`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TRIGGER IF EXISTS learning_content_index_truncate ON learning_content`);
    await q.query(`DROP FUNCTION IF EXISTS learning_content_index_truncate()`);
    // Postings of rows that no longer exist cannot be, but the constraint would refuse them: drop any first.
    await q.query(`DELETE FROM learning_content_terms t WHERE NOT EXISTS (SELECT 1 FROM learning_content lc WHERE lc.id = t.content_id)`);
    await q.query(`ALTER TABLE learning_content_terms ADD CONSTRAINT learning_content_terms_content_id_fkey
      FOREIGN KEY (content_id) REFERENCES learning_content(id) ON DELETE CASCADE`);
  }
}
