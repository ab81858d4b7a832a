import type { EntityManager } from 'typeorm';

/**
 * The web console's lookups of people: who signed in (by verified email) and who a session belongs to.
 * Sign-in happens before anyone is known, so these run in the service scope the caller's transaction gives.
 */

export interface WebUserRow {
  id: string;
  name: string;
  email: string;
  /** 'employee' when null */
  role: string | null;
}

/** The user with this email, compared case-insensitively (providers differ in how they spell addresses). */
export async function findUserByEmail(m: EntityManager, email: string): Promise<WebUserRow | undefined> {
  const [row] = await m.query(`SELECT id, name, email, role FROM users WHERE lower(email) = lower($1) ORDER BY id LIMIT 1`, [email.trim()]);
  return row;
}

/** The user a session names, read on every request so role changes and deletions apply at once. */
export async function findUserById(m: EntityManager, id: string): Promise<WebUserRow | undefined> {
  const [row] = await m.query(`SELECT id, name, email, role FROM users WHERE id = $1`, [id]);
  return row;
}

/** Makes the user an admin (the local developer in loopback mode); writes nothing when it is one already. */
export async function ensureAdminRole(m: EntityManager, id: string): Promise<void> {
  await m.query(`UPDATE users SET role = 'admin' WHERE id = $1 AND role IS DISTINCT FROM 'admin'`, [id]);
}
