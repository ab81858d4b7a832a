import type { BlockAction } from '@slack/bolt';
import { z } from 'zod';
import { isAppError } from '../../../../errors';
import type { SlackMessage } from '../../blocks/answer-blocks';
import { type ProgressSetValue, quizAnswersFromState, quizResultMessage, SLACK_COMMANDS } from '../../blocks/learning-blocks';
import { APOLOGY_TEXT, noticeMessage } from '../../blocks/notice-blocks';
import { LearningUnavailable, SlackLearning } from '../../learning';
import { replyPrivately } from '../../private-reply';
import { type SlackDeps, slackErrorCode } from '../../slack-deps';
import { clickingUser } from './interaction-user';
import type { ButtonArgs } from './rec-open';

const progressValueSchema = z.object({
  itemType: z.enum(['skill', 'course']),
  itemId: z.string().min(1).max(100),
  // out-of-range numbers pass here on purpose: the core refuses them with a message a person can act on
  percent: z.union([z.number(), z.literal('start'), z.literal('complete')]),
});

/** A progress_set button's value, or null when it is not one we made. */
export function parseProgressValue(value: unknown): ProgressSetValue | null {
  if (typeof value !== 'string') return null;
  try {
    const parsed = progressValueSchema.safeParse(JSON.parse(value));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

const INVALID_BUTTON = `That button doesn't work any more. Try \`${SLACK_COMMANDS.progress}\` again.`;

/** `progress_set` (Start / 50 % / Completed, or a choice after an ambiguous name): record it, say what changed. */
export async function handleProgressSet(deps: SlackDeps, { ack, action, body, client, respond }: ButtonArgs): Promise<void> {
  await ack();
  const log = deps.logger.child({ component: 'slack', action: action.action_id, user: body.user?.id });
  const target = { respond, responseUrl: body.response_url, client, channelId: body.channel?.id, userId: body.user.id };
  const value = parseProgressValue(action.value);
  let message: SlackMessage;
  try {
    if (!value) message = noticeMessage(INVALID_BUTTON);
    else {
      const userId = await clickingUser(deps, client, body);
      message = await new SlackLearning(deps).setProgress(userId, value, log);
    }
  } catch (err) {
    message = noticeMessage(failureText(err, log, 'recording progress from a button failed'));
  }
  await replyPrivately(target, message, log);
}

/**
 * `quiz_submit` (value = attempt id): the chosen options come from state.values; scored by the core,
 * the result posted in the conversation of the quiz (the DM). A second submission shows the stored
 * result with "already submitted"; an unknown attempt says so.
 */
export async function handleQuizSubmit(deps: SlackDeps, { ack, action, body, client, respond }: ButtonArgs): Promise<void> {
  await ack();
  const log = deps.logger.child({ component: 'slack', action: action.action_id, user: body.user?.id });
  const target = { respond, responseUrl: body.response_url, client, channelId: body.channel?.id, userId: body.user.id };
  const attemptId = typeof action.value === 'string' ? action.value : '';
  const answers = quizAnswersFromState((body as BlockAction & { state?: { values?: unknown } }).state?.values);
  let message: SlackMessage;
  let isResult = false;
  try {
    if (!deps.learning) throw new LearningUnavailable();
    if (!/^[0-9a-f-]{36}$/i.test(attemptId)) {
      message = noticeMessage(`I can't find that quiz attempt. Say \`${SLACK_COMMANDS.quiz}\` to start a new one.`);
    } else {
      const userId = await clickingUser(deps, client, body);
      const r = await deps.learning.quizzes.submitQuiz(userId, attemptId, answers);
      log.info(
        {
          userId,
          attemptId,
          kind: r.kind,
          answered: Object.keys(answers).length,
          ...(r.kind === 'scored' ? { score: r.result.score, late: r.result.late } : {}),
        },
        'quiz submitted',
      );
      if (r.kind === 'scored') {
        message = quizResultMessage(r.result);
        isResult = true;
      } else if (r.kind === 'already_submitted') message = quizResultMessage(r.result, { note: r.message });
      else message = noticeMessage(r.message);
    }
  } catch (err) {
    message = noticeMessage(failureText(err, log, 'submitting a quiz failed'));
  }
  // A new result goes into the DM as a message of its own (it stays there); anything else privately.
  if (isResult && body.channel?.id) {
    try {
      await client.chat.postMessage({ channel: body.channel.id, text: message.text, blocks: message.blocks });
      return;
    } catch (err) {
      log.warn({ err, slackError: slackErrorCode(err) }, 'could not post the quiz result; replying privately');
    }
  }
  await replyPrivately(target, message, log);
}

function failureText(err: unknown, log: ReturnType<SlackDeps['logger']['child']>, what: string): string {
  if (err instanceof LearningUnavailable) return err.message;
  if (isAppError(err, 'NOT_FOUND')) return err.message;
  log.error({ err }, what);
  return APOLOGY_TEXT;
}
