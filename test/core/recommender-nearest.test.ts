import assert from 'node:assert/strict';
import sinon from 'sinon';
import type { EntityManager } from 'typeorm';
import { HybridRetriever, tuningFor } from '../../src/ai/hybrid-retriever';
import { Recommender } from '../../src/core/recommender';
import type { AppDataSource } from '../../src/db/data-source';
import { relatedContentFromNearest } from '../../src/db/repositories/recommendation-repository';
import { SEED_COURSES, SEED_SKILLS } from '../../src/db/seed-rows';
import { inUserScope } from '../../src/db/user-scope';
import { localProvider } from '../helpers/conversation';
import { forEachBackend } from '../helpers/databases';
import { axisVector, makeContent, makeUser } from '../helpers/fixtures';

// The recommender reuses the retriever's vector list instead of a second HNSW search: the candidates
// must be exactly those of its own search (findRelatedContent), skills and courses named alike.
forEachBackend('Recommender with the retriever’s nearest rows', (backend) => {
  let ds: AppDataSource;
  const axis = 1203; // an axis no other suite uses, so these rows are the nearest ones
  const near = (i: number) => axisVector(axis, 1300 + (i % 40), 0.05 + i * 0.02);
  let user: string;
  let docIds: string[];

  before(async () => {
    ds = await backend.dataSource();
    user = await makeUser(ds);
    docIds = [];
    let i = 0;
    // More than the 24 rows the recommender reads: the cut at 24 must fall in the same place.
    for (const [contentType, metadata, title] of [
      ['skill', { skill_id: SEED_SKILLS[1].id }, 'Skill row'],
      ['skill', { skill_id: 'no-such-skill' }, 'Skill row of an unknown skill'],
      ['skill', { skill_id: 42 }, 'Skill row with a numeric id'],
      ['skill', {}, 'Skill row without an id'],
      ['course', { course_id: SEED_COURSES[0].id }, 'Course overview'],
      ['course', { skill_id: SEED_SKILLS[2].id }, 'Course row naming a skill'],
    ] as const)
      docIds.push(await makeContent(ds, { title, contentType, metadata, embedding: near(i++) }));
    for (let part = 1; part <= 26; part++)
      docIds.push(await makeContent(ds, { title: `Nearest guide (part ${part}/26)`, embedding: near(i++) }));
  });

  const retriever = () => new HybridRetriever(localProvider(), tuningFor(localProvider().id));

  it('gives the same candidates as a second search, without running one', async () => {
    const vector = axisVector(axis);
    const exclude = [docIds[7]];
    const { own, reused, nearest, searches } = await inUserScope(ds, user, async (m) => {
      const { nearest } = await retriever().searchWithNearest(m, 'nearest guide', { k: 5, queryVector: vector });
      const own = await new Recommender().candidates(m, user, vector, exclude);
      const spy = sinon.spy(m, 'query');
      try {
        const reused = await new Recommender().candidates(m, user, vector, exclude, nearest);
        const searches = spy.getCalls().filter((c) => String(c.args[0]).includes('match_documents')).length;
        return { own, reused, nearest, searches };
      } finally {
        spy.restore();
      }
    });
    assert.ok(nearest && nearest.rows.length > 24, 'an unfiltered search hands its vector list on');
    assert.equal(searches, 0);
    assert.deepEqual(reused, own);
    const byItem = new Map(own.candidates.map((c) => [c.itemId, c]));
    assert.equal(byItem.get(SEED_SKILLS[1].id)?.title, SEED_SKILLS[1].name);
    assert.equal(byItem.get(SEED_COURSES[0].id)?.title, SEED_COURSES[0].title);
    // Rows naming no catalogue item stay content; one card per document.
    assert.ok(byItem.has(docIds[1]) && byItem.has(docIds[2]) && byItem.has(docIds[5]));
    assert.equal(own.candidates.filter((c) => c.title === 'Nearest guide').length, 1);
  });

  it('names catalogue rows as findRelatedContent does, and reads nothing when there are none', async () => {
    const rows = [
      { id: 'a', title: 'A', content_type: 'skill', metadata: { skill_id: SEED_SKILLS[0].id }, similarity: 0.9 },
      { id: 'b', title: 'B', content_type: 'tutorial', metadata: { skill_id: SEED_SKILLS[0].id }, similarity: 0.8 },
      { id: 'c', title: 'C', content_type: 'course', metadata: null, similarity: 0.7 },
    ];
    const related = await inUserScope(ds, user, (m) => relatedContentFromNearest(m, rows));
    assert.deepEqual(
      related.map((r) => [r.id, r.skill_id, r.skill_name, r.course_id, r.course_title]),
      [
        ['a', SEED_SKILLS[0].id, SEED_SKILLS[0].name, null, null],
        ['b', null, null, null, null],
        ['c', null, null, null, null],
      ],
    );
    const queries = await inUserScope(ds, user, async (m: EntityManager) => {
      const spy = sinon.spy(m, 'query');
      try {
        await relatedContentFromNearest(m, rows.slice(1));
        return spy.callCount;
      } finally {
        spy.restore();
      }
    });
    assert.equal(queries, 0);
  });

  it('a filtered search hands no list on, so the recommender searches itself', async () => {
    const vector = axisVector(axis);
    const { nearest, own, fallback } = await inUserScope(ds, user, async (m) => {
      const { nearest } = await retriever().searchWithNearest(m, 'nearest guide', {
        k: 5,
        queryVector: vector,
        contentTypes: ['tutorial'],
      });
      const own = await new Recommender().candidates(m, user, vector, []);
      const fallback = await new Recommender().candidates(m, user, vector, [], nearest);
      return { nearest, own, fallback };
    });
    assert.equal(nearest, null);
    assert.deepEqual(fallback, own);
    assert.ok(own.candidates.some((c) => c.itemId === SEED_SKILLS[1].id));
  });
});
