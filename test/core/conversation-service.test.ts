import assert from 'node:assert/strict';
import type { ChatGenerationChunk } from '@langchain/core/outputs';
import { RunnableLambda } from '@langchain/core/runnables';
import { FakeListChatModel } from '@langchain/core/utils/testing';
import sinon from 'sinon';
import { createAnswerer, cutOffNote, fallbackNote } from '../../src/ai/answer-chain';
import { createChatModel } from '../../src/ai/chat-model';
import { EXTRACTIVE_NOTE } from '../../src/ai/extractive-answerer';
import { HELP_TEXT, MAX_QUESTION_CHARS } from '../../src/core/messages';
import type { AppDataSource } from '../../src/db/data-source';
import { SEED_SKILLS } from '../../src/db/seed-rows';
import { addContent, localProvider, makeService, message } from '../helpers/conversation';
import { forEachBackend } from '../helpers/databases';
import { FakeOpenAIServer } from '../helpers/fake-openai-server';

// Invented topics, so other suites' content in the shared database cannot answer these questions.
const DOCS = [
  {
    title: 'Calibrating the Quorvex spectrometer',
    content:
      'To calibrate the Quorvex spectrometer, first warm the lamp for ten minutes. Then load the reference wafer and run the baseline scan. Repeat the baseline scan whenever the room temperature changes by more than two degrees.',
  },
  {
    title: 'Quorvex spectrometer safety',
    content:
      'Always wear the amber goggles when the Quorvex lamp is on. Never open the sample chamber during a scan, because the interlock only protects the detector.',
  },
  {
    title: 'Writing Blentish status memos',
    content:
      'A Blentish status memo starts with the decision you need, then the three facts that support it. Keep a Blentish memo under two hundred words and send it before Thursday noon.',
  },
];

forEachBackend('ConversationService', (backend) => {
  let ds: AppDataSource;
  let docIds: string[];
  before(async () => {
    ds = await backend.dataSource();
    docIds = await addContent(ds, DOCS);
    // Skills are recommended through their catalogue rows in learning_content.
    await addContent(ds, [
      {
        title: 'Quorvex Spectroscopy',
        content: 'Skill: operating and calibrating Quorvex spectrometers in the lab.',
        contentType: 'skill',
        metadata: { skill_id: SEED_SKILLS[2].id },
      },
    ]);
  });

  const rows = (messageId: string) => ds.query(`SELECT * FROM chat_messages WHERE platform_message_id = $1`, [messageId]);

  it('reports progress to a streaming surface: searching, the sources, answering, the growing text; the final text is the last one shown', async () => {
    const events: string[] = [];
    let lastText = '';
    const reply = await makeService(ds).handle(message({ text: 'How do I calibrate the Quorvex spectrometer?' }), {
      onStatus: (s) => {
        events.push(`status:${s}`);
      },
      onSources: (sources) => {
        events.push(`sources:${sources.length}`);
        assert.deepEqual(
          sources.map((x) => x.n),
          sources.map((_, i) => i + 1),
        );
      },
      onText: (text) => {
        assert.ok(text.startsWith(lastText), 'the text so far only grows');
        lastText = text;
        if (events.at(-1) !== 'text') events.push('text');
      },
    });
    assert.deepEqual(events.slice(0, 3), ['status:searching', `sources:${events[1].split(':')[1]}`, 'status:answering']);
    assert.ok(Number(events[1].split(':')[1]) >= reply.sources.length);
    assert.equal(events.at(-1), 'text');
    assert.equal(reply.text, lastText);
  });

  /** What a streaming surface is shown; checks that the text only grows. */
  function surface() {
    const texts: string[] = [];
    return {
      texts,
      onText: (text: string) => {
        const last = texts.at(-1) ?? '';
        assert.ok(text.startsWith(last) && text !== last, `the text only grows: ${JSON.stringify(last)} -> ${JSON.stringify(text)}`);
        texts.push(text);
      },
    };
  }

  it('streams the offline extractive answer sentence by sentence (no model needed)', async () => {
    const { texts, onText } = surface();
    const reply = await makeService(ds).handle(message({ text: 'How do I calibrate the Quorvex spectrometer?' }), { onText });
    assert.equal(reply.mode, 'extractive');
    assert.equal(texts[0], EXTRACTIVE_NOTE);
    assert.ok(texts.length >= 3, JSON.stringify(texts));
    assert.equal(texts.at(-1), reply.text);
  });

  it("streams the model's tokens through the LangChain chain; the reply's text is the last one shown", async () => {
    const model = new FakeListChatModel({ responses: ['Warm the lamp for ten minutes first [1].'] });
    const { texts, onText } = surface();
    const msg = message({ text: 'How do I calibrate the Quorvex spectrometer?' });
    const reply = await makeService(ds, { answerer: createAnswerer({ model, timeoutMs: 5000 }) }).handle(msg, { onText });
    assert.equal(reply.mode, 'llm');
    assert.equal(reply.text, 'Warm the lamp for ten minutes first [1].');
    assert.ok(texts.length > 5, `several growing texts, got ${texts.length}`);
    assert.equal(texts.at(-1), reply.text);
    assert.equal((await rows(msg.messageId))[0].response, reply.text);
  });

  it('a slow surface skips intermediate texts instead of slowing the model; it still gets the final text', async () => {
    const full = 'Warm the lamp for ten minutes first [1].';
    const model = new FakeListChatModel({ responses: [full] });
    // The surface's first call returns only once the model has streamed everything.
    let modelDone!: () => void;
    const done = new Promise<void>((r) => {
      modelDone = r;
    });
    const stream = model._streamResponseChunks.bind(model);
    sinon.stub(model, '_streamResponseChunks').callsFake(async function* (...args): AsyncGenerator<ChatGenerationChunk> {
      yield* stream(...args);
      modelDone();
    });
    const texts: string[] = [];
    const reply = await makeService(ds, { answerer: createAnswerer({ model, timeoutMs: 5000 }) }).handle(
      message({ text: 'How do I calibrate the Quorvex spectrometer?' }),
      {
        onText: async (text) => {
          texts.push(text);
          if (texts.length === 1) await done;
        },
      },
    );
    assert.equal(reply.mode, 'llm');
    assert.equal(reply.text, full, 'not cut off: the model never waited for the surface');
    assert.deepEqual(texts, ['W', full]);
    sinon.restore();
  });

  it('an answerer that cannot stream (a plain Runnable) reports its final text once', async () => {
    const plain = RunnableLambda.from(async () => ({ text: 'Warm the lamp first [1].', mode: 'llm' as const, citedIndexes: [1] }));
    const texts: string[] = [];
    const reply = await makeService(ds, { answerer: plain }).handle(message({ text: 'How do I calibrate the Quorvex spectrometer?' }), {
      onText: (t) => {
        texts.push(t);
      },
    });
    assert.deepEqual(texts, ['Warm the lamp first [1].']);
    assert.equal(reply.text, texts[0]);
  });

  it('a surface whose onText fails gets no more text; the answer goes on and is logged', async () => {
    let calls = 0;
    const msg = message({ text: 'How do I calibrate the Quorvex spectrometer?' });
    const reply = await makeService(ds).handle(msg, {
      onText: () => {
        calls++;
        if (calls === 2) throw new Error('stream closed');
      },
    });
    assert.equal(calls, 2);
    assert.equal(reply.kind, 'answer');
    assert.match(reply.text, /warm the lamp/);
    assert.equal((await rows(msg.messageId))[0].response, reply.text);
  });

  describe('streaming from a real ChatOpenAI (fake OpenAI server)', () => {
    const server = new FakeOpenAIServer();
    let url = '';
    before(async () => {
      ({ url } = await server.start());
    });
    after(() => server.stop());
    beforeEach(() => server.reset());

    function service(logger = { warn: sinon.spy() }) {
      const model = createChatModel({ apiKey: 'test-key', baseUrl: url, model: 'gpt-test', timeoutMs: 5000 })!;
      return { logger, service: makeService(ds, { answerer: createAnswerer({ model, timeoutMs: 5000, logger }) }) };
    }

    it('a model failing before any text: the extractive fallback, streamed, logged once', async () => {
      server.enqueue({ status: 500 });
      const { texts, onText } = surface();
      const { logger, service: s } = service();
      const msg = message({ text: 'How do I calibrate the Quorvex spectrometer?' });
      const reply = await s.handle(msg, { onText });
      assert.equal(reply.mode, 'extractive');
      assert.match(reply.text, /warm the lamp/);
      assert.equal(texts[0], fallbackNote('server_error'));
      assert.ok(texts.length >= 2);
      assert.equal(texts.at(-1), reply.text);
      sinon.assert.calledOnce(logger.warn);
      const logged = await rows(msg.messageId);
      assert.equal(logged.length, 1);
      assert.equal(logged[0].response, reply.text);
    });

    it('a model that stops mid-stream: what arrived plus an honest note, mode llm, the turn logged once', async () => {
      server.enqueue({ reply: 'Warm the lamp for ten minutes [1], then load the reference wafer.', breakAfterChunks: 7 });
      const { texts, onText } = surface();
      const { logger, service: s } = service();
      const msg = message({ text: 'How do I calibrate the Quorvex spectrometer?' });
      const reply = await s.handle(msg, { onText });
      assert.equal(reply.kind, 'answer');
      assert.equal(reply.mode, 'llm');
      assert.equal(reply.text, `Warm the lamp for ten minutes [1],\n\n${cutOffNote('connection_error')}`);
      assert.deepEqual(
        reply.sources.map((x) => x.n),
        [1],
      );
      assert.equal(texts.at(-2), 'Warm the lamp for ten minutes [1],', 'what arrived was shown as it arrived');
      assert.equal(texts.at(-1), reply.text, 'the note is appended');
      sinon.assert.calledOnce(logger.warn);
      assert.equal(logger.warn.firstCall.args[0].reason, 'connection_error');
      const logged = await rows(msg.messageId);
      assert.equal(logged.length, 1);
      assert.equal(logged[0].response, reply.text);
      assert.equal(server.chatRequests.length, 1, 'no retry');
    });
  });

  it('answers and logs the turn even when the streaming surface fails (a refused stream)', async () => {
    const msg = message({ text: 'How do I calibrate the Quorvex spectrometer?' });
    let calls = 0;
    const reply = await makeService(ds).handle(msg, {
      onStatus: () => {
        calls++;
        throw new Error('stream refused');
      },
      onText: () => {
        calls++;
      },
    });
    assert.equal(reply.kind, 'answer');
    assert.match(reply.text, /warm the lamp/);
    assert.equal(calls, 1, 'no progress reports after the first failure');
    assert.equal((await rows(msg.messageId)).length, 1);
  });

  it('answers a question with cited sources, confidence and recommendations, and logs the turn once', async () => {
    const msg = message({
      text: 'How do I calibrate the Quorvex spectrometer?',
      profile: { name: 'Ada Lovelace', email: `ada.${Date.now()}@example.test`, emailVerified: true },
    });
    const reply = await makeService(ds).handle(msg);
    assert.equal(reply.kind, 'answer');
    assert.equal(reply.duplicate, false);
    assert.match(reply.text, /warm the lamp/);
    const calibration = reply.sources.find((s) => s.id === docIds[0]);
    assert.ok(calibration, JSON.stringify(reply.sources));
    assert.ok(reply.text.includes(`[${calibration.n}]`), 'the answer cites the calibration guide');
    assert.ok(calibration.similarity! > 0.2);
    assert.ok(reply.confidence > 0.3 && reply.confidence <= 1, `confidence ${reply.confidence}`);
    assert.ok(reply.recommendations.length > 0);
    assert.ok(
      reply.recommendations.some(
        (r) =>
          r.type === 'skill' &&
          r.itemId === SEED_SKILLS[2].id &&
          /Related to your question about “calibrate the Quorvex spectrometer”/.test(r.reason),
      ),
      JSON.stringify(reply.recommendations),
    );

    const [row] = await rows(msg.messageId);
    assert.equal(row.id, reply.chatMessageId);
    assert.equal(row.message, msg.text);
    assert.equal(row.response, reply.text);
    assert.equal(row.channel, 'console');
    assert.equal(row.conversation_id, msg.conversationId);
    assert.ok(row.processing_time >= 0);
    assert.equal(row.confidence, reply.confidence);
    assert.deepEqual(row.sources, reply.sources);
    const recs = await ds.query(`SELECT id, type, item_id, score, reason FROM recommendations WHERE user_id = $1`, [row.user_id]);
    assert.deepEqual(recs.map((r: { id: string }) => r.id).sort(), reply.recommendations.map((r) => r.id).sort());
    const [user] = await ds.query(`SELECT name, email FROM users WHERE id = $1`, [row.user_id]);
    assert.deepEqual(user, { name: 'Ada Lovelace', email: msg.profile!.email });
  });

  it('answers and logs a retried message once, also when deliveries race', async () => {
    const service = makeService(ds);
    const msg = message({ text: 'What goes in a Blentish status memo?' });
    const first = await service.handle(msg);
    const again = await service.handle({ ...msg });
    assert.equal(again.duplicate, true);
    assert.equal(again.chatMessageId, first.chatMessageId);
    assert.equal(again.text, first.text);
    assert.equal((await rows(msg.messageId)).length, 1);

    const raced = message({ text: 'Quorvex safety rules?' });
    const replies = await Promise.all([1, 2, 3].map(() => service.handle({ ...raced })));
    assert.equal(replies.filter((r) => !r.duplicate).length, 1);
    assert.equal(new Set(replies.map((r) => r.chatMessageId)).size, 1);
    assert.equal((await rows(raced.messageId)).length, 1);
  });

  it('creates an unknown user once and links the same email across platforms', async () => {
    const email = `grace.${Date.now()}@example.test`;
    const service = makeService(ds);
    const onSlack = await service.handle(
      message({
        channel: 'slack',
        platformUserId: 'U1',
        tenantId: `T${Date.now()}`,
        text: 'hi',
        profile: { email, name: 'Grace', emailVerified: true },
      }),
    );
    const onTeams = await service.handle(
      message({
        channel: 'teams',
        platformUserId: 'aad-1',
        tenantId: `tenant${Date.now()}`,
        text: 'hi',
        profile: { email, emailVerified: true },
      }),
    );
    const users = await ds.query(`SELECT DISTINCT user_id FROM chat_messages WHERE id = ANY($1)`, [
      [onSlack.chatMessageId, onTeams.chatMessageId],
    ]);
    assert.equal(users.length, 1);
    const ids = await ds.query(`SELECT platform FROM user_identities WHERE user_id = $1 ORDER BY platform`, [users[0].user_id]);
    assert.deepEqual(
      ids.map((r: { platform: string }) => r.platform),
      ['slack', 'teams'],
    );
  });

  it('never links by an email nobody verified: that identity gets an account of its own', async () => {
    const email = `mallory.${Date.now()}@example.test`;
    const service = makeService(ds);
    const owner = await service.handle(
      message({
        channel: 'slack',
        platformUserId: 'U-owner',
        tenantId: `T${Date.now()}`,
        text: 'hi',
        profile: { email, emailVerified: true },
      }),
    );
    const claimer = await service.handle(
      message({
        channel: 'teams',
        platformUserId: 'aad-claimer',
        tenantId: `tenant${Date.now()}`,
        text: 'hi',
        profile: { email, name: 'Not the owner' },
      }),
    );
    const users = await ds.query(`SELECT DISTINCT user_id FROM chat_messages WHERE id = ANY($1)`, [
      [owner.chatMessageId, claimer.chatMessageId],
    ]);
    assert.equal(users.length, 2);
  });

  it('replies to an empty message with how to use it, and logs it', async () => {
    const msg = message({ text: '   \n ' });
    const reply = await makeService(ds).handle(msg);
    assert.equal(reply.kind, 'help');
    assert.equal(reply.text, HELP_TEXT);
    assert.equal((await rows(msg.messageId))[0].message, '(empty message)');
  });

  it('answers the first part of an over-long message and says so', async () => {
    const msg = message({ text: `How do I calibrate the Quorvex spectrometer? ${'x'.repeat(5000)}` });
    const reply = await makeService(ds).handle(msg);
    assert.equal(reply.kind, 'answer');
    assert.ok(reply.notes.some((n) => n.includes(MAX_QUESTION_CHARS.toLocaleString('en-US'))));
    assert.equal((await rows(msg.messageId))[0].message, msg.text.trim(), 'the log keeps the whole message (up to 16,000 characters)');
  });

  it('treats quotes, SQL, emoji and other scripts as data', async () => {
    const texts = [
      "'; DROP TABLE users; --",
      'Robert"); DELETE FROM chat_messages; --',
      '🚀🔥 Quorvex? 🤔',
      'Как откалибровать спектрометр Quorvex?',
      '如何校准光谱仪',
      'a\u0000b $1 $$ \\ %',
    ];
    const service = makeService(ds);
    for (const text of texts) {
      const msg = message({ text });
      const reply = await service.handle(msg);
      assert.ok(['answer', 'help'].includes(reply.kind), text);
      assert.equal((await rows(msg.messageId)).length, 1, text);
    }
    assert.ok((await ds.query(`SELECT count(*) AS n FROM users`))[0].n > 0);
  });

  it("replays the earlier turns of the same thread, and never another user's", async () => {
    const answerer = createAnswerer({ timeoutMs: 1000 });
    const spy = sinon.spy(answerer, 'invoke');
    const service = makeService(ds, { answerer });
    const thread = { channel: 'slack' as const, tenantId: 'T-mem', conversationId: `C-${Date.now()}`, threadId: '1700000000.000100' };
    await service.handle(message({ ...thread, platformUserId: 'U-A', text: 'How do I calibrate the Quorvex spectrometer?' }));
    await service.handle(message({ ...thread, platformUserId: 'U-B', text: 'Secret question of B about Blentish memos' }));
    await service.handle(message({ ...thread, platformUserId: 'U-A', text: 'And how often should I repeat it?' }));
    const history = spy.lastCall.args[0].history;
    assert.equal(history.length, 1);
    assert.equal(history[0].question, 'How do I calibrate the Quorvex spectrometer?');
    assert.ok(!JSON.stringify(spy.lastCall.args[0]).includes('Secret question of B'));
    // A new thread starts without memory.
    await service.handle(message({ ...thread, threadId: 'another', platformUserId: 'U-A', text: 'Quorvex goggles?' }));
    assert.equal(spy.lastCall.args[0].history.length, 0);
  });

  it('uses the chat model through the LangChain chain when one is configured', async () => {
    const model = new FakeListChatModel({ responses: ['Warm the lamp for ten minutes first [1].'] });
    const reply = await makeService(ds, { answerer: createAnswerer({ model, timeoutMs: 1000 }) }).handle(
      message({ text: 'How do I calibrate the Quorvex spectrometer?' }),
    );
    assert.equal(reply.mode, 'llm');
    assert.equal(reply.text, 'Warm the lamp for ten minutes first [1].');
    assert.deepEqual(
      reply.sources.map((s) => s.n),
      [1],
    );
  });

  it('falls back to the extractive answer when the OpenAI API fails, and still logs the turn', async () => {
    const server = new FakeOpenAIServer();
    const { url } = await server.start();
    try {
      server.enqueue({ status: 500 }, { status: 429 });
      const model = createChatModel({ apiKey: 'test-key', baseUrl: url, model: 'gpt-test', timeoutMs: 2000 })!;
      const service = makeService(ds, { answerer: createAnswerer({ model, timeoutMs: 2000 }) });
      for (const status of [500, 429]) {
        const msg = message({ text: 'How do I calibrate the Quorvex spectrometer?' });
        const reply = await service.handle(msg);
        assert.equal(reply.mode, 'extractive', `after ${status}`);
        assert.match(reply.text, /warm the lamp/);
        assert.equal((await rows(msg.messageId)).length, 1);
      }
      assert.equal(server.chatRequests.length, 2);
    } finally {
      await server.stop();
    }
  });

  it('apologises and still logs the turn when answering breaks', async () => {
    const broken = RunnableLambda.from(async () => {
      throw new Error('boom');
    });
    const msg = message({ text: 'How do I calibrate the Quorvex spectrometer?' });
    const reply = await makeService(ds, { answerer: broken as never }).handle(msg);
    assert.equal(reply.kind, 'apology');
    assert.match(reply.text, /Sorry/);
    assert.equal((await rows(msg.messageId))[0].response, reply.text);
  });

  it('searches by keywords when embedding the question fails', async () => {
    const provider = localProvider();
    const failing = {
      id: provider.id,
      embeddings: Object.assign(Object.create(provider.embeddings), {
        embedQuery: async () => {
          throw new Error('embedding service down');
        },
      }),
    };
    const reply = await makeService(ds, { provider: failing }).handle(message({ text: 'Blentish status memo length' }));
    assert.equal(reply.kind, 'answer');
    assert.ok(reply.notes.some((n) => /keywords/.test(n)));
    assert.match(reply.text, /two hundred words/);
  });

  it("carries a content's http(s) link (metadata.url) into its source; any other link is dropped", async () => {
    const [linked, scripted] = await addContent(ds, [
      {
        title: 'Tying the Zentrovian kite knot',
        content: 'The Zentrovian kite knot is tied with two half hitches around the spar, then a bight pulled through both loops.',
        metadata: { url: 'https://learning.example.test/kites/zentrovian knot?a=1&b=<2>' },
      },
      {
        title: 'Untying the Zentrovian kite knot',
        content: 'To untie the Zentrovian kite knot, push the bight back through both loops and slide the half hitches off the spar.',
        metadata: { url: 'javascript:alert(document.cookie)' },
      },
    ]);
    const seen: Array<{ id: string; url?: string }> = [];
    const msg = message({ text: 'How do I tie and untie the Zentrovian kite knot?' });
    const reply = await makeService(ds).handle(msg, { onSources: (sources) => void seen.push(...sources) });
    const shown = new Map(seen.map((s) => [s.id, s]));
    assert.equal(shown.get(linked)?.url, 'https://learning.example.test/kites/zentrovian%20knot?a=1&b=%3C2%3E', 'normalised, encoded');
    assert.ok(shown.has(scripted) && !('url' in shown.get(scripted)!), 'a javascript: link never reaches a channel');
    const cited = reply.sources.find((s) => s.id === linked);
    assert.ok(cited, JSON.stringify(reply.sources));
    assert.equal(cited.url, shown.get(linked)!.url);
    const [row] = await rows(msg.messageId);
    assert.deepEqual(row.sources, reply.sources, 'the link is logged with the turn');
  });

  it('never recommends what the user has completed', async () => {
    const service = makeService(ds);
    const base = message({ text: 'How do I calibrate the Quorvex spectrometer?' });
    const first = await service.handle(base);
    const [{ user_id: userId }] = await rows(base.messageId);
    await ds.query(`INSERT INTO learning_progress (user_id, skill_id, progress) VALUES ($1, $2, 100)`, [userId, SEED_SKILLS[2].id]);
    assert.ok(first.recommendations.some((r) => r.itemId === SEED_SKILLS[2].id));
    const again = await service.handle({ ...base, messageId: `${base.messageId}-2` });
    assert.ok(!again.recommendations.some((r) => r.itemId === SEED_SKILLS[2].id), JSON.stringify(again.recommendations));
    assert.ok(again.recommendations.every((r) => r.score >= 0 && r.score <= 1));
  });
});

forEachBackend('ConversationService.hasAnsweredThread', (backend) => {
  it('knows whether the assistant answered in a thread', async () => {
    const ds = await backend.dataSource();
    const service = makeService(ds);
    const thread = { channel: 'slack' as const, conversationId: `C-${Date.now()}`, threadId: '1700000001.000200' };
    assert.equal(await service.hasAnsweredThread('slack', thread.conversationId, thread.threadId), false);
    await service.handle(message({ ...thread, text: 'Quorvex?' }));
    assert.equal(await service.hasAnsweredThread('slack', thread.conversationId, thread.threadId), true);
    assert.equal(await service.hasAnsweredThread('teams', thread.conversationId, thread.threadId), false);
  });
});
