import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { type Activity, TestAdapter } from 'botbuilder';
import sinon from 'sinon';
import { LearningAssistantBot, type LearningBotDeps } from '../../../src/channels/teams/bot';
import type { ConversationService } from '../../../src/core/conversation-service';
import type { IdentityService } from '../../../src/core/identity-service';
import type { InteractionService } from '../../../src/core/interaction-service';
import type { LearningLoop } from '../../../src/core/learning';
import type { BotReply, IncomingMessage } from '../../../src/core/messages';
import { silentLogger } from '../../../src/observability/logger';
import { BOT, cardOf, type Json, personalMessage } from './helpers';

// The handler on botbuilder's TestAdapter, with the core stubbed: fast checks of the decisions it makes.
const answer = (over: Partial<BotReply> = {}): BotReply => ({
  kind: 'answer',
  text: 'An answer [1].',
  sources: [],
  confidence: 0.5,
  recommendations: [],
  chatMessageId: randomUUID(),
  duplicate: false,
  notes: [],
  mode: 'extractive',
  ...over,
});

function setup(over: Partial<LearningBotDeps> = {}) {
  const handle = sinon.stub<[IncomingMessage], Promise<BotReply>>().resolves(answer());
  const accept = sinon.stub().resolves('accepted');
  const bot = new LearningAssistantBot({
    conversation: { handle } as unknown as ConversationService,
    interactions: { recordReplyActivity: sinon.stub().resolves() } as unknown as InteractionService,
    identities: { resolve: sinon.stub().resolves(randomUUID()) } as unknown as IdentityService,
    learning: {} as LearningLoop,
    logger: silentLogger,
    accept,
    authenticated: false,
    memberCacheMs: 60_000,
    memberLookupTimeoutMs: 200,
    ...over,
  });
  // inbound turns, as CloudAdapter runs them
  const adapter = new TestAdapter(async (ctx) => bot.run(ctx));
  // worker turns: the accepted activity answered (the channel runs this in a proactive turn)
  const worker = new TestAdapter(async (ctx) => {
    await bot.answerAccepted(ctx);
  });
  return { bot, adapter, worker, handle, accept };
}

function groupChat(text: string, mention: boolean): Partial<Activity> {
  const a = personalMessage('https://example.test/', mention ? `<at>${BOT.name}</at> ${text}` : text) as Json;
  a.conversation = { id: '19:meeting_abc@thread.v2', conversationType: 'groupChat', isGroup: true, tenantId: 't' };
  a.entities = mention ? [{ type: 'mention', text: `<at>${BOT.name}</at>`, mentioned: BOT }] : [];
  return a as Partial<Activity>;
}

describe('LearningAssistantBot (TestAdapter)', () => {
  it('in a group chat accepts only @mentions; the worker answers with the mention removed and no thread', async () => {
    const { adapter, worker, handle, accept } = setup();
    await adapter.processActivity(groupChat('What is recall?', false));
    assert.equal(adapter.activeQueue.length, 0);
    assert.equal(accept.callCount, 0, 'an ignored message is not accepted');

    const mention = groupChat('What is recall?', true);
    await adapter.processActivity(mention);
    assert.deepEqual(
      adapter.activeQueue.map((a) => a.type),
      ['typing'],
      'the inbound turn only shows typing',
    );
    assert.equal(accept.callCount, 1);
    assert.equal(accept.firstCall.args[0], mention.id);
    assert.equal(handle.callCount, 0, 'nothing is answered in the inbound turn');

    await worker.processActivity(accept.firstCall.args[1]);
    assert.deepEqual(
      worker.activeQueue.map((a) => a.type),
      ['message'],
    );
    assert.ok(cardOf(worker.activeQueue[0] as Json));
    const msg = handle.firstCall.args[0];
    assert.equal(msg.text, 'What is recall?');
    assert.equal(msg.threadId, null);
    assert.equal(msg.conversationId, '19:meeting_abc@thread.v2');
    assert.deepEqual(msg.profile, { name: 'Ada Lovelace' }, 'getMember is unavailable here: from.name');
  });

  it('does nothing for a delivery accepted before (a retry, or another instance)', async () => {
    const { adapter, handle } = setup({ accept: sinon.stub().resolves('duplicate') });
    await adapter.processActivity(personalMessage('https://example.test/', 'hi') as Partial<Activity>);
    assert.equal(adapter.activeQueue.length, 0);
    assert.equal(handle.callCount, 0);
  });

  it('posts the stored answer when a retried job finds the turn already logged', async () => {
    const { worker, handle } = setup();
    handle.resolves(answer({ duplicate: true }));
    await worker.processActivity(personalMessage('https://example.test/', 'hi') as Partial<Activity>);
    // a personal chat: the informative streaming update, then the answer, once
    assert.deepEqual(
      worker.activeQueue.map((a) => a.type),
      ['typing', 'message'],
    );
  });

  it('lets a failure of the core reach the queue (which retries or apologises)', async () => {
    const { worker, handle } = setup();
    handle.rejects(Object.assign(new Error('Connection terminated unexpectedly'), { code: '57P01' }));
    await assert.rejects(
      worker.processActivity(personalMessage('https://example.test/', 'hi') as Partial<Activity>),
      /Connection terminated/,
    );
  });
});
