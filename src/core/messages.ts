import type { ContentType } from '../db/entities/learning-content.entity';
import type { RecommendationType } from '../db/entities/recommendation.entity';

/** Where a message came from. The console is the terminal chat (`npm run chat`); web is the browser console's Try it. */
export type Channel = 'slack' | 'teams' | 'console' | 'web';

export interface UserProfile {
  name?: string;
  email?: string;
  department?: string;
  /**
   * The email comes from a source we authenticated (Slack users.info with our bot token, Teams'
   * member lookup over an authenticated connector). Only then may it link this identity to an
   * existing user; anything a caller could make up is stored as nothing.
   */
  emailVerified?: boolean;
}

/** A question as every channel adapter hands it to the core: platform payloads never get past the adapter. */
export interface IncomingMessage {
  channel: Channel;
  /** Slack team id, Teams tenant id, or 'local' for the console */
  tenantId: string;
  platformUserId: string;
  /** what the platform told us about the person, if anything */
  profile?: UserProfile;
  /** Slack channel / DM id, Teams conversation id */
  conversationId: string;
  /** Slack thread_ts, Teams reply-chain id; null for a top-level message in a DM */
  threadId?: string | null;
  /** the platform's id for this message; a retried delivery carries the same id */
  messageId: string;
  text: string;
  /** optionally restrict retrieval to these content types */
  contentTypes?: ContentType[];
}

export interface SourceRef {
  /** the citation number used in the answer: [n] */
  n: number;
  id: string;
  title: string;
  contentType: string;
  similarity: number | null;
  /** where the content can be read (its `metadata.url`), http(s) only: see sourceUrl */
  url?: string;
}

/** Longest link a source keeps (browsers and Teams handle far longer, but a longer one is almost surely junk). */
export const MAX_SOURCE_URL_LENGTH = 2048;

/**
 * A content link as the channels may show it, or undefined: only absolute http(s) URLs without credentials pass
 * (a `javascript:` or `data:` link would run or show something else when clicked). The result is the URL as
 * WHATWG serializes it (spaces, quotes, < and > percent-encoded), so a channel only escapes its own markup.
 */
export function sourceUrl(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  let url: URL;
  try {
    url = new URL(value.trim());
  } catch {
    return undefined;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return undefined;
  if (url.username || url.password || !url.hostname) return undefined;
  return url.href.length <= MAX_SOURCE_URL_LENGTH ? url.href : undefined;
}

export interface RecommendationCard {
  /** the `recommendations` row id (for click tracking) */
  id: string;
  type: RecommendationType;
  itemId: string;
  title: string;
  score: number;
  reason: string;
}

export interface BotReply {
  kind: 'answer' | 'help' | 'apology';
  text: string;
  sources: SourceRef[];
  /** 0..1, see src/ai/confidence.ts */
  confidence: number;
  recommendations: RecommendationCard[];
  /** the chat_messages row this turn was logged as (null only if even logging failed) */
  chatMessageId: string | null;
  /** true when this message id was already answered: adapters must not post it again */
  duplicate: boolean;
  /** short notes for the person: truncated input, fallback answer, ... */
  notes: string[];
  mode: 'llm' | 'extractive' | 'none';
}

/**
 * What a streaming surface may show while an answer is being made (Slack's status and chat streams,
 * Teams' streaming messages). Every callback is optional and awaited; a callback that throws stops
 * the progress reports only, never the answer (the final BotReply is still returned and logged).
 * The final BotReply is the truth: its text normally equals the last onText value, and where it does
 * not (answering broke and the reply is an apology) the channel shows the final text.
 */
export interface AnswerProgress {
  /** a phase begins: 'searching' before retrieval, 'answering' before the answerer runs */
  onStatus?(status: 'searching' | 'answering'): Promise<void> | void;
  /** the passages the answer may cite, numbered as [n] in its text, before any answer text */
  onSources?(sources: SourceRef[]): Promise<void> | void;
  /**
   * the whole answer text so far (it only grows), as the answerer produces it: the model's tokens, or the extractive
   * answer one sentence at a time; a model that stops midway gets a note appended, never a rewrite. Calls never
   * overlap; while one runs, newer text waits and replaces older, so a slow surface skips steps, never slows the model.
   */
  onText?(textSoFar: string): Promise<void> | void;
}

export const MAX_QUESTION_CHARS = 4000;

/** What chat_messages keeps of a question (the answer uses the first MAX_QUESTION_CHARS). */
export const MAX_STORED_QUESTION_CHARS = 16_000;

/**
 * Text from the platforms, made safe for PostgreSQL: NUL is removed (text columns refuse it) and a
 * lone UTF-16 surrogate (invalid UTF-8 on the wire) becomes U+FFFD.
 */
export function cleanText(s: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: NUL is what is removed (PostgreSQL text cannot hold it)
  return s.replace(/\u0000/g, '').replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD');
}

/** A question as stored: at most MAX_STORED_QUESTION_CHARS, with a marker saying how much was cut. */
export function storedQuestion(s: string): string {
  if (s.length <= MAX_STORED_QUESTION_CHARS) return s;
  return `${s.slice(0, MAX_STORED_QUESTION_CHARS)}… [${(s.length - MAX_STORED_QUESTION_CHARS).toLocaleString('en-US')} more characters not stored]`;
}

/** What every channel says when something broke on our side (a turn, a button, a command). */
export const APOLOGY = 'Sorry, something went wrong on my side. Please try again in a minute; if it keeps happening, tell your admin.';

export const HELP_TEXT = [
  "Hi! I'm your learning assistant. Ask me a question about anything in your company's learning content, for example:",
  '• "How do I handle exceptions in Python?"',
  '• "What is the difference between precision and recall?"',
  '• "How should I run a retrospective?"',
  'I answer from the learning content with numbered sources, and suggest skills, courses and content to explore next.',
].join('\n');
