import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import {
  cleanQuizTopic,
  type QuizResult,
  QuizService,
  type StartQuizResult,
  type SubmitQuizResult,
} from '../../../src/core/learning/quiz-service';
import type { AppDataSource } from '../../../src/db/data-source';
import { insertSeedAssessments, SEED_ASSESSMENTS } from '../../../src/db/seed-assessments';
import { SEED_COURSES, SEED_SKILLS, seedId } from '../../../src/db/seed-rows';
import { inUserScope } from '../../../src/db/user-scope';
import { localProvider } from '../../helpers/conversation';
import { forEachBackend } from '../../helpers/databases';
import { makeUser } from '../../helpers/fixtures';

const skill = (name: string) => SEED_SKILLS.find((s) => s.name === name)!;
const quiz = (title: string) => SEED_ASSESSMENTS.find((a) => a.title === title)!;
/** Right answers for every question, except the ids listed in `wrong` (answered with another choice). */
function answersFor(title: string, wrong: string[] = []): Record<string, string> {
  return Object.fromEntries(
    quiz(title).questions.map((q) => [q.id, wrong.includes(q.id) ? q.choices.find((c) => c.id !== q.answer)!.id : q.answer]),
  );
}
function started(r: StartQuizResult): Extract<StartQuizResult, { kind: 'started' }> {
  assert.equal(r.kind, 'started', 'message' in r ? r.message : '');
  return r as Extract<StartQuizResult, { kind: 'started' }>;
}
function scored(r: SubmitQuizResult): QuizResult {
  assert.equal(r.kind, 'scored', 'message' in r ? r.message : '');
  return (r as Extract<SubmitQuizResult, { kind: 'scored' }>).result;
}

describe('sample assessments', () => {
  it('one per seed skill and course, 4-6 well-formed multiple-choice questions each', () => {
    assert.equal(SEED_ASSESSMENTS.length, SEED_SKILLS.length + SEED_COURSES.length);
    assert.deepEqual(
      SEED_ASSESSMENTS.map((a) => a.metadata.skill_id)
        .filter(Boolean)
        .sort(),
      SEED_SKILLS.map((s) => s.id).sort(),
    );
    assert.deepEqual(
      SEED_ASSESSMENTS.map((a) => a.metadata.course_id)
        .filter(Boolean)
        .sort(),
      SEED_COURSES.map((c) => c.id).sort(),
    );
    for (const a of SEED_ASSESSMENTS) {
      assert.equal(a.id, seedId('assessment', a.title), 'deterministic id');
      assert.ok(a.questions.length >= 4 && a.questions.length <= 6, a.title);
      assert.ok(a.time_limit >= 5 && a.time_limit <= 10 && a.passing_score === 70, a.title);
      assert.ok(['beginner', 'intermediate', 'advanced'].includes(a.difficulty) && a.metadata.topic, a.title);
      assert.equal(new Set(a.questions.map((q) => q.id)).size, a.questions.length);
      for (const q of a.questions) {
        assert.ok(q.text && q.explanation, `${a.title} ${q.id}`);
        assert.equal(q.choices.length, 4);
        assert.equal(new Set(q.choices.map((c) => c.text)).size, 4, `${a.title} ${q.id}: distinct choices`);
        assert.ok(
          q.choices.some((c) => c.id === q.answer),
          `${a.title} ${q.id}: the answer is a choice`,
        );
      }
    }
  });

  it('cleans a quiz topic', () => {
    assert.equal(cleanQuizTopic('quiz me on Python please'), 'Python');
    assert.equal(cleanQuizTopic('/quiz about the project management?'), 'project management');
    assert.equal(cleanQuizTopic('quiz'), '');
  });
});

forEachBackend('learning: quizzes', (backend) => {
  let ds: AppDataSource;
  let quizzes: QuizService;
  before(async () => {
    ds = await backend.dataSource();
    await insertSeedAssessments((sql, p) => ds.query(sql, p));
    quizzes = new QuizService({ ds, provider: localProvider() });
  });

  it('seeds idempotently', async () => {
    assert.deepEqual(await insertSeedAssessments((sql, p) => ds.query(sql, p)), { added: 0, updated: 0 });
    const [{ n }] = await ds.query(`SELECT count(*)::int AS n FROM assessments WHERE id = ANY($1)`, [SEED_ASSESSMENTS.map((a) => a.id)]);
    assert.equal(n, 10);
  });

  it('starts the quiz matching a topic, timed, without the answers', async () => {
    const user = await makeUser(ds);
    const s = started(await quizzes.startQuiz(user, 'python fundamentals'));
    assert.deepEqual([s.quiz.title, s.matchedBy, s.resumed, s.note], ['Python Fundamentals Course Quiz', 'topic', false, null]);
    assert.deepEqual(s.quiz.linkedItem, { type: 'course', id: SEED_COURSES[0].id, title: 'Python Fundamentals' });
    assert.equal(s.questions.length, 6);
    assert.doesNotMatch(JSON.stringify(s), /"answer"|explanation/, 'no answer key leaves the service');
    assert.deepEqual(Object.keys(s.questions[0]).sort(), ['choices', 'id', 'text']);
    assert.equal(s.expiresAt!.getTime() - s.startedAt.getTime(), 8 * 60_000);

    for (const [topic, title] of [
      ['pandas', 'Data Analysis with Python Course Quiz'],
      ['delegation', 'Leadership Quiz'],
      ['active listening', 'Communication Quiz'],
      ['risk register', 'Project Management Fundamentals Course Quiz'],
    ]) {
      assert.equal(started(await quizzes.startQuiz(user, topic)).quiz.title, title, topic);
    }
    const again = started(await quizzes.startQuiz(user, 'Python Fundamentals'));
    assert.deepEqual([again.attemptId, again.resumed], [s.attemptId, true], 'an open attempt is handed back with its deadline');
  });

  it('without a topic (or with one it has no quiz for), picks the least advanced skill not yet passed', async () => {
    const user = await makeUser(ds);
    await ds.query(`INSERT INTO learning_progress (user_id, skill_id, progress) VALUES ($1, $2, 50), ($1, $3, 10), ($1, $4, 100)`, [
      user,
      skill('Leadership').id,
      skill('Communication').id,
      skill('Python Programming').id,
    ]);
    const s = started(await quizzes.startQuiz(user));
    assert.deepEqual([s.quiz.title, s.matchedBy], ['Communication Quiz', 'progress']);
    const fallback = started(await quizzes.startQuiz(user, 'knitting'));
    assert.equal(fallback.quiz.title, 'Communication Quiz');
    assert.equal(fallback.note, 'I have no quiz on “knitting”, so here is one on Communication instead.');
    const newcomer = started(await quizzes.startQuiz(await makeUser(ds)));
    assert.equal(newcomer.quiz.difficulty, 'beginner', 'a newcomer starts with a beginner skill');
  });

  it('scores a full attempt: result stored, passed, skill progress raised, a study suggestion', async () => {
    const user = await makeUser(ds);
    await ds.query(`INSERT INTO learning_progress (user_id, skill_id, progress) VALUES ($1, $2, 10)`, [
      user,
      skill('Python Programming').id,
    ]);
    const s = started(await quizzes.startQuiz(user, undefined, { assessmentId: quiz('Python Programming Quiz').id }));
    assert.equal(s.matchedBy, 'id');
    const r = scored(await quizzes.submitQuiz(user, s.attemptId, answersFor('Python Programming Quiz', ['q5'])));
    assert.deepEqual([r.score, r.correctCount, r.questionCount, r.passed, r.late, r.passingScore], [80, 4, 5, true, false, 70]);
    assert.deepEqual(
      r.questions.map((q) => q.correct),
      [true, true, true, true, false],
    );
    assert.deepEqual(r.questions[4].rightAnswer, { id: 'a', text: 'try / except' });
    assert.match(r.questions[4].explanation!, /except/);
    assert.equal(r.questions[0].rightAnswer, undefined, 'right answers need no correction');
    assert.deepEqual(r.progress, [
      { itemType: 'skill', itemId: skill('Python Programming').id, title: 'Python Programming', before: 10, after: 80, completed: false },
    ]);
    assert.match(
      r.message,
      /^You scored 80% \(4\/5\) on the Python Programming Quiz\. Passed! Your Python Programming progress is now 80%\./,
    );

    const [row] = await ds.query(`SELECT score, passed, late, attempt_id, answers, time_taken FROM assessment_results WHERE id = $1`, [
      r.resultId,
    ]);
    assert.deepEqual([row.score, row.passed, row.late, row.attempt_id], [80, true, false, s.attemptId]);
    assert.deepEqual(row.answers, answersFor('Python Programming Quiz', ['q5']));
    assert.ok(row.time_taken >= 0 && row.time_taken < 60);
    const [attempt] = await ds.query(`SELECT submitted_at, result_id FROM assessment_attempts WHERE id = $1`, [s.attemptId]);
    assert.ok(attempt.submitted_at instanceof Date && attempt.result_id === r.resultId);
    const [progress] = await ds.query(`SELECT progress FROM learning_progress WHERE user_id = $1 AND skill_id = $2`, [
      user,
      skill('Python Programming').id,
    ]);
    assert.equal(progress.progress, 80);

    assert.ok(r.recommendation, 'a suggestion for the missed question');
    assert.match(r.recommendation!.reason, /missed in the Python Programming quiz|Review Python Programming/);
    const [rec] = await ds.query(`SELECT type, item_id FROM recommendations WHERE id = $1 AND user_id = $2`, [r.recommendation!.id, user]);
    assert.deepEqual(rec, { type: r.recommendation!.type, item_id: r.recommendation!.itemId });
  });

  it('a perfect course quiz completes the course and suggests the next skill', async () => {
    const user = await makeUser(ds);
    const s = started(await quizzes.startQuiz(user, 'Project Management Fundamentals'));
    const r = scored(await quizzes.submitQuiz(user, s.attemptId, answersFor(s.quiz.title)));
    assert.deepEqual([r.score, r.passed], [100, true]);
    assert.deepEqual(
      r.progress.map((p) => [p.itemType, p.after, p.completed]),
      [['course', 100, true]],
    );
    const [row] = await ds.query(`SELECT completed_at FROM learning_progress WHERE user_id = $1 AND course_id = $2`, [
      user,
      s.quiz.linkedItem!.id,
    ]);
    assert.ok(row.completed_at instanceof Date, 'completed exactly like "progress … done"');
    assert.ok(r.recommendation && r.recommendation.type !== 'content' && r.recommendation.itemId !== s.quiz.linkedItem!.id);
    assert.match(r.recommendation.reason, /^Next step after Project Management Fundamentals/);
  });

  it('accepts one submission per attempt, also when two arrive at once', async () => {
    const user = await makeUser(ds);
    const s = started(await quizzes.startQuiz(user, 'leadership'));
    const first = scored(await quizzes.submitQuiz(user, s.attemptId, answersFor('Leadership Quiz', ['q1', 'q2', 'q3'])));
    assert.deepEqual([first.score, first.passed], [40, false]);
    assert.match(first.message, /You need 70% to pass/);
    const second = await quizzes.submitQuiz(user, s.attemptId, answersFor('Leadership Quiz'));
    assert.equal(second.kind, 'already_submitted');
    if (second.kind !== 'already_submitted') return;
    assert.deepEqual([second.result.resultId, second.result.score, second.result.passed], [first.resultId, 40, false]);
    assert.match(second.message, /only the first submission counts/);

    const t = started(await quizzes.startQuiz(user, 'communication'));
    const both = await Promise.all([
      quizzes.submitQuiz(user, t.attemptId, answersFor('Communication Quiz')),
      quizzes.submitQuiz(user, t.attemptId, {}),
    ]);
    assert.deepEqual(both.map((b) => b.kind).sort(), ['already_submitted', 'scored']);
    const [{ n }] = await ds.query(`SELECT count(*)::int AS n FROM assessment_results WHERE attempt_id = ANY($1)`, [
      [s.attemptId, t.attemptId],
    ]);
    assert.equal(n, 2);
    const [{ progress }] = await ds.query(`SELECT count(*)::int AS progress FROM learning_progress WHERE user_id = $1 AND skill_id = $2`, [
      user,
      skill('Leadership').id,
    ]);
    assert.equal(progress, 0, 'a failed quiz raises nothing');
  });

  it('records a late submission as late and not a pass, even with every answer right', async () => {
    const user = await makeUser(ds);
    const s = started(await quizzes.startQuiz(user, 'data analysis'));
    assert.equal(s.quiz.title, 'Data Analysis Quiz');
    const late = new Date(s.expiresAt!.getTime() + 3 * 60_000);
    const r = scored(await quizzes.submitQuiz(user, s.attemptId, answersFor('Data Analysis Quiz'), late));
    assert.deepEqual([r.score, r.late, r.passed, r.progress], [100, true, false, []]);
    assert.match(
      r.message,
      /Time was up about 3 minutes before you submitted, so this attempt is recorded as late and doesn't count as a pass\./,
    );
    const [row] = await ds.query(`SELECT late, passed, time_taken FROM assessment_results WHERE id = $1`, [r.resultId]);
    assert.deepEqual([row.late, row.passed, row.time_taken], [true, false, 11 * 60]);
    assert.equal((await ds.query(`SELECT 1 FROM learning_progress WHERE user_id = $1`, [user])).length, 0);

    const t = started(await quizzes.startQuiz(user, 'data analysis'));
    assert.notEqual(t.attemptId, s.attemptId, 'a submitted attempt is never resumed');
    const ok = scored(
      await quizzes.submitQuiz(user, t.attemptId, answersFor('Data Analysis Quiz'), new Date(t.expiresAt!.getTime() + 10_000)),
    );
    assert.deepEqual([ok.late, ok.passed], [false, true], 'a 10 s delivery delay is within the 30 s grace period');
  });

  it("gives a clear message for an unknown attempt, someone else's attempt, or an unknown assessment", async () => {
    const user = await makeUser(ds);
    const other = await makeUser(ds);
    const unknown = await quizzes.submitQuiz(user, randomUUID(), {});
    assert.deepEqual(unknown.kind, 'unknown_attempt');
    assert.match((unknown as { message: string }).message, /can't find that quiz attempt/);
    const theirs = started(await quizzes.startQuiz(other, 'python'));
    assert.equal(
      (await quizzes.submitQuiz(user, theirs.attemptId, {})).kind,
      'unknown_attempt',
      "row-level security hides other people's attempts",
    );
    const noQuiz = await quizzes.startQuiz(user, undefined, { assessmentId: 'no-such-quiz' });
    assert.deepEqual(noQuiz.kind, 'unknown_assessment');
    assert.match((noQuiz as { message: string }).message, /doesn't exist any more/);
  });

  it('the database keeps the deadline and the one submission even if the code did not', async () => {
    const user = await makeUser(ds);
    const s = started(await quizzes.startQuiz(user, 'machine learning basics'));
    await assert.rejects(
      inUserScope(ds, user, (m) =>
        m.query(`UPDATE assessment_attempts SET expires_at = now() + interval '1 year' WHERE id = $1`, [s.attemptId]),
      ),
      (e: { code?: string }) => e.code === '42501',
    );
    await assert.rejects(
      inUserScope(ds, user, (m) =>
        m.query(`INSERT INTO assessment_attempts (user_id, assessment_id, expires_at) VALUES ($1, $2, now() + interval '1 year')`, [
          user,
          s.quiz.assessmentId,
        ]),
      ),
      (e: { code?: string }) => e.code === '42501',
    );
    const r = scored(await quizzes.submitQuiz(user, s.attemptId, {}));
    await assert.rejects(
      inUserScope(ds, user, (m) =>
        m.query(`INSERT INTO assessment_results (user_id, assessment_id, score, attempt_id, passed) VALUES ($1, $2, 100, $3, true)`, [
          user,
          s.quiz.assessmentId,
          s.attemptId,
        ]),
      ),
      (e: { code?: string }) => e.code === '23505',
      'a second result for the attempt',
    );
    await assert.rejects(
      ds.query(`UPDATE assessment_results SET late = true, passed = true WHERE id = $1`, [r.resultId]),
      (e: { code?: string }) => e.code === '23514',
    );
  });
});
