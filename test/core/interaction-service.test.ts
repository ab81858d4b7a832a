import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { InteractionService, MAX_FEEDBACK_COMMENT } from '../../src/core/interaction-service';
import type { AppDataSource } from '../../src/db/data-source';
import { SEED_COURSES } from '../../src/db/seed-rows';
import { isAppError } from '../../src/errors';
import { forEachBackend } from '../helpers/databases';
import { makeUser } from '../helpers/fixtures';

forEachBackend('InteractionService', (backend) => {
  let ds: AppDataSource;
  let svc: InteractionService;
  before(async () => {
    ds = await backend.dataSource();
    svc = new InteractionService(ds);
  });

  it('claims a delivery once, even when claims race', async () => {
    const id = `Ev${randomUUID()}`;
    const claims = await Promise.all([1, 2, 3, 4].map(() => svc.claimEvent('slack', id)));
    assert.deepEqual(claims.filter(Boolean).length, 1);
    assert.equal(await svc.claimEvent('teams', id), true, 'platforms have separate id spaces');
  });

  it('marks a click and starts progress on the course, once', async () => {
    const user = await makeUser(ds);
    const [rec] = await ds.query(
      `INSERT INTO recommendations (user_id, type, item_id, score) VALUES ($1, 'course', $2, 0.7) RETURNING id`,
      [user, SEED_COURSES[1].id],
    );
    assert.deepEqual(await svc.clickRecommendation(user, rec.id), { type: 'course', itemId: SEED_COURSES[1].id, started: true });
    assert.equal((await svc.clickRecommendation(user, rec.id)).started, false);
    const [row] = await ds.query(`SELECT clicked FROM recommendations WHERE id = $1`, [rec.id]);
    assert.equal(row.clicked, true);
    const progress = await ds.query(`SELECT progress FROM learning_progress WHERE user_id = $1 AND course_id = $2`, [
      user,
      SEED_COURSES[1].id,
    ]);
    assert.deepEqual(progress, [{ progress: 0 }]);
    const other = await makeUser(ds);
    await assert.rejects(svc.clickRecommendation(other, rec.id), (e) => isAppError(e, 'NOT_FOUND'));
  });

  it("stores feedback on the asker's own answer only", async () => {
    const user = await makeUser(ds);
    const [msg] = await ds.query(`INSERT INTO chat_messages (user_id, message, response) VALUES ($1, 'q', 'a') RETURNING id`, [user]);
    await svc.recordFeedback(user, msg.id, -1);
    assert.equal((await ds.query(`SELECT feedback FROM chat_messages WHERE id = $1`, [msg.id]))[0].feedback, -1);
    await assert.rejects(svc.recordFeedback(await makeUser(ds), msg.id, 1), (e) => isAppError(e, 'NOT_FOUND'));
  });

  it('keeps a feedback comment (cleaned, capped) and finds a turn by the reply that carried it, for its asker only', async () => {
    const user = await makeUser(ds);
    const conversationId = `a:${randomUUID()}`;
    const [msg] = await ds.query(
      `INSERT INTO chat_messages (user_id, message, response, channel, conversation_id) VALUES ($1, 'q', 'a', 'teams', $2) RETURNING id`,
      [user, conversationId],
    );
    const key = { channel: 'teams', conversationId, replyActivityId: '1728640934763' };
    assert.equal(await svc.turnForReply(user, key), null, 'no reply recorded yet');
    await svc.recordReplyActivity(msg.id, key.replyActivityId);
    assert.equal(await svc.turnForReply(user, key), msg.id);
    assert.equal(await svc.turnForReply(await makeUser(ds), key), null, "someone else's answer");
    assert.equal(await svc.turnForReply(user, { ...key, conversationId: 'a:other' }), null, 'activity ids are per conversation');

    await svc.recordFeedback(user, msg.id, 1, `  ${'x'.repeat(MAX_FEEDBACK_COMMENT + 10)}\u0000 `);
    const [row] = await ds.query(`SELECT feedback, feedback_comment FROM chat_messages WHERE id = $1`, [msg.id]);
    assert.equal(row.feedback, 1);
    assert.equal(row.feedback_comment.length, MAX_FEEDBACK_COMMENT);
    await svc.recordFeedback(user, msg.id, -1, '   ');
    assert.equal((await ds.query(`SELECT feedback_comment FROM chat_messages WHERE id = $1`, [msg.id]))[0].feedback_comment, null);
  });
});
