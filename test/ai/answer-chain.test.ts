import assert from 'node:assert/strict';
import type { BaseMessage } from '@langchain/core/messages';
import { FakeListChatModel } from '@langchain/core/utils/testing';
import { ChatOpenAI, OpenAIEmbeddings } from '@langchain/openai';
import sinon from 'sinon';
import { classifyModelError, createAnswerer, fallbackNote, LlmAnswerer, parseCitations } from '../../src/ai/answer-chain';
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
