import type { RespondFn, webApi } from '@slack/bolt';
import type { Logger } from '../../observability/logger';
import type { SlackMessage } from './blocks/answer-blocks';
import { slackErrorCode } from './slack-deps';

export interface PrivateReplyTarget {
  /** Bolt's respond() (present when the payload has a response_url) */
  respond?: RespondFn;
  responseUrl?: string;
  client: webApi.WebClient;
  channelId?: string;
  userId: string;
}

/**
 * Replies so that only the person sees it: through the response_url when there is one (works in
 * channels the bot is not in, and for clicks on ephemeral messages), else chat.postEphemeral.
 * A failure is logged, never thrown.
 */
export async function replyPrivately(target: PrivateReplyTarget, message: SlackMessage, log: Logger): Promise<boolean> {
  try {
    if (target.respond && target.responseUrl) {
      await target.respond({ response_type: 'ephemeral', replace_original: false, text: message.text, blocks: message.blocks });
      return true;
    }
    if (target.channelId) {
      await target.client.chat.postEphemeral({
        channel: target.channelId,
        user: target.userId,
        text: message.text,
        blocks: message.blocks,
      });
      return true;
    }
    log.warn({ user: target.userId }, 'no response_url and no channel: cannot reply privately');
  } catch (err) {
    log.error({ err, slackError: slackErrorCode(err), user: target.userId, channel: target.channelId }, 'could not send the private reply');
  }
  return false;
}
