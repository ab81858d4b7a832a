/**
 * A tiny OpenAI-compatible HTTP server for tests (127.0.0.1, random port).
 *
 *   const server = new FakeOpenAIServer();
 *   const { url } = await server.start();          // url ends with /v1 -> configuration.baseURL
 *   server.enqueue({ reply: 'Hi [1]' }, { status: 429 }, { delayMs: 5000, reply: 'late' });
 *   ...
 *   server.chatRequests[0].body.messages            // what the client sent
 *   await server.stop();
 *
 * POST /v1/chat/completions: each request consumes the next queued behaviour; with an empty queue it
 * replies `defaultReply`. A request with `stream: true` gets the reply as server-sent events
 * (`data: {chat.completion.chunk}` per word, then a finish chunk, a usage chunk when
 * stream_options.include_usage, and `data: [DONE]`), like the real API. Streaming-only knobs:
 *   server.enqueue({ reply: 'A b c d', chunkDelayMs: 20 })                          // pause before each word
 *   server.enqueue({ reply: 'A b c d', breakAfterChunks: 2 })                       // 'A b ' then the socket drops
 *   server.enqueue({ reply: 'A b c d', breakAfterChunks: 2, breakWith: 'error' })   // ... then an SSE error event
 *   server.enqueue({ reply: 'A b c d', breakAfterChunks: 2, breakWith: 'stall' })  // ... then silence, open socket
 * `status` behaviours answer a streaming request with the same HTTP error as a plain one.
 * POST /v1/embeddings: deterministic unit vectors (seeded by the input text) of `dimensions`
 * (request field) or the server default (1536). Honours encoding_format 'base64' (the OpenAI SDK's
 * default) and 'float'.
 */

import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express, { type Request, type Response } from 'express';
import { mulberry32 } from '../../src/ai/mulberry32';

export type ChatBehaviour =
  | {
      reply: string;
      /** wait before answering (both modes) */
      delayMs?: number;
      /** streaming: wait before each content chunk */
      chunkDelayMs?: number;
      /** streaming: after this many content chunks the stream breaks (see breakWith) */
      breakAfterChunks?: number;
      /** how it breaks: the socket drops (default), an SSE `error` event ends it, or it stalls with the socket open */
      breakWith?: 'disconnect' | 'error' | 'stall';
    }
  | { status: number; message?: string; delayMs?: number };

export interface RecordedRequest {
  path: string;
  headers: Record<string, string | string[] | undefined>;
  body: any;
}

export interface FakeOpenAIServerOptions {
  /** Embedding size when the request does not ask for `dimensions`. Default 1536. */
  embeddingDimensions?: number;
  /** Chat reply when the behaviour queue is empty. */
  defaultReply?: string;
}

/** FNV-1a 32-bit hash. */
function hash32(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** Deterministic unit vector for `text`. Exported so tests can compute the expected value. */
export function fakeEmbedding(text: string, dimensions: number): number[] {
  const rand = mulberry32(hash32(text));
  const v = Array.from({ length: dimensions }, () => rand() * 2 - 1);
  const norm = Math.sqrt(v.reduce((s, x) => s + x * x, 0)) || 1;
  return v.map((x) => Math.fround(x / norm)); // float32 precision, like the real API
}

const sleep = (ms: number, timers: Set<NodeJS.Timeout>) =>
  new Promise<void>((resolve) => {
    const t = setTimeout(() => {
      timers.delete(t);
      resolve();
    }, ms);
    timers.add(t);
  });

export class FakeOpenAIServer {
  readonly requests: RecordedRequest[] = [];
  readonly chatRequests: RecordedRequest[] = [];
  readonly embeddingRequests: RecordedRequest[] = [];

  private readonly queue: ChatBehaviour[] = [];
  private readonly timers = new Set<NodeJS.Timeout>();
  private server?: Server;
  private readonly embeddingDimensions: number;
  private readonly defaultReply: string;
  private chatCounter = 0;

  constructor(options: FakeOpenAIServerOptions = {}) {
    this.embeddingDimensions = options.embeddingDimensions ?? 1536;
    this.defaultReply = options.defaultReply ?? 'OK';
  }

  /** Queue behaviours for the next chat completion requests (FIFO). */
  enqueue(...behaviours: ChatBehaviour[]): this {
    this.queue.push(...behaviours);
    return this;
  }

  /** Forget queued behaviours and recorded requests. */
  reset(): void {
    this.queue.length = 0;
    this.requests.length = 0;
    this.chatRequests.length = 0;
    this.embeddingRequests.length = 0;
  }

  async start(): Promise<{ url: string }> {
    if (this.server) throw new Error('FakeOpenAIServer already started');
    const app = express();
    app.use(express.json({ limit: '10mb' }));

    app.use((req, _res, next) => {
      this.requests.push({ path: req.path, headers: { ...req.headers }, body: req.body });
      next();
    });

    app.post('/v1/chat/completions', (req, res) => {
      this.chatRequests.push({ path: req.path, headers: { ...req.headers }, body: req.body });
      void this.handleChat(req, res);
    });

    app.post('/v1/embeddings', (req, res) => {
      this.embeddingRequests.push({ path: req.path, headers: { ...req.headers }, body: req.body });
      this.handleEmbeddings(req, res);
    });

    app.use((req, res) => {
      res.status(404).json({ error: { message: `Unknown route ${req.method} ${req.path}`, type: 'invalid_request_error' } });
    });

    const server = await new Promise<Server>((resolve, reject) => {
      const s = app.listen(0, '127.0.0.1', (err?: Error) => (err ? reject(err) : resolve(s)));
      s.once('error', reject);
    });
    this.server = server;
    const { port } = server.address() as AddressInfo;
    return { url: `http://127.0.0.1:${port}/v1` };
  }

  async stop(): Promise<void> {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    server.closeAllConnections(); // drop keep-alive and delayed (hanging) requests
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private async handleChat(req: Request, res: Response): Promise<void> {
    const behaviour: ChatBehaviour = this.queue.shift() ?? { reply: this.defaultReply };
    if (behaviour.delayMs && behaviour.delayMs > 0) await sleep(behaviour.delayMs, this.timers);
    if (res.writableEnded || res.destroyed || req.socket.destroyed) return; // client gave up (timeout/abort)

    if ('status' in behaviour) {
      const type = behaviour.status === 429 ? 'rate_limit_error' : behaviour.status >= 500 ? 'server_error' : 'invalid_request_error';
      res.status(behaviour.status).json({
        error: {
          message: behaviour.message ?? `Fake error ${behaviour.status}`,
          type,
          code: behaviour.status === 429 ? 'rate_limit_exceeded' : null,
          param: null,
        },
      });
      return;
    }

    const body = req.body ?? {};
    const promptChars = JSON.stringify(body.messages ?? []).length;
    const completionTokens = Math.max(1, Math.ceil(behaviour.reply.length / 4));
    const promptTokens = Math.max(1, Math.ceil(promptChars / 4));
    const usage = { prompt_tokens: promptTokens, completion_tokens: completionTokens, total_tokens: promptTokens + completionTokens };
    this.chatCounter++;
    if (body.stream === true) {
      await this.streamChat(req, res, behaviour, usage);
      return;
    }
    res.json({
      id: `chatcmpl-fake-${this.chatCounter}`,
      object: 'chat.completion',
      created: Math.floor(Date.now() / 1000),
      model: body.model ?? 'fake-model',
      choices: [
        {
          index: 0,
          message: { role: 'assistant', content: behaviour.reply, refusal: null },
          logprobs: null,
          finish_reason: 'stop',
        },
      ],
      usage,
    });
  }

  /** The reply as `chat.completion.chunk` server-sent events, one per word (with its surrounding whitespace). */
  private async streamChat(
    req: Request,
    res: Response,
    behaviour: Extract<ChatBehaviour, { reply: string }>,
    usage: Record<string, number>,
  ): Promise<void> {
    const body = req.body ?? {};
    const base = {
      id: `chatcmpl-fake-${this.chatCounter}`,
      object: 'chat.completion.chunk',
      created: Math.floor(Date.now() / 1000),
      model: body.model ?? 'fake-model',
      system_fingerprint: null,
    };
    const gone = () => res.writableEnded || res.destroyed || req.socket.destroyed;
    // resolves once the event is handed to the socket, so a break afterwards cannot swallow it
    const send = (data: object | string) =>
      new Promise<void>((resolve) => {
        if (gone()) resolve();
        else res.write(`data: ${typeof data === 'string' ? data : JSON.stringify(data)}\n\n`, () => resolve());
      });
    const choice = (delta: object, finishReason: string | null) => ({
      ...base,
      choices: [{ index: 0, delta, logprobs: null, finish_reason: finishReason }],
    });

    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
    await send(choice({ role: 'assistant', content: '', refusal: null }, null));
    const words = behaviour.reply.match(/\s*\S+\s*/g) ?? (behaviour.reply ? [behaviour.reply] : []);
    for (const [i, word] of words.entries()) {
      if (behaviour.breakAfterChunks !== undefined && i >= behaviour.breakAfterChunks) {
        if (behaviour.breakWith === 'stall') return; // stop() closes the connection
        if (behaviour.breakWith === 'error') {
          await send({ error: { message: 'Fake error mid-stream', type: 'server_error', code: null, param: null } });
          res.end();
          return;
        }
        res.destroy(); // the connection drops mid-answer
        return;
      }
      if (behaviour.chunkDelayMs && behaviour.chunkDelayMs > 0) await sleep(behaviour.chunkDelayMs, this.timers);
      if (gone()) return; // client gave up (timeout/abort)
      await send(choice({ content: word }, null));
    }
    await send(choice({}, 'stop'));
    if (body.stream_options?.include_usage) await send({ ...base, choices: [], usage });
    await send('[DONE]');
    res.end();
  }

  private handleEmbeddings(req: Request, res: Response): void {
    const body = req.body ?? {};
    const rawInput: unknown = body.input;
    const inputs: string[] =
      typeof rawInput === 'string'
        ? [rawInput]
        : Array.isArray(rawInput) && rawInput.every((x) => typeof x === 'number')
          ? [JSON.stringify(rawInput)] // one token array
          : Array.isArray(rawInput)
            ? rawInput.map((x) => (typeof x === 'string' ? x : JSON.stringify(x)))
            : [];
    if (inputs.length === 0) {
      res.status(400).json({ error: { message: "'input' is required", type: 'invalid_request_error', code: null, param: 'input' } });
      return;
    }
    const dimensions = Number.isInteger(body.dimensions) && body.dimensions > 0 ? body.dimensions : this.embeddingDimensions;
    const base64 = body.encoding_format === 'base64';
    const data = inputs.map((text, index) => {
      const vector = fakeEmbedding(text, dimensions);
      return {
        object: 'embedding',
        index,
        embedding: base64 ? Buffer.from(new Float32Array(vector).buffer).toString('base64') : vector,
      };
    });
    const tokens = inputs.reduce((s, t) => s + Math.max(1, Math.ceil(t.length / 4)), 0);
    res.json({ object: 'list', data, model: body.model ?? 'fake-embedding', usage: { prompt_tokens: tokens, total_tokens: tokens } });
  }
}
