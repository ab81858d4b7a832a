import assert from 'node:assert/strict';
import type { BaseMessage } from '@langchain/core/messages';
import type { ChatGenerationChunk } from '@langchain/core/outputs';
import { FakeListChatModel } from '@langchain/core/utils/testing';
import { ChatOpenAI, OpenAIEmbeddings } from '@langchain/openai';
import sinon from 'sinon';
import { classifyModelError, createAnswerer, cutOffNote, fallbackNote, LlmAnswerer, parseCitations } from '../../src/ai/answer-chain';
import type { AnswerInput, Passage } from '../../src/ai/answer-types';
import { createChatModel } from '../../src/ai/chat-model';
import { ExtractiveAnswerer, NOT_COVERED_TEXT } from '../../src/ai/extractive-answerer';
import { FakeOpenAIServer, fakeEmbedding } from '../helpers/fake-openai-server';

const PASSAGES: Passage[] = [
  {
    id: 'exp-1',
    title: 'Travel expense policy',
    content: 'Submit your travel expenses in the Expenses tool within 30 days of the trip. Receipts are required for any item over 25 EUR.',
    contentType: 'article',
    score: 0.9,
    similarity: 0.62,
  },
  {
    id: 'sec-1',
    title: 'Security awareness',
    content: 'Report suspicious emails with the Report Phishing button in Outlook.',
    contentType: 'course',
    score: 0.5,
    similarity: 0.41,
  },
];

const INPUT: AnswerInput = {
  question: 'How do I submit travel expenses?',
  passages: PASSAGES,
  history: [{ question: 'What is the travel policy about?', answer: 'It covers booking and expenses [1].' }],
};

function makeLogger() {
  return { warn: sinon.spy() };
}

/** Collects what a streaming surface is shown, checking that the text only grows. */
function recorder() {
  const texts: string[] = [];
  const onText = (text: string) => {
    const last = texts.at(-1) ?? '';
    assert.ok(
      text.startsWith(last) && text.length > last.length,
      `the text only grows: ${JSON.stringify(last)} -> ${JSON.stringify(text)}`,
    );
    texts.push(text);
  };
  return { texts, onText };
}

/** A FakeListChatModel whose stream throws `error` after `breakAfter` chunks (characters). */
class BreakingChatModel extends FakeListChatModel {
  constructor(
    responses: string[],
    private readonly breakAfter: number,
    private readonly error: Error,
  ) {
    super({ responses });
  }

  override async *_streamResponseChunks(
    ...args: Parameters<FakeListChatModel['_streamResponseChunks']>
  ): AsyncGenerator<ChatGenerationChunk> {
    let n = 0;
    for await (const chunk of super._streamResponseChunks(...args)) {
      if (n++ === this.breakAfter) throw this.error;
      yield chunk;
    }
  }
}

describe('answer chain', () => {
  afterEach(() => sinon.restore());

  describe('parseCitations / classifyModelError', () => {
    it('parses [n], [n][m], [n, m] and ranges, keeping only 1..passages.length', () => {
      assert.deepEqual(parseCitations('A [2]. B [1][3]. C [1, 2]. D [9] E [0]', 3), [1, 2, 3]);
      assert.deepEqual(parseCitations('See [2-4] and [2–3].', 4), [2, 3, 4]);
      assert.deepEqual(parseCitations('no citations here, array[i] or [x]', 3), []);
    });

    it('classifies errors', () => {
      assert.equal(classifyModelError(Object.assign(new Error('x'), { status: 429 })), 'rate_limited');
      assert.equal(classifyModelError(Object.assign(new Error('x'), { status: 503 })), 'server_error');
      assert.equal(classifyModelError(Object.assign(new Error('Request timed out.'), { name: 'TimeoutError' })), 'timeout');
      assert.equal(classifyModelError(Object.assign(new Error('x'), { status: 401 })), 'auth_error');
      assert.equal(classifyModelError(new Error('boom')), 'model_error');
      assert.equal(classifyModelError('weird'), 'model_error');
      const dropped = Object.assign(new TypeError('terminated'), {
        cause: Object.assign(new Error('other side closed'), { code: 'UND_ERR_SOCKET' }),
      });
      assert.equal(classifyModelError(dropped), 'connection_error');
    });
  });

  describe('with FakeListChatModel', () => {
    it('returns the model text as an llm answer with parsed citations, and puts history into the prompt', async () => {
      const model = new FakeListChatModel({ responses: ['Use the Expenses tool within 30 days [1]. Not [7].'] });
      const generate = sinon.spy(model, '_generate');
      const answerer = createAnswerer({ model, timeoutMs: 5000 });
      assert.ok(answerer instanceof LlmAnswerer);

      const answer = await answerer.invoke(INPUT);
      assert.deepEqual(answer, {
        text: 'Use the Expenses tool within 30 days [1]. Not [7].',
        mode: 'llm',
        citedIndexes: [1],
      });

      sinon.assert.calledOnce(generate);
      const messages = generate.firstCall.args[0] as BaseMessage[];
      assert.deepEqual(
        messages.map((m) => m.getType()),
        ['system', 'human', 'ai', 'human'],
      );
      assert.equal(messages[1].content, 'What is the travel policy about?');
      assert.equal(messages[2].content, 'It covers booking and expenses [1].');
      const human = String(messages[3].content);
      assert.ok(human.includes('[1] Travel expense policy\nSubmit your travel expenses'), human);
      assert.ok(human.includes('[2] Security awareness\n'), human);
      assert.ok(human.includes('Question: How do I submit travel expenses?'), human);
    });

    it('does not call the model when there are no passages', async () => {
      const model = new FakeListChatModel({ responses: ['should not be used'] });
      const generate = sinon.spy(model, '_generate');
      const answer = await createAnswerer({ model, timeoutMs: 5000 }).invoke({ ...INPUT, passages: [] });
      sinon.assert.notCalled(generate);
      assert.equal(answer.mode, 'extractive');
      assert.equal(answer.text, NOT_COVERED_TEXT);
      assert.deepEqual(answer.citedIndexes, []);
    });

    it('falls back with model_error when the model throws, logging once', async () => {
      const model = new FakeListChatModel({ responses: ['x'] });
      sinon.stub(model, '_generate').rejects(new Error('boom'));
      const logger = makeLogger();
      const answer = await createAnswerer({ model, timeoutMs: 5000, logger }).invoke(INPUT);
      assert.equal(answer.mode, 'extractive');
      assert.equal(answer.fallbackReason, 'model_error');
      assert.ok(answer.text.startsWith(fallbackNote('model_error')), answer.text);
      assert.deepEqual(answer.citedIndexes, [1]);
      sinon.assert.calledOnce(logger.warn);
      assert.equal(logger.warn.firstCall.args[0].reason, 'model_error');
    });

    it('falls back with empty_response on an empty model answer', async () => {
      const model = new FakeListChatModel({ responses: ['   '] });
      const answer = await createAnswerer({ model, timeoutMs: 5000 }).invoke(INPUT);
      assert.equal(answer.fallbackReason, 'empty_response');
    });

    it('times out a slow model and falls back', async () => {
      const model = new FakeListChatModel({ responses: ['late [1]'], sleep: 3000 });
      const logger = makeLogger();
      const started = Date.now();
      const answer = await createAnswerer({ model, timeoutMs: 100, logger }).invoke(INPUT);
      assert.ok(Date.now() - started < 3000, 'it did not wait for the model (which answers after 3 s)');
      assert.equal(answer.fallbackReason, 'timeout');
      sinon.assert.calledOnce(logger.warn);
    });

    it('rethrows when the caller aborts (no fallback for cancelled requests)', async () => {
      const model = new FakeListChatModel({ responses: ['late'], sleep: 2000 });
      const controller = new AbortController();
      setTimeout(() => controller.abort(new Error('user cancelled')), 50);
      await assert.rejects(createAnswerer({ model, timeoutMs: 5000 }).invoke(INPUT, { signal: controller.signal }), /cancelled/);
    });
  });

  describe('streaming (answerStream) with FakeListChatModel', () => {
    it("streams the model's tokens as the growing text; the final answer is the last text, post-processed as invoke's", async () => {
      const reply = '  Use the Expenses tool within 30 days [1]. Not [7].\n';
      const model = new FakeListChatModel({ responses: [reply] });
      const generate = sinon.spy(model, '_generate');
      const { texts, onText } = recorder();
      const answer = await createAnswerer({ model, timeoutMs: 5000 }).answerStream(INPUT, onText);
      assert.deepEqual(answer, { text: 'Use the Expenses tool within 30 days [1]. Not [7].', mode: 'llm', citedIndexes: [1] });
      assert.ok(texts.length > 10, `one call per token (character), got ${texts.length}`);
      assert.equal(texts[0], 'U');
      assert.equal(texts.at(-1), answer.text);
      sinon.assert.notCalled(generate); // the streaming path, not a single generate call
      assert.deepEqual(answer, await createAnswerer({ model, timeoutMs: 5000 }).invoke(INPUT), 'the same Answer as invoke');
    });

    it('without passages streams the "not covered" answer and does not call the model', async () => {
      const model = new FakeListChatModel({ responses: ['should not be used'] });
      const stream = sinon.spy(model, '_streamResponseChunks');
      const { texts, onText } = recorder();
      const answer = await createAnswerer({ model, timeoutMs: 5000 }).answerStream({ ...INPUT, passages: [] }, onText);
      sinon.assert.notCalled(stream);
      assert.equal(answer.text, NOT_COVERED_TEXT);
      assert.deepEqual(texts, [NOT_COVERED_TEXT]);
    });

    it('a model failing before any text: the extractive fallback, streamed sentence by sentence, logged once', async () => {
      const model = new BreakingChatModel(['never shown'], 0, new Error('boom'));
      const logger = makeLogger();
      const { texts, onText } = recorder();
      const answer = await createAnswerer({ model, timeoutMs: 5000, logger }).answerStream(INPUT, onText);
      assert.equal(answer.mode, 'extractive');
      assert.equal(answer.fallbackReason, 'model_error');
      assert.equal(answer.cutOffReason, undefined);
      assert.deepEqual(answer.citedIndexes, [1]);
      assert.equal(texts[0], fallbackNote('model_error'), 'the note first');
      assert.ok(texts.length >= 2, JSON.stringify(texts));
      assert.equal(texts.at(-1), answer.text);
      assert.deepEqual(
        answer,
        new ExtractiveAnswerer().answer(INPUT, { note: fallbackNote('model_error'), fallbackReason: 'model_error' }),
      );
      sinon.assert.calledOnce(logger.warn);
      assert.equal(logger.warn.firstCall.args[0].reason, 'model_error');
    });

    it('a model that streams only whitespace: empty_response fallback, nothing of the model shown', async () => {
      const { texts, onText } = recorder();
      const answer = await createAnswerer({ model: new FakeListChatModel({ responses: [' \n '] }), timeoutMs: 5000 }).answerStream(
        INPUT,
        onText,
      );
      assert.equal(answer.fallbackReason, 'empty_response');
      assert.equal(texts[0], fallbackNote('empty_response'));
      assert.equal(texts.at(-1), answer.text);
    });

    it('a model that stops mid-answer: what arrived plus a cut-off note (appended), mode llm, logged once', async () => {
      const model = new BreakingChatModel(['Submit it in the Expenses tool [1] within 30 days.'], 34, new Error('stream broke'));
      const logger = makeLogger();
      const { texts, onText } = recorder();
      const answer = await createAnswerer({ model, timeoutMs: 5000, logger }).answerStream(INPUT, onText);
      assert.equal(answer.text, `Submit it in the Expenses tool [1]\n\n${cutOffNote('model_error')}`);
      assert.equal(answer.mode, 'llm');
      assert.equal(answer.cutOffReason, 'model_error');
      assert.equal(answer.fallbackReason, undefined);
      assert.deepEqual(answer.citedIndexes, [1]);
      assert.equal(texts.at(-2), 'Submit it in the Expenses tool [1]', 'what arrived was shown as it arrived');
      assert.equal(texts.at(-1), answer.text, 'then the note, appended');
      sinon.assert.calledOnce(logger.warn);
      assert.equal(logger.warn.firstCall.args[0].reason, 'model_error');
      assert.equal(logger.warn.firstCall.args[0].err.message, 'stream broke');
    });

    describe('the timeout (fake timers)', () => {
      let clock: sinon.SinonFakeTimers;
      beforeEach(() => {
        clock = sinon.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
      });
      afterEach(() => clock.restore());

      it('before the first token: the extractive fallback with reason timeout, streamed', async () => {
        const model = new FakeListChatModel({ responses: ['late [1]'], sleep: 3000 });
        const logger = makeLogger();
        const { texts, onText } = recorder();
        const pending = createAnswerer({ model, timeoutMs: 100, logger }).answerStream(INPUT, onText);
        await clock.tickAsync(100);
        const answer = await pending;
        assert.equal(answer.fallbackReason, 'timeout');
        assert.equal(texts[0], fallbackNote('timeout'));
        assert.equal(texts.at(-1), answer.text);
        assert.ok(!texts.some((t) => t.includes('late')));
        sinon.assert.calledOnce(logger.warn);
      });

      it('mid-answer: what arrived before the deadline plus the cut-off note; later tokens are ignored', async () => {
        const model = new FakeListChatModel({ responses: ['Submit them [1].'], sleep: 50 }); // one character per 50 ms
        const logger = makeLogger();
        const { texts, onText } = recorder();
        const pending = createAnswerer({ model, timeoutMs: 120, logger }).answerStream(INPUT, onText);
        await clock.tickAsync(120);
        const answer = await pending;
        await clock.tickAsync(2000); // the rest of the model's stream, if it went on, must not reach the surface
        assert.equal(answer.text, `Su\n\n${cutOffNote('timeout')}`);
        assert.equal(answer.mode, 'llm');
        assert.equal(answer.cutOffReason, 'timeout');
        assert.deepEqual(texts, ['S', 'Su', answer.text]);
        sinon.assert.calledOnce(logger.warn);
        assert.equal(logger.warn.firstCall.args[0].reason, 'timeout');
      });
    });

    it('rethrows when the caller aborts mid-stream', async () => {
      const model = new FakeListChatModel({ responses: ['Submit them [1].'] });
      const controller = new AbortController();
      const onText = (text: string) => {
        if (text.length === 3) controller.abort(new Error('user cancelled'));
      };
      await assert.rejects(
        createAnswerer({ model, timeoutMs: 5000 }).answerStream(INPUT, onText, { signal: controller.signal }),
        /cancelled/,
      );
    });

    it('a text receiver that throws is called no more; the answer goes on', async () => {
      const model = new FakeListChatModel({ responses: ['Use the Expenses tool [1].'] });
      const logger = makeLogger();
      let calls = 0;
      const answer = await createAnswerer({ model, timeoutMs: 5000, logger }).answerStream(INPUT, () => {
        calls++;
        if (calls === 2) throw new Error('surface gone');
      });
      assert.equal(answer.text, 'Use the Expenses tool [1].');
      assert.equal(answer.mode, 'llm');
      assert.equal(calls, 2);
      sinon.assert.calledOnce(logger.warn);
    });
  });

  it('without a model uses the extractive answerer', async () => {
    const answerer = createAnswerer({ timeoutMs: 1000 });
    assert.ok(answerer instanceof ExtractiveAnswerer);
    const answer = await answerer.invoke(INPUT);
    assert.equal(answer.mode, 'extractive');
    assert.equal(answer.fallbackReason, undefined);
    assert.deepEqual(answer.citedIndexes, [1]);
  });

  describe('createChatModel', () => {
    it('returns undefined without an API key and a ChatOpenAI with the right options otherwise', () => {
      assert.equal(createChatModel({ model: 'gpt-4o-mini', timeoutMs: 1000 }), undefined);
      assert.equal(createChatModel({ apiKey: '  ', model: 'gpt-4o-mini', timeoutMs: 1000 }), undefined);
      const m = createChatModel({ apiKey: 'k', baseUrl: 'http://127.0.0.1:9/v1', model: 'gpt-4o-mini', timeoutMs: 1234 });
      assert.ok(m instanceof ChatOpenAI);
      assert.equal(m.model, 'gpt-4o-mini');
      assert.equal(m.temperature, 0.2);
      assert.equal(m.timeout, 1234);
      // LangChain-level retries (AsyncCaller) are off; the OpenAI SDK client is always built with maxRetries 0
      assert.equal((m as unknown as { caller: { maxRetries: number } }).caller.maxRetries, 0);
    });
  });

  describe('real ChatOpenAI / OpenAIEmbeddings against the fake OpenAI server', () => {
    const server = new FakeOpenAIServer();
    let url = '';

    before(async () => {
      ({ url } = await server.start());
    });
    after(async () => {
      await server.stop();
    });
    beforeEach(() => server.reset());

    function realModel(timeoutMs = 5000) {
      const model = createChatModel({ apiKey: 'test-key', baseUrl: url, model: 'gpt-4o-mini', timeoutMs });
      assert.ok(model);
      return model;
    }

    it('answers from the model and sends the context passages, history and question', async () => {
      server.enqueue({ reply: 'Submit them in the Expenses tool within 30 days [1]; phishing goes via Outlook [2].' });
      const answer = await createAnswerer({ model: realModel(), timeoutMs: 5000 }).invoke(INPUT);
      assert.equal(answer.mode, 'llm');
      assert.deepEqual(answer.citedIndexes, [1, 2]);
      assert.match(answer.text, /Expenses tool/);

      assert.equal(server.chatRequests.length, 1);
      const req = server.chatRequests[0];
      assert.equal(req.headers.authorization, 'Bearer test-key');
      assert.equal(req.body.model, 'gpt-4o-mini');
      assert.equal(req.body.temperature, 0.2);
      assert.ok(!req.body.stream);
      const roles = req.body.messages.map((m: { role: string }) => m.role);
      assert.deepEqual(roles, ['system', 'user', 'assistant', 'user']);
      const last = req.body.messages[3].content as string;
      assert.ok(last.includes('[1] Travel expense policy\nSubmit your travel expenses in the Expenses tool'), last);
      assert.ok(last.includes('[2] Security awareness\nReport suspicious emails'), last);
      assert.ok(last.includes('Question: How do I submit travel expenses?'), last);
    });

    it('falls back on HTTP 429 with reason rate_limited, without retrying', async () => {
      server.enqueue({ status: 429 });
      const logger = makeLogger();
      const answer = await createAnswerer({ model: realModel(), timeoutMs: 5000, logger }).invoke(INPUT);
      assert.equal(answer.mode, 'extractive');
      assert.equal(answer.fallbackReason, 'rate_limited');
      assert.ok(answer.text.startsWith('_The AI model was unavailable (rate limited)'), answer.text);
      assert.deepEqual(answer.citedIndexes, [1]);
      assert.equal(server.chatRequests.length, 1);
      sinon.assert.calledOnce(logger.warn);
      assert.equal(logger.warn.firstCall.args[0].err.status, 429);
    });

    it('falls back on HTTP 500 with reason server_error, without retrying', async () => {
      server.enqueue({ status: 500 });
      const logger = makeLogger();
      const answer = await createAnswerer({ model: realModel(), timeoutMs: 5000, logger }).invoke(INPUT);
      assert.equal(answer.mode, 'extractive');
      assert.equal(answer.fallbackReason, 'server_error');
      assert.match(answer.text, /unavailable \(server error\)/);
      assert.equal(server.chatRequests.length, 1);
      sinon.assert.calledOnce(logger.warn);
    });

    it('falls back with timeout when the reply is slower than timeoutMs (chain-level timeout), quickly', async () => {
      server.enqueue({ delayMs: 5000, reply: 'too late [1]' });
      // client without its own HTTP timeout: the answer chain's AbortController must cut it off
      const model = new ChatOpenAI({ apiKey: 'test-key', model: 'gpt-4o-mini', maxRetries: 0, configuration: { baseURL: url } });
      const logger = makeLogger();
      const started = Date.now();
      const answer = await createAnswerer({ model, timeoutMs: 300, logger }).invoke(INPUT);
      const elapsed = Date.now() - started;
      assert.ok(elapsed < 5000, `it did not wait for the server's late reply (took ${elapsed} ms)`);
      assert.equal(answer.fallbackReason, 'timeout');
      assert.match(answer.text, /unavailable \(it timed out\)/);
      sinon.assert.calledOnce(logger.warn);
    });

    it('falls back with timeout when the HTTP client times out first (createChatModel timeout)', async () => {
      server.enqueue({ delayMs: 5000, reply: 'too late [1]' });
      const started = Date.now();
      const answer = await createAnswerer({ model: realModel(200), timeoutMs: 5000 }).invoke(INPUT);
      assert.ok(Date.now() - started < 5000, "the HTTP client gave up before the answerer's own timeout");
      assert.equal(answer.fallbackReason, 'timeout');
      assert.equal(server.chatRequests.length, 1);
    });

    it('recovers after a failure: the next question goes to the model again', async () => {
      server.enqueue({ status: 429 }, { reply: 'Back again [2].' });
      const answerer = createAnswerer({ model: realModel(), timeoutMs: 5000 });
      assert.equal((await answerer.invoke(INPUT)).fallbackReason, 'rate_limited');
      const second = await answerer.invoke(INPUT);
      assert.equal(second.mode, 'llm');
      assert.deepEqual(second.citedIndexes, [2]);
    });

    describe('streaming (answerStream): stream: true, server-sent events', () => {
      it("streams the model's words as the growing text; the final answer is the last text", async () => {
        server.enqueue({ reply: 'Submit them in the Expenses tool within 30 days [1]; phishing goes via Outlook [2].' });
        const { texts, onText } = recorder();
        const answer = await createAnswerer({ model: realModel(), timeoutMs: 5000 }).answerStream(INPUT, onText);
        assert.equal(server.chatRequests[0].body.stream, true);
        assert.equal(answer.text, 'Submit them in the Expenses tool within 30 days [1]; phishing goes via Outlook [2].');
        assert.equal(answer.mode, 'llm');
        assert.deepEqual(answer.citedIndexes, [1, 2]);
        assert.ok(texts.length >= 10, `one call per word, got ${texts.length}`);
        assert.equal(texts[0], 'Submit');
        assert.equal(texts.at(-1), answer.text);
      });

      it('HTTP 500 before any text: the extractive fallback, streamed', async () => {
        server.enqueue({ status: 500 });
        const logger = makeLogger();
        const { texts, onText } = recorder();
        const answer = await createAnswerer({ model: realModel(), timeoutMs: 5000, logger }).answerStream(INPUT, onText);
        assert.equal(answer.fallbackReason, 'server_error');
        assert.equal(texts[0], fallbackNote('server_error'));
        assert.ok(texts.length >= 2);
        assert.equal(texts.at(-1), answer.text);
        assert.equal(server.chatRequests.length, 1);
        sinon.assert.calledOnce(logger.warn);
      });

      for (const [breakWith, reason] of [
        ['disconnect', 'connection_error'],
        ['error', 'server_error'],
      ] as const) {
        it(`a stream that breaks midway (${breakWith}): what arrived plus the cut-off note (${reason})`, async () => {
          server.enqueue({ reply: 'Submit them in the Expenses tool [1] within 30 days.', breakAfterChunks: 7, breakWith });
          const logger = makeLogger();
          const { texts, onText } = recorder();
          const answer = await createAnswerer({ model: realModel(), timeoutMs: 5000, logger }).answerStream(INPUT, onText);
          assert.equal(answer.text, `Submit them in the Expenses tool [1]\n\n${cutOffNote(reason)}`);
          assert.equal(answer.mode, 'llm');
          assert.equal(answer.cutOffReason, reason);
          assert.deepEqual(answer.citedIndexes, [1]);
          assert.equal(texts.at(-2), 'Submit them in the Expenses tool [1]');
          assert.equal(texts.at(-1), answer.text);
          sinon.assert.calledOnce(logger.warn);
          assert.equal(logger.warn.firstCall.args[0].reason, reason);
        });
      }

      it('a stream that stalls midway: cut off at the timeout with what arrived', async () => {
        server.enqueue({ reply: 'Submit them in the Expenses tool [1] within 30 days.', breakAfterChunks: 2, breakWith: 'stall' });
        const logger = makeLogger();
        const { texts, onText } = recorder();
        const answer = await createAnswerer({ model: realModel(), timeoutMs: 300, logger }).answerStream(INPUT, onText);
        assert.equal(answer.text, `Submit them\n\n${cutOffNote('timeout')}`);
        assert.equal(answer.cutOffReason, 'timeout');
        assert.deepEqual(texts, ['Submit', 'Submit them', answer.text]);
        sinon.assert.calledOnce(logger.warn);
      });

      it('a server slower than the timeout before any text: the extractive fallback with reason timeout', async () => {
        server.enqueue({ delayMs: 5000, reply: 'too late [1]' });
        const { texts, onText } = recorder();
        const answer = await createAnswerer({ model: realModel(), timeoutMs: 300 }).answerStream(INPUT, onText);
        assert.equal(answer.fallbackReason, 'timeout');
        assert.equal(texts[0], fallbackNote('timeout'));
        assert.equal(texts.at(-1), answer.text);
      });
    });

    it('OpenAIEmbeddings gets deterministic 1536-dim vectors from /v1/embeddings', async () => {
      const embeddings = new OpenAIEmbeddings({ apiKey: 'test-key', model: 'text-embedding-3-small', configuration: { baseURL: url } });
      const q = await embeddings.embedQuery('How do I submit expenses?');
      assert.equal(q.length, 1536);
      const expected = fakeEmbedding('How do I submit expenses?', 1536);
      assert.ok(q.every((x, i) => Math.abs(x - expected[i]) < 1e-6));
      const norm = Math.sqrt(q.reduce((s, x) => s + x * x, 0));
      assert.ok(Math.abs(norm - 1) < 1e-3);

      const docs = await embeddings.embedDocuments(['alpha', 'beta', 'alpha']);
      assert.equal(docs.length, 3);
      assert.ok(docs.every((d) => d.length === 1536));
      assert.deepEqual(docs[0], docs[2]);
      assert.notDeepEqual(docs[0], docs[1]);

      assert.equal(server.embeddingRequests.length, 2);
      assert.equal(server.embeddingRequests[0].body.model, 'text-embedding-3-small');
      assert.deepEqual(server.embeddingRequests[1].body.input, ['alpha', 'beta', 'alpha']);

      const small = new OpenAIEmbeddings({
        apiKey: 'test-key',
        model: 'text-embedding-3-small',
        dimensions: 256,
        encodingFormat: 'float',
        configuration: { baseURL: url },
      });
      assert.equal((await small.embedQuery('x')).length, 256);
    });
  });
});
