import { z } from 'zod';

/**
 * What the card buttons post back. Action.Submit delivers it as `activity.value` of a message activity
 * (no text); Action.Execute as `activity.value.action.data` of an `adaptiveCard/action` invoke.
 */
export type CardActionData =
  | { action: 'rec_open'; recommendationId: string }
  | { action: 'feedback'; value: 1 | -1; chatMessageId: string }
  /** a progress button: the percentage is range-checked by the core (ProgressService.updateProgress) */
  | { action: 'progress_set'; itemType: 'skill' | 'course'; itemId: string; percent: number | 'start' | 'complete' }
  /** the quiz card's Submit: `answers` are the Input.ChoiceSet values, question id → choice id */
  | { action: 'quiz_submit'; attemptId: string; answers: Record<string, string> }
  /** "Try again" on a quiz result */
  | { action: 'quiz_start'; assessmentId: string };

/** The Input.ChoiceSet ids of a quiz card: this prefix and the question id. */
export const QUIZ_INPUT_PREFIX = 'quiz_answer:';

const id = z.string().min(1).max(200);

const schema = z.discriminatedUnion('action', [
  z.object({ action: z.literal('rec_open'), recommendationId: z.string().uuid() }),
  z.object({ action: z.literal('feedback'), value: z.union([z.literal(1), z.literal(-1)]), chatMessageId: z.string().uuid() }),
  z.object({
    action: z.literal('progress_set'),
    itemType: z.enum(['skill', 'course']),
    itemId: id,
    percent: z.union([z.number(), z.enum(['start', 'complete'])]),
  }),
  z.object({ action: z.literal('quiz_submit'), attemptId: id }),
  z.object({ action: z.literal('quiz_start'), assessmentId: id }),
]);

export const recOpenData = (recommendationId: string): CardActionData => ({ action: 'rec_open', recommendationId });
export const feedbackData = (chatMessageId: string, value: 1 | -1): CardActionData => ({ action: 'feedback', value, chatMessageId });
export const progressSetData = (itemType: 'skill' | 'course', itemId: string, percent: number | 'start' | 'complete') =>
  ({ action: 'progress_set', itemType, itemId, percent }) as const;
export const quizSubmitData = (attemptId: string) => ({ action: 'quiz_submit', attemptId }) as const;
export const quizStartData = (assessmentId: string) => ({ action: 'quiz_start', assessmentId }) as const;

/** The button data if it is one of ours (extra fields, e.g. Teams' `msteams`, are ignored); otherwise null. */
export function parseCardAction(value: unknown): CardActionData | null {
  const parsed = schema.safeParse(value);
  if (!parsed.success) return null;
  if (parsed.data.action === 'quiz_submit') return { ...parsed.data, answers: quizAnswersOf(value as Record<string, unknown>) };
  return parsed.data as CardActionData;
}

/** The chosen answers of a submitted quiz card: string values of the prefixed inputs (unanswered ones are left out). */
export function quizAnswersOf(value: Record<string, unknown>): Record<string, string> {
  // fromEntries defines own properties, so a key like "__proto__" cannot reach the prototype
  return Object.fromEntries(
    Object.entries(value)
      .filter(([key, v]) => key.startsWith(QUIZ_INPUT_PREFIX) && typeof v === 'string' && v)
      .map(([key, v]) => [key.slice(QUIZ_INPUT_PREFIX.length), v as string]),
  );
}
