// Pure helpers around Bot Framework activities: validation before botbuilder sees a body, and the
// mapping from a Teams activity to the core's IncomingMessage. No I/O here, so all of it is unit-tested.
import { type Activity, TurnContext } from 'botbuilder';
import { z } from 'zod';
import type { IncomingMessage, UserProfile } from '../../core/messages';

/** Activity types a channel may send to a bot (invokeResponse and delay only ever go the other way). */
export const INBOUND_ACTIVITY_TYPES = [
  'message',
  'contactRelationUpdate',
  'conversationUpdate',
  'typing',
  'endOfConversation',
  'event',
  'invoke',
  'deleteUserData',
  'messageUpdate',
  'messageDelete',
  'installationUpdate',
  'messageReaction',
  'suggestion',
  'trace',
  'handoff',
  'command',
  'commandResult',
] as const;

const account = z.object({ id: z.string().min(1) }).passthrough();

const entity = z
  .object({ type: z.string() })
  .passthrough()
  .superRefine((e, ctx) => {
    // botbuilder's mention helpers read mentioned.id of every mention entity: a malformed one would throw mid-turn
    const m = e as { type: string; mentioned?: { id?: unknown } };
    if (m.type.toLowerCase() === 'mention' && typeof m.mentioned?.id !== 'string') {
      ctx.addIssue({ code: 'custom', message: 'a mention entity needs mentioned.id' });
    }
  });

const activitySchema = z
  .object({
    type: z.enum(INBOUND_ACTIVITY_TYPES),
    id: z.string().min(1).optional(),
    channelId: z.string().min(1),
    serviceUrl: z
      .string()
      .url()
      .refine((u) => /^https?:\/\//i.test(u), 'must be an http(s) URL'),
    conversation: z.object({ id: z.string().min(1) }).passthrough(),
    from: account,
    recipient: account,
    text: z.string().optional().nullable(),
    entities: z.array(entity).optional().nullable(),
    membersAdded: z.array(account).optional().nullable(),
    membersRemoved: z.array(account).optional().nullable(),
  })
  .passthrough()
  .superRefine((a, ctx) => {
    // we de-duplicate messages and invokes on their id: Teams always sends one
    if ((a.type === 'message' || a.type === 'invoke') && !a.id)
      ctx.addIssue({ code: 'custom', path: ['id'], message: `a ${a.type} activity needs an id` });
  });

export type ActivityCheck = { ok: true } | { ok: false; reason: string };

/**
 * Whether a request body is an activity botbuilder can run safely. botbuilder throws outside its error
 * handling on a body without `type`, and runs turns without `conversation` or `serviceUrl` (PITFALLS.md):
 * the route answers 400 for anything failing this, before calling adapter.process.
 */
export function checkActivity(body: unknown): ActivityCheck {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return { ok: false, reason: 'the body is not a JSON object' };
  const parsed = activitySchema.safeParse(body);
  if (parsed.success) return { ok: true };
  const issues = parsed.error.issues.slice(0, 5).map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`);
  return { ok: false, reason: `not a valid Bot Framework activity (${issues.join('; ')})` };
}

export type ConversationKind = 'personal' | 'groupChat' | 'channel';

/** Teams says so in conversation.conversationType; the Emulator sends none (a 1:1 chat). */
export function conversationKind(activity: Partial<Activity>): ConversationKind {
  const c = activity.conversation;
  if (c?.conversationType === 'channel') return 'channel';
  if (c?.conversationType === 'groupChat' || (c?.isGroup && c?.conversationType !== 'personal')) return 'groupChat';
  return 'personal';
}

/** A channel conversation id is `19:...@thread.tacv2;messageid=<root>`: the base id and the reply-chain root. */
export function splitConversationId(id: string): { conversationId: string; rootMessageId: string | null } {
  const m = /^(.*?);messageid=([^;]+)/i.exec(id);
  return m ? { conversationId: m[1], rootMessageId: m[2] } : { conversationId: id, rootMessageId: null };
}

/** The tenant: Teams puts it on the conversation and in channelData; the Emulator has none (its channel id stands in). */
export function tenantOf(activity: Partial<Activity>): string {
  const channelData = activity.channelData as { tenant?: { id?: unknown } } | undefined;
  const fromData = typeof channelData?.tenant?.id === 'string' ? channelData.tenant.id : undefined;
  return activity.conversation?.tenantId || fromData || activity.channelId || 'unknown';
}

/** The person: the Entra (AAD) object id is stable across Teams conversations; from.id is per app. */
export function platformUserOf(activity: Partial<Activity>): string {
  return activity.from?.aadObjectId || activity.from?.id || '';
}

/** Whether the bot itself is @mentioned (mention entities naming activity.recipient.id). */
export function mentionsBot(activity: Partial<Activity>): boolean {
  const botId = activity.recipient?.id;
  if (!botId) return false;
  return (activity.entities ?? []).some(
    (e) => e?.type?.toLowerCase() === 'mention' && (e as { mentioned?: { id?: string } }).mentioned?.id === botId,
  );
}

/**
 * The question with the bot's mention removed (TurnContext.removeRecipientMention, which edits
 * activity.text), other people's `<at>` tags reduced to their names, and Teams' non-breaking spaces made spaces.
 */
export function questionText(activity: Activity): string {
  const mentions = TurnContext.getMentions(activity).filter(
    (m) => m.mentioned?.id === activity.recipient?.id && typeof m.text === 'string' && m.text,
  );
  if (mentions.length && typeof activity.text === 'string') TurnContext.removeRecipientMention(activity);
  let t = typeof activity.text === 'string' ? activity.text : '';
  // removeRecipientMention removes the first occurrence only
  for (const m of mentions) t = t.split(m.text).join(' ');
  return t
    .replace(/<at[^>]*>(.*?)<\/at>/gi, '$1')
    .replace(/&nbsp;|\u00a0/gi, ' ')
    .replace(/[ \t]+/g, ' ')
    .replace(/ *\n */g, '\n')
    .trim();
}

/** The core's view of a Teams message: ids without platform quirks, the reply chain as the thread. */
export function toIncomingMessage(activity: Activity, text: string, profile?: UserProfile): IncomingMessage {
  const { conversationId, rootMessageId } = splitConversationId(activity.conversation.id);
  const kind = conversationKind(activity);
  let threadId: string | null = null;
  if (kind === 'channel') threadId = rootMessageId ?? activity.replyToId ?? activity.id ?? null;
  else if (kind === 'groupChat') threadId = rootMessageId ?? activity.replyToId ?? null;
  return {
    channel: 'teams',
    tenantId: tenantOf(activity),
    platformUserId: platformUserOf(activity),
    ...(profile ? { profile } : {}),
    conversationId,
    threadId,
    messageId: activity.id ?? '',
    text,
  };
}
