import type { AllMiddlewareArgs, SlackEventMiddlewareArgs, types } from '@slack/bolt';
import { dashboardHomeView } from '../../blocks/learning-blocks';
import { homeView } from '../../blocks/notice-blocks';
import { slackUserToId } from '../../learning';
import { type SlackDeps, slackErrorCode, teamIdOf } from '../../slack-deps';

export type AppHomeOpenedArgs = Pick<AllMiddlewareArgs & SlackEventMiddlewareArgs<'app_home_opened'>, 'event' | 'client'> &
  Partial<Pick<AllMiddlewareArgs & SlackEventMiddlewareArgs<'app_home_opened'>, 'body' | 'context'>>;

/**
 * `app_home_opened`: publishes the Home tab: the person's learning dashboard (progress, recent quiz
 * results, recent recommendations) and the commands. When the dashboard cannot be built, the plain
 * help view, so the tab is never empty.
 */
export async function handleAppHomeOpened(deps: SlackDeps, { event, client, body, context }: AppHomeOpenedArgs): Promise<void> {
  if (event.tab !== 'home' || typeof event.user !== 'string') return;
  const log = deps.logger.child({ component: 'slack', user: event.user });
  let view: types.HomeView = homeView();
  if (deps.learning) {
    try {
      await deps.ackGate.quiet();
      const userId = await slackUserToId(deps, client, teamIdOf(body?.team_id, context?.teamId), event.user);
      view = dashboardHomeView(await deps.learning.dashboard.personalDashboard(userId));
    } catch (err) {
      log.error({ err }, 'could not build the dashboard for the Home tab; publishing the help view');
    }
  }
  try {
    await client.views.publish({ user_id: event.user, view });
  } catch (err) {
    log.warn({ err, slackError: slackErrorCode(err) }, 'could not publish the App Home tab');
  }
}
