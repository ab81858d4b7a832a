/**
 * Turning Slack event payloads into what the core understands. Pure: no I/O, no Bolt runtime.
 * Payloads come from the network, so every field is treated as possibly missing or of the wrong type.
 */

/** The bot's own ids in this workspace (from auth.test). */
export interface BotIdentity {
  botUserId: string;
  botId?: string;
}

/** The fields of a `message` / `app_mention` event we read. */
export interface SlackMessageLike {
  type?: unknown;
  subtype?: unknown;
  channel?: unknown;
  channel_type?: unknown;
  user?: unknown;
  bot_id?: unknown;
  text?: unknown;
  ts?: unknown;
  thread_ts?: unknown;
  team?: unknown;
}

/** Message subtypes that are a person saying something; everything else (edits, deletions, joins, …) is ignored. */
const ANSWERABLE_SUBTYPES = new Set<string | undefined>([undefined, 'file_share', 'thread_broadcast']);

/** What to do with one incoming message event. */
export type MessageDecision =
  | { action: 'ignore'; reason: string }
  | { action: 'answer'; turn: SlackTurn }
  /** answer only if the assistant already answered in this thread (a thread reply that does not mention the bot) */
  | { action: 'answer-if-thread-answered'; turn: SlackTurn & { replyThreadTs: string } };

/** One message to answer, in Slack terms. */
export interface SlackTurn {
  channel: string;
  user: string;
  /** the person's message (the reaction goes here; `${channel}:${ts}` is the de-duplication key) */
  ts: string;
  /** where the answer goes: a thread, or null for a top-level reply */
  replyThreadTs: string | null;
  /** the question, Slack markup removed */
  text: string;
}

/**
 * Decides about a `message` event:
 * - DM (channel_type im): answer; in the thread when the message is in one, else top-level.
 * - channel/group message mentioning the bot: answer in its thread (the app_mention for the same message
 *   maps to the same de-duplication key, so only one of them answers).
 * - channel/group thread reply without a mention: answer only if the assistant already answered there.
 * - bot messages, the bot's own posts, edits, deletions, joins, …: ignore.
 */
export function decideMessage(event: SlackMessageLike, bot: BotIdentity | undefined): MessageDecision {
  const base = basics(event, bot);
  if ('reason' in base) return { action: 'ignore', reason: base.reason };
  const { channel, user, ts, threadTs, rawText } = base;
  const channelType = typeof event.channel_type === 'string' ? event.channel_type : channelTypeFromId(channel);
  const mentioned = bot ? mentions(rawText, bot.botUserId) : false;
  const threadReply = !!threadTs && threadTs !== ts;
  if (channelType !== 'im' && !mentioned && !threadReply) return { action: 'ignore', reason: 'channel message without a mention' };

  const text = toPlainQuestion(rawText, bot?.botUserId);
  if (channelType === 'im') return { action: 'answer', turn: { channel, user, ts, replyThreadTs: threadTs, text } };
  if (mentioned) return { action: 'answer', turn: { channel, user, ts, replyThreadTs: threadTs ?? ts, text } };
  return { action: 'answer-if-thread-answered', turn: { channel, user, ts, replyThreadTs: threadTs!, text } };
}

/** Decides about an `app_mention` event: always answered in its thread (thread_ts ?? ts). */
export function decideMention(event: SlackMessageLike, bot: BotIdentity | undefined): MessageDecision {
  const base = basics(event, bot);
  if ('reason' in base) return { action: 'ignore', reason: base.reason };
  const { channel, user, ts, threadTs, rawText } = base;
  return { action: 'answer', turn: { channel, user, ts, replyThreadTs: threadTs ?? ts, text: toPlainQuestion(rawText, bot?.botUserId) } };
}

function basics(
  event: SlackMessageLike,
  bot: BotIdentity | undefined,
): { reason: string } | { channel: string; user: string; ts: string; threadTs: string | null; rawText: string } {
  if (!event || typeof event !== 'object') return { reason: 'no event' };
  const subtype = typeof event.subtype === 'string' ? event.subtype : undefined;
  if (event.bot_id !== undefined && event.bot_id !== null) return { reason: 'bot message' };
  if (subtype === 'bot_message') return { reason: 'bot message' };
  if (!ANSWERABLE_SUBTYPES.has(subtype)) return { reason: `subtype ${subtype}` };
  const channel = str(event.channel);
  const user = str(event.user);
  const ts = str(event.ts);
  if (!channel || !user || !ts) return { reason: 'missing channel, user or ts' };
  if (bot && user === bot.botUserId) return { reason: 'own message' };
  return { channel, user, ts, threadTs: str(event.thread_ts) ?? null, rawText: typeof event.text === 'string' ? event.text : '' };
}

/** D… ids are DMs, G… private channels or group DMs, C… channels (used when channel_type is missing). */
function channelTypeFromId(channel: string): string {
  return channel.startsWith('D') ? 'im' : channel.startsWith('G') ? 'group' : 'channel';
}

export function mentions(text: string, botUserId: string): boolean {
  return text.includes(`<@${botUserId}>`) || text.includes(`<@${botUserId}|`);
}

/**
 * Slack markup → plain text for the core: the bot's own mention removed, other mentions, channels and
 * links reduced to their labels, HTML entities decoded, whitespace collapsed. A message that was only
 * the mention becomes '' (the core answers that with its help text).
 */
export function toPlainQuestion(text: string, botUserId?: string): string {
  let out = text;
  if (botUserId) out = out.split(new RegExp(`<@${escapeRegExp(botUserId)}(?:\\|[^>]*)?>`, 'g')).join(' ');
  out = out
    .replace(/<@([UW][A-Z0-9]+)\|([^>]+)>/g, '@$2')
    .replace(/<@([UW][A-Z0-9]+)>/g, '@$1')
    .replace(/<#[CG][A-Z0-9]+\|([^>]*)>/g, '#$1')
    .replace(/<!subteam\^[A-Z0-9]+(?:\|([^>]+))?>/g, (_m, label?: string) => label ?? '@group')
    .replace(/<!(here|channel|everyone)(?:\|[^>]*)?>/g, '@$1')
    .replace(/<!date\^[^|>]+\|([^>]*)>/g, '$1')
    .replace(/<((?:https?|mailto):[^|>]+)\|([^>]+)>/g, '$2')
    .replace(/<((?:https?|mailto):[^>]+)>/g, '$1')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
  return out
    .replace(/[ \t]+/g, ' ')
    .replace(/ *\n */g, '\n')
    .trim();
}

const str = (v: unknown): string | undefined => (typeof v === 'string' && v.length > 0 ? v : undefined);
const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
