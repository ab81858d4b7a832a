import type { Activity, AdaptiveCardInvokeResponse, TurnContext } from 'botbuilder';
import type { BotReply } from '../../core/messages';
import { attachment, buildAnswerCard, buildWelcomeCard } from './cards';
import type { Reply } from './learning';

/** Pure helpers for the activities the bot reads, stores and sends. */

/** Action.Submit: a card button's data arrives as `value`, with no text. */
export function isCardSubmit(activity: Partial<Activity>): boolean {
  return activity.value !== undefined && activity.value !== null && !activity.text?.trim();
}

/** The activity for a core reply: an answer card, the help card, or a plain apology. */
export function replyActivity(reply: BotReply, personal: boolean): Partial<Activity> {
  if (reply.kind === 'apology') return { type: 'message', text: reply.text };
  const content = reply.kind === 'help' ? buildWelcomeCard({ personal }) : buildAnswerCard(reply);
  return { type: 'message', attachments: [attachment(content)] };
}

export async function send(context: TurnContext, replies: Reply[]): Promise<void> {
  if (replies.length) await context.sendActivities(replies);
}

/** An Action.Execute answer Teams shows as a toast. */
export function messageResponse(text: string): AdaptiveCardInvokeResponse {
  // For type application/vnd.microsoft.activity.message Teams shows `value` (a string) as a toast.
  return { statusCode: 200, type: 'application/vnd.microsoft.activity.message', value: text as unknown as Record<string, unknown> };
}

/**
 * What of an inbound message activity the worker needs to answer it later, in a proactive turn: plain
 * JSON for the queue (the fields botbuilder and our handlers read: ids, text, value, mentions, tenant).
 */
export function storedActivity(a: Activity): Partial<Activity> {
  const keep: Array<keyof Activity> = [
    'type',
    'id',
    'timestamp',
    'serviceUrl',
    'channelId',
    'from',
    'conversation',
    'recipient',
    'text',
    'textFormat',
    'locale',
    'value',
    'entities',
    'channelData',
    'replyToId',
    'attachments',
  ];
  const out: Record<string, unknown> = {};
  for (const k of keep) if (a[k] !== undefined) out[k] = a[k];
  return JSON.parse(JSON.stringify(out)) as Partial<Activity>;
}
