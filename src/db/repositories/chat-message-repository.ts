import type { EntityManager } from 'typeorm';

/**
 * chat_messages: the log of every turn. Every function runs on the EntityManager of the caller's
 * transaction; which rows it sees is the caller's scope (inUserScope: the asker's own, row-level
 * security; inServiceScope: all).
 */

/** Where a message was said: the platform, its conversation, and the platform's id for the message. */
export interface PlatformMessageKey {
  channel: string;
  conversationId: string;
  platformMessageId: string;
}

export interface NewChatTurn {
  userId: string;
  message: string;
  response: string;
  confidence: number;
  /** stored as JSON */
  sources: unknown[];
  processingTimeMs: number;
  channel: string;
  tenantId: string;
  conversationId: string;
  threadId: string | null;
  /** null when the platform gave none (no de-duplication then) */
  platformMessageId: string | null;
}

/** A logged turn as read back to answer a retried delivery. */
export interface StoredTurnRow {
  id: string;
  response: string | null;
  confidence: number | null;
  sources: unknown[] | null;
}

export interface HistoryRow {
  message: string;
  response: string;
}

/**
 * Logs a turn; returns its id, or undefined when this platform message was logged already (a
 * concurrent duplicate delivery: the first one wins, nothing is written).
 */
export async function insertChatTurn(m: EntityManager, t: NewChatTurn): Promise<string | undefined> {
  const [row] = await m.query(
    `INSERT INTO chat_messages (user_id, message, response, confidence, sources, processing_time, channel, tenant_id, conversation_id, thread_id, platform_message_id)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
     ON CONFLICT (channel, conversation_id, platform_message_id) WHERE platform_message_id IS NOT NULL DO NOTHING
     RETURNING id`,
    [
      t.userId,
      t.message,
      t.response,
      t.confidence,
      JSON.stringify(t.sources),
      t.processingTimeMs,
      t.channel,
      t.tenantId,
      t.conversationId,
      t.threadId,
      t.platformMessageId,
    ],
  );
  return row?.id;
}

/** The person's logged turn for a platform message id (a platform retry of a message already answered). */
export async function findTurnByPlatformMessage(
  m: EntityManager,
  userId: string,
  key: PlatformMessageKey,
): Promise<StoredTurnRow | undefined> {
  const [row] = await m.query(
    `SELECT id, response, confidence, sources FROM chat_messages WHERE channel = $1 AND conversation_id = $2 AND platform_message_id = $3 AND user_id = $4`,
    [key.channel, key.conversationId, key.platformMessageId, userId],
  );
  return row;
}

/**
 * The person's latest answered turns in a thread, newest first. With no thread (a top-level DM), the
 * top-level turns of the last 30 minutes.
 */
export async function findRecentTurns(
  m: EntityManager,
  q: { userId: string; channel: string; conversationId: string; threadId: string | null; limit: number },
): Promise<HistoryRow[]> {
  return m.query(
    `SELECT message, response FROM chat_messages
      WHERE user_id = $1 AND channel = $2 AND conversation_id = $3 AND response IS NOT NULL
        AND (CASE WHEN $4::text IS NULL THEN thread_id IS NULL AND created_at > now() - interval '30 minutes' ELSE thread_id = $4 END)
      ORDER BY created_at DESC LIMIT $5`,
    [q.userId, q.channel, q.conversationId, q.threadId, q.limit],
  );
}

/** Whether any turn in this thread was answered (for anyone: needs the service scope). */
export async function hasAnsweredThread(m: EntityManager, channel: string, conversationId: string, threadId: string): Promise<boolean> {
  const [row] = await m.query(
    `SELECT EXISTS (SELECT 1 FROM chat_messages WHERE channel = $1 AND conversation_id = $2 AND thread_id = $3 AND response IS NOT NULL) AS answered`,
    [channel, conversationId, threadId],
  );
  return row.answered;
}

/**
 * Stores 👍/👎 (and what the person wrote with it, or null) on a turn, only when `userId` asked it. Users
 * cannot update the log (append-only for them), so this runs in the service scope. Returns whether a row changed.
 */
export async function recordFeedback(
  m: EntityManager,
  userId: string,
  chatMessageId: string,
  value: number,
  comment: string | null = null,
): Promise<boolean> {
  // TypeORM returns [rows, affected] for UPDATE.
  const [, changed] = await m.query(
    `UPDATE chat_messages SET feedback = $3, feedback_comment = $4, feedback_at = now() WHERE id = $1 AND user_id = $2`,
    [chatMessageId, userId, value, comment],
  );
  return Boolean(changed);
}

/** Where an answer was posted: the platform's id for the reply that carried it. */
export interface ReplyKey {
  channel: string;
  conversationId: string;
  replyActivityId: string;
}

/** Remembers which platform reply carried a turn's answer (service scope: the log is append-only for users). */
export async function setReplyActivityId(m: EntityManager, chatMessageId: string, replyActivityId: string): Promise<void> {
  await m.query(`UPDATE chat_messages SET reply_activity_id = $2 WHERE id = $1`, [chatMessageId, replyActivityId]);
}

/** The turn whose answer a platform reply carried, with who asked it; undefined when it is not ours. */
export async function findTurnByReply(m: EntityManager, key: ReplyKey): Promise<{ id: string; user_id: string } | undefined> {
  const [row] = await m.query(
    `SELECT id, user_id FROM chat_messages WHERE channel = $1 AND conversation_id = $2 AND reply_activity_id = $3
      ORDER BY created_at DESC LIMIT 1`,
    [key.channel, key.conversationId, key.replyActivityId],
  );
  return row;
}
