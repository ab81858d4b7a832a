import type { DataSource, EntityManager } from 'typeorm';
import {
  findUserIdByIdentity,
  type IdentityKey,
  linkIdentity,
  updateUserProfile,
  upsertUserByEmail,
} from '../db/repositories/user-repository';
import { inServiceScope } from '../db/user-scope';
import { cleanText, type IncomingMessage, type UserProfile } from './messages';

/**
 * Finds the `users` row behind a platform identity, creating both on first contact. An unknown user is
 * created, never rejected. If the platform gives an email that already belongs to a user (the same
 * person on Slack and on Teams), the new identity is linked to that user.
 */
export class IdentityService {
  constructor(private readonly ds: DataSource) {}

  async resolve(input: Pick<IncomingMessage, 'channel' | 'tenantId' | 'platformUserId' | 'profile'>): Promise<string> {
    const msg = { ...input, profile: safeProfile(input.profile) };
    return inServiceScope(this.ds, async (m) => {
      const key: IdentityKey = { platform: msg.channel, tenantId: msg.tenantId, platformUserId: msg.platformUserId };
      const found = await findUserIdByIdentity(m, key);
      if (found) {
        if (msg.profile) await this.updateProfile(m, found, msg.profile);
        return found;
      }
      const userId = await this.findOrCreateUser(m, msg);
      await linkIdentity(m, userId, key);
      // Another delivery may have linked the identity first; its row wins.
      return (await findUserIdByIdentity(m, key))!;
    });
  }

  private async findOrCreateUser(
    m: EntityManager,
    msg: Pick<IncomingMessage, 'channel' | 'tenantId' | 'platformUserId' | 'profile'>,
  ): Promise<string> {
    const email = msg.profile?.email?.trim().toLowerCase() || placeholderEmail(msg);
    const name = msg.profile?.name?.trim() || `${label(msg.channel)} user ${msg.platformUserId}`;
    return upsertUserByEmail(m, { email, name, department: msg.profile?.department ?? null });
  }

  private async updateProfile(m: EntityManager, userId: string, profile: UserProfile): Promise<void> {
    const email = profile.email?.trim().toLowerCase() || null;
    // Only fill in what changed; an email another user already has is left alone rather than failing the turn.
    await updateUserProfile(m, userId, { name: profile.name?.trim() ?? null, email, department: profile.department ?? null });
  }
}

/**
 * The profile as it may be stored: clean text, bounded lengths, and an email only when it was
 * verified (an unverified one must never link the identity to someone else's account).
 */
function safeProfile(p: UserProfile | undefined): UserProfile | undefined {
  if (!p) return undefined;
  const field = (v: string | undefined, max: number) =>
    typeof v === 'string' ? cleanText(v).trim().slice(0, max) || undefined : undefined;
  return { name: field(p.name, 200), email: p.emailVerified ? field(p.email, 320) : undefined, department: field(p.department, 200) };
}

/** example.invalid-style address: the column is NOT NULL UNIQUE, and `.invalid` can never be mailed by mistake. */
function placeholderEmail(msg: Pick<IncomingMessage, 'channel' | 'tenantId' | 'platformUserId'>): string {
  const safe = (s: string) => s.toLowerCase().replace(/[^a-z0-9._-]+/g, '-');
  return `${msg.channel}.${safe(msg.tenantId)}.${safe(msg.platformUserId)}@users.invalid`;
}

const label = (c: string) => (c === 'teams' ? 'Teams' : c === 'slack' ? 'Slack' : 'Console');
