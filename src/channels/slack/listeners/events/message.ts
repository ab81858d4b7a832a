import type { AllMiddlewareArgs, SlackEventMiddlewareArgs } from '@slack/bolt';
import { answerTurn } from '../../answer-turn';
import { decideMessage, type SlackMessageLike } from '../../incoming';
import { botFromContext, teamIdOf, type SlackDeps } from '../../slack-deps';

export type MessageArgs = Pick<AllMiddlewareArgs & SlackEventMiddlewareArgs<'message'>, 'event' | 'body' | 'client' | 'context'>;

/**
 * `message` (message.im, message.channels, message.groups). Bolt has already acknowledged the event.
 * DMs are answered; in channels only messages that mention the bot and replies in threads the assistant
 * has answered. Bot messages, the bot's own posts, edits, deletions and joins are ignored.
 */
export async function handleMessage(deps: SlackDeps, { event, body, client, context }: MessageArgs): Promise<void> {
  const e = event as SlackMessageLike;
  const decision = decideMessage(e, botFromContext(context));
  if (decision.action === 'ignore') {
    deps.logger.debug({ component: 'slack', channel: e.channel, ts: e.ts, subtype: e.subtype, reason: decision.reason }, 'message ignored');
    return;
  }
  if (context.retryNum) deps.logger.info({ component: 'slack', channel: e.channel, ts: e.ts, retryNum: context.retryNum, retryReason: context.retryReason }, 'Slack redelivered a message event');
  await answerTurn(deps, client, teamIdOf(body.team_id, context.teamId, e.team), decision.turn,
    { onlyIfThreadAnswered: decision.action === 'answer-if-thread-answered' });
}
