import type { AllMiddlewareArgs, SlackEventMiddlewareArgs } from '@slack/bolt';
import { matchCommand } from '../../../../core/learning';
import { answerTurn } from '../../answer-turn';
import { decideMessage, type SlackMessageLike } from '../../incoming';
import { slackErrorCode } from '../../slack-deps';
import { botFromContext, teamIdOf, type SlackDeps } from '../../slack-deps';
import { runLearning } from '../commands/learning-commands';

export type MessageArgs = Pick<AllMiddlewareArgs & SlackEventMiddlewareArgs<'message'>, 'event' | 'body' | 'client' | 'context'>;

/**
 * `message` (message.im, message.channels, message.groups). Bolt has already acknowledged the event.
 * DMs are answered; in channels only messages that mention the bot and replies in threads the assistant
 * has answered. Bot messages, the bot's own posts, edits, deletions and joins are ignored.
 * A top-level DM that is a keyword command ("help", "progress", "quiz python", "report Sales", …) runs
 * the command instead of being answered as a question.
 */
export async function handleMessage(deps: SlackDeps, { event, body, client, context }: MessageArgs): Promise<void> {
  const e = event as SlackMessageLike;
  const decision = decideMessage(e, botFromContext(context));
  if (decision.action === 'ignore') {
    deps.logger.debug({ component: 'slack', channel: e.channel, ts: e.ts, subtype: e.subtype, reason: decision.reason }, 'message ignored');
    return;
  }
  if (context.retryNum) deps.logger.info({ component: 'slack', channel: e.channel, ts: e.ts, retryNum: context.retryNum, retryReason: context.retryReason }, 'Slack redelivered a message event');
  const teamId = teamIdOf(body.team_id, context.teamId, e.team);
  const isDm = (typeof e.channel_type === 'string' ? e.channel_type : '') === 'im' || (typeof e.channel === 'string' && e.channel.startsWith('D') && e.channel_type === undefined);
  const command = decision.action === 'answer' && isDm ? matchCommand(decision.turn.text) : null;
  if (command) {
    const { turn } = decision;
    const log = deps.logger.child({ component: 'slack', channel: turn.channel, ts: turn.ts, user: turn.user, learningCommand: command.id });
    await deps.work.run(async () => {
      await deps.ackGate.quiet();
      // the same de-duplication key as a question: a redelivered event runs the command once
      if (!(await deps.interactions.claimEvent('slack', `${turn.channel}:${turn.ts}`))) return;
      const reportText = command.id === 'report' && typeof e.text === 'string' ? e.text.replace(/^\s*\/?report\b[:!?.]*\s*/i, '') : undefined;
      await runLearning(deps, command, {
        client,
        teamId,
        slackUserId: turn.user,
        dmChannel: turn.channel,
        reply: async (message) => {
          await deps.ackGate.quiet();
          try {
            await client.chat.postMessage({ channel: turn.channel, text: message.text, blocks: message.blocks, ...(turn.replyThreadTs ? { thread_ts: turn.replyThreadTs } : {}) });
          } catch (err) {
            log.error({ err, slackError: slackErrorCode(err) }, 'could not post the reply to a DM command');
          }
        },
      }, log, reportText);
    }).catch((err) => log.error({ err }, 'could not run a DM command'));
    return;
  }
  await answerTurn(deps, client, teamId, decision.turn,
    { onlyIfThreadAnswered: decision.action === 'answer-if-thread-answered' });
}
