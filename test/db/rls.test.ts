import assert from 'node:assert/strict';
import type { AppDataSource } from '../../src/db/data-source';
import { SEED_SKILLS } from '../../src/db/seed-rows';
import { inServiceScope, inUserScope } from '../../src/db/user-scope';
import { forEachBackend } from '../helpers/databases';
import { makeUser } from '../helpers/fixtures';

forEachBackend('row-level security as app_user', (backend) => {
  let ds: AppDataSource;
  let a: string, b: string;
  before(async () => {
    ds = await backend.dataSource();
    a = await makeUser(ds);
    b = await makeUser(ds);
    for (const [u, i] of [
      [a, 0],
      [b, 1],
    ] as const) {
      await ds.query(`INSERT INTO chat_messages (user_id, message) VALUES ($1, $2)`, [u, `question of ${u}`]);
      await ds.query(`INSERT INTO learning_progress (user_id, skill_id, progress) VALUES ($1, $2, 20)`, [u, SEED_SKILLS[i].id]);
      await ds.query(`INSERT INTO recommendations (user_id, type, item_id, score) VALUES ($1, 'skill', $2, 0.5)`, [u, SEED_SKILLS[i].id]);
      await ds.query(`INSERT INTO user_identities (user_id, platform, tenant_id, platform_user_id) VALUES ($1, 'slack', 'T', $1)`, [u]);
    }
  });

  const owners = (rows: Array<{ user_id: string }>) => [...new Set(rows.map((r) => r.user_id))];

  it('runs as app_user, not as the owner', async () => {
    const [who] = await inUserScope(ds, a, (m) => m.query(`SELECT current_user AS u, auth.uid() AS uid, auth.role() AS role`));
    assert.deepEqual(who, { u: 'app_user', uid: a, role: 'authenticated' });
    const [after] = await ds.query(`SELECT current_user AS u, auth.uid() AS uid, auth.role() AS role`);
    assert.equal(after.u === 'app_user', false, 'the role does not leak out of the transaction');
    assert.equal(after.uid, null);
    assert.equal(after.role, 'anon');
  });

  it("shows A only A's chat messages, progress, recommendations, identities and profile", async () => {
    await inUserScope(ds, a, async (m) => {
      for (const table of ['chat_messages', 'learning_progress', 'recommendations', 'user_identities']) {
        assert.deepEqual(owners(await m.query(`SELECT user_id FROM ${table}`)), [a], table);
      }
      assert.deepEqual(
        (await m.query(`SELECT id FROM users`)).map((r: { id: string }) => r.id),
        [a],
      );
      assert.deepEqual(
        (await m.query(`SELECT id FROM user_learning_dashboard`)).map((r: { id: string }) => r.id),
        [a],
        'the view applies RLS',
      );
      const [stats] = await m.query(`SELECT recent_activity FROM get_user_learning_analytics($1)`, [b]);
      assert.deepEqual(stats.recent_activity, { recent_messages: 0, recent_progress: 0 }, "functions cannot read B's rows either");
    });
  });

  it('lets authenticated users read the catalogue but not change it', async () => {
    await inUserScope(ds, a, async (m) => {
      assert.ok((await m.query(`SELECT 1 FROM learning_content`)).length > 0);
      assert.ok((await m.query(`SELECT 1 FROM skills`)).length >= SEED_SKILLS.length);
      const [, changed] = await m.query(`UPDATE skills SET name = 'hacked' WHERE id = $1`, [SEED_SKILLS[0].id]);
      assert.equal(changed, 0);
    });
  });

  it('refuses inserting a row for B while acting for A (42501)', async () => {
    for (const [sql, params] of [
      [`INSERT INTO chat_messages (user_id, message) VALUES ($1, 'forged')`, [b]],
      [`INSERT INTO learning_progress (user_id, skill_id) VALUES ($1, $2)`, [b, SEED_SKILLS[3].id]],
      [`INSERT INTO recommendations (user_id, type, item_id, score) VALUES ($1, 'skill', 'x', 0.1)`, [b]],
    ] as const) {
      await assert.rejects(
        inUserScope(ds, a, (m) => m.query(sql, [...params])),
        (e: { code?: string }) => e.code === '42501',
        sql,
      );
    }
    await inUserScope(ds, a, (m) => m.query(`INSERT INTO chat_messages (user_id, message) VALUES ($1, 'mine')`, [a]));
  });

  it("cannot update or delete B's rows (0 rows change)", async () => {
    await inUserScope(ds, a, async (m) => {
      const [, upd] = await m.query(`UPDATE recommendations SET clicked = true WHERE user_id = $1`, [b]);
      const [, del] = await m.query(`DELETE FROM learning_progress WHERE user_id = $1`, [b]);
      assert.deepEqual([upd, del], [0, 0]);
    });
    const [{ n }] = await ds.query(`SELECT count(*) AS n FROM learning_progress WHERE user_id = $1`, [b]);
    assert.equal(n, 1);
  });

  it('keeps the chat log append-only for users; the service role may update it', async () => {
    const [, own] = await inUserScope(ds, a, (m) => m.query(`UPDATE chat_messages SET response = 'edited' WHERE user_id = $1`, [a]));
    assert.equal(own, 0);
    const [, service] = await inServiceScope(ds, (m) =>
      m.query(`UPDATE chat_messages SET response = 'feedback noted' WHERE user_id = $1`, [a]),
    );
    assert.ok(service >= 1);
  });

  it('lets the service role see every user', async () => {
    await inServiceScope(ds, async (m) => {
      const rows = await m.query(`SELECT user_id FROM chat_messages WHERE user_id = ANY($1)`, [[a, b]]);
      assert.deepEqual(owners(rows).sort(), [a, b].sort());
      assert.ok((await m.query(`SELECT id FROM users WHERE id = ANY($1)`, [[a, b]])).length === 2);
    });
  });

  it('shows nothing to a transaction without a user (anon)', async () => {
    const rows = await ds.transaction(async (m) => {
      await m.query(`SET LOCAL ROLE app_user`);
      return m.query(`SELECT 1 FROM chat_messages UNION ALL SELECT 1 FROM users UNION ALL SELECT 1 FROM learning_content`);
    });
    assert.equal(rows.length, 0);
  });

  it('never mixes up the settings of ten concurrent transactions', async () => {
    const users = await Promise.all(Array.from({ length: 10 }, () => makeUser(ds)));
    const seen = await Promise.all(
      users.map((u, i) =>
        inUserScope(ds, u, async (m) => {
          await new Promise((r) => setTimeout(r, 5 * (10 - i)));
          const [row] = await m.query(`SELECT auth.uid() AS uid, (SELECT array_agg(id) FROM users) AS visible`);
          if (i % 2) await m.query(`INSERT INTO chat_messages (user_id, message) VALUES ($1, 'rolled back')`, [u]);
          await new Promise((r) => setTimeout(r, 5 * i));
          const [again] = await m.query(`SELECT auth.uid() AS uid`);
          return { uid: row.uid, visible: row.visible, again: again.uid };
        }),
      ),
    );
    seen.forEach((s, i) => {
      assert.deepEqual(s, { uid: users[i], visible: [users[i]], again: users[i] });
    });
    // A rolled-back transaction leaves nothing behind, even while others commit.
    await Promise.all(
      users.map((u, i) =>
        inUserScope(ds, u, async (m) => {
          await m.query(`INSERT INTO chat_messages (user_id, message) VALUES ($1, 'tx')`, [u]);
          if (i % 2) throw new Error('roll back');
        }).catch(() => undefined),
      ),
    );
    const rows = await ds.query(`SELECT user_id FROM chat_messages WHERE message = 'tx' AND user_id = ANY($1)`, [users]);
    assert.deepEqual(owners(rows).sort(), users.filter((_, i) => i % 2 === 0).sort());
  });
});
