import assert from 'node:assert/strict';
import type { AppDataSource } from '../../../src/db/data-source';
import {
  countProgressUpdatesLast7Days,
  findDashboardUser,
  findQuizTotals,
  findRecentQuizResults,
  findRecentRecommendations,
} from '../../../src/db/repositories/dashboard-repository';
import { findProfileRecommendations, insertRecommendation } from '../../../src/db/repositories/recommendation-repository';
import { insertSeedAssessments, SEED_ASSESSMENTS } from '../../../src/db/seed-assessments';
import { SEED_COURSES, SEED_SKILLS } from '../../../src/db/seed-rows';
import { inUserScope } from '../../../src/db/user-scope';
import { forEachBackend } from '../../helpers/databases';
import { makeUser } from '../../helpers/fixtures';

forEachBackend('db: dashboard and learning recommendation repositories', (backend) => {
  let ds: AppDataSource;
  before(async () => {
    ds = await backend.dataSource();
    await insertSeedAssessments((sql, p) => ds.query(sql, p));
  });

  it('reads the profile, totals and recent progress updates; a newcomer has no quiz average', async () => {
    const user = await makeUser(ds, { name: 'Dee Dashboard', department: 'Repo' });
    assert.deepEqual(await inUserScope(ds, user, (m) => findDashboardUser(m, user)), {
      id: user,
      name: 'Dee Dashboard',
      department: 'Repo',
    });
    assert.deepEqual(await inUserScope(ds, user, (m) => findQuizTotals(m, user)), { taken: 0, passed: 0, average: null });
    await ds.query(`INSERT INTO learning_progress (user_id, skill_id, progress) VALUES ($1, $2, 10)`, [user, SEED_SKILLS[0].id]);
    await ds.query(
      `INSERT INTO learning_progress (user_id, course_id, progress, updated_at) VALUES ($1, $2, 10, now() - interval '8 days')`,
      [user, SEED_COURSES[0].id],
    );
    assert.equal(await inUserScope(ds, user, (m) => countProgressUpdatesLast7Days(m, user)), 1);
  });

  it('reads the latest quiz results and recommendations, newest first, at most `limit`', async () => {
    const user = await makeUser(ds);
    const [a, b] = SEED_ASSESSMENTS;
    await ds.query(
      `INSERT INTO assessment_results (user_id, assessment_id, score, answers, completed_at, passed, late)
       VALUES ($1, $2, 50, '{}', now() - interval '2 days', false, false), ($1, $3, 90, '{}', now() - interval '1 day', true, false)`,
      [user, a.id, b.id],
    );
    const quizzes = await inUserScope(ds, user, (m) => findRecentQuizResults(m, user, 5));
    assert.deepEqual(
      quizzes.map((q) => [q.assessment_id, q.title, Number(q.score), q.passed]),
      [
        [b.id, b.title, 90, true],
        [a.id, a.title, 50, false],
      ],
    );
    assert.equal((await inUserScope(ds, user, (m) => findRecentQuizResults(m, user, 1))).length, 1);
    assert.deepEqual(await inUserScope(ds, user, (m) => findQuizTotals(m, user)), { taken: 2, passed: 1, average: 70 });

    const ids = await inUserScope(ds, user, async (m) => [
      await insertRecommendation(m, { userId: user, type: 'skill', itemId: SEED_SKILLS[1].id, score: 0.9, reason: 'First' }),
      await insertRecommendation(m, { userId: user, type: 'course', itemId: 'deleted-course', score: 0.5, reason: null }),
    ]);
    const recs = await inUserScope(ds, user, (m) => findRecentRecommendations(m, user, 5));
    assert.deepEqual(new Set(recs.map((r) => r.id)), new Set(ids));
    const byId = new Map(recs.map((r) => [r.id, r]));
    assert.deepEqual([byId.get(ids[0])?.title, byId.get(ids[0])?.clicked, byId.get(ids[0])?.reason], [SEED_SKILLS[1].name, false, 'First']);
    assert.equal(byId.get(ids[1])?.title, null, 'a deleted item has no title');
    assert.equal((await inUserScope(ds, user, (m) => findRecentRecommendations(m, user, 1))).length, 1);
  });

  it('asks generate_recommendations for at most `limit` skills and courses', async () => {
    const user = await makeUser(ds);
    const recs = await inUserScope(ds, user, (m) => findProfileRecommendations(m, user, 2));
    assert.ok(recs.length > 0 && recs.length <= 2);
    for (const r of recs) assert.ok(['skill', 'course'].includes(r.type) && r.id && r.title, JSON.stringify(r));
  });
});
