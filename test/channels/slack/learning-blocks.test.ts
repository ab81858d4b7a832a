import assert from 'node:assert/strict';
import {
  dashboardHomeView,
  helpMessage,
  progressMessage,
  quizAnswersFromState,
  quizMessage,
  reportMessage,
} from '../../../src/channels/slack/blocks/learning-blocks';
import type { PersonalDashboard, ProgressItem, ProgressReport } from '../../../src/core/learning';

type Json = any;
const texts = (x: unknown, out: string[] = []): string[] => {
  if (Array.isArray(x)) for (const y of x) texts(y, out);
  else if (x && typeof x === 'object') {
    const o = x as Json;
    if (typeof o.text === 'string') out.push(o.text);
    for (const y of Object.values(o)) texts(y, out);
  }
  return out;
};
function withinLimits(blocks: unknown[]): void {
  assert.ok(blocks.length <= 50, `${blocks.length} blocks`);
  for (const t of texts(blocks)) assert.ok(t.length <= 3000, `a text of ${t.length} characters`);
}

const now = new Date('2025-03-01T12:00:00Z');
const row = (i: number) => ({
  userId: `u${i}`,
  name: `Person ${i} ${'x'.repeat(300)}`,
  email: `p${i}@x.test`,
  department: 'Sales',
  coursesCompleted: 1,
  coursesTotal: 2,
  skillsCompleted: 0,
  skillsTotal: 1,
  overallProgress: 100 - (i % 100),
  lastActivity: now,
  recentUpdates7d: 1,
});
const report = (n: number): ProgressReport => ({
  kind: 'report',
  scope: 'department',
  department: 'Sales',
  title: 'Sales',
  generatedAt: now,
  viewer: { userId: 'm', name: 'Mona', role: 'manager', department: 'Sales' },
  rows: Array.from({ length: n }, (_, i) => row(i)),
  totals: { people: n, averageProgress: 50, coursesCompleted: n, skillsCompleted: 0, activeLast7Days: n },
});

describe('Slack learning blocks', () => {
  it('report: ≤ 50 blocks, one section per person that fits, then "and N more in the CSV"', () => {
    const small = reportMessage(report(3), { filesNote: 'sent to your DM' });
    withinLimits(small.blocks);
    assert.equal(small.blocks.filter((b: Json) => /^\*Person/.test(b.text?.text ?? '')).length, 3);
    const big = reportMessage(report(200), { note: 'n'.repeat(5000), filesNote: 'sent to your DM' });
    withinLimits(big.blocks);
    assert.equal(big.blocks.length, 50);
    const shown = big.blocks.filter((b: Json) => /^\*Person/.test(b.text?.text ?? '')).length;
    assert.ok(texts(big.blocks).some((t) => t === `… and ${200 - shown} more in the CSV.`));
    assert.equal((big.blocks.at(-1) as Json).elements[0].text, 'sent to your DM', 'the files note survives');
  });

  it('progress: Start / 50 % / Completed as the core defines them, action ids unique per block, ≤ 50 blocks', () => {
    const item = (i: number, percent: number): ProgressItem => ({
      id: `p${i}`,
      itemType: 'skill',
      itemId: `s${i}`,
      title: `Skill ${i}`,
      percent,
      completed: percent === 100,
      completedAt: percent === 100 ? now : null,
      startedAt: now,
      updatedAt: now,
      status: percent === 100 ? 'completed' : percent > 0 ? 'in_progress' : 'not_started',
    });
    const m = progressMessage([item(1, 0), item(2, 70), item(3, 100)]);
    const actions = m.blocks.filter((b) => b.type === 'actions') as Json[];
    assert.deepEqual(
      actions.map((a) => a.elements.map((e: Json) => `${e.text.text}=${JSON.parse(e.value).percent}@${e.action_id}`)),
      [['Start=start@progress_set', '50 %=50@progress_set:1', 'Completed=complete@progress_set:2'], ['Completed=complete@progress_set']],
    );
    const many = progressMessage(Array.from({ length: 80 }, (_, i) => item(i, 10)));
    withinLimits(many.blocks);
    assert.match(texts(many.blocks).join('\n'), /… and \d+ more\./);
  });

  it('quiz: radio buttons per question (labels ≤ 75), Submit with the attempt id; answers read back from state.values', () => {
    const q = quizMessage({
      kind: 'started',
      attemptId: 'a1',
      startedAt: now,
      expiresAt: null,
      matchedBy: 'topic',
      resumed: false,
      note: null,
      quiz: {
        assessmentId: 'x',
        title: 'Q',
        description: null,
        difficulty: null,
        timeLimitMinutes: null,
        passingScore: 70,
        questionCount: 1,
        linkedItem: null,
      },
      questions: [
        {
          id: 'q1',
          text: 'Which?',
          choices: [
            { id: 'a', text: 'y'.repeat(200) },
            { id: 'b', text: 'B' },
          ],
        },
      ],
    });
    withinLimits(q.blocks);
    const radio = q.blocks.find((b: Json) => b.accessory?.type === 'radio_buttons') as Json;
    assert.equal(radio.block_id, 'quiz_q:q1');
    assert.ok(radio.accessory.options.every((o: Json) => o.text.text.length <= 75));
    assert.equal((q.blocks.at(-1) as Json).elements[0].value, 'a1');
    assert.deepEqual(
      quizAnswersFromState({
        'quiz_q:q1': { quiz_choice: { selected_option: { value: 'b' } } },
        other: {},
        'quiz_q:q2': { quiz_choice: { selected_option: null } },
      }),
      { q1: 'b' },
    );
  });

  it('help and Home: every command, Slack spelling; Home ≤ 50 blocks', () => {
    assert.match(texts(helpMessage().blocks).join('\n'), /\/learning-report Sales/);
    const d: PersonalDashboard = {
      user: { userId: 'u', name: 'U', department: null },
      progress: [],
      generatedAt: now,
      recentQuizzes: [],
      recentRecommendations: [],
      totals: {
        skillsTotal: 0,
        skillsCompleted: 0,
        coursesTotal: 0,
        coursesCompleted: 0,
        overallProgress: 0,
        inProgress: 0,
        quizzesTaken: 0,
        quizzesPassed: 0,
        averageQuizScore: null,
        progressUpdates7d: 0,
      },
    };
    withinLimits(dashboardHomeView(d).blocks);
  });
});
