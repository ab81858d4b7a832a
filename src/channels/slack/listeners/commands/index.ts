import type { App } from '@slack/bolt';
import type { SlackDeps } from '../../slack-deps';
import { handleLearn, LEARN_COMMAND } from './learn';
import { handleLearningCommand, LEARNING_SLASH_COMMANDS } from './learning-commands';

const KNOWN = [LEARN_COMMAND, ...LEARNING_SLASH_COMMANDS];

const register = (app: App, deps: SlackDeps): void => {
  app.command(LEARN_COMMAND, (args) => handleLearn(deps, args));
  for (const command of LEARNING_SLASH_COMMANDS) app.command(command, (args) => handleLearningCommand(deps, args));
  // A command this app does not know (renamed in the app settings, or added before its code): say so.
  app.command(new RegExp(`^(?!(?:${KNOWN.map((c) => c.replace(/[-/]/g, '\\$&')).join('|')})$)`), async ({ ack, command }) => {
    deps.logger.warn({ component: 'slack', command: command.command }, 'slash command without a handler');
    await ack({ response_type: 'ephemeral', text: `I don't know ${command.command} (yet). Try \`${LEARN_COMMAND} help\`.` });
  });
};

export default { register };
