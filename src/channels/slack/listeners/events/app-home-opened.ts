import type { AllMiddlewareArgs, SlackEventMiddlewareArgs, types } from '@slack/bolt';
import { dashboardHomeView } from '../../blocks/learning-blocks';
import { AGENT_GREETING, homeView, SUGGESTED_PROMPTS } from '../../blocks/notice-blocks';
import { slackUserToId } from '../../learning';
import { type SlackDeps, slackErrorCode, teamIdOf } from '../../slack-deps';

export type AppHomeOpenedArgs = Pick<AllMiddlewareArgs & SlackEventMiddlewareArgs<'app_home_opened'>, 'event' | 'client'> &
  Partial<Pick<AllMiddlewareArgs & SlackEventMiddlewareArgs<'app_home_opened'>, 'body' | 'context'>>;

/**
 * `app_home_opened`: publishes the Home tab: the person's learning dashboard (progress, recent quiz
 * results, recent recommendations) and the commands. When the dashboard cannot be built, the plain
 * help view, so the tab is never empty.
 */
export async function handleAppHomeOpened(deps: SlackDeps, args: AppHomeOpenedArgs): Promise<void> {
  const { event, client, body, context } = args;
  if (event.tab === 'messages') return greetInMessages(deps, args);
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

/**
 * `app_home_opened` on the Messages tab (the bot's DM, an agent chat with agent messaging): the first
 * time (no message of ours in the DM yet) a short greeting; every time the suggested prompts
 * (assistant.threads.setSuggestedPrompts, where the workspace has agent messaging). Each question the
 * person asks then gets its answer in its own thread. Failures are logged: the DM works without them.
 */
async function greetInMessages(deps: SlackDeps, { event, client, context }: AppHomeOpenedArgs): Promise<void> {
  const channel = (event as { channel?: unknown }).channel;
  if (typeof channel !== 'string' || typeof event.user !== 'string') return;
  const log = deps.logger.child({ component: 'slack', user: event.user, channel });
  await deps.ackGate.quiet();
  try {
    await client.assistant.threads.setSuggestedPrompts({ channel_id: channel, title: 'Try asking', prompts: [...SUGGESTED_PROMPTS] });
  } catch (err) {
    log.debug({ err, slackError: slackErrorCode(err) }, 'no suggested prompts here (agent messaging off?)');
  }
  try {
    const history = await client.conversations.history({ channel, limit: 20 });
    const ours = (history.messages ?? []).some((m) => (context?.botId && m.bot_id === context.botId) || m.user === context?.botUserId);
    if (ours) return;
    await client.chat.postMessage({ channel, text: AGENT_GREETING, blocks: [{ type: 'markdown', text: AGENT_GREETING }] });
    log.info({}, 'greeted a person opening the DM for the first time');
  } catch (err) {
    log.warn({ err, slackError: slackErrorCode(err) }, 'could not greet in the DM');
  }
}
