/**
 * Types shared by the answer layer (prompt, extractive answerer, answer chain,
 * confidence). No database or channel concerns live here.
 */

import type { Runnable, RunnableConfig } from '@langchain/core/runnables';

/** A retrieved passage. Passages arrive sorted best first; citation [i+1] refers to passages[i]. */
export interface Passage {
  id: string;
  title: string;
  content: string;
  contentType: string;
  /** Retriever rank score (scale depends on the retriever; higher is better). */
  score: number;
  /** Cosine similarity to the question embedding, or null for keyword-only hits. */
  similarity: number | null;
}

/** One earlier question/answer exchange in the same conversation, oldest first. */
export interface HistoryTurn {
  question: string;
  answer: string;
}

export interface AnswerInput {
  question: string;
  passages: Passage[];
  history: HistoryTurn[];
}

export interface Answer {
  /** Chat-ready text (markdown-ish), with inline citation markers like [1]. */
  text: string;
  /** 'llm' when the chat model wrote it, 'extractive' when sentences were copied from the passages. */
  mode: 'llm' | 'extractive';
  /** Set when an LLM was configured but failed and we fell back: 'timeout', 'rate_limited', 'server_error', ... */
  fallbackReason?: string;
  /**
   * Set when the model stopped MID-answer ('timeout', 'connection_error', ...): `text` is what arrived plus a short
   * note saying it was cut off; mode stays 'llm'. (A model that fails before any text gets `fallbackReason` instead.)
   */
  cutOffReason?: string;
  /**
   * The citation NUMBERS used in `text` (1-based, i.e. [n] -> passages[n - 1]),
   * distinct, ascending, and only within 1..passages.length. Empty when nothing was cited
   * (e.g. a "not covered" answer).
   */
  citedIndexes: number[];
}

/**
 * Receives the whole answer text so far, each time it grows (never a delta, never shorter than the previous call).
 * It is awaited, so it should return quickly (a surface that posts updates should throttle or coalesce them itself);
 * if it throws, the answerer stops calling it and the answer goes on.
 */
export type TextSink = (textSoFar: string) => Promise<void> | void;

/** An answerer that can also stream its text as it is produced. */
export interface StreamingAnswerer {
  /**
   * Like `invoke`, reporting the growing text to `onText` on the way. The resolved Answer is post-processed exactly as
   * `invoke`'s, and its `text` equals the last text passed to `onText` (every path ends with the final text streamed).
   */
  answerStream(input: AnswerInput, onText: TextSink, options?: Partial<RunnableConfig>): Promise<Answer>;
}

/** What createAnswerer returns: a LangChain Runnable (invoke, batch, ...) that also streams. */
export type Answerer = Runnable<AnswerInput, Answer> & StreamingAnswerer;

/**
 * Wraps a TextSink: calls run one at a time in order (a caller need not await one before the next), repeats are
 * skipped, and a sink that throws is called no more (reported to `onError` once) and never breaks the answer.
 */
export function guardTextSink(onText: TextSink, onError?: (err: unknown) => void): TextSink {
  let broken = false;
  let last: string | undefined;
  let queue: Promise<void> = Promise.resolve();
  const deliver = async (text: string) => {
    if (broken || text === last) return;
    last = text;
    try {
      await onText(text);
    } catch (err) {
      broken = true;
      try {
        onError?.(err);
      } catch {
        // a broken logger must not break answering
      }
    }
  };
  return (text: string) => {
    queue = queue.then(() => deliver(text));
    return queue;
  };
}
