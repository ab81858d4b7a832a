import { z } from 'zod';

/**
 * What the card buttons post back. Action.Submit delivers it as `activity.value` of a message activity
 * (no text); Action.Execute as `activity.value.action.data` of an `adaptiveCard/action` invoke.
 */
export type CardActionData =
  | { action: 'rec_open'; recommendationId: string }
  | { action: 'feedback'; value: 1 | -1; chatMessageId: string };

const schema = z.discriminatedUnion('action', [
  z.object({ action: z.literal('rec_open'), recommendationId: z.string().uuid() }),
  z.object({ action: z.literal('feedback'), value: z.union([z.literal(1), z.literal(-1)]), chatMessageId: z.string().uuid() }),
]);

export const recOpenData = (recommendationId: string): CardActionData => ({ action: 'rec_open', recommendationId });
export const feedbackData = (chatMessageId: string, value: 1 | -1): CardActionData => ({ action: 'feedback', value, chatMessageId });

/** The button data if it is one of ours (extra fields, e.g. Teams' `msteams`, are ignored); otherwise null. */
export function parseCardAction(value: unknown): CardActionData | null {
  const parsed = schema.safeParse(value);
  return parsed.success ? (parsed.data as CardActionData) : null;
}
