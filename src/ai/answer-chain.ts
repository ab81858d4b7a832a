/**
 * The answer layer's entry point: AnswerInput -> Answer.
 *
 *   createAnswerer({ model, timeoutMs, logger })
 *
 * - With a chat model: RunnableSequence [ {context, question, history} -> prompt -> model -> string ]
 *   mapped to an Answer (mode 'llm', citations parsed from the text). If there are no passages at
 *   all, the model is NOT called; the extractive "not covered" answer is returned instead.
 * - Any model failure (timeout after `timeoutMs`, HTTP 429, 5xx, connection/auth errors, empty
 *   output, anything else) falls back to the ExtractiveAnswerer with `fallbackReason` set and an
 *   honest note in the text. The failure is logged once via `logger.warn`.
 *   If the CALLER's own AbortSignal (options.signal) fires, the error is rethrown instead: a
 *   cancelled request needs no answer.
 * - Without a model: the ExtractiveAnswerer.
 *
 * Streaming: both answerers also have `answerStream(input, onText, options)` (see LlmAnswerer.answerStream and
 * ExtractiveAnswerer.answerStream): the same Answer, with the growing text reported on the way. A model that stops
 * mid-answer keeps what arrived and gets a note appended (`cutOffReason`); before any text it falls back as above.
 *
 * Retries: ChatOpenAI retries failed calls itself (LangChain's AsyncCaller, `maxRetries`, default 6,
 * with exponential backoff) — that would blow straight through `timeoutMs` and hammer a rate-limited
 * API. Construct the model with `maxRetries: 0` (createChatModel does) or at most 1; the
 * extractive fallback is our "retry".
 *
 * Why not `withFallbacks`: RunnableWithFallbacks hands the fallback only the original input (not the
 * error), so the fallback could not say WHY it ran, and it re-checks the call's AbortSignal before
 * trying the fallback, so a signal-based timeout would surface as an error instead of falling back.
 * A small Runnable with try/catch is simpler and keeps the reason.
 */

import type { BaseChatModel } from '@langchain/core/language_models/chat_models';
import { StringOutputParser } from '@langchain/core/output_parsers';
import { Runnable, type RunnableConfig, RunnableSequence } from '@langchain/core/runnables';
import { AppError } from '../errors';
import { type AnswerPromptInput, answerPrompt, formatContext, historyToMessages } from './answer-prompt';
import { type Answer, type Answerer, type AnswerInput, guardTextSink, type StreamingAnswerer, type TextSink } from './answer-types';
import { ExtractiveAnswerer } from './extractive-answerer';

export type FallbackReason =
  | 'timeout'
  | 'rate_limited'
  | 'server_error'
  | 'auth_error'
  | 'connection_error'
  | 'empty_response'
  | 'model_error';

export interface AnswerLogger {
  warn(obj: object, msg: string): void;
}

export interface AnswererDeps {
  /** Chat model; construct with maxRetries 0 (or 1) — see the file comment. Omit for extractive-only. */
  model?: BaseChatModel;
  /** Hard cap on the model call in ms; on expiry the call is aborted and we fall back. <= 0 disables. */
  timeoutMs: number;
  logger?: AnswerLogger;
}

/** Thrown (internally) when the model call exceeds timeoutMs. */
export class AnswerTimeoutError extends AppError {
  declare readonly code: 'ANSWER_TIMEOUT';

  constructor(readonly timeoutMs: number) {
    super('ANSWER_TIMEOUT', `Answer model call timed out after ${timeoutMs} ms`);
    this.name = 'AnswerTimeoutError';
  }
}

const REASON_LABEL: Record<string, string> = {
  timeout: 'it timed out',
  rate_limited: 'rate limited',
  server_error: 'server error',
  auth_error: 'authentication failed',
  connection_error: 'could not connect',
  empty_response: 'empty response',
  model_error: 'error',
};

/** Short italic note explaining that the answer is an extractive fallback. */
export function fallbackNote(reason: string): string {
  const label = REASON_LABEL[reason] ?? REASON_LABEL.model_error;
  return `_The AI model was unavailable (${label}), so this answer was extracted directly from the content:_`;
}

function errorField(err: unknown, key: string): unknown {
  return err !== null && typeof err === 'object' ? (err as Record<string, unknown>)[key] : undefined;
}

/**
 * Short italic note appended when the model stopped mid-answer: the text above it is what arrived.
 * It goes after a blank line, so a streaming surface only ever appends.
 */
export function cutOffNote(reason: string): string {
  const why = CUT_OFF_LABEL[reason] ?? CUT_OFF_LABEL.model_error;
  return `_(The answer was cut off: the AI model stopped before it finished (${why}). Ask again for a complete answer.)_`;
}

const CUT_OFF_LABEL: Record<string, string> = {
  timeout: 'it took too long',
  rate_limited: 'rate limited',
  server_error: 'a server error',
  auth_error: 'authentication failed',
  connection_error: 'the connection dropped',
  model_error: 'an error',
};

/** Map a model/client error to a FallbackReason (duck-typed: works for OpenAI SDK and LangChain errors). */
export function classifyModelError(err: unknown): FallbackReason {
  if (err instanceof AnswerTimeoutError) return 'timeout';
  const status = Number(errorField(err, 'status') ?? errorField(err, 'statusCode') ?? NaN);
  const name = String(errorField(err, 'name') ?? '');
  const ctor = err !== null && typeof err === 'object' ? (err.constructor?.name ?? '') : '';
  const code = String(errorField(err, 'lc_error_code') ?? errorField(err, 'code') ?? '');
  const message = String(errorField(err, 'message') ?? err ?? '');
  const causeCode = String(errorField(errorField(err, 'cause'), 'code') ?? '');

  if (/timeout/i.test(name) || /timeout/i.test(ctor) || code === 'ETIMEDOUT' || /timed? ?out/i.test(message)) {
    return 'timeout';
  }
  if (status === 429 || code === 'MODEL_RATE_LIMIT' || code === 'rate_limit_exceeded') return 'rate_limited';
  if ((status >= 500 && status <= 599) || errorField(err, 'type') === 'server_error') return 'server_error';
  if (status === 401 || status === 403 || code === 'MODEL_AUTHENTICATION') return 'auth_error';
  if (
    /connection/i.test(ctor) ||
    /connection/i.test(name) ||
    ['ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'EAI_AGAIN'].includes(code) ||
    // fetch (undici) reading a body whose connection dropped: TypeError('terminated'), cause UND_ERR_SOCKET
    causeCode.startsWith('UND_ERR_SOCKET') ||
    causeCode === 'ECONNRESET'
  ) {
    return 'connection_error';
  }
  return 'model_error';
}

/**
 * Citation numbers used in `text`: handles [1], [1][2], [1, 3], [2-4] / [2–4].
 * Only numbers within 1..passageCount; distinct; ascending.
 */
export function parseCitations(text: string, passageCount: number): number[] {
  const found = new Set<number>();
  for (const m of text.matchAll(/\[(\s*\d{1,3}\s*(?:(?:,|;|-|–|—|and)\s*\d{1,3}\s*)*)\]/g)) {
    for (const part of m[1].split(/\s*(?:,|;|and)\s*/)) {
      const range = /^(\d+)\s*[-–—]\s*(\d+)$/.exec(part.trim());
      const nums: number[] = [];
      if (range) {
        const lo = Number(range[1]);
        const hi = Number(range[2]);
        if (hi >= lo && hi - lo <= 20) for (let n = lo; n <= hi; n++) nums.push(n);
      } else if (/^\d+$/.test(part.trim())) {
        nums.push(Number(part.trim()));
      }
      for (const n of nums) if (n >= 1 && n <= passageCount) found.add(n);
    }
  }
  return [...found].sort((a, b) => a - b);
}

/** prompt inputs -> prompt -> model -> plain string. */
export function createLlmTextChain(model: BaseChatModel): Runnable<AnswerInput, string> {
  return RunnableSequence.from<AnswerInput, string>([
    {
      context: (input: AnswerInput) => formatContext(input.passages),
      question: (input: AnswerInput) => input.question,
      history: (input: AnswerInput) => historyToMessages(input.history ?? []),
    },
    answerPrompt.withConfig({ runName: 'AnswerPrompt' }) as Runnable<AnswerPromptInput>,
    model,
    new StringOutputParser(),
  ]).withConfig({ runName: 'LlmAnswerText' });
}

/** LLM answerer with timeout + extractive fallback; `answerStream` streams the model's tokens as they arrive. */
export class LlmAnswerer extends Runnable<AnswerInput, Answer> implements StreamingAnswerer {
  lc_namespace = ['learning_assistant', 'ai', 'answer'];

  static override lc_name(): string {
    return 'LlmAnswerer';
  }

  constructor(
    private readonly textChain: Runnable<AnswerInput, string>,
    private readonly extractive: ExtractiveAnswerer,
    private readonly timeoutMs: number,
    private readonly logger?: AnswerLogger,
  ) {
    super();
  }

  async invoke(input: AnswerInput, options?: Partial<RunnableConfig>): Promise<Answer> {
    const passages = Array.isArray(input.passages) ? input.passages : [];
    // Nothing to ground an answer on: don't spend a model call.
    if (passages.length === 0) return this.extractive.answer({ ...input, passages });

    const deadline = this.deadline(options?.signal);
    try {
      const run = this.textChain.invoke({ ...input, passages }, { ...options, signal: deadline.signal });
      run.catch(() => undefined); // if the timeout wins the race, the aborted call's rejection is expected
      const raw = await Promise.race([run, deadline.expired]);
      const text = typeof raw === 'string' ? raw.trim() : '';
      if (text === '') throw emptyResponseError();
      return llmAnswer(text, passages.length);
    } catch (err) {
      if (options?.signal?.aborted) throw err; // cancelled by the caller, not a model failure
      const reason = this.reasonFor(err, deadline.timedOut());
      this.logFailure(err, reason, 'Answer model failed; using extractive fallback');
      return this.extractive.answer({ ...input, passages }, { note: fallbackNote(reason), fallbackReason: reason });
    } finally {
      deadline.clear();
    }
  }

  /**
   * The streaming path (LangChain `.stream()` of the same chain): `onText` gets the whole text so far as the tokens
   * arrive, trimmed, so it only grows. The same timeout caps the whole stream.
   * - The model finishes: the Answer is post-processed as in `invoke`; its text is the last text streamed.
   * - It fails or times out before any text: the extractive fallback, streamed sentence by sentence.
   * - It stops mid-answer (an error, a dropped connection, the timeout): what arrived plus a short note saying the
   *   answer was cut off (appended, so the text still only grows), mode 'llm', `cutOffReason` set, logged once.
   * - The caller's own signal fires: the error is rethrown, as in `invoke`.
   */
  async answerStream(input: AnswerInput, onText: TextSink, options?: Partial<RunnableConfig>): Promise<Answer> {
    const sink = guardTextSink(onText, (err) => this.warn({ err }, 'the answer text receiver failed; streaming no further text'));
    const passages = Array.isArray(input.passages) ? input.passages : [];
    if (passages.length === 0) return this.extractive.answerStream({ ...input, passages }, sink, options);

    const deadline = this.deadline(options?.signal);
    let shown = ''; // the text handed to the sink so far; whatever we return starts with it
    let closed = false; // once we stop listening (the timeout fired, say), late tokens are ignored
    try {
      const consume = (async () => {
        const stream = await this.textChain.stream({ ...input, passages }, { ...options, signal: deadline.signal });
        let raw = '';
        for await (const chunk of stream) {
          if (closed) break;
          raw += typeof chunk === 'string' ? chunk : '';
          const text = raw.trim();
          if (text === shown) continue;
          shown = text;
          await sink(text);
        }
      })();
      consume.catch(() => undefined); // if the timeout wins the race, the aborted stream's rejection is expected
      await Promise.race([consume, deadline.expired]);
      // An aborted stream may simply end (the OpenAI SDK ends quietly on abort): that is no finished answer.
      deadline.signal.throwIfAborted();
      if (shown === '') throw emptyResponseError();
      return llmAnswer(shown, passages.length);
    } catch (err) {
      closed = true;
      if (options?.signal?.aborted) throw err; // cancelled by the caller, not a model failure
      const reason = this.reasonFor(err, deadline.timedOut());
      if (shown === '') {
        this.logFailure(err, reason, 'Answer model failed; using extractive fallback');
        const fallback = { note: fallbackNote(reason), fallbackReason: reason };
        return this.extractive.answerStream({ ...input, passages }, sink, options, fallback);
      }
      this.logFailure(err, reason, 'Answer model stopped mid-answer; replying with the text that arrived and a note');
      const text = `${shown}\n\n${cutOffNote(reason)}`;
      await sink(text);
      return { ...llmAnswer(text, passages.length), cutOffReason: reason };
    } finally {
      closed = true;
      deadline.clear();
    }
  }

  /** The caller's signal joined with our timeout: `expired` rejects (and the signal aborts) after timeoutMs. */
  private deadline(callerSignal?: AbortSignal) {
    const controller = new AbortController();
    const signal = callerSignal ? AbortSignal.any([callerSignal, controller.signal]) : controller.signal;
    let timer: NodeJS.Timeout | undefined;
    const expired = new Promise<never>((_, reject) => {
      if (!(Number.isFinite(this.timeoutMs) && this.timeoutMs > 0)) return; // no timeout: never settles
      timer = setTimeout(() => {
        const err = new AnswerTimeoutError(this.timeoutMs);
        controller.abort(err); // cancels the HTTP request too
        reject(err);
      }, this.timeoutMs);
    });
    expired.catch(() => undefined);
    return {
      signal,
      expired,
      timedOut: () => controller.signal.aborted,
      clear: () => {
        if (timer) clearTimeout(timer);
      },
    };
  }

  private reasonFor(err: unknown, timedOut: boolean): FallbackReason {
    if (timedOut) return 'timeout';
    if (errorField(err, 'name') === 'EmptyResponseError') return 'empty_response';
    return classifyModelError(err);
  }

  private logFailure(err: unknown, reason: FallbackReason, msg: string): void {
    // The error itself (pino keeps its stack and causes; the logger redacts keys an upstream echoes).
    const status = errorField(err, 'status');
    const code = errorField(err, 'lc_error_code') ?? errorField(err, 'code');
    this.warn({ err, status, code, reason, timeoutMs: this.timeoutMs }, msg);
  }

  private warn(obj: object, msg: string): void {
    try {
      this.logger?.warn(obj, msg);
    } catch {
      // a broken logger must not break answering
    }
  }
}

function emptyResponseError(): Error {
  return Object.assign(new Error('The model returned an empty answer'), { name: 'EmptyResponseError' });
}

/** The model's text as an Answer: the post-processing shared by every path that ends with model text. */
function llmAnswer(text: string, passageCount: number): Answer {
  return { text, mode: 'llm', citedIndexes: parseCitations(text, passageCount) };
}

export function createAnswerer(deps: AnswererDeps): Answerer {
  const extractive = new ExtractiveAnswerer();
  if (!deps.model) return extractive;
  return new LlmAnswerer(createLlmTextChain(deps.model), extractive, deps.timeoutMs, deps.logger);
}
