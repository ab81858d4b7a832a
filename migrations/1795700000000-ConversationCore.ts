import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * What the conversation core needs beyond the document:
 * - chat_messages knows its channel, conversation, thread and the platform's message id, so a thread's
 *   earlier turns can be replayed as memory and a retried delivery is answered once (unique key).
 * - learning_content records which embedder made each vector (vectors from different models must not
 *   be compared), where a chunk came from and its content hash (idempotent ingestion).
 * - Full-text search: a generated tsvector over title (weight A) + content (B) with a GIN index, and
 *   BM25 ranking from a small inverted index (lexeme, content, term frequency, document length) kept
 *   by a trigger, plus corpus statistics. PostgreSQL's ts_rank has no inverse document frequency,
 *   which costs a lot of ranking quality on real questions.
 * - Users may insert their own recommendations, so one user-scoped transaction logs the turn and the
 *   recommendations together.
 */
export class ConversationCore1795700000000 implements MigrationInterface {
  name = 'ConversationCore1795700000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE chat_messages
      ADD COLUMN channel TEXT CHECK (channel IN ('slack', 'teams', 'console')),
      ADD COLUMN tenant_id TEXT,
      ADD COLUMN conversation_id TEXT,
      ADD COLUMN thread_id TEXT,
      ADD COLUMN platform_message_id TEXT`);
    await q.query(`CREATE UNIQUE INDEX uq_chat_messages_platform_message ON chat_messages (channel, conversation_id, platform_message_id)
      WHERE platform_message_id IS NOT NULL`);
    await q.query(`CREATE INDEX idx_chat_messages_thread ON chat_messages (user_id, channel, conversation_id, thread_id, created_at)`);

    await q.query(`ALTER TABLE learning_content
      ADD COLUMN embedding_model TEXT,
      ADD COLUMN source_path TEXT,
      ADD COLUMN content_hash TEXT,
      ADD COLUMN search_tsv TSVECTOR GENERATED ALWAYS AS (
        setweight(to_tsvector('english', coalesce(title, '')), 'A') || setweight(to_tsvector('english', coalesce(content, '')), 'B')
      ) STORED,
      ADD CONSTRAINT learning_content_embedding_model_set CHECK (embedding IS NULL OR embedding_model IS NOT NULL)`);
    await q.query(`CREATE INDEX idx_learning_content_search ON learning_content USING GIN (search_tsv)`);
    await q.query(`CREATE INDEX idx_learning_content_source_path ON learning_content (source_path, content_hash)`);
    await q.query(`CREATE INDEX idx_learning_content_embedding_model ON learning_content (embedding_model)`);

    await q.query(`
      CREATE TABLE learning_content_terms (
        lexeme TEXT NOT NULL,
        content_id TEXT NOT NULL REFERENCES learning_content(id) ON DELETE CASCADE,
        tf INTEGER NOT NULL,
        doc_len INTEGER NOT NULL,
        PRIMARY KEY (lexeme, content_id)
      )`);
    await q.query(`CREATE INDEX idx_learning_content_terms_content ON learning_content_terms (content_id)`);
    await q.query(`
      CREATE TABLE learning_content_stats (
        id BOOLEAN PRIMARY KEY DEFAULT TRUE CHECK (id),
        doc_count BIGINT NOT NULL DEFAULT 0,
        total_len BIGINT NOT NULL DEFAULT 0
      )`);
    await q.query(`INSERT INTO learning_content_stats (id, doc_count, total_len)
      SELECT TRUE, 0, 0`);

    // SECURITY DEFINER: the index is derived data; app_user may read it but never write it directly.
    await q.query(ROW_INDEX_FUNCTION);
    await q.query(ROW_INDEX_TRIGGER);
    // Index what the seed migration already inserted.
    await q.query(`UPDATE learning_content SET title = title`);

    await q.query(`GRANT SELECT ON learning_content_terms, learning_content_stats TO app_user`);
    await q.query(`ALTER TABLE learning_content_terms ENABLE ROW LEVEL SECURITY`);
    await q.query(`CREATE POLICY "Authenticated users can read the search index" ON learning_content_terms
      FOR SELECT USING (auth.role() IN ('authenticated', 'service_role'))`);
    await q.query(`CREATE POLICY "Users can receive own recommendations" ON recommendations
      FOR INSERT WITH CHECK (auth.uid()::text = user_id)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP POLICY IF EXISTS "Users can receive own recommendations" ON recommendations`);
    await q.query(`DROP TRIGGER IF EXISTS learning_content_index_terms ON learning_content`);
    await q.query(`DROP FUNCTION IF EXISTS learning_content_index_terms()`);
    await q.query(`DROP TABLE IF EXISTS learning_content_stats`);
    await q.query(`DROP TABLE IF EXISTS learning_content_terms`);
    await q.query(`ALTER TABLE learning_content DROP CONSTRAINT IF EXISTS learning_content_embedding_model_set,
      DROP COLUMN IF EXISTS search_tsv, DROP COLUMN IF EXISTS content_hash, DROP COLUMN IF EXISTS source_path, DROP COLUMN IF EXISTS embedding_model`);
    await q.query(`ALTER TABLE chat_messages DROP COLUMN IF EXISTS platform_message_id, DROP COLUMN IF EXISTS thread_id,
      DROP COLUMN IF EXISTS conversation_id, DROP COLUMN IF EXISTS tenant_id, DROP COLUMN IF EXISTS channel`);
  }
}

/** The row-level BM25 index trigger (replaced by statement-level ones in FastRetrieval, restored by its down()). */
export const ROW_INDEX_FUNCTION = `
      CREATE OR REPLACE FUNCTION learning_content_index_terms() RETURNS TRIGGER
      LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
      DECLARE
        new_len INTEGER;
        old_len INTEGER;
      BEGIN
        IF TG_OP IN ('UPDATE', 'DELETE') THEN
          SELECT coalesce(max(doc_len), 0) INTO old_len FROM learning_content_terms WHERE content_id = OLD.id;
          IF TG_OP = 'UPDATE' THEN DELETE FROM learning_content_terms WHERE content_id = OLD.id; END IF;
          UPDATE learning_content_stats SET doc_count = doc_count - 1, total_len = total_len - old_len;
        END IF;
        IF TG_OP IN ('INSERT', 'UPDATE') THEN
          SELECT coalesce(sum(coalesce(array_length(positions, 1), 1)), 0) INTO new_len FROM unnest(NEW.search_tsv);
          INSERT INTO learning_content_terms (lexeme, content_id, tf, doc_len)
            SELECT lexeme, NEW.id, coalesce(array_length(positions, 1), 1), greatest(new_len, 1) FROM unnest(NEW.search_tsv);
          UPDATE learning_content_stats SET doc_count = doc_count + 1, total_len = total_len + greatest(new_len, 1);
        END IF;
        RETURN NULL;
      END $$`;
export const ROW_INDEX_TRIGGER = `CREATE TRIGGER learning_content_index_terms AFTER INSERT OR DELETE OR UPDATE OF title, content ON learning_content
      FOR EACH ROW EXECUTE FUNCTION learning_content_index_terms()`;
