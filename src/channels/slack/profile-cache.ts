import type { webApi } from '@slack/bolt';
import type { UserProfile } from '../../core/messages';
import type { Logger } from '../../observability/logger';
import { slackErrorCode } from './slack-deps';

export interface ProfileCacheOptions {
  /** how long a looked-up profile is reused (default 10 minutes) */
  ttlMs?: number;
  /** how long a failed lookup is remembered, so a missing scope does not cost a call per message (default 1 minute) */
  failureTtlMs?: number;
  /** entries kept at most; the oldest go first (default 10,000) */
  maxEntries?: number;
  now?: () => number;
}

interface Entry {
  expires: number;
  profile: Promise<UserProfile | undefined>;
}

/**
 * Name and email of Slack users (users.info; the email needs users:read.email), remembered in memory
 * so a conversation costs one lookup per person per ten minutes. Concurrent lookups of one person share
 * one call. A failed lookup is logged and answers `undefined`: the turn goes on without a profile.
 */
export class SlackProfileCache {
  private readonly entries = new Map<string, Entry>();
  private readonly ttlMs: number;
  private readonly failureTtlMs: number;
  private readonly maxEntries: number;
  private readonly now: () => number;

  constructor(private readonly logger: Logger, opts: ProfileCacheOptions = {}) {
    this.ttlMs = opts.ttlMs ?? 10 * 60_000;
    this.failureTtlMs = opts.failureTtlMs ?? 60_000;
    this.maxEntries = opts.maxEntries ?? 10_000;
    this.now = opts.now ?? Date.now;
  }

  get(client: webApi.WebClient, teamId: string, userId: string): Promise<UserProfile | undefined> {
    const key = `${teamId}:${userId}`;
    const hit = this.entries.get(key);
    if (hit && hit.expires > this.now()) return hit.profile;
    this.entries.delete(key);

    const entry: Entry = { expires: this.now() + this.ttlMs, profile: Promise.resolve(undefined) };
    entry.profile = this.lookup(client, userId).catch((err) => {
      entry.expires = this.now() + this.failureTtlMs;
      this.logger.warn({ err, slackError: slackErrorCode(err), user: userId }, 'users.info failed; answering without the name and email');
      return undefined;
    });
    this.entries.set(key, entry);
    while (this.entries.size > this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
    return entry.profile;
  }

  private async lookup(client: webApi.WebClient, userId: string): Promise<UserProfile | undefined> {
    const res = await client.users.info({ user: userId });
    const u = res.user;
    if (!u) return undefined;
    const name = [u.profile?.real_name, u.real_name, u.profile?.display_name, u.name].find((s) => typeof s === 'string' && s.trim())?.trim();
    const email = u.profile?.email?.trim() || undefined;
    // users.info answered our bot token's request to the configured Slack API: the email is Slack's word
    return { ...(name ? { name } : {}), ...(email ? { email, emailVerified: true } : {}) };
  }
}
