import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { formatSummary, importUsers, parseCsv, readPeople } from '../../../src/cli/users-import';
import { type ProgressReport, ReportService } from '../../../src/core/learning/report-service';
import type { AppDataSource } from '../../../src/db/data-source';
import { isAppError } from '../../../src/errors';
import { forEachBackend } from '../../helpers/databases';

describe('users:import parsing', () => {
  it('parses RFC 4180: quotes, doubled quotes, line breaks in quotes, BOM, CRLF; records keep their line numbers', () => {
    const text =
      '\uFEFFemail,name,department,role\r\na@x.test,"Doe, Jane",Sales,manager\r\n\r\nb@x.test,"Multi\nLine ""Bob""",,\nc@x.test,C,Ops,admin';
    assert.deepEqual(parseCsv(text), [
      { line: 1, fields: ['email', 'name', 'department', 'role'] },
      { line: 2, fields: ['a@x.test', 'Doe, Jane', 'Sales', 'manager'] },
      { line: 4, fields: ['b@x.test', 'Multi\nLine "Bob"', '', ''] },
      { line: 6, fields: ['c@x.test', 'C', 'Ops', 'admin'] },
    ]);
    assert.throws(
      () => parseCsv('email\n"open'),
      (e: unknown) => isAppError(e, 'BAD_INPUT') && /line 2/.test(e.message),
    );
  });

  it('parses embedded commas and line breaks, CR-only and mixed line ends, blank lines, short and long rows', () => {
    const text =
      'email,name,department,role\r"a@x.test","Lee, Ann ""AL""","R&D,\r\nLab",\r\r\nb@x.test,B\n\n"c@x.test",C,Ops,admin,extra\n';
    assert.deepEqual(parseCsv(text), [
      { line: 1, fields: ['email', 'name', 'department', 'role'] },
      { line: 2, fields: ['a@x.test', 'Lee, Ann "AL"', 'R&D,\nLab', ''] },
      { line: 5, fields: ['b@x.test', 'B'] },
      { line: 7, fields: ['c@x.test', 'C', 'Ops', 'admin', 'extra'] },
    ]);
    const { people, bad } = readPeople(parseCsv(text));
    assert.deepEqual(
      people.map((p) => [p.line, p.name, p.department]),
      [
        [2, 'Lee, Ann "AL"', 'R&D, Lab'],
        [7, 'C', 'Ops'],
      ],
    );
    assert.deepEqual(bad, [{ line: 5, error: 'expected 4 fields, found 2' }]);
  });

  it('keeps a quote inside an unquoted field, and reports an unclosed quote at the line its record starts on', () => {
    assert.deepEqual(parseCsv('email,name\na@x.test,Ann "the boss" Lee'), [
      { line: 1, fields: ['email', 'name'] },
      { line: 2, fields: ['a@x.test', 'Ann "the boss" Lee'] },
    ]);
    assert.throws(
      () => parseCsv('email,name\na@x.test,A\n\n\nb@x.test,"Bob\nand more\n'),
      (e: unknown) => isAppError(e, 'BAD_INPUT') && e.message === 'line 5: a quoted field is never closed',
    );
  });

  it('refuses an empty file, a BOM alone and a header without the required columns', () => {
    for (const text of ['', '\uFEFF', '\n\r\n']) {
      assert.throws(
        () => readPeople(parseCsv(text)),
        (e: unknown) => isAppError(e, 'BAD_INPUT') && /the file is empty/.test(e.message),
      );
    }
    assert.throws(
      () => readPeople(parseCsv('\uFEFF\n"Email",Role\n')),
      (e: unknown) =>
        isAppError(e, 'BAD_INPUT') &&
        e.message === 'line 2: the header row must name the columns email,name,department,role (missing: name, department)',
    );
    assert.deepEqual(readPeople(parseCsv('\uFEFFEMAIL,Name,Department,Role\r\n')), { people: [], bad: [] });
  });

  it('validates each line and reports bad ones by line number', () => {
    const csv = [
      'Role,Email,Name,Department,Notes',
      'Manager,ADA@X.TEST,Ada,Sales,',
      'boss,bob@x.test,Bob,Sales,',
      'employee,not-an-email,Carl,Ops,',
      ',dan@x.test,,Ops,',
      'admin,ada@x.test,Ada again,Ops,',
      'employee,eve@x.test',
      ',fay@x.test,Fay,,',
    ].join('\n');
    const { people, bad } = readPeople(parseCsv(csv));
    assert.deepEqual(people, [
      { line: 2, email: 'ada@x.test', name: 'Ada', department: 'Sales', role: 'manager' },
      { line: 8, email: 'fay@x.test', name: 'Fay', department: null, role: 'employee' },
    ]);
    assert.deepEqual(bad, [
      { line: 3, error: 'role “boss” is not one of employee, manager, admin' },
      { line: 4, error: '“not-an-email” is not an email address' },
      { line: 5, error: 'name is empty' },
      { line: 6, error: 'ada@x.test already appears on line 2' },
      { line: 7, error: 'expected 5 fields, found 2' },
    ]);
    assert.throws(
      () => readPeople(parseCsv('email,name\na@x.test,A')),
      (e: unknown) => isAppError(e, 'BAD_INPUT') && /missing: department, role/.test(e.message),
    );
  });
});

forEachBackend('users:import', (backend) => {
  let ds: AppDataSource;
  before(async () => {
    ds = await backend.dataSource();
  });

  it('upserts by email, continues past bad lines, and the roles it sets drive report access', async () => {
    const tag = randomUUID().slice(0, 8);
    const dept = `Imported ${tag}`;
    const mgr = `mgr-${tag}@example.test`;
    const emp = `emp-${tag}@example.test`;
    // Someone who already talked to the bot (created by the identity service, no role yet).
    await ds.query(`INSERT INTO users (email, name) VALUES ($1, 'Slack user U1')`, [emp]);
    const csv = `email,name,department,role\n${mgr},Maria,${dept},manager\n${emp.toUpperCase()},Emil,${dept},\nbad@x.test,Bad,${dept},chief\n`;

    const dry = await importUsers(ds, csv, { dryRun: true });
    assert.deepEqual([dry.created, dry.updated, dry.unchanged, dry.bad.length], [1, 1, 0, 1]);
    assert.equal((await ds.query(`SELECT 1 FROM users WHERE email = $1`, [mgr])).length, 0, 'a dry run writes nothing');

    const s = await importUsers(ds, csv);
    assert.deepEqual([s.created, s.updated, s.unchanged], [1, 1, 0]);
    assert.deepEqual(s.bad, [{ line: 4, error: 'role “chief” is not one of employee, manager, admin' }]);
    assert.equal(
      formatSummary('people.csv', s),
      'people.csv:4: role “chief” is not one of employee, manager, admin\n1 created, 1 updated, 0 unchanged, 1 bad line(s) skipped.',
    );
    const rows = await ds.query(`SELECT email, name, department, role FROM users WHERE email = ANY($1) ORDER BY email`, [[mgr, emp]]);
    assert.deepEqual(rows, [
      { email: emp, name: 'Emil', department: dept, role: 'employee' },
      { email: mgr, name: 'Maria', department: dept, role: 'manager' },
    ]);
    const again = await importUsers(ds, csv);
    assert.deepEqual([again.created, again.updated, again.unchanged], [0, 0, 2]);

    const [{ id: managerId }] = await ds.query(`SELECT id FROM users WHERE email = $1`, [mgr]);
    const report = (await new ReportService(ds).buildProgressReport(managerId)) as ProgressReport;
    assert.equal(report.kind, 'report');
    assert.deepEqual(report.rows.map((r) => r.name).sort(), ['Emil', 'Maria']);
  });
});
