import type { AllMiddlewareArgs, SlackEventMiddlewareArgs } from '@slack/bolt';
import { decideMention, type SlackMessageLike } from '../../incoming';
import { botFromContext, type SlackDeps, teamIdOf } from '../../slack-deps';
import { messageJob, turnKey } from '../../slack-jobs';

export type AppMentionArgs = Pick<AllMiddlewareArgs & SlackEventMiddlewareArgs<'app_mention'>, 'event' | 'body' | 'client' | 'context'>;

/**
 * `app_mention`: answered in the thread (thread_ts ?? ts). Slack also sends a `message` event for the
 * same mention; both map to the key `${channel}:${ts}`, so whichever is accepted first is answered.
 * Returns once the job is stored: Bolt acknowledges after that (processBeforeResponse).
 */
export async function handleAppMention(deps: SlackDeps, { event, body, context }: AppMentionArgs): Promise<void> {
  const e = event as SlackMessageLike;
  const decision = decideMention(e, botFromContext(context));
  if (decision.action !== 'answer') {
    deps.logger.debug(
      { component: 'slack', channel: e.channel, ts: e.ts, reason: decision.action === 'ignore' ? decision.reason : decision.action },
      'mention ignored',
    );
    return;
  }
  const { turn } = decision;
  await deps.accept(
    turnKey(turn),
    messageJob(teamIdOf(body.team_id, context.teamId, e.team), turn, { type: 'question', text: turn.text, messageId: turnKey(turn) }),
  );
}
