import { type Activity, type ConversationReference, TurnContext } from 'botbuilder';
import { AppError } from '../../errors';

/**
 * Posts an activity to the Bot Connector as JSON, exactly as given. botbuilder's connector client
 * serializes `entities` through its Entity mapper, which keeps only `type`, `text` and `mentioned`: a
 * streaminfo entity or the AI label's schema.org Message entity would reach Teams as a bare `{type}`.
 * This sends the same request botbuilder would (replyToActivity, signed by the turn's own connector
 * credentials, as botbuilder's skill client does) without that mapper.
 */

/** The Bot Connector refused an activity: its HTTP status and the error code of its body (e.g. ContentStreamNotAllowed), if any. */
export class ConnectorRefusal extends AppError {
  declare readonly code: 'CONNECTOR_REFUSED';

  constructor(
    readonly status: number,
    readonly connectorCode: string | undefined,
    message: string,
  ) {
    super('CONNECTOR_REFUSED', message);
    this.name = 'ConnectorRefusal';
  }
}

interface SigningCredentials {
  signRequest(webResource: { headers: { set(name: string, value: string): void } }): Promise<unknown>;
}

/** Sends `activity` into the turn's conversation, replying to the turn's activity. Returns the id the connector gave it, if any. */
export async function postActivity(context: TurnContext, activity: Partial<Activity>): Promise<string | undefined> {
  const client = context.turnState.get(context.adapter.ConnectorClientKey) as { credentials?: SigningCredentials } | undefined;
  // No Bot Connector behind this turn (botbuilder's TestAdapter): its own sendActivity keeps the activity as is.
  if (!client) return (await context.sendActivity(activity))?.id;
  const reference: Partial<ConversationReference> = TurnContext.getConversationReference(context.activity);
  const full = TurnContext.applyConversationReference({ ...activity }, reference) as Partial<Activity>;
  const serviceUrl = String(reference.serviceUrl ?? '').replace(/\/+$/, '');
  const conversationId = encodeURIComponent(reference.conversation?.id ?? '');
  const replyTo = full.replyToId ? `/${encodeURIComponent(full.replyToId)}` : '';
  const url = `${serviceUrl}/v3/conversations/${conversationId}/activities${replyTo}`;

  const headers: Record<string, string> = { 'content-type': 'application/json; charset=utf-8', accept: 'application/json' };
  await client.credentials?.signRequest({
    headers: {
      set: (name: string, value: string) => {
        headers[name.toLowerCase()] = value;
      },
    },
  });
  const res = await fetch(url, { method: 'POST', headers, body: JSON.stringify(full), signal: AbortSignal.timeout(30_000) });
  const body = await res.text();
  let parsed: { id?: unknown; error?: { code?: unknown; message?: unknown } } = {};
  try {
    parsed = body ? JSON.parse(body) : {};
  } catch {
    // not JSON: keep the status
  }
  if (!res.ok) {
    const code = typeof parsed.error?.code === 'string' ? parsed.error.code : undefined;
    const message = typeof parsed.error?.message === 'string' ? parsed.error.message : body.slice(0, 200);
    throw new ConnectorRefusal(res.status, code, `Bot Connector answered ${res.status}${code ? ` ${code}` : ''}: ${message}`);
  }
  return typeof parsed.id === 'string' && parsed.id ? parsed.id : undefined;
}
