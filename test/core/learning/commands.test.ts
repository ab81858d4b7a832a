import assert from 'node:assert/strict';
import {
  helpLines,
  helpText,
  LEARNING_COMMANDS,
  matchCommand,
  parseReportTarget,
  SLACK_SLASH_COMMANDS,
  slashCommandFor,
  slashCommandId,
  TEAMS_COMMAND_KEYWORDS,
} from '../../../src/core/learning/commands';

describe('learning commands', () => {
  it('lists every command once, with a Slack and a Teams spelling and an example each', () => {
    assert.deepEqual(
      LEARNING_COMMANDS.map((c) => c.id),
      ['help', 'ask', 'learn', 'progress', 'progress_update', 'quiz', 'recommend', 'dashboard', 'report'],
    );
    for (const c of LEARNING_COMMANDS) {
      assert.ok(c.title && c.description && c.slack.usage && c.slack.example && c.teams.usage && c.teams.example, c.id);
    }
    assert.deepEqual(
      SLACK_SLASH_COMMANDS.map((c) => c.command),
      ['/learn', '/progress', '/quiz', '/recommend', '/dashboard', '/learning-report'],
    );
    assert.equal(helpLines('teams').length, LEARNING_COMMANDS.length);
    for (const c of LEARNING_COMMANDS) {
      assert.ok(helpText('slack').includes(c.slack.example), c.id);
      assert.ok(helpText('teams').includes(c.teams.example), c.id);
    }
  });

  it('every Teams example that is a command is understood by matchCommand as that command', () => {
    for (const c of LEARNING_COMMANDS.filter((x) => !['ask', 'learn'].includes(x.id))) {
      assert.equal(matchCommand(c.teams.example)?.id, c.id, c.teams.example);
      assert.equal(matchCommand(c.slack.example.replace(/^\/learn /, ''))?.id, c.id, c.slack.example);
    }
    assert.equal(matchCommand(LEARNING_COMMANDS.find((c) => c.id === 'ask')!.teams.example), null, 'a question is not a command');
  });

  it('reads keyword commands and leaves questions alone', () => {
    assert.deepEqual(matchCommand('progress'), { id: 'progress' });
    assert.deepEqual(matchCommand('/progress Python Fundamentals 50%'), {
      id: 'progress_update',
      itemQuery: 'Python Fundamentals',
      percent: 50,
    });
    assert.deepEqual(matchCommand('Progress Machine Learning done'), {
      id: 'progress_update',
      itemQuery: 'Machine Learning',
      percent: 'complete',
    });
    assert.deepEqual(matchCommand('quiz'), { id: 'quiz', topic: null });
    assert.deepEqual(matchCommand('quiz me on pandas'), { id: 'quiz', topic: 'pandas' });
    assert.deepEqual(matchCommand('report'), { id: 'report', target: {} });
    assert.deepEqual(matchCommand('report Sales'), { id: 'report', target: { department: 'Sales' } });
    assert.deepEqual(matchCommand('report for ada@example.com'), { id: 'report', target: { userId: 'ada@example.com' } });
    assert.deepEqual(matchCommand('help'), { id: 'help' });
    assert.deepEqual(matchCommand('recommend me'), { id: 'recommend' });
    assert.deepEqual(matchCommand('dashboard'), { id: 'dashboard' });
    for (const q of [
      'help me with pandas',
      'progress bars in CSS?',
      'what is progress?',
      'reporting lines',
      'quiz questions for interviews?',
      'recommend a book on negotiation',
      'dashboard design tips',
    ]) {
      assert.equal(matchCommand(q), null, q);
    }
  });

  it('derives the slash commands and keywords from the one definition', () => {
    assert.equal(slashCommandFor('report'), '/learning-report');
    assert.equal(slashCommandFor('learn'), '/learn');
    assert.throws(() => slashCommandFor('ask'), /no slash command/);
    assert.equal(slashCommandId('/progress'), 'progress');
    assert.equal(slashCommandId('/report'), 'report');
    for (const c of LEARNING_COMMANDS) {
      for (const k of c.keywords ?? []) {
        assert.match(k, /^[a-z][a-z-]*$/, `${c.id}: keyword ${k} is a plain word`);
        const bare = matchCommand(k)?.id;
        assert.ok(bare === c.id || (c.id === 'progress_update' && bare === 'progress'), `${k} → ${bare}`);
        assert.equal(matchCommand(`/${k.toUpperCase()}`)?.id, bare, `/${k} with a slash, any case`);
      }
    }
    assert.deepEqual(matchCommand('recommendations'), { id: 'recommend' });
    assert.deepEqual(matchCommand('/learning-report Sales'), { id: 'report', target: { department: 'Sales' } });
    assert.equal(matchCommand('learn python'), null, '/learn is a slash command, not a keyword');
    assert.deepEqual(TEAMS_COMMAND_KEYWORDS, [...new Set(LEARNING_COMMANDS.flatMap((c) => c.keywords?.slice(0, 1) ?? []))]);
    for (const s of SLACK_SLASH_COMMANDS) {
      assert.ok(s.description.length <= 100 && (s.usageHint ?? '').length <= 100, s.command);
    }
  });

  it('reads report targets, including Slack mailto links', () => {
    assert.deepEqual(parseReportTarget(''), {});
    assert.deepEqual(parseReportTarget('the department Customer Success'), { department: 'Customer Success' });
    assert.deepEqual(parseReportTarget('<mailto:ada@example.com|ada@example.com>'), { userId: 'ada@example.com' });
  });
});
