import type { DataSource } from 'typeorm';
import type { Platform } from '../db/entities/user-identity.entity';
import { findTurnByReply, type ReplyKey, recordFeedback, setReplyActivityId } from '../db/repositories/chat-message-repository';
import { claimEvent, pruneEvents } from '../db/repositories/processed-event-repository';
import { markRecommendationClicked, startProgressIfNew } from '../db/repositories/recommendation-repository';
import { inServiceScope, inUserScope } from '../db/user-scope';
import { AppError } from '../errors';
import { cleanText } from './messages';

export type FeedbackValue = 1 | -1;

/**
 * What people do with a reply besides reading it: delivery de-duplication, recommendation clicks and
 * answer feedback. Platform-neutral; the adapters call it with ids they got from the core.
 */
export class InteractionService {
  constructor(private readonly ds: DataSource) {}

  /**
   * Claims a platform delivery (Slack event_id, Teams activity id). True for the first claim only, in
   * every app instance sharing the database: retries and the app_mention/message pair are answered once.
   */
  async claimEvent(platform: Platform, eventId: string): Promise<boolean> {
    if (!eventId) return true;
    return inServiceScope(this.ds, (m) => claimEvent(m, platform, eventId));
  }

  /** Forget deliveries older than the platforms retry for (both stop within an hour); call periodically. */
  async pruneEvents(olderThanHours = 24): Promise<number> {
    return inServiceScope(this.ds, (m) => pruneEvents(m, olderThanHours));
  }

  /**
   * Marks a recommendation clicked (as its owner: RLS refuses anyone else's) and, for a course or skill,
   * starts a learning_progress row if there is none. Returns what was clicked.
   */
  async clickRecommendation(userId: string, recommendationId: string): Promise<{ type: string; itemId: string; started: boolean }> {
    return inUserScope(this.ds, userId, async (m) => {
      const rec = await markRecommendationClicked(m, userId, recommendationId);
      if (!rec) throw new AppError('NOT_FOUND', 'That recommendation is not yours or no longer exists.');
      const started = rec.type === 'skill' || rec.type === 'course' ? await startProgressIfNew(m, userId, rec.type, rec.itemId) : false;
      return { type: rec.type, itemId: rec.itemId, started };
    });
  }

  /**
   * Stores 👍/👎 on an answer, with what the person wrote (optional, kept up to MAX_FEEDBACK_COMMENT
   * characters). Users cannot update the chat log (append-only for them), so the service role writes
   * it, but only for the person who asked.
   */
  async recordFeedback(userId: string, chatMessageId: string, value: FeedbackValue, comment?: string | null): Promise<void> {
    const text = comment?.trim() ? cleanText(comment.trim()).slice(0, MAX_FEEDBACK_COMMENT) : null;
    const changed = await inServiceScope(this.ds, (m) => recordFeedback(m, userId, chatMessageId, value, text));
    if (!changed) throw new AppError('NOT_FOUND', 'Feedback can only be given on your own answers.');
  }

  /** Remembers the platform reply that carried a turn's answer, so feedback on that reply finds the turn. */
  async recordReplyActivity(chatMessageId: string, replyActivityId: string): Promise<void> {
    await inServiceScope(this.ds, (m) => setReplyActivityId(m, chatMessageId, replyActivityId));
  }

  /**
   * The chat message a platform reply carried, if that reply is ours and answered `userId`; null
   * otherwise (someone else's answer, another app's message, or one we never logged).
   */
  async turnForReply(userId: string, key: ReplyKey): Promise<string | null> {
    const row = await inServiceScope(this.ds, (m) => findTurnByReply(m, key));
    return row && row.user_id === userId ? row.id : null;
  }
}

/** The longest feedback comment kept. */
export const MAX_FEEDBACK_COMMENT = 2000;
