import type { App } from '@slack/bolt';
import type { SlackDeps } from '../../slack-deps';
import { handleAppHomeOpened } from './app-home-opened';
import { handleAppMention } from './app-mention';
import { handleMessage } from './message';

const register = (app: App, deps: SlackDeps): void => {
  app.event('message', (args) => handleMessage(deps, args));
  app.event('app_mention', (args) => handleAppMention(deps, args));
  app.event('app_home_opened', (args) => handleAppHomeOpened(deps, args));
};

export default { register };
