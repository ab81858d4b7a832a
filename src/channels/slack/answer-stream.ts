import type { types, webApi } from '@slack/bolt';
import type { AnswerProgress, BotReply, SourceRef } from '../../core/messages';
import type { Logger } from '../../observability/logger';
import { answerTailBlocks, answerTextBlock, fallbackText } from './blocks/answer-blocks';
import { retrievalStep } from './blocks/retrieval-step';
import { slackErrorCode } from './slack-deps';

/** What the person sees while the answer is being worked out (assistant.threads.setStatus). */
export const STATUS: Record<'searching' | 'answering', { status: string; loading_messages: string[] }> = {
  searching: {
    status: 'is searching the learning content…',
    loading_messages: ['Searching the learning content…', 'Reading the most relevant passages…'],
  },
  answering: { status: 'is writing the answer…', loading_messages: ['Writing the answer…', 'Numbering the sources…'] },
};

/** Prefix of the reply reference recorded when a stream starts (the final reply reference is the bare ts). */
export const STREAM_REF = 'stream:';

/** Where an answer streams to. */
export interface StreamPlace {
  channel: string;
  /** Slack streams into a thread: the answer's thread, or the question's own ts */
  threadTs: string;
  /** outside a DM Slack needs the recipient (recipient_team_id / recipient_user_id) or streaming silently fails */
  isDm: boolean;
  teamId: string;
  userId: string;
}

export interface StreamOptions {
  log: Logger;
  /** at most one appendStream per this many ms (default 300): a fast stream must not hit rate limits */
  minIntervalMs?: number;
  /** called once the stream message exists (records it against the job, so a retry finishes it instead of posting again) */
  onStarted(ts: string): Promise<void>;
  /** metadata put on the finished message (how a retried job finds it) */
  metadata: { event_type: string; event_payload: Record<string, string> };
}

/** workspace:error pairs whose stream refusal was logged at warn level (later ones go to debug) */
const REFUSALS_LOGGED = new Set<string>();

/** What a stream starts with: the first text, or chunks (the retrieval step). */
type StreamStart = { markdown_text: string } | { chunks: types.AnyChunk[] };

/**
 * One answer streamed into Slack (chat.startStream → appendStream → stopStream), driven by the core's
 * AnswerProgress. The callbacks never throw: a refused or broken stream only changes `state`, and the
 * worker then posts the whole answer as an ordinary message (finish() returns false).
 *
 * When retrieval finishes (onSources) the stream starts with a task_update chunk: the search as a completed
 * task step with its sources (blocks/retrieval-step.ts); the answer text follows as it is written. A
 * workspace that refuses the chunk gets the text streamed without it, as if there had been no step.
 *
 *   idle       nothing sent yet (no sources and no text so far, or the retrieval step was refused)
 *   streaming  the message exists; text is appended at most every minIntervalMs
 *   refused    chat.startStream failed: nothing visible was made
 *   broken     a later call failed: the partial message is removed (best effort) and the answer posted normally
 *   done       stopped with the final text and blocks
 */
export class SlackAnswerStream implements AnswerProgress {
  state: 'idle' | 'streaming' | 'refused' | 'broken' | 'done' = 'idle';
  /** the stream message */
  ts: string | undefined;
  /** what Slack has been sent so far */
  private sent = '';
  private lastSentAt = 0;
  /** the text so far stopped extending what was sent (the contract says it only grows; the final text is the truth) */
  private diverged = false;
  private readonly minIntervalMs: number;

  constructor(
    private readonly client: webApi.WebClient,
    private readonly place: StreamPlace,
    private readonly opts: StreamOptions,
  ) {
    this.minIntervalMs = opts.minIntervalMs ?? 300;
  }

  async onSources(sources: SourceRef[]): Promise<void> {
    if (this.state !== 'idle' || !sources.length) return;
    await this.start({ chunks: [retrievalStep(sources)] });
  }

  async onText(textSoFar: string): Promise<void> {
    if (this.state === 'idle') {
      if (textSoFar.trim()) await this.start({ markdown_text: textSoFar });
      return;
    }
    if (this.state !== 'streaming' || this.diverged) return;
    if (!textSoFar.startsWith(this.sent)) {
      this.diverged = true;
      return;
    }
    if (Date.now() - this.lastSentAt < this.minIntervalMs) return; // the next call, or stopStream, carries it
    const delta = textSoFar.slice(this.sent.length);
    if (!delta) return;
    try {
      await this.client.chat.appendStream({ channel: this.place.channel, ts: this.ts!, markdown_text: delta });
      this.sent = textSoFar;
      this.lastSentAt = Date.now();
    } catch (err) {
      this.fail('appendStream', err);
    }
  }

  /**
   * Ends the stream with the final reply: the rest of its text, then sources, confidence, cards and
   * Slack's feedback buttons. True when the answer is shown in the stream message; false when the
   * caller must post it as an ordinary message (the stream never started, or broke).
   */
  async finish(reply: BotReply): Promise<boolean> {
    if (this.state === 'streaming') {
      const tail = answerTailBlocks(reply, 'feedback_buttons');
      const { channel } = this.place;
      const ts = this.ts!;
      try {
        if (!this.diverged && reply.text.startsWith(this.sent)) {
          const rest = reply.text.slice(this.sent.length);
          await this.client.chat.stopStream({
            channel,
            ts,
            ...(rest ? { markdown_text: rest } : {}),
            blocks: tail,
            metadata: this.opts.metadata,
          });
        } else {
          // The final text is not what was streamed (the model failed midway and another answer replaced it):
          // close the stream and replace the message with the final answer.
          this.opts.log.info({ ts }, 'the final answer differs from the streamed text: replacing the message');
          await this.client.chat.stopStream({ channel, ts, metadata: this.opts.metadata });
          await this.client.chat.update({ channel, ts, text: fallbackText(reply.text), blocks: [answerTextBlock(reply.text), ...tail] });
        }
        this.state = 'done';
        return true;
      } catch (err) {
        this.fail('stopStream', err);
      }
    }
    if (this.state === 'broken') await this.removePartial();
    return false;
  }

  private async start(content: StreamStart): Promise<void> {
    const { channel, threadTs, isDm, teamId, userId } = this.place;
    const withChunks = 'chunks' in content;
    try {
      const res = await this.client.chat.startStream({
        channel,
        thread_ts: threadTs,
        ...content,
        ...(isDm ? {} : { recipient_team_id: teamId, recipient_user_id: userId }),
      });
      if (typeof res.ts !== 'string') throw new Error('chat.startStream returned no ts');
      this.ts = res.ts;
      this.state = 'streaming';
      // The step is no text: the first text is appended at once, not held back by the append interval.
      if (!withChunks) {
        this.sent = content.markdown_text;
        this.lastSentAt = Date.now();
      }
    } catch (err) {
      // A workspace without agent messaging refuses every stream the same way: say so once, not per answer.
      const slackError = slackErrorCode(err);
      const seen = `${teamId}:${withChunks ? 'step:' : ''}${slackError ?? 'unknown'}`;
      const level = REFUSALS_LOGGED.has(seen) ? 'debug' : 'warn';
      REFUSALS_LOGGED.add(seen);
      if (withChunks) {
        // Task steps are newer than text streaming: a workspace may stream text and still refuse the chunk.
        this.opts.log[level](
          { err, slackError, teamId },
          'Slack refused the retrieval step (a task_update chunk); streaming the answer without it (logged once per workspace and error)',
        );
        return; // still idle: the first text starts the stream
      }
      this.state = 'refused';
      this.opts.log[level](
        { err, slackError, teamId },
        'Slack refused to stream the answer; posting it as a message instead (logged once per workspace and error)',
      );
      return;
    }
    try {
      await this.opts.onStarted(this.ts);
    } catch (err) {
      this.opts.log.warn({ err, ts: this.ts }, 'could not record the stream message against the job (a retry may post again)');
    }
  }

  private fail(step: string, err: unknown): void {
    this.state = 'broken';
    this.opts.log.warn(
      { err, slackError: slackErrorCode(err), step, ts: this.ts },
      'streaming the answer broke midway; posting the whole answer as a message instead',
    );
  }

  /** Best effort: close and delete the partial message, so the answer is shown once. */
  private async removePartial(): Promise<void> {
    if (!this.ts) return;
    const { channel } = this.place;
    await this.client.chat.stopStream({ channel, ts: this.ts }).catch(() => {});
    await this.client.chat.delete({ channel, ts: this.ts }).catch((err) => {
      this.opts.log.warn({ err, slackError: slackErrorCode(err), ts: this.ts }, 'could not remove the partial streamed message');
    });
  }
}

/**
 * A retried job whose earlier attempt started a stream (recorded as `stream:<ts>`) and did not finish:
 * close that stream and put the final answer in it. False when the message cannot be updated (then the
 * caller delivers normally, which finds a finished message by its metadata before posting).
 */
export async function finishEarlierStream(
  client: webApi.WebClient,
  channel: string,
  ts: string,
  reply: BotReply,
  metadata: StreamOptions['metadata'],
  log: Logger,
): Promise<boolean> {
  const tail = answerTailBlocks(reply, 'feedback_buttons');
  await client.chat.stopStream({ channel, ts, metadata }).catch((err) => {
    log.debug({ err, slackError: slackErrorCode(err), ts }, 'the earlier stream was already closed');
  });
  try {
    await client.chat.update({ channel, ts, text: fallbackText(reply.text), blocks: [answerTextBlock(reply.text), ...tail], metadata });
    log.info({ ts }, 'finished the answer an earlier attempt started streaming');
    return true;
  } catch (err) {
    log.warn({ err, slackError: slackErrorCode(err), ts }, 'could not finish the earlier stream message');
    return false;
  }
}
