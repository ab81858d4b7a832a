import assert from 'node:assert/strict';
import type { Answer, Passage } from '../../src/ai/answer-types';
import { computeConfidence, saysNotCovered } from '../../src/ai/confidence';
import { ExtractiveAnswerer, NOT_COVERED_TEXT } from '../../src/ai/extractive-answerer';

const p = (title: string, similarity: number | null, id = title): Passage => ({
  id,
  title,
  content: `${title} content`,
  contentType: 'article',
  score: similarity ?? 0.1,
  similarity,
});
const llm = (text: string, citedIndexes: number[]): Answer => ({ text, mode: 'llm', citedIndexes });

describe('computeConfidence', () => {
  it('is high for a strong, agreeing, well-cited LLM answer', () => {
    const passages = [p('Expense policy', 0.72, 'a#1'), p('Expense policy', 0.69, 'a#2'), p('Expense FAQ', 0.68)];
    const c = computeConfidence(passages, llm('Submit within 30 days [1][2].', [1, 2]));
    assert.ok(c >= 0.9, String(c));
  });

  it('is low (<= 0.2) for a "not covered" answer, LLM or extractive', () => {
    const passages = [p('Expense policy', 0.7), p('Expense policy', 0.69)];
    const extractiveNc: Answer = { text: NOT_COVERED_TEXT, mode: 'extractive', citedIndexes: [] };
    assert.ok(computeConfidence(passages, extractiveNc) <= 0.2);
    const llmNc = llm("The learning content doesn't cover this. Try asking about a related topic.", []);
    assert.ok(saysNotCovered(llmNc.text));
    assert.ok(computeConfidence(passages, llmNc) <= 0.2);
  });

  it('is 0 without passages', () => {
    assert.equal(computeConfidence([], llm('x [1]', [1])), 0);
  });

  it('drops with weak similarity, disagreement, no citations, and fallbacks', () => {
    const strong = [p('A', 0.7), p('A', 0.68), p('A', 0.66)];
    const weak = [p('A', 0.25), p('B', 0.1), p('C', 0.05)];
    const cited = llm('Answer [1][2].', [1, 2]);
    const base = computeConfidence(strong, cited);
    assert.ok(computeConfidence(weak, cited) < base - 0.3);

    const disagree = [p('A', 0.7), p('B', 0.5), p('C', 0.45)];
    assert.ok(computeConfidence(disagree, cited) < base);

    assert.ok(computeConfidence(strong, llm('Answer without citations.', [])) < base / 2 + 0.01);
    const fallback: Answer = { ...cited, mode: 'extractive', fallbackReason: 'rate_limited' };
    assert.ok(computeConfidence(strong, fallback) < base);
    const partial = llm('Step one is [1]; the content does not cover step two.', [1]);
    assert.ok(computeConfidence(strong, partial) < computeConfidence(strong, llm('Step one is [1].', [1])));
  });

  it('ignores out-of-range citations and treats null similarity as neutral', () => {
    const passages = [p('A', null), p('B', null)];
    const c = computeConfidence(passages, llm('x [1] [9]', [1, 9]));
    assert.ok(c > 0.2 && c < 0.7, String(c));
  });

  it('always stays within [0, 1] (including odd inputs)', () => {
    const extractive = new ExtractiveAnswerer();
    const sims = [-1, -0.2, 0, 0.19, 0.2, 0.4, 0.6, 0.95, 1, 3, NaN, null];
    const answers: Answer[] = [
      llm('a [1]', [1]),
      llm('a', []),
      llm('a [1][2][3]', [1, 2, 3, 3, -1, 99]),
      { text: NOT_COVERED_TEXT, mode: 'extractive', citedIndexes: [] },
      { text: 'x [2]', mode: 'extractive', fallbackReason: 'timeout', citedIndexes: [2] },
      extractive.answer({ question: 'A content', passages: [p('A', 0.5)], history: [] }),
    ];
    for (const s1 of sims) {
      for (const s2 of sims) {
        for (const a of answers) {
          const c = computeConfidence([p('A', s1), p('B', s2), p('A', 0.3)], a);
          assert.ok(c >= 0 && c <= 1 && Number.isFinite(c), `${s1} ${s2} ${a.text} -> ${c}`);
        }
      }
    }
  });
});
