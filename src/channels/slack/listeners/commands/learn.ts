import type { AllMiddlewareArgs, SlackCommandMiddlewareArgs } from '@slack/bolt';
import { matchCommand, slashCommandFor } from '../../../../core/learning';
import { helpMessage } from '../../blocks/learning-blocks';
import { learnUsageMessage, NOT_ACCEPTED_TEXT } from '../../blocks/notice-blocks';
import { toPlainQuestion } from '../../incoming';
import { type SlackDeps, teamIdOf } from '../../slack-deps';
import type { SlackJob } from '../../slack-jobs';

/** The slash command that answers a question privately (from the core's definition). */
export const LEARN_COMMAND = slashCommandFor('learn');

export type CommandArgs = Pick<AllMiddlewareArgs & SlackCommandMiddlewareArgs, 'ack' | 'command' | 'client' | 'respond' | 'context'>;

/**
 * `/learn <question>`: acknowledged once its job is stored, then answered privately by a worker through
 * the response_url with the same blocks as a DM answer. Without a question: usage, in the ack.
 */
export async function handleLearn(deps: SlackDeps, { ack, command, context }: CommandArgs): Promise<void> {
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
  const teamId = teamIdOf(command.team_id, context.teamId);
  const action = matched
    ? {
        type: 'command' as const,
        command: matched,
        ...(matched.id === 'report' ? { reportText: question.replace(/^\/?report\b[:!?.]*\s*/i, '') } : {}),
      }
    : // a slash command has no message ts; its trigger_id is unique per invocation
      { type: 'question' as const, text: question, messageId: `command:${command.trigger_id}` };
  await acceptCommand(deps, ack, command, {
    v: 1,
    teamId,
    user: command.user_id,
    target: { type: 'response_url', url: command.response_url, channel: command.channel_id },
    action,
  });
}

/**
 * Stores the command's job, then acknowledges it (Slack shows the person an error after 3 s, and does
 * not retry slash commands): when it cannot be stored, the ack itself says so, honestly.
 */
export async function acceptCommand(
  deps: SlackDeps,
  ack: CommandArgs['ack'],
  command: CommandArgs['command'],
  job: SlackJob,
): Promise<void> {
  try {
    await deps.accept(`command:${command.trigger_id}`, job);
  } catch (err) {
    deps.logger.error({ err, component: 'slack', command: command.command, user: command.user_id }, 'could not accept a slash command');
    await ack({ response_type: 'ephemeral', text: NOT_ACCEPTED_TEXT });
    return;
  }
  await ack();
}
