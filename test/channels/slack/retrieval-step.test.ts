import assert from 'node:assert/strict';
import { RETRIEVAL_TASK_ID, retrievalStep, TASK_TEXT_LIMIT } from '../../../src/channels/slack/blocks/retrieval-step';
import type { SourceRef } from '../../../src/core/messages';

const source = (n: number, over: Partial<SourceRef> = {}): SourceRef => ({
  n,
  id: `c${n}`,
  title: `Title ${n}`,
  contentType: 'tutorial',
  similarity: 0.5,
  ...over,
});

describe('Slack retrieval step (task_update chunk)', () => {
  it('a completed step: sources with a link become url sources, the others are listed in the output, numbered as cited', () => {
    const step = retrievalStep([
      source(1, { title: 'Errors  &\n<exceptions>', url: 'https://docs.python.org/3/tutorial/errors.html' }),
      source(2),
      source(3, { url: 'javascript:alert(1)' }),
      source(4, { url: 'https://pandas.example.test/groupby' }),
    ]);
    assert.deepEqual(step, {
      type: 'task_update',
      id: RETRIEVAL_TASK_ID,
      title: 'Searched the learning content',
      status: 'complete',
      details: '4 passages found',
      output: '[2] Title 2 · [3] Title 3',
      sources: [
        { type: 'url', url: 'https://docs.python.org/3/tutorial/errors.html', text: '[1] Errors & <exceptions>' },
        { type: 'url', url: 'https://pandas.example.test/groupby', text: '[4] Title 4' },
      ],
    });
  });

  it('leaves out what it has not: no sources without links, no output when every passage has one', () => {
    const unlinked = retrievalStep([source(1)]);
    assert.equal(unlinked.details, '1 passage found');
    assert.equal('sources' in unlinked, false);
    const linked = retrievalStep([source(1, { url: 'https://example.test/1' })]);
    assert.equal('output' in linked, false);
  });

  it("keeps Slack's limits with many long titles", () => {
    const step = retrievalStep(
      Array.from({ length: 30 }, (_, i) =>
        source(i + 1, { title: 'x'.repeat(500), ...(i % 2 ? { url: `https://example.test/${i}` } : {}) }),
      ),
    );
    assert.ok(step.output!.length <= TASK_TEXT_LIMIT);
    assert.equal(step.sources!.length, 10);
    assert.ok(step.sources!.every((s) => s.text.length <= 150 && s.text.endsWith('…')));
  });
});
