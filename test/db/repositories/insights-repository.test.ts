import assert from 'node:assert/strict';
import type { AppDataSource } from '../../../src/db/data-source';
import {
  adoptionByDepartment,
  confidenceDistribution,
  contentCitations,
  contentGaps,
  feedbackSummary,
  type InsightsRange,
  questionLog,
  questionsPerDay,
} from '../../../src/db/repositories/insights-repository';
import { inServiceScope, inUserScope } from '../../../src/db/user-scope';
import { type InsightsDataset, makeInsightsDataset } from '../../channels/web/admin-dataset';
import { forEachBackend } from '../../helpers/databases';

forEachBackend('db: insights repository', (backend) => {
  let ds: AppDataSource;
  let set: InsightsDataset;
  let range: InsightsRange;
  before(async function () {
    // the first suite of a process migrates its database: slow on a busy machine
    this.timeout(180_000);
    ds = await backend.dataSource();
    set = await makeInsightsDataset(ds, 2021);
    // from inclusive, toExclusive exclusive: March 1 00:00 counts, March 4 00:00 does not
    range = { from: new Date('2021-03-01T00:00:00Z'), toExclusive: new Date('2021-03-04T00:00:00Z') };
  });
  const svc = <T>(work: Parameters<typeof inServiceScope<T>>[1]) => inServiceScope(ds, work);

  it('counts questions per UTC day and channel, bounds inclusive/exclusive', async () => {
    assert.deepEqual(await svc((m) => questionsPerDay(m, range)), [
      { day: '2021-03-01', channel: 'slack', questions: 1 },
      { day: '2021-03-01', channel: 'teams', questions: 1 },
      { day: '2021-03-02', channel: 'slack', questions: 2 },
      { day: '2021-03-03', channel: 'slack', questions: 1 },
      { day: '2021-03-03', channel: 'web', questions: 1 },
    ]);
    const lastMs = { from: new Date('2021-03-03T23:59:59.999Z'), toExclusive: new Date('2021-03-04T00:00:00.001Z') };
    assert.deepEqual(await svc((m) => questionsPerDay(m, lastMs)), [
      { day: '2021-03-03', channel: 'web', questions: 1 },
      { day: '2021-03-04', channel: 'slack', questions: 1 },
    ]);
  });

  it('buckets confidence by tenths and sums feedback', async () => {
    const c = await svc((m) => confidenceDistribution(m, range));
    assert.deepEqual(
      c.buckets.map((b) => b.questions),
      [0, 1, 1, 1, 0, 0, 0, 0, 1, 2],
    );
    assert.equal(c.unknown, 0);
    assert.deepEqual(await svc((m) => feedbackSummary(m, range)), { questions: 6, withFeedback: 4, up: 2, down: 2 });
  });

  it('groups content gaps by first cited source, else by the shared word stem, with newest examples', async () => {
    const gaps = await svc((m) => contentGaps(m, range, { limit: null, examples: 3 }));
    assert.deepEqual(gaps, [
      {
        kind: 'term',
        topic: 'park',
        questions: 2,
        lowConfidence: 2,
        thumbsDown: 1,
        examples: [set.questions.parking, set.questions.garage],
      },
      {
        kind: 'source',
        topic: set.titles.x,
        questions: 1,
        lowConfidence: 1,
        thumbsDown: 0,
        examples: [`Is part two of X clear? ${set.tag}`],
      },
      { kind: 'source', topic: set.titles.y, questions: 1, lowConfidence: 0, thumbsDown: 1, examples: [`Y handbook question ${set.tag}`] },
    ]);
    const cut = await svc((m) => contentGaps(m, range, { limit: 1, examples: 1 }));
    assert.deepEqual(
      cut.map((g) => [g.topic, g.examples]),
      [['park', [set.questions.parking]]],
    );
  });

  it('ranks cited documents (chunks of one document together; deleted content by its logged title)', async () => {
    const all = await svc((m) => contentCitations(m, range, { top: null, never: null }));
    assert.deepEqual(all.cited, [
      { document: set.paths.x, title: set.titles.x, citations: 2, present: true },
      { document: set.paths.y, title: set.titles.y, citations: 2, present: true },
      { document: set.titles.gone, title: set.titles.gone, citations: 1, present: false },
    ]);
    const top = await svc((m) => contentCitations(m, range, { top: 1, never: 0 }));
    assert.deepEqual(
      top.cited.map((x) => x.document),
      [set.paths.x],
    );
    assert.deepEqual(top.neverCited, []);
    assert.equal(top.neverCitedTotal, all.neverCitedTotal, 'the total is not cut by the limit');
  });

  it('lists never cited documents: cited only outside the range counts as never', async () => {
    const all = await svc((m) => contentCitations(m, range, { top: null, never: null }));
    const mine = all.neverCited.filter((r) => r.document.startsWith(`insights/${set.tag}/`));
    assert.deepEqual(mine, [{ document: set.paths.z, title: set.titles.z, chunks: 1 }]);
    assert.equal(all.neverCitedTotal, all.neverCited.length);
    assert.ok(!all.neverCited.some((r) => r.document === set.paths.x || r.document === set.paths.y));
    const wider = { from: new Date('2021-02-28T00:00:00Z'), toExclusive: range.toExclusive };
    const neverWider = await svc((m) => contentCitations(m, wider, { top: null, never: null }));
    assert.ok(!neverWider.neverCited.some((r) => r.document === set.paths.z), 'the turn of Feb 28 cited Z');
    assert.ok(neverWider.cited.some((r) => r.document === set.paths.z));
  });

  it('measures adoption per department: people, active people, questions', async () => {
    const rows = await svc((m) => adoptionByDepartment(m, range));
    const mine = rows.filter((r) => r.department === set.deptA || r.department === set.deptB);
    assert.deepEqual(mine, [
      { department: set.deptA, users: 3, activeUsers: 2, questions: 4 },
      { department: set.deptB, users: 1, activeUsers: 1, questions: 2 },
    ]);
  });

  it('exports the question log oldest first with department and first source', async () => {
    const log = await svc((m) => questionLog(m, range));
    assert.deepEqual(
      log.map((r) => [r.created_at.toISOString(), r.channel, r.department, r.feedback, r.top_source]),
      [
        ['2021-03-01T00:00:00.000Z', 'slack', set.deptA, 1, `${set.titles.x} (part 1/2)`],
        ['2021-03-01T12:00:00.000Z', 'teams', set.deptA, null, `${set.titles.x} (part 2/2)`],
        ['2021-03-02T09:00:00.000Z', 'slack', set.deptB, 1, set.titles.gone],
        ['2021-03-02T10:00:00.000Z', 'slack', set.deptA, -1, set.titles.y],
        ['2021-03-03T08:00:00.000Z', 'slack', set.deptB, null, null],
        ['2021-03-03T23:59:59.999Z', 'web', set.deptA, -1, null],
      ],
    );
  });

  it('sees only the viewer’s own turns outside the service scope (why the page uses the service scope)', async () => {
    const own = await inUserScope(ds, set.users.a1, (m) => feedbackSummary(m, range));
    assert.equal(own.questions, 2);
  });
});
