import assert from 'node:assert/strict';
import type { AppDataSource } from '../../../src/db/data-source';
import {
  createAttempt,
  findAssessment,
  findAssessments,
  findAttemptResult,
  findOpenAttempt,
  findResultSummaries,
  insertResult,
  lockAttempt,
  markAttemptSubmitted,
  transactionNow,
} from '../../../src/db/repositories/quiz-repository';
import { insertSeedAssessments, SEED_ASSESSMENTS } from '../../../src/db/seed-assessments';
import { inUserScope } from '../../../src/db/user-scope';
import { forEachBackend } from '../../helpers/databases';
import { makeUser } from '../../helpers/fixtures';

forEachBackend('db: quiz repository', (backend) => {
  let ds: AppDataSource;
  const skillQuiz = SEED_ASSESSMENTS.find((a) => a.metadata.skill_id)!;
  const courseQuiz = SEED_ASSESSMENTS.find((a) => a.metadata.course_id)!;
  before(async () => {
    ds = await backend.dataSource();
    await insertSeedAssessments((sql, p) => ds.query(sql, p));
  });

  it('reads assessments with their linked skill or course', async () => {
    const user = await makeUser(ds);
    const all = await inUserScope(ds, user, (m) => findAssessments(m));
    for (const a of SEED_ASSESSMENTS)
      assert.ok(
        all.some((x) => x.id === a.id),
        a.title,
      );
    const s = await inUserScope(ds, user, (m) => findAssessment(m, skillQuiz.id));
    assert.deepEqual(
      [s?.title, s?.skill_id, s?.course_id, Array.isArray(s?.questions)],
      [skillQuiz.title, skillQuiz.metadata.skill_id, null, true],
    );
    assert.ok(s?.skill_name && typeof s.skill_level === 'number');
    const c = await inUserScope(ds, user, (m) => findAssessment(m, courseQuiz.id));
    assert.deepEqual([c?.course_id, c?.skill_id], [courseQuiz.metadata.course_id, null]);
    assert.ok(c?.course_title && c.course_difficulty);
    assert.equal(await inUserScope(ds, user, (m) => findAssessment(m, 'no-such-quiz')), undefined);
  });

  it('opens one attempt, stores one result, and claims the attempt once', async () => {
    const user = await makeUser(ds);
    const other = await makeUser(ds);
    const attempt = await inUserScope(ds, user, (m) => createAttempt(m, user, skillQuiz.id));
    assert.ok(
      attempt.started_at instanceof Date && attempt.expires_at instanceof Date,
      'the database sets the deadline from the time limit',
    );
    assert.equal((await inUserScope(ds, user, (m) => findOpenAttempt(m, user, skillQuiz.id)))?.id, attempt.id);
    assert.equal(await inUserScope(ds, other, (m) => lockAttempt(m, other, attempt.id)), undefined, "someone else's attempt is not found");

    const submitted = await inUserScope(ds, user, async (m) => {
      const locked = await lockAttempt(m, user, attempt.id);
      assert.deepEqual([locked?.assessment_id, locked?.submitted_at, locked?.result_id], [skillQuiz.id, null, null]);
      const at = await transactionNow(m);
      const resultId = await insertResult(m, {
        userId: user,
        assessmentId: skillQuiz.id,
        attemptId: attempt.id,
        score: 80,
        answers: { q1: 'a' },
        completedAt: at,
        timeTakenSeconds: 42,
        late: false,
        passed: true,
      });
      assert.equal(await markAttemptSubmitted(m, attempt.id, at, resultId), true);
      assert.equal(await markAttemptSubmitted(m, attempt.id, at, resultId), false, 'only the first claim counts');
      return { resultId, at };
    });
    assert.equal(
      await inUserScope(ds, user, (m) => findOpenAttempt(m, user, skillQuiz.id)),
      undefined,
      'a submitted attempt is no longer open',
    );
    const stored = await inUserScope(ds, user, (m) => findAttemptResult(m, submitted.resultId, attempt.id));
    assert.deepEqual(
      [stored?.id, Number(stored?.score), stored?.answers, stored?.late, stored?.passed, stored?.time_taken],
      [submitted.resultId, 80, { q1: 'a' }, false, true, 42],
    );
    assert.equal(
      (await inUserScope(ds, user, (m) => findAttemptResult(m, null, attempt.id)))?.id,
      submitted.resultId,
      'found by attempt too',
    );

    const summaries = await inUserScope(ds, user, (m) => findResultSummaries(m, user));
    assert.deepEqual(
      summaries.map((r) => [r.assessment_id, r.passed]),
      [[skillQuiz.id, true]],
    );
    assert.equal(new Date(summaries[0].last).getTime(), submitted.at.getTime());
  });
});
