import assert from 'node:assert/strict';
import {
  answerMessage,
  type Block,
  capBlocks,
  cardTitleFromBlocks,
  MAX_BLOCKS,
  type ReplyForBlocks,
} from '../../../src/channels/slack/blocks/answer-blocks';
import { escapeMrkdwn, markdownToMrkdwn, SECTION_TEXT_LIMIT, splitText, truncate } from '../../../src/channels/slack/blocks/mrkdwn';
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
  it('lays out answer, context (sources, confidence), divider, cards and feedback buttons', () => {
    const { text, blocks } = answerMessage(reply());
    assert.deepEqual(
      blocks.map((b) => b.type),
      ['section', 'context', 'divider', 'context', 'section', 'section', 'section', 'actions'],
    );
    assert.equal(any(blocks[0]).text.type, 'mrkdwn');
    assert.match(any(blocks[0]).text.text, /^Warm the lamp .* \[1\]\. Then run the baseline scan \[2\]\.$/);

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

  it('puts notes in the context block and escapes everything that came from elsewhere', () => {
    const { blocks } = answerMessage(
      reply({ notes: ['Your message was long <so> I cut it'], text: 'Use <script> & "quotes"', recommendations: [] }),
    );
    assert.equal(any(blocks[0]).text.text, 'Use &lt;script&gt; &amp; "quotes"');
    assert.match(any(blocks[1]).elements[0].text, /^:information_source: Your message was long &lt;so&gt; I cut it$/);
    assert.deepEqual(
      blocks.map((b) => b.type),
      ['section', 'context', 'divider', 'actions'],
    );
  });

  it('renders help and apologies without confidence, cards or feedback', () => {
    const help = answerMessage(reply({ kind: 'help', text: HELP_TEXT, sources: [], recommendations: [], confidence: 0 }));
    assert.deepEqual(
      help.blocks.map((b) => b.type),
      ['section'],
    );
    assert.match(any(help.blocks[0]).text.text, /^Hi! I'm your learning assistant/);
    const apology = answerMessage(reply({ kind: 'apology', text: 'Sorry.', sources: [], recommendations: [], chatMessageId: null }));
    assert.deepEqual(
      apology.blocks.map((b) => b.type),
      ['section'],
    );
  });

  it('omits feedback buttons when the turn was not logged', () => {
    const { blocks } = answerMessage(reply({ chatMessageId: null, recommendations: [] }));
    assert.ok(!blocks.some((b) => b.type === 'actions'));
    assert.ok(!blocks.some((b) => b.type === 'divider'));
  });

  it('splits long answers into sections of at most 3,000 characters on paragraph and sentence boundaries', () => {
    const paragraph = (i: number) => `Paragraph ${i}. ${'This sentence explains one more detail of the procedure. '.repeat(30).trim()}`;
    const long = Array.from({ length: 8 }, (_, i) => paragraph(i)).join('\n\n');
    const { blocks } = answerMessage(reply({ text: long }));
    const sections = blocks.filter((b) => b.type === 'section' && !any(b).accessory).map((b) => any(b).text.text as string);
    assert.ok(sections.length >= 3, `${sections.length} sections`);
    for (const s of sections) {
      assert.ok(s.length <= SECTION_TEXT_LIMIT, `section of ${s.length}`);
      assert.match(s, /^Paragraph \d+\./, 'starts at a paragraph');
      assert.match(s, /\.$/, 'ends at a sentence end');
    }
    assert.equal(sections.join('\n\n'), long, 'nothing lost');
  });

  it('never exceeds 50 blocks: the text is cut with a "…" block, the cards and buttons stay', () => {
    const huge = Array.from({ length: 80 }, (_, i) => `Part ${i}: ${'x'.repeat(2990)}`).join('\n\n');
    const { blocks } = answerMessage(reply({ text: huge }));
    assert.equal(blocks.length, MAX_BLOCKS);
    const ellipsis = blocks.findIndex((b) => b.type === 'context' && /^…/.test(any(b).elements[0].text));
    assert.ok(ellipsis > 0, 'a "…" context block marks the cut');
    assert.equal(blocks[blocks.length - 1].type, 'actions', 'feedback buttons survive');
    assert.equal(blocks.filter((b) => any(b).accessory?.action_id === 'rec_open').length, 3, 'cards survive');
    for (const t of texts(blocks)) assert.ok(t.length <= SECTION_TEXT_LIMIT);
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

  it('maps Markdown emphasis, headings and bullets to Slack mrkdwn, leaving citations alone', () => {
    assert.equal(
      markdownToMrkdwn('## Steps\n- **Warm** the lamp [1]\n* Scan __twice__ [2]'),
      '*Steps*\n• *Warm* the lamp [1]\n• Scan *twice* [2]',
    );
  });

  it('splits without a boundary only as a last resort, never inside an entity or a surrogate pair', () => {
    const entities = `${'a'.repeat(2998)}&amp;${'b'.repeat(100)}`;
    const parts = splitText(entities, 3000);
    assert.equal(parts[0], 'a'.repeat(2998));
    assert.ok(parts[1].startsWith('&amp;'));
    const emoji = `${'x'.repeat(2999)}😀y`;
    const [first, second] = splitText(emoji, 3000);
    assert.equal(first, 'x'.repeat(2999));
    assert.equal(second, '😀y');
  });

  it('prefers a sentence end to a space, and a paragraph to a sentence end', () => {
    const text = `${'A'.repeat(40)}. ${'b '.repeat(10)}c`;
    assert.deepEqual(splitText(text, 50)[0], `${'A'.repeat(40)}.`);
    const para = `First para. ${'x'.repeat(20)}\n\nSecond. more text here that goes on`;
    assert.equal(splitText(para, 45)[0], `First para. ${'x'.repeat(20)}`);
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
