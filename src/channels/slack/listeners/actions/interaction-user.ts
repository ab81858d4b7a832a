import type { BlockAction, webApi } from '@slack/bolt';
import type { SlackDeps } from '../../slack-deps';
import { teamIdOf } from '../../slack-deps';

/** The users.id of the person who clicked (same tenant and profile lookup as their messages). */
export async function clickingUser(deps: SlackDeps, client: webApi.WebClient, body: BlockAction): Promise<string> {
  const teamId = teamIdOf(body.team?.id, body.user.team_id);
  const profile = await deps.profiles.get(client, teamId, body.user.id);
  return deps.identities.resolve({ channel: 'slack', tenantId: teamId, platformUserId: body.user.id, ...(profile ? { profile } : {}) });
}
