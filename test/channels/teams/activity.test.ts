import assert from 'node:assert/strict';
import type { Activity } from 'botbuilder';
import {
  checkActivity,
  conversationKind,
  mentionsBot,
  platformUserOf,
  questionText,
  splitConversationId,
  tenantOf,
  toIncomingMessage,
} from '../../../src/channels/teams/activity';
import { BOT, channelMessage, type Json, personalMessage, TENANT } from './helpers';

const URL = 'https://smba.trafficmanager.net/emea/';
const asActivity = (j: Json) => structuredClone(j) as unknown as Activity;

describe('Teams activity validation', () => {
  it('accepts what Teams and the Emulator send', () => {
    assert.deepEqual(checkActivity(personalMessage(URL, 'hi')), { ok: true });
    assert.deepEqual(checkActivity(channelMessage(URL, 'hi')), { ok: true });
    const emulator = {
      type: 'conversationUpdate',
      channelId: 'emulator',
      serviceUrl: 'http://localhost:51234',
      conversation: { id: 'c1' },
      from: { id: 'u1' },
      recipient: { id: 'b1' },
      membersAdded: [{ id: 'b1' }, { id: 'u1' }],
      id: 'x',
    };
    assert.deepEqual(checkActivity(emulator), { ok: true });
  });

  it('refuses what botbuilder cannot run safely, saying why', () => {
    const good = personalMessage(URL, 'hi');
    const without = (k: string) => Object.fromEntries(Object.entries(good).filter(([key]) => key !== k));
    const cases: Array<[unknown, RegExp]> = [
      [null, /not a JSON object/],
      [[good], /not a JSON object/],
      [without('type'), /type/],
      [{ ...good, type: 'invokeResponse' }, /type/],
      [without('serviceUrl'), /serviceUrl/],
      [{ ...good, serviceUrl: 'javascript:alert(1)' }, /serviceUrl/],
      [without('conversation'), /conversation/],
      [{ ...good, conversation: { id: '' } }, /conversation\.id/],
      [without('from'), /from/],
      [without('recipient'), /recipient/],
      [without('channelId'), /channelId/],
      [without('id'), /id: a message activity needs an id/],
      [{ ...good, entities: [{ text: 'x' }] }, /entities/],
      [{ ...good, entities: [{ type: 'mention', text: '<at>x</at>' }] }, /mentioned\.id/],
      [{ ...good, membersAdded: [{ name: 'no id' }] }, /membersAdded/],
    ];
    for (const [body, reason] of cases) {
      const r = checkActivity(body);
      assert.equal(r.ok, false, JSON.stringify(body)?.slice(0, 80));
      assert.match((r as { reason: string }).reason, reason);
    }
  });
});

describe('Teams activity mapping', () => {
  it('splits the reply-chain root off a channel conversation id', () => {
    assert.deepEqual(splitConversationId('19:abc@thread.tacv2;messageid=1700000000000'), {
      conversationId: '19:abc@thread.tacv2',
      rootMessageId: '1700000000000',
    });
    assert.deepEqual(splitConversationId('a:1xyz'), { conversationId: 'a:1xyz', rootMessageId: null });
  });

  it('tells personal chats, group chats and channels apart (the Emulator is personal)', () => {
    assert.equal(conversationKind({ conversation: { conversationType: 'personal' } as never }), 'personal');
    assert.equal(conversationKind({ conversation: { conversationType: 'groupChat', isGroup: true } as never }), 'groupChat');
    assert.equal(conversationKind({ conversation: { conversationType: 'channel', isGroup: true } as never }), 'channel');
    assert.equal(conversationKind({ conversation: { id: 'x' } as never }), 'personal');
  });

  it('finds the tenant and the person', () => {
    assert.equal(tenantOf({ conversation: { tenantId: 't1' } as never, channelData: { tenant: { id: 't2' } } }), 't1');
    assert.equal(tenantOf({ conversation: {} as never, channelData: { tenant: { id: 't2' } } }), 't2');
    assert.equal(tenantOf({ conversation: {} as never, channelId: 'emulator' }), 'emulator');
    assert.equal(platformUserOf({ from: { id: '29:x', aadObjectId: 'aad', name: '' } }), 'aad');
    assert.equal(platformUserOf({ from: { id: '29:x', name: '' } }), '29:x');
  });

  it('detects a mention of the bot only (recipient.id), and strips it from the question', () => {
    const a = asActivity(channelMessage(URL, 'How do   I\u00a0tune it?'));
    assert.equal(mentionsBot(a), true);
    assert.equal(questionText(a), 'How do I tune it?');

    const twice = asActivity(channelMessage(URL, 'hello'));
    twice.text = `<at>${BOT.name}</at> hello <at>Grace</at>&nbsp;and <at>${BOT.name}</at>`;
    twice.entities!.push({ type: 'mention', text: '<at>Grace</at>', mentioned: { id: '29:grace', name: 'Grace' } } as never);
    assert.equal(questionText(twice), 'hello Grace and');

    const other = asActivity(channelMessage(URL, 'hello', { mention: false }));
    other.entities = [{ type: 'mention', text: '<at>Grace</at>', mentioned: { id: '29:grace' } } as never];
    assert.equal(mentionsBot(other), false);
    assert.equal(questionText(asActivity(personalMessage(URL, '  plain question \n second line '))), 'plain question\nsecond line');
  });

  it('maps a personal message: no thread, conversation and message ids as given', () => {
    const j = personalMessage(URL, 'hi');
    assert.deepEqual(toIncomingMessage(asActivity(j), 'hi', { name: 'Ada' }), {
      channel: 'teams',
      tenantId: TENANT,
      platformUserId: j.from.aadObjectId,
      profile: { name: 'Ada' },
      conversationId: j.conversation.id,
      threadId: null,
      messageId: j.id,
      text: 'hi',
    });
  });

  it('maps a channel message: base conversation id, the reply-chain root as the thread', () => {
    const top = channelMessage(URL, 'q');
    const m = toIncomingMessage(asActivity(top), 'q');
    assert.equal(m.conversationId, top.conversation.id.split(';')[0]);
    assert.equal(m.threadId, top.id, 'a new post is its own root');
    assert.equal(m.profile, undefined);
    const reply = channelMessage(URL, 'q', { root: '111' });
    assert.equal(toIncomingMessage(asActivity(reply), 'q').threadId, '111');
    const noSuffix = asActivity(channelMessage(URL, 'q', { root: '222' }));
    noSuffix.conversation.id = noSuffix.conversation.id.split(';')[0];
    assert.equal(toIncomingMessage(noSuffix, 'q').threadId, '222', 'replyToId when the id carries no ;messageid=');
  });

  it('maps a group chat message: thread only when it replies to something', () => {
    const g = asActivity(personalMessage(URL, 'q'));
    g.conversation = { ...g.conversation, conversationType: 'groupChat', isGroup: true, id: '19:meeting_x@thread.v2' };
    assert.equal(toIncomingMessage(g, 'q').threadId, null);
    g.replyToId = '333';
    assert.equal(toIncomingMessage(g, 'q').threadId, '333');
  });
});
