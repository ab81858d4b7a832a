import { cleanQuizTopic, type MatchedCommand, parseProgressCommand, parseReportTarget, slashCommandId } from '../../../../core/learning';
import { isTransient } from '../../../../core/transient-errors';
import type { Logger } from '../../../../observability/logger';
import { SLACK_COMMANDS } from '../../blocks/learning-blocks';
import { APOLOGY_TEXT, noticeMessage } from '../../blocks/notice-blocks';
import { type LearningRequest, LearningUnavailable, SlackLearning } from '../../learning';
import { type SlackDeps, teamIdOf } from '../../slack-deps';
import { acceptCommand, type CommandArgs } from './learn';

/** What a learning slash command asks for, or a usage message when its text does not fit. */
export function slashToCommand(command: string, text: string): MatchedCommand | { usage: string } {
  const t = (text ?? '').trim();
  switch (slashCommandId(command)) {
    case 'progress': {
      const p = parseProgressCommand(t);
      if (p.action === 'list') return { id: 'progress' };
      if (p.action === 'update') return { id: 'progress_update', itemQuery: p.itemQuery, percent: p.percent };
      return { usage: p.message.replace(/“progress /g, `“${SLACK_COMMANDS.progress} `) };
    }
    case 'quiz':
      return { id: 'quiz', topic: cleanQuizTopic(t) || null };
    case 'recommend':
      return { id: 'recommend' };
    case 'dashboard':
      return { id: 'dashboard' };
    default: // /learning-report, /report
      return { id: 'report', target: parseReportTarget(t) };
  }
}

/**
 * `/learning-report`, `/progress`, `/quiz`, `/recommend`, `/dashboard`: acknowledged once the job is
 * stored, then answered privately by a worker through the response_url. Files (report) and quizzes go
 * to the person's DM.
 */
export async function handleLearningCommand(deps: SlackDeps, { ack, command, context }: CommandArgs): Promise<void> {
  const text = typeof command.text === 'string' ? command.text : '';
  const cmd = slashToCommand(command.command, text);
  if ('usage' in cmd) {
    await ack({ response_type: 'ephemeral', text: cmd.usage });
    return;
  }
  await acceptCommand(deps, ack, command, {
    v: 1,
    teamId: teamIdOf(command.team_id, context.teamId),
    user: command.user_id,
    target: { type: 'response_url', url: command.response_url, channel: command.channel_id },
    action: { type: 'command', command: cmd, reportText: text },
  });
}

/** Runs a learning command; failures become an apology (or "not switched on") to the person, never a throw. */
export async function runLearning(
  deps: SlackDeps,
  cmd: MatchedCommand,
  req: LearningRequest,
  log: Logger,
  reportText?: string,
): Promise<void> {
  try {
    await deps.ackGate.quiet();
    await new SlackLearning(deps).run(cmd, req, log, { reportText });
  } catch (err) {
    if (isTransient(err)) throw err; // the queue retries it
    if (err instanceof LearningUnavailable) {
      log.warn({}, 'learning command, but the Slack channel was created without the learning loop');
      await req.reply(noticeMessage(err.message));
      return;
    }
    log.error({ err, learningCommand: cmd.id }, 'learning command failed; replying with an apology');
    await req.reply(noticeMessage(APOLOGY_TEXT));
  }
}
