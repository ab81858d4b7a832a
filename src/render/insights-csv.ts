// The admin insights as CSV, for spreadsheets. Pure: rows in, text out.
import { stringify } from 'csv-stringify/sync';
import type { CitedContentRow, DepartmentAdoptionRow, GapRow, NeverCitedRow, QuestionLogRow } from '../db/repositories/insights-repository';

export const INSIGHTS_REPORTS = ['questions', 'gaps', 'content', 'adoption'] as const;
export type InsightsReport = (typeof INSIGHTS_REPORTS)[number];

export const QUESTIONS_CSV_HEADER = ['created_at', 'channel', 'department', 'question', 'confidence', 'feedback', 'first_source'];
export const GAPS_CSV_HEADER = ['grouped_by', 'topic', 'questions', 'low_confidence', 'thumbs_down', 'example_1', 'example_2', 'example_3'];
export const CONTENT_CSV_HEADER = ['title', 'document', 'citations', 'status'];
export const ADOPTION_CSV_HEADER = ['department', 'users', 'active_users', 'adoption_percent', 'questions'];

/** Every question of the range: when, where, who's department, the text, how it went. */
export function questionsCsv(rows: QuestionLogRow[]): string {
  return csv(
    QUESTIONS_CSV_HEADER,
    rows.map((r) => [
      r.created_at.toISOString(),
      r.channel ?? '',
      r.department ?? '',
      r.message,
      r.confidence ?? '',
      r.feedback === 1 ? 'up' : r.feedback === -1 ? 'down' : '',
      r.top_source ?? '',
    ]),
  );
}

export function gapsCsv(rows: GapRow[]): string {
  return csv(
    GAPS_CSV_HEADER,
    rows.map((r) => [
      r.kind,
      r.topic,
      r.questions,
      r.lowConfidence,
      r.thumbsDown,
      r.examples[0] ?? '',
      r.examples[1] ?? '',
      r.examples[2] ?? '',
    ]),
  );
}

/** Cited documents (most first), then the never-cited ones. */
export function contentCsv(cited: CitedContentRow[], never: NeverCitedRow[]): string {
  return csv(CONTENT_CSV_HEADER, [
    ...cited.map((r) => [r.title, r.document, r.citations, r.present ? 'cited' : 'cited (since deleted)']),
    ...never.map((r) => [r.title, r.document, 0, 'never cited']),
  ]);
}

export function adoptionCsv(rows: DepartmentAdoptionRow[]): string {
  return csv(
    ADOPTION_CSV_HEADER,
    rows.map((r) => [
      r.department ?? '',
      r.users,
      r.activeUsers,
      r.users ? Math.round((1000 * r.activeUsers) / r.users) / 10 : 0,
      r.questions,
    ]),
  );
}

/**
 * The same dialect as the progress report (report-csv.ts): RFC 4180 with CRLF, a header row, and text
 * starting with = + - @ or a tab/CR prefixed by an apostrophe so a spreadsheet never runs it as a formula
 * (questions are free text anyone can type); numbers are never changed.
 */
function csv(header: string[], rows: Array<Array<string | number>>): string {
  return stringify(rows, {
    header: true,
    columns: header,
    record_delimiter: 'windows',
    // Set explicitly: with a custom record delimiter csv-stringify would otherwise quote only "\r\n", not a lone "\n" or "\r".
    quote_record_delimiter: true,
    escape_formulas: true,
  });
}
