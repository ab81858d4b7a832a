import type { webApi } from '@slack/bolt';
import type { MatchedCommand } from '../../core/learning';
import type { AnswerProgress, IncomingMessage } from '../../core/messages';
import type { JobContext, JobHandlers } from '../../jobs/job-queue';
import type { Logger } from '../../observability/logger';
import { finishEarlierStream, SlackAnswerStream, STATUS, STREAM_REF } from './answer-stream';
import { answerMessage, type SlackMessage } from './blocks/answer-blocks';
import { APOLOGY_TEXT, noticeMessage } from './blocks/notice-blocks';
import type { SlackTurn } from './incoming';
import { runLearning } from './listeners/commands/learning-commands';
import { type SlackDeps, slackErrorCode } from './slack-deps';

/**
 * One Slack delivery, as the listeners accept it and the workers run it. Plain JSON (it is stored in
 * the queue): where to reply and what to do. Every Slack path (DM, @mention, thread follow-up,
 * /learn, the learning slash commands and DM keywords) is one of these.
 */
export interface SlackJob {
  v: 1;
  teamId: string;
  user: string;
  target: /** a post in the conversation: in `replyThreadTs`, or top-level; `ts` is the person's message (reaction) */
    | { type: 'conversation'; channel: string; ts: string; replyThreadTs: string | null }
    /** a private reply through a slash command's response_url (valid 30 minutes, 5 uses) */
    | { type: 'response_url'; url: string; channel: string };
  action:
    | { type: 'question'; text: string; messageId: string; onlyIfThreadAnswered?: boolean }
    | { type: 'command'; command: MatchedCommand; reportText?: string; dmChannel?: string };
}

/** Marks our posts so a retried job can find what an earlier attempt already posted. */
export const REPLY_EVENT_TYPE = 'learning_assistant_reply';

export function isSlackJob(data: unknown): data is SlackJob {
  const j = data as Partial<SlackJob> | null;
  if (!j || typeof j !== 'object' || j.v !== 1 || typeof j.teamId !== 'string' || typeof j.user !== 'string') return false;
  const t = j.target as Record<string, unknown> | undefined;
  const a = j.action as Record<string, unknown> | undefined;
  const targetOk =
    t?.type === 'conversation'
      ? typeof t.channel === 'string' && typeof t.ts === 'string'
      : t?.type === 'response_url'
        ? typeof t.url === 'string'
        : false;
  const actionOk =
    a?.type === 'question'
      ? typeof a.text === 'string' && typeof a.messageId === 'string'
      : a?.type === 'command'
        ? typeof a.command === 'object' && a.command !== null
        : false;
  return targetOk && actionOk;
}

/** The job for a message event the listeners decided to answer. */
export function messageJob(teamId: string, turn: SlackTurn, action: SlackJob['action']): SlackJob {
  return {
    v: 1,
    teamId,
    user: turn.user,
    target: { type: 'conversation', channel: turn.channel, ts: turn.ts, replyThreadTs: turn.replyThreadTs },
    action,
  };
}

/** The de-duplication key of a message: app_mention and message for one mention, and every retry, share it. */
export const turnKey = (turn: Pick<SlackTurn, 'channel' | 'ts'>) => `${turn.channel}:${turn.ts}`;

/**
 * The worker side: answer or run the command, render, post once. Transient failures throw (the queue
 * retries with backoff); the queue calls giveUp after the last attempt, which posts a short apology.
 */
export function slackJobHandlers(deps: SlackDeps, client: webApi.WebClient): JobHandlers<SlackJob> {
  return {
    isValid: isSlackJob,
    run: (job, ctx) => runSlackJob(deps, client, job, ctx),
    giveUp: async (job, ctx) => {
      const log = logFor(deps, job, ctx);
      const recorded = await ctx.recordedReply().catch(() => null);
      if (recorded?.startsWith(STREAM_REF) && job.target.type === 'conversation') {
        // an answer began streaming and never finished: remove it, the apology replaces it
        const ts = recorded.slice(STREAM_REF.length);
        await client.chat.stopStream({ channel: job.target.channel, ts }).catch(() => {});
        await client.chat.delete({ channel: job.target.channel, ts }).catch((err) => {
          log.warn({ err, slackError: slackErrorCode(err), ts }, 'could not remove the unfinished streamed answer');
        });
      }
      await deliver(deps, client, job, ctx, noticeMessage(APOLOGY_TEXT), log);
    },
  };
}

async function runSlackJob(deps: SlackDeps, client: webApi.WebClient, job: SlackJob, ctx: JobContext): Promise<void> {
  const log = logFor(deps, job, ctx);
  const recorded = await ctx.recordedReply();
  if (recorded && !recorded.startsWith(STREAM_REF)) {
    log.info({}, 'an earlier attempt already posted the reply: nothing to do');
    return;
  }
  // An earlier attempt started streaming the answer and did not finish: finish that message, post nothing new.
  const earlierStream = recorded?.slice(STREAM_REF.length);
  const { action, target } = job;
  if (action.type === 'question' && action.onlyIfThreadAnswered && target.type === 'conversation') {
    await deps.ackGate.quiet();
    if (!target.replyThreadTs || !(await deps.conversation.hasAnsweredThread('slack', target.channel, target.replyThreadTs))) {
      log.debug({}, 'thread reply in a thread the assistant has not answered: ignored');
      deps.metrics?.answers.inc({ channel: 'slack', outcome: 'skipped' });
      return;
    }
  }
  const working = await showWorking(deps, client, job, log);
  let streamed = false;
  try {
    if (action.type === 'question') {
      streamed = await answer(deps, client, job, ctx, action, working, log, earlierStream);
    } else {
      let replied = false;
      await runLearning(
        deps,
        action.command,
        {
          client,
          teamId: job.teamId,
          slackUserId: job.user,
          ...(action.dmChannel ? { dmChannel: action.dmChannel } : {}),
          reply: async (message) => {
            await deliver(deps, client, job, ctx, message, log, replied);
            replied = true;
          },
        },
        log,
        action.reportText,
      );
      deps.metrics?.answers.inc({ channel: 'slack', outcome: 'command' });
    }
  } finally {
    await working.done(streamed);
  }
}

/** Slack DMs (D…) are where the assistant status is shown; channels get the progress reaction. */
export const isDmChannel = (channel: string) => channel.startsWith('D');

/** The metadata on our replies: how a retried job finds what an earlier attempt posted. */
const replyMetadata = (key: string) => ({ event_type: REPLY_EVENT_TYPE, event_payload: { key } });

/**
 * Answers a question. In a conversation (first attempt) the answer streams into a message while it is
 * made; when Slack refuses the stream or it breaks, or on a retry, the whole answer is posted once.
 * True when the answer is in a streamed message (in the question's thread, which clears the status).
 */
async function answer(
  deps: SlackDeps,
  client: webApi.WebClient,
  job: SlackJob,
  ctx: JobContext,
  action: Extract<SlackJob['action'], { type: 'question' }>,
  working: Working,
  log: Logger,
  earlierStream: string | undefined,
): Promise<boolean> {
  await deps.ackGate.quiet();
  const profile = await deps.profiles.get(client, job.teamId, job.user);
  // With agent messaging (the DM status works) every question is its own thread: the answer, streamed or
  // posted, goes in the question's thread, and the turn belongs to that thread's conversation memory.
  const target: SlackJob['target'] =
    job.target.type === 'conversation' && !job.target.replyThreadTs && working.agent
      ? { ...job.target, replyThreadTs: job.target.ts }
      : job.target;
  job = { ...job, target };
  const incoming: IncomingMessage = {
    channel: 'slack',
    tenantId: job.teamId,
    platformUserId: job.user,
    ...(profile ? { profile } : {}),
    conversationId: target.channel,
    threadId: target.type === 'conversation' ? target.replyThreadTs : null,
    messageId: action.messageId,
    text: action.text,
  };
  const metadata = replyMetadata(ctx.key);
  // Retries do not stream: deliver() first looks for what an earlier attempt posted.
  const stream =
    target.type === 'conversation' && deps.streaming.enabled && ctx.attempt === 1
      ? new SlackAnswerStream(
          client,
          {
            channel: target.channel,
            threadTs: target.replyThreadTs ?? target.ts,
            isDm: isDmChannel(target.channel),
            teamId: job.teamId,
            userId: job.user,
          },
          { log, minIntervalMs: deps.streaming.minIntervalMs, metadata, onStarted: (ts) => ctx.recordReply(`${STREAM_REF}${ts}`) },
        )
      : undefined;
  const progress: AnswerProgress = {
    onStatus: (status) => working.status(status),
    ...(stream ? { onSources: (sources) => stream.onSources(sources), onText: (text: string) => stream.onText(text) } : {}),
  };
  // A retry after a crash finds the turn already logged (duplicate) and posts the stored answer.
  const reply = await deps.conversation.handle(incoming, progress);
  deps.metrics?.answers.inc({ channel: 'slack', outcome: reply.duplicate ? 'replayed' : reply.kind });
  await deps.ackGate.quiet();
  if (earlierStream && target.type === 'conversation') {
    if (await finishEarlierStream(client, target.channel, earlierStream, reply, metadata, log)) {
      await ctx.recordReply(earlierStream);
      return true;
    }
  }
  if (stream && (await stream.finish(reply))) {
    await ctx.recordReply(stream.ts!);
    return true;
  }
  await deliver(deps, client, job, ctx, answerMessage(reply), log);
  return false;
}

/**
 * Posts a reply once: an earlier attempt's post (found by its metadata) is recorded instead of posting
 * again; the posted ts is recorded against the delivery before the job completes. `more` marks a
 * second reply of the same job (learning commands may reply twice), which is not recorded again.
 */
async function deliver(
  deps: SlackDeps,
  client: webApi.WebClient,
  job: SlackJob,
  ctx: JobContext,
  message: SlackMessage,
  log: Logger,
  more = false,
): Promise<void> {
  await deps.ackGate.quiet();
  const { target } = job;
  if (target.type === 'response_url') {
    await respond(target.url, message);
    if (!more) await ctx.recordReply('response_url');
    return;
  }
  if (ctx.attempt > 1 && !more) {
    const earlier = await findEarlierPost(client, target, ctx.key).catch((err) => {
      log.warn({ err, slackError: slackErrorCode(err) }, 'could not check for an earlier post; posting');
      return undefined;
    });
    if (earlier) {
      log.info({ replyTs: earlier }, 'found the reply an earlier attempt posted: not posting again');
      await ctx.recordReply(earlier);
      return;
    }
  }
  const res = await client.chat
    .postMessage({
      channel: target.channel,
      ...(target.replyThreadTs ? { thread_ts: target.replyThreadTs } : {}),
      text: message.text,
      blocks: message.blocks,
      unfurl_links: false,
      unfurl_media: false,
      metadata: replyMetadata(ctx.key),
    })
    .catch((err) => {
      log.error({ err, slackError: slackErrorCode(err), threadTs: target.replyThreadTs }, 'could not post the answer to Slack');
      throw err;
    });
  if (!more) await ctx.recordReply(typeof res.ts === 'string' ? res.ts : 'posted');
}

/** Our post for this delivery, if an earlier attempt made it: the thread's replies or the channel's recent history. */
async function findEarlierPost(
  client: webApi.WebClient,
  target: Extract<SlackJob['target'], { type: 'conversation' }>,
  key: string,
): Promise<string | undefined> {
  const res = target.replyThreadTs
    ? await client.conversations.replies({
        channel: target.channel,
        ts: target.replyThreadTs,
        oldest: target.ts,
        include_all_metadata: true,
        limit: 100,
      })
    : await client.conversations.history({ channel: target.channel, oldest: target.ts, include_all_metadata: true, limit: 100 });
  const messages = (res.messages ?? []) as Array<{ ts?: string; metadata?: { event_type?: string; event_payload?: { key?: unknown } } }>;
  return messages.find((m) => m.metadata?.event_type === REPLY_EVENT_TYPE && m.metadata.event_payload?.key === key)?.ts;
}

/** A private reply through a response_url (what Bolt's respond() does, without needing the request). */
async function respond(url: string, message: SlackMessage): Promise<void> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ response_type: 'ephemeral', replace_original: false, text: message.text, blocks: message.blocks }),
    signal: AbortSignal.timeout(15_000),
  });
  if (!res.ok) throw Object.assign(new Error(`response_url answered ${res.status}`), { status: res.status });
}

/** How the person sees that the answer is being worked on: the assistant status in DMs, else the progress reaction. */
interface Working {
  /** the assistant status works here (a DM with agent messaging) */
  agent: boolean;
  /** a new phase (DMs with the status only) */
  status(phase: keyof typeof STATUS): Promise<void>;
  /** the job is over: the reaction is removed; the status is cleared unless a streamed reply in its thread did that */
  done(streamed: boolean): Promise<void>;
}

async function showWorking(deps: SlackDeps, client: webApi.WebClient, job: SlackJob, log: Logger): Promise<Working> {
  const { target } = job;
  const none: Working = { agent: false, status: async () => {}, done: async () => {} };
  if (target.type !== 'conversation' || job.action.type !== 'question') return none;
  const threadTs = target.replyThreadTs ?? target.ts;
  const setStatus = (status: string, loading?: string[]) =>
    client.assistant.threads.setStatus({
      channel_id: target.channel,
      thread_ts: threadTs,
      status,
      ...(loading ? { loading_messages: loading } : {}),
    });
  if (deps.streaming.enabled && isDmChannel(target.channel)) {
    try {
      await deps.ackGate.quiet();
      await setStatus(STATUS.searching.status, STATUS.searching.loading_messages);
      let shown: string = 'searching';
      return {
        agent: true,
        status: async (phase) => {
          if (phase === shown) return;
          shown = phase;
          await setStatus(STATUS[phase].status, STATUS[phase].loading_messages).catch((err) =>
            log.debug({ err, slackError: slackErrorCode(err) }, 'could not update the assistant status'),
          );
        },
        done: async (streamed) => {
          if (streamed) return;
          await setStatus('').catch((err) => log.debug({ err, slackError: slackErrorCode(err) }, 'could not clear the assistant status'));
        },
      };
    } catch (err) {
      log.info({ err, slackError: slackErrorCode(err) }, 'no assistant status here; showing the progress reaction');
    }
  }
  const reacted = await addReaction(deps, client, job, log);
  return { agent: false, status: async () => {}, done: async () => (reacted ? removeReaction(deps, client, job, log) : undefined) };
}

async function addReaction(deps: SlackDeps, client: webApi.WebClient, job: SlackJob, log: Logger): Promise<boolean> {
  if (!deps.progressReaction || job.target.type !== 'conversation' || job.action.type !== 'question') return false;
  try {
    await client.reactions.add({ channel: job.target.channel, timestamp: job.target.ts, name: deps.progressReaction });
    return true;
  } catch (err) {
    const code = slackErrorCode(err);
    if (code === 'already_reacted') return true;
    log.warn({ err, slackError: code }, 'could not add the progress reaction (answering anyway)');
    return false;
  }
}

async function removeReaction(deps: SlackDeps, client: webApi.WebClient, job: SlackJob, log: Logger): Promise<void> {
  if (job.target.type !== 'conversation') return;
  try {
    await client.reactions.remove({ channel: job.target.channel, timestamp: job.target.ts, name: deps.progressReaction });
  } catch (err) {
    const code = slackErrorCode(err);
    if (code !== 'no_reaction') log.warn({ err, slackError: code }, 'could not remove the progress reaction');
  }
}

function logFor(deps: SlackDeps, job: SlackJob, ctx: JobContext): Logger {
  const where =
    job.target.type === 'conversation'
      ? { channel: job.target.channel, ts: job.target.ts }
      : { channel: job.target.channel, via: 'response_url' };
  return deps.logger.child({ component: 'slack', jobId: ctx.jobId, attempt: ctx.attempt, user: job.user, ...where });
}
