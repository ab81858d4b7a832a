import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { renderChart } from '../../../src/channels/teams';
import {
  type AdaptiveCard,
  ago,
  buildDashboardCard,
  buildProgressCard,
  buildProgressChoicesCard,
  buildQuizCard,
  buildQuizResultCard,
  buildRecommendationsCard,
  buildReportCard,
  buildWelcomeCard,
  CARD_BYTE_BUDGET,
  cardBytes,
  cardTime,
  FILE_CONSENT_CONTENT_TYPE,
  fileConsentCard,
  fileInfoCard,
  inlineImage,
  parseCardAction,
  progressBar,
  QUIZ_INPUT_PREFIX,
  reportFileName,
  type StartedQuiz,
} from '../../../src/channels/teams/cards';
import {
  helpLines,
  type PersonalDashboard,
  type ProgressItem,
  type ProgressReport,
  type QuizResult,
  type ReportRow,
} from '../../../src/core/learning';
import { chartSize } from '../../../src/render/report-chart';
import { type Json, submitActions } from './helpers';

const NOW = new Date(Date.UTC(2025, 5, 1, 12, 0, 0));
const daysAgo = (n: number) => new Date(NOW.getTime() - n * 86_400_000);

const deepFreeze = <T>(o: T): T => {
  if (o && typeof o === 'object' && !(o instanceof Date)) {
    Object.values(o).forEach(deepFreeze);
    Object.freeze(o);
  }
  return o;
};

function collect(c: unknown, pick: (o: Json) => unknown): unknown[] {
  const out: unknown[] = [];
  const walk = (x: unknown) => {
    if (Array.isArray(x)) x.forEach(walk);
    else if (x && typeof x === 'object') {
      const v = pick(x as Json);
      if (v !== undefined) out.push(v);
      Object.values(x).forEach(walk);
    }
  };
  walk(c);
  return out;
}
const texts = (c: AdaptiveCard) => collect(c, (o) => (o.type === 'TextBlock' ? o.text : undefined)) as string[];
const ofType = (c: AdaptiveCard, type: string) => collect(c, (o) => (o.type === type ? o : undefined)) as Json[];
const facts = (c: AdaptiveCard) =>
  Object.fromEntries(
    (ofType(c, 'FactSet').flatMap((f) => f.facts) as Array<{ title: string; value: string }>).map((f) => [f.title, f.value]),
  );

function report(n: number, over: Partial<ProgressReport> = {}): ProgressReport {
  const rows: ReportRow[] = Array.from({ length: n }, (_, i) => ({
    userId: `u${i}`,
    name: `Person ${String(i).padStart(3, '0')}`,
    email: `p${i}@example.test`,
    department: 'Sales',
    coursesCompleted: i % 3,
    coursesTotal: 3,
    skillsCompleted: i % 2,
    skillsTotal: 2,
    overallProgress: Math.round((1000 * (n - i)) / n) / 10,
    lastActivity: i % 4 === 3 ? null : daysAgo((i % 4) * 3),
    recentUpdates7d: i % 5,
  }));
  return {
    kind: 'report',
    scope: 'department',
    department: 'Sales',
    title: 'Sales',
    generatedAt: NOW,
    viewer: { userId: 'v', name: 'Mona', role: 'manager', department: 'Sales' },
    rows,
    totals: { people: n, averageProgress: 50.5, coursesCompleted: 7, skillsCompleted: 3, activeLast7Days: 2 },
    ...over,
  };
}

describe('Teams learning cards', () => {
  describe('report card', () => {
    it('has the title, department totals and one row per person with courses, skills, progress and last activity', () => {
      const built = buildReportCard(deepFreeze(report(4)), { csv: 'file' });
      const c = built.card;
      assert.equal(c.version, '1.5');
      assert.deepEqual([built.rowsShown, built.rowsOmitted, built.chartEmbedded], [4, 0, false]);
      assert.equal(texts(c)[0], 'Learning report: Sales');
      assert.deepEqual(facts(c), {
        People: '4',
        'Average progress': '50.5%',
        'Courses completed': '7',
        'Skills completed': '3',
        'Active in the last 7 days': '2 of 4',
      });
      const rows = ofType(c, 'ColumnSet').map((cs) => cs.columns.map((col: Json) => col.items[0].text));
      assert.deepEqual(rows, [
        ['Name', 'Courses', 'Skills', 'Progress', 'Last active'],
        ['Person 000', '0/3', '0/2', '100%', 'today'],
        ['Person 001', '1/3', '1/2', '75%', '3 days ago'],
        ['Person 002', '2/3', '0/2', '50%', '6 days ago'],
        ['Person 003', '0/3', '1/2', '25%', 'never'],
      ]);
      assert.ok(texts(c).some((t) => /CSV file below: choose \*\*Allow\*\*/.test(t)));
      assert.deepEqual(buildReportCard(report(4), { csv: 'file' }), built, 'pure');
    });

    it('shows as many rows as fit the budget, then "and N more in the CSV"', () => {
      const big = report(500);
      const built = buildReportCard(big);
      assert.ok(cardBytes(built.card) <= CARD_BYTE_BUDGET, `${cardBytes(built.card)} bytes`);
      assert.ok(built.rowsShown > 20 && built.rowsShown < 500, String(built.rowsShown));
      assert.equal(built.rowsShown + built.rowsOmitted, 500);
      assert.ok(texts(built.card).includes(`…and ${built.rowsOmitted} more people in the CSV.`));
      assert.equal(ofType(built.card, 'ColumnSet').length, built.rowsShown + 1);
      // one more row would not have fitted
      const tighter = buildReportCard(big, { maxBytes: cardBytes(built.card) - 1 });
      assert.ok(tighter.rowsShown < built.rowsShown);
    });

    it('embeds the chart only when it fits; otherwise the caller sends it separately', () => {
      const small = `data:image/png;base64,${Buffer.alloc(3000).toString('base64')}`;
      const withChart = buildReportCard(report(3), { chartDataUri: small });
      assert.equal(withChart.chartEmbedded, true);
      const [image] = ofType(withChart.card, 'Image');
      assert.equal(image.url, small);
      assert.match(image.altText, /Sales/);

      const huge = `data:image/png;base64,${Buffer.alloc(30_000).toString('base64')}`;
      const without = buildReportCard(report(3), { chartDataUri: huge });
      assert.equal(without.chartEmbedded, false);
      assert.equal(ofType(without.card, 'Image').length, 0);
      assert.equal(without.rowsShown, 3, 'rows come before the chart');
    });

    it('shows a person report as facts, with the refusal sentence above when it is a fallback', () => {
      const person = report(1, { scope: 'person', title: 'Ada Lovelace', department: 'Sales' });
      const c = buildReportCard(person, { note: 'Sorry, department reports are for managers.' }).card;
      assert.deepEqual(texts(c).slice(0, 2), ['Sorry, department reports are for managers.', 'Learning progress: Ada Lovelace']);
      assert.deepEqual(facts(c), {
        'Overall progress': '100%',
        'Courses completed': '0 of 3',
        'Skills completed': '0 of 2',
        'Last activity': 'today',
        'Updates in the last 7 days': '0',
      });
      assert.equal(ofType(c, 'ColumnSet').length, 0);
    });
  });

  describe('report chart for Teams', () => {
    it('stays under 1024 px and the inline-image byte cap, "top N of M" beyond that', function () {
      this.timeout(20_000);
      const png = renderChart(report(200));
      assert.ok(png.length <= 150_000, `${png.length} bytes`);
      const height = png.readUInt32BE(20);
      assert.ok(height <= 1024, `${height} px`);
      assert.ok(height < chartSize(report(200)).height, 'fewer bars than the core would draw');
    });
  });

  describe('progress card', () => {
    const item = (over: Partial<ProgressItem>): ProgressItem => ({
      id: randomUUID(),
      itemType: 'course',
      itemId: randomUUID(),
      title: 'Python Fundamentals',
      percent: 20,
      completed: false,
      completedAt: null,
      startedAt: NOW,
      updatedAt: NOW,
      status: 'in_progress',
      ...over,
    });

    it('gives each item a bar and buttons: "50 %" below half, "Completed" until completed', () => {
      const low = item({ percent: 20 });
      const high = item({ itemType: 'skill', title: 'Leadership', percent: 80 });
      const done = item({ title: 'Done Thing', percent: 100, completed: true, completedAt: NOW, status: 'completed' });
      const c = buildProgressCard(deepFreeze([low, high, done]));
      assert.ok(texts(c).includes('██░░░░░░░░ 20% · In progress'));
      assert.ok(texts(c).includes('██████████ 100% · ✅ Completed'));
      assert.deepEqual(
        submitActions(c).map((a) => [a.title, a.data]),
        [
          ['50 %', { action: 'progress_set', itemType: 'course', itemId: low.itemId, percent: 50 }],
          ['Completed', { action: 'progress_set', itemType: 'course', itemId: low.itemId, percent: 'complete' }],
          ['Completed', { action: 'progress_set', itemType: 'skill', itemId: high.itemId, percent: 'complete' }],
        ],
      );
      assert.equal(texts(c)[1], '2 in progress · 1 completed · 0 not started');
    });

    it('says what to do when empty, and stays under budget with many items', () => {
      assert.match(texts(buildProgressCard([])).join('\n'), /Nothing yet/);
      const many = Array.from({ length: 300 }, (_, i) => item({ title: `Course number ${i} with a long enough title to take room` }));
      const c = buildProgressCard(many);
      assert.ok(cardBytes(c) <= CARD_BYTE_BUDGET);
      const shown = ofType(c, 'Container').length;
      assert.ok(texts(c).includes(`…and ${300 - shown} more.`));
    });

    it('offers one button per option for an ambiguous name, recording the percentage asked', () => {
      const options = [
        { type: 'skill' as const, id: 's1', title: 'Python Programming' },
        { type: 'course' as const, id: 'c1', title: 'Python Fundamentals' },
      ];
      const c = buildProgressChoicesCard('Which one do you mean?', options, 30);
      assert.equal(texts(c)[0], 'Which one do you mean?');
      assert.deepEqual(
        submitActions(c).map((a) => [a.title, a.data]),
        [
          ['Python Programming (skill)', { action: 'progress_set', itemType: 'skill', itemId: 's1', percent: 30 }],
          ['Python Fundamentals (course)', { action: 'progress_set', itemType: 'course', itemId: 'c1', percent: 30 }],
        ],
      );
    });
  });

  describe('quiz cards', () => {
    const started: StartedQuiz = {
      kind: 'started',
      attemptId: randomUUID(),
      startedAt: NOW,
      expiresAt: new Date(NOW.getTime() + 8 * 60_000),
      matchedBy: 'topic',
      resumed: false,
      note: null,
      quiz: {
        assessmentId: 'a1',
        title: 'Python Quiz',
        description: 'Basics',
        difficulty: 'beginner',
        timeLimitMinutes: 8,
        passingScore: 70,
        questionCount: 2,
        linkedItem: { type: 'skill', id: 's1', title: 'Python Programming' },
      },
      questions: [
        {
          id: 'q1',
          text: 'What is 1 + 1?',
          choices: [
            { id: 'a', text: '1' },
            { id: 'b', text: '2' },
          ],
        },
        {
          id: 'q2',
          text: 'Which keyword defines a function?',
          choices: [
            { id: 'a', text: 'def' },
            { id: 'b', text: 'fun' },
            { id: 'c', text: 'function' },
          ],
        },
      ],
    };

    it('asks each question with radio buttons and submits the attempt id', () => {
      const c = buildQuizCard(deepFreeze(started));
      const sets = ofType(c, 'Input.ChoiceSet');
      assert.deepEqual(
        sets.map((s) => [s.id, s.style, s.isMultiSelect, s.choices.map((x: Json) => x.value)]),
        [
          [`${QUIZ_INPUT_PREFIX}q1`, 'expanded', false, ['a', 'b']],
          [`${QUIZ_INPUT_PREFIX}q2`, 'expanded', false, ['a', 'b', 'c']],
        ],
      );
      assert.deepEqual(c.actions, [
        {
          type: 'Action.Submit',
          title: 'Submit answers',
          style: 'positive',
          data: { action: 'quiz_submit', attemptId: started.attemptId },
        },
      ]);
      assert.ok(texts(c).includes('**1.** What is 1 + 1?'));
      assert.equal(facts(c)['Time limit'], `8 minutes: submit by ${cardTime(started.expiresAt!)}`);
      assert.equal(cardTime(started.expiresAt!), '{{TIME(2025-06-01T12:08:00Z)}}');
      const noteCard = buildQuizCard({ ...started, note: 'I have no quiz on “knitting”…', resumed: true });
      assert.equal(texts(noteCard)[0], 'I have no quiz on “knitting”…');
      assert.ok(texts(noteCard).some((t) => /already started this quiz/.test(t)));
    });

    const result = (over: Partial<QuizResult> = {}): QuizResult => ({
      resultId: 'r1',
      attemptId: started.attemptId,
      assessmentId: 'a1',
      title: 'Python Quiz',
      score: 50,
      correctCount: 1,
      questionCount: 2,
      passingScore: 70,
      passed: false,
      late: false,
      timeTakenSeconds: 60,
      submittedAt: NOW,
      questions: [
        { id: 'q1', text: 'What is 1 + 1?', chosen: { id: 'b', text: '2' }, correct: true },
        {
          id: 'q2',
          text: 'Which keyword defines a function?',
          chosen: { id: 'b', text: 'fun' },
          correct: false,
          rightAnswer: { id: 'a', text: 'def' },
          explanation: 'Python uses def.',
        },
      ],
      progress: [],
      recommendation: {
        id: randomUUID(),
        type: 'content',
        itemId: 'x',
        title: 'Functions in Python',
        score: 0.5,
        reason: 'Covers what you missed in the Python quiz',
      },
      message: 'You scored 50% (1/2) on the Python Quiz. You need 70% to pass.',
      ...over,
    });

    it('shows the score, each wrong answer with the right one and why, a suggestion with a button, and Try again', () => {
      const r = result();
      const c = buildQuizResultCard(deepFreeze(r));
      const t = texts(c);
      assert.equal(t[0], 'Quiz result: Python Quiz');
      assert.equal(t[1], '**50%** · 1 of 2 right · Not passed (70% needed)');
      assert.ok(t.includes('Your answer: fun') && t.includes('Right answer: def') && t.includes('Python uses def.'));
      assert.ok(!t.some((x) => x.includes('What is 1 + 1?')), 'right answers are not listed');
      assert.deepEqual(
        submitActions(c).map((a) => a.data),
        [
          { action: 'rec_open', recommendationId: r.recommendation!.id },
          { action: 'quiz_start', assessmentId: 'a1' },
        ],
      );
    });

    it('marks late and passed results, and notes a repeated submission', () => {
      const late = buildQuizResultCard(result({ score: 100, correctCount: 2, late: true, questions: [] }), {
        note: 'You already submitted this quiz.',
      });
      assert.deepEqual(texts(late).slice(0, 3), [
        'You already submitted this quiz.',
        'Quiz result: Python Quiz',
        '**100%** · 2 of 2 right · Late: recorded, but not a pass',
      ]);
      const passed = buildQuizResultCard(
        result({
          score: 100,
          correctCount: 2,
          passed: true,
          questions: [],
          recommendation: null,
          progress: [{ itemType: 'skill', itemId: 's1', title: 'Python Programming', before: 20, after: 100, completed: true }],
        }),
      );
      assert.match(texts(passed)[1], /Passed ✅$/);
      assert.equal(facts(passed)['Python Programming'], 'completed ✅');
      assert.equal(passed.actions, undefined, 'no Try again after a pass');
    });
  });

  describe('dashboard and recommendations', () => {
    const dashboard: PersonalDashboard = {
      user: { userId: 'u1', name: 'Ada Lovelace', department: 'Research' },
      progress: [
        {
          id: 'p1',
          itemType: 'skill',
          itemId: 's1',
          title: 'Leadership',
          percent: 30,
          completed: false,
          completedAt: null,
          startedAt: NOW,
          updatedAt: NOW,
          status: 'in_progress',
        },
        {
          id: 'p2',
          itemType: 'course',
          itemId: 'c1',
          title: 'Python Fundamentals',
          percent: 100,
          completed: true,
          completedAt: NOW,
          startedAt: NOW,
          updatedAt: NOW,
          status: 'completed',
        },
      ],
      totals: {
        skillsTotal: 1,
        skillsCompleted: 0,
        coursesTotal: 1,
        coursesCompleted: 1,
        overallProgress: 65,
        inProgress: 1,
        quizzesTaken: 2,
        quizzesPassed: 1,
        averageQuizScore: 72.5,
        progressUpdates7d: 3,
      },
      recentRecommendations: [
        {
          id: randomUUID(),
          type: 'course',
          itemId: 'c2',
          title: 'Machine Learning Basics',
          available: true,
          score: 0.7,
          reason: 'Next step',
          clicked: false,
          createdAt: NOW,
        },
        {
          id: randomUUID(),
          type: 'skill',
          itemId: 's2',
          title: 'Communication',
          available: true,
          score: 0.5,
          reason: 'Popular',
          clicked: true,
          createdAt: NOW,
        },
      ],
      recentQuizzes: [
        {
          resultId: 'r1',
          assessmentId: 'a1',
          title: 'Leadership Quiz',
          score: 80,
          passed: true,
          late: false,
          completedAt: daysAgo(2),
          timeTakenSeconds: 100,
        },
      ],
      generatedAt: NOW,
    };

    it('shows totals, what is in progress, recent quizzes and recommendations (buttons on the unopened ones)', () => {
      const c = buildDashboardCard(deepFreeze(dashboard));
      const f = facts(c);
      assert.equal(f['Overall progress'], '███████░░░ 65%');
      assert.equal(f.Quizzes, '2 taken, 1 passed, average 72.5%');
      assert.equal(f['Leadership Quiz'], '80% · passed · 2 days ago');
      assert.ok(texts(c).includes('Leadership · Skill'));
      assert.ok(!texts(c).includes('Python Fundamentals · Course'), 'completed items are not "in progress"');
      assert.deepEqual(
        submitActions(c).map((a) => a.data),
        [{ action: 'rec_open', recommendationId: dashboard.recentRecommendations[0].id }],
      );
      assert.ok(texts(c).includes('Communication · Skill · opened'));
    });

    it('lists fresh recommendations with Start/Read buttons, and says so when there are none', () => {
      const recs = [
        { id: randomUUID(), type: 'course' as const, itemId: 'c', title: 'ML Basics', score: 0.7, reason: 'Next step' },
        { id: randomUUID(), type: 'content' as const, itemId: 'd', title: 'Reading', score: 0.5, reason: 'Related' },
      ];
      const c = buildRecommendationsCard(recs);
      assert.deepEqual(
        submitActions(c).map((a) => [a.title, a.data]),
        recs.map((r) => [r.type === 'content' ? 'Read' : 'Start', { action: 'rec_open', recommendationId: r.id }]),
      );
      assert.match(texts(buildRecommendationsCard([]))[0], /Nothing new to recommend/);
    });
  });

  describe('help card', () => {
    it('lists every command with its example, in personal chats and channels', () => {
      for (const personal of [true, false]) {
        const t = texts(buildWelcomeCard({ personal }));
        for (const line of helpLines('teams')) assert.ok(t.includes(`• ${line}`), line);
      }
    });
  });

  describe('card actions of the learning loop', () => {
    it('parses progress, quiz submit (with the chosen answers) and quiz start buttons', () => {
      assert.deepEqual(parseCardAction({ action: 'progress_set', itemType: 'skill', itemId: 's1', percent: 50 }), {
        action: 'progress_set',
        itemType: 'skill',
        itemId: 's1',
        percent: 50,
      });
      assert.deepEqual(
        parseCardAction({ action: 'progress_set', itemType: 'course', itemId: 'c1', percent: 'complete' })?.action,
        'progress_set',
      );
      assert.deepEqual(
        parseCardAction({
          action: 'quiz_submit',
          attemptId: 'att',
          [`${QUIZ_INPUT_PREFIX}q1`]: 'b',
          [`${QUIZ_INPUT_PREFIX}q2`]: '',
          other: 'x',
          msteams: {},
        }),
        { action: 'quiz_submit', attemptId: 'att', answers: { q1: 'b' } },
      );
      const polluted = parseCardAction(JSON.parse(`{"action":"quiz_submit","attemptId":"a","${QUIZ_INPUT_PREFIX}__proto__":"x"}`));
      assert.ok(polluted && polluted.action === 'quiz_submit');
      assert.equal(Object.getPrototypeOf(polluted.answers), Object.prototype, 'the prototype is untouched');
      assert.ok(Object.hasOwn(polluted.answers, '__proto__'), 'an ordinary own key (the core ignores ids that are not questions)');
      assert.deepEqual(parseCardAction({ action: 'quiz_start', assessmentId: 'a1' }), { action: 'quiz_start', assessmentId: 'a1' });
      for (const bad of [
        { action: 'progress_set', itemType: 'user', itemId: 's', percent: 5 },
        { action: 'progress_set', itemType: 'skill', itemId: 's', percent: '50' },
        { action: 'quiz_submit' },
        { action: 'quiz_start', assessmentId: '' },
      ]) {
        assert.equal(parseCardAction(bad), null, JSON.stringify(bad));
      }
    });
  });

  describe('attachments and formatting', () => {
    it('builds file consent and file info cards, inline images and file names', () => {
      const consent = fileConsentCard('r.csv', 'Report', 120, { kind: 'report_csv', department: 'Sales' });
      assert.deepEqual(consent, {
        contentType: FILE_CONSENT_CONTENT_TYPE,
        name: 'r.csv',
        content: {
          description: 'Report',
          sizeInBytes: 120,
          acceptContext: { kind: 'report_csv', department: 'Sales' },
          declineContext: { kind: 'report_csv', department: 'Sales' },
        },
      });
      assert.deepEqual(fileInfoCard({ name: 'r.csv', contentUrl: 'https://x/r.csv', uniqueId: 'u', fileType: 'csv' }), {
        contentType: 'application/vnd.microsoft.teams.card.file.info',
        name: 'r.csv',
        contentUrl: 'https://x/r.csv',
        content: { uniqueId: 'u', fileType: 'csv' },
      });
      assert.deepEqual(inlineImage(Buffer.from('png'), 'c.png'), {
        contentType: 'image/png',
        contentUrl: 'data:image/png;base64,cG5n',
        name: 'c.png',
      });
      assert.equal(reportFileName('Ventes & Opérations', NOW), 'learning-report-ventes-operations-2025-06-01.csv');
    });

    it('draws bars and relative dates', () => {
      assert.equal(progressBar(0), '░░░░░░░░░░');
      assert.equal(progressBar(55), '██████░░░░');
      assert.equal(progressBar(250), '██████████');
      assert.deepEqual(
        [ago(null, NOW), ago(NOW, NOW), ago(daysAgo(1), NOW), ago(daysAgo(12), NOW), ago(daysAgo(90), NOW)],
        ['never', 'today', 'yesterday', '12 days ago', '2025-03-03'],
      );
    });
  });
});
