import type { AllMiddlewareArgs, SlackEventMiddlewareArgs } from '@slack/bolt';
import { homeView } from '../../blocks/notice-blocks';
import { slackErrorCode, type SlackDeps } from '../../slack-deps';

export type AppHomeOpenedArgs = Pick<AllMiddlewareArgs & SlackEventMiddlewareArgs<'app_home_opened'>, 'event' | 'client'>;

/** `app_home_opened`: publishes the Home tab (what the assistant does and how to ask it). */
export async function handleAppHomeOpened(deps: SlackDeps, { event, client }: AppHomeOpenedArgs): Promise<void> {
  if (event.tab !== 'home' || typeof event.user !== 'string') return;
  try {
    await client.views.publish({ user_id: event.user, view: homeView() });
  } catch (err) {
    deps.logger.warn({ component: 'slack', err, slackError: slackErrorCode(err), user: event.user }, 'could not publish the App Home tab');
  }
}
