import { APOLOGY, type BotReply, sourceUrl } from '../../../core/messages';

/**
 * What the Try it events stream carries (GET /api/chat/messages/:messageId/events, Server-Sent Events):
 * - `status` {status: 'queued' | 'searching' | 'answering' | 'retrying'}: a phase begins ('retrying': an earlier
 *   attempt broke off; its text is replaced by the next `text` events);
 * - `sources` {sources}: the passages the answer may cite, before any text;
 * - `text` {text}: the WHOLE answer text so far (not a delta), so a client always shows the latest one as is;
 * - `final` (WebFinal): the reply, once; the stream then ends;
 * - `apology` {text}: answering failed for good; the stream then ends.
 * Reconnecting (EventSource does, or just request again) replays the current state, or the final reply: never a
 * second answer.
 */
export type ChatEvent =
  | { event: 'status'; data: { status: 'queued' | 'searching' | 'answering' | 'retrying' } }
  | { event: 'sources'; data: { sources: WebSource[] } }
  | { event: 'text'; data: { text: string } }
  | { event: 'final'; data: WebFinal }
  | { event: 'apology'; data: { text: string } };

export interface WebSource {
  n: number;
  title: string;
  contentType: string;
  /** the content's http(s) link, when it has one */
  url?: string;
}

export interface WebCard {
  /** the recommendations row (POST /api/chat/recommendations/:id/start) */
  id: string;
  type: string;
  title: string;
  reason: string;
}

/** The reply as the browser renders it: Markdown text with [n] citations, numbered sources, cards. */
export interface WebFinal {
  kind: 'answer' | 'help';
  /** Markdown */
  text: string;
  sources: WebSource[];
  /** 0..1 */
  confidence: number;
  recommendations: WebCard[];
  /** for feedback (POST /api/chat/feedback); null only if logging the turn failed */
  chatMessageId: string | null;
  notes: string[];
}

// sourceUrl again: a replayed turn's sources come back from the database.
export const webSources = (sources: Array<{ n: number; title: string; contentType: string; url?: string }>): WebSource[] =>
  sources.map((s) => {
    const url = sourceUrl(s.url);
    return { n: s.n, title: s.title, contentType: s.contentType, ...(url ? { url } : {}) };
  });

/** The event that ends a turn: the final reply, or the apology when answering broke. */
export function finalEvent(reply: BotReply): ChatEvent {
  // a replayed turn (duplicate) comes back as kind 'answer' whatever it was: its text tells an apology
  if (reply.kind === 'apology' || reply.text === APOLOGY) return { event: 'apology', data: { text: reply.text || APOLOGY } };
  return {
    event: 'final',
    data: {
      kind: reply.kind,
      text: reply.text,
      sources: webSources(reply.sources),
      confidence: reply.confidence,
      recommendations: reply.recommendations.map((r) => ({ id: r.id, type: r.type, title: r.title, reason: r.reason })),
      chatMessageId: reply.chatMessageId,
      notes: reply.notes,
    },
  };
}

/** The apology a turn ends with when its job gave up. */
export const apologyEvent = (): ChatEvent => ({ event: 'apology', data: { text: APOLOGY } });

/** A stored final event (processed_events.reply_ref), or undefined when it is not one of ours. */
export function parseStoredEvent(ref: string | null): ChatEvent | undefined {
  if (!ref) return undefined;
  try {
    const ev = JSON.parse(ref) as ChatEvent;
    return ev && (ev.event === 'final' || ev.event === 'apology') && typeof ev.data === 'object' ? ev : undefined;
  } catch {
    return undefined;
  }
}

/** A terminal event: the stream ends after it. */
export const isTerminal = (ev: ChatEvent) => ev.event === 'final' || ev.event === 'apology';
