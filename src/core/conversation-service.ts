import type { Runnable } from '@langchain/core/runnables';
import type { DataSource, EntityManager } from 'typeorm';
import type { Answer, AnswerInput, HistoryTurn, StreamingAnswerer } from '../ai/answer-types';
import { computeConfidence } from '../ai/confidence';
import type { HybridRetriever, RetrievedPassage } from '../ai/hybrid-retriever';
import { findRecentTurns, findTurnByPlatformMessage, hasAnsweredThread, insertChatTurn } from '../db/repositories/chat-message-repository';
import { insertRecommendation } from '../db/repositories/recommendation-repository';
import { inServiceScope, inUserScope } from '../db/user-scope';
import type { Logger } from '../observability/logger';
import { IdentityService } from './identity-service';
import {
  type AnswerProgress,
  APOLOGY,
  type BotReply,
  cleanText,
  HELP_TEXT,
  type IncomingMessage,
  MAX_QUESTION_CHARS,
  type RecommendationCard,
  type SourceRef,
  sourceUrl,
  storedQuestion,
} from './messages';
import type { Recommender } from './recommender';
import { isTransient } from './transient-errors';

export interface ConversationDeps {
  ds: DataSource;
  retriever: HybridRetriever;
  /** createAnswerer's; one with `answerStream` streams the text to AnswerProgress.onText, a plain Runnable reports it once */
  answerer: Runnable<AnswerInput, Answer> & Partial<StreamingAnswerer>;
  recommender: Recommender;
  logger: Logger;
  /** passages put in front of the model (default 5) */
  passages?: number;
  /** earlier turns of the thread replayed as memory (default 6) */
  historyTurns?: number;
}

/**
 * The platform-neutral brain: question in, cited answer plus recommendations out, every turn logged.
 * User-scoped reads and writes run as app_user with row-level security; the model is called outside
 * any transaction so a slow model never holds a database connection.
 */
export class ConversationService {
  private readonly identities: IdentityService;

  constructor(private readonly deps: ConversationDeps) {
    this.identities = new IdentityService(deps.ds);
  }

  async handle(msg: IncomingMessage, progress: AnswerProgress = {}): Promise<BotReply> {
    const started = Date.now();
    const log = this.deps.logger.child({ channel: msg.channel, conversation: msg.conversationId, message: msg.messageId });
    const userId = await this.identities.resolve(msg);

    const raw = cleanText(msg.text ?? '').trim();
    if (!raw) {
      const previous = await inUserScope(this.deps.ds, userId, (m) => this.findTurn(m, userId, msg));
      if (previous) return previous;
      return this.logTurn(
        log,
        userId,
        msg,
        started,
        {
          kind: 'help',
          text: HELP_TEXT,
          sources: [],
          confidence: 0,
          recommendations: [],
          notes: [],
          mode: 'none',
        },
        [],
        '(empty message)',
      );
    }

    const notes: string[] = [];
    let question = raw;
    if (question.length > MAX_QUESTION_CHARS) {
      question = question.slice(0, MAX_QUESTION_CHARS);
      notes.push(`Your message was long, so I answered based on its first ${MAX_QUESTION_CHARS.toLocaleString('en-US')} characters.`);
    }

    let reply: Omit<BotReply, 'chatMessageId' | 'duplicate'>;
    let picks: Array<Omit<RecommendationCard, 'id'>> = [];
    try {
      const report = progressReporter(progress, log);
      await report('onStatus', 'searching');
      const queryVector = await this.embedOrNull(question, log);
      if (!queryVector) notes.push('Semantic search was unavailable, so I searched by keywords only.');
      // One user-scoped read: an earlier answer to this message id (a retried job), or the context.
      const context = await inUserScope(this.deps.ds, userId, async (m) => {
        const previous = await this.findTurn(m, userId, msg);
        if (previous) return { previous };
        const history = await this.loadHistory(m, userId, msg);
        const { passages, nearest } = await this.deps.retriever.searchWithNearest(m, question, {
          k: this.deps.passages ?? 5,
          contentTypes: msg.contentTypes,
          queryVector,
          mode: queryVector ? 'hybrid' : 'text',
        });
        const recs = await this.deps.recommender.candidates(
          m,
          userId,
          queryVector,
          passages.map((p) => p.id),
          nearest,
        );
        return { history, passages, recs };
      });
      if ('previous' in context) return context.previous!;
      await report(
        'onSources',
        context.passages.map((p, i) => sourceRef(p, i)),
      );
      await report('onStatus', 'answering');

      const answer = await this.answer({ question, passages: context.passages, history: context.history }, progress, report);
      const cited = new Set(answer.citedIndexes);
      const sources = context.passages.map((p, i) => sourceRef(p, i)).filter((s) => cited.has(s.n));
      picks = this.deps.recommender.pick(context.recs.candidates, question, context.recs.completed);
      reply = {
        kind: 'answer',
        text: answer.text,
        sources,
        confidence: computeConfidence(context.passages, answer),
        recommendations: [],
        notes,
        mode: answer.mode,
      };
    } catch (err) {
      // A dropped connection or a restarting database: let the caller's queue retry the whole turn.
      if (isTransient(err)) throw err;
      log.error({ err, userId }, 'answering failed; replying with an apology');
      reply = { kind: 'apology', text: APOLOGY, sources: [], confidence: 0, recommendations: [], notes, mode: 'none' };
    }
    return this.logTurn(log, userId, msg, started, reply, picks, storedQuestion(raw));
  }

  /**
   * Runs the answerer. When someone listens to the text (progress.onText) and the answerer streams, the growing text
   * goes to the listener as it is produced, through a pump (below) so a slow surface never slows the model; then the
   * final text once more if it differs from the last one shown. Otherwise the final text is reported once.
   */
  private async answer(input: AnswerInput, progress: AnswerProgress, report: ProgressReport): Promise<Answer> {
    const answerer = this.deps.answerer;
    if (!progress.onText || typeof answerer.answerStream !== 'function') {
      const answer = await answerer.invoke(input);
      await report('onText', answer.text);
      return answer;
    }
    const pump = textPump((text) => report('onText', text));
    let answer: Answer;
    try {
      answer = await answerer.answerStream(input, pump.push);
    } catch (err) {
      await pump.stop(); // no report runs after the turn is over
      throw err;
    }
    await pump.finish(answer.text);
    return answer;
  }

  /**
   * Whether the assistant already answered in this thread (for anyone). Slack uses it to follow up on
   * thread replies that do not mention the bot. Service scope: it reveals no content, only a yes/no.
   */
  async hasAnsweredThread(channel: IncomingMessage['channel'], conversationId: string, threadId: string): Promise<boolean> {
    return inServiceScope(this.deps.ds, (m) => hasAnsweredThread(m, channel, conversationId, threadId));
  }

  private async embedOrNull(question: string, log: Logger): Promise<number[] | undefined> {
    try {
      return await this.deps.retriever.embedQuery(question);
    } catch (err) {
      log.warn({ err }, 'embedding the question failed; falling back to keyword search');
      return undefined;
    }
  }

  /** Writes the turn and its recommendations in one user-scoped transaction; a concurrent duplicate loses cleanly. */
  private async logTurn(
    log: Logger,
    userId: string,
    msg: IncomingMessage,
    started: number,
    reply: Omit<BotReply, 'chatMessageId' | 'duplicate'>,
    picks: Array<Omit<RecommendationCard, 'id'>>,
    message: string,
  ): Promise<BotReply> {
    const processingTime = Date.now() - started;
    try {
      return await inUserScope(this.deps.ds, userId, async (m) => {
        const chatMessageId = await insertChatTurn(m, {
          userId,
          message,
          response: reply.text,
          confidence: reply.confidence,
          sources: reply.sources,
          processingTimeMs: processingTime,
          channel: msg.channel,
          tenantId: msg.tenantId,
          conversationId: msg.conversationId,
          threadId: msg.threadId ?? null,
          platformMessageId: msg.messageId || null,
        });
        if (!chatMessageId) return (await this.findTurn(m, userId, msg))!;
        const recommendations: RecommendationCard[] = [];
        for (const p of picks) {
          const id = await insertRecommendation(m, { userId, type: p.type, itemId: p.itemId, score: p.score, reason: p.reason });
          recommendations.push({ id, ...p });
        }
        log.info(
          { userId, chatMessageId, ms: processingTime, confidence: reply.confidence, mode: reply.mode, kind: reply.kind },
          'turn answered',
        );
        return { ...reply, recommendations, chatMessageId, duplicate: false };
      });
    } catch (err) {
      // Transient: retried by the queue (the turn is idempotent by message id), nothing was written.
      if (isTransient(err)) throw err;
      // The database refused the log: still answer, and keep the whole turn in the application log.
      log.error({ err, userId, question: message, answer: reply.text }, 'could not log the turn to chat_messages');
      return { ...reply, recommendations: [], chatMessageId: null, duplicate: false };
    }
  }

  /** The stored reply for a message id we have already answered (platform retries). */
  private async findTurn(m: EntityManager, userId: string, msg: IncomingMessage): Promise<BotReply | undefined> {
    if (!msg.messageId) return undefined;
    const row = await findTurnByPlatformMessage(m, userId, {
      channel: msg.channel,
      conversationId: msg.conversationId,
      platformMessageId: msg.messageId,
    });
    if (!row) return undefined;
    return {
      kind: 'answer',
      text: row.response ?? '',
      sources: (row.sources ?? []) as SourceRef[],
      confidence: row.confidence ?? 0,
      recommendations: [],
      chatMessageId: row.id,
      duplicate: true,
      notes: [],
      mode: 'none',
    };
  }

  /**
   * The user's earlier turns in this thread, oldest first. A top-level DM has no thread, so its recent
   * turns (last 30 minutes) count as the conversation. RLS limits this to the asker's own messages.
   */
  private async loadHistory(m: EntityManager, userId: string, msg: IncomingMessage): Promise<HistoryTurn[]> {
    const rows = await findRecentTurns(m, {
      userId,
      channel: msg.channel,
      conversationId: msg.conversationId,
      threadId: msg.threadId ?? null,
      limit: this.deps.historyTurns ?? 6,
    });
    return rows.reverse().map((r) => ({ question: r.message, answer: r.response }));
  }
}

const round3 = (x: number) => Math.round(x * 1000) / 1000;

function sourceRef(p: RetrievedPassage, i: number): SourceRef {
  const url = sourceUrl(p.metadata.url);
  return {
    n: i + 1,
    id: p.id,
    title: p.title,
    contentType: p.contentType,
    similarity: p.similarity === null ? null : round3(p.similarity),
    ...(url ? { url } : {}),
  };
}

type ProgressReport = ReturnType<typeof progressReporter>;

/** Calls a progress callback; after the first failure (a refused stream, say) it stops calling and the answer goes on. */
function progressReporter(progress: AnswerProgress, log: Logger) {
  let broken = false;
  return async <K extends keyof AnswerProgress>(name: K, value: Parameters<NonNullable<AnswerProgress[K]>>[0]): Promise<void> => {
    const callback = progress[name] as ((v: typeof value) => Promise<void> | void) | undefined;
    if (broken || !callback) return;
    try {
      await callback.call(progress, value);
    } catch (err) {
      broken = true;
      log.warn({ err, progress: name }, 'progress report failed; answering without further progress reports');
    }
  };
}

/**
 * Hands the growing answer text to a surface one call at a time without ever making the answerer wait: while a call
 * runs, newer text replaces the waiting one, so a slow surface skips intermediate steps instead of slowing the model
 * (whose timeout keeps running). `finish(final)` waits for the call in flight, then delivers the final text if the
 * surface has not seen it yet; `stop()` drops what is waiting and waits for the call in flight.
 */
function textPump(deliver: (text: string) => Promise<void>) {
  let latest = '';
  let delivered = '';
  let running: Promise<void> | undefined;
  const drain = async () => {
    try {
      while (latest !== delivered) {
        const text = latest;
        delivered = text;
        await deliver(text);
      }
    } finally {
      running = undefined;
    }
  };
  // drain() is only started with something to deliver, so it always awaits before its finally clears `running`
  const kick = () => {
    if (!running && latest !== delivered) running = drain();
  };
  const settle = async () => {
    while (running) await running;
  };
  return {
    push: (text: string): void => {
      latest = text;
      kick();
    },
    finish: async (final: string): Promise<void> => {
      latest = final;
      kick();
      await settle();
    },
    stop: async (): Promise<void> => {
      latest = delivered;
      await settle();
    },
  };
}
