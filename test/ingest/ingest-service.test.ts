import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Embeddings } from '@langchain/core/embeddings';
import type { EmbeddingProvider } from '../../src/ai/embedding-provider';
import type { AppDataSource } from '../../src/db/data-source';
import { assertEmbedderMatches, embedderCounts, embedderIds } from '../../src/db/embedder-guard';
import { SEED_COURSES, SEED_SKILLS } from '../../src/db/seed-rows';
import { isAppError } from '../../src/errors';
import { chunkDocument } from '../../src/ingest/chunk-document';
import { type FileResult, IngestService } from '../../src/ingest/ingest-service';
import { loadDocument } from '../../src/ingest/load-document';
import { type Backend, forEachBackend } from '../helpers/databases';

/** Deterministic 1536-dim unit vectors from a hash of the text; records what it was asked to embed. */
class FakeEmbeddings extends Embeddings {
  calls = 0;
  texts: string[] = [];
  constructor(private readonly seed: string) {
    super({});
  }
  async embedDocuments(texts: string[]): Promise<number[][]> {
    this.calls++;
    this.texts.push(...texts);
    return texts.map((t) => this.vector(t));
  }
  async embedQuery(text: string): Promise<number[]> {
    return this.vector(text);
  }
  vector(text: string): number[] {
    const h = createHash('sha256').update(`${this.seed}\u0000${text}`).digest();
    const v = new Array<number>(1536).fill(0);
    for (let i = 0; i < 8; i++) v[h.readUInt16LE(2 * i) % 1536] += h[16 + i] & 1 ? 1 : -1;
    if (!v.some((x) => x !== 0)) v[0] = 1; // all hashed entries cancelled out
    const norm = Math.hypot(...v);
    return v.map((x) => x / norm);
  }
}

/** Returns vectors of the wrong width: every file that needs embedding fails. */
class BrokenEmbeddings extends Embeddings {
  constructor() {
    super({});
  }
  async embedDocuments(texts: string[]): Promise<number[][]> {
    return texts.map(() => [1, 0, 0]);
  }
  async embedQuery(): Promise<number[]> {
    return [1, 0, 0];
  }
}

const fake = (id: string): EmbeddingProvider & { embeddings: FakeEmbeddings } => ({ id, embeddings: new FakeEmbeddings(id) });

/** A migrated database of our own: the guard and reembedAll look at every row, so other suites' rows must not be there. */
async function isolatedDataSource(backend: Backend): Promise<AppDataSource> {
  const ds = await backend.freshDataSource();
  await ds.runMigrations({ transaction: 'each' });
  return ds;
}

const para = (topic: string, n = 9) =>
  Array.from(
    { length: n },
    (_, i) => `${topic} sentence ${i + 1} explains one more detail about ${topic.toLowerCase()} for the learner.`,
  ).join(' ');

const docA = (middle = para('Loops')) => `---
title: Python loops guide
content_type: tutorial
source_service: wiki
difficulty: beginner
skill: python programming
course: MACHINE learning basics
---

# Python loops guide

## Variables

${para('Variables')}

## Loops

${middle}

## Functions

${para('Functions')}
`;

const docB = (difficulty = 'intermediate') => `---
title: Basket weaving notes
content_type: reference
difficulty: ${difficulty}
skill: Underwater Basket Weaving
---

${para('Baskets', 4)}
`;

const TXT = `Plain text notes about meetings.\n\n${para('Meetings', 3)}\n`;

forEachBackend('IngestService', (backend) => {
  let ds: AppDataSource;
  let dir: string;
  let provider: ReturnType<typeof fake>;
  let service: IngestService;
  const rel = (name: string) => path.relative(process.cwd(), path.join(dir, name)).split(path.sep).join('/');
  const write = (name: string, text: string | Buffer) => fs.writeFileSync(path.join(dir, name), text);
  const rowsOf = async (name: string) =>
    ds.query(
      `SELECT id, title, content, content_type, source_service, metadata, embedding_model, content_hash, embedding IS NOT NULL AS embedded, embedding::text AS vec
       FROM learning_content WHERE source_path = $1 ORDER BY (metadata->>'chunk_index')::int, id`,
      [rel(name)],
    );
  const ids = async (name: string) => (await rowsOf(name)).map((r: { id: string }) => r.id);

  before(async function () {
    this.timeout(120_000);
    ds = await isolatedDataSource(backend);
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ingest-test-'));
    provider = fake('fake:one');
    service = new IngestService({ ds, provider, batchSize: 2 });
  });
  after(async () => {
    await ds?.destroy();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('ingests a folder: embedded rows with embedder id, relative source_path and resolved skill/course ids', async () => {
    write('a.md', docA());
    write('b.md', docB());
    write('c.txt', TXT);
    write('ignored.xyz', 'not a document');
    const seen: FileResult[] = [];
    const starts: string[] = [];
    const s = await service.ingestPaths([dir], {
      contentType: 'lesson',
      sourceService: 'cli-default',
      onFileStart: (f, i, n) => starts.push(`${i + 1}/${n} ${f}`),
      onFileDone: (r) => seen.push(r),
    });
    assert.equal(s.files, 3);
    assert.deepEqual(s.failed, []);
    assert.deepEqual(starts, [`1/3 ${rel('a.md')}`, `2/3 ${rel('b.md')}`, `3/3 ${rel('c.txt')}`]);
    assert.ok(seen.every((r) => r.ok));

    const a = await rowsOf('a.md');
    assert.equal(a.length, 3, 'three sections of ~700 characters make three chunks');
    assert.equal(s.chunksAdded, a.length + (await rowsOf('b.md')).length + (await rowsOf('c.txt')).length);
    assert.equal(s.chunksUnchanged, 0);
    for (const r of a) {
      assert.equal(r.embedded, true);
      assert.equal(r.embedding_model, 'fake:one');
      assert.equal(r.content_type, 'tutorial');
      assert.equal(r.source_service, 'wiki');
      assert.equal(r.metadata.source_path, rel('a.md'));
      assert.equal(r.metadata.skill, 'python programming', 'the name is kept');
      assert.equal(r.metadata.skill_id, SEED_SKILLS.find((k) => k.name === 'Python Programming')!.id);
      assert.equal(r.metadata.course_id, SEED_COURSES.find((c) => c.title === 'Machine Learning Basics')!.id);
      assert.equal(r.metadata.difficulty, 'beginner');
      // The embedded text is title + '\n' + content.
      const expected = provider.embeddings.vector(`${r.title}\n${r.content}`);
      const stored = JSON.parse(r.vec) as number[];
      assert.ok(stored.every((x, i) => Math.abs(x - expected[i]) < 1e-6));
    }
    assert.deepEqual(
      a.map((r: { metadata: { section: string } }) => r.metadata.section),
      ['Python loops guide', 'Loops', 'Functions'],
    );
    assert.ok(provider.embeddings.texts.includes(`${a[0].title}\n${a[0].content}`));

    const [b] = await rowsOf('b.md');
    assert.equal(b.metadata.skill, 'Underwater Basket Weaving');
    assert.equal('skill_id' in b.metadata, false);
    assert.equal(b.source_service, 'cli-default', 'the default applies when front matter sets none');
    assert.equal(s.warnings.length, 1);
    assert.match(s.warnings[0], /b\.md: no skill named "Underwater Basket Weaving"/);

    const [c] = await rowsOf('c.txt');
    assert.equal(c.content_type, 'lesson');
    assert.equal(c.source_service, 'cli-default');
  });

  it('ingesting again embeds nothing and changes nothing', async () => {
    const before = { calls: provider.embeddings.calls, a: await ids('a.md'), b: await ids('b.md') };
    const s = await service.ingestPaths([dir], { contentType: 'lesson', sourceService: 'cli-default' });
    assert.deepEqual(
      { added: s.chunksAdded, deleted: s.chunksDeleted, updated: s.chunksUpdated, failed: s.failed },
      { added: 0, deleted: 0, updated: 0, failed: [] },
    );
    assert.equal(s.chunksUnchanged, 5);
    assert.equal(provider.embeddings.calls, before.calls);
    assert.deepEqual(await ids('a.md'), before.a);
    assert.deepEqual(await ids('b.md'), before.b);
  });

  it('an edited section replaces only its chunk; the other chunks keep their ids', async () => {
    const before = await rowsOf('a.md');
    provider.embeddings.texts = [];
    write('a.md', docA(para('While loops')));
    const s = await service.ingestPaths([path.join(dir, 'a.md')]);
    assert.deepEqual([s.chunksAdded, s.chunksUnchanged, s.chunksDeleted], [1, 2, 1]);
    assert.equal(provider.embeddings.texts.length, 1);
    const after = await rowsOf('a.md');
    assert.equal(after[0].id, before[0].id);
    assert.equal(after[2].id, before[2].id);
    assert.notEqual(after[1].id, before[1].id);
    assert.match(after[1].content, /While loops sentence 1/);
    assert.equal((await ds.query(`SELECT count(*)::int AS n FROM learning_content WHERE id = $1`, [before[1].id]))[0].n, 0);
  });

  it('a deleted section removes its stale chunk; other files are untouched', async () => {
    const others = { b: await ids('b.md'), c: await ids('c.txt') };
    const text = docA(para('While loops')).replace(/## Functions[\s\S]*$/, '');
    write('a.md', text);
    const s = await service.ingestPaths([dir], { contentType: 'lesson', sourceService: 'cli-default' });
    assert.deepEqual(s.failed, []);
    const rows = await rowsOf('a.md');
    const expected = await chunkDocument(await loadDocument(path.join(dir, 'a.md')));
    assert.equal(rows.length, 2);
    assert.deepEqual(
      rows.map((r: { content_hash: string }) => r.content_hash),
      expected.map((c) => c.hash),
    );
    assert.ok(rows.every((r: { content: string }) => !r.content.includes('Functions sentence')));
    assert.equal(s.chunksDeleted, 3, 'the chunk count changed, so the part numbers in every title changed');
    assert.deepEqual(await ids('b.md'), others.b);
    assert.deepEqual(await ids('c.txt'), others.c);
  });

  it('front-matter-only changes update metadata in place without re-embedding', async () => {
    const before = await ids('b.md');
    const calls = provider.embeddings.calls;
    write('b.md', docB('advanced'));
    const s = await service.ingestPaths([path.join(dir, 'b.md')]);
    assert.deepEqual([s.chunksAdded, s.chunksUnchanged, s.chunksUpdated], [0, 1, 1]);
    assert.equal(provider.embeddings.calls, calls);
    assert.deepEqual(await ids('b.md'), before);
    assert.equal((await rowsOf('b.md'))[0].metadata.difficulty, 'advanced');
  });

  it('reports bad files with their reason, leaves their rows untouched and ingests the rest', async () => {
    const bBefore = await ids('b.md');
    write('b.md', '---\ntitle: [unclosed\n---\nBody text here.\n');
    write('corrupt.pdf', Buffer.from('%PDF-1.7\nthis is not really a pdf at all'));
    write('d.md', `# Fresh notes\n\n${para('Fresh', 3)}\n`);
    const bogus = path.join(dir, 'notes.xyz');
    write('notes.xyz', 'named explicitly, so not skipped');
    const missing = path.join(dir, 'missing-folder');
    const s = await service.ingestPaths([dir, bogus, missing]);
    const failed = Object.fromEntries(s.failed.map((f) => [path.basename(f.file), f.error]));
    assert.deepEqual(Object.keys(failed).sort(), ['b.md', 'corrupt.pdf', 'missing-folder', 'notes.xyz']);
    assert.match(failed['b.md'], /Invalid YAML front matter/);
    assert.match(failed['corrupt.pdf'], /Could not read .*corrupt\.pdf as a PDF/);
    assert.match(failed['notes.xyz'], /Unsupported file type "\.xyz"/);
    assert.match(failed['missing-folder'], /does not exist/);
    assert.equal(s.files, 7);
    assert.deepEqual(await ids('b.md'), bBefore, 'a failed file keeps its stored rows');
    assert.equal((await rowsOf('d.md')).length, 1);
    assert.equal(s.chunksAdded, 1);
    write('b.md', docB('advanced'));
    fs.rmSync(path.join(dir, 'corrupt.pdf'));
    fs.rmSync(bogus);
  });

  it('a failure while embedding leaves the file exactly as it was (nothing half-written)', async () => {
    const before = await rowsOf('a.md');
    write('a.md', docA(para('For loops')));
    const broken = new IngestService({ ds, provider: { id: 'fake:one', embeddings: new BrokenEmbeddings() } });
    const s = await broken.ingestPaths([path.join(dir, 'a.md')]);
    assert.equal(s.failed.length, 1);
    assert.match(s.failed[0].error, /returned a vector of 3 dimensions.*needs 1536/);
    assert.deepEqual(await rowsOf('a.md'), before);
    write('a.md', docA(para('While loops')).replace(/## Functions[\s\S]*$/, ''));
  });

  it("a database failure mid-file rolls back all of that file's writes", async () => {
    await ds.query(`CREATE FUNCTION test_explode() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN IF NEW.content LIKE '%EXPLODE%' THEN RAISE EXCEPTION 'refused by test trigger'; END IF; RETURN NEW; END $$`);
    await ds.query(`CREATE TRIGGER test_explode BEFORE INSERT ON learning_content FOR EACH ROW EXECUTE FUNCTION test_explode()`);
    try {
      const before = await rowsOf('a.md');
      write('a.md', docA(`EXPLODE ${para('Other loops')}`).replace(/## Functions[\s\S]*$/, ''));
      const s = await service.ingestPaths([path.join(dir, 'a.md')]);
      assert.equal(s.failed.length, 1);
      assert.match(s.failed[0].error, /the database refused the write: refused by test trigger/);
      assert.deepEqual(await rowsOf('a.md'), before, 'the stale chunk was not deleted either');
    } finally {
      await ds.query(`DROP TRIGGER test_explode ON learning_content`);
      await ds.query(`DROP FUNCTION test_explode()`);
      write('a.md', docA(para('While loops')).replace(/## Functions[\s\S]*$/, ''));
    }
  });

  it('a file that now yields no chunks has its rows deleted', async () => {
    assert.equal((await rowsOf('c.txt')).length, 1);
    write('c.txt', '   \n\n');
    write('d.md', '---\ntitle: Only markup\n---\n\n---\n\n***\n');
    const s = await service.ingestPaths([path.join(dir, 'c.txt'), path.join(dir, 'd.md')]);
    assert.deepEqual(s.failed, []);
    assert.equal(s.chunksDeleted, 2);
    assert.equal((await rowsOf('c.txt')).length, 0);
    assert.equal((await rowsOf('d.md')).length, 0);
    assert.equal(s.warnings.length, 2);
    assert.match(s.warnings.join('\n'), /c\.txt has no text to ingest/);
    assert.match(s.warnings.join('\n'), /d\.md yields no chunks/);
  });

  it('refuses to mix embedders: EMBEDDER_MISMATCH says who made what and what to do', async () => {
    const other = new IngestService({ ds, provider: fake('openai:text-embedding-3-small@api.openai.com') });
    const n = (await embedderCounts(ds)).find((c) => c.embedder === 'fake:one')!.chunks;
    assert.ok(n > 0);
    await assert.rejects(other.ingestPaths([dir]), (err: unknown) => {
      assert.ok(isAppError(err, 'EMBEDDER_MISMATCH'));
      assert.equal(
        err.message,
        `The database holds ${n} chunks embedded with "fake:one", but the configured embedder is "openai:text-embedding-3-small@api.openai.com": ` +
          'run `npm run reembed` to re-embed all content with the current embedder, or restore the previous OPENAI_* settings.',
      );
      return true;
    });
    await assertEmbedderMatches(ds, 'fake:one');
  });

  it('embedderIds lists each embedder once, by name, from the index; rows without a vector do not count', async () => {
    assert.deepEqual(await embedderIds(ds), ['fake:one']);
    await ds
      .transaction(async (m) => {
        const [a, b] = await m.query(`SELECT id FROM learning_content WHERE embedding IS NOT NULL ORDER BY id LIMIT 2`);
        const [c] = await m.query(`SELECT id FROM learning_content WHERE embedding IS NULL ORDER BY id LIMIT 1`);
        await m.query(`UPDATE learning_content SET embedding_model = 'fake:zz' WHERE id = $1`, [a.id]);
        await m.query(`UPDATE learning_content SET embedding_model = 'fake:a' WHERE id = $1`, [b.id]);
        await m.query(`UPDATE learning_content SET embedding_model = 'fake:none' WHERE id = $1`, [c.id]);
        assert.deepEqual(await embedderIds(m), ['fake:a', 'fake:one', 'fake:zz']);
        await assert.rejects(assertEmbedderMatches(m, 'fake:one'), (err: unknown) => {
          assert.ok(isAppError(err, 'EMBEDDER_MISMATCH'));
          assert.match(err.message, /^The database holds 1 chunk embedded with "fake:a" and 1 chunk embedded with "fake:zz", but/);
          return true;
        });
        throw new Error('rollback');
      })
      .catch((err: Error) => assert.equal(err.message, 'rollback'));
    assert.deepEqual(await embedderIds(ds), ['fake:one']);
  });

  it('reembedAll re-embeds every row with the new embedder; then the guard passes for it', async () => {
    const total = (await ds.query(`SELECT count(*)::int AS n FROM learning_content`))[0].n;
    const unembedded = (await ds.query(`SELECT count(*)::int AS n FROM learning_content WHERE embedding IS NULL`))[0].n;
    assert.ok(unembedded >= 4, 'the SQL seed rows have no vector yet');
    const next = fake('fake:two');
    const progress: Array<[number, number]> = [];
    const count = await new IngestService({ ds, provider: next, batchSize: 3 }).reembedAll((d, t) => progress.push([d, t]));
    assert.equal(count, total);
    assert.deepEqual(progress[progress.length - 1], [total, total]);
    assert.deepEqual(progress[0], [0, total]);
    assert.deepEqual(await embedderCounts(ds), [{ embedder: 'fake:two', chunks: total }]);
    const [row] = await ds.query(`SELECT title, content, embedding::text AS vec FROM learning_content WHERE source_path = $1 LIMIT 1`, [
      rel('a.md'),
    ]);
    const expected = next.embeddings.vector(`${row.title}\n${row.content}`);
    assert.ok((JSON.parse(row.vec) as number[]).every((x, i) => Math.abs(x - expected[i]) < 1e-6));
    await assertEmbedderMatches(ds, 'fake:two');
    await assert.rejects(assertEmbedderMatches(ds, 'fake:one'), (err: unknown) => isAppError(err, 'EMBEDDER_MISMATCH'));
    const s = await new IngestService({ ds, provider: next }).ingestPaths([dir]);
    assert.equal(s.chunksAdded, 0);
    assert.deepEqual(s.failed, []);
  });
});
