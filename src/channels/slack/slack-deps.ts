import type { ConversationService } from '../../core/conversation-service';
import type { IdentityService } from '../../core/identity-service';
import type { InteractionService } from '../../core/interaction-service';
import type { LearningLoop } from '../../core/learning';
import type { Logger } from '../../observability/logger';
import type { Metrics } from '../../observability/metrics';
import type { AckGate } from './ack-gate';
import type { BotIdentity } from './incoming';
import type { SlackProfileCache } from './profile-cache';
import type { SlackJob } from './slack-jobs';

/** What every listener gets (constructor-style injection; listeners hold no state of their own). */
export interface SlackDeps {
  conversation: Pick<ConversationService, 'handle' | 'hasAnsweredThread'>;
  interactions: Pick<InteractionService, 'clickRecommendation' | 'recordFeedback'>;
  identities: Pick<IdentityService, 'resolve'>;
  /** progress, reports, quizzes, dashboard (the slash commands, their buttons and the Home tab) */
  learning?: LearningLoop;
  logger: Logger;
  profiles: SlackProfileCache;
  /**
   * Stores a delivery's de-duplication key and job in one transaction ('duplicate': accepted before).
   * Throws an AppError NOT_ACCEPTED when it cannot: the request must then fail so Slack retries.
   */
  accept(key: string, job: SlackJob): Promise<'accepted' | 'duplicate'>;
  metrics?: Metrics;
  /** worker steps wait here while Slack requests are waiting for their ack (embedded database: one event loop) */
  ackGate: Pick<AckGate, 'quiet'>;
  /** reaction shown on the person's message while the answer is being worked out ('' for none); in DMs only when the assistant status is refused */
  progressReaction: string;
  /** answers in conversations stream (chat.startStream …) with the assistant status in DMs; appends at most every minIntervalMs */
  streaming: { enabled: boolean; minIntervalMs: number };
}

/** The bot's ids as Bolt's authorize put them in the listener context. */
export function botFromContext(context: { botUserId?: string; botId?: string }): BotIdentity | undefined {
  return context.botUserId ? { botUserId: context.botUserId, ...(context.botId ? { botId: context.botId } : {}) } : undefined;
}

/** Slack's error code (`channel_not_found`, `missing_scope`, …) when the Web API answered ok:false. */
export function slackErrorCode(err: unknown): string | undefined {
  const data = (err as { data?: { error?: unknown } } | null)?.data;
  return typeof data?.error === 'string' ? data.error : undefined;
}

/** The workspace an interaction came from: the tenant of the person's identity. */
export function teamIdOf(...candidates: unknown[]): string {
  for (const c of candidates) if (typeof c === 'string' && c) return c;
  return 'unknown';
}
