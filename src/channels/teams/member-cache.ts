import type { UserProfile } from '../../core/messages';

/**
 * What TeamsInfo.getMember told us about a person, kept for a while (default 10 minutes) so the
 * Connector is asked once per person rather than once per message. Bounded: the oldest entries go first.
 */
export class MemberProfileCache {
  private readonly entries = new Map<string, { profile: UserProfile | undefined; expires: number }>();

  constructor(private readonly opts: { ttlMs?: number; maxEntries?: number; now?: () => number } = {}) {}

  get(key: string): { profile: UserProfile | undefined } | undefined {
    const e = this.entries.get(key);
    if (!e) return undefined;
    if (e.expires <= this.now()) {
      this.entries.delete(key);
      return undefined;
    }
    return { profile: e.profile };
  }

  /** ttlMs overrides the default (e.g. a failed lookup is retried sooner). */
  set(key: string, profile: UserProfile | undefined, ttlMs = this.opts.ttlMs ?? 10 * 60_000): void {
    this.entries.delete(key);
    this.entries.set(key, { profile, expires: this.now() + ttlMs });
    const max = this.opts.maxEntries ?? 10_000;
    while (this.entries.size > max) this.entries.delete(this.entries.keys().next().value as string);
  }

  get size(): number {
    return this.entries.size;
  }

  private now(): number {
    return (this.opts.now ?? Date.now)();
  }
}
