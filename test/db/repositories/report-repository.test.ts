import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { AppDataSource } from '../../../src/db/data-source';
import {
  findReportRows,
  findReportUser,
  findReportUserByIdOrEmail,
  findVisibleDepartments,
} from '../../../src/db/repositories/report-repository';
import { SEED_COURSES, SEED_SKILLS } from '../../../src/db/seed-rows';
import { inUserScope } from '../../../src/db/user-scope';
import { forEachBackend } from '../../helpers/databases';
import { makeUser } from '../../helpers/fixtures';

forEachBackend('db: report repository', (backend) => {
  let ds: AppDataSource;
  const tag = randomUUID().slice(0, 8);
  const dept = `Repo ${tag}`;
  let manager: string, ann: string, elsewhere: string;
  before(async () => {
    ds = await backend.dataSource();
    manager = await makeUser(ds, { name: `Manager ${tag}`, department: dept, role: 'manager' });
    ann = await makeUser(ds, { name: `Ann ${tag}`, department: dept });
    elsewhere = await makeUser(ds, { name: `Else ${tag}`, department: `Other ${tag}` });
    await ds.query(`INSERT INTO learning_progress (user_id, course_id, progress) VALUES ($1, $2, 100)`, [ann, SEED_COURSES[0].id]);
    await ds.query(
      `INSERT INTO learning_progress (user_id, skill_id, progress, updated_at) VALUES ($1, $2, 20, now() - interval '30 days')`,
      [ann, SEED_SKILLS[0].id],
    );
    await ds.query(`INSERT INTO learning_progress (user_id, progress) VALUES ($1, 90)`, [ann]);
  });

  it('finds people by id or case-insensitive email, within what the viewer may see', async () => {
    assert.equal((await inUserScope(ds, manager, (m) => findReportUser(m, manager)))?.role, 'manager');
    const byEmail = await inUserScope(ds, manager, (m) => findReportUserByIdOrEmail(m, `${ann}@EXAMPLE.TEST`));
    assert.deepEqual([byEmail?.id, byEmail?.name, byEmail?.department], [ann, `Ann ${tag}`, dept]);
    assert.equal((await inUserScope(ds, manager, (m) => findReportUserByIdOrEmail(m, ann)))?.id, ann);
    assert.equal(
      await inUserScope(ds, manager, (m) => findReportUserByIdOrEmail(m, elsewhere)),
      undefined,
      'row-level security hides other departments',
    );
    assert.deepEqual(await inUserScope(ds, manager, (m) => findVisibleDepartments(m)), [dept]);
  });

  it('aggregates progress per person; rows of deleted items do not count', async () => {
    const rows = await inUserScope(ds, manager, (m) => findReportRows(m, { department: dept }));
    const byId = new Map(rows.map((r) => [r.id, r]));
    assert.deepEqual([...byId.keys()].sort(), [ann, manager].sort());
    const a = byId.get(ann)!;
    assert.deepEqual(
      [a.courses_done, a.courses_total, a.skills_done, a.skills_total, a.overall, a.recent, a.active],
      [1, 1, 0, 1, 60, 1, true],
    );
    assert.ok(a.last_activity instanceof Date);
    const m = byId.get(manager)!;
    assert.deepEqual([m.courses_total, m.skills_total, m.overall, m.recent, m.last_activity, m.active], [0, 0, 0, 0, null, false]);
    const one = await inUserScope(ds, manager, (mm) => findReportRows(mm, { userId: ann }));
    assert.deepEqual(
      one.map((r) => r.id),
      [ann],
    );
  });
});
