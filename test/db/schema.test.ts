import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { AppDataSource } from '../../src/db/data-source';
import { SEED_COURSES, SEED_SKILLS } from '../../src/db/seed-rows';
import { forEachBackend } from '../helpers/databases';
import { makeContent, makeUser } from '../helpers/fixtures';

const rejects = (p: Promise<unknown>, code: string) => assert.rejects(p, (e: { code?: string }) => e.code === code);

forEachBackend('schema constraints and triggers', (backend) => {
  let ds: AppDataSource;
  before(async () => {
    ds = await backend.dataSource();
  });

  it('rejects rows that break CHECK constraints (23514)', async () => {
    const user = await makeUser(ds);
    await rejects(ds.query(`INSERT INTO learning_content (title, content, content_type) VALUES ('t', 'c', 'video')`), '23514');
    await rejects(ds.query(`INSERT INTO courses (title, difficulty) VALUES ('t', 'expert')`), '23514');
    await rejects(ds.query(`INSERT INTO assessments (title, difficulty) VALUES ('t', 'easy')`), '23514');
    await rejects(ds.query(`INSERT INTO learning_progress (user_id, progress) VALUES ($1, 101)`, [user]), '23514');
    await rejects(ds.query(`INSERT INTO learning_progress (user_id, progress) VALUES ($1, -1)`, [user]), '23514');
    await rejects(ds.query(`INSERT INTO recommendations (user_id, type, item_id, score) VALUES ($1, 'video', 'x', 0.5)`, [user]), '23514');
    await rejects(ds.query(`INSERT INTO recommendations (user_id, type, item_id, score) VALUES ($1, 'skill', 'x', 1.5)`, [user]), '23514');
    await rejects(
      ds.query(`INSERT INTO user_identities (user_id, platform, tenant_id, platform_user_id) VALUES ($1, 'irc', 'T', 'U')`, [user]),
      '23514',
    );
  });

  it('rejects NOT NULL, UNIQUE and foreign-key violations', async () => {
    const user = await makeUser(ds);
    const [{ email }] = await ds.query(`SELECT email FROM users WHERE id = $1`, [user]);
    await rejects(ds.query(`INSERT INTO users (email, name) VALUES ($1, 'Dup')`, [email]), '23505');
    await rejects(ds.query(`INSERT INTO users (email) VALUES ('no-name@example.test')`), '23502');
    await rejects(ds.query(`INSERT INTO chat_messages (user_id, message) VALUES ('no-such-user', 'hi')`), '23503');
    await ds.query(`INSERT INTO user_identities (user_id, platform, tenant_id, platform_user_id) VALUES ($1, 'slack', 'T1', $2)`, [
      user,
      user,
    ]);
    await rejects(
      ds.query(`INSERT INTO user_identities (user_id, platform, tenant_id, platform_user_id) VALUES ($1, 'slack', 'T1', $2)`, [user, user]),
      '23505',
    );
  });

  it('applies the documented defaults', async () => {
    const user = await makeUser(ds);
    const [p] = await ds.query(`INSERT INTO learning_progress (user_id) VALUES ($1) RETURNING level, progress, started_at, completed_at`, [
      user,
    ]);
    assert.deepEqual([p.level, p.progress, p.completed_at], [1, 0, null]);
    assert.ok(p.started_at instanceof Date);
    const [r] = await ds.query(
      `INSERT INTO recommendations (user_id, type, item_id, score) VALUES ($1, 'course', 'c', 0.4) RETURNING clicked, id`,
      [user],
    );
    assert.equal(r.clicked, false);
    assert.match(r.id, /^[0-9a-f-]{36}$/);
    const [a] = await ds.query(`INSERT INTO assessments (title) VALUES ('Quiz') RETURNING passing_score`);
    assert.equal(a.passing_score, 70);
    const [s] = await ds.query(`INSERT INTO skills (name) VALUES ('Skill') RETURNING level`);
    assert.equal(s.level, 1);
  });

  it('moves updated_at on UPDATE (trigger on every table that has it)', async () => {
    const user = await makeUser(ds);
    const content = await makeContent(ds, {});
    for (const [table, id, set] of [
      ['users', user, `name = 'Renamed'`],
      ['learning_content', content, `title = 'Renamed'`],
    ] as const) {
      const [before] = await ds.query(`SELECT updated_at FROM ${table} WHERE id = $1`, [id]);
      await new Promise((r) => setTimeout(r, 20));
      await ds.query(`UPDATE ${table} SET ${set} WHERE id = $1`, [id]);
      const [after] = await ds.query(`SELECT updated_at FROM ${table} WHERE id = $1`, [id]);
      assert.ok(after.updated_at.getTime() > before.updated_at.getTime(), `${table}.updated_at moved`);
    }
    const triggers = await ds.query(
      `SELECT event_object_table AS t FROM information_schema.triggers WHERE trigger_name LIKE 'update_%_updated_at' AND event_manipulation = 'UPDATE'`,
    );
    assert.deepEqual([...new Set(triggers.map((r: { t: string }) => r.t))].sort(), [
      'assessments',
      'courses',
      'learning_content',
      'learning_progress',
      'skills',
      'user_identities',
      'users',
    ]);
  });

  it('cascades user deletion to their rows and sets a deleted skill/course to NULL in progress', async () => {
    const user = await makeUser(ds);
    const [skill] = await ds.query(`INSERT INTO skills (name) VALUES ('Temp skill') RETURNING id`);
    const [course] = await ds.query(`INSERT INTO courses (title) VALUES ('Temp course') RETURNING id`);
    const [assessment] = await ds.query(`INSERT INTO assessments (title) VALUES ('Temp quiz') RETURNING id`);
    await ds.query(`INSERT INTO learning_progress (user_id, skill_id, progress) VALUES ($1, $2, 10)`, [user, skill.id]);
    await ds.query(`INSERT INTO learning_progress (user_id, course_id, progress) VALUES ($1, $2, 10)`, [user, course.id]);
    await ds.query(`INSERT INTO chat_messages (user_id, message) VALUES ($1, 'q')`, [user]);
    await ds.query(`INSERT INTO recommendations (user_id, type, item_id, score) VALUES ($1, 'skill', $2, 0.5)`, [user, skill.id]);
    await ds.query(`INSERT INTO assessment_results (user_id, assessment_id, score) VALUES ($1, $2, 80)`, [user, assessment.id]);
    await ds.query(`INSERT INTO user_identities (user_id, platform, tenant_id, platform_user_id) VALUES ($1, 'teams', 'tenant', $1)`, [
      user,
    ]);

    await ds.query(`DELETE FROM skills WHERE id = $1`, [skill.id]);
    await ds.query(`DELETE FROM courses WHERE id = $1`, [course.id]);
    const progress = await ds.query(`SELECT skill_id, course_id FROM learning_progress WHERE user_id = $1`, [user]);
    assert.deepEqual(progress, [
      { skill_id: null, course_id: null },
      { skill_id: null, course_id: null },
    ]);

    await ds.query(`DELETE FROM assessments WHERE id = $1`, [assessment.id]);
    assert.equal((await ds.query(`SELECT 1 FROM assessment_results WHERE user_id = $1`, [user])).length, 0);

    await ds.query(`DELETE FROM users WHERE id = $1`, [user]);
    for (const table of ['learning_progress', 'chat_messages', 'recommendations', 'user_identities']) {
      assert.equal((await ds.query(`SELECT 1 FROM ${table} WHERE user_id = $1`, [user])).length, 0, table);
    }
  });

  it('keeps one progress row per (user, skill) and per (user, course)', async () => {
    const user = await makeUser(ds);
    const skill = SEED_SKILLS[0].id;
    const course = SEED_COURSES[0].id;
    await ds.query(`INSERT INTO learning_progress (user_id, skill_id) VALUES ($1, $2)`, [user, skill]);
    await rejects(ds.query(`INSERT INTO learning_progress (user_id, skill_id) VALUES ($1, $2)`, [user, skill]), '23505');
    await ds.query(`INSERT INTO learning_progress (user_id, course_id) VALUES ($1, $2)`, [user, course]);
    await rejects(ds.query(`INSERT INTO learning_progress (user_id, course_id) VALUES ($1, $2)`, [user, course]), '23505');
    // Upsert is the way to record progress.
    await ds.query(
      `INSERT INTO learning_progress (user_id, skill_id, progress) VALUES ($1, $2, 40)
      ON CONFLICT (user_id, skill_id) DO UPDATE SET progress = EXCLUDED.progress`,
      [user, skill],
    );
    const [row] = await ds.query(`SELECT progress FROM learning_progress WHERE user_id = $1 AND skill_id = $2`, [user, skill]);
    assert.equal(row.progress, 40);
  });

  it('makes "completed" mean one thing: progress 100 exactly when completed_at is set', async () => {
    const user = await makeUser(ds);
    const [a] = await ds.query(
      `INSERT INTO learning_progress (user_id, skill_id, progress) VALUES ($1, $2, 100) RETURNING id, completed_at`,
      [user, SEED_SKILLS[1].id],
    );
    assert.ok(a.completed_at, 'reaching 100 stamps completed_at');
    const [b] = await ds.query(
      `INSERT INTO learning_progress (user_id, skill_id, progress, completed_at) VALUES ($1, $2, 30, now()) RETURNING progress`,
      [user, SEED_SKILLS[2].id],
    );
    assert.equal(b.progress, 100, 'setting completed_at completes');
    await ds.query(`UPDATE learning_progress SET progress = 60 WHERE id = $1`, [a.id]);
    const [c] = await ds.query(`SELECT completed_at FROM learning_progress WHERE id = $1`, [a.id]);
    assert.equal(c.completed_at, null, 'dropping below 100 clears completed_at');
    const [bad] = await ds.query(`SELECT count(*) AS n FROM learning_progress WHERE (progress = 100) <> (completed_at IS NOT NULL)`);
    assert.equal(bad.n, 0);
  });

  it('stores and returns 1536-dim vectors and refuses other sizes', async () => {
    await rejects(
      ds.query(`INSERT INTO learning_content (title, content, content_type, embedding) VALUES ('t', 'c', 'tutorial', '[1,2,3]')`),
      '22000',
    );
    const id = randomUUID();
    await ds.query(
      `INSERT INTO learning_content (id, title, content, content_type, embedding, embedding_model) VALUES ($1, 't', 'c', 'tutorial', $2, 'test')`,
      [id, `[${new Array(1536).fill(0.5).join(',')}]`],
    );
    const [row] = await ds.query(`SELECT vector_dims(embedding) AS d FROM learning_content WHERE id = $1`, [id]);
    assert.equal(row.d, 1536);
  });

  it('leaves nothing half-written when a statement in a transaction fails', async () => {
    const name = `Atomic ${randomUUID()}`;
    await assert.rejects(
      ds.transaction(async (m) => {
        await m.query(`INSERT INTO skills (name) VALUES ($1)`, [name]);
        await m.query(`INSERT INTO courses (title, difficulty) VALUES ('x', 'impossible')`);
      }),
    );
    assert.equal((await ds.query(`SELECT 1 FROM skills WHERE name = $1`, [name])).length, 0);
  });
});
