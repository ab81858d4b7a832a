import type { DataSource } from 'typeorm';
import type { ConversationService } from '../../../core/conversation-service';
import type { AnswerProgress, IncomingMessage } from '../../../core/messages';
import type { JobHandlers } from '../../../jobs/job-queue';
import type { Logger } from '../../../observability/logger';
import { apologyEvent, type ChatEvent, finalEvent, parseStoredEvent, webSources } from './chat-events';
import type { ChatHub } from './chat-hub';
import { deliveryKey, turnCards } from './stored-turns';

/** A Try it question accepted into the 'web' queue. */
export interface WebJob {
  v: 1;
  /** the viewer's users.id (from their session, never from the request body) */
  userId: string;
  /** the browser's conversation id (a UUID), one per Try it conversation */
  conversationId: string;
  /** the browser's message id (a UUID): the idempotency key */
  messageId: string;
  text: string;
}

export function isWebJob(data: unknown): data is WebJob {
  const j = data as Partial<WebJob> | null;
  return (
    !!j &&
    typeof j === 'object' &&
    j.v === 1 &&
    typeof j.userId === 'string' &&
    typeof j.conversationId === 'string' &&
    typeof j.messageId === 'string' &&
    typeof j.text === 'string'
  );
}

/**
 * The message as the conversation service sees it. Conversation ids come from browsers, so they are namespaced by the
 * viewer: two viewers can never share (or collide in) a conversation. The conversation is the thread, so follow-up
 * questions get its history as on the other channels.
 */
export function webMessage(job: WebJob): IncomingMessage {
  const conversation = `${job.userId}:${job.conversationId}`;
  return {
    channel: 'web',
    tenantId: 'web',
    platformUserId: job.userId,
    conversationId: conversation,
    threadId: conversation,
    messageId: job.messageId,
    text: job.text,
  };
}

export interface WebJobDeps {
  ds: DataSource;
  conversation: ConversationService;
  logger: Logger;
  hub: ChatHub;
}

/**
 * The worker side: answer, relay the progress to this process's events streams, and record the final event against
 * the delivery (processed_events.reply_ref) before the job completes, so a stream served by another instance, or a
 * reconnect after a restart, finds it. A retry (after a crash) finds the turn already logged and replays it.
 */
export function webJobHandlers(deps: WebJobDeps): JobHandlers<WebJob> {
  return {
    isValid: isWebJob,
    run: async (job, ctx) => {
      const key = deliveryKey(job.userId, job.messageId);
      const recorded = parseStoredEvent(await ctx.recordedReply());
      if (recorded) {
        deps.hub.publish(key, recorded);
        return;
      }
      if (ctx.attempt > 1) deps.hub.publish(key, { event: 'status', data: { status: 'retrying' } });
      const publish = (ev: ChatEvent) => deps.hub.publish(key, ev);
      const progress: AnswerProgress = {
        onStatus: (status) => publish({ event: 'status', data: { status } }),
        onSources: (sources) => publish({ event: 'sources', data: { sources: webSources(sources) } }),
        onText: (text) => publish({ event: 'text', data: { text } }),
      };
      const reply = await deps.conversation.handle(webMessage(job), progress);
      let final = finalEvent(reply);
      // A retry after a crash: the service replays the logged turn without its cards; they were logged with it.
      if (final.event === 'final' && reply.duplicate && reply.chatMessageId && !final.data.recommendations.length) {
        final = { event: 'final', data: { ...final.data, recommendations: await turnCards(deps.ds, job.userId, reply.chatMessageId) } };
      }
      await ctx.recordReply(JSON.stringify(final));
      publish(final);
    },
    giveUp: async (job, ctx, err) => {
      deps.logger.warn({ err, jobId: ctx.jobId, messageId: job.messageId }, 'web chat turn failed for good: apologising');
      const apology = apologyEvent();
      deps.hub.publish(deliveryKey(job.userId, job.messageId), apology);
      await ctx.recordReply(JSON.stringify(apology));
    },
  };
}
