/**
 * Offline "answerer" that needs no model: it quotes the 2–4 most relevant sentences
 * from the top passages, with [n] citation markers, and says so honestly.
 *
 * Used (a) when no chat model is configured and (b) as the fallback when the model
 * times out / is rate limited / errors (see answer-chain.ts).
 *
 * Sentence scoring:
 *   score = overlap + rankBonus + positionBonus
 *   overlap       = |query terms found in the sentence| / |query terms|           (0..1)
 *   rankBonus     = 0.2 * (1 - passageRank / maxPassages)   earlier passages win ties
 *   positionBonus = 0.05 * (1 - min(sentenceIndex, 10) / 10) lead sentences slightly preferred
 * Terms are normalised: NFKC, lowercase, Latin diacritics folded, unicode \p{L}\p{N} tokens,
 * English stop words removed, light suffix stemming; CJK runs become character bigrams.
 * A sentence must share at least one term with the question to be eligible; if none is
 * eligible the answer says the learning content does not seem to cover the question.
 *
 * Streaming (answerStream): the text grows sentence by sentence (the note, then one quoted
 * sentence more each step), so the streaming path of every channel runs without a model.
 */
import { Runnable, type RunnableConfig } from '@langchain/core/runnables';
import { type Answer, type AnswerInput, guardTextSink, type Passage, type StreamingAnswerer, type TextSink } from './answer-types';

export const EXTRACTIVE_NOTE = '_Extracted from the learning content (no AI model configured):_';

export const NOT_COVERED_TEXT =
  'The learning content does not seem to cover this question. ' +
  'Try rephrasing it with different keywords, or ask about a related topic.';

export interface ExtractiveOptions {
  /** How many of the top passages to read (default 5). */
  maxPassages?: number;
  /** Max sentences in the answer (default 4, min effectively 1). */
  maxSentences?: number;
}

export interface ExtractOverrides {
  /** Replaces EXTRACTIVE_NOTE (e.g. the "model unavailable" note). */
  note?: string;
  /** Copied onto the Answer. */
  fallbackReason?: string;
}

// ---------------------------------------------------------------------------
// Text normalisation
// ---------------------------------------------------------------------------

const STOP_WORDS = new Set(
  (
    'a about above after again against all also am an and any are aren arent as at be because been before being ' +
    'below between both but by can cannot could couldn did didn didnt do does doesn doesnt doing don dont down during ' +
    'each either else etc ever every few for from further get gets getting got had has have having he her here hers ' +
    'herself him himself his how however i if in into is isn isnt it its itself just know let lets like may me might ' +
    'more most much must my myself need no nor not now of off on once one only or other our ours ourselves out over ' +
    'own please same shall she should so some such tell than that thats the their theirs them themselves then there ' +
    'these they this those through to too under until up us use using very want was wasn we were weren what whats ' +
    'when where which while who whom whose why will with would yes yet you your yours yourself yourselves ' +
    'explain describe show give find anyone someone something anything thing things way ways ' +
    'hi hello hey thanks thank'
  ).split(/\s+/),
);

const CJK_CHAR = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}]/u;
const CJK_RUN = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}]+/gu;
const TOKEN = /[\p{L}\p{N}][\p{L}\p{N}\p{M}]*/gu;
const LATIN_TOKEN = /^[\p{Script=Latin}\p{M}\p{N}]+$/u;

/** Light English suffix stemmer for ASCII tokens; other tokens pass through. */
export function stem(token: string): string {
  if (!/^[a-z]+$/.test(token) || token.length <= 3) return token;
  let w = token;
  if (w.endsWith('ies') && w.length > 4) w = `${w.slice(0, -3)}y`;
  else if (w.endsWith('sses')) w = w.slice(0, -2);
  else if (/(?:s|x|z|ch|sh)es$/.test(w)) w = w.slice(0, -2);
  else if (w.endsWith('s') && !/(?:ss|us|is)$/.test(w)) w = w.slice(0, -1);

  if (w.endsWith('ing') && w.length >= 6 && /[aeiouy]/.test(w.slice(0, -3))) w = w.slice(0, -3);
  else if (w.endsWith('ed') && w.length >= 5 && /[aeiouy]/.test(w.slice(0, -2))) w = w.slice(0, -2);
  else if (w.endsWith('ly') && w.length >= 6) w = w.slice(0, -2);

  if (/([bdgmnprt])\1$/.test(w)) w = w.slice(0, -1); // submitt -> submit, plann -> plan
  if (w.endsWith('e') && w.length > 3) w = w.slice(0, -1); // course/courses -> cours
  return w;
}

/** Raw normalised tokens (lowercase, NFKC, Latin diacritics folded, CJK bigrams). No stop-word removal. */
export function tokenize(text: string): string[] {
  const out: string[] = [];
  const normalised = text.normalize('NFKC').toLowerCase();
  for (const match of normalised.matchAll(TOKEN)) {
    let tok = match[0];
    if (CJK_CHAR.test(tok)) {
      // Scripts without spaces: emit character bigrams of the CJK runs, plus the non-CJK remainder.
      for (const run of tok.match(CJK_RUN) ?? []) {
        const chars = Array.from(run);
        if (chars.length === 1) out.push(run);
        for (let i = 0; i + 1 < chars.length; i++) out.push(chars[i] + chars[i + 1]);
      }
      for (const rest of tok.replace(CJK_RUN, ' ').split(/\s+/)) if (rest.length > 1) out.push(rest);
      continue;
    }
    if (LATIN_TOKEN.test(tok)) tok = tok.normalize('NFD').replace(/\p{M}/gu, '');
    if (Array.from(tok).length < 2 && !/\p{N}/u.test(tok)) continue;
    out.push(tok);
  }
  return out;
}

/** Meaningful terms: tokens minus stop words, stemmed. */
export function termsOf(text: string): Set<string> {
  const terms = new Set<string>();
  for (const tok of tokenize(text)) {
    if (STOP_WORDS.has(tok)) continue;
    terms.add(stem(tok));
  }
  return terms;
}

// ---------------------------------------------------------------------------
// Sentence extraction
// ---------------------------------------------------------------------------

interface Candidate {
  text: string;
  passageIndex: number;
  position: number;
  terms: Set<string>;
  score: number;
}

const MIN_SENTENCE_CHARS = 20;
const MIN_CJK_SENTENCE_CHARS = 6;
const MAX_SENTENCE_CHARS = 400;
const SENTENCE_END = /[.!?。！？…]["'”’)\]]*$/u;

const segmenter = new Intl.Segmenter('en', { granularity: 'sentence' });

function stripInlineMarkdown(line: string): string {
  return line
    .replace(/!\[[^\]]*\]\([^)]*\)/g, '') // images
    .replace(/\[([^\]]+)\]\([^)]*\)/g, '$1') // links -> text
    .replace(/`([^`]*)`/g, '$1') // inline code -> text
    .replace(/(\*\*|__)(.+?)\1/g, '$2') // bold
    .replace(/<[^>]{1,200}>/g, ' ') // stray html tags
    .replace(/\s+/g, ' ')
    .trim();
}

/** Split passage content into prose units (paragraphs / list items), dropping code, headings and tables. */
export function proseBlocks(content: string): string[] {
  const lines = content.replace(/\r\n?/g, '\n').split('\n');
  const blocks: string[] = [];
  let current: string[] = [];
  let inFence: string | null = null;

  const flush = () => {
    if (current.length === 0) return;
    // A short first line without terminal punctuation followed by more text is a plain-text heading.
    if (current.length > 1 && current[0].length < 60 && !SENTENCE_END.test(current[0]) && !/[:;,]$/.test(current[0])) {
      current.shift();
    }
    // A lone short line without terminal punctuation is a title, not a sentence.
    const single = current.length === 1 ? current[0] : null;
    if (!(single && !SENTENCE_END.test(single) && single.split(/\s+/).length <= 8)) {
      blocks.push(current.join(' '));
    }
    current = [];
  };

  for (const raw of lines) {
    const fence = /^\s*(`{3,}|~{3,})/.exec(raw);
    if (fence) {
      if (inFence === null) {
        flush();
        inFence = fence[1][0];
      } else if (fence[1][0] === inFence) {
        inFence = null;
      }
      continue;
    }
    if (inFence !== null) continue;

    const isListItem = /^\s*(?:[-*+•]|\d+[.)])\s+/.test(raw);
    if (/^( {4}|\t)/.test(raw) && !isListItem) {
      flush(); // indented code block
      continue;
    }
    const line = raw.trim();
    if (line === '') {
      flush();
      continue;
    }
    if (/^#{1,6}(\s|$)/.test(line)) {
      flush();
      continue;
    } // ATX heading
    if (/^(=+|-+|\*+|_+)$/.test(line.replace(/\s/g, ''))) {
      // setext underline / rule
      current = current.slice(0, -1); // the previous line was a setext heading
      flush();
      continue;
    }
    if (line.startsWith('|')) {
      flush();
      continue;
    } // table row

    const text = stripInlineMarkdown(line.replace(/^(?:>\s*)+/, '').replace(/^(?:[-*+•]|\d+[.)])\s+/, ''));
    if (text === '') continue;
    if (isListItem) {
      flush();
      current.push(text);
      flush();
    } else {
      current.push(text);
    }
  }
  flush();
  return blocks;
}

function isCjkHeavy(text: string): boolean {
  const chars = Array.from(text);
  const cjk = chars.filter((c) => CJK_CHAR.test(c)).length;
  return cjk / Math.max(1, chars.length) > 0.3;
}

/** Sentences of a passage that are suitable for quoting, in document order. */
export function extractSentences(content: string): string[] {
  const out: string[] = [];
  for (const block of proseBlocks(content)) {
    for (const seg of segmenter.segment(block)) {
      const s = seg.segment.trim();
      const min = isCjkHeavy(s) ? MIN_CJK_SENTENCE_CHARS : MIN_SENTENCE_CHARS;
      if (s.length < min || s.length > MAX_SENTENCE_CHARS) continue;
      if (!/[\p{L}]/u.test(s)) continue;
      out.push(s);
    }
  }
  return out;
}

function jaccard(a: Set<string>, b: Set<string>): number {
  if (a.size === 0 && b.size === 0) return 1;
  let inter = 0;
  for (const t of a) if (b.has(t)) inter++;
  return inter / (a.size + b.size - inter);
}

function isNearDuplicate(c: Candidate, chosen: Candidate[]): boolean {
  const norm = (s: string) =>
    s
      .toLowerCase()
      .replace(/[^\p{L}\p{N}]+/gu, ' ')
      .trim();
  const n = norm(c.text);
  return chosen.some((o) => {
    const m = norm(o.text);
    return m === n || m.includes(n) || n.includes(m) || jaccard(tokenSet(c.text), tokenSet(o.text)) >= 0.6;
  });
}

function tokenSet(text: string): Set<string> {
  return new Set(tokenize(text).map(stem));
}

/** Put the [n] marker before the sentence's terminal punctuation: "Foo bar [1]." */
function withCitation(sentence: string, n: number): string {
  const m = /([.!?。！？…]+["'”’)\]]*)$/u.exec(sentence);
  if (!m) return `${sentence} [${n}]`;
  const body = sentence.slice(0, m.index).trimEnd();
  return `${body} [${n}]${m[1]}`;
}

/** ['a', 'b', 'c'] -> ['a', 'ab', 'abc'] */
function growing(pieces: string[]): string[] {
  const steps: string[] = [];
  let text = '';
  for (const piece of pieces) {
    text += piece;
    steps.push(text);
  }
  return steps;
}

// ---------------------------------------------------------------------------
// The Runnable
// ---------------------------------------------------------------------------

export class ExtractiveAnswerer extends Runnable<AnswerInput, Answer> implements StreamingAnswerer {
  lc_namespace = ['learning_assistant', 'ai', 'extractive'];

  static override lc_name(): string {
    return 'ExtractiveAnswerer';
  }

  private readonly maxPassages: number;
  private readonly maxSentences: number;

  constructor(options: ExtractiveOptions = {}) {
    super();
    this.maxPassages = Math.max(1, options.maxPassages ?? 5);
    this.maxSentences = Math.max(1, options.maxSentences ?? 4);
  }

  async invoke(input: AnswerInput, _options?: Partial<RunnableConfig>): Promise<Answer> {
    return this.answer(input);
  }

  /**
   * The same answer, streamed sentence by sentence: `onText` gets the growing text (the note first, then one quoted
   * sentence more each step) and the last call is the final text. No delays: the text is ready at once, and a
   * surface throttles itself. The caller's AbortSignal is checked between steps.
   */
  async answerStream(
    input: AnswerInput,
    onText: TextSink,
    options?: Partial<RunnableConfig>,
    overrides: ExtractOverrides = {},
  ): Promise<Answer> {
    const { answer, steps } = this.compose(input, overrides);
    const sink = guardTextSink(onText);
    for (const step of steps) {
      options?.signal?.throwIfAborted();
      await sink(step);
    }
    return answer;
  }

  /** Synchronous core, also used by the answer chain's fallback with a different note. */
  answer(input: AnswerInput, overrides: ExtractOverrides = {}): Answer {
    return this.compose(input, overrides).answer;
  }

  /** The answer and its streaming steps: growing prefixes of answer.text, the last one equal to it. */
  private compose(input: AnswerInput, overrides: ExtractOverrides): { answer: Answer; steps: string[] } {
    const passages: Passage[] = Array.isArray(input.passages) ? input.passages : [];
    const queryTerms = termsOf(input.question ?? '');
    const chosen = queryTerms.size > 0 ? this.select(queryTerms, passages) : [];

    const reason = overrides.fallbackReason !== undefined ? { fallbackReason: overrides.fallbackReason } : {};
    if (chosen.length === 0) {
      // Only prefix a note when it explains something (the model failed); otherwise just be plain.
      const text = overrides.note ? `${overrides.note}\n${NOT_COVERED_TEXT}` : NOT_COVERED_TEXT;
      return {
        answer: { text, mode: 'extractive', citedIndexes: [], ...reason },
        steps: growing(overrides.note ? [overrides.note, `\n${NOT_COVERED_TEXT}`] : [text]),
      };
    }

    // Document order: passage rank, then position inside the passage.
    chosen.sort((a, b) => a.passageIndex - b.passageIndex || a.position - b.position);
    const groups: Candidate[][] = [];
    for (const c of chosen) {
      const last = groups[groups.length - 1];
      if (last && last[0].passageIndex === c.passageIndex) last.push(c);
      else groups.push([c]);
    }
    // One piece per quoted sentence, with the separator in front of it: one line per passage (bulleted when there
    // are several), the sentences of a passage joined by a space.
    const bullet = groups.length === 1 ? '' : '• ';
    const pieces: string[] = [overrides.note ?? EXTRACTIVE_NOTE];
    for (const group of groups) {
      for (const [i, c] of group.entries()) {
        const sentence = withCitation(c.text, c.passageIndex + 1);
        pieces.push(i === 0 ? `\n${bullet}${sentence}` : ` ${sentence}`);
      }
    }
    const steps = growing(pieces);
    const cited = [...new Set(chosen.map((c) => c.passageIndex + 1))].sort((a, b) => a - b);

    return { answer: { text: steps[steps.length - 1], mode: 'extractive', citedIndexes: cited, ...reason }, steps };
  }

  private select(queryTerms: Set<string>, passages: Passage[]): Candidate[] {
    const top = passages.slice(0, this.maxPassages);
    const candidates: Candidate[] = [];
    top.forEach((p, passageIndex) => {
      const sentences = extractSentences(typeof p.content === 'string' ? p.content : '');
      sentences.forEach((text, position) => {
        const terms = termsOf(text);
        let matched = 0;
        for (const t of queryTerms) if (terms.has(t)) matched++;
        if (matched === 0) return;
        const overlap = matched / queryTerms.size;
        const rankBonus = 0.2 * (1 - passageIndex / this.maxPassages);
        const positionBonus = 0.05 * (1 - Math.min(position, 10) / 10);
        candidates.push({ text, passageIndex, position, terms, score: overlap + rankBonus + positionBonus });
      });
    });
    if (candidates.length === 0) return [];

    candidates.sort((a, b) => b.score - a.score || a.passageIndex - b.passageIndex || a.position - b.position);
    const best = candidates[0].score;
    const chosen: Candidate[] = [];
    for (const c of candidates) {
      if (chosen.length >= this.maxSentences) break;
      // Keep strong sentences; the 2nd slot is a bit more lenient so we usually give 2+ sentences.
      const threshold = chosen.length < 2 ? 0.4 * best : 0.6 * best;
      if (c.score < threshold) break;
      if (isNearDuplicate(c, chosen)) continue;
      chosen.push(c);
    }
    return chosen;
  }
}
