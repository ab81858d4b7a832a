import assert from 'node:assert/strict';
import {
  answerMessage,
  answerTailBlocks,
  type Block,
  capBlocks,
  cardTitleFromBlocks,
  MARKDOWN_TEXT_LIMIT,
  MAX_BLOCKS,
  parseFeedbackValue,
  type ReplyForBlocks,
  sourcesText,
} from '../../../src/channels/slack/blocks/answer-blocks';
import { escapeMrkdwn, SECTION_TEXT_LIMIT, truncate } from '../../../src/channels/slack/blocks/mrkdwn';
import { clickNotice, homeView, learnUsageMessage } from '../../../src/channels/slack/blocks/notice-blocks';
import { HELP_TEXT } from '../../../src/core/messages';

const reply = (over: Partial<ReplyForBlocks> = {}): ReplyForBlocks => ({
  kind: 'answer',
  text: 'Warm the lamp for ten minutes [1]. Then run the baseline scan [2].',
  sources: [
    { n: 1, id: 'c1', title: 'Calibrating the spectrometer', contentType: 'tutorial', similarity: 0.61 },
    { n: 2, id: 'c2', title: 'Safety <first> & always', contentType: 'reference', similarity: 0.42 },
  ],
  confidence: 0.724,
  recommendations: [
    { id: 'rec-1', type: 'skill', itemId: 's1', title: 'Spectroscopy', score: 0.8, reason: 'Related to your question about “calibration”' },
    { id: 'rec-2', type: 'course', itemId: 'k1', title: 'Lab Basics', score: 0.6, reason: 'Popular starting point' },
    { id: 'rec-3', type: 'content', itemId: 'c9', title: 'Lamp care', score: 0.5, reason: 'Related to your question' },
  ],
  chatMessageId: 'chat-42',
  notes: [],
  ...over,
});

const texts = (blocks: Block[]): string[] =>
  blocks.flatMap((b: any) =>
    [b.text?.text, ...(b.elements ?? []).map((e: any) => e.text?.text ?? e.text)].filter((t) => typeof t === 'string'),
  );
const any = (b: Block) => b as any;

describe('Slack answer blocks', () => {
  it('links the title of a source that has a url, escaped for mrkdwn; sources without one stay plain text', () => {
    const sources = [
      {
        n: 1,
        id: 'c1',
        title: 'Errors & <exceptions>',
        contentType: 'tutorial',
        similarity: 0.6,
        url: 'https://docs.example.test/errors?a=1&b=2',
      },
      { n: 2, id: 'c2', title: 'No link here', contentType: 'reference', similarity: 0.4 },
      { n: 3, id: 'c3', title: 'Pipe | title', contentType: 'reference', similarity: 0.3, url: 'https://example.test/a|b' },
    ];
    const [context] = answerTailBlocks(reply({ sources }));
    assert.equal(
      any(context).elements[0].text,
      '*Sources* [1] <https://docs.example.test/errors?a=1&amp;b=2|Errors &amp; &lt;exceptions&gt;>  ·  [2] No link here  ·  ' +
        '[3] <https://example.test/a%7Cb|Pipe | title>',
    );
    assert.equal(sourcesText([{ ...sources[1], title: '  ' }]), '*Sources* [2] Source 2', 'an empty title still shows');
    assert.equal(
      sourcesText([{ ...sources[0], url: 'javascript:alert(1)' }]),
      '*Sources* [1] Errors &amp; &lt;exceptions&gt;',
      'never a script link',
    );
  });

  it('never cuts a link in half: links that would not fit in the text limit show as plain titles', () => {
    const long = `https://example.test/${'x'.repeat(1400)}`;
    const sources = [1, 2, 3].map((n) => ({
      n,
      id: `c${n}`,
      title: `Title ${n}`,
      contentType: 'tutorial',
      similarity: 0.5,
      url: `${long}${n}`,
    }));
    const text = sourcesText(sources);
    assert.ok(text.length <= SECTION_TEXT_LIMIT, String(text.length));
    assert.equal((text.match(/<https:/g) ?? []).length, 2, 'the first two links fit');
    assert.ok(text.endsWith('[3] Title 3'));
  });

  it('lays out answer, context (sources, confidence), divider, cards and feedback buttons', () => {
    const { text, blocks } = answerMessage(reply());
    assert.deepEqual(
      blocks.map((b) => b.type),
      ['markdown', 'context', 'divider', 'context', 'section', 'section', 'section', 'actions'],
    );
    assert.match(any(blocks[0]).text, /^Warm the lamp .* \[1\]\. Then run the baseline scan \[2\]\.$/);

    const context = any(blocks[1]).elements.map((e: { text: string }) => e.text);
    assert.deepEqual(context, ['*Sources* [1] Calibrating the spectrometer  ·  [2] Safety &lt;first&gt; &amp; always', 'Confidence 72%']);

    const cards = blocks.slice(4, 7).map(any);
    assert.deepEqual(
      cards.map((c) => [c.accessory.action_id, c.accessory.value, c.accessory.text.text]),
      [
        ['rec_open', 'rec-1', 'Start'],
        ['rec_open', 'rec-2', 'Start'],
        ['rec_open', 'rec-3', 'Read'],
      ],
    );
    assert.match(cards[0].text.text, /^\*Spectroscopy\* {2}· {2}Skill\nRelated to your question about “calibration”$/);

    const feedback = any(blocks[7]);
    assert.deepEqual(
      feedback.elements.map((e: { action_id: string; value: string }) => [e.action_id, e.value]),
      [
        ['feedback_up', 'chat-42'],
        ['feedback_down', 'chat-42'],
      ],
    );
    assert.match(feedback.elements[0].text.text, /👍/);
    assert.match(feedback.elements[1].text.text, /👎/);

    assert.equal(text, 'Warm the lamp for ten minutes [1]. Then run the baseline scan [2].', 'a plain notification fallback');
  });

  it('sends the answer as standard Markdown (links, italics, strikethrough, code unchanged); escapes what goes into mrkdwn', () => {
    const markdown = '## Steps\n- **Warm** the [lamp](https://example.test/lamp) *gently* [1]\n- ~~skip~~ run `a ** b` [2]';
    assert.equal(any(answerMessage(reply({ text: markdown })).blocks[0]).text, markdown);
    const { blocks } = answerMessage(
      reply({ notes: ['Your message was long <so> I cut it'], text: 'Use <script> & "quotes"', recommendations: [] }),
    );
    assert.equal(any(blocks[0]).text, 'Use <script> & "quotes"');
    assert.match(any(blocks[1]).elements[0].text, /^:information_source: Your message was long &lt;so&gt; I cut it$/);
    assert.deepEqual(
      blocks.map((b) => b.type),
      ['markdown', 'context', 'divider', 'actions'],
    );
  });

  it('renders help and apologies without confidence, cards or feedback', () => {
    const help = answerMessage(reply({ kind: 'help', text: HELP_TEXT, sources: [], recommendations: [], confidence: 0 }));
    assert.deepEqual(
      help.blocks.map((b) => b.type),
      ['markdown'],
    );
    assert.match(any(help.blocks[0]).text, /^Hi! I'm your learning assistant/);
    const apology = answerMessage(reply({ kind: 'apology', text: 'Sorry.', sources: [], recommendations: [], chatMessageId: null }));
    assert.deepEqual(
      apology.blocks.map((b) => b.type),
      ['markdown'],
    );
  });

  it('omits feedback buttons when the turn was not logged', () => {
    const { blocks } = answerMessage(reply({ chatMessageId: null, recommendations: [] }));
    assert.ok(!blocks.some((b) => b.type === 'actions'));
    assert.ok(!blocks.some((b) => b.type === 'divider'));
  });

  it('cuts an answer beyond 12,000 characters with "…"; the cards and buttons stay', () => {
    const huge = Array.from({ length: 80 }, (_, i) => `Part ${i}: ${'x'.repeat(2990)}`).join('\n\n');
    const { blocks } = answerMessage(reply({ text: huge }));
    assert.ok(blocks.length <= MAX_BLOCKS);
    assert.ok(any(blocks[0]).text.length <= MARKDOWN_TEXT_LIMIT);
    assert.match(any(blocks[0]).text, /…$/);
    assert.equal(blocks[blocks.length - 1].type, 'actions', 'feedback buttons survive');
    assert.equal(blocks.filter((b) => any(b).accessory?.action_id === 'rec_open').length, 3, 'cards survive');
  });

  it('under a streamed answer: the tail only, with Slack feedback_buttons in a context_actions block', () => {
    const tail = answerTailBlocks(reply(), 'feedback_buttons');
    assert.deepEqual(
      tail.map((b) => b.type),
      ['context', 'divider', 'context', 'section', 'section', 'section', 'context_actions'],
    );
    const [buttons] = any(tail[tail.length - 1]).elements;
    assert.equal(buttons.type, 'feedback_buttons');
    assert.equal(buttons.action_id, 'answer_feedback');
    assert.deepEqual(parseFeedbackValue(buttons.positive_button.value), { value: 1, chatMessageId: 'chat-42' });
    assert.deepEqual(parseFeedbackValue(buttons.negative_button.value), { value: -1, chatMessageId: 'chat-42' });
    assert.equal(parseFeedbackValue('good-feedback'), null);
    assert.ok(!JSON.stringify(tail).includes('feedback_up'), 'not our own buttons as well');
  });

  it('capBlocks ends an over-long list with a "…" context block', () => {
    const many: Block[] = Array.from({ length: 60 }, () => ({ type: 'divider' }));
    const capped = capBlocks(many);
    assert.equal(capped.length, 50);
    assert.equal(capped[49].type, 'context');
    assert.match(any(capped[49]).elements[0].text, /^…/);
    assert.equal(capBlocks(many.slice(0, 3)).length, 3);
  });

  it('keeps button and text limits with absurd titles and reasons', () => {
    const { blocks } = answerMessage(
      reply({ recommendations: [{ id: 'r', type: 'course', itemId: 'i', title: 'T'.repeat(5000), score: 1, reason: 'R'.repeat(5000) }] }),
    );
    for (const t of texts(blocks)) assert.ok(t.length <= SECTION_TEXT_LIMIT);
    const card = blocks.find((b) => any(b).accessory);
    assert.ok(any(card!).accessory.text.text.length <= 75);
  });

  it('reads a card title back from the clicked message', () => {
    const { blocks } = answerMessage(reply());
    assert.equal(cardTitleFromBlocks(blocks, 'rec-2'), 'Lab Basics');
    assert.equal(cardTitleFromBlocks(blocks, 'nope'), null);
    assert.equal(cardTitleFromBlocks(undefined, 'rec-2'), null);
  });
});

describe('Slack mrkdwn helpers', () => {
  it('escapes &, < and >', () => {
    assert.equal(escapeMrkdwn('a < b && c > d'), 'a &lt; b &amp;&amp; c &gt; d');
  });

  it('truncates on a word boundary with an ellipsis', () => {
    assert.equal(truncate('short', 10), 'short');
    assert.equal(truncate('one two three four', 12), 'one two…');
    assert.equal(truncate('x'.repeat(20), 10), `${'x'.repeat(9)}…`);
  });
});

describe('Slack notices', () => {
  it('explains /learn usage', () => {
    const { text } = learnUsageMessage();
    assert.match(text, /^Usage: `\/learn <question>`/);
  });

  it('words recommendation clicks', () => {
    assert.equal(clickNotice({ type: 'course', started: true }, 'Lab Basics'), "Started *Lab Basics* — it's in your progress.");
    assert.equal(clickNotice({ type: 'skill', started: false }, 'Spectroscopy'), '*Spectroscopy* is already in your progress.');
    assert.equal(clickNotice({ type: 'content', started: false }, null), 'Opened the content. Ask me anything about it.');
  });

  it('builds a Home tab with the help text', () => {
    const view = homeView();
    assert.equal(view.type, 'home');
    assert.ok(view.blocks.length <= 100);
    assert.ok(JSON.stringify(view.blocks).includes("I'm your learning assistant"));
  });
});
