import type { webApi } from '@slack/bolt';
import { LRUCache } from 'lru-cache';
import type { UserProfile } from '../../core/messages';
import type { Logger } from '../../observability/logger';
import { slackErrorCode } from './slack-deps';

export interface ProfileCacheOptions {
  /** how long a looked-up profile is reused (default 10 minutes) */
  ttlMs?: number;
  /** how long a failed lookup is remembered, so a missing scope does not cost a call per message (default 1 minute) */
  failureTtlMs?: number;
  /** entries kept at most; the least recently used go first (default 10,000) */
  maxEntries?: number;
  /** a clock for tests (default: lru-cache's monotonic clock) */
  now?: () => number;
}

interface Entry {
  profile: Promise<UserProfile | undefined>;
}

/**
 * Name and email of Slack users (users.info; the email needs users:read.email), remembered in memory
 * so a conversation costs one lookup per person per ten minutes. Concurrent lookups of one person share
 * one call. A failed lookup is logged and answers `undefined`: the turn goes on without a profile.
 */
export class SlackProfileCache {
  private readonly entries: LRUCache<string, Entry>;
  private readonly ttlMs: number;
  private readonly failureTtlMs: number;

  constructor(
    private readonly logger: Logger,
    opts: ProfileCacheOptions = {},
  ) {
    this.ttlMs = opts.ttlMs ?? 10 * 60_000;
    this.failureTtlMs = opts.failureTtlMs ?? 60_000;
    const now = opts.now;
    this.entries = new LRUCache<string, Entry>({
      max: opts.maxEntries ?? 10_000,
      // A test clock is read on every call, shifted by one: lru-cache takes a start time of 0 for "no expiry".
      ...(now ? { ttlResolution: 0, perf: { now: () => now() + 1 } } : {}),
    });
  }

  get(client: webApi.WebClient, teamId: string, userId: string): Promise<UserProfile | undefined> {
    const key = `${teamId}:${userId}`;
    const hit = this.entries.get(key);
    if (hit) return hit.profile;

    const entry: Entry = {
      profile: this.lookup(client, userId).catch((err) => {
        // remembered for less time, unless it was evicted meanwhile
        if (this.entries.peek(key) === entry) this.remember(key, entry, this.failureTtlMs);
        this.logger.warn({ err, slackError: slackErrorCode(err), user: userId }, 'users.info failed; answering without the name and email');
        return undefined;
      }),
    };
    this.remember(key, entry, this.ttlMs);
    return entry.profile;
  }

  /** lru-cache keeps an entry with ttl 0 for ever; here 0 means "do not keep". */
  private remember(key: string, entry: Entry, ttlMs: number): void {
    if (ttlMs > 0) this.entries.set(key, entry, { ttl: ttlMs });
    else this.entries.delete(key);
  }

  private async lookup(client: webApi.WebClient, userId: string): Promise<UserProfile | undefined> {
    const res = await client.users.info({ user: userId });
    const u = res.user;
    if (!u) return undefined;
    const name = [u.profile?.real_name, u.real_name, u.profile?.display_name, u.name]
      .find((s) => typeof s === 'string' && s.trim())
      ?.trim();
    const email = u.profile?.email?.trim() || undefined;
    // users.info answered our bot token's request to the configured Slack API: the email is Slack's word
    return { ...(name ? { name } : {}), ...(email ? { email, emailVerified: true } : {}) };
  }
}
