import assert from 'node:assert/strict';
import { InteractionService } from '../../../src/core/interaction-service';
import { DashboardService } from '../../../src/core/learning/dashboard-service';
import { ProgressService } from '../../../src/core/learning/progress-service';
import { QuizService } from '../../../src/core/learning/quiz-service';
import type { AppDataSource } from '../../../src/db/data-source';
import { insertSeedAssessments, SEED_ASSESSMENTS } from '../../../src/db/seed-assessments';
import { SEED_CONTENT, SEED_COURSES, SEED_SKILLS } from '../../../src/db/seed-rows';
import { localProvider } from '../../helpers/conversation';
import { forEachBackend } from '../../helpers/databases';
import { makeUser } from '../../helpers/fixtures';

const skill = (name: string) => SEED_SKILLS.find((s) => s.name === name)!;
const course = (title: string) => SEED_COURSES.find((c) => c.title === title)!;

forEachBackend('learning: dashboard and recommendations', (backend) => {
  let ds: AppDataSource;
  let dashboard: DashboardService;
  before(async () => {
    ds = await backend.dataSource();
    await insertSeedAssessments((sql, p) => ds.query(sql, p));
    dashboard = new DashboardService({ ds });
  });

  it('shows progress, totals, the last 5 recommendations with titles and the last 5 quiz results', async () => {
    const user = await makeUser(ds, { name: 'Dana Dashboard' });
    const other = await makeUser(ds);
    await ds.query(`INSERT INTO learning_progress (user_id, skill_id, progress) VALUES ($1, $2, 100), ($1, $3, 40)`, [
      user,
      skill('Communication').id,
      skill('Leadership').id,
    ]);
    await ds.query(`INSERT INTO learning_progress (user_id, course_id, progress) VALUES ($1, $2, 0)`, [
      user,
      course('Python Fundamentals').id,
    ]);
    await ds.query(`INSERT INTO learning_progress (user_id, skill_id, progress) VALUES ($1, $2, 70)`, [other, skill('Leadership').id]);
    // Seven recommendations, oldest first: only the newest five show; one points at a deleted item.
    const items: Array<[string, string]> = [
      ['skill', skill('Data Analysis').id],
      ['course', course('Machine Learning Basics').id],
      ['content', SEED_CONTENT[0].id],
      ['skill', 'deleted-skill'],
      ['course', course('Python Fundamentals').id],
      ['skill', skill('Leadership').id],
      ['content', SEED_CONTENT[1].id],
    ];
    for (const [i, [type, id]] of items.entries()) {
      await ds.query(
        `INSERT INTO recommendations (user_id, type, item_id, score, reason, created_at) VALUES ($1, $2, $3, 0.5, 'r', now() - make_interval(mins => $4))`,
        [user, type, id, 100 - i],
      );
    }
    await ds.query(`INSERT INTO recommendations (user_id, type, item_id, score) VALUES ($1, 'skill', $2, 0.9)`, [
      other,
      skill('Python Programming').id,
    ]);
    const quizzes = new QuizService({ ds, provider: localProvider() });
    const q = SEED_ASSESSMENTS.find((a) => a.title === 'Leadership Quiz')!;
    const s = await quizzes.startQuiz(user, 'leadership');
    assert.equal(s.kind, 'started');
    if (s.kind !== 'started') return;
    await quizzes.submitQuiz(user, s.attemptId, Object.fromEntries(q.questions.map((x) => [x.id, x.answer])));

    const d = await dashboard.personalDashboard(user);
    assert.deepEqual(d.user, { userId: user, name: 'Dana Dashboard', department: null });
    assert.deepEqual(d.progress, await new ProgressService(ds).listProgress(user), 'the same list as "progress"');
    assert.deepEqual(
      d.progress.map((p) => [p.title, p.status]),
      [
        ['Python Fundamentals', 'not_started'],
        ['Leadership', 'completed'],
        ['Communication', 'completed'],
      ],
      'the perfect Leadership quiz completed the skill (latest completion first)',
    );
    assert.deepEqual(d.totals, {
      skillsTotal: 2,
      skillsCompleted: 2,
      coursesTotal: 1,
      coursesCompleted: 0,
      overallProgress: 66.7,
      inProgress: 0,
      quizzesTaken: 1,
      quizzesPassed: 1,
      averageQuizScore: 100,
      progressUpdates7d: 3,
    });
    assert.equal(d.recentQuizzes.length, 1);
    assert.deepEqual(
      [d.recentQuizzes[0].title, d.recentQuizzes[0].score, d.recentQuizzes[0].passed, d.recentQuizzes[0].late],
      ['Leadership Quiz', 100, true, false],
    );
    // The quiz stored a "next step" recommendation, the newest of all.
    const recs = d.recentRecommendations;
    assert.equal(recs.length, 5);
    assert.match(recs[0].reason ?? '', /^Next step after Leadership/);
    assert.deepEqual(
      recs.slice(1).map((r) => [r.type, r.title, r.available]),
      [
        ['content', SEED_CONTENT[1].title, true],
        ['skill', 'Leadership', true],
        ['course', 'Python Fundamentals', true],
        ['skill', '(no longer available)', false],
      ],
    );
  });

  it('makes fresh recommendations without a question, stored and clickable, never completed items', async () => {
    const user = await makeUser(ds);
    await ds.query(`INSERT INTO learning_progress (user_id, skill_id, progress) VALUES ($1, $2, 100), ($1, $3, 100)`, [
      user,
      skill('Communication').id,
      skill('Project Management').id,
    ]);
    const cards = await dashboard.freshRecommendations(user);
    assert.equal(cards.length, 3);
    assert.ok(cards.every((c) => c.type === 'skill' || c.type === 'course'));
    assert.ok(
      !cards.some((c) => [skill('Communication').id, skill('Project Management').id].includes(c.itemId)),
      'never what was completed',
    );
    assert.ok(cards.every((c) => c.title && c.reason && c.score >= 0 && c.score <= 1));
    assert.match(cards[0].reason, /^Next step after /);
    const stored = await ds.query(`SELECT id, item_id FROM recommendations WHERE user_id = $1 ORDER BY created_at`, [user]);
    assert.deepEqual(stored.map((r: { id: string }) => r.id).sort(), cards.map((c) => c.id).sort());
    const click = await new InteractionService(ds).clickRecommendation(user, cards[0].id);
    assert.equal(click.started, true, 'a click starts the item');
    const d = await dashboard.personalDashboard(user);
    assert.deepEqual(new Set(d.recentRecommendations.map((r) => r.id)), new Set(cards.map((c) => c.id)));
    assert.ok(d.recentRecommendations.find((r) => r.id === cards[0].id)!.clicked);
    const newcomer = await dashboard.freshRecommendations(await makeUser(ds));
    assert.equal(newcomer.length, 3);
  });
});
