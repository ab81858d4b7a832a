import type { DataSource, EntityManager } from 'typeorm';
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
      const key = [msg.channel, msg.tenantId, msg.platformUserId];
      const [found] = await m.query(`SELECT user_id FROM user_identities WHERE platform = $1 AND tenant_id = $2 AND platform_user_id = $3`, key);
      if (found) {
        if (msg.profile) await this.updateProfile(m, found.user_id, msg.profile);
        return found.user_id as string;
      }
      const userId = await this.findOrCreateUser(m, msg);
      await m.query(`INSERT INTO user_identities (user_id, platform, tenant_id, platform_user_id) VALUES ($1, $2, $3, $4)
        ON CONFLICT (platform, tenant_id, platform_user_id) DO NOTHING`, [userId, ...key]);
      // Another delivery may have linked the identity first; its row wins.
      const [linked] = await m.query(`SELECT user_id FROM user_identities WHERE platform = $1 AND tenant_id = $2 AND platform_user_id = $3`, key);
      return linked.user_id as string;
    });
  }

  private async findOrCreateUser(m: EntityManager, msg: Pick<IncomingMessage, 'channel' | 'tenantId' | 'platformUserId' | 'profile'>): Promise<string> {
    const email = msg.profile?.email?.trim().toLowerCase() || placeholderEmail(msg);
    const name = msg.profile?.name?.trim() || `${label(msg.channel)} user ${msg.platformUserId}`;
    const [row] = await m.query(
      `INSERT INTO users (email, name, department) VALUES ($1, $2, $3)
       ON CONFLICT (email) DO UPDATE SET department = coalesce(users.department, EXCLUDED.department)
       RETURNING id`, [email, name, msg.profile?.department ?? null]);
    return row.id;
  }

  private async updateProfile(m: EntityManager, userId: string, profile: UserProfile): Promise<void> {
    const email = profile.email?.trim().toLowerCase() || null;
    // Only fill in what changed; an email another user already has is left alone rather than failing the turn.
    await m.query(
      `UPDATE users SET
         name = coalesce(nullif($2, ''), name),
         email = CASE WHEN $3::text IS NOT NULL AND NOT EXISTS (SELECT 1 FROM users o WHERE o.email = $3 AND o.id <> $1) THEN $3 ELSE email END,
         department = coalesce(department, $4)
       WHERE id = $1 AND (name IS DISTINCT FROM coalesce(nullif($2, ''), name)
         OR ($3::text IS NOT NULL AND email IS DISTINCT FROM $3) OR (department IS NULL AND $4::text IS NOT NULL))`,
      [userId, profile.name?.trim() ?? null, email, profile.department ?? null]);
  }
}

/**
 * The profile as it may be stored: clean text, bounded lengths, and an email only when it was
 * verified (an unverified one must never link the identity to someone else's account).
 */
function safeProfile(p: UserProfile | undefined): UserProfile | undefined {
  if (!p) return undefined;
  const field = (v: string | undefined, max: number) => (typeof v === 'string' ? cleanText(v).trim().slice(0, max) || undefined : undefined);
  return { name: field(p.name, 200), email: p.emailVerified ? field(p.email, 320) : undefined, department: field(p.department, 200) };
}

/** example.invalid-style address: the column is NOT NULL UNIQUE, and `.invalid` can never be mailed by mistake. */
function placeholderEmail(msg: Pick<IncomingMessage, 'channel' | 'tenantId' | 'platformUserId'>): string {
  const safe = (s: string) => s.toLowerCase().replace(/[^a-z0-9._-]+/g, '-');
  return `${msg.channel}.${safe(msg.tenantId)}.${safe(msg.platformUserId)}@users.invalid`;
}

const label = (c: string) => (c === 'teams' ? 'Teams' : c === 'slack' ? 'Slack' : 'Console');
