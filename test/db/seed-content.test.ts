import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Embeddings } from '@langchain/core/embeddings';
import type { AppDataSource } from '../../src/db/data-source';
import { embedderCounts } from '../../src/db/embedder-guard';
import { catalogueEntries, formatMinutes } from '../../src/db/seed-content';
import { SEED_CONTENT, SEED_COURSES, SEED_SKILLS } from '../../src/db/seed-rows';
import { isAppError } from '../../src/errors';
import { projectRoot, seedLearningContent } from '../../src/ingest/seed-learning-content';
import { type Backend, forEachBackend } from '../helpers/databases';

/** Deterministic 1536-dim unit vectors; counts the texts it embeds. */
class CountingEmbeddings extends Embeddings {
  texts = 0;
  constructor() {
    super({});
  }
  async embedDocuments(texts: string[]): Promise<number[][]> {
    this.texts += texts.length;
    return texts.map((t) => this.vector(t));
  }
  async embedQuery(text: string): Promise<number[]> {
    return this.vector(text);
  }
  private vector(text: string): number[] {
    const h = createHash('sha256').update(text).digest();
    const v = new Array<number>(1536).fill(0);
    v[h.readUInt16LE(0) % 1536] = 1;
    v[h.readUInt16LE(2) % 1536] += 0.5;
    const norm = Math.hypot(...v);
    return v.map((x) => x / norm);
  }
}

async function isolatedDataSource(backend: Backend): Promise<AppDataSource> {
  const ds = await backend.freshDataSource();
  await ds.runMigrations({ transaction: 'each' });
  return ds;
}

const SAMPLE_FILES = fs.readdirSync(path.join(projectRoot(), 'content', 'sample')).filter((f) => f.endsWith('.md')).length;

describe('catalogue entries', () => {
  it('describe skills and courses from their columns', () => {
    const [skill, course] = catalogueEntries(
      [{ id: 's1', name: 'Python Programming', description: 'Python programming language skills', category: 'Technical', level: 1 }],
      [
        {
          id: 'c1',
          title: 'Python Fundamentals',
          description: 'Learn Python programming basics',
          duration: 480,
          difficulty: 'beginner',
          learning_objectives: ['Variables and data types', 'Functions'],
        },
      ],
    );
    assert.deepEqual(skill, {
      sourcePath: 'catalog:skill:s1',
      contentType: 'skill',
      title: 'Python Programming',
      content: 'Python programming language skills. Category: Technical. Level: 1.',
      metadata: { skill_id: 's1' },
    });
    assert.deepEqual(course, {
      sourcePath: 'catalog:course:c1',
      contentType: 'course',
      title: 'Python Fundamentals',
      content:
        'Learn Python programming basics. Difficulty: beginner. Duration: 8 hours. Learning objectives: Variables and data types; Functions.',
      metadata: { course_id: 'c1', difficulty: 'beginner' },
    });
    assert.equal(formatMinutes(90), '1 hour 30 minutes');
  });
});

forEachBackend('seedLearningContent', (backend) => {
  let ds: AppDataSource;
  const embeddings = new CountingEmbeddings();
  const provider = { id: 'fake:seed', embeddings };

  before(async function () {
    this.timeout(120_000);
    ds = await isolatedDataSource(backend);
  });
  after(async () => ds?.destroy());

  it('adds catalogue rows, embeds every row without a vector and ingests content/sample', async function () {
    this.timeout(120_000);
    const r = await seedLearningContent(ds, provider);
    assert.equal(r.catalogAdded, SEED_SKILLS.length + SEED_COURSES.length);
    assert.equal(r.embedded, SEED_SKILLS.length + SEED_COURSES.length + SEED_CONTENT.length);
    assert.ok(r.ingest);
    assert.equal(r.ingest.files, SAMPLE_FILES);
    assert.deepEqual(r.ingest.failed, []);
    assert.deepEqual(r.ingest.warnings, [], 'every skill and course named in the sample front matter exists');
    assert.ok(r.ingest.chunksAdded >= SAMPLE_FILES);
    assert.equal(embeddings.texts, r.embedded + r.ingest.chunksAdded);

    const [{ n }] = await ds.query(
      `SELECT count(*)::int AS n FROM learning_content WHERE embedding IS NULL OR embedding_model IS DISTINCT FROM 'fake:seed'`,
    );
    assert.equal(n, 0);
    const [sample] = await ds.query(
      `SELECT source_path, metadata FROM learning_content WHERE source_path = 'content/sample/active-listening.md'`,
    );
    assert.equal(
      sample.metadata.skill_id,
      SEED_SKILLS.find((s) => s.name === 'Communication')!.id,
      'paths are relative to the project root',
    );
  });

  it('a second run adds nothing and embeds nothing', async () => {
    const before = embeddings.texts;
    const r = await seedLearningContent(ds, provider);
    assert.deepEqual(
      { added: r.catalogAdded, updated: r.catalogUpdated, removed: r.catalogRemoved, embedded: r.embedded },
      { added: 0, updated: 0, removed: 0, embedded: 0 },
    );
    assert.equal(r.ingest!.chunksAdded, 0);
    assert.equal(r.ingest!.chunksDeleted, 0);
    assert.equal(r.ingest!.chunksUpdated, 0);
    assert.equal(embeddings.texts, before);
  });

  it('has one catalogue row per skill and course, with ids, and the search view shows course difficulty', async () => {
    const rows: Array<{ id: string; title: string; content_type: string; metadata: Record<string, string>; source_service: string }> =
      await ds.query(
        `SELECT id, title, content_type, metadata, source_service FROM learning_content WHERE source_path LIKE 'catalog:%' ORDER BY title`,
      );
    assert.equal(rows.length, SEED_SKILLS.length + SEED_COURSES.length);
    for (const s of SEED_SKILLS) {
      const row = rows.filter((r) => r.metadata.skill_id === s.id);
      assert.equal(row.length, 1, s.name);
      assert.deepEqual([row[0].title, row[0].content_type, row[0].source_service], [s.name, 'skill', 'catalog']);
    }
    for (const c of SEED_COURSES) {
      const row = rows.filter((r) => r.metadata.course_id === c.id);
      assert.equal(row.length, 1, c.title);
      assert.deepEqual([row[0].title, row[0].content_type, row[0].metadata.difficulty], [c.title, 'course', c.difficulty]);
      const [view] = await ds.query(`SELECT difficulty_level, duration FROM learning_content_search WHERE id = $1`, [row[0].id]);
      assert.deepEqual(view, { difficulty_level: c.difficulty, duration: c.duration });
    }
  });

  it('follows catalogue changes: a changed course is rewritten and re-embedded, a deleted skill loses its row', async () => {
    const course = SEED_COURSES[0];
    const extraSkill = `Knot Tying ${Date.now()}`;
    await ds.query(`UPDATE courses SET description = 'Learn Python programming basics, hands on' WHERE id = $1`, [course.id]);
    const [{ id: skillId }] = await ds.query(
      `INSERT INTO skills (name, description, category) VALUES ($1, 'Ropes', 'Outdoor') RETURNING id`,
      [extraSkill],
    );
    try {
      const r = await seedLearningContent(ds, provider, { sampleDir: null });
      assert.deepEqual([r.catalogAdded, r.catalogUpdated, r.catalogRemoved, r.embedded, r.ingest], [1, 1, 0, 2, null]);
      const [row] = await ds.query(`SELECT content, embedding_model FROM learning_content WHERE source_path = $1`, [
        `catalog:course:${course.id}`,
      ]);
      assert.match(row.content, /^Learn Python programming basics, hands on\. Difficulty: beginner\./);
      assert.equal(row.embedding_model, 'fake:seed');
    } finally {
      await ds.query(`DELETE FROM skills WHERE id = $1`, [skillId]);
      await ds.query(`UPDATE courses SET description = $2 WHERE id = $1`, [course.id, course.description]);
    }
    const r = await seedLearningContent(ds, provider, { sampleDir: null });
    assert.deepEqual([r.catalogAdded, r.catalogUpdated, r.catalogRemoved, r.embedded], [0, 1, 1, 1]);
  });

  it('refuses to seed with another embedder than the one that made the stored vectors', async () => {
    await assert.rejects(
      seedLearningContent(ds, { id: 'other', embeddings }, { sampleDir: null }),
      (err: unknown) => isAppError(err, 'EMBEDDER_MISMATCH') && /npm run reembed/.test(err.message),
    );
    assert.deepEqual(
      (await embedderCounts(ds)).map((c) => c.embedder),
      ['fake:seed'],
    );
  });
});
