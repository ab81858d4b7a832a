import assert from 'node:assert/strict';
import { renderText } from '../../src/channels/console/render-text';
import type { BotReply } from '../../src/core/messages';

describe('console renderText', () => {
  it('shows the answer, notes, numbered sources, confidence and recommendations', () => {
    const reply: BotReply = {
      kind: 'answer',
      text: 'Warm the lamp first [1].',
      confidence: 0.72,
      chatMessageId: 'm',
      duplicate: false,
      mode: 'extractive',
      notes: ['Your message was long'],
      sources: [{ n: 1, id: 'a', title: 'Calibration', contentType: 'tutorial', similarity: 0.61 }],
      recommendations: [
        { id: 'r', type: 'course', itemId: 'c', title: 'Lab Basics', score: 0.8, reason: 'Related to your question about “lamps”' },
      ],
    };
    const text = renderText(reply);
    assert.match(text, /^Warm the lamp first \[1\]\./);
    assert.match(text, /\(Your message was long\)/);
    assert.match(text, /\[1\] Calibration \(tutorial, similarity 0\.61\)/);
    assert.match(text, /Confidence 72% ███████░░░/);
    assert.match(text, /• Lab Basics \[course\] — Related to your question about “lamps”/);
    assert.ok(!text.includes('\x1b['), 'no colour codes unless asked');
  });
});
