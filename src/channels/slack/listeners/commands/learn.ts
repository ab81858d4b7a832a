import type { AllMiddlewareArgs, SlackCommandMiddlewareArgs } from '@slack/bolt';
import { matchCommand } from '../../../../core/learning';
import { answerMessage } from '../../blocks/answer-blocks';
import { helpMessage } from '../../blocks/learning-blocks';
import { APOLOGY_TEXT, learnUsageMessage, noticeMessage } from '../../blocks/notice-blocks';
import { toPlainQuestion } from '../../incoming';
import { replyPrivately } from '../../private-reply';
import { teamIdOf, type SlackDeps } from '../../slack-deps';
import { runLearning } from './learning-commands';

export const LEARN_COMMAND = '/learn';

export type CommandArgs = Pick<AllMiddlewareArgs & SlackCommandMiddlewareArgs, 'ack' | 'command' | 'client' | 'respond' | 'context'>;

/**
 * `/learn <question>`: acknowledged at once (Slack shows an error after 3 s), then answered privately
 * through the response_url with the same blocks as a DM answer. Without a question: usage, in the ack.
 */
export async function handleLearn(deps: SlackDeps, { ack, command, client, respond, context }: CommandArgs): Promise<void> {
  const question = toPlainQuestion(typeof command.text === 'string' ? command.text : '', context.botUserId);
  if (!question) {
    const usage = learnUsageMessage(command.command || LEARN_COMMAND);
    await ack({ response_type: 'ephemeral', text: usage.text, blocks: usage.blocks });
    return;
  }
  // `/learn help`, and the keyword commands (`/learn progress`, `/learn quiz python`, …)
  const matched = matchCommand(question);
  if (matched?.id === 'help') {
    const help = helpMessage();
    await ack({ response_type: 'ephemeral', text: help.text, blocks: help.blocks });
    return;
  }
  await ack();

  const log = deps.logger.child({ component: 'slack', command: command.command, channel: command.channel_id, user: command.user_id });
  const target = { respond, responseUrl: command.response_url, client, channelId: command.channel_id, userId: command.user_id };
  if (matched) {
    await deps.work.run(() => runLearning(deps, matched, {
      client,
      teamId: teamIdOf(command.team_id, context.teamId),
      slackUserId: command.user_id,
      reply: async (message) => { await deps.ackGate.quiet(); await replyPrivately(target, message, log); },
    }, log, matched.id === 'report' ? question.replace(/^\/?report\b[:!?.]*\s*/i, '') : undefined));
    return;
  }
  await deps.work.run(async () => {
    let message;
    try {
      await deps.ackGate.quiet();
      const teamId = teamIdOf(command.team_id, context.teamId);
      const profile = await deps.profiles.get(client, teamId, command.user_id);
      const reply = await deps.conversation.handle({
        channel: 'slack',
        tenantId: teamId,
        platformUserId: command.user_id,
        ...(profile ? { profile } : {}),
        conversationId: command.channel_id,
        threadId: null,
        // a slash command has no message ts; its trigger_id is unique per invocation
        messageId: `command:${command.trigger_id}`,
        text: question,
      });
      if (reply.duplicate) return;
      message = answerMessage(reply);
    } catch (err) {
      log.error({ err }, '/learn failed; replying with an apology');
      message = noticeMessage(APOLOGY_TEXT);
    }
    await deps.ackGate.quiet();
    await replyPrivately(target, message, log);
  });
}
