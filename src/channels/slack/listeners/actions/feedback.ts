import type { AllMiddlewareArgs, BlockAction, FeedbackButtonsAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import type { FeedbackValue } from '../../../../core/interaction-service';
import { isAppError } from '../../../../errors';
import { ACTION_FEEDBACK_UP, parseFeedbackValue } from '../../blocks/answer-blocks';
import { APOLOGY_TEXT, feedbackNotice, noticeMessage } from '../../blocks/notice-blocks';
import { replyPrivately } from '../../private-reply';
import type { SlackDeps } from '../../slack-deps';
import { clickingUser } from './interaction-user';
import type { ButtonArgs } from './rec-open';

export type FeedbackButtonsArgs = Pick<
  AllMiddlewareArgs & SlackActionMiddlewareArgs<BlockAction<FeedbackButtonsAction>>,
  'ack' | 'action' | 'body' | 'client' | 'respond'
>;

/**
 * `feedback_up` / `feedback_down` (our 👍/👎 under a posted answer, value = chat_messages id): ack,
 * store the feedback (only the person who asked may give it) and thank them privately.
 */
export async function handleFeedback(deps: SlackDeps, args: ButtonArgs): Promise<void> {
  await args.ack();
  const chatMessageId = typeof args.action.value === 'string' ? args.action.value : '';
  await recordFeedback(deps, args, args.action.action_id, chatMessageId, args.action.action_id === ACTION_FEEDBACK_UP ? 1 : -1);
}

/**
 * `answer_feedback` (Slack's feedback_buttons under a streamed answer, value `up:<id>` / `down:<id>`):
 * the same, stored on the same chat message.
 */
export async function handleFeedbackButtons(deps: SlackDeps, args: FeedbackButtonsArgs): Promise<void> {
  await args.ack();
  const parsed = parseFeedbackValue(args.action.value);
  await recordFeedback(deps, args, args.action.action_id, parsed?.chatMessageId ?? '', parsed?.value ?? 1);
}

async function recordFeedback(
  deps: SlackDeps,
  { body, client, respond }: Pick<ButtonArgs, 'client' | 'respond'> & { body: BlockAction },
  actionId: string,
  chatMessageId: string,
  value: FeedbackValue,
): Promise<void> {
  const log = deps.logger.child({ component: 'slack', action: actionId, user: body.user?.id });
  const target = { respond, responseUrl: body.response_url, client, channelId: body.channel?.id, userId: body.user.id };
  let text: string;
  try {
    if (!chatMessageId) throw new Error('feedback button without a value we made');
    const userId = await clickingUser(deps, client, body);
    await deps.interactions.recordFeedback(userId, chatMessageId, value);
    log.info({ chatMessageId, value }, 'answer feedback recorded');
    text = feedbackNotice(value);
  } catch (err) {
    if (isAppError(err, 'NOT_FOUND')) {
      text = err.message;
    } else {
      log.error({ err, chatMessageId }, 'recording answer feedback failed');
      text = APOLOGY_TEXT;
    }
  }
  await replyPrivately(target, noticeMessage(text), log);
}
