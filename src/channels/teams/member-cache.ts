import { LRUCache } from 'lru-cache';
import type { UserProfile } from '../../core/messages';

/**
 * What TeamsInfo.getMember told us about a person, kept for a while (default 10 minutes) so the
 * Connector is asked once per person rather than once per message. Bounded (lru-cache): the least
 * recently used entries go first.
 */
export class MemberProfileCache {
  private readonly entries: LRUCache<string, { profile: UserProfile | undefined }>;

  constructor(private readonly opts: { ttlMs?: number; maxEntries?: number; now?: () => number } = {}) {
    const now = opts.now;
    this.entries = new LRUCache({
      max: opts.maxEntries ?? 10_000,
      // A test clock is read on every call, shifted by one: lru-cache takes a start time of 0 for "no expiry".
      ...(now ? { ttlResolution: 0, perf: { now: () => now() + 1 } } : {}),
    });
  }

  get(key: string): { profile: UserProfile | undefined } | undefined {
    return this.entries.get(key);
  }

  /** ttlMs overrides the default (e.g. a failed lookup is retried sooner); 0 keeps nothing. */
  set(key: string, profile: UserProfile | undefined, ttlMs = this.opts.ttlMs ?? 10 * 60_000): void {
    // (lru-cache would keep an entry with ttl 0 for ever)
    if (ttlMs > 0) this.entries.set(key, { profile }, { ttl: ttlMs });
    else this.entries.delete(key);
  }

  get size(): number {
    return this.entries.size;
  }
}
