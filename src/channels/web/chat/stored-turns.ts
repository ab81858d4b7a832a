import type { DataSource } from 'typeorm';
import { APOLOGY, type SourceRef } from '../../../core/messages';
import {
  findTurnCards,
  findWebDelivery,
  findWebTurn,
  linkWebIdentity,
  type WebTurnRow,
} from '../../../db/repositories/web-chat-repository';
import { inServiceScope, inUserScope } from '../../../db/user-scope';
import { type ChatEvent, parseStoredEvent, type WebCard, webSources } from './chat-events';

/** The de-duplication key (processed_events.event_id): message ids are the browser's, so they are per viewer. */
export const deliveryKey = (userId: string, messageId: string) => `${userId}:${messageId}`;

/** What the database knows about one viewer's message: nothing (not theirs, or never asked), accepted, answered. */
export interface StoredTurn {
  /** the delivery was accepted for this viewer, or a turn of theirs was logged */
  known: boolean;
  /** the final event the worker recorded against the delivery */
  recorded?: ChatEvent;
  /** the final event rebuilt from the logged turn and the cards logged with it */
  logged?: ChatEvent;
  /** the browser's conversation id of the logged turn */
  conversationId?: string;
}

/**
 * Reads a viewer's turn: the delivery (service scope; its key carries the viewer, so it is theirs) and the logged turn
 * (their own user scope: row-level security refuses anyone else's).
 */
export async function readStoredTurn(ds: DataSource, userId: string, messageId: string): Promise<StoredTurn> {
  const delivery = await inServiceScope(ds, (m) => findWebDelivery(m, deliveryKey(userId, messageId)));
  const recorded = parseStoredEvent(delivery?.replyRef ?? null);
  const logged = recorded
    ? undefined
    : await inUserScope(ds, userId, async (m) => {
        const row = await findWebTurn(m, userId, messageId);
        return row ? { row, cards: await findTurnCards(m, userId, row.id) } : undefined;
      });
  const turn = logged?.row;
  return {
    known: Boolean(delivery || turn),
    recorded,
    logged: logged ? turnEvent(logged.row, logged.cards.map(webCard)) : undefined,
    conversationId: turn?.conversation_id?.startsWith(`${userId}:`) ? turn.conversation_id.slice(userId.length + 1) : undefined,
  };
}

/** The cards logged with a turn (a retried job's reply, which the conversation service replays without them). */
export async function turnCards(ds: DataSource, userId: string, chatMessageId: string): Promise<WebCard[]> {
  return (await inUserScope(ds, userId, (m) => findTurnCards(m, userId, chatMessageId))).map(webCard);
}

const webCard = (r: { id: string; type: string; title: string; reason: string | null }): WebCard => ({
  id: r.id,
  type: r.type,
  title: r.title,
  reason: r.reason ?? '',
});

function turnEvent(row: WebTurnRow, recommendations: WebCard[]): ChatEvent {
  if (row.response === APOLOGY) return { event: 'apology', data: { text: APOLOGY } };
  return {
    event: 'final',
    data: {
      kind: 'answer',
      text: row.response ?? '',
      sources: webSources((row.sources ?? []) as SourceRef[]),
      confidence: row.confidence ?? 0,
      recommendations,
      chatMessageId: row.id,
      notes: [],
    },
  };
}

/** Links each viewer's users row to the web chat identity once per process (see linkWebIdentity). */
export function webIdentityLinker(ds: DataSource): (userId: string) => Promise<boolean> {
  const linked = new Set<string>();
  return async (userId) => {
    if (linked.has(userId)) return true;
    const ok = await inServiceScope(ds, (m) => linkWebIdentity(m, userId));
    if (ok) linked.add(userId);
    return ok;
  };
}
