import assert from 'node:assert/strict';
import { ProgressService, parseProgressCommand, validatePercent } from '../../../src/core/learning/progress-service';
import { type ProgressReport, ReportService } from '../../../src/core/learning/report-service';
import type { AppDataSource } from '../../../src/db/data-source';
import { SEED_COURSES, SEED_SKILLS } from '../../../src/db/seed-rows';
import { inUserScope } from '../../../src/db/user-scope';
import { forEachBackend } from '../../helpers/databases';
import { makeUser } from '../../helpers/fixtures';

const skill = (name: string) => SEED_SKILLS.find((s) => s.name === name)!;
const course = (title: string) => SEED_COURSES.find((c) => c.title === title)!;

describe('parseProgressCommand', () => {
  it('reads a name and a percentage, done or start', () => {
    assert.deepEqual(parseProgressCommand('/progress Python Fundamentals 50'), {
      action: 'update',
      itemQuery: 'Python Fundamentals',
      percent: 50,
    });
    assert.deepEqual(parseProgressCommand('python fundamentals 50%'), { action: 'update', itemQuery: 'python fundamentals', percent: 50 });
    assert.deepEqual(parseProgressCommand('Machine Learning done'), {
      action: 'update',
      itemQuery: 'Machine Learning',
      percent: 'complete',
    });
    assert.deepEqual(parseProgressCommand('progress Leadership start'), { action: 'update', itemQuery: 'Leadership', percent: 'start' });
    assert.deepEqual(parseProgressCommand('mark Data Analysis as completed'), {
      action: 'update',
      itemQuery: 'Data Analysis',
      percent: 'complete',
    });
    assert.deepEqual(parseProgressCommand('set Data Analysis to 75 %'), { action: 'update', itemQuery: 'Data Analysis', percent: 75 });
    assert.deepEqual(parseProgressCommand('progress: Communication 12.5%'), {
      action: 'update',
      itemQuery: 'Communication',
      percent: 12.5,
    });
  });

  it('leaves range checks to updateProgress, and lists on an empty command', () => {
    assert.deepEqual(parseProgressCommand('Python -1'), { action: 'update', itemQuery: 'Python', percent: -1 });
    assert.deepEqual(parseProgressCommand('Python 101%'), { action: 'update', itemQuery: 'Python', percent: 101 });
    for (const t of ['', 'progress', '/progress', 'progress show']) assert.deepEqual(parseProgressCommand(t), { action: 'list' }, t);
    for (const t of ['Python abc', '50%', 'progress Python Fundamentals']) assert.equal(parseProgressCommand(t).action, 'invalid', t);
  });

  it('validatePercent accepts 0..100, start and complete only', () => {
    for (const v of [0, 1, 50.5, 100, 'start', 'complete']) assert.equal(validatePercent(v), v);
    for (const v of [-1, 101, 'abc', NaN, Infinity, '50', null, undefined]) {
      assert.equal((validatePercent(v) as { kind: string }).kind, 'invalid_percent', String(v));
    }
  });
});

forEachBackend('learning: progress', (backend) => {
  let ds: AppDataSource;
  let service: ProgressService;
  before(async () => {
    ds = await backend.dataSource();
    service = new ProgressService(ds);
  });

  const rows = (user: string) =>
    ds.query(`SELECT skill_id, course_id, progress, completed_at FROM learning_progress WHERE user_id = $1`, [user]);

  it('refuses percentages out of bounds or not numbers, writing nothing', async () => {
    const user = await makeUser(ds);
    for (const percent of [-1, 101, 'abc', NaN, '50'] as unknown[]) {
      const r = await service.updateProgress(user, { itemQuery: 'Python Fundamentals', percent: percent as number });
      assert.equal(r.kind, 'invalid_percent', String(percent));
      assert.match(r.kind === 'invalid_percent' ? r.message : '', /0 to 100/);
    }
    assert.deepEqual(await rows(user), []);
  });

  it('resolves names case-insensitively, exact before prefix', async () => {
    const user = await makeUser(ds);
    const r = await service.updateProgress(user, { itemQuery: 'machine learning', percent: 30 });
    assert.equal(r.kind, 'updated');
    if (r.kind !== 'updated') return;
    assert.deepEqual(
      [r.item.itemType, r.item.itemId, r.item.title, r.item.percent, r.item.status, r.created, r.previousPercent],
      ['skill', skill('Machine Learning').id, 'Machine Learning', 30, 'in_progress', true, null],
      'the skill, not "Machine Learning Basics"',
    );
    const again = await service.updateProgress(user, { itemQuery: 'Machine Learning', percent: 45 });
    assert.ok(again.kind === 'updated' && again.previousPercent === 30 && !again.created && /was 30%/.test(again.message));
    const byPrefix = await service.updateProgress(user, { itemQuery: 'python fund', percent: 10 });
    assert.ok(byPrefix.kind === 'updated' && byPrefix.item.itemId === course('Python Fundamentals').id);
    assert.equal((await rows(user)).length, 2, 'one row per item: the second update changed the first row');
  });

  it('asks which one when several match, and suggests the closest names when none does', async () => {
    const user = await makeUser(ds);
    const amb = await service.updateProgress(user, { itemQuery: 'Python', percent: 20 });
    assert.equal(amb.kind, 'ambiguous');
    if (amb.kind !== 'ambiguous') return;
    const ids = amb.options.map((o) => o.id);
    assert.ok(ids.includes(skill('Python Programming').id) && ids.includes(course('Python Fundamentals').id));
    assert.ok(amb.options.every((o) => /^python/i.test(o.title)));
    assert.match(amb.message, /^Which one do you mean: .*“Python Fundamentals” \(course\)/);

    const picked = await service.updateProgress(user, { itemId: course('Python Fundamentals').id, itemType: 'course', percent: 20 });
    assert.ok(picked.kind === 'updated' && picked.item.title === 'Python Fundamentals', 'the answer to "which one" is an id');
    const onlySkills = await service.updateProgress(user, { itemQuery: 'Python', itemType: 'skill', percent: 20 });
    assert.ok(onlySkills.kind === 'updated' && onlySkills.item.itemId === skill('Python Programming').id);

    const typo = await service.updateProgress(user, { itemQuery: 'Pyhton Fundamentals', percent: 20 });
    assert.equal(typo.kind, 'not_found');
    if (typo.kind !== 'not_found') return;
    assert.equal(typo.suggestions[0].title, 'Python Fundamentals');
    assert.match(typo.message, /couldn't find a course or skill called “Pyhton Fundamentals”\. Did you mean “Python Fundamentals”/);
    const gone = await service.updateProgress(user, { itemId: 'no-such-id', percent: 20 });
    assert.equal(gone.kind, 'not_found');
    assert.equal((await rows(user)).length, 2, 'nothing written for ambiguous or unknown names');
  });

  it("completion: 100 and 'complete' mean the same everywhere (completed_at, list, analytics, report)", async () => {
    const a = await makeUser(ds, { department: `Dept-progress-${Date.now()}` });
    const b = await makeUser(ds);
    const viaNumber = await service.updateProgress(a, { itemQuery: 'Communication', percent: 100 });
    const viaWord = await service.updateProgress(b, { itemQuery: 'Communication', percent: 'complete' });
    for (const [r, user] of [
      [viaNumber, a],
      [viaWord, b],
    ] as const) {
      assert.ok(
        r.kind === 'updated' &&
          r.item.completed &&
          r.item.status === 'completed' &&
          r.item.completedAt instanceof Date &&
          r.item.percent === 100,
      );
      const [row] = await rows(user);
      assert.equal(row.progress, 100);
      assert.ok(row.completed_at instanceof Date, 'the trigger stamped completed_at');
      const [stats] = await inUserScope(ds, user, (m) =>
        m.query(`SELECT completed_skills, total_skills FROM get_user_learning_analytics($1)`, [user]),
      );
      assert.deepEqual(stats, { completed_skills: 1, total_skills: 1 });
      const report = (await new ReportService(ds).buildProgressReport(user, { userId: user })) as ProgressReport;
      assert.deepEqual([report.rows[0].skillsCompleted, report.rows[0].overallProgress], [1, 100]);
    }
    assert.match(viaWord.kind === 'updated' ? viaWord.message : '', /Marked Communication \(skill\) as completed/);

    const lowered = await service.updateProgress(a, { itemQuery: 'Communication', percent: 60 });
    assert.ok(
      lowered.kind === 'updated' &&
        !lowered.item.completed &&
        lowered.item.completedAt === null &&
        /no longer marked completed/.test(lowered.message),
    );
  });

  it("'start' marks an item started (1%) and never lowers progress", async () => {
    const user = await makeUser(ds);
    const fresh = await service.updateProgress(user, { itemQuery: 'Leadership', percent: 'start' });
    assert.ok(fresh.kind === 'updated' && fresh.item.percent === 1 && fresh.created);
    await service.updateProgress(user, { itemQuery: 'Leadership', percent: 40 });
    const again = await service.updateProgress(user, { itemQuery: 'Leadership', percent: 'start' });
    assert.ok(again.kind === 'updated' && again.item.percent === 40 && /already started/.test(again.message));
    await service.updateProgress(user, { itemQuery: 'Leadership', percent: 'complete' });
    const done = await service.updateProgress(user, { itemQuery: 'Leadership', percent: 'start' });
    assert.ok(done.kind === 'updated' && done.item.completed && done.item.percent === 100);
  });

  it("lists the asker's items, in progress first, then not started, then completed", async () => {
    const user = await makeUser(ds);
    const other = await makeUser(ds);
    await ds.query(`INSERT INTO learning_progress (user_id, skill_id, progress) VALUES ($1, $2, 100), ($1, $3, 0), ($1, $4, 30)`, [
      user,
      skill('Leadership').id,
      skill('Communication').id,
      skill('Data Analysis').id,
    ]);
    await ds.query(`INSERT INTO learning_progress (user_id, course_id, progress) VALUES ($1, $2, 70)`, [
      user,
      course('Machine Learning Basics').id,
    ]);
    await ds.query(`INSERT INTO learning_progress (user_id, skill_id, progress) VALUES ($1, $2, 50)`, [other, skill('Leadership').id]);
    const list = await service.listProgress(user);
    assert.deepEqual(
      list
        .map((i) => [i.title, i.status])
        .slice(0, 2)
        .map(([, s]) => s),
      ['in_progress', 'in_progress'],
    );
    assert.deepEqual(
      list.slice(2).map((i) => [i.title, i.status]),
      [
        ['Communication', 'not_started'],
        ['Leadership', 'completed'],
      ],
    );
    assert.deepEqual(new Set(list.slice(0, 2).map((i) => i.title)), new Set(['Data Analysis', 'Machine Learning Basics']));
    assert.ok(list.every((i) => i.startedAt instanceof Date && typeof i.percent === 'number'));
    assert.deepEqual(await service.listProgress(await makeUser(ds)), []);
  });
});
