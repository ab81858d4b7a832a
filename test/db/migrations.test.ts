import assert from 'node:assert/strict';
import { MIGRATIONS } from '../../migrations';
import { SplitRecommendations1796213000000 } from '../../migrations/1796213000000-SplitRecommendations';
import { BinaryQuantizedIndex1796800000000 } from '../../migrations/1796800000000-BinaryQuantizedIndex';
import { LocalEmbeddings } from '../../src/ai/local-embeddings';
import type { AppDataSource } from '../../src/db/data-source';
import { forEachBackend } from '../helpers/databases';
import { makeUser } from '../helpers/fixtures';

const TABLES = [
  'assessment_attempts',
  'processed_events',
  'learning_content_stats',
  'learning_content_terms',
  'learning_content_lexemes',
  'users',
  'user_identities',
  'learning_content',
  'skills',
  'courses',
  'learning_progress',
  'chat_messages',
  'recommendations',
  'assessments',
  'assessment_results',
];

async function objects(ds: AppDataSource) {
  const tables = (await ds.query(`SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'typeorm_migrations'`))
    .map((r: { tablename: string }) => r.tablename)
    .sort();
  const views = (await ds.query(`SELECT viewname FROM pg_views WHERE schemaname = 'public'`))
    .map((r: { viewname: string }) => r.viewname)
    .sort();
  const functions = (
    await ds.query(
      `SELECT p.proname FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname IN ('public', 'auth') AND p.proname NOT LIKE 'vector%' AND p.proname IN ('match_documents','get_user_learning_analytics','generate_recommendations','update_updated_at_column','sync_learning_progress_completion','uid','role','can_view_user','is_admin','managed_department','managed_user_ids','users_guard_access_columns','assessment_attempts_set_expiry','bm25_impact','learning_content_index_insert','learning_content_index_update','learning_content_index_delete')`,
    )
  )
    .map((r: { proname: string }) => r.proname)
    .sort();
  const policies = Number((await ds.query(`SELECT count(*) AS n FROM pg_policies WHERE schemaname = 'public'`))[0].n);
  return { tables, views, functions, policies };
}

forEachBackend('migrations', (backend) => {
  let ds: AppDataSource;
  before(async () => {
    ds = await backend.freshDataSource();
  });
  after(async () => ds?.destroy());

  it('apply all, revert all, and apply again to the same schema', async () => {
    const applied = await ds.runMigrations({ transaction: 'each' });
    assert.equal(applied.length, MIGRATIONS.length);
    assert.ok(applied.length >= 12);
    const first = await objects(ds);
    assert.deepEqual(first.tables, [...TABLES].sort());
    assert.deepEqual(first.views, ['learning_content_search', 'user_learning_dashboard']);
    assert.deepEqual(first.functions, [
      'assessment_attempts_set_expiry',
      'bm25_impact',
      'can_view_user',
      'generate_recommendations',
      'get_user_learning_analytics',
      'is_admin',
      'learning_content_index_delete',
      'learning_content_index_insert',
      'learning_content_index_update',
      'managed_department',
      'managed_user_ids',
      'match_documents',
      'role',
      'sync_learning_progress_completion',
      'uid',
      'update_updated_at_column',
      'users_guard_access_columns',
    ]);
    assert.equal(first.policies, 36);
    assert.equal(await ds.isMigrated(), true);

    for (let i = 0; i < applied.length; i++) await ds.undoLastMigration({ transaction: 'each' });
    const empty = await objects(ds);
    assert.deepEqual(empty, { tables: [], views: [], functions: [], policies: 0 });
    assert.equal(await ds.isMigrated(), false);

    await ds.runMigrations({ transaction: 'each' });
    assert.deepEqual(await objects(ds), first);
  });

  it('SplitRecommendations: up() splits the limit between skills and courses, down() restores the previous definition', async () => {
    const user = await makeUser(ds);
    const kinds = async (n: number) =>
      (await ds.query(`SELECT type FROM generate_recommendations($1, $2)`, [user, n])).map((r: { type: string }) => r.type);
    const migration = new SplitRecommendations1796213000000();
    const runner = ds.createQueryRunner();
    try {
      assert.deepEqual((await kinds(2)).sort(), ['course', 'skill']);
      await migration.down(runner);
      assert.deepEqual(await kinds(2), ['skill', 'skill'], 'the previous definition: the two best rows of either kind');
      assert.equal((await kinds(7)).length, 7);
      await migration.up(runner);
      assert.deepEqual((await kinds(2)).sort(), ['course', 'skill']);
    } finally {
      await runner.release();
    }
  });

  it('BinaryQuantizedIndex: turns stored offline v1 vectors into v2 ones and back, leaving other embedders alone', async () => {
    const e = new LocalEmbeddings();
    const text = 'Pivot tables summarise spreadsheet data';
    const [offline] = await ds.query(
      `INSERT INTO learning_content (title, content, content_type, embedding, embedding_model) VALUES ('offline', $1, 'tutorial', $2, $3) RETURNING id`,
      [text, `[${e.embedSync(text).join(',')}]`, e.embedderId],
    );
    // Labelled by the offline embedder but without a vector: nothing to turn, and it must not stop the migration.
    const [unembedded] = await ds.query(
      `INSERT INTO learning_content (title, content, content_type, embedding_model) VALUES ('no vector', 'x', 'tutorial', $1) RETURNING id`,
      [e.embedderId],
    );
    const neural = `[${new Array(1536)
      .fill(0)
      .map((_, i) => Math.sin(i))
      .join(',')}]`;
    const [other] = await ds.query(
      `INSERT INTO learning_content (title, content, content_type, embedding, embedding_model) VALUES ('neural', 'x', 'tutorial', $1, 'openai:text-embedding-3-small') RETURNING id`,
      [neural],
    );
    const stored = async (id: string) => {
      const [r] = await ds.query(`SELECT embedding::text AS v, embedding_model AS model FROM learning_content WHERE id = $1`, [id]);
      return { v: JSON.parse(r.v) as number[], model: r.model as string };
    };
    const close = (a: number[], b: number[]) => a.every((x, i) => Math.abs(x - b[i]) < 1e-6);
    const migration = new BinaryQuantizedIndex1796800000000();
    const runner = ds.createQueryRunner();
    try {
      await migration.down(runner);
      const v1 = await stored(offline.id);
      assert.equal(v1.model, e.embedderId.replace(/-v2$/, '-v1'));
      assert.ok(close(v1.v, e.features(text)), 'v1 vectors are the unrotated layout');
      await migration.up(runner);
      const v2 = await stored(offline.id);
      assert.equal(v2.model, e.embedderId);
      assert.ok(close(v2.v, e.embedSync(text)), 'v2: the same vector rotated, as the embedder makes it now');
      assert.ok(close((await stored(other.id)).v, JSON.parse(neural)), 'other embedders keep their vectors');
      assert.equal((await stored(other.id)).model, 'openai:text-embedding-3-small');
    } finally {
      await runner.release();
      await ds.query(`DELETE FROM learning_content WHERE id = ANY($1)`, [[offline.id, other.id, unembedded.id]]);
    }
  });

  it('evaluates auth.uid() and auth.role() once per query in every policy (an InitPlan, not a per-row call)', async () => {
    const policies: Array<{ tablename: string; policyname: string; qual: string | null; with_check: string | null }> = await ds.query(
      `SELECT tablename, policyname, qual, with_check FROM pg_policies WHERE schemaname = 'public'`,
    );
    assert.ok(policies.length > 30);
    const perRow = policies.filter((p) => /(?<!SELECT \(?)auth\.(uid|role)\(\)/.test(`${p.qual ?? ''} ${p.with_check ?? ''}`));
    assert.deepEqual(
      perRow.map((p) => `${p.tablename}: ${p.policyname}`),
      [],
    );
  });

  it('lets the planner expect every readable row to be readable (so it can use the HNSW index as app_user)', async () => {
    await ds.query(
      `INSERT INTO learning_content (title, content, content_type) SELECT 'Row ' || g, 'text', 'tutorial' FROM generate_series(1, 300) g`,
    );
    await ds.query(`ANALYZE learning_content`);
    const estimate = (m: { query: AppDataSource['query'] }) =>
      m.query(`EXPLAIN (FORMAT JSON) SELECT id FROM learning_content`).then((r: Array<Record<string, unknown>>) => {
        const plan = Object.values(r[0])[0] as Array<{ Plan: { 'Plan Rows': number } }>;
        return plan[0].Plan['Plan Rows'];
      });
    const owner = await estimate(ds);
    const { inUserScope } = require('../../src/db/user-scope') as typeof import('../../src/db/user-scope');
    const asUser = await inUserScope(ds, 'someone', (m) => estimate(m as never));
    assert.ok(owner >= 300);
    assert.ok(asUser >= owner / 2, `app_user estimate ${asUser} rows of ${owner}`);
    await ds.query(`DELETE FROM learning_content WHERE title LIKE 'Row %'`);
  });

  it('creates the indexes the design asks for (HNSW, GIN, partial, unique composite) and stores vectors in line', async () => {
    const idx = await ds.query(`SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'public'`);
    const def = (name: string) => idx.find((r: { indexname: string }) => r.indexname === name)?.indexdef ?? '';
    assert.match(def('idx_learning_content_embedding'), /USING hnsw \(\(\(binary_quantize\(embedding\)\)::bit\(1536\)\) bit_hamming_ops\)/);
    assert.match(def('idx_users_learning_profile'), /USING gin/);
    assert.match(def('idx_learning_content_metadata'), /USING gin/);
    assert.match(def('idx_learning_progress_active'), /WHERE \(completed_at IS NULL\)/);
    assert.match(def('idx_learning_progress_user_skill'), /UNIQUE/);
    assert.equal(def('idx_chat_messages_recent'), '', 'the NOW() partial index cannot exist');
    const named = [
      'idx_users_email',
      'idx_users_department',
      'idx_users_role',
      'idx_learning_content_type',
      'idx_learning_content_source',
      'idx_learning_content_created',
      'idx_skills_category',
      'idx_skills_level',
      'idx_skills_name',
      'idx_courses_difficulty',
      'idx_courses_duration',
      'idx_courses_title',
      'idx_learning_progress_user',
      'idx_learning_progress_skill',
      'idx_learning_progress_course',
      'idx_learning_progress_completed',
      'idx_chat_messages_user',
      'idx_chat_messages_created',
      'idx_chat_messages_confidence',
      'idx_recommendations_user',
      'idx_recommendations_type',
      'idx_recommendations_score',
      'idx_recommendations_created',
      'idx_assessments_difficulty',
      'idx_assessments_title',
      'idx_assessment_results_user',
      'idx_assessment_results_assessment',
      'idx_assessment_results_score',
      'idx_learning_progress_user_course',
      'idx_chat_messages_user_created',
      'idx_recommendations_user_type',
      'idx_users_preferences',
    ];
    for (const n of named) assert.ok(def(n), `index ${n} exists`);
    const [storage] = await ds.query(
      `SELECT attstorage FROM pg_attribute WHERE attrelid = 'learning_content'::regclass AND attname = 'embedding'`,
    );
    assert.equal(storage.attstorage, 'p');
    const views = await ds.query(
      `SELECT relname, reloptions FROM pg_class WHERE relname IN ('user_learning_dashboard', 'learning_content_search')`,
    );
    for (const v of views) assert.deepEqual(v.reloptions, ['security_invoker=true'], v.relname);
  });
});
