import type { App } from '@slack/bolt';
import type { SlackDeps } from '../slack-deps';
import actions from './actions';
import commands from './commands';
import events from './events';

/** Every listener of the Slack app, one folder per kind (events, actions, commands). */
export function registerListeners(app: App, deps: SlackDeps): void {
  actions.register(app, deps);
  commands.register(app, deps);
  events.register(app, deps);
}
