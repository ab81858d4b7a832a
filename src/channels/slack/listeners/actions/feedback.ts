import { isAppError } from '../../../../errors';
import { ACTION_FEEDBACK_UP } from '../../blocks/answer-blocks';
import { APOLOGY_TEXT, feedbackNotice, noticeMessage } from '../../blocks/notice-blocks';
import { replyPrivately } from '../../private-reply';
import type { SlackDeps } from '../../slack-deps';
import { clickingUser } from './interaction-user';
import type { ButtonArgs } from './rec-open';

/**
 * `feedback_up` / `feedback_down` (👍/👎 under an answer, value = chat_messages id): ack, store the
 * feedback (only the person who asked may give it) and thank them privately.
 */
export async function handleFeedback(deps: SlackDeps, { ack, action, body, client, respond }: ButtonArgs): Promise<void> {
  await ack();
  const value = action.action_id === ACTION_FEEDBACK_UP ? 1 : -1;
  const log = deps.logger.child({ component: 'slack', action: action.action_id, user: body.user?.id });
  const target = { respond, responseUrl: body.response_url, client, channelId: body.channel?.id, userId: body.user.id };
  const chatMessageId = typeof action.value === 'string' ? action.value : '';
  let text: string;
  try {
    if (!chatMessageId) throw new Error('feedback button without a value');
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
