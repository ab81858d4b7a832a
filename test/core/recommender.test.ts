import assert from 'node:assert/strict';
import { type RecommendationCandidate, Recommender, topicOf } from '../../src/core/recommender';

const cand = (over: Partial<RecommendationCandidate>): RecommendationCandidate => ({
  type: 'skill',
  itemId: 'x',
  title: 'X',
  similarity: null,
  profileScore: null,
  profileReason: null,
  progress: null,
  ...over,
});

describe('Recommender.pick', () => {
  const r = new Recommender();

  it('blends relevance with the profile score and explains why', () => {
    const picks = r.pick(
      [
        cand({ itemId: 'related', title: 'Data Analysis', similarity: 0.6 }),
        cand({
          type: 'course',
          itemId: 'profile',
          title: 'Python Fundamentals',
          profileScore: 0.7,
          profileReason: 'Course matches your skill development goals',
        }),
        cand({ type: 'content', itemId: 'weak', title: 'Unrelated', similarity: 0.05 }),
      ],
      'How do I clean missing values in pandas?',
      [],
    );
    assert.deepEqual(
      picks.map((p) => p.itemId),
      ['related', 'profile', 'weak'],
    );
    assert.equal(picks[0].reason, 'Related to your question about “clean missing values in pandas”');
    assert.equal(picks[1].reason, 'Course matches your skill development goals');
    for (const p of picks) assert.ok(p.score >= 0 && p.score <= 1);
  });

  it('says "next step after" the last completed item, and "pick up" for something started', () => {
    const [next] = r.pick([cand({ profileScore: 0.8, profileReason: 'x' })], 'hello', ['Python Fundamentals']);
    assert.equal(next.reason, 'Next step after Python Fundamentals');
    const [started] = r.pick([cand({ similarity: 0.7, progress: 40 })], 'anything', []);
    assert.equal(started.reason, "You're 40% through this: pick up where you left off");
  });

  it('returns at most three, at most two of a kind', () => {
    const many = Array.from({ length: 6 }, (_, i) => cand({ itemId: `s${i}`, similarity: 0.9 - i * 0.01 }));
    const picks = r.pick([...many, cand({ type: 'course', itemId: 'c', similarity: 0.2 })], 'q', []);
    assert.equal(picks.length, 3);
    assert.deepEqual(
      picks.map((p) => p.type),
      ['skill', 'skill', 'course'],
    );
  });
});

describe('topicOf', () => {
  it('drops question boilerplate and keeps it short', () => {
    assert.equal(topicOf('How do I run a retrospective?'), 'run a retrospective');
    assert.equal(topicOf('What is overfitting?'), 'overfitting');
    assert.ok(topicOf('x '.repeat(100)).length <= 58);
  });
});
