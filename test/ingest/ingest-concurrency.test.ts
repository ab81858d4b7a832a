import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Embeddings } from '@langchain/core/embeddings';
import type { AppDataSource } from '../../src/db/data-source';
import { retryOnDeadlock } from '../../src/ingest/file-chunks-store';
import { IngestService } from '../../src/ingest/ingest-service';
import { forEachBackend } from '../helpers/databases';

/** Deterministic unit vectors from a hash of the text (no model needed). */
class HashEmbeddings extends Embeddings {
  constructor() {
    super({});
  }
  async embedDocuments(texts: string[]): Promise<number[][]> {
    // Yield, as a real embedder does, so the other file's work can interleave.
    await new Promise((resolve) => setTimeout(resolve, 5));
    return texts.map((t) => this.vector(t));
  }
  async embedQuery(text: string): Promise<number[]> {
    return this.vector(text);
  }
  private vector(text: string): number[] {
    const h = createHash('sha256').update(text).digest();
    const v = new Array<number>(1536).fill(0);
    for (let i = 0; i < 8; i++) v[h.readUInt16LE(2 * i) % 1536] += 1 + (h[16 + i] & 3);
    const norm = Math.hypot(...v);
    return v.map((x) => x / norm);
  }
}

const doc = (n: number, version: string) =>
  `# Topic ${n}\n\n${Array.from({ length: 4 }, (_, s) => `## Section ${s}\n\n${`Word${n} ${version} lesson${s} about subject${(n + s) % 5} and practice. `.repeat(12)}`).join('\n\n')}\n`;

forEachBackend('IngestService, files two at a time', (backend) => {
  let ds: AppDataSource;
  let dir: string;
  before(async function () {
    this.timeout(240_000);
    ds = await backend.freshDataSource();
    await ds.runMigrations({ transaction: 'each' });
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ingest-concurrency-'));
  });
  after(async () => {
    await ds?.destroy();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  // The BM25 index written by the statement triggers must equal one derived from the content.
  const derived = async () => ({
    stats: (await ds.query(`SELECT doc_count::int AS docs, total_len::int AS len FROM learning_content_stats`))[0],
    df: await ds.query(`SELECT lexeme, df FROM learning_content_lexemes WHERE df <> 0 ORDER BY lexeme`),
  });
  const fromContent = async () => ({
    stats: (
      await ds.query(
        `SELECT count(*)::int AS docs, coalesce(sum(len), 0)::int AS len FROM (
           SELECT greatest((SELECT coalesce(sum(coalesce(array_length(v.positions, 1), 1)), 0) FROM unnest(search_tsv) v), 1) AS len
             FROM learning_content) d`,
      )
    )[0],
    df: await ds.query(
      `SELECT u.lexeme, count(*)::int AS df FROM learning_content lc CROSS JOIN LATERAL unnest(lc.search_tsv) u GROUP BY u.lexeme ORDER BY u.lexeme`,
    ),
  });

  it('ingests and re-ingests a folder with two files in flight: every chunk stored once, the search index exact', async function () {
    this.timeout(240_000);
    for (let n = 0; n < 6; n++) fs.writeFileSync(path.join(dir, `doc-${n}.md`), doc(n, 'first'));
    const provider = { id: 'test:hash', embeddings: new HashEmbeddings() };
    const service = new IngestService({ ds, provider, concurrency: 2, baseDir: dir });
    let inFlight = 0;
    let most = 0;
    const track = {
      onFileStart: () => {
        inFlight++;
        most = Math.max(most, inFlight);
      },
      onFileDone: () => {
        inFlight--;
      },
    };
    const first = await service.ingestPaths([dir], track);
    assert.equal(most, 2, 'two files were in flight at once');
    assert.equal(first.files, 6);
    assert.deepEqual(first.failed, []);
    assert.ok(first.chunksAdded >= 6);
    const perFile = await ds.query(
      `SELECT source_path, count(*)::int AS n FROM learning_content WHERE source_path IS NOT NULL GROUP BY 1 ORDER BY 1`,
    );
    assert.equal(perFile.length, 6);
    assert.equal(
      perFile.reduce((a: number, r: { n: number }) => a + r.n, 0),
      first.chunksAdded,
    );
    assert.deepEqual(await derived(), await fromContent());

    // Half the files change: each is a DELETE and an INSERT in one transaction, two such at a time.
    for (let n = 0; n < 6; n += 2) fs.writeFileSync(path.join(dir, `doc-${n}.md`), doc(n, 'second'));
    const again = await service.ingestPaths([dir], track);
    assert.deepEqual(again.failed, []);
    assert.ok(again.chunksAdded > 0 && again.chunksDeleted > 0);
    assert.equal(
      again.chunksUnchanged,
      perFile.filter((_: unknown, i: number) => i % 2 === 1).reduce((a: number, r: { n: number }) => a + r.n, 0),
    );
    assert.deepEqual(await derived(), await fromContent());
    const [{ n }] = await ds.query(
      `SELECT count(*)::int AS n FROM learning_content WHERE content LIKE '%first%' AND source_path LIKE 'doc-_.md' AND source_path IN ('doc-0.md', 'doc-2.md', 'doc-4.md')`,
    );
    assert.equal(n, 0, 'no chunk of an old version is left');
  });
});

describe('retryOnDeadlock', () => {
  it('runs the work again after a deadlock or serialization failure, and rethrows anything else at once', async () => {
    let calls = 0;
    const result = await retryOnDeadlock(async () => {
      calls++;
      if (calls === 1) throw Object.assign(new Error('deadlock detected'), { code: '40P01' });
      if (calls === 2) throw Object.assign(new Error('wrapped'), { driverError: { code: '40001' } });
      return 'done';
    });
    assert.equal(result, 'done');
    assert.equal(calls, 3);

    calls = 0;
    await assert.rejects(
      retryOnDeadlock(async () => {
        calls++;
        throw Object.assign(new Error('unique violation'), { code: '23505' });
      }),
      /unique violation/,
    );
    assert.equal(calls, 1);

    calls = 0;
    await assert.rejects(
      retryOnDeadlock(async () => {
        calls++;
        throw Object.assign(new Error('deadlock detected'), { code: '40P01' });
      }),
      /deadlock/,
    );
    assert.equal(calls, 4, 'gives up after four attempts');
  });
});
