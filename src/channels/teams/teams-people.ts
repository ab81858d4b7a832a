import { TeamsInfo, TurnContext } from 'botbuilder';
import type { IdentityService } from '../../core/identity-service';
import type { ReportTarget } from '../../core/learning';
import type { UserProfile } from '../../core/messages';
import type { Logger } from '../../observability/logger';
import { platformUserOf, tenantOf } from './activity';
import { MemberProfileCache } from './member-cache';

export interface TeamsPeopleDeps {
  identities: IdentityService;
  /** requests are authenticated (an app id): member lookups then reach the real Bot Connector, and their emails may link accounts */
  authenticated: boolean;
  /** how long a TeamsInfo.getMember result is reused */
  memberCacheMs: number;
  /** give up on TeamsInfo.getMember after this long and use the activity's from.name */
  memberLookupTimeoutMs: number;
}

/**
 * Who is behind a Teams activity: the users.id of its sender (created on first contact) with the name
 * and email TeamsInfo.getMember gives (cached), and the person a report command @mentions.
 */
export class TeamsPeople {
  private readonly members: MemberProfileCache;

  constructor(private readonly deps: TeamsPeopleDeps) {
    this.members = new MemberProfileCache({ ttlMs: deps.memberCacheMs });
  }

  /** The users.id of whoever sent this activity (created on first contact). */
  async userOf(context: TurnContext, log: Logger): Promise<string> {
    const activity = context.activity;
    return this.deps.identities.resolve({
      channel: 'teams',
      tenantId: tenantOf(activity),
      platformUserId: platformUserOf(activity),
      profile: await this.profileFor(context, log),
    });
  }

  /**
   * Name and email from TeamsInfo.getMember on first contact (cached); when that fails, e.g. in the
   * Emulator, the name Teams put on the activity.
   */
  async profileFor(context: TurnContext, log: Logger): Promise<UserProfile | undefined> {
    const activity = context.activity;
    const key = `${tenantOf(activity)}:${activity.from.id}`;
    const cached = this.members.get(key);
    if (cached) return cached.profile;
    const fallback: UserProfile | undefined = activity.from.name ? { name: activity.from.name } : undefined;
    try {
      const lookup = await withDeadline(TeamsInfo.getMember(context, activity.from.id), this.deps.memberLookupTimeoutMs);
      if (!lookup.done) throw new Error(`TeamsInfo.getMember took over ${this.deps.memberLookupTimeoutMs} ms`);
      const m = lookup.value;
      // the email is Teams' word only when the connector we asked was authenticated (not in local mode)
      const profile: UserProfile = {
        name: m.name || activity.from.name || undefined,
        email: m.email || undefined,
        emailVerified: this.deps.authenticated,
      };
      this.members.set(key, profile);
      return profile;
    } catch (err) {
      log.debug({ err }, 'TeamsInfo.getMember failed; using from.name');
      this.members.set(key, fallback, Math.min(60_000, this.deps.memberCacheMs));
      return fallback;
    }
  }

  /**
   * "report @Grace": the first person @mentioned (not the bot), looked up with TeamsInfo.getMember for
   * their Entra object id and email, then found (or, if unknown, created) through the IdentityService
   * like anyone who messages the bot. Without a mention, the target the core parsed from the text.
   */
  async reportTarget(
    context: TurnContext,
    parsed: ReportTarget,
    log: Logger,
  ): Promise<(ReportTarget & { name?: string }) | { error: string }> {
    const activity = context.activity;
    const mention = TurnContext.getMentions(activity).find((m) => m.mentioned?.id && m.mentioned.id !== activity.recipient?.id);
    if (!mention) return parsed;
    const name = mention.mentioned.name || 'that person';
    let member: Awaited<ReturnType<typeof TeamsInfo.getMember>>;
    try {
      const lookup = await withDeadline(TeamsInfo.getMember(context, mention.mentioned.id), this.deps.memberLookupTimeoutMs);
      if (!lookup.done) throw new Error(`TeamsInfo.getMember took over ${this.deps.memberLookupTimeoutMs} ms`);
      member = lookup.value;
    } catch (err) {
      log.warn({ err }, 'could not look up the person @mentioned in a report command');
      return {
        error: `I couldn't look up ${name} in Teams just now. Try their email address instead, e.g. “report ${name.split(' ')[0].toLowerCase()}@example.com”.`,
      };
    }
    const userId = await this.deps.identities.resolve({
      channel: 'teams',
      tenantId: tenantOf(activity),
      platformUserId: member.aadObjectId || mention.mentioned.id,
      profile: {
        name: member.name || mention.mentioned.name || undefined,
        email: member.email || undefined,
        emailVerified: this.deps.authenticated,
      },
    });
    return { userId, name: member.name || name };
  }
}

/** Waits for `p` at most `ms`; never leaves a timer behind. */
export async function withDeadline<T>(p: Promise<T>, ms: number): Promise<{ done: true; value: T } | { done: false }> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<{ done: false }>((resolve) => {
    timer = setTimeout(() => resolve({ done: false }), ms);
  });
  try {
    return await Promise.race([p.then((value) => ({ done: true as const, value })), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
