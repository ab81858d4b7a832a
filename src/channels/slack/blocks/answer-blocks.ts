import type { types } from '@slack/bolt';
import { type BotReply, type RecommendationCard, type SourceRef, sourceUrl } from '../../../core/messages';
import { escapeMrkdwn, mrkdwnLink, SECTION_TEXT_LIMIT, truncate } from './mrkdwn';

export type Block = types.KnownBlock;

/** What chat.postMessage / respond() take: blocks plus the plain `text` used for notifications and screen readers. */
export interface SlackMessage {
  text: string;
  blocks: Block[];
}

/** Slack refuses messages with more than 50 blocks. */
export const MAX_BLOCKS = 50;
/** Recommendation cards shown at most (the recommender picks three). */
export const MAX_CARDS = 5;

export const ACTION_REC_OPEN = 'rec_open';
export const ACTION_FEEDBACK_UP = 'feedback_up';
export const ACTION_FEEDBACK_DOWN = 'feedback_down';
/** Slack's own 👍/👎 (feedback_buttons in a context_actions block) under a streamed answer; value `up:<id>` / `down:<id>` */
export const ACTION_ANSWER_FEEDBACK = 'answer_feedback';

/** Slack's limit for the text of a markdown block (and for all markdown blocks of one message together). */
export const MARKDOWN_TEXT_LIMIT = 12_000;

export type ReplyForBlocks = Pick<BotReply, 'kind' | 'text' | 'sources' | 'confidence' | 'recommendations' | 'chatMessageId' | 'notes'>;

/**
 * How an answer asks for feedback: our own buttons (`feedback_up` / `feedback_down`, an actions block)
 * in an ordinary message, or Slack's feedback_buttons (a context_actions block) under a streamed answer.
 */
export type FeedbackStyle = 'buttons' | 'feedback_buttons';

/**
 * Renders a reply as Block Kit. Pure.
 *
 *   answer text            one markdown block: the answer as the model wrote it (standard Markdown; Slack renders
 *                          it), at most 12,000 characters (cut with "…" beyond)
 *   then answerTailBlocks  sources, confidence, recommendation cards, feedback
 */
export function answerMessage(reply: ReplyForBlocks, feedback: FeedbackStyle = 'buttons'): SlackMessage {
  return { text: fallbackText(reply.text), blocks: capBlocks([answerTextBlock(reply.text), ...answerTailBlocks(reply, feedback)]) };
}

/** The answer text as a markdown block. */
export function answerTextBlock(text: string): Block {
  return { type: 'markdown', text: text.trim() ? truncate(text.trim(), MARKDOWN_TEXT_LIMIT) : '_(no answer)_' };
}

/**
 * What follows the answer text (also what chat.stopStream appends under a streamed answer):
 *
 *   notes · sources · conf context block ("[1] Title", "Confidence 72%"); answers only show confidence
 *   ───                    divider (when cards or feedback follow)
 *   Recommended next       one section per card: *title* + reason, button rec_open (Start / Read)
 *   👍 / 👎                 feedback on answers only (value = chatMessageId), in the given style
 *
 * At most MAX_BLOCKS - 1 blocks, so that the text block always fits in front.
 */
export function answerTailBlocks(reply: ReplyForBlocks, feedback: FeedbackStyle = 'buttons'): Block[] {
  const tail: Block[] = [];
  const context = contextBlock(reply);
  if (context) tail.push(context);

  const cards = reply.recommendations.slice(0, MAX_CARDS);
  const withFeedback = reply.kind === 'answer' && reply.chatMessageId ? reply.chatMessageId : null;
  if (cards.length || withFeedback) tail.push({ type: 'divider' });
  if (cards.length) {
    tail.push({ type: 'context', elements: [{ type: 'mrkdwn', text: '*Recommended next*' }] });
    for (const card of cards) tail.push(cardBlock(card));
  }
  if (withFeedback) tail.push(feedback === 'feedback_buttons' ? feedbackButtonsBlock(withFeedback) : feedbackBlock(withFeedback));
  return capBlocks(tail, MAX_BLOCKS - 1);
}

/** The same reply as a plain notification line (Slack shows `text` in notifications and to screen readers). */
export function fallbackText(text: string): string {
  const plain = escapeMrkdwn(text.trim() || 'Answer');
  return truncate(plain, SECTION_TEXT_LIMIT);
}

/** Safety net for any builder: at most `max` blocks, the last one a "…" context block when something was dropped. */
export function capBlocks(blocks: Block[], max = MAX_BLOCKS): Block[] {
  if (blocks.length <= max) return blocks;
  return [...blocks.slice(0, max - 1), ellipsisBlock()];
}

export function section(text: string): Block {
  return { type: 'section', text: { type: 'mrkdwn', text: truncate(text, SECTION_TEXT_LIMIT) } };
}

function ellipsisBlock(): Block {
  return { type: 'context', elements: [{ type: 'mrkdwn', text: '… (shortened to fit in one Slack message)' }] };
}

function contextBlock(reply: ReplyForBlocks): Block | null {
  const elements: Array<{ type: 'mrkdwn'; text: string }> = [];
  const notes = reply.notes.map((n) => n.trim()).filter(Boolean);
  if (notes.length) elements.push(mrkdwn(notes.map((n) => `:information_source: ${escapeMrkdwn(n)}`).join('\n')));
  if (reply.sources.length) elements.push(mrkdwn(sourcesText(reply.sources)));
  if (reply.kind === 'answer') elements.push(mrkdwn(`Confidence ${Math.round(clamp01(reply.confidence) * 100)}%`));
  return elements.length ? { type: 'context', elements } : null;
}

/**
 * "*Sources* [1] Title  ·  [2] <url|Title>": a source with a link gets its title linked. Links are added only while
 * the whole text stays within Slack's limit, so truncating can never cut a link in half (a long link shows as a
 * plain title instead).
 */
export function sourcesText(sources: SourceRef[]): string {
  const parts = sources.map((s) => ({ n: s.n, title: escapeMrkdwn(oneLine(s.title) || `Source ${s.n}`), s }));
  let length = '*Sources* '.length + parts.reduce((sum, p) => sum + `[${p.n}] ${p.title}  ·  `.length, 0);
  const shown = parts.map((p) => {
    const plain = `[${p.n}] ${p.title}`;
    const url = sourceUrl(p.s.url); // checked again: a logged turn's sources come back from the database
    if (!url) return plain;
    const linked = `[${p.n}] ${mrkdwnLink(url, oneLine(p.s.title) || `Source ${p.n}`)}`;
    if (length + linked.length - plain.length > SECTION_TEXT_LIMIT) return plain;
    length += linked.length - plain.length;
    return linked;
  });
  return `*Sources* ${shown.join('  ·  ')}`;
}

/** Skills and courses are started (they go into learning progress); content is read. */
export function cardButtonLabel(type: RecommendationCard['type']): 'Start' | 'Read' {
  return type === 'content' ? 'Read' : 'Start';
}

const TYPE_LABEL: Record<RecommendationCard['type'], string> = { skill: 'Skill', course: 'Course', content: 'Content' };

/** One recommendation card: *title* · type, reason, and a rec_open button (Start / Read). */
export function cardBlock(card: RecommendationCard): Block {
  const title = escapeMrkdwn(oneLine(card.title));
  const reason = escapeMrkdwn(oneLine(card.reason));
  return {
    type: 'section',
    block_id: truncate(`rec:${card.id}`, 255),
    text: {
      type: 'mrkdwn',
      text: truncate(`*${truncate(title, 200)}*  ·  ${TYPE_LABEL[card.type] ?? card.type}\n${reason}`, SECTION_TEXT_LIMIT),
    },
    accessory: {
      type: 'button',
      action_id: ACTION_REC_OPEN,
      text: { type: 'plain_text', text: cardButtonLabel(card.type) },
      value: card.id,
      ...(card.type === 'content' ? {} : { style: 'primary' as const }),
    },
  };
}

function feedbackBlock(chatMessageId: string): Block {
  return {
    type: 'actions',
    block_id: 'feedback',
    elements: [
      {
        type: 'button',
        action_id: ACTION_FEEDBACK_UP,
        text: { type: 'plain_text', text: '👍 Helpful', emoji: true },
        value: chatMessageId,
      },
      {
        type: 'button',
        action_id: ACTION_FEEDBACK_DOWN,
        text: { type: 'plain_text', text: '👎 Not helpful', emoji: true },
        value: chatMessageId,
      },
    ],
  };
}

/** Slack's feedback_buttons under a streamed answer: the value says which button and which chat message. */
function feedbackButtonsBlock(chatMessageId: string): Block {
  return {
    type: 'context_actions',
    block_id: 'feedback',
    elements: [
      {
        type: 'feedback_buttons',
        action_id: ACTION_ANSWER_FEEDBACK,
        positive_button: {
          text: { type: 'plain_text', text: 'Helpful' },
          accessibility_label: 'This answer was helpful',
          value: `up:${chatMessageId}`,
        },
        negative_button: {
          text: { type: 'plain_text', text: 'Not helpful' },
          accessibility_label: 'This answer was not helpful',
          value: `down:${chatMessageId}`,
        },
      },
    ],
  };
}

/** The feedback a feedback_buttons value stands for, or null for a value we did not make. */
export function parseFeedbackValue(value: unknown): { value: 1 | -1; chatMessageId: string } | null {
  const m = typeof value === 'string' ? /^(up|down):(.+)$/.exec(value) : null;
  return m ? { value: m[1] === 'up' ? 1 : -1, chatMessageId: m[2] } : null;
}

/** The title of the card whose button carries `recommendationId`, read back from the message that was clicked. */
export function cardTitleFromBlocks(blocks: unknown, recommendationId: string): string | null {
  if (!Array.isArray(blocks)) return null;
  for (const b of blocks as Array<{ accessory?: { action_id?: string; value?: string }; text?: { text?: string } }>) {
    if (b?.accessory?.action_id === ACTION_REC_OPEN && b.accessory.value === recommendationId && typeof b.text?.text === 'string') {
      const m = /^\*(.+?)\*/.exec(b.text.text);
      return m ? m[1] : null;
    }
  }
  return null;
}

const mrkdwn = (text: string) => ({ type: 'mrkdwn' as const, text: truncate(text, SECTION_TEXT_LIMIT) });
export const oneLine = (s: string) => s.replace(/\s+/g, ' ').trim();
const clamp01 = (x: number) => (Number.isFinite(x) ? Math.min(1, Math.max(0, x)) : 0);
