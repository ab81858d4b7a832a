import type { Activity, Entity, TurnContext } from 'botbuilder';
import type { AnswerProgress } from '../../core/messages';
import type { Logger } from '../../observability/logger';
import { MAX_ANSWER_TEXT_BYTES } from './answer-message';
import { answerMarkdown } from './cards/format';
import { ConnectorRefusal, postActivity } from './connector';

/**
 * Teams' streaming of a bot message (personal chats only; learn.microsoft.com/microsoftteams/platform/bots/streaming-ux):
 * an informative update (typing + streaminfo "informative", sequence 1) whose id becomes the streamId,
 * then "streaming" typing activities carrying the whole text so far (sequence 2, 3, ..., at most one a
 * second), then the final message (streamType "final", no sequence) with everything a message may carry.
 * Any refusal (403 ContentStreamNotAllowed when the person pressed Stop or the two minutes ran out, 400
 * BadArgument, 429, a network error) ends the streaming: the answer then goes out as one normal message.
 */

export const INFORMATIVE_TEXT = 'Searching your learning content…';

export interface AnswerStreamOptions {
  /** at least this long between two requests of one stream (Teams asks for at most one a second) */
  intervalMs: number;
  /** stop streaming chunks this long after the start (Teams ends a stream after two minutes) */
  maxMs: number;
  log: Logger;
  /** posts one activity, returns its id (default: postActivity, which keeps the entities intact) */
  post?: (activity: Partial<Activity>) => Promise<string | undefined>;
}

type State = 'idle' | 'open' | 'closed';

export class TeamsAnswerStream implements AnswerProgress {
  private state: State = 'idle';
  private streamId: string | undefined;
  private sequence = 0;
  private startedAt = 0;
  private lastSentAt = 0;
  /** the text of the last chunk Teams accepted */
  private sent = '';
  private readonly post: (activity: Partial<Activity>) => Promise<string | undefined>;

  constructor(
    context: TurnContext,
    private readonly opts: AnswerStreamOptions,
  ) {
    this.post = opts.post ?? ((a) => postActivity(context, a));
  }

  /** whether the stream is open (started and not refused) */
  get streaming(): boolean {
    return this.state === 'open';
  }

  /** The informative update: the person sees "Searching your learning content…" at once. */
  async start(text = INFORMATIVE_TEXT): Promise<void> {
    if (this.state !== 'idle') return;
    this.startedAt = Date.now();
    const info = { streamType: 'informative', streamSequence: 1 };
    try {
      const id = await this.post({ type: 'typing', text, entities: [streamInfo(info)], channelData: info });
      if (!id) throw new Error('the Bot Connector gave the first streaming activity no id');
      this.streamId = id;
      this.sequence = 1;
      this.lastSentAt = Date.now();
      this.state = 'open';
    } catch (err) {
      this.refused(err, 'informative');
    }
  }

  async onText(textSoFar: string): Promise<void> {
    if (this.state !== 'open') return;
    const now = Date.now();
    if (now - this.startedAt > this.opts.maxMs) return; // too late for chunks: the final decides
    if (now - this.lastSentAt < this.opts.intervalMs) return; // the next call (or the final) carries it
    const text = streamableText(textSoFar);
    // Each chunk must contain the previous one; the final text is the formatted whole.
    if (!text || text === this.sent || !text.startsWith(this.sent) || Buffer.byteLength(text, 'utf8') > MAX_ANSWER_TEXT_BYTES) return;
    const info = { streamId: this.streamId, streamType: 'streaming', streamSequence: this.sequence + 1 };
    try {
      await this.post({ type: 'typing', text, entities: [streamInfo(info)], channelData: info });
      this.sequence += 1;
      this.sent = text;
      this.lastSentAt = Date.now();
    } catch (err) {
      this.refused(err, 'streaming');
    }
  }

  /**
   * Sends the final message: ends the stream with it when the stream is open, else (never opened,
   * refused, or the final itself refused) posts it as one normal message. Returns the message's id.
   */
  async finish(final: Partial<Activity>): Promise<string | undefined> {
    if (this.state === 'open') {
      this.state = 'closed';
      const wait = this.opts.intervalMs - (Date.now() - this.lastSentAt);
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      const info = { streamId: this.streamId, streamType: 'final' };
      try {
        const id = await this.post({
          ...final,
          entities: [...(final.entities ?? []), streamInfo(info)],
          channelData: { ...(final.channelData ?? {}), ...info },
        });
        // Teams answers the final with 202 {}: the streamed message keeps the stream's id.
        return id ?? this.streamId;
      } catch (err) {
        this.refused(err, 'final');
      }
    }
    this.state = 'closed';
    return this.post(final);
  }

  private refused(err: unknown, step: string): void {
    this.state = 'closed';
    const details =
      err instanceof ConnectorRefusal
        ? { status: err.status, code: err.connectorCode, reason: err.message }
        : { err: err as Error, reason: String(err) };
    this.opts.log.warn({ ...details, step, streamId: this.streamId }, 'Teams refused the streamed answer: sending it as one message');
  }
}

function streamInfo(info: Record<string, unknown>): Entity {
  return { type: 'streaminfo', ...info } as Entity;
}

/**
 * What of a growing answer can be streamed, formatted as the final text will be, so that every chunk
 * is a prefix of the next and of the final message: the complete lines, and the line being written
 * once its start can no longer change how it is formatted (a word, a space and more: "•" alone might
 * still become a list item).
 */
export function streamableText(textSoFar: string): string {
  const end = textSoFar.lastIndexOf('\n');
  const tail = textSoFar.slice(end + 1);
  const settled = /^\s*\S+\s+\S/.test(tail) ? textSoFar : textSoFar.slice(0, Math.max(end, 0));
  return answerMarkdown(settled.trim());
}
