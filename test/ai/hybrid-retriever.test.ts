import assert from 'node:assert/strict';
import { HybridRetriever } from '../../src/ai/hybrid-retriever';
import type { AppDataSource } from '../../src/db/data-source';
import { forEachBackend } from '../helpers/databases';
import { addContent, localProvider } from '../helpers/conversation';

forEachBackend('HybridRetriever', (backend) => {
  let ds: AppDataSource;
  let ids: string[];
  const retriever = new HybridRetriever(localProvider());
  before(async () => {
    ds = await backend.dataSource();
    ids = await addContent(ds, [
      { title: 'Glimmerfax routing basics', content: 'Glimmerfax routing sends each parcel along the cheapest glimmerfax lane. Glimmerfax lanes are rebuilt nightly.' },
      { title: 'Parcel handling overview', content: 'Parcels are weighed, labelled and sorted. Routing of parcels depends on the depot.' },
      { title: 'Glimmerfax audit checklist', content: 'Auditors review the glimmerfax lane costs every quarter.', contentType: 'reference' },
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

  it('honours content-type filters in both lists', async () => {
    for (const mode of ['hybrid', 'text', 'vector'] as const) {
      const passages = await run((m) => retriever.search(m, 'glimmerfax lane costs', { k: 5, mode, contentTypes: ['reference'] }));
      assert.ok(passages.length > 0, mode);
      assert.ok(passages.every((p) => p.contentType === 'reference'), mode);
      assert.equal(passages.filter((p) => ids.includes(p.id))[0].id, ids[2], mode);
    }
  });

  it('treats query text as data', async () => {
    const rows = await run((m) => retriever.search(m, "'); DROP TABLE learning_content; -- & | ! <->", { k: 3 }));
    assert.ok(Array.isArray(rows));
    assert.ok((await ds.query(`SELECT count(*) AS n FROM learning_content`))[0].n > 0);
  });
});
