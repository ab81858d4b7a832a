import assert from 'node:assert/strict';
import type { AppDataSource } from '../../../src/db/data-source';
import {
  findCatalog,
  findProgressByItem,
  findProgressRow,
  findProgressRows,
  lockProgressPercent,
  markProgressStarted,
  raiseProgressPercent,
  setProgressPercent,
} from '../../../src/db/repositories/progress-repository';
import { SEED_COURSES, SEED_SKILLS } from '../../../src/db/seed-rows';
import { inUserScope } from '../../../src/db/user-scope';
import { forEachBackend } from '../../helpers/databases';
import { makeUser } from '../../helpers/fixtures';

forEachBackend('db: progress repository', (backend) => {
  let ds: AppDataSource;
  const skill = SEED_SKILLS[0];
  const course = SEED_COURSES[0];
  before(async () => {
    ds = await backend.dataSource();
  });

  it('starts without lowering, sets up and down, raises without lowering; completion follows 100%', async () => {
    const user = await makeUser(ds);
    const percent = () => inUserScope(ds, user, (m) => lockProgressPercent(m, user, 'skill', skill.id));
    assert.equal(await percent(), null);
    await inUserScope(ds, user, (m) => markProgressStarted(m, user, 'skill', skill.id));
    assert.equal(await percent(), 1);
    await inUserScope(ds, user, (m) => setProgressPercent(m, user, 'skill', skill.id, 60));
    await inUserScope(ds, user, (m) => markProgressStarted(m, user, 'skill', skill.id));
    assert.equal(await percent(), 60, 'start never lowers');
    await inUserScope(ds, user, (m) => setProgressPercent(m, user, 'skill', skill.id, 40));
    assert.equal(await percent(), 40, 'a set may lower');
    const same = await inUserScope(ds, user, (m) => raiseProgressPercent(m, user, 'skill', skill.id, 30));
    assert.deepEqual([Number(same.progress), same.completed_at], [40, null], 'a raise never lowers');
    const done = await inUserScope(ds, user, (m) => raiseProgressPercent(m, user, 'skill', skill.id, 100));
    assert.equal(Number(done.progress), 100);
    assert.ok(done.completed_at instanceof Date, 'the trigger sets completed_at');

    const row = await inUserScope(ds, user, (m) => findProgressRow(m, user, 'skill', skill.id));
    assert.deepEqual([row?.skill_id, row?.course_id, row?.title, Number(row?.progress)], [skill.id, null, skill.name, 100]);
    assert.equal(await inUserScope(ds, user, (m) => findProgressRow(m, user, 'course', course.id)), undefined);
  });

  it("lists only rows of items that still exist, and only the person's own", async () => {
    const user = await makeUser(ds);
    const other = await makeUser(ds);
    await ds.query(`INSERT INTO learning_progress (user_id, course_id, progress) VALUES ($1, $2, 30)`, [user, course.id]);
    await ds.query(`INSERT INTO learning_progress (user_id, skill_id, progress) VALUES ($1, $2, 50)`, [other, skill.id]);
    await ds.query(`INSERT INTO learning_progress (user_id, progress) VALUES ($1, 10)`, [user]);
    const rows = await inUserScope(ds, user, (m) => findProgressRows(m, user));
    assert.deepEqual(
      rows.map((r) => [r.course_id, r.title, Number(r.progress)]),
      [[course.id, course.title, 30]],
    );
    assert.deepEqual(await inUserScope(ds, user, (m) => findProgressRows(m, other)), [], "row-level security hides other people's rows");
    const byItem = await inUserScope(ds, user, (m) => findProgressByItem(m, user));
    assert.deepEqual(
      byItem.map((r) => [r.item, Number(r.progress)]),
      [[course.id, 30]],
    );
  });

  it('reads the catalogue, all of it or one type', async () => {
    const user = await makeUser(ds);
    const all = await inUserScope(ds, user, (m) => findCatalog(m));
    for (const s of SEED_SKILLS)
      assert.ok(
        all.some((c) => c.type === 'skill' && c.id === s.id && c.title === s.name),
        s.name,
      );
    for (const c of SEED_COURSES)
      assert.ok(
        all.some((x) => x.type === 'course' && x.id === c.id && x.title === c.title),
        c.title,
      );
    const skills = await inUserScope(ds, user, (m) => findCatalog(m, 'skill'));
    assert.ok(skills.length >= SEED_SKILLS.length && skills.every((c) => c.type === 'skill'));
    const courses = await inUserScope(ds, user, (m) => findCatalog(m, 'course'));
    assert.equal(skills.length + courses.length, all.length);
  });
});
