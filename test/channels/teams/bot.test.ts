import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { TestAdapter, type Activity } from 'botbuilder';
import sinon from 'sinon';
import { APOLOGY, LearningAssistantBot, WORKING_ON_IT, type LearningBotDeps } from '../../../src/channels/teams/bot';
import type { ConversationService } from '../../../src/core/conversation-service';
import type { IdentityService } from '../../../src/core/identity-service';
import type { InteractionService } from '../../../src/core/interaction-service';
import type { LearningLoop } from '../../../src/core/learning';
import type { BotReply, IncomingMessage } from '../../../src/core/messages';
import { silentLogger } from '../../../src/observability/logger';
import { BOT, cardOf, personalMessage, type Json } from './helpers';

// The handler on botbuilder's TestAdapter, with the core stubbed: fast checks of the decisions it makes.
const answer = (over: Partial<BotReply> = {}): BotReply => ({
  kind: 'answer', text: 'An answer [1].', sources: [], confidence: 0.5, recommendations: [], chatMessageId: randomUUID(),
  duplicate: false, notes: [], mode: 'extractive', ...over,
});

function setup(over: Partial<LearningBotDeps> = {}) {
  const handle = sinon.stub<[IncomingMessage], Promise<BotReply>>().resolves(answer());
  const claimEvent = sinon.stub().resolves(true);
  const sendProactive = sinon.stub().resolves();
  const bot = new LearningAssistantBot({
    conversation: { handle } as unknown as ConversationService,
    interactions: { claimEvent } as unknown as InteractionService,
    identities: { resolve: sinon.stub().resolves(randomUUID()) } as unknown as IdentityService,
    learning: {} as LearningLoop,
    logger: silentLogger,
    sendProactive,
    slowAnswerMs: 1_000,
    memberCacheMs: 60_000,
    memberLookupTimeoutMs: 200,
    ...over,
  });
  const adapter = new TestAdapter(async (ctx) => bot.run(ctx));
  return { bot, adapter, handle, claimEvent, sendProactive };
}

function groupChat(text: string, mention: boolean): Partial<Activity> {
  const a = personalMessage('https://example.test/', mention ? `<at>${BOT.name}</at> ${text}` : text) as Json;
  a.conversation = { id: '19:meeting_abc@thread.v2', conversationType: 'groupChat', isGroup: true, tenantId: 't' };
  a.entities = mention ? [{ type: 'mention', text: `<at>${BOT.name}</at>`, mentioned: BOT }] : [];
  return a as Partial<Activity>;
}

describe('LearningAssistantBot (TestAdapter)', () => {
  it('in a group chat answers only @mentions, with the mention removed and no thread', async () => {
    const { adapter, handle, claimEvent } = setup();
    await adapter.processActivity(groupChat('What is recall?', false));
    assert.equal(adapter.activeQueue.length, 0);
    assert.equal(claimEvent.callCount, 0, 'an ignored message claims nothing');

    await adapter.processActivity(groupChat('What is recall?', true));
    assert.deepEqual(adapter.activeQueue.map((a) => a.type), ['typing', 'message']);
    assert.ok(cardOf(adapter.activeQueue[1] as Json));
    const msg = handle.firstCall.args[0];
    assert.equal(msg.text, 'What is recall?');
    assert.equal(msg.threadId, null);
    assert.equal(msg.conversationId, '19:meeting_abc@thread.v2');
    assert.deepEqual(msg.profile, { name: 'Ada Lovelace' }, 'getMember is unavailable here: from.name');
  });

  it('does nothing for a delivery another instance claimed', async () => {
    const { adapter, handle } = setup({ interactions: { claimEvent: sinon.stub().resolves(false) } as unknown as InteractionService });
    await adapter.processActivity(personalMessage('https://example.test/', 'hi') as Partial<Activity>);
    assert.equal(adapter.activeQueue.length, 0);
    assert.equal(handle.callCount, 0);
  });

  it('does not post a reply the core marks as a duplicate', async () => {
    const { adapter, handle } = setup();
    handle.resolves(answer({ duplicate: true }));
    await adapter.processActivity(personalMessage('https://example.test/', 'hi') as Partial<Activity>);
    assert.deepEqual(adapter.activeQueue.map((a) => a.type), ['typing']);
  });

  it('hands a slow answer to the proactive path, and an apology if it fails', async () => {
    let finish!: (r: BotReply) => void;
    let fail!: (e: Error) => void;
    const { bot, adapter, handle, sendProactive } = setup({ slowAnswerMs: 20 });
    handle.onFirstCall().returns(new Promise((resolve) => { finish = resolve; }));
    handle.onSecondCall().returns(new Promise((_, reject) => { fail = reject; }));

    const incoming = personalMessage('https://example.test/', 'slow one') as Partial<Activity>;
    await adapter.processActivity(incoming);
    assert.deepEqual(adapter.activeQueue.map((a) => a.text ?? a.type), ['typing', WORKING_ON_IT]);
    finish(answer());
    await bot.drain();
    assert.equal(sendProactive.callCount, 1);
    const [reference, activity] = sendProactive.firstCall.args;
    assert.equal(reference.activityId, incoming.id);
    assert.equal(reference.conversation.id, incoming.conversation!.id);
    assert.ok(cardOf(activity));

    await adapter.processActivity(personalMessage('https://example.test/', 'slower one') as Partial<Activity>);
    fail(new Error('boom'));
    await bot.drain();
    assert.equal(sendProactive.callCount, 2);
    assert.deepEqual(sendProactive.secondCall.args[1], { type: 'message', text: APOLOGY });
  });
});
