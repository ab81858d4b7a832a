import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { parseCsv } from '../../../src/cli/users-import';
import { type ProgressReport, type ReportRefusal, ReportService } from '../../../src/core/learning/report-service';
import type { AppDataSource } from '../../../src/db/data-source';
import { SEED_COURSES, SEED_SKILLS } from '../../../src/db/seed-rows';
import { inServiceScope, inUserScope } from '../../../src/db/user-scope';
import { CHART_WIDTH, chartSize, renderProgressChart } from '../../../src/render/report-chart';
import { REPORT_CSV_HEADER, reportCsv } from '../../../src/render/report-csv';
import { forEachBackend } from '../../helpers/databases';
import { makeUser } from '../../helpers/fixtures';
import { PNG_SIGNATURE, pngSize } from '../../render/reports';

function asReport(r: ProgressReport | ReportRefusal): ProgressReport {
  assert.equal(r.kind, 'report', r.kind === 'refusal' ? r.message : '');
  return r as ProgressReport;
}
function asRefusal(r: ProgressReport | ReportRefusal): ReportRefusal {
  assert.equal(r.kind, 'refusal');
  return r as ReportRefusal;
}

forEachBackend('learning: progress reports', (backend) => {
  let ds: AppDataSource;
  let reports: ReportService;
  const tag = randomUUID().slice(0, 8);
  const dept = `Sales ${tag}`;
  const otherDept = `Ops ${tag}`;
  let manager: string, alice: string, bob: string, carol: string, otherManager: string, admin: string;

  before(async () => {
    ds = await backend.dataSource();
    reports = new ReportService(ds);
    manager = await makeUser(ds, { name: `Mona Manager ${tag}`, department: dept, role: 'manager' });
    alice = await makeUser(ds, { name: `Alice ${tag}`, department: dept, role: 'employee' });
    bob = await makeUser(ds, { name: `Bob ${tag}`, department: dept });
    carol = await makeUser(ds, { name: `Carol ${tag}`, department: otherDept, role: 'employee' });
    otherManager = await makeUser(ds, { name: `Oscar Manager ${tag}`, department: otherDept, role: 'manager' });
    admin = await makeUser(ds, { name: `Ada Admin ${tag}`, department: `Board ${tag}`, role: 'admin' });
    await ds.query(`INSERT INTO learning_progress (user_id, course_id, progress) VALUES ($1, $2, 100)`, [alice, SEED_COURSES[0].id]);
    await ds.query(`INSERT INTO learning_progress (user_id, skill_id, progress) VALUES ($1, $2, 50)`, [alice, SEED_SKILLS[0].id]);
    await ds.query(
      `INSERT INTO learning_progress (user_id, skill_id, progress, updated_at) VALUES ($1, $2, 20, now() - interval '30 days')`,
      [bob, SEED_SKILLS[1].id],
    );
    await ds.query(`INSERT INTO learning_progress (user_id, skill_id, progress) VALUES ($1, $2, 80)`, [carol, SEED_SKILLS[2].id]);
    await ds.query(`INSERT INTO learning_progress (user_id, skill_id, progress) VALUES ($1, $2, 10)`, [otherManager, SEED_SKILLS[3].id]);
    for (const u of [alice, bob, carol])
      await ds.query(`INSERT INTO chat_messages (user_id, message) VALUES ($1, 'a private question')`, [u]);
  });

  it('shows a manager their department (the default target): rows, totals, sorted by progress', async () => {
    const r = asReport(await reports.buildProgressReport(manager));
    assert.deepEqual([r.scope, r.department, r.title, r.viewer.role], ['department', dept, dept, 'manager']);
    assert.deepEqual(
      r.rows.map((x) => x.userId),
      [alice, bob, manager],
    );
    const [a, b, m] = r.rows;
    assert.deepEqual(
      { ...a, lastActivity: a.lastActivity instanceof Date },
      {
        userId: alice,
        name: `Alice ${tag}`,
        email: `${alice}@example.test`,
        department: dept,
        coursesCompleted: 1,
        coursesTotal: 1,
        skillsCompleted: 0,
        skillsTotal: 1,
        overallProgress: 75,
        lastActivity: true,
        recentUpdates7d: 2,
      },
    );
    assert.deepEqual([b.overallProgress, b.recentUpdates7d, b.skillsTotal], [20, 0, 1]);
    assert.ok(b.lastActivity && Date.now() - b.lastActivity.getTime() > 20 * 86400_000);
    assert.deepEqual([m.overallProgress, m.lastActivity, m.coursesTotal], [0, null, 0]);
    assert.deepEqual(r.totals, { people: 3, averageProgress: 31.7, coursesCompleted: 1, skillsCompleted: 0, activeLast7Days: 1 });
    assert.deepEqual(
      asReport(await reports.buildProgressReport(manager, { department: dept.toUpperCase() })).rows.length,
      3,
      'department names match case-insensitively',
    );

    const csv = parseCsv(reportCsv(r));
    assert.deepEqual(csv[0].fields, [...REPORT_CSV_HEADER]);
    assert.deepEqual(
      csv.slice(1).map((x) => x.fields[0]),
      [`Alice ${tag}`, `Bob ${tag}`, `Mona Manager ${tag}`],
    );
    assert.deepEqual(csv[1].fields.slice(3, 8), ['1', '1', '0', '1', '75']);

    const png = renderProgressChart(r);
    assert.deepEqual(png.subarray(0, 8), PNG_SIGNATURE);
    assert.deepEqual(pngSize(png), { width: CHART_WIDTH, height: chartSize(r).height });
  });

  it('lets a manager see one person of their department by email, not someone elsewhere', async () => {
    const one = asReport(await reports.buildProgressReport(manager, { userId: `${alice}@EXAMPLE.test` }));
    assert.deepEqual([one.scope, one.title, one.rows.length, one.rows[0].overallProgress], ['person', `Alice ${tag}`, 1, 75]);
    const elsewhere = asRefusal(await reports.buildProgressReport(manager, { userId: carol }));
    assert.equal(elsewhere.reason, 'unknown_user');
    assert.equal(elsewhere.message, `I couldn't find “${carol}” among the people in your department (“${dept}”).`);
  });

  it('refuses a manager of another department politely, with their own progress', async () => {
    const r = asRefusal(await reports.buildProgressReport(otherManager, { department: dept }));
    assert.equal(r.reason, 'not_allowed');
    assert.match(
      r.message,
      new RegExp(
        `^Sorry, as a manager you can see the report of your own department \\(“${otherDept}”\\) only\\. Here is your own progress\\.$`,
      ),
    );
    assert.deepEqual(
      r.own?.rows.map((x) => [x.userId, x.overallProgress]),
      [[otherManager, 10]],
    );
    assert.deepEqual(r.departments, [otherDept], 'only the departments they may see');
    const own = asReport(await reports.buildProgressReport(otherManager));
    assert.deepEqual(own.rows.map((x) => x.userId).sort(), [carol, otherManager].sort());
  });

  it('refuses an employee anything but their own progress', async () => {
    for (const target of [{ department: dept }, { userId: bob }, { department: otherDept }]) {
      const r = asRefusal(await reports.buildProgressReport(alice, target));
      assert.equal(r.reason, 'not_allowed');
      assert.match(r.message, /^Sorry, .*only show you your own learning progress/);
      assert.deepEqual(
        r.own?.rows.map((x) => x.userId),
        [alice],
      );
      assert.deepEqual(r.departments, []);
    }
    const own = asReport(await reports.buildProgressReport(alice));
    assert.deepEqual([own.scope, own.rows.map((x) => x.userId)], ['person', [alice]]);
    assert.equal(asReport(await reports.buildProgressReport(alice, { userId: alice })).rows[0].overallProgress, 75);
  });

  it('holds in the database: an employee or another manager sees no foreign rows even without the code check', async () => {
    const everyone = [manager, alice, bob, carol, otherManager, admin];
    const visible = (viewer: string) =>
      inUserScope(ds, viewer, async (m) => ({
        progress: [
          ...new Set(
            (await m.query(`SELECT user_id FROM learning_progress WHERE user_id = ANY($1)`, [everyone])).map(
              (r: { user_id: string }) => r.user_id,
            ),
          ),
        ].sort(),
        users: (await m.query(`SELECT id FROM users WHERE id = ANY($1)`, [everyone])).map((r: { id: string }) => r.id).sort(),
        dashboard: (await m.query(`SELECT id FROM user_learning_dashboard WHERE id = ANY($1)`, [everyone]))
          .map((r: { id: string }) => r.id)
          .sort(),
        messages: [
          ...new Set(
            (await m.query(`SELECT user_id FROM chat_messages WHERE user_id = ANY($1)`, [everyone])).map(
              (r: { user_id: string }) => r.user_id,
            ),
          ),
        ].sort(),
        analytics: (await m.query(`SELECT total_skills, total_courses FROM get_user_learning_analytics($1)`, [alice]))[0],
      }));
    const employee = await visible(bob);
    assert.deepEqual(employee, {
      progress: [bob],
      users: [bob],
      dashboard: [bob],
      messages: [bob],
      analytics: { total_skills: 0, total_courses: 0 },
    });
    const foreignManager = await visible(otherManager);
    assert.deepEqual(foreignManager.progress, [carol, otherManager].sort());
    assert.deepEqual(foreignManager.users, [carol, otherManager].sort());
    assert.deepEqual(foreignManager.dashboard, [carol, otherManager].sort());
    assert.deepEqual(
      foreignManager.analytics,
      { total_skills: 0, total_courses: 0 },
      "Alice's numbers are invisible to another department's manager",
    );

    const own = await visible(manager);
    assert.deepEqual(own.users, [alice, bob, manager].sort());
    assert.deepEqual(own.analytics, { total_skills: 1, total_courses: 1 });
    assert.deepEqual(own.messages, [], "a manager never reads the department's chat messages");
    const [dash] = await inUserScope(ds, manager, (m) =>
      m.query(`SELECT recent_messages, overall_progress FROM user_learning_dashboard WHERE id = $1`, [alice]),
    );
    assert.deepEqual([Number(dash.recent_messages), dash.overall_progress], [0, 75], "recent_messages is only ever the viewer's own count");

    const canView = (viewer: string, targets: string[]) =>
      inUserScope(ds, viewer, async (m) =>
        (await m.query(`SELECT auth.can_view_user(t) AS ok FROM unnest($1::text[]) WITH ORDINALITY AS x(t, n) ORDER BY n`, [targets])).map(
          (r: { ok: boolean }) => r.ok,
        ),
      );
    assert.deepEqual(await canView(manager, [manager, alice, carol, admin]), [true, true, false, false]);
    assert.deepEqual(await canView(bob, [bob, alice, manager]), [true, false, false]);
    assert.deepEqual(await canView(admin, [alice, carol, 'no-such-user']), [true, true, true]);

    const adminView = await visible(admin);
    assert.deepEqual(adminView.users, [...everyone].sort());
    assert.deepEqual(adminView.messages, []);
  });

  it('never lets a user-scoped transaction change roles or departments, nor managers change others', async () => {
    for (const sql of [`UPDATE users SET role = 'admin' WHERE id = $1`, `UPDATE users SET department = 'Board' WHERE id = $1`]) {
      await assert.rejects(
        inUserScope(ds, bob, (m) => m.query(sql, [bob])),
        (e: { code?: string }) => e.code === '42501',
        sql,
      );
    }
    const [, changedName] = await inUserScope(ds, bob, (m) => m.query(`UPDATE users SET preferences = '{"x":1}' WHERE id = $1`, [bob]));
    assert.equal(changedName, 1, 'other profile columns stay editable');
    const [, managerUpdate] = await inUserScope(ds, manager, (m) =>
      m.query(`UPDATE learning_progress SET progress = 99 WHERE user_id = $1`, [alice]),
    );
    assert.equal(managerUpdate, 0, 'managers read, never write');
    await inServiceScope(ds, (m) => m.query(`UPDATE users SET role = 'employee' WHERE id = $1`, [bob]));
  });

  it('lets an admin see any department', async () => {
    const r = asReport(await reports.buildProgressReport(admin, { department: otherDept }));
    assert.deepEqual(
      r.rows.map((x) => x.userId),
      [carol, otherManager],
    );
    assert.equal(r.viewer.role, 'admin');
    const sales = asReport(await reports.buildProgressReport(admin, { department: dept }));
    assert.equal(sales.totals.people, 3);
    const person = asReport(await reports.buildProgressReport(admin, { userId: carol }));
    assert.equal(person.rows[0].overallProgress, 80);
  });

  it('names unknown departments and people specifically', async () => {
    const r = asRefusal(await reports.buildProgressReport(admin, { department: `Nowhere ${tag}` }));
    assert.equal(r.reason, 'unknown_department');
    assert.match(r.message, new RegExp(`^No one in department “Nowhere ${tag}”\\. Departments I know: .*${otherDept}`));
    assert.ok(r.departments.includes(dept) && r.departments.includes(otherDept));
    assert.equal(r.own, null);
    const who = asRefusal(await reports.buildProgressReport(admin, { userId: 'nobody@example.test' }));
    assert.deepEqual([who.reason, who.message], ['unknown_user', "I don't know anyone with the id or email “nobody@example.test”."]);
    const nobody = await makeUser(ds, { role: 'admin' });
    const noDept = asRefusal(await reports.buildProgressReport(nobody));
    assert.equal(noDept.reason, 'no_department');
    assert.match(noDept.message, /^Which department\? Departments I know: /);
  });
});
