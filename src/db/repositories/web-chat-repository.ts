import type { EntityManager } from 'typeorm';
import { linkIdentity } from './user-repository';

/**
 * What the web console's Try it reads besides the conversation service's own queries: its accepted
 * deliveries (processed_events, platform 'web') and its logged turns by the browser's message id.
 */

/** The identity a console viewer chats under: tenant 'web', platform user id = their users.id. */
export const webIdentity = (userId: string) => ({ platform: 'web', tenantId: 'web', platformUserId: userId });

/**
 * Links the viewer's users row to the web chat identity, so the conversation service resolves a web message to
 * that row (and never creates a new user, or links by an email a request could make up). Service scope.
 * False when there is no such user.
 */
export async function linkWebIdentity(m: EntityManager, userId: string): Promise<boolean> {
  const [user] = await m.query(`SELECT id FROM users WHERE id = $1`, [userId]);
  if (!user) return false;
  await linkIdentity(m, userId, webIdentity(userId));
  return true;
}

/** An accepted web delivery: reply_ref holds the final reply as JSON once a worker finished it. Service scope. */
export async function findWebDelivery(m: EntityManager, key: string): Promise<{ replyRef: string | null } | undefined> {
  const [row] = await m.query(`SELECT reply_ref FROM processed_events WHERE platform = 'web' AND event_id = $1`, [key]);
  return row ? { replyRef: row.reply_ref ?? null } : undefined;
}

/** A web turn as logged in chat_messages. */
export interface WebTurnRow {
  id: string;
  conversation_id: string | null;
  response: string | null;
  confidence: number | null;
  sources: unknown[] | null;
}

/**
 * The person's logged web turn for the browser's message id (its idempotency key), whatever the conversation.
 * On the caller's scope (a user scope: row-level security adds that it is their own).
 */
export async function findWebTurn(m: EntityManager, userId: string, messageId: string): Promise<WebTurnRow | undefined> {
  const [row] = await m.query(
    `SELECT id, conversation_id, response, confidence, sources FROM chat_messages
      WHERE channel = 'web' AND user_id = $1 AND platform_message_id = $2
      ORDER BY created_at LIMIT 1`,
    [userId, messageId],
  );
  return row;
}

/** A recommendation shown with a turn, named after its skill, course or content. */
export interface TurnCardRow {
  id: string;
  type: string;
  title: string;
  reason: string | null;
}

/**
 * The recommendations logged with a turn. The conversation service writes a turn and its recommendations in one
 * transaction, so they share its timestamp (DEFAULT now() is the transaction's start); chat_messages has no link
 * column. User scope. Best score first, as they were shown (content titles without their "(part n/m)", as shown).
 */
export async function findTurnCards(m: EntityManager, userId: string, chatMessageId: string): Promise<TurnCardRow[]> {
  return m.query(
    `SELECT r.id, r.type, coalesce(s.name, c.title, regexp_replace(lc.title, 's*(part d+/d+)$', ''), r.type) AS title, r.reason
       FROM chat_messages cm
       JOIN recommendations r ON r.user_id = cm.user_id AND r.created_at = cm.created_at
       LEFT JOIN skills s ON r.type = 'skill' AND s.id = r.item_id
       LEFT JOIN courses c ON r.type = 'course' AND c.id = r.item_id
       LEFT JOIN learning_content lc ON r.type = 'content' AND lc.id = r.item_id
      WHERE cm.id = $1 AND cm.user_id = $2
      ORDER BY r.score DESC, r.id`,
    [chatMessageId, userId],
  );
}
