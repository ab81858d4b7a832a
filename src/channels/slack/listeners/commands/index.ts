import type { App } from '@slack/bolt';
import { SLACK_SLASH_COMMANDS } from '../../../../core/learning';
import type { SlackDeps } from '../../slack-deps';
import { type CommandArgs, handleLearn, LEARN_COMMAND } from './learn';
import { handleLearningCommand } from './learning-commands';

type Handler = (deps: SlackDeps, args: CommandArgs) => Promise<void>;

/**
 * Every slash command of the core's definition (manifests/slack/manifest.yml declares the same, a test
 * checks), with its aliases: /learn answers a question (or a keyword command), the others run their
 * learning command.
 */
export const SLASH_COMMAND_HANDLERS: ReadonlyArray<{ command: string; handler: Handler }> = SLACK_SLASH_COMMANDS.flatMap((c) =>
  [c.command, ...(c.aliases ?? [])].map((command) => ({ command, handler: c.id === 'learn' ? handleLearn : handleLearningCommand })),
);

const KNOWN = SLASH_COMMAND_HANDLERS.map((h) => h.command);

const register = (app: App, deps: SlackDeps): void => {
  for (const { command, handler } of SLASH_COMMAND_HANDLERS) app.command(command, (args) => handler(deps, args));
  // A command this app does not know (renamed in the app settings, or added before its code): say so.
  app.command(new RegExp(`^(?!(?:${KNOWN.map((c) => c.replace(/[-/]/g, '\\$&')).join('|')})$)`), async ({ ack, command }) => {
    deps.logger.warn({ component: 'slack', command: command.command }, 'slash command without a handler');
    await ack({ response_type: 'ephemeral', text: `I don't know ${command.command} (yet). Try \`${LEARN_COMMAND} help\`.` });
  });
};

export default { register };
