import type { AllMiddlewareArgs, SlackEventMiddlewareArgs } from '@slack/bolt';
import { matchCommand } from '../../../../core/learning';
import { decideMessage, type SlackMessageLike } from '../../incoming';
import { botFromContext, type SlackDeps, teamIdOf } from '../../slack-deps';
import { messageJob, turnKey } from '../../slack-jobs';

export type MessageArgs = Pick<AllMiddlewareArgs & SlackEventMiddlewareArgs<'message'>, 'event' | 'body' | 'client' | 'context'>;

/**
 * `message` (message.im, message.channels, message.groups). DMs are answered; in channels only
 * messages that mention the bot and replies in threads the assistant has answered (checked by the
 * worker). Bot messages, the bot's own posts, edits, deletions and joins are ignored.
 * A top-level DM that is a keyword command ("help", "progress", "quiz python", "report Sales", …) runs
 * the command instead of being answered as a question.
 * Returns once the job is stored: Bolt acknowledges after that (processBeforeResponse); a failure to
 * store it throws, Slack gets a 5xx and delivers the event again.
 */
export async function handleMessage(deps: SlackDeps, { event, body, context }: MessageArgs): Promise<void> {
  const e = event as SlackMessageLike;
  const decision = decideMessage(e, botFromContext(context));
  if (decision.action === 'ignore') {
    deps.logger.debug({ component: 'slack', channel: e.channel, ts: e.ts, subtype: e.subtype, reason: decision.reason }, 'message ignored');
    return;
  }
  if (context.retryNum)
    deps.logger.info(
      { component: 'slack', channel: e.channel, ts: e.ts, retryNum: context.retryNum, retryReason: context.retryReason },
      'Slack redelivered a message event',
    );
  const { turn } = decision;
  const teamId = teamIdOf(body.team_id, context.teamId, e.team);
  const isDm =
    (typeof e.channel_type === 'string' ? e.channel_type : '') === 'im' ||
    (typeof e.channel === 'string' && e.channel.startsWith('D') && e.channel_type === undefined);
  const command = decision.action === 'answer' && isDm ? matchCommand(turn.text) : null;
  const action = command
    ? {
        type: 'command' as const,
        command,
        dmChannel: turn.channel,
        ...(command.id === 'report' && typeof e.text === 'string' ? { reportText: e.text.replace(/^\s*\/?report\b[:!?.]*\s*/i, '') } : {}),
      }
    : {
        type: 'question' as const,
        text: turn.text,
        messageId: turnKey(turn),
        ...(decision.action === 'answer-if-thread-answered' ? { onlyIfThreadAnswered: true } : {}),
      };
  await deps.accept(turnKey(turn), messageJob(teamId, turn, action));
}
