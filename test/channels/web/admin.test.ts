import assert from 'node:assert/strict';
import { parse } from 'csv-parse/sync';
import type { Viewer } from '../../../src/channels/web/viewer';
import type { AppDataSource } from '../../../src/db/data-source';
import { forEachBackend } from '../../helpers/databases';
import { makeUser } from '../../helpers/fixtures';
import { type InsightsDataset, makeInsightsDataset } from './admin-dataset';
import { stubAccess } from './stub-access';
import { type RunningWeb, startWebServer } from './web-server';

const viewer = (userId: string, role: Viewer['role']): Viewer => ({ userId, name: `${role} viewer`, email: null, role, via: 'loopback' });

forEachBackend('web: /admin insights over HTTP', (backend) => {
  let ds: AppDataSource;
  let set: InsightsDataset;
  let admin: RunningWeb;
  before(async function () {
    // the first suite of a process migrates its database: slow on a busy machine
    this.timeout(180_000);
    ds = await backend.dataSource();
    set = await makeInsightsDataset(ds, 2022);
    admin = await startWebServer(ds, { access: stubAccess(viewer(set.users.a1, 'admin')) });
  });
  after(() => admin?.close());
  const range = () => `from=${set.from}&to=${set.to}`;

  it('renders the numbers of the range, the gaps with their questions, and the privacy note', async () => {
    const res = await fetch(`${admin.baseUrl}/admin?${range()}`);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /text\/html/);
    const html = await res.text();
    assert.match(html, /admins see question text only here; managers never see chat text/);
    assert.match(html, /6 questions from 2022-03-01 to 2022-03-03/);
    assert.match(html, /Feedback rate <strong>66\.7 %<\/strong> \(4 of 6 answers\); 👍 share <strong>50\.0 %<\/strong> \(2 👍, 2 👎\)/);
    assert.match(html, /3 answers below 0\.5 confidence/);
    assert.ok(html.includes('How do I renew my parking permit?'), 'a gap example');
    assert.ok(html.includes(set.titles.x), 'a cited document');
    // The page lists the first 20 never-cited documents (other suites' content shares this database); the export has all.
    const content = await (await fetch(`${admin.baseUrl}/admin/export.csv?report=content&${range()}`)).text();
    assert.ok(content.includes(set.titles.z), 'a never cited document, in the export');
    // the adoption table: department, people, active, adoption, questions
    assert.match(html, new RegExp(`<th scope="row">${set.deptA}</th><td>3</td><td>2</td><td>66.7 %</td><td>4</td>`));
    // the chart numbers, as JSON for admin.js: questions per day by channel
    const json = /<script type="application\/json" id="insights-data">([^<]*)<\/script>/.exec(html)?.[1];
    const chart = JSON.parse(json ?? 'null');
    assert.deepEqual(chart.perDay.labels, ['2022-03-01', '2022-03-02', '2022-03-03']);
    assert.deepEqual(
      chart.perDay.datasets.map((d: { label: string; data: number[] }) => [d.label, d.data]),
      [
        ['Slack', [1, 2, 1]],
        ['Teams', [1, 0, 0]],
        ['Web console', [0, 0, 1]],
      ],
    );
    assert.doesNotMatch(html, /<script>(?!<\/script>)/, 'no inline script');
  });

  it('escapes question text and department names, in the HTML and in the embedded JSON', async () => {
    const dept = `Evil </script><b>dept</b> ${set.tag}`;
    const user = await makeUser(ds, { department: dept });
    const question = `<img src=x onerror=alert(1)> leaky ${set.tag}`;
    await ds.query(
      `INSERT INTO chat_messages (user_id, message, confidence, sources, channel, created_at) VALUES ($1, $2, 0.1, '[]', 'web', '2022-06-01T10:00:00Z')`,
      [user, question],
    );
    const html = await (await fetch(`${admin.baseUrl}/admin?from=2022-06-01&to=2022-06-01`)).text();
    assert.ok(html.includes(`&lt;img src=x onerror=alert(1)&gt; leaky ${set.tag}`), 'the question, escaped');
    assert.ok(!html.includes('<img') && !html.includes('<b>dept'), 'nothing of theirs becomes markup');
    const json = /<script type="application\/json" id="insights-data">([^<]*)<\/script>/.exec(html)?.[1];
    assert.ok(JSON.parse(json ?? 'null').adoption.labels.includes(dept), 'the department reaches the chart intact');
  });

  it('refuses managers and employees (requireAdmin)', async () => {
    for (const role of ['manager', 'employee'] as const) {
      const web = await startWebServer(ds, { access: stubAccess(viewer(set.users.b1, role)) });
      try {
        const page = await fetch(`${web.baseUrl}/admin?${range()}`);
        assert.equal(page.status, 403, role);
        assert.ok(!(await page.text()).includes('parking'), `${role} sees no question text`);
        const csv = await fetch(`${web.baseUrl}/admin/export.csv?report=questions&${range()}`);
        assert.equal(csv.status, 403, role);
        assert.ok(!(await csv.text()).includes('parking'));
      } finally {
        await web.close();
      }
    }
  });

  it('answers bad dates with 400 and a message on the page', async () => {
    const cases: Array<[string, RegExp]> = [
      ['from=2022-02-30&to=2022-03-03', /&quot;from&quot; must be a date written YYYY-MM-DD/],
      ['from=yesterday', /&quot;from&quot; must be a date written YYYY-MM-DD/],
      ['from=2022-03-05&to=2022-03-01', /&quot;from&quot; \(2022-03-05\) is after &quot;to&quot; \(2022-03-01\)/],
      ['from=2021-01-01&to=2022-01-02', /The range covers 367 days; choose at most 366/],
      ['from=2022-03-01&from=2022-03-02', /Give &quot;from&quot; and &quot;to&quot; once each/],
    ];
    for (const [query, message] of cases) {
      const res = await fetch(`${admin.baseUrl}/admin?${query}`);
      assert.equal(res.status, 400, query);
      const html = await res.text();
      assert.match(html, message, query);
      assert.match(html, /role="alert"/);
      assert.ok(!html.includes('insights-data'), 'no numbers with a bad range');
    }
    // 366 days is allowed (2024 is a leap year)
    assert.equal((await fetch(`${admin.baseUrl}/admin?from=2024-01-01&to=2024-12-31`)).status, 200);
    // the default range: the last 30 days up to today
    const html = await (await fetch(`${admin.baseUrl}/admin`)).text();
    const today = new Date().toISOString().slice(0, 10);
    assert.ok(html.includes(`id="to" name="to" value="${today}"`));
  });

  it('exports CSV: content type, header row, formula-looking questions escaped', async () => {
    const res = await fetch(`${admin.baseUrl}/admin/export.csv?report=questions&${range()}`);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'text/csv; charset=utf-8');
    assert.match(
      res.headers.get('content-disposition') ?? '',
      /^attachment; filename="?insights-questions-2022-03-01-to-2022-03-03\.csv"?$/,
    );
    const text = await res.text();
    assert.ok(text.startsWith('created_at,channel,department,question,confidence,feedback,first_source\r\n'));
    const rows: string[][] = parse(text);
    assert.equal(rows.length, 1 + 6);
    const formula = rows.find((r) => r[3].includes('HYPERLINK'));
    assert.equal(formula?.[3], `'=HYPERLINK("http://evil.example") ${set.tag}`);
    assert.deepEqual(formula?.slice(0, 3), ['2022-03-02T09:00:00.000Z', 'slack', set.deptB]);

    const gaps: string[][] = parse(await (await fetch(`${admin.baseUrl}/admin/export.csv?report=gaps&${range()}`)).text());
    assert.deepEqual(gaps[0], ['grouped_by', 'topic', 'questions', 'low_confidence', 'thumbs_down', 'example_1', 'example_2', 'example_3']);
    assert.deepEqual(gaps[1].slice(0, 7), [
      'term',
      'park',
      '2',
      '2',
      '1',
      'How do I renew my parking permit?',
      'Where is the parking garage?',
    ]);

    const content: string[][] = parse(await (await fetch(`${admin.baseUrl}/admin/export.csv?report=content&${range()}`)).text());
    assert.deepEqual(content[0], ['title', 'document', 'citations', 'status']);
    assert.deepEqual(content[1], [set.titles.x, set.paths.x, '2', 'cited']);
    assert.ok(content.some((r) => r[0] === set.titles.z && r[3] === 'never cited'));

    const adoption: string[][] = parse(await (await fetch(`${admin.baseUrl}/admin/export.csv?report=adoption&${range()}`)).text());
    assert.deepEqual(adoption[0], ['department', 'users', 'active_users', 'adoption_percent', 'questions']);
    assert.deepEqual(
      adoption.find((r) => r[0] === set.deptB),
      [set.deptB, '1', '1', '100', '2'],
    );
  });

  it('refuses an unknown report or a bad range in the export with 400', async () => {
    const bad = await fetch(`${admin.baseUrl}/admin/export.csv?report=passwords&${range()}`);
    assert.equal(bad.status, 400);
    assert.match(await bad.text(), /"report" must be one of questions, gaps, content, adoption/);
    const badRange = await fetch(`${admin.baseUrl}/admin/export.csv?report=gaps&from=2022-13-01`);
    assert.equal(badRange.status, 400);
    assert.match(await badRange.text(), /"from" must be a date/);
  });
});
