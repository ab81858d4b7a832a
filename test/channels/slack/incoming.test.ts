import assert from 'node:assert/strict';
import type { webApi } from '@slack/bolt';
import sinon from 'sinon';
import { decideMention, decideMessage, toPlainQuestion } from '../../../src/channels/slack/incoming';
import { SlackProfileCache } from '../../../src/channels/slack/profile-cache';
import { silentLogger } from '../../../src/observability/logger';

const BOT = { botUserId: 'UBOT', botId: 'BBOT' };
const msg = (over: Record<string, unknown> = {}) => ({
  type: 'message',
  channel: 'C1',
  channel_type: 'channel',
  user: 'U1',
  text: 'hi',
  ts: '100.1',
  ...over,
});

describe('Slack incoming messages', () => {
  it('answers DMs: top-level in the DM, thread replies in their thread', () => {
    assert.deepEqual(decideMessage(msg({ channel: 'D1', channel_type: 'im', text: 'How?' }), BOT), {
      action: 'answer',
      turn: { channel: 'D1', user: 'U1', ts: '100.1', replyThreadTs: null, text: 'How?' },
    });
    const inThread = decideMessage(msg({ channel: 'D1', channel_type: 'im', thread_ts: '99.0' }), BOT);
    assert.equal(inThread.action === 'answer' && inThread.turn.replyThreadTs, '99.0');
  });

  it('answers channel mentions in their thread and strips the mention', () => {
    const d = decideMessage(msg({ text: '<@UBOT> how do I tune it?' }), BOT);
    assert.deepEqual(d, {
      action: 'answer',
      turn: { channel: 'C1', user: 'U1', ts: '100.1', replyThreadTs: '100.1', text: 'how do I tune it?' },
    });
    const inThread = decideMention(msg({ type: 'app_mention', text: '<@UBOT|assistant> again', thread_ts: '90.0' }), BOT);
    assert.deepEqual(inThread, {
      action: 'answer',
      turn: { channel: 'C1', user: 'U1', ts: '100.1', replyThreadTs: '90.0', text: 'again' },
    });
  });

  it('answers thread replies without a mention only if the thread was answered, and ignores other channel chatter', () => {
    assert.equal(decideMessage(msg({ thread_ts: '90.0' }), BOT).action, 'answer-if-thread-answered');
    assert.equal(decideMessage(msg({ thread_ts: '90.0', subtype: 'thread_broadcast' }), BOT).action, 'answer-if-thread-answered');
    assert.deepEqual(decideMessage(msg(), BOT), { action: 'ignore', reason: 'channel message without a mention' });
    assert.equal(decideMessage(msg({ channel_type: 'group', channel: 'G1' }), BOT).action, 'ignore');
  });

  it('ignores bots, itself, edits, deletions, joins and payloads with missing fields', () => {
    const reasons = [
      msg({ bot_id: 'BOTHER' }),
      msg({ subtype: 'bot_message' }),
      msg({ subtype: 'message_changed' }),
      msg({ subtype: 'message_deleted' }),
      msg({ subtype: 'channel_join' }),
      msg({ user: 'UBOT', text: '<@UBOT> talking to myself' }),
      msg({ user: undefined }),
      msg({ ts: undefined }),
      msg({ channel: 42 }),
    ].map((m) => decideMessage(m, BOT));
    for (const r of reasons) assert.equal(r.action, 'ignore', JSON.stringify(r));
    assert.equal(decideMessage(null as never, BOT).action, 'ignore');
    assert.equal(decideMessage(msg({ channel: 'D1', channel_type: 'im', subtype: 'file_share' }), BOT).action, 'answer');
  });

  it('falls back to the channel id prefix when channel_type is missing', () => {
    assert.equal(decideMessage(msg({ channel: 'D9', channel_type: undefined }), BOT).action, 'answer');
    assert.equal(decideMessage(msg({ channel: 'C9', channel_type: undefined }), BOT).action, 'ignore');
  });

  it('turns Slack markup into plain text for the core', () => {
    assert.equal(toPlainQuestion('<@UBOT>', 'UBOT'), '');
    assert.equal(toPlainQuestion('  <@UBOT>   ', 'UBOT'), '');
    assert.equal(
      toPlainQuestion(
        '<@UBOT> ask <@U2|ada> in <#C1|general> about <https://x.test/a?b=1&amp;c=2|the guide> &amp; <https://y.test>',
        'UBOT',
      ),
      'ask @ada in #general about the guide & https://y.test',
    );
    assert.equal(toPlainQuestion('<!here> is 3 &lt; 4 &gt; 2?'), '@here is 3 < 4 > 2?');
  });
});

describe('SlackProfileCache', () => {
  const client = (users: sinon.SinonStub) => ({ users: { info: users } }) as unknown as webApi.WebClient;

  it('looks a person up once per ttl, shares concurrent lookups, and maps name and email', async () => {
    let now = 0;
    const info = sinon.stub().resolves({
      ok: true,
      user: { name: 'ada', real_name: 'Ada L', profile: { real_name: 'Ada Lovelace', email: ' ada@example.test ' } },
    });
    const cache = new SlackProfileCache(silentLogger, { ttlMs: 1000, now: () => now });
    const [a, b] = await Promise.all([cache.get(client(info), 'T', 'U1'), cache.get(client(info), 'T', 'U1')]);
    assert.deepEqual(
      a,
      { name: 'Ada Lovelace', email: 'ada@example.test', emailVerified: true },
      'users.info with our token: Slack vouches for the email',
    );
    assert.equal(a, b);
    assert.equal(info.callCount, 1);
    now = 999;
    await cache.get(client(info), 'T', 'U1');
    assert.equal(info.callCount, 1);
    now = 1001;
    await cache.get(client(info), 'T', 'U1');
    assert.equal(info.callCount, 2);
  });

  it('answers undefined when users.info fails, and remembers the failure briefly', async () => {
    let now = 0;
    const info = sinon
      .stub()
      .rejects(Object.assign(new Error('An API error occurred: missing_scope'), { data: { ok: false, error: 'missing_scope' } }));
    const cache = new SlackProfileCache(silentLogger, { failureTtlMs: 100, now: () => now });
    assert.equal(await cache.get(client(info), 'T', 'U1'), undefined);
    assert.equal(await cache.get(client(info), 'T', 'U1'), undefined);
    assert.equal(info.callCount, 1);
    now = 101;
    await cache.get(client(info), 'T', 'U1');
    assert.equal(info.callCount, 2);
  });

  it('keeps at most maxEntries people', async () => {
    const info = sinon.stub().resolves({ ok: true, user: { name: 'x' } });
    const cache = new SlackProfileCache(silentLogger, { maxEntries: 2 });
    for (const u of ['U1', 'U2', 'U3']) await cache.get(client(info), 'T', u);
    await cache.get(client(info), 'T', 'U1');
    assert.equal(info.callCount, 4, 'U1 was evicted first');
  });
});
