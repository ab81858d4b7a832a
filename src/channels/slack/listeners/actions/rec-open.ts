import type { AllMiddlewareArgs, BlockAction, ButtonAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import { isAppError } from '../../../../errors';
import { cardTitleFromBlocks } from '../../blocks/answer-blocks';
import { APOLOGY_TEXT, clickNotice, noticeMessage } from '../../blocks/notice-blocks';
import { replyPrivately } from '../../private-reply';
import type { SlackDeps } from '../../slack-deps';
import { clickingUser } from './interaction-user';

export type ButtonArgs = Pick<
  AllMiddlewareArgs & SlackActionMiddlewareArgs<BlockAction<ButtonAction>>,
  'ack' | 'action' | 'body' | 'client' | 'respond'
>;

/**
 * `rec_open` (the Start / Read button on a recommendation card): ack, mark the recommendation clicked
 * (a course or skill also starts learning progress) and tell the person privately what happened.
 */
export async function handleRecOpen(deps: SlackDeps, { ack, action, body, client, respond }: ButtonArgs): Promise<void> {
  await ack();
  const log = deps.logger.child({ component: 'slack', action: action.action_id, user: body.user?.id });
  const target = { respond, responseUrl: body.response_url, client, channelId: body.channel?.id, userId: body.user.id };
  const recommendationId = typeof action.value === 'string' ? action.value : '';
  let text: string;
  try {
    if (!recommendationId) throw new Error('rec_open button without a value');
    const userId = await clickingUser(deps, client, body);
    const result = await deps.interactions.clickRecommendation(userId, recommendationId);
    log.info({ recommendationId, type: result.type, started: result.started }, 'recommendation clicked');
    text = clickNotice(result, cardTitleFromBlocks(body.message?.blocks, recommendationId));
  } catch (err) {
    if (isAppError(err, 'NOT_FOUND')) {
      text = err.message;
    } else {
      log.error({ err, recommendationId }, 'recording a recommendation click failed');
      text = APOLOGY_TEXT;
    }
  }
  await replyPrivately(target, noticeMessage(text), log);
}
