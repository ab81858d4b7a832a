import type { DataSource } from 'typeorm';
import { APOLOGY, type SourceRef } from '../../../core/messages';
import { findWebDelivery, findWebTurn, linkWebIdentity, type WebTurnRow } from '../../../db/repositories/web-chat-repository';
import { inServiceScope, inUserScope } from '../../../db/user-scope';
import { type ChatEvent, parseStoredEvent, webSources } from './chat-events';
import { deliveryKey } from './web-jobs';

/** What the database knows about one viewer's message: nothing (not theirs, or never asked), accepted, answered. */
export interface StoredTurn {
  /** the delivery was accepted for this viewer, or a turn of theirs was logged */
  known: boolean;
  /** the final event the worker recorded against the delivery */
  recorded?: ChatEvent;
  /** the final event rebuilt from the logged turn (without cards: they are not linked to the turn) */
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
  const turn = recorded ? undefined : await inUserScope(ds, userId, (m) => findWebTurn(m, userId, messageId));
  return {
    known: Boolean(delivery || turn),
    recorded,
    logged: turn ? turnEvent(turn) : undefined,
    conversationId: turn?.conversation_id?.startsWith(`${userId}:`) ? turn.conversation_id.slice(userId.length + 1) : undefined,
  };
}

function turnEvent(row: WebTurnRow): ChatEvent {
  if (row.response === APOLOGY) return { event: 'apology', data: { text: APOLOGY } };
  return {
    event: 'final',
    data: {
      kind: 'answer',
      text: row.response ?? '',
      sources: webSources((row.sources ?? []) as SourceRef[]),
      confidence: row.confidence ?? 0,
      recommendations: [],
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
