import type { Activity, ConversationParameters, TurnContext } from 'botbuilder';
import type { Logger } from '../../observability/logger';
import { tenantOf } from './activity';
import type { Reply } from './learning';

/** The connector client CloudAdapter keeps in the turn state (the slice used for private replies). */
interface PrivateConnector {
  conversations: {
    createConversation(parameters: ConversationParameters): Promise<{ id: string }>;
    sendToConversation(conversationId: string, activity: Activity): Promise<unknown>;
  };
}

/**
 * Posts replies into the asker's personal chat with the bot: creates (or gets back: Teams returns the
 * existing one) the 1:1 conversation through the connector of this turn. False if Teams refused,
 * e.g. when the app is not available to that person.
 */
export async function sendPrivately(context: TurnContext, replies: Reply[], log: Logger): Promise<boolean> {
  const activity = context.activity;
  const connector = context.turnState.get(context.adapter.ConnectorClientKey) as PrivateConnector | undefined;
  if (!connector?.conversations) return false;
  const tenantId = tenantOf(activity);
  try {
    const params: ConversationParameters = {
      isGroup: false,
      bot: activity.recipient,
      members: [{ id: activity.from.id, name: activity.from.name ?? '' }],
      tenantId,
      channelData: { tenant: { id: tenantId } },
    };
    const conversation = await connector.conversations.createConversation(params);
    for (const reply of replies) {
      await connector.conversations.sendToConversation(conversation.id, {
        ...reply,
        type: 'message',
        from: activity.recipient,
        recipient: activity.from,
        conversation: { id: conversation.id } as Activity['conversation'],
      } as Activity);
    }
    log.info({ conversation: conversation.id, messages: replies.length }, 'sent privately to the 1:1 chat');
    return true;
  } catch (err) {
    log.warn({ err }, 'could not post into the personal chat with the asker');
    return false;
  }
}
