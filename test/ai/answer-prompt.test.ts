import assert from 'node:assert/strict';
import { answerPrompt, formatContext, historyToMessages, MAX_HISTORY_TURNS, MAX_PASSAGE_CHARS } from '../../src/ai/answer-prompt';
import type { Passage } from '../../src/ai/answer-types';

const p = (id: string, title: string, content: string): Passage => ({
  id,
  title,
  content,
  contentType: 'article',
  score: 1,
  similarity: 0.5,
});

describe('answer prompt', () => {
  it('formatContext numbers passages as "[n] Title\\ncontent" blocks in order', () => {
    const ctx = formatContext([p('a', 'Expense  policy\n', 'Submit within 30 days.'), p('b', 'Security', 'Report phishing.')]);
    assert.equal(ctx, '[1] Expense policy\nSubmit within 30 days.\n\n[2] Security\nReport phishing.');
  });

  it('formatContext truncates long passages at a word boundary', () => {
    const long = 'word '.repeat(2000);
    const ctx = formatContext([p('a', 'Long', long)]);
    const content = ctx.split('\n')[1];
    assert.ok(content.length <= MAX_PASSAGE_CHARS + 2, String(content.length));
    assert.ok(content.endsWith('…'));
    assert.ok(!/wor …$/.test(content));
  });

  it('formatContext handles no passages', () => {
    assert.match(formatContext([]), /no passages/);
  });

  it('historyToMessages keeps the most recent turns as human/ai pairs', () => {
    const history = Array.from({ length: 10 }, (_, i) => ({ question: `q${i}`, answer: `a${i}` }));
    const msgs = historyToMessages(history);
    assert.equal(msgs.length, MAX_HISTORY_TURNS * 2);
    assert.equal(msgs[0].getType(), 'human');
    assert.equal(msgs[0].content, `q${10 - MAX_HISTORY_TURNS}`);
    assert.equal(msgs[1].getType(), 'ai');
    assert.equal(msgs[msgs.length - 1].content, 'a9');
  });

  it('the prompt is system + history + human(context, question) and passes braces through as data', async () => {
    const messages = await answerPrompt.formatMessages({
      context: formatContext([p('a', 'Templates', 'Use {name} and {{double}} placeholders.')]),
      question: 'How do {placeholders} work?',
      history: historyToMessages([{ question: 'earlier q', answer: 'earlier a' }]),
    });
    assert.deepEqual(
      messages.map((m) => m.getType()),
      ['system', 'human', 'ai', 'human'],
    );
    const system = String(messages[0].content);
    assert.match(system, /ONLY/);
    assert.match(system, /\[1\]/);
    assert.match(system, /does not cover/);
    assert.match(system, /rephras/);
    assert.match(system, /concise/i);
    const human = String(messages[3].content);
    assert.ok(human.includes('[1] Templates\nUse {name} and {{double}} placeholders.'), human);
    assert.ok(human.includes('Question: How do {placeholders} work?'), human);
  });

  it('history is optional in the prompt', async () => {
    const messages = await answerPrompt.formatMessages({ context: 'x', question: 'y', history: [] });
    assert.deepEqual(
      messages.map((m) => m.getType()),
      ['system', 'human'],
    );
  });
});
