import type { App } from '@slack/bolt';
import type { SlackDeps } from '../../slack-deps';
import { afterAck } from '../after-ack';
import { type AppHomeOpenedArgs, handleAppHomeOpened } from './app-home-opened';
import { handleAppMention } from './app-mention';
import { handleMessage } from './message';

const register = (app: App, deps: SlackDeps): void => {
  app.event('message', (args) => handleMessage(deps, args));
  app.event('app_mention', (args) => handleAppMention(deps, args));
  app.event(
    'app_home_opened',
    afterAck(deps.logger, 'app_home_opened', (args: AppHomeOpenedArgs) => handleAppHomeOpened(deps, args)),
  );
};

export default { register };
