import assert from 'node:assert/strict';
import type { AppDataSource } from '../../src/db/data-source';
import { SEED_COURSES, SEED_SKILLS } from '../../src/db/seed-rows';
import { forEachBackend } from '../helpers/databases';
import { axisVector, makeContent, makeUser, toSql } from '../helpers/fixtures';

type Rec = { id: string; type: string; title: string; score: number; reason: string };
const RANK: Record<string, number> = { beginner: 1, intermediate: 2, advanced: 3 };

forEachBackend('database functions', (backend) => {
  let ds: AppDataSource;
  let rank: Map<string, number>;
  before(async () => {
    ds = await backend.dataSource();
    const skills = await ds.query(`SELECT id, level FROM skills`);
    const courses = await ds.query(`SELECT id, difficulty FROM courses`);
    rank = new Map([
      ...skills.map((s: { id: string; level: number }) => [s.id, Math.min(Math.max(s.level ?? 1, 1), 3)] as [string, number]),
      ...courses.map((c: { id: string; difficulty: string }) => [c.id, RANK[c.difficulty] ?? 2] as [string, number]),
    ]);
  });

  const recommend = (user: string, n: number): Promise<Rec[]> => ds.query(`SELECT * FROM generate_recommendations($1, $2)`, [user, n]);

  describe('generate_recommendations', () => {
    it('returns exactly N rows, beginner first', async () => {
      const user = await makeUser(ds);
      for (const n of [1, 3, 5, 8]) {
        const rows = await recommend(user, n);
        assert.equal(rows.length, n, `limit ${n}`);
        const ranks = rows.map((r) => rank.get(r.id)!);
        assert.deepEqual(ranks, [...ranks].sort(), `limit ${n}: difficulty never decreases (${ranks})`);
        assert.equal(ranks[0], 1, 'first is beginner');
      }
      const ten = await recommend(user, 10);
      assert.ok(ten.some((r) => r.type === 'skill') && ten.some((r) => r.type === 'course'), 'both kinds');
      assert.equal((await recommend(user, 0)).length, 0);
    });

    const count = (rows: Rec[], type: string) => rows.filter((r) => r.type === type).length;

    it('splits the limit between skills and courses: a limit of 2 is one beginner skill and one beginner course', async () => {
      const user = await makeUser(ds);
      const two = await recommend(user, 2);
      assert.deepEqual(two.map((r) => r.type).sort(), ['course', 'skill']);
      assert.deepEqual(
        two.map((r) => rank.get(r.id)),
        [1, 1],
        'both beginner',
      );
      for (const n of [4, 6, 8]) {
        const rows = await recommend(user, n);
        assert.deepEqual([count(rows, 'skill'), count(rows, 'course')], [n / 2, n / 2], `limit ${n}`);
      }
    });

    it("gives an odd limit's extra row to one kind, the better next candidate (a beginner skill before a beginner course)", async () => {
      const user = await makeUser(ds);
      for (const n of [1, 3, 5, 7]) {
        const rows = await recommend(user, n);
        assert.equal(rows.length, n, `limit ${n}`);
        const [skills, courses] = [count(rows, 'skill'), count(rows, 'course')];
        assert.equal(Math.abs(skills - courses), 1, `limit ${n}: ${skills} skills, ${courses} courses`);
      }
      // the seed rows have three beginner skills and two beginner courses: the extra is a beginner skill
      const three = await recommend(user, 3);
      assert.deepEqual([count(three, 'skill'), count(three, 'course')], [2, 1]);
      assert.ok(
        three.every((r) => rank.get(r.id) === 1),
        'all beginner',
      );
      // a user who started every beginner skill: the next course (beginner, not started) beats the next skill
      const started = await makeUser(ds);
      await ds.query(
        `INSERT INTO learning_progress (user_id, skill_id, progress) SELECT $1, id, 10 FROM skills WHERE COALESCE(level, 1) <= 1`,
        [started],
      );
      const rows = await recommend(started, 3);
      assert.deepEqual([count(rows, 'skill'), count(rows, 'course')], [1, 2], 'two beginner courses, then an intermediate skill');
      assert.deepEqual(
        rows.map((r) => rank.get(r.id)),
        [1, 1, 2],
      );
    });

    it('fills from the other kind when one kind runs out, and never recommends a completed item', async () => {
      const user = await makeUser(ds);
      await ds.query(`INSERT INTO learning_progress (user_id, course_id, progress) SELECT $1, id, 100 FROM courses`, [user]);
      const skills = Number((await ds.query(`SELECT count(*) AS n FROM skills`))[0].n);
      const rows = await recommend(user, Math.min(skills, 6));
      assert.equal(rows.length, Math.min(skills, 6), 'exactly the limit');
      assert.equal(count(rows, 'course'), 0, 'every course is completed');
      const all = await recommend(user, 1000);
      assert.equal(all.length, skills, 'everything that is left, and no more');
    });

    it('never recommends what the user completed; not started before in progress', async () => {
      const user = await makeUser(ds);
      const python = SEED_SKILLS.find((s) => s.name === 'Python Programming')!;
      const pm = SEED_COURSES.find((c) => c.title === 'Project Management Fundamentals')!;
      const comm = SEED_SKILLS.find((s) => s.name === 'Communication')!;
      await ds.query(`INSERT INTO learning_progress (user_id, skill_id, progress) VALUES ($1, $2, 100)`, [user, python.id]);
      await ds.query(`INSERT INTO learning_progress (user_id, course_id, progress) VALUES ($1, $2, 40)`, [user, pm.id]);
      await ds.query(`INSERT INTO learning_progress (user_id, skill_id, progress) VALUES ($1, $2, 10)`, [user, comm.id]);
      const all = await recommend(user, 1000);
      assert.ok(!all.some((r) => r.id === python.id), 'completed skill excluded');
      const started = all.filter((r) => r.id === pm.id || r.id === comm.id);
      assert.equal(started.length, 2);
      const firstStarted = all.findIndex((r) => r.id === pm.id || r.id === comm.id);
      assert.equal(firstStarted, all.length - 2, 'in-progress items come after every not-started item');
      assert.ok(started.every((r) => r.score < 0.5 && /keep going/.test(r.reason)));
      const total = Number((await ds.query(`SELECT (SELECT count(*) FROM skills) + (SELECT count(*) FROM courses) AS n`))[0].n);
      assert.equal(all.length, total - 1);
    });
  });

  describe('match_documents', () => {
    const axis = 700 + Math.floor(Math.random() * 300);
    let near: string, far: string, other: string;
    before(async () => {
      near = await makeContent(ds, { title: 'near', contentType: 'tutorial', embedding: axisVector(axis, axis + 1, 0.1) });
      far = await makeContent(ds, { title: 'far', contentType: 'tutorial', embedding: axisVector(axis, axis + 1, 1.0) });
      other = await makeContent(ds, { title: 'near reference', contentType: 'reference', embedding: axisVector(axis, axis + 2, 0.05) });
      await makeContent(ds, { title: 'no embedding', contentType: 'tutorial', embedding: null });
    });
    const match = (threshold: number, count: number, types: string[] | null) =>
      ds.query(`SELECT id, similarity FROM match_documents($1::vector, $2, $3, $4)`, [toSql(axisVector(axis)), threshold, count, types]);

    it('finds the nearest row first, with cosine similarity', async () => {
      const rows = await match(0.5, 3, null);
      assert.deepEqual(
        rows.map((r: { id: string }) => r.id),
        [other, near, far],
      );
      assert.ok(Math.abs(rows[0].similarity - 1 / Math.hypot(1, 0.05)) < 1e-4);
    });
    it('honours the threshold and the count', async () => {
      const rows = await match(0.9, 10, null);
      assert.deepEqual(
        rows.map((r: { id: string }) => r.id),
        [other, near],
        'far (similarity 0.707) is below 0.9',
      );
      assert.equal((await match(0.5, 1, null)).length, 1);
    });
    it('honours content types', async () => {
      const rows = await match(0.5, 10, ['tutorial']);
      assert.deepEqual(
        rows.map((r: { id: string }) => r.id),
        [near, far],
      );
    });
  });

  describe('get_user_learning_analytics', () => {
    it('counts skills, courses, completions, average progress and recent activity', async () => {
      const user = await makeUser(ds);
      await ds.query(`INSERT INTO learning_progress (user_id, skill_id, progress) VALUES ($1, $2, 100), ($1, $3, 50)`, [
        user,
        SEED_SKILLS[0].id,
        SEED_SKILLS[1].id,
      ]);
      await ds.query(`INSERT INTO learning_progress (user_id, course_id, progress) VALUES ($1, $2, 0)`, [user, SEED_COURSES[0].id]);
      await ds.query(`INSERT INTO chat_messages (user_id, message) VALUES ($1, 'a'), ($1, 'b')`, [user]);
      const [row] = await ds.query(`SELECT * FROM get_user_learning_analytics($1)`, [user]);
      assert.deepEqual(
        { ...row, total_progress: Math.round(row.total_progress) },
        {
          total_skills: 2,
          completed_skills: 1,
          total_courses: 1,
          completed_courses: 0,
          total_progress: 50,
          recent_activity: { recent_messages: 2, recent_progress: 3 },
        },
      );
    });
  });
});
