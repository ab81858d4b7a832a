import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { replyActivity } from '../../../src/channels/teams';
import {
  ADAPTIVE_CARD_CONTENT_TYPE,
  type AdaptiveCard,
  buildAnswerCard,
  buildWelcomeCard,
  CARD_BYTE_BUDGET,
  cardBytes,
  confidenceLevel,
  exampleQuestions,
  MAX_RECOMMENDATIONS,
  parseCardAction,
  SHORTENED_NOTE,
  truncate,
} from '../../../src/channels/teams/cards';
import { answerMarkdown } from '../../../src/channels/teams/cards/format';
import { type BotReply, HELP_TEXT } from '../../../src/core/messages';
import { type Json, submitActions } from './helpers';

function reply(over: Partial<BotReply> = {}): BotReply {
  return {
    kind: 'answer',
    text: 'Warm the lamp for ten minutes [1], then run the baseline scan [2].',
    sources: [
      { n: 1, id: randomUUID(), title: 'Calibrating the spectrometer', contentType: 'tutorial', similarity: 0.61 },
      { n: 2, id: randomUUID(), title: 'Spectrometer safety', contentType: 'best_practice', similarity: 0.42 },
    ],
    confidence: 0.74,
    recommendations: [
      {
        id: randomUUID(),
        type: 'course',
        itemId: randomUUID(),
        title: 'Lab Instruments 101',
        score: 0.7,
        reason: 'Related to your question about “calibrate”',
      },
      { id: randomUUID(), type: 'skill', itemId: randomUUID(), title: 'Spectroscopy', score: 0.6, reason: 'Popular starting point' },
      { id: randomUUID(), type: 'content', itemId: randomUUID(), title: 'Baseline scans explained', score: 0.5, reason: 'Related reading' },
    ],
    chatMessageId: randomUUID(),
    duplicate: false,
    notes: ['Semantic search was unavailable, so I searched by keywords only.'],
    mode: 'extractive',
    ...over,
  };
}

const deepFreeze = <T>(o: T): T => {
  if (o && typeof o === 'object') {
    Object.values(o).forEach(deepFreeze);
    Object.freeze(o);
  }
  return o;
};
const texts = (c: AdaptiveCard | Json): string[] => {
  const out: string[] = [];
  const walk = (x: unknown) => {
    if (Array.isArray(x)) x.forEach(walk);
    else if (x && typeof x === 'object') {
      const o = x as Json;
      if (o.type === 'TextBlock') out.push(o.text);
      Object.values(o).forEach(walk);
    }
  };
  walk(c);
  return out;
};

describe('Teams answer card', () => {
  it('is an Adaptive Card 1.5 with the answer first, then notes, sources, confidence and recommendations', () => {
    const r = reply();
    const card = buildAnswerCard(deepFreeze(r));
    assert.equal(card.type, 'AdaptiveCard');
    assert.equal(card.version, '1.5');
    assert.equal(card.$schema, 'http://adaptivecards.io/schemas/adaptive-card.json');
    assert.deepEqual(card.body[0], { type: 'TextBlock', text: r.text, wrap: true });
    assert.deepEqual(card.body[1], {
      type: 'TextBlock',
      text: `_${r.notes[0]}_`,
      wrap: true,
      isSubtle: true,
      size: 'small',
      spacing: 'small',
    });

    const kinds = card.body.map((e) => (e.type === 'TextBlock' ? `T:${e.text.split(':')[0].slice(0, 20)}` : e.type));
    assert.deepEqual(kinds, [
      'T:Warm the lamp for te',
      'T:_Semantic search was',
      'T:Sources',
      'FactSet',
      'T:Confidence',
      'T:Recommended next',
      'Container',
      'Container',
      'Container',
    ]);

    const facts = card.body.find((e) => e.type === 'FactSet');
    assert.deepEqual(facts && facts.type === 'FactSet' && facts.facts, [
      { title: '[1]', value: 'Calibrating the spectrometer · tutorial' },
      { title: '[2]', value: 'Spectrometer safety · best practice' },
    ]);
    const confidence = card.body.find((e) => e.type === 'TextBlock' && e.text.startsWith('Confidence'));
    assert.deepEqual(confidence, {
      type: 'TextBlock',
      text: 'Confidence: **74%** (high)',
      wrap: true,
      size: 'small',
      color: 'good',
      spacing: 'medium',
    });
  });

  it('links the source titles that have an http(s) url (Markdown in the FactSet value); others stay plain', () => {
    const [first, second] = reply().sources;
    const card = buildAnswerCard(
      reply({
        sources: [
          { ...first, title: 'Calibrating [the] spectrometer', url: 'https://learn.example.test/spectro(v2)?a=1&b=2' },
          { ...second, url: 'javascript:alert(1)' },
        ],
      }),
    );
    const facts = card.body.find((e) => e.type === 'FactSet');
    assert.deepEqual(facts && facts.type === 'FactSet' && facts.facts, [
      { title: '[1]', value: '[Calibrating (the) spectrometer](https://learn.example.test/spectro%28v2%29?a=1&b=2) · tutorial' },
      { title: '[2]', value: 'Spectrometer safety · best practice' },
    ]);
  });

  it('gives each recommendation a container with title, reason and a Start/Read button carrying its id', () => {
    const r = reply();
    const containers = buildAnswerCard(r).body.filter((e) => e.type === 'Container') as Json[];
    assert.equal(containers.length, 3);
    containers.forEach((c, i) => {
      const rec = r.recommendations[i];
      assert.equal(c.items[0].text, `**${rec.title}** · ${{ course: 'Course', skill: 'Skill', content: 'Reading' }[rec.type]}`);
      assert.equal(c.items[1].text, rec.reason);
      assert.equal(c.items[2].type, 'ActionSet');
      assert.deepEqual(c.items[2].actions, [
        { type: 'Action.Submit', title: rec.type === 'content' ? 'Read' : 'Start', data: { action: 'rec_open', recommendationId: rec.id } },
      ]);
    });
  });

  it('has 👍/👎 buttons carrying the chat message id, only for logged answers', () => {
    const r = reply();
    assert.deepEqual(buildAnswerCard(r).actions, [
      { type: 'Action.Submit', title: '👍 Helpful', data: { action: 'feedback', value: 1, chatMessageId: r.chatMessageId } },
      { type: 'Action.Submit', title: '👎 Not helpful', data: { action: 'feedback', value: -1, chatMessageId: r.chatMessageId } },
    ]);
    assert.equal(buildAnswerCard(reply({ chatMessageId: null })).actions, undefined);
  });

  it('leaves out empty sections', () => {
    const card = buildAnswerCard(reply({ sources: [], recommendations: [], notes: [] }));
    assert.deepEqual(
      card.body.map((e) => e.type),
      ['TextBlock', 'TextBlock'],
    );
    assert.match(texts(card)[1], /^Confidence/);
  });

  it('is pure: the same reply gives the same card and is not modified', () => {
    const r = deepFreeze(reply());
    assert.deepEqual(buildAnswerCard(r), buildAnswerCard(r));
  });

  it('caps recommendations at MAX_RECOMMENDATIONS', () => {
    const many = Array.from({ length: 9 }, (_, i) => ({
      id: randomUUID(),
      type: 'content' as const,
      itemId: randomUUID(),
      title: `Item ${i}`,
      score: 0.5,
      reason: 'x',
    }));
    assert.equal(buildAnswerCard(reply({ recommendations: many })).body.filter((e) => e.type === 'Container').length, MAX_RECOMMENDATIONS);
  });

  it('shortens a long answer to stay under the Teams size limit, and says so', () => {
    for (const unit of ['All work and no play. ', 'Ünïcödé “quotes” and\nnewlines\t', '学习内容很重要。', '🚀 ']) {
      const long = unit.repeat(Math.ceil(60_000 / unit.length));
      const card = buildAnswerCard(reply({ text: long }));
      assert.ok(cardBytes(card) <= CARD_BYTE_BUDGET, `${cardBytes(card)} bytes for ${JSON.stringify(unit)}`);
      assert.ok(cardBytes(card) > CARD_BYTE_BUDGET * 0.7, 'does not throw away more than it must');
      const answer = texts(card)[0];
      assert.ok(answer.endsWith('…'));
      assert.ok(answerMarkdown(long).startsWith(answer.slice(0, -1).trimEnd()), 'the start of the answer, as Teams Markdown');
      assert.ok(texts(card).includes(`_${SHORTENED_NOTE}_`));
      assert.ok(!/[\uD800-\uDBFF]…$/.test(answer), 'no broken surrogate pair');
      assert.equal(card.actions?.length, 2, 'the feedback buttons stay');
    }
    assert.ok(!texts(buildAnswerCard(reply())).includes(`_${SHORTENED_NOTE}_`));
  });

  it('stays under the limit even with absurd titles and reasons', () => {
    const huge = 'x'.repeat(50_000);
    const r = reply({
      text: huge,
      sources: Array.from({ length: 40 }, (_, i) => ({
        n: i + 1,
        id: randomUUID(),
        title: huge,
        contentType: 'tutorial',
        similarity: 0.5,
      })),
      recommendations: Array.from({ length: 5 }, () => ({
        id: randomUUID(),
        type: 'course' as const,
        itemId: randomUUID(),
        title: huge,
        score: 0.5,
        reason: huge,
      })),
      notes: Array.from({ length: 20 }, () => huge),
    });
    assert.ok(cardBytes(buildAnswerCard(r)) <= CARD_BYTE_BUDGET);
  });

  it('maps confidence to a level and colour', () => {
    assert.deepEqual(confidenceLevel(0.95), { label: 'High', color: 'good', percent: 95 });
    assert.deepEqual(confidenceLevel(0.5), { label: 'Medium', color: 'warning', percent: 50 });
    assert.deepEqual(confidenceLevel(0.1), { label: 'Low', color: 'attention', percent: 10 });
    assert.deepEqual(confidenceLevel(Number.NaN), { label: 'Low', color: 'attention', percent: 0 });
    assert.equal(confidenceLevel(7).percent, 100);
  });

  it('truncates at a word boundary', () => {
    assert.equal(truncate('short', 10), 'short');
    assert.equal(truncate('the quick brown fox jumps', 12), 'the quick…');
  });
});

describe('Teams reply activities', () => {
  it('sends answers as an adaptive card attachment, apologies as text, help as the welcome card', () => {
    const a = replyActivity(reply(), true);
    assert.equal(a.attachments?.[0].contentType, ADAPTIVE_CARD_CONTENT_TYPE);
    assert.deepEqual(replyActivity(reply({ kind: 'apology', text: 'Sorry' }), true), { type: 'message', text: 'Sorry' });
    assert.deepEqual(
      replyActivity(reply({ kind: 'help', text: HELP_TEXT }), false).attachments?.[0].content,
      buildWelcomeCard({ personal: false }),
    );
  });
});

describe('Teams welcome card', () => {
  it('shows the help text; in personal chat the example questions are imBack buttons', () => {
    const personal = buildWelcomeCard({ personal: true });
    assert.equal(personal.version, '1.5');
    for (const line of HELP_TEXT.split('\n')) assert.ok(texts(personal).includes(line.trim()), line);
    assert.deepEqual(exampleQuestions(), [
      'How do I handle exceptions in Python?',
      'What is the difference between precision and recall?',
      'How should I run a retrospective?',
    ]);
    assert.deepEqual(
      submitActions(personal).map((a) => a.data),
      exampleQuestions().map((q) => ({ msteams: { type: 'imBack', value: q } })),
    );
  });

  it('explains @mentions in channels and group chats, without buttons', () => {
    const group = buildWelcomeCard({ personal: false });
    assert.ok(texts(group).some((t) => /@mention me/.test(t)));
    assert.equal(group.actions, undefined);
  });
});

describe('Teams card action data', () => {
  const id = randomUUID();
  it('accepts our buttons (ignoring extra fields Teams adds) and nothing else', () => {
    assert.deepEqual(parseCardAction({ action: 'rec_open', recommendationId: id, msteams: { x: 1 } }), {
      action: 'rec_open',
      recommendationId: id,
    });
    assert.deepEqual(parseCardAction({ action: 'feedback', value: -1, chatMessageId: id }), {
      action: 'feedback',
      value: -1,
      chatMessageId: id,
    });
    for (const bad of [
      null,
      'rec_open',
      {},
      { action: 'rec_open' },
      { action: 'rec_open', recommendationId: 'x' },
      { action: 'feedback', value: 2, chatMessageId: id },
      { action: 'feedback', value: '1', chatMessageId: id },
      { action: 'drop_tables' },
    ]) {
      assert.equal(parseCardAction(bad), null, JSON.stringify(bad));
    }
  });
});
