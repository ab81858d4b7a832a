import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { TestAdapter, TurnContext } from 'botbuilder';
import {
  aiMessageEntity,
  answerActivity,
  citations,
  MAX_ANSWER_TEXT_BYTES,
  MAX_CITATIONS,
} from '../../../src/channels/teams/answer-message';
import { parseFeedbackSubmit } from '../../../src/channels/teams/bot';
import { buildAnswerCard } from '../../../src/channels/teams/cards';
import { answerMarkdown } from '../../../src/channels/teams/cards/format';
import { ConnectorRefusal, postActivity } from '../../../src/channels/teams/connector';
import { INFORMATIVE_TEXT, streamableText } from '../../../src/channels/teams/streaming';
import type { ConversationService } from '../../../src/core/conversation-service';
import type { AnswerProgress, BotReply, IncomingMessage, SourceRef } from '../../../src/core/messages';
import { addContent } from '../../helpers/conversation';
import { forEachBackend } from '../../helpers/databases';
import type { RecordedActivity } from '../../helpers/fake-bot-connector';
import { BOT, cardOf, type Json, person, personalMessage, type RunningBot, startBot, submitActions, TENANT, useTeamsBot } from './helpers';

const source = (n: number, over: Partial<SourceRef> = {}): SourceRef => ({
  n,
  id: randomUUID(),
  title: `Source number ${n}`,
  contentType: 'learning_content',
  similarity: 0.8,
  ...over,
});

const reply = (over: Partial<BotReply> = {}): BotReply => ({
  kind: 'answer',
  text: 'From the learning content:\n• An exception stops the normal flow [1].\n• Lessons learned go in the retro notes [2].',
  sources: [source(1), source(2), source(3)],
  confidence: 0.8,
  recommendations: [],
  chatMessageId: randomUUID(),
  duplicate: false,
  notes: [],
  mode: 'extractive',
  ...over,
});

describe('Teams answers: Markdown, AI label, citations (pure)', () => {
  it('makes bullets real list lines (Agents Playground ran "• a • b" together in one paragraph)', () => {
    const text = 'From the learning content:\n• An exception [1]\n• Lessons [2]\nAfterwards.\n1) one\n2) two';
    assert.equal(answerMarkdown(text), 'From the learning content:\n\n- An exception [1]\n- Lessons [2]\n\nAfterwards.\n\n1. one\n2. two');
    assert.equal(answerMarkdown(answerMarkdown(text)), answerMarkdown(text), 'idempotent');
  });

  it('keeps fenced code and links as they are, and paragraphs apart', () => {
    const text =
      'Use this:\n```python\ntry:\n    run()\n\nexcept ValueError:\n    pass\n```\nSee [the guide](https://example.test/guide).\nNext line.';
    assert.equal(
      answerMarkdown(text),
      'Use this:\n\n```python\ntry:\n    run()\n\nexcept ValueError:\n    pass\n```\n\nSee [the guide](https://example.test/guide).\n\nNext line.',
    );
  });

  it('formats the answer TextBlock of the card the same way', () => {
    const card = buildAnswerCard(reply());
    assert.match(
      card.body[0].type === 'TextBlock' ? card.body[0].text : '',
      /content:\n\n- An exception stops the normal flow \[1\]\.\n- Lessons/,
    );
  });

  it('labels the answer as AI-generated with one Claim per cited source, as Teams documents it', () => {
    const entity = aiMessageEntity([source(1), source(2, { title: 'x'.repeat(200) }), source(3)], 'A [2] and B [1], A again [2].');
    assert.deepEqual(Object.keys(entity), ['type', '@type', '@context', 'additionalType', 'citation']);
    assert.equal(entity.type, 'https://schema.org/Message');
    assert.equal(entity['@type'], 'Message');
    assert.equal(entity['@context'], 'https://schema.org');
    assert.deepEqual(entity.additionalType, ['AIGeneratedContent']);
    assert.deepEqual(
      entity.citation?.map((c) => c.position),
      [2, 1],
      'only the cited sources, in the order the text cites them',
    );
    for (const c of entity.citation ?? []) {
      assert.equal(c['@type'], 'Claim');
      assert.equal(c.appearance['@type'], 'DigitalDocument');
      assert.ok(c.appearance.name.length <= 80 && c.appearance.name.length > 0);
      assert.ok(c.appearance.abstract.length <= 160 && c.appearance.abstract.length > 0);
      assert.equal(c.appearance.url, undefined, 'no url when the source has none');
    }
    assert.equal(aiMessageEntity([source(1)], 'nothing cited').citation, undefined);
  });

  it('gives at most 20 citations and the url of a source that has one', () => {
    const many = Array.from({ length: 30 }, (_, i) => source(i + 1));
    const text = many.map((s) => `fact [${s.n}]`).join(' ');
    assert.equal(citations(many, text).length, MAX_CITATIONS);
    const withUrl = { ...source(1), url: 'https://learn.example.test/a' };
    assert.equal(citations([withUrl], '[1]')[0].appearance.url, 'https://learn.example.test/a');
    const badUrl = { ...source(1), url: 'javascript:alert(1)' };
    assert.equal(citations([badUrl], '[1]')[0].appearance.url, undefined);
  });

  it('builds the answer message: text, entity, feedback loop in chats, our buttons in channels, cards after', () => {
    const r = reply({
      recommendations: [{ id: randomUUID(), type: 'course', itemId: 'c1', title: 'Python basics', score: 0.7, reason: 'Next step' }],
    });
    const personal = answerActivity(r, 'personal') as Json;
    assert.match(personal.text, /^From the learning content:\n\n- An exception/);
    assert.equal(personal.textFormat, 'markdown');
    assert.deepEqual(personal.channelData, { feedbackLoop: { type: 'default' } });
    assert.equal(personal.entities.length, 1);
    assert.deepEqual(
      personal.entities[0].citation.map((c: Json) => c.position),
      [1, 2],
    );
    const card = cardOf(personal)!;
    assert.ok(!JSON.stringify(card).includes('An exception'), 'the answer text is not repeated in the card');
    assert.ok(JSON.stringify(card).includes('Python basics'), 'the recommendation follows the answer');
    assert.equal(submitActions(card).filter((a) => a.data.action === 'feedback').length, 0);

    assert.deepEqual((answerActivity(r, 'groupChat') as Json).channelData, { feedbackLoop: { type: 'default' } });
    const channel = answerActivity(r, 'channel') as Json;
    assert.equal(channel.channelData, undefined, 'Teams has no feedback loop in channels');
    assert.equal(submitActions(cardOf(channel)!).filter((a) => a.data.action === 'feedback').length, 2, 'our own 👍/👎 there');
    assert.equal(channel.entities.length, 1);

    assert.equal(
      (answerActivity(reply({ mode: 'none', text: 'Nothing in the content covers that.' }), 'personal') as Json).entities,
      undefined,
    );
  });

  it('keeps a very long answer under the message budget, and says it was shortened', () => {
    const long = Array.from({ length: 3000 }, (_, i) => `Sentence ${i} about kilns [1].`).join(' ');
    const a = answerActivity(reply({ text: long }), 'personal') as Json;
    assert.ok(Buffer.byteLength(a.text, 'utf8') <= MAX_ANSWER_TEXT_BYTES);
    assert.match(JSON.stringify(cardOf(a)), /shortened/);
  });

  it('reads the feedback-loop submit: reaction and the optional text', () => {
    const v = (reaction: unknown, feedback?: unknown) => ({ actionName: 'feedback', actionValue: { reaction, feedback } });
    assert.deepEqual(parseFeedbackSubmit(v('like', JSON.stringify({ feedbackText: ' Clear! ' }))), { reaction: 'like', comment: 'Clear!' });
    assert.deepEqual(parseFeedbackSubmit(v('dislike', '')), { reaction: 'dislike', comment: null });
    assert.deepEqual(parseFeedbackSubmit(v('dislike', { feedbackText: 'obj' })), { reaction: 'dislike', comment: 'obj' });
    assert.deepEqual(parseFeedbackSubmit(v('dislike', 'plain words')), { reaction: 'dislike', comment: 'plain words' });
    assert.equal(parseFeedbackSubmit(v('love')), null);
    assert.equal(parseFeedbackSubmit({ actionName: 'other', actionValue: { reaction: 'like' } }), null);
    assert.equal(parseFeedbackSubmit(undefined), null);
  });

  it('streams only text whose formatting is settled: every chunk is a prefix of the next and of the final text', () => {
    const final = 'Intro line.\n• first point [1]\n• second point\n```js\nconst a = 1;\n```\n1) step one\nDone.';
    let previous = '';
    for (let i = 1; i <= final.length; i++) {
      const chunk = streamableText(final.slice(0, i));
      assert.ok(chunk.startsWith(previous), `chunk at ${i} ${JSON.stringify(chunk)} extends ${JSON.stringify(previous)}`);
      previous = chunk;
    }
    assert.ok(answerMarkdown(final).startsWith(previous));
  });
});

// ---------------------------------------------------------------- over HTTP, with the fake Bot Connector

const DOCS = [
  {
    title: 'Calibrating the Oskarsson loom',
    content:
      'To calibrate the Oskarsson loom, first set the warp tension to level four. Then run three test rows and measure the selvage drift. Recalibrate after every bolt of linen.',
    metadata: { url: 'https://weaving.example.test/oskarsson/calibration?step=1&unit=4' },
  },
  {
    title: 'Oskarsson loom maintenance',
    content: 'Oil the Oskarsson loom heddles weekly. Replace the reed when the dents bend, because a bent reed marks the cloth.',
  },
];
const QUESTION = 'How do I calibrate the Oskarsson loom?';

/** A ConversationService that reports progress the way a streaming model does: many growing texts. */
function chunkingService(chunks: string[], gapMs: number, final?: Partial<BotReply>): ConversationService {
  return {
    async handle(msg: IncomingMessage, progress: AnswerProgress = {}): Promise<BotReply> {
      await progress.onStatus?.('searching');
      const sources = [source(1, { title: 'Calibrating the Oskarsson loom' }), source(2, { title: 'Oskarsson loom maintenance' })];
      await progress.onSources?.(sources);
      await progress.onStatus?.('answering');
      let text = '';
      for (const c of chunks) {
        text += c;
        await progress.onText?.(text);
        await new Promise((r) => setTimeout(r, gapMs));
      }
      return reply({ text, sources, chatMessageId: null, ...final, ...(msg ? {} : {}) });
    },
  } as unknown as ConversationService;
}

forEachBackend('Teams AI features over HTTP (streaming, AI label, citations, feedback loop)', (backend) => {
  const teams = useTeamsBot(backend, { prepare: (db) => addContent(db, DOCS) });
  const { connector, log } = teams;
  let serviceUrl: string;
  let bot: RunningBot;
  before(() => {
    ({ serviceUrl, bot } = teams);
  });

  const rowFor = async (messageId: string) =>
    (await teams.ds.query(`SELECT * FROM chat_messages WHERE channel = 'teams' AND platform_message_id = $1`, [messageId]))[0];
  const finalIn = (conversationId: string) => (a: RecordedActivity) => a.conversationId === conversationId && a.activity.type === 'message';

  const feedbackInvoke = (question: Json, replyToId: string, actionValue: Json, from: Json = question.from): Json => ({
    ...question,
    type: 'invoke',
    name: 'message/submitAction',
    id: `${Date.now()}${Math.floor(Math.random() * 1e6)}`,
    text: undefined,
    from,
    replyToId,
    value: { actionName: 'feedback', actionValue },
  });

  it('posts activities as they are (entities intact), signed by the turn connector credentials, and reports refusals', async () => {
    const question = personalMessage(serviceUrl, QUESTION);
    const adapter = new TestAdapter();
    const context = new TurnContext(adapter, question);
    const signRequest = async (r: { headers: { set(n: string, v: string): void } }) => {
      r.headers.set('Authorization', 'Bearer test-token');
      return r;
    };
    context.turnState.set(adapter.ConnectorClientKey, { credentials: { signRequest } });
    const entity = aiMessageEntity([source(1)], 'cited [1]');
    const id = await postActivity(context, { type: 'message', text: 'cited [1]', entities: [entity as never] });
    const [sent] = connector.activities;
    assert.equal(sent.id, id);
    assert.equal(sent.replyToId, question.id);
    assert.equal(sent.authorization, 'Bearer test-token');
    assert.deepEqual(sent.aiEntity, JSON.parse(JSON.stringify(entity)), 'the whole entity reached the connector');
    assert.equal(sent.activity.from.id, BOT.id, 'the conversation reference applied');

    connector.failSendsWith = 403;
    await assert.rejects(
      postActivity(context, { type: 'message', text: 'x' }),
      (err: unknown) => err instanceof ConnectorRefusal && err.status === 403,
    );
  });

  it('1:1 with the real service: informative update, then the final message with citations, AI label and feedback loop', async () => {
    const question = personalMessage(serviceUrl, QUESTION, { from: person('Ada') });
    assert.equal((await bot.post(question)).status, 200);
    const [final] = await connector.waitFor(finalIn(question.conversation.id));
    const streamed = connector.sentTo(question.conversation.id).filter((a) => a.stream);
    const [informative] = streamed;
    assert.equal(informative.activity.type, 'typing');
    assert.equal(informative.activity.text, INFORMATIVE_TEXT);
    assert.deepEqual(informative.stream, { type: 'streaminfo', streamType: 'informative', streamSequence: 1 });

    assert.equal(final.stream?.streamType, 'final');
    assert.equal(final.stream?.streamId, informative.id, 'the stream id is the first response id');
    assert.equal(final.stream?.streamSequence, undefined, 'no sequence on the final');
    assert.match(final.activity.text, /warp tension to level four/);
    const cited = [...final.activity.text.matchAll(/\[(\d+)\]/g)].map((m: RegExpMatchArray) => Number(m[1]));
    assert.ok(cited.length > 0, `the answer cites: ${final.activity.text}`);
    assert.deepEqual(final.aiEntity.additionalType, ['AIGeneratedContent']);
    assert.deepEqual(final.aiEntity.citation.map((c: Json) => c.position).sort(), [...new Set(cited)].sort());
    const calibration = final.aiEntity.citation.find((c: Json) => c.appearance.name === 'Calibrating the Oskarsson loom');
    assert.ok(calibration, JSON.stringify(final.aiEntity.citation));
    assert.equal(calibration.appearance.url, 'https://weaving.example.test/oskarsson/calibration?step=1&unit=4', 'the link reached Teams');
    assert.ok(
      final.aiEntity.citation.filter((c: Json) => c !== calibration).every((c: Json) => !('url' in c.appearance)),
      'no url where the content has none',
    );
    assert.deepEqual(final.activity.channelData.feedbackLoop, { type: 'default' });
    assert.ok(cardOf(final.activity), 'the card (sources, confidence, recommendations) rides on the final message');
    assert.deepEqual(connector.streamViolations, []);

    await bot.settle(); // the worker records the reply id right after posting
    const row = await rowFor(question.id);
    assert.equal(row.reply_activity_id, informative.id, "Teams' feedback names the streamed message: its id is the stream id");
  });

  it('1:1 with a streaming model: chunks at least a second apart, growing text, increasing sequence, then the final', async function () {
    this.timeout(20_000);
    const chunks = [
      'To calibrate the loom:\n',
      '• set the warp tension ',
      'to level four [1]\n',
      '• run three test rows ',
      'and measure [1]\n',
    ];
    chunks.push('• oil the heddles weekly [2]\n', 'Recalibrate after every bolt.');
    const streamingBot = await startBot(teams.ds, chunkingService(chunks, 450), { logger: log.logger });
    try {
      const question = personalMessage(serviceUrl, QUESTION);
      assert.equal((await streamingBot.post(question)).status, 200);
      const [final] = await connector.waitFor(finalIn(question.conversation.id), { timeoutMs: 15_000 });
      const streamed = connector.sentTo(question.conversation.id).filter((a) => a.stream);
      const chunkActs = streamed.filter((a) => a.stream?.streamType === 'streaming');
      assert.ok(chunkActs.length >= 2, `several chunks: ${chunkActs.length}`);
      const streamId = streamed[0].id;
      assert.deepEqual(
        chunkActs.map((a) => a.stream?.streamSequence),
        chunkActs.map((_, i) => i + 2),
        'sequence 2, 3, ... after the informative 1',
      );
      for (const [i, a] of chunkActs.entries()) {
        assert.equal(a.activity.type, 'typing');
        assert.equal(a.stream?.streamId, streamId);
        const before = i === 0 ? streamed[0] : chunkActs[i - 1];
        assert.ok(a.at - before.at >= 950, `≥ 1 s apart (${a.at - before.at} ms)`);
        if (i > 0) assert.ok(a.activity.text.startsWith(chunkActs[i - 1].activity.text), 'each chunk carries the text so far');
      }
      assert.ok(final.at - chunkActs.at(-1)!.at >= 950, 'the final too');
      assert.equal(final.stream?.streamType, 'final');
      assert.ok(final.activity.text.startsWith(chunkActs.at(-1)!.activity.text), 'the final text contains the streamed text');
      assert.match(final.activity.text, /- set the warp tension to level four \[1\]\n- run three test rows/);
      assert.deepEqual(
        final.aiEntity.citation.map((c: Json) => c.position),
        [1, 2],
      );
      assert.deepEqual(connector.streamViolations, []);
    } finally {
      await streamingBot.close();
    }
  });

  it('1:1 when Teams refuses streaming (403 ContentStreamNotAllowed): one normal message with everything', async () => {
    connector.refuseStreaming = 'all';
    const question = personalMessage(serviceUrl, QUESTION);
    await bot.post(question);
    const [final] = await connector.waitFor(finalIn(question.conversation.id));
    await bot.settle();
    const messages = connector.sentTo(question.conversation.id, 'message');
    assert.equal(messages.length, 1, 'exactly one answer');
    assert.equal(final.stream, undefined, 'a normal message');
    assert.match(final.activity.text, /warp tension/);
    assert.deepEqual(final.aiEntity.additionalType, ['AIGeneratedContent']);
    assert.deepEqual(final.activity.channelData, { feedbackLoop: { type: 'default' } });
    assert.ok(
      log.lines.some((l) => l.level === 'warn' && /refused the streamed answer/.test(l.msg) && l.code === 'ContentStreamNotAllowed'),
    );
    assert.equal((await rowFor(question.id)).reply_activity_id, final.id);
  });

  it('1:1 when the person stops the stream midway (chunks refused): the answer still arrives once, as a normal message', async function () {
    this.timeout(15_000);
    const streamingBot = await startBot(teams.ds, chunkingService(['First line [1]\n', 'Second line [2]\n', 'Third.'], 600), {
      logger: log.logger,
    });
    try {
      connector.refuseStreaming = 'chunks';
      const question = personalMessage(serviceUrl, QUESTION);
      await streamingBot.post(question);
      const [final] = await connector.waitFor(finalIn(question.conversation.id), { timeoutMs: 10_000 });
      await streamingBot.settle();
      assert.equal(connector.sentTo(question.conversation.id, 'message').length, 1);
      assert.equal(final.stream, undefined);
      assert.match(final.activity.text, /First line \[1\]\n\nSecond line \[2\]\n\nThird\./);
    } finally {
      await streamingBot.close();
    }
  });

  it('stores a feedback-loop 👍/👎 with its text on the chat message, answers 200 with an empty body; refuses a foreign message', async () => {
    const asker = person('Grace');
    const question = personalMessage(serviceUrl, QUESTION, { from: asker });
    await bot.post(question);
    const [final] = await connector.waitFor(finalIn(question.conversation.id));
    await bot.settle();
    const row = await rowFor(question.id);
    assert.equal(row.feedback, null);

    const res = await bot.post(
      feedbackInvoke(question, final.id, { reaction: 'dislike', feedback: JSON.stringify({ feedbackText: 'Too vague' }) }),
    );
    assert.equal(res.status, 200);
    assert.equal(res.text, '', 'an empty body');
    const after = await rowFor(question.id);
    assert.equal(after.feedback, -1);
    assert.equal(after.feedback_comment, 'Too vague');
    assert.ok(after.feedback_at);

    // changing one's mind: 👍 without text clears the comment
    assert.equal((await bot.post(feedbackInvoke(question, final.id, { reaction: 'like', feedback: '' }))).status, 200);
    assert.equal((await rowFor(question.id)).feedback, 1);
    assert.equal((await rowFor(question.id)).feedback_comment, null);

    // someone else in the chat, and a message that is not one of our answers: refused, nothing stored
    const foreign = await bot.post(
      feedbackInvoke(question, final.id, { reaction: 'dislike', feedback: '{"feedbackText":"x"}' }, person('Mallory')),
    );
    assert.equal(foreign.status, 403);
    const notOurs = await bot.post(feedbackInvoke(question, 'some-other-message', { reaction: 'dislike' }));
    assert.equal(notOurs.status, 403);
    const unchanged = await rowFor(question.id);
    assert.equal(unchanged.feedback, 1);
    assert.equal(unchanged.feedback_comment, null);
    assert.equal(connector.sentTo(question.conversation.id, 'message').length, 1, 'feedback posts nothing into the chat');

    const malformed = await bot.post({ ...feedbackInvoke(question, final.id, { reaction: 'meh' }) });
    assert.equal(malformed.status, 400);
  });

  it('group chat: no streaming, one normal message with the AI label, citations and the feedback loop', async () => {
    const question = personalMessage(serviceUrl, `<at>${BOT.name}</at> ${QUESTION}`);
    question.conversation = { id: `19:${randomUUID()}@thread.v2`, conversationType: 'groupChat', isGroup: true, tenantId: TENANT };
    question.entities = [{ type: 'mention', text: `<at>${BOT.name}</at>`, mentioned: BOT }];
    await bot.post(question);
    const [final] = await connector.waitFor(finalIn(question.conversation.id));
    await bot.settle();
    assert.equal(connector.activities.filter((a) => a.stream).length, 0, 'no streaming outside personal chats');
    assert.equal(connector.sentTo(question.conversation.id, 'message').length, 1);
    assert.match(final.activity.text, /warp tension/);
    assert.deepEqual(final.aiEntity.additionalType, ['AIGeneratedContent']);
    assert.ok(final.aiEntity.citation.length > 0);
    assert.deepEqual(final.activity.channelData, { feedbackLoop: { type: 'default' } });
    assert.equal((await rowFor(question.id)).reply_activity_id, final.id);
  });
});
