// The progress report as CSV, for spreadsheets. Pure: report in, text out.
import { stringify } from 'csv-stringify/sync';
import type { ProgressReport } from '../core/learning/report-service';

export const REPORT_CSV_HEADER = [
  'name',
  'email',
  'department',
  'courses_completed',
  'courses_total',
  'skills_completed',
  'skills_total',
  'overall_progress_percent',
  'last_activity',
  'progress_updates_7d',
] as const;

/**
 * RFC 4180: CRLF line ends, a header row, fields with a comma, quote or line break in double quotes
 * (quotes doubled). Text starting with = + - @ or a tab/CR (or their full-width forms, which some
 * spreadsheets read the same way) gets a leading apostrophe so a spreadsheet does not run it as a
 * formula (CSV injection); numbers are never changed. Dates are ISO 8601 UTC; empty when never active.
 */
export function reportCsv(report: ProgressReport): string {
  return stringify(
    report.rows.map((r) => [
      r.name,
      r.email,
      r.department ?? '',
      r.coursesCompleted,
      r.coursesTotal,
      r.skillsCompleted,
      r.skillsTotal,
      r.overallProgress,
      r.lastActivity ? r.lastActivity.toISOString() : '',
      r.recentUpdates7d,
    ]),
    {
      header: true,
      columns: [...REPORT_CSV_HEADER],
      record_delimiter: 'windows',
      // Set explicitly: with a custom record delimiter csv-stringify would otherwise quote only "\r\n", not a lone "\n" or "\r".
      quote_record_delimiter: true,
      escape_formulas: true,
    },
  );
}
