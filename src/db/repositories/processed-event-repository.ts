import type { EntityManager } from 'typeorm';

/**
 * processed_events: platform deliveries (Slack event_id, Teams activity id) already taken in, shared
 * by every app instance. On the caller's transaction (the service scope).
 */

/**
 * Claims a delivery: true for the first claim of (platform, eventId) only, however many race.
 */
export async function claimEvent(m: EntityManager, platform: string, eventId: string): Promise<boolean> {
  const rows = await m.query(
    `INSERT INTO processed_events (platform, event_id) VALUES ($1, $2) ON CONFLICT DO NOTHING RETURNING event_id`,
    [platform, eventId],
  );
  return rows.length === 1;
}

/** Forgets deliveries received more than `olderThanHours` ago; returns how many. */
export async function pruneEvents(m: EntityManager, olderThanHours: number): Promise<number> {
  // TypeORM returns [rows, affected] for DELETE.
  const [, n] = await m.query(`DELETE FROM processed_events WHERE received_at < now() - make_interval(hours => $1)`, [olderThanHours]);
  return n;
}
