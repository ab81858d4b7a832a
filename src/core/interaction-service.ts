import type { DataSource } from 'typeorm';
import { inServiceScope, inUserScope } from '../db/user-scope';
import type { Platform } from '../db/entities/user-identity.entity';
import { AppError } from '../errors';

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
    const rows = await inServiceScope(this.ds, (m) => m.query(
      `INSERT INTO processed_events (platform, event_id) VALUES ($1, $2) ON CONFLICT DO NOTHING RETURNING event_id`, [platform, eventId]));
    return rows.length === 1;
  }

  /** Forget deliveries older than the platforms retry for (both stop within an hour); call periodically. */
  async pruneEvents(olderThanHours = 24): Promise<number> {
    const [, n] = await inServiceScope(this.ds, (m) => m.query(`DELETE FROM processed_events WHERE received_at < now() - make_interval(hours => $1)`, [olderThanHours]));
    return n;
  }

  /**
   * Marks a recommendation clicked (as its owner: RLS refuses anyone else's) and, for a course or skill,
   * starts a learning_progress row if there is none. Returns what was clicked.
   */
  async clickRecommendation(userId: string, recommendationId: string): Promise<{ type: string; itemId: string; started: boolean }> {
    return inUserScope(this.ds, userId, async (m) => {
      // TypeORM returns [rows, affected] for UPDATE ... RETURNING.
      const [[rec]] = await m.query(`UPDATE recommendations SET clicked = true WHERE id = $1 AND user_id = $2 RETURNING type, item_id`, [recommendationId, userId]);
      if (!rec) throw new AppError('NOT_FOUND', 'That recommendation is not yours or no longer exists.');
      let started = false;
      if (rec.type === 'skill' || rec.type === 'course') {
        const column = rec.type === 'skill' ? 'skill_id' : 'course_id';
        const inserted = await m.query(
          `INSERT INTO learning_progress (user_id, ${column}, progress) VALUES ($1, $2, 0) ON CONFLICT (user_id, ${column}) DO NOTHING RETURNING id`,
          [userId, rec.item_id]);
        started = inserted.length === 1;
      }
      return { type: rec.type, itemId: rec.item_id, started };
    });
  }

  /**
   * Stores 👍/👎 on an answer. Users cannot update the chat log (append-only for them), so the service
   * role writes it, but only for the person who asked.
   */
  async recordFeedback(userId: string, chatMessageId: string, value: FeedbackValue): Promise<void> {
    const [, changed] = await inServiceScope(this.ds, (m) => m.query(
      `UPDATE chat_messages SET feedback = $3, feedback_at = now() WHERE id = $1 AND user_id = $2`, [chatMessageId, userId, value]));
    if (!changed) throw new AppError('NOT_FOUND', 'Feedback can only be given on your own answers.');
  }
}
