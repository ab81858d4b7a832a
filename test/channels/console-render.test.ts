import assert from 'node:assert/strict';
import { renderText } from '../../src/channels/console/render-text';
import type { BotReply } from '../../src/core/messages';

const answer = (over: Partial<BotReply>): BotReply => ({
  kind: 'answer',
  text: 'Warm the lamp first [1].',
  confidence: 0.72,
  chatMessageId: 'm',
  duplicate: false,
  mode: 'extractive',
  notes: [],
  sources: [],
  recommendations: [],
  ...over,
});

describe('console renderText', () => {
  it('shows the answer, notes, numbered sources, confidence and recommendations', () => {
    const reply = answer({
      notes: ['Your message was long'],
      sources: [{ n: 1, id: 'a', title: 'Calibration', contentType: 'tutorial', similarity: 0.61 }],
      recommendations: [
        { id: 'r', type: 'course', itemId: 'c', title: 'Lab Basics', score: 0.8, reason: 'Related to your question about “lamps”' },
      ],
    });
    const text = renderText(reply);
    assert.match(text, /^Warm the lamp first \[1\]\./);
    assert.match(text, /\(Your message was long\)/);
    assert.match(text, /\[1\] Calibration \(tutorial, similarity 0\.61\)/);
    assert.match(text, /Confidence 72% ███████░░░/);
    assert.match(text, /• Lab Basics \[course\] — Related to your question about “lamps”/);
    assert.ok(!text.includes('\x1b['), 'no colour codes unless asked');
  });

  it('prints the link of a source that has one, under its title; a non-http link is never printed', () => {
    const reply = answer({
      text: 'Catch the error [1], then log it [2].',
      sources: [
        { n: 1, id: 'a', title: 'Errors', contentType: 'tutorial', similarity: 0.5, url: 'https://docs.python.org/3/tutorial/errors.html' },
        { n: 2, id: 'b', title: 'Logging', contentType: 'reference', similarity: null, url: 'javascript:alert(1)' },
      ],
    });
    const lines = renderText(reply).split('\n');
    const first = lines.findIndex((l) => l.startsWith('  [1] Errors'));
    assert.equal(lines[first + 1], '      https://docs.python.org/3/tutorial/errors.html');
    assert.match(lines[first + 2], /^ {2}\[2\] Logging \(reference\)$/);
    assert.ok(!renderText(reply).includes('javascript:'));
  });
});
