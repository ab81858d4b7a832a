import assert from 'node:assert/strict';
import { parseCsv } from '../../src/cli/users-import';
import { REPORT_CSV_HEADER, reportCsv } from '../../src/render/report-csv';
import { syntheticReport } from './reports';

describe('render: reportCsv', () => {
  it('writes RFC 4180 CSV: header, CRLF, quoting, no formulas', () => {
    const report = syntheticReport(3, ['O"Brien, Pat', '=HYPERLINK("x")', 'Line\nBreak']);
    const csv = reportCsv(report);
    assert.ok(csv.endsWith('\r\n'));
    assert.equal(csv.split('\r\n')[0], REPORT_CSV_HEADER.join(','));
    assert.ok(csv.includes('"O""Brien, Pat"'));
    const records = parseCsv(csv);
    assert.equal(records.length, 4);
    assert.deepEqual(
      records.map((r) => r.fields.length),
      [10, 10, 10, 10],
    );
    assert.deepEqual(
      records.slice(1).map((r) => r.fields[0]),
      ['O"Brien, Pat', `'=HYPERLINK("x")`, 'Line\nBreak'],
    );
    assert.deepEqual(records[1].fields.slice(1), ['p0@example.test', 'Synthetic', '0', '3', '0', '2', '100', '', '0']);
    assert.equal(records[2].fields[8], '2025-01-02T03:04:05.000Z');
  });

  it('neutralises every formula prefix in text, quotes lone CR and LF, and leaves numbers and empty fields alone', () => {
    const names = ['+1', '-x', '@a', '\tt', '\rr', '\uFF1Dfull-width', 'a\rb', 'plain'];
    const report = syntheticReport(names.length, names);
    report.rows[0].department = '=cmd';
    report.rows[1].department = null;
    const lines = reportCsv(report).split('\r\n');
    assert.deepEqual(lines.slice(1, 6), [
      "'+1,p0@example.test,'=cmd,0,3,0,2,100,,0",
      "'-x,p1@example.test,,1,3,1,2,88,2025-01-02T03:04:05.000Z,1",
      "'@a,p2@example.test,Synthetic,2,3,0,2,75,2025-01-02T03:04:05.000Z,2",
      "'\tt,p3@example.test,Synthetic,0,3,1,2,63,2025-01-02T03:04:05.000Z,3",
      `"'\rr",p4@example.test,Synthetic,1,3,0,2,50,,4`,
    ]);
    assert.ok(lines[6].startsWith("'\uFF1Dfull-width,"), 'full-width "=" is read as a formula by some spreadsheets');
    assert.ok(lines[7].startsWith('"a\rb",'));
    assert.ok(lines[8].startsWith('plain,'));
  });

  it('writes just the header for a report without rows', () => {
    const empty = syntheticReport(0);
    assert.equal(reportCsv(empty), `${REPORT_CSV_HEADER.join(',')}\r\n`);
  });
});
