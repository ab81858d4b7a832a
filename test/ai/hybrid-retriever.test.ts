import assert from 'node:assert/strict';
import type { EntityManager } from 'typeorm';
import { vectorLiteral } from '../../src/ai/embedding-provider';
import { HybridRetriever } from '../../src/ai/hybrid-retriever';
import type { AppDataSource } from '../../src/db/data-source';
import { inUserScope } from '../../src/db/user-scope';
import { addContent, localProvider } from '../helpers/conversation';
import { forEachBackend } from '../helpers/databases';

forEachBackend('HybridRetriever', (backend) => {
  let ds: AppDataSource;
  let ids: string[];
  const retriever = new HybridRetriever(localProvider());
  before(async () => {
    ds = await backend.dataSource();
    ids = await addContent(ds, [
      {
        title: 'Glimmerfax routing basics',
        content: 'Glimmerfax routing sends each parcel along the cheapest glimmerfax lane. Glimmerfax lanes are rebuilt nightly.',
      },
      { title: 'Parcel handling overview', content: 'Parcels are weighed, labelled and sorted. Routing of parcels depends on the depot.' },
      {
        title: 'Glimmerfax audit checklist',
        content: 'Auditors review the glimmerfax lane costs every quarter.',
        contentType: 'reference',
      },
    ]);
  });
  const run = <T>(fn: (m: Parameters<HybridRetriever['search']>[0]) => Promise<T>) => ds.transaction(fn);

  it('ranks by BM25: the chunk matching every term first, scores descending, stop words ignored', async () => {
    const rows = await run((m) => retriever.textSearch(m, 'the glimmerfax parcel routing of', 10, null));
    const mine = rows.map((r) => r.id).filter((id) => ids.includes(id));
    assert.equal(mine[0], ids[0]);
    assert.deepEqual([...mine].sort(), [...ids].sort());
    for (let i = 1; i < rows.length; i++) assert.ok(rows[i - 1].score! >= rows[i].score!);
    assert.deepEqual(await run((m) => retriever.textSearch(m, 'the of and', 10, null)), [], 'only stop words: nothing to rank');
  });

  it('fuses vector and text lists by reciprocal rank, with similarity for every passage', async () => {
    const passages = await run((m) => retriever.search(m, 'How are glimmerfax lanes routed?', { k: 3 }));
    assert.equal(passages[0].id, ids[0]);
    assert.ok(passages[0].vectorRank && passages[0].textRank, 'found by both');
    assert.ok(passages.every((p) => p.similarity !== null && p.similarity > -1 && p.similarity <= 1));
    assert.ok(passages[0].score > passages[1].score);
  });

  it('finds vector candidates through the sign-bit index as app_user, then ranks them by exact cosine', async () => {
    const q = await retriever.embedQuery('How are glimmerfax lanes routed?');
    await inUserScope(ds, 'someone', async (m) => {
      const sent: Array<{ sql: string; params?: unknown[] }> = [];
      const recorder = {
        query: (sql: string, params?: unknown[]) => {
          sent.push({ sql, params });
          return m.query(sql, params);
        },
      } as unknown as EntityManager;
      const rows = await retriever.vectorSearch(recorder, q, 5, null);
      const exact: Array<{ id: string; similarity: number }> = await m.query(
        `SELECT id, 1 - (embedding <=> $1::vector) AS similarity FROM learning_content WHERE embedding IS NOT NULL ORDER BY embedding <=> $1::vector LIMIT 3`,
        [vectorLiteral(q)],
      );
      assert.equal(rows[0].id, ids[0]);
      assert.deepEqual(
        rows.slice(0, 3).map((r) => r.id),
        exact.map((r) => r.id),
      );
      rows.slice(0, 3).forEach((r, i) => {
        assert.ok(Math.abs(Number(r.similarity) - exact[i].similarity) < 1e-6, 'the true cosine similarity');
      });
      // The index can answer the search (the planner prefers a scan of a table this small when allowed to).
      const search = sent.find((s) => s.sql.includes('match_documents'))!;
      await m.query(`SET LOCAL enable_seqscan = off`);
      const plan = (await m.query(`EXPLAIN ${search.sql}`, search.params))
        .map((r: Record<string, string>) => Object.values(r)[0])
        .join('\n');
      assert.match(plan, /Index Scan using idx_learning_content_embedding/);
    });
  });

  it('honours content-type filters in both lists', async () => {
    for (const mode of ['hybrid', 'text', 'vector'] as const) {
      const passages = await run((m) => retriever.search(m, 'glimmerfax lane costs', { k: 5, mode, contentTypes: ['reference'] }));
      assert.ok(passages.length > 0, mode);
      assert.ok(
        passages.every((p) => p.contentType === 'reference'),
        mode,
      );
      assert.equal(passages.filter((p) => ids.includes(p.id))[0].id, ids[2], mode);
    }
  });

  it('reads only the best postings of each term: exact when they all fit, the strongest match first when they do not', async () => {
    // 60 chunks share "zanthrope"; 1 to 7 occurrences each.
    const many = await addContent(
      ds,
      Array.from({ length: 60 }, (_, i) => ({
        title: `Zanthrope note ${i}`,
        content: `${'zanthrope '.repeat(1 + (i % 7))}filler text about depots and ${i % 3 === 0 ? 'quillmark' : 'lanes'} number ${i}.`,
        contentType: i % 10 === 0 ? 'reference' : 'tutorial',
      })),
    );
    const every = new HybridRetriever(localProvider(), { postingsPerTerm: null });
    const roomy = new HybridRetriever(localProvider(), { postingsPerTerm: 100 });
    const capped = new HybridRetriever(localProvider(), { postingsPerTerm: 5 });
    for (const q of ['zanthrope', 'zanthrope quillmark', 'quillmark depots zanthrope']) {
      const exact = await run((m) => every.textSearch(m, q, 5, null));
      assert.deepEqual(
        (await run((m) => roomy.textSearch(m, q, 5, null))).map((r) => [r.id, r.score]),
        exact.map((r) => [r.id, r.score]),
        q,
      );
      const approx = await run((m) => capped.textSearch(m, q, 5, null));
      assert.equal(approx.length, 5, q);
      assert.ok(
        approx.every((r) => many.includes(r.id)),
        q,
      );
    }
    const [best] = await run((m) => capped.textSearch(m, 'zanthrope', 1, null));
    assert.match(best.content, /^(zanthrope ){7}/, 'the chunk that says it most often');
    // A filter that the capped postings cannot fill (6 references among 60) still returns every match.
    const refs = await run((m) => capped.textSearch(m, 'zanthrope', 10, ['reference']));
    assert.equal(refs.length, 6);
    assert.ok(refs.every((r) => r.content_type === 'reference'));
  });

  it('answers bad queries quickly and sensibly: punctuation, stop words, 4,000 characters, unknown content types', async () => {
    for (const mode of ['hybrid', 'text', 'vector'] as const) {
      assert.ok(Array.isArray(await run((m) => retriever.search(m, '?!... --- ***', { k: 5, mode }))), mode);
      assert.deepEqual(
        await run((m) => retriever.search(m, 'glimmerfax', { k: 5, mode, contentTypes: ['no-such-type' as never] })),
        [],
        mode,
      );
    }
    assert.deepEqual(await run((m) => retriever.textSearch(m, '?!... --- ***', 5, null)), [], 'punctuation: no terms');
    assert.deepEqual(await run((m) => retriever.textSearch(m, 'what is the and of to it', 5, null)), [], 'stop words: no terms');
    const long = `${'How do glimmerfax lanes get routed between depots and parcels? '.repeat(70)}`.slice(0, 4000);
    const passages = await run((m) => retriever.search(m, long, { k: 3 }));
    assert.equal(passages[0].id, ids[0], 'a long question still finds the chunk it is about');
  });

  it('treats query text as data', async () => {
    const rows = await run((m) => retriever.search(m, "'); DROP TABLE learning_content; -- & | ! <->", { k: 3 }));
    assert.ok(Array.isArray(rows));
    assert.ok((await ds.query(`SELECT count(*) AS n FROM learning_content`))[0].n > 0);
  });
});
