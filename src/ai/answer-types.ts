/**
 * Types shared by the answer layer (prompt, extractive answerer, answer chain,
 * confidence). No database or channel concerns live here.
 */

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
   * The citation NUMBERS used in `text` (1-based, i.e. [n] -> passages[n - 1]),
   * distinct, ascending, and only within 1..passages.length. Empty when nothing was cited
   * (e.g. a "not covered" answer).
   */
  citedIndexes: number[];
}
