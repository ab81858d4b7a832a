import assert from 'node:assert/strict';
import { safeCutIndex, truncate } from '../src/text';

describe('text', () => {
  it('truncate keeps short text, and cuts long text on a word boundary within the limit', () => {
    assert.equal(truncate('short', 10), 'short');
    assert.equal(truncate('exactly10!', 10), 'exactly10!');
    assert.equal(truncate('the quick brown fox jumps', 12), 'the quick…');
    const long = 'word '.repeat(100);
    const cut = truncate(long, 42);
    assert.ok(cut.length <= 42 && cut.endsWith('word…'), cut);
  });

  it('truncate cuts a run without spaces hard, never inside an entity or a surrogate pair', () => {
    assert.equal(truncate('x'.repeat(20), 10), `${'x'.repeat(9)}…`);
    assert.equal(truncate('xxxxxx&amp;yyyy', 10), 'xxxxxx…');
    assert.equal(truncate('xxxxxxx😀yy', 9), 'xxxxxxx…');
  });

  it('safeCutIndex moves back before a split entity or surrogate pair only', () => {
    assert.equal(safeCutIndex('abc&amp;def', 6), 3);
    assert.equal(safeCutIndex('abc&amp;def', 8), 8);
    assert.equal(safeCutIndex('ab😀cd', 3), 2);
    assert.equal(safeCutIndex('abcdef', 4), 4);
  });
});
