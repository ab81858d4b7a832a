import { type BotReply, type RecommendationCard, type SourceRef, sourceUrl } from '../../../core/messages';
import { feedbackData, recOpenData } from './actions';
import {
  type AdaptiveCard,
  CARD_BYTE_BUDGET,
  type CardElement,
  type Container,
  card,
  cardBytes,
  type SubmitAction,
  type TextColor,
  text,
  truncate,
} from './adaptive';
import { answerMarkdown, markdownLink } from './format';

export const MAX_SOURCES = 10;
export const MAX_RECOMMENDATIONS = 5;
const MAX_NOTES = 5;
const MAX_TITLE = 150;
const MAX_REASON = 300;
const MAX_NOTE = 300;
/** never cut an answer shorter than this; if even that does not fit, the extras are dropped instead */
const MIN_ANSWER_CHARS = 500;

export const SHORTENED_NOTE = 'This answer was too long for one Teams message, so it was shortened.';

export interface AnswerCardOptions {
  /** byte budget for the card JSON (default CARD_BYTE_BUDGET, below Teams' ~28 KB message limit) */
  maxBytes?: number;
  /**
   * The answer text rides in the message's own text (streamed, with citations): the card carries only
   * what follows it (notes, sources, confidence, recommendations). Default false: the text is in the card.
   */
  answerInText?: boolean;
  /** the message text was shortened to fit (with answerInText): the card says so */
  textShortened?: boolean;
  /** our own 👍/👎 buttons (default true); off where Teams' feedback loop asks instead */
  feedbackButtons?: boolean;
}

/**
 * The answer as an Adaptive Card: answer text, notes, numbered sources, confidence, recommendation
 * containers with a Start/Read button, and 👍/👎 buttons. Pure: same reply in, same card out.
 * A card over the byte budget gets its answer text shortened (with a note saying so).
 */
export function buildAnswerCard(reply: BotReply, opts: AnswerCardOptions = {}): AdaptiveCard {
  const budget = opts.maxBytes ?? CARD_BYTE_BUDGET;
  const buttons = opts.feedbackButtons ?? true;
  if (opts.answerInText) {
    const extras = compose(reply, null, opts.textShortened ?? false, true, buttons);
    return cardBytes(extras) > budget ? compose(reply, null, opts.textShortened ?? false, false, buttons) : extras;
  }
  const full = answerMarkdown(reply.text.trim() || 'I have no answer to show.');
  let built = compose(reply, full, false, true, buttons);
  let answer = full;
  for (let i = 0; i < 8 && cardBytes(built) > budget; i++) {
    const excess = cardBytes(built) - budget;
    const answerBytes = Buffer.byteLength(JSON.stringify(answer), 'utf8');
    if (answer.length <= MIN_ANSWER_CHARS) break;
    // bytes per character of this text (multi-byte scripts, JSON escapes), so the cut lands near the budget
    const ratio = answerBytes / answer.length;
    const keep = Math.max(MIN_ANSWER_CHARS, Math.floor(answer.length - (excess + 200) / ratio));
    answer = truncate(answer, keep);
    built = compose(reply, answer, true, true, buttons);
  }
  // Pathological extras (hundreds of notes are capped, but titles may be huge): keep the answer, drop extras.
  if (cardBytes(built) > budget) built = compose(reply, truncate(answer, MIN_ANSWER_CHARS), true, false, buttons);
  return built;
}

function compose(reply: BotReply, answer: string | null, shortened: boolean, withExtras: boolean, buttons: boolean): AdaptiveCard {
  const body: CardElement[] = answer === null ? [] : [text(answer)];

  const notes = reply.notes.slice(0, MAX_NOTES).map((n) => truncate(n, MAX_NOTE));
  if (shortened) notes.push(SHORTENED_NOTE);
  for (const note of notes) body.push(text(`_${note}_`, { isSubtle: true, size: 'small', spacing: 'small' }));

  if (withExtras && reply.sources.length) body.push(...sourcesSection(reply.sources));
  if (reply.kind === 'answer') body.push(confidenceLine(reply.confidence));
  if (withExtras && reply.recommendations.length) body.push(...recommendationsSection(reply.recommendations));

  const actions: SubmitAction[] = buttons && reply.kind === 'answer' && reply.chatMessageId ? feedbackActions(reply.chatMessageId) : [];
  return card(body, actions);
}

export function sourcesSection(sources: SourceRef[]): CardElement[] {
  return [
    text('Sources', { weight: 'bolder', separator: true, spacing: 'medium' }),
    {
      type: 'FactSet',
      facts: sources.slice(0, MAX_SOURCES).map((s) => ({ title: `[${s.n}]`, value: `${sourceTitle(s)} · ${contentLabel(s.contentType)}` })),
      spacing: 'small',
    },
  ];
}

/** The title, linked when the source has a link (http(s) only: checked again, as logged sources come back from the database). */
function sourceTitle(s: SourceRef): string {
  const title = truncate(s.title, MAX_TITLE);
  const url = sourceUrl(s.url);
  return url ? markdownLink(title, url) : title;
}

export function confidenceLevel(confidence: number): { label: 'High' | 'Medium' | 'Low'; color: TextColor; percent: number } {
  const c = Math.min(1, Math.max(0, Number.isFinite(confidence) ? confidence : 0));
  const percent = Math.round(c * 100);
  if (c >= 0.7) return { label: 'High', color: 'good', percent };
  if (c >= 0.4) return { label: 'Medium', color: 'warning', percent };
  return { label: 'Low', color: 'attention', percent };
}

function confidenceLine(confidence: number): CardElement {
  const level = confidenceLevel(confidence);
  return text(`Confidence: **${level.percent}%** (${level.label.toLowerCase()})`, { size: 'small', color: level.color, spacing: 'medium' });
}

export function recommendationsSection(recs: RecommendationCard[]): CardElement[] {
  return [
    text('Recommended next', { weight: 'bolder', separator: true, spacing: 'medium' }),
    ...recs.slice(0, MAX_RECOMMENDATIONS).map(recommendationContainer),
  ];
}

export function recommendationContainer(rec: RecommendationCard): Container {
  return {
    type: 'Container',
    style: 'emphasis',
    spacing: 'small',
    items: [
      text(`**${truncate(rec.title, MAX_TITLE)}** · ${TYPE_LABEL[rec.type] ?? rec.type}`),
      text(truncate(rec.reason, MAX_REASON), { isSubtle: true, size: 'small', spacing: 'none' }),
      {
        type: 'ActionSet',
        spacing: 'small',
        actions: [{ type: 'Action.Submit', title: rec.type === 'content' ? 'Read' : 'Start', data: recOpenData(rec.id) }],
      },
    ],
  };
}

export function feedbackActions(chatMessageId: string): SubmitAction[] {
  return [
    { type: 'Action.Submit', title: '👍 Helpful', data: feedbackData(chatMessageId, 1) },
    { type: 'Action.Submit', title: '👎 Not helpful', data: feedbackData(chatMessageId, -1) },
  ];
}

const TYPE_LABEL: Record<string, string> = { skill: 'Skill', course: 'Course', content: 'Reading' };
const contentLabel = (t: string) => t.replace(/_/g, ' ');
