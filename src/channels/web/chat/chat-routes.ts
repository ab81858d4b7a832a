import { randomUUID } from 'node:crypto';
import express, { type ErrorRequestHandler, type Response, type Router } from 'express';
import { z } from 'zod';
import { MAX_QUESTION_CHARS } from '../../../core/messages';
import { isAppError } from '../../../errors';
import { viewerOf } from '../viewer';
import type { WebAccess } from '../web-access';
import type { WebDeps } from '../web-deps';
import { type ChatEvent, isTerminal } from './chat-events';
import type { ChatHub } from './chat-hub';
import { deliveryKey, readStoredTurn, webIdentityLinker } from './stored-turns';
import { type WebJob, webJobHandlers } from './web-jobs';

export interface ChatRouteOptions {
  /** how often an events stream looks in the database for an answer made elsewhere (default 1 s) */
  pollMs?: number;
  /** an events stream ends after this long without a final reply; the browser reconnects (default 2 min) */
  maxStreamMs?: number;
  /** keep-alive comments on an idle events stream (default 15 s) */
  heartbeatMs?: number;
}

const uuid = z.uuid();
const askBody = z.object({
  conversationId: uuid.optional(),
  messageId: uuid,
  text: z.string(),
});
const feedbackBody = z.object({ chatMessageId: z.string().min(1).max(100), value: z.union([z.literal(1), z.literal(-1)]) });

/**
 * Try it, the web console's chat: a third channel ('web') of the conversation service. Questions are accepted into
 * the durable queue like Slack's and Teams' (de-duplication key and job in one transaction) and answered by a worker
 * of any instance (`startWebChatWorkers`); the answer streams to the browser over Server-Sent Events (see
 * chat-events.ts), live through `hub` when this process's worker makes it.
 */
export function chatRoutes(deps: WebDeps, access: WebAccess, hub: ChatHub, opts: ChatRouteOptions = {}): Router {
  const pollMs = opts.pollMs ?? 1_000;
  const maxStreamMs = opts.maxStreamMs ?? 120_000;
  const heartbeatMs = opts.heartbeatMs ?? 15_000;
  const log = deps.logger.child({ component: 'web-chat' });
  const linkIdentity = webIdentityLinker(deps.ds);

  const router = express.Router();
  const json = express.json({ limit: '64kb' });
  const api = [access.requireViewerApi, json, access.csrfProtection];

  router.post('/api/chat/messages', ...api, async (req, res) => {
    const parsed = askBody.safeParse(req.body);
    if (!parsed.success) {
      res.status(400).json({ error: 'Send JSON {messageId: a UUID, text: your question, conversationId?: a UUID}.' });
      return;
    }
    const { messageId, text } = parsed.data;
    const length = text.trim().length;
    if (length === 0) {
      res.status(400).json({ error: 'Type a question first.' });
      return;
    }
    if (text.length > MAX_QUESTION_CHARS) {
      const n = (x: number) => x.toLocaleString('en-US');
      res.status(400).json({
        error: `Your question is ${n(text.length)} characters long; the limit is ${n(MAX_QUESTION_CHARS)}. Please shorten it.`,
      });
      return;
    }
    const viewer = viewerOf(res);
    if (!(await linkIdentity(viewer.userId))) {
      res.status(403).json({ error: 'Your account was not found. Sign in again.' });
      return;
    }
    const conversationId = parsed.data.conversationId ?? randomUUID();
    const job: WebJob = { v: 1, userId: viewer.userId, conversationId, messageId, text };
    let outcome: 'accepted' | 'duplicate';
    try {
      outcome = await deps.queue.accept('web', deliveryKey(viewer.userId, messageId), job);
    } catch (err) {
      log.error({ err, messageId }, 'could not accept a Try it question');
      res.status(503).json({ error: 'Your question could not be taken in right now. Please try again in a minute.' });
      return;
    }
    // The same message id again (a double click, a retried request): the first one is answered, once.
    const earlier = outcome === 'duplicate' ? (await readStoredTurn(deps.ds, viewer.userId, messageId)).conversationId : undefined;
    res.status(202).json({ conversationId: earlier ?? conversationId, messageId, duplicate: outcome === 'duplicate' });
  });

  router.get('/api/chat/messages/:messageId/events', access.requireViewerApi, async (req, res) => {
    const messageId = String(req.params.messageId);
    const viewer = viewerOf(res);
    const key = deliveryKey(viewer.userId, messageId);
    const notFound = () => res.status(404).json({ error: 'No such question of yours.' });
    if (!uuid.safeParse(messageId).success) return notFound();
    const stored = await readStoredTurn(deps.ds, viewer.userId, messageId);
    if (!stored.known) return notFound();

    res.status(200).set({
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      'x-accel-buffering': 'no',
    });
    res.flushHeaders();
    const stream = new EventStream(res);
    const done = stored.recorded ?? hub.finalOf(key);
    if (done) {
      stream.end(done);
      return;
    }
    stream.send({ event: 'status', data: { status: 'queued' } });
    let loggedSeen = 0;
    let polling = false;
    // The database, for answers made by another instance (or before a restart).
    const poll = setInterval(async () => {
      if (polling || stream.closed) return;
      polling = true;
      try {
        const now = await readStoredTurn(deps.ds, viewer.userId, messageId);
        if (now.recorded) finish(now.recorded);
        // A logged turn without a recorded reply for a few polls: its worker died after logging it.
        else if (now.logged && ++loggedSeen >= 3) finish(now.logged);
      } catch (err) {
        log.warn({ err, messageId }, 'could not look for the answer; trying again');
      } finally {
        polling = false;
      }
    }, pollMs);
    const heartbeat = setInterval(() => stream.comment('waiting'), heartbeatMs);
    const timeout = setTimeout(() => cleanup(true), maxStreamMs);
    // Live progress when the answer is made in this process (replays the state so far at once).
    let unsubscribe = () => {};
    unsubscribe = hub.subscribe(key, (ev) => (isTerminal(ev) ? finish(ev) : stream.send(ev)));
    function finish(ev: ChatEvent): void {
      if (stream.closed) return;
      stream.end(ev);
      cleanup(false);
    }
    function cleanup(end: boolean): void {
      clearInterval(poll);
      clearInterval(heartbeat);
      clearTimeout(timeout);
      unsubscribe();
      if (end && !stream.closed) stream.close();
    }
    res.on('close', () => {
      stream.closed = true;
      cleanup(false);
    });
  });

  router.post('/api/chat/feedback', ...api, async (req, res) => {
    const parsed = feedbackBody.safeParse(req.body);
    if (!parsed.success) {
      res.status(400).json({ error: 'Send JSON {chatMessageId, value: 1 or -1}.' });
      return;
    }
    await deps.interactions.recordFeedback(viewerOf(res).userId, parsed.data.chatMessageId, parsed.data.value);
    res.json({ chatMessageId: parsed.data.chatMessageId, value: parsed.data.value });
  });

  router.post('/api/chat/recommendations/:id/start', ...api, async (req, res) => {
    const id = String(req.params.id);
    if (!uuid.safeParse(id).success) {
      res.status(404).json({ error: 'That recommendation is not yours or no longer exists.' });
      return;
    }
    const started = await deps.interactions.clickRecommendation(viewerOf(res).userId, id);
    res.json(started);
  });

  const errors: ErrorRequestHandler = (err, _req, res, next) => {
    if (res.headersSent) return next(err);
    if (isAppError(err, 'NOT_FOUND')) {
      res.status(404).json({ error: err.message });
      return;
    }
    const status = (err as { status?: number; type?: string }).status;
    if (typeof status === 'number' && status >= 400 && status < 500) {
      // body-parser: malformed JSON or too large
      res.status(status).json({ error: status === 413 ? 'That request is too large.' : 'That request is not valid JSON.' });
      return;
    }
    log.error({ err }, 'web chat request failed');
    res.status(500).json({ error: 'Something went wrong on our side. Please try again in a minute.' });
  };
  router.use('/api/chat', errors);
  return router;
}

/** Server-Sent Events on one response: numbered events, comments as keep-alives. */
class EventStream {
  closed = false;
  private seq = 0;

  constructor(private readonly res: Response) {}

  send(ev: ChatEvent): void {
    if (this.closed) return;
    this.res.write(`id: ${++this.seq}\nevent: ${ev.event}\ndata: ${JSON.stringify(ev.data)}\n\n`);
  }

  comment(text: string): void {
    if (!this.closed) this.res.write(`: ${text}\n\n`);
  }

  /** The terminal event, then the end of the response. */
  end(ev: ChatEvent): void {
    this.send(ev);
    this.close();
  }

  close(): void {
    this.closed = true;
    this.res.end();
  }
}

/** This process's 'web' workers: they answer Try it questions accepted by any instance and relay progress to `hub`. */
export function startWebChatWorkers(deps: WebDeps, hub: ChatHub): Promise<void> {
  const logger = deps.logger.child({ component: 'web-chat' });
  return deps.queue.work('web', webJobHandlers({ ds: deps.ds, conversation: deps.conversation, logger, hub }));
}
