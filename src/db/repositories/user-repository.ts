import type { EntityManager } from 'typeorm';

/**
 * users and user_identities: who a platform identity is. Identity resolution sees every user, so these
 * run in the service scope the caller's transaction gives.
 */

/** One person on one platform: (platform, tenant, platform user id) is unique. */
export interface IdentityKey {
  platform: string;
  tenantId: string;
  platformUserId: string;
}

export interface NewUser {
  /** lower case; NOT NULL UNIQUE */
  email: string;
  name: string;
  department: string | null;
}

/** Profile fields to fill in; null or '' leaves a field as it is. */
export interface ProfileUpdate {
  name: string | null;
  email: string | null;
  department: string | null;
}

/** The user id behind a platform identity, if it is known. */
export async function findUserIdByIdentity(m: EntityManager, key: IdentityKey): Promise<string | undefined> {
  const [row] = await m.query(`SELECT user_id FROM user_identities WHERE platform = $1 AND tenant_id = $2 AND platform_user_id = $3`, [
    key.platform,
    key.tenantId,
    key.platformUserId,
  ]);
  return row?.user_id;
}

/** Links an identity to a user; an identity linked already (by a concurrent delivery) keeps its user. */
export async function linkIdentity(m: EntityManager, userId: string, key: IdentityKey): Promise<void> {
  await m.query(
    `INSERT INTO user_identities (user_id, platform, tenant_id, platform_user_id) VALUES ($1, $2, $3, $4)
    ON CONFLICT (platform, tenant_id, platform_user_id) DO NOTHING`,
    [userId, key.platform, key.tenantId, key.platformUserId],
  );
}

/**
 * The user with this email, created if there is none; an existing user keeps name and department
 * (a missing department is filled in). Returns the user id.
 */
export async function upsertUserByEmail(m: EntityManager, u: NewUser): Promise<string> {
  const [row] = await m.query(
    `INSERT INTO users (email, name, department) VALUES ($1, $2, $3)
     ON CONFLICT (email) DO UPDATE SET department = coalesce(users.department, EXCLUDED.department)
     RETURNING id`,
    [u.email, u.name, u.department],
  );
  return row.id;
}

/**
 * Fills in what changed: a new name, an email no other user has, a department where there was none.
 * Writes nothing when nothing changed; an email another user already has is left alone rather than failing.
 */
export async function updateUserProfile(m: EntityManager, userId: string, p: ProfileUpdate): Promise<void> {
  await m.query(
    `UPDATE users SET
       name = coalesce(nullif($2, ''), name),
       email = CASE WHEN $3::text IS NOT NULL AND NOT EXISTS (SELECT 1 FROM users o WHERE o.email = $3 AND o.id <> $1) THEN $3 ELSE email END,
       department = coalesce(department, $4)
     WHERE id = $1 AND (name IS DISTINCT FROM coalesce(nullif($2, ''), name)
       OR ($3::text IS NOT NULL AND email IS DISTINCT FROM $3) OR (department IS NULL AND $4::text IS NOT NULL))`,
    [userId, p.name, p.email, p.department],
  );
}
