import type { Activity, Entity } from 'botbuilder';
import { type BotReply, type SourceRef, sourceUrl } from '../../core/messages';
import type { ConversationKind } from './activity';
import { attachment, buildAnswerCard, CARD_BYTE_BUDGET, truncate } from './cards';
import { answerMarkdown } from './cards/format';

/**
 * A Teams answer as one message: the answer text (Markdown, with [n] citations), Teams' AI label and
 * citations (one schema.org Message entity), Teams' own 👍/👎 (channelData.feedbackLoop), and a card
 * after the text with the notes, sources, confidence and recommendations. Pure.
 * See learn.microsoft.com/microsoftteams/platform/bots/how-to/bot-messages-ai-generated-content.
 */

/** Teams shows at most this many citations on a message. */
export const MAX_CITATIONS = 20;
const MAX_CITATION_NAME = 80;
const MAX_CITATION_ABSTRACT = 160;
/** answer text kept in the message (the card gets what is left of Teams' ~28 KB) */
export const MAX_ANSWER_TEXT_BYTES = 14_000;

export interface CitationClaim {
  '@type': 'Claim';
  /** the n of [n] in the text */
  position: number;
  appearance: { '@type': 'DigitalDocument'; name: string; abstract: string; url?: string };
}

/** The root message entity: the AI label, and the citations when the text cites any. */
export interface AiMessageEntity {
  type: 'https://schema.org/Message';
  '@type': 'Message';
  '@context': 'https://schema.org';
  additionalType: ['AIGeneratedContent'];
  citation?: CitationClaim[];
}

/** The [n] numbers a text cites, in order of first appearance. */
export function citedNumbers(text: string): number[] {
  const seen = new Set<number>();
  for (const m of text.matchAll(/\[(\d{1,3})\]/g)) seen.add(Number(m[1]));
  return [...seen];
}

/** One Claim per source the text cites (at most MAX_CITATIONS), in the order the text cites them. */
export function citations(sources: SourceRef[], text: string): CitationClaim[] {
  const byN = new Map(sources.map((s) => [s.n, s]));
  const out: CitationClaim[] = [];
  for (const n of citedNumbers(text)) {
    const s = byN.get(n);
    if (!s || out.length >= MAX_CITATIONS) continue;
    // validated when the source was made; checked again because a logged turn's sources come back from the database
    const url = sourceUrl(s.url);
    const kind = s.contentType.replace(/_/g, ' ');
    out.push({
      '@type': 'Claim',
      position: n,
      appearance: {
        '@type': 'DigitalDocument',
        name: truncate(s.title.trim() || `Source ${n}`, MAX_CITATION_NAME),
        abstract: truncate(
          `${kind.charAt(0).toUpperCase()}${kind.slice(1)} from your learning content: ${s.title.trim()}`,
          MAX_CITATION_ABSTRACT,
        ),
        ...(url ? { url } : {}),
      },
    });
  }
  return out;
}

export function aiMessageEntity(sources: SourceRef[], text: string): AiMessageEntity {
  const cited = citations(sources, text);
  return {
    type: 'https://schema.org/Message',
    '@type': 'Message',
    '@context': 'https://schema.org',
    additionalType: ['AIGeneratedContent'],
    ...(cited.length ? { citation: cited } : {}),
  };
}

/** Whether a reply is an answer a model or the extractive answerer made (it gets the AI label). */
export const isGeneratedAnswer = (reply: BotReply): boolean => reply.kind === 'answer' && reply.mode !== 'none';

/** Teams' feedback loop (👍/👎 with a comment box): personal and group chats; channels do not support it. */
export const feedbackLoopSupported = (kind: ConversationKind): boolean => kind !== 'channel';

/** The answer text as the message carries it: Teams Markdown, shortened to MAX_ANSWER_TEXT_BYTES. */
export function answerText(reply: BotReply): { text: string; shortened: boolean } {
  const full = answerMarkdown(reply.text.trim() || 'I have no answer to show.');
  if (Buffer.byteLength(full, 'utf8') <= MAX_ANSWER_TEXT_BYTES) return { text: full, shortened: false };
  let keep = Math.floor(full.length * (MAX_ANSWER_TEXT_BYTES / Buffer.byteLength(full, 'utf8'))) - 50;
  let text = truncate(full, keep);
  while (Buffer.byteLength(text, 'utf8') > MAX_ANSWER_TEXT_BYTES && keep > 500) {
    keep = Math.floor(keep * 0.9);
    text = truncate(full, keep);
  }
  return { text, shortened: true };
}

/**
 * The message for an answer (kind 'answer'): text, AI label and citations, the feedback loop where
 * Teams supports it (our own 👍/👎 buttons otherwise, i.e. in channels), and the card with the rest.
 */
export function answerActivity(reply: BotReply, kind: ConversationKind): Partial<Activity> {
  const { text, shortened } = answerText(reply);
  const loop = feedbackLoopSupported(kind) && Boolean(reply.chatMessageId);
  const card = buildAnswerCard(reply, {
    answerInText: true,
    textShortened: shortened,
    feedbackButtons: !loop,
    maxBytes: Math.max(4_000, CARD_BYTE_BUDGET - Buffer.byteLength(text, 'utf8')),
  });
  return {
    type: 'message',
    text,
    textFormat: 'markdown',
    ...(isGeneratedAnswer(reply) ? { entities: [aiMessageEntity(reply.sources, text) as unknown as Entity] } : {}),
    ...(loop ? { channelData: { feedbackLoop: { type: 'default' } } } : {}),
    ...(card.body.length || card.actions?.length ? { attachments: [attachment(card)] } : {}),
  };
}
