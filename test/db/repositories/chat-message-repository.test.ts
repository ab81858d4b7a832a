import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { AppDataSource } from '../../../src/db/data-source';
import {
  findRecentTurns,
  findTurnByPlatformMessage,
  hasAnsweredThread,
  insertChatTurn,
  type NewChatTurn,
  recordFeedback,
} from '../../../src/db/repositories/chat-message-repository';
import { inServiceScope, inUserScope } from '../../../src/db/user-scope';
import { forEachBackend } from '../../helpers/databases';
import { makeUser } from '../../helpers/fixtures';

forEachBackend('chat-message repository', (backend) => {
  let ds: AppDataSource;
  before(async () => {
    ds = await backend.dataSource();
  });

  const turn = (userId: string, over: Partial<NewChatTurn> = {}): NewChatTurn => ({
    userId,
    message: 'q',
    response: 'a',
    confidence: 0.5,
    sources: [{ n: 1, id: 'x' }],
    processingTimeMs: 12,
    channel: 'slack',
    tenantId: 'T1',
    conversationId: `C${randomUUID()}`,
    threadId: null,
    platformMessageId: `M${randomUUID()}`,
    ...over,
  });

  it('logs a turn once per platform message, and reads it back for its asker only (row-level security)', async () => {
    const user = await makeUser(ds);
    const t = turn(user);
    const id = await inUserScope(ds, user, (m) => insertChatTurn(m, t));
    assert.ok(id);
    assert.equal(
      await inUserScope(ds, user, (m) => insertChatTurn(m, { ...t, response: 'again' })),
      undefined,
      'a duplicate delivery writes nothing',
    );
    const key = { channel: t.channel, conversationId: t.conversationId, platformMessageId: t.platformMessageId! };
    assert.deepEqual(await inUserScope(ds, user, (m) => findTurnByPlatformMessage(m, user, key)), {
      id,
      response: 'a',
      confidence: 0.5,
      sources: [{ n: 1, id: 'x' }],
    });
    const other = await makeUser(ds);
    assert.equal(await inUserScope(ds, other, (m) => findTurnByPlatformMessage(m, user, key)), undefined);
    const [row] = await ds.query(`SELECT processing_time, tenant_id FROM chat_messages WHERE id = $1`, [id]);
    assert.deepEqual(row, { processing_time: 12, tenant_id: 'T1' });
  });

  it('a turn without a platform message id is never a duplicate', async () => {
    const user = await makeUser(ds);
    const t = turn(user, { platformMessageId: null });
    const ids = await inUserScope(ds, user, async (m) => [await insertChatTurn(m, t), await insertChatTurn(m, t)]);
    assert.ok(ids[0] && ids[1] && ids[0] !== ids[1]);
  });

  it('reads the recent turns of a thread, newest first; a DM without a thread counts its last 30 minutes', async () => {
    const user = await makeUser(ds);
    const conversationId = `D${randomUUID()}`;
    await inUserScope(ds, user, async (m) => {
      for (const n of [1, 2, 3])
        await insertChatTurn(m, turn(user, { conversationId, threadId: 'th1', message: `q${n}`, response: `a${n}` }));
      await insertChatTurn(m, turn(user, { conversationId, threadId: null, message: 'top', response: 'level' }));
    });
    // q1 a minute ago, q2 two seconds later, q3 two seconds after that (one transaction shares one now())
    await ds.query(
      `UPDATE chat_messages SET created_at = created_at - interval '1 minute' + make_interval(secs => 2 * (ascii(right(message, 1)) - 48)) WHERE conversation_id = $1 AND thread_id = 'th1'`,
      [conversationId],
    );
    const q = { userId: user, channel: 'slack', conversationId, threadId: 'th1', limit: 2 };
    assert.deepEqual(await inUserScope(ds, user, (m) => findRecentTurns(m, q)), [
      { message: 'q3', response: 'a3' },
      { message: 'q2', response: 'a2' },
    ]);
    assert.deepEqual(await inUserScope(ds, user, (m) => findRecentTurns(m, { ...q, threadId: null })), [
      { message: 'top', response: 'level' },
    ]);
    await ds.query(`UPDATE chat_messages SET created_at = now() - interval '31 minutes' WHERE conversation_id = $1 AND thread_id IS NULL`, [
      conversationId,
    ]);
    assert.deepEqual(await inUserScope(ds, user, (m) => findRecentTurns(m, { ...q, threadId: null })), []);
  });

  it('knows whether a thread was answered, for anyone (service scope)', async () => {
    const user = await makeUser(ds);
    const t = turn(user, { threadId: 'th' });
    await inUserScope(ds, user, (m) => insertChatTurn(m, t));
    assert.equal(await inServiceScope(ds, (m) => hasAnsweredThread(m, 'slack', t.conversationId, 'th')), true);
    assert.equal(await inServiceScope(ds, (m) => hasAnsweredThread(m, 'slack', t.conversationId, 'other')), false);
  });

  it("stores feedback on the asker's own turn only", async () => {
    const user = await makeUser(ds);
    const id = (await inUserScope(ds, user, (m) => insertChatTurn(m, turn(user))))!;
    assert.equal(await inServiceScope(ds, (m) => recordFeedback(m, user, id, 1)), true);
    assert.equal(await inServiceScope(ds, (m) => recordFeedback(m, randomUUID(), id, -1)), false);
    assert.equal((await ds.query(`SELECT feedback FROM chat_messages WHERE id = $1`, [id]))[0].feedback, 1);
  });
});
