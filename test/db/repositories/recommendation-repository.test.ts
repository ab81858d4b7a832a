import assert from 'node:assert/strict';
import type { AppDataSource } from '../../../src/db/data-source';
import {
  findProfileRecommendations,
  findProgressWithTitles,
  findRelatedContent,
  insertRecommendation,
  markRecommendationClicked,
  startProgressIfNew,
} from '../../../src/db/repositories/recommendation-repository';
import { SEED_COURSES, SEED_SKILLS } from '../../../src/db/seed-rows';
import { inUserScope } from '../../../src/db/user-scope';
import { forEachBackend } from '../../helpers/databases';
import { axisVector, makeContent, makeUser } from '../../helpers/fixtures';

forEachBackend('recommendation repository', (backend) => {
  let ds: AppDataSource;
  before(async () => {
    ds = await backend.dataSource();
  });

  it('stores a recommendation and marks it clicked for its owner only (row-level security)', async () => {
    const user = await makeUser(ds);
    const id = await inUserScope(ds, user, (m) =>
      insertRecommendation(m, { userId: user, type: 'course', itemId: SEED_COURSES[0].id, score: 0.6, reason: 'why' }),
    );
    const other = await makeUser(ds);
    assert.equal(await inUserScope(ds, other, (m) => markRecommendationClicked(m, other, id)), undefined);
    assert.deepEqual(await inUserScope(ds, user, (m) => markRecommendationClicked(m, user, id)), {
      type: 'course',
      itemId: SEED_COURSES[0].id,
    });
    assert.deepEqual(await ds.query(`SELECT clicked, score, reason FROM recommendations WHERE id = $1`, [id]), [
      { clicked: true, score: 0.6, reason: 'why' },
    ]);
  });

  it('starts progress once, and reads progress with the names of skills and courses', async () => {
    const user = await makeUser(ds);
    assert.equal(await inUserScope(ds, user, (m) => startProgressIfNew(m, user, 'skill', SEED_SKILLS[0].id)), true);
    assert.equal(await inUserScope(ds, user, (m) => startProgressIfNew(m, user, 'skill', SEED_SKILLS[0].id)), false);
    assert.equal(await inUserScope(ds, user, (m) => startProgressIfNew(m, user, 'course', SEED_COURSES[0].id)), true);
    const rows = await inUserScope(ds, user, (m) => findProgressWithTitles(m, user));
    assert.deepEqual(
      rows.map((r) => [r.skill_id ?? r.course_id, r.title, r.progress, r.completed_at]).sort(),
      [
        [SEED_COURSES[0].id, SEED_COURSES[0].title, 0, null],
        [SEED_SKILLS[0].id, SEED_SKILLS[0].name, 0, null],
      ].sort(),
    );
    assert.deepEqual(await inUserScope(ds, await makeUser(ds), (m) => findProgressWithTitles(m, user)), [], 'RLS: nobody else sees them');
  });

  it('finds content close to a vector, skill rows named by their catalogue entry', async () => {
    const axis = 1400;
    const skillRow = await makeContent(ds, {
      title: 'Catalogue row',
      contentType: 'skill',
      embedding: axisVector(axis),
      metadata: { skill_id: SEED_SKILLS[1].id },
    });
    const doc = await makeContent(ds, { title: 'A guide', embedding: axisVector(axis, axis + 1, 0.5) });
    const user = await makeUser(ds);
    const related = await inUserScope(ds, user, (m) => findRelatedContent(m, axisVector(axis)));
    const mine = related.filter((r) => r.id === skillRow || r.id === doc);
    assert.deepEqual(
      mine.map((r) => [r.id, r.skill_id, r.skill_name]),
      [
        [skillRow, SEED_SKILLS[1].id, SEED_SKILLS[1].name],
        [doc, null, null],
      ],
    );
    assert.ok(mine[0].similarity > 0.99 && mine[1].similarity < mine[0].similarity);
    assert.ok(related.length <= 24);
  });

  it('reads generate_recommendations with score and reason', async () => {
    const user = await makeUser(ds);
    const recs = await inUserScope(ds, user, (m) => findProfileRecommendations(m, user));
    assert.ok(recs.length > 0 && recs.length <= 10);
    for (const r of recs) {
      assert.ok(r.type === 'skill' || r.type === 'course');
      assert.ok(typeof r.title === 'string' && typeof r.reason === 'string' && r.score >= 0 && r.score <= 1);
    }
  });
});
