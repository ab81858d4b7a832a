import type { ProgressReport, ReportRow } from '../../../core/learning';
import {
  type AdaptiveCard,
  CARD_BYTE_BUDGET,
  type CardElement,
  type Column,
  type ColumnSet,
  card,
  cardBytes,
  text,
  truncate,
} from './adaptive';
import { ago, pct, plural } from './format';

const MAX_NAME = 40;

export interface ReportCardOptions {
  /** shown above the report, e.g. the core's refusal sentence when it fell back to the viewer's own progress */
  note?: string;
  /** `data:image/png;base64,...` of the chart: embedded as an Image only if the card still fits its budget */
  chartDataUri?: string;
  /** how the CSV reaches the person: a file card below ('file'), or nothing said (null) */
  csv?: 'file' | null;
  /** byte budget for the card JSON (default CARD_BYTE_BUDGET, below Teams' ~28 KB message limit) */
  maxBytes?: number;
}

export interface BuiltReportCard {
  card: AdaptiveCard;
  /** rows shown in the card (the top ones: the report is sorted by progress) */
  rowsShown: number;
  /** rows left out for size ("and N more in the CSV") */
  rowsOmitted: number;
  /** whether the chart is in the card; if not, send it separately */
  chartEmbedded: boolean;
}

/**
 * A progress report as an Adaptive Card: title, totals (FactSet), one row per person (name, courses
 * and skills completed of total, overall progress, last activity), as many rows as fit the byte budget
 * with "…and N more in the CSV", and the chart when it fits too. Pure: dates are relative to
 * report.generatedAt.
 */
export function buildReportCard(report: ProgressReport, opts: ReportCardOptions = {}): BuiltReportCard {
  const budget = opts.maxBytes ?? CARD_BYTE_BUDGET;
  const total = report.rows.length;
  const fits = (c: AdaptiveCard) => cardBytes(c) <= budget;

  // The most rows that fit (binary search: each row is a few hundred bytes, departments can be large).
  let lo = 0;
  let hi = total;
  if (!fits(compose(report, opts, total, undefined))) {
    hi = total - 1;
    while (lo < hi) {
      const mid = Math.ceil((lo + hi) / 2);
      if (fits(compose(report, opts, mid, undefined))) lo = mid;
      else hi = mid - 1;
    }
  } else {
    lo = total;
  }
  const shown = lo;
  if (opts.chartDataUri) {
    const withChart = compose(report, opts, shown, opts.chartDataUri);
    if (fits(withChart)) return { card: withChart, rowsShown: shown, rowsOmitted: total - shown, chartEmbedded: true };
  }
  return { card: compose(report, opts, shown, undefined), rowsShown: shown, rowsOmitted: total - shown, chartEmbedded: false };
}

function compose(report: ProgressReport, opts: ReportCardOptions, rows: number, chart: string | undefined): AdaptiveCard {
  const now = report.generatedAt;
  const body: CardElement[] = [];
  if (opts.note) body.push(text(opts.note, { color: 'warning' }));
  const heading = report.scope === 'department' ? `Learning report: ${report.title}` : `Learning progress: ${report.title}`;
  body.push(text(heading, { size: 'large', weight: 'bolder', spacing: opts.note ? 'medium' : 'default' }));
  body.push(
    text(
      `${report.scope === 'department' ? `Department · ${plural(report.totals.people, 'person', 'people')} · ` : ''}generated ${now.toISOString().slice(0, 16).replace('T', ' ')} UTC`,
      { isSubtle: true, size: 'small', spacing: 'none' },
    ),
  );

  const t = report.totals;
  body.push({
    type: 'FactSet',
    spacing: 'medium',
    facts:
      report.scope === 'department'
        ? [
            { title: 'People', value: String(t.people) },
            { title: 'Average progress', value: pct(t.averageProgress) },
            { title: 'Courses completed', value: String(t.coursesCompleted) },
            { title: 'Skills completed', value: String(t.skillsCompleted) },
            { title: 'Active in the last 7 days', value: `${t.activeLast7Days} of ${t.people}` },
          ]
        : personFacts(report.rows[0], now),
  });

  if (report.scope === 'department') {
    if (report.rows.length) {
      body.push(headerRow());
      for (const r of report.rows.slice(0, rows)) body.push(personRow(r, now));
      const omitted = report.rows.length - rows;
      if (omitted > 0)
        body.push(
          text(`…and ${plural(omitted, 'more person', 'more people')} in the CSV.`, { isSubtle: true, size: 'small', spacing: 'small' }),
        );
    } else {
      body.push(text('Nobody in this department yet.', { isSubtle: true }));
    }
  }

  if (chart)
    body.push({
      type: 'Image',
      url: chart,
      altText: `Bar chart of each person's overall learning progress in ${report.title}`,
      size: 'stretch',
      spacing: 'medium',
    });
  if (opts.csv === 'file') {
    body.push(
      text('The full report is attached as a CSV file below: choose **Allow** to save it to your OneDrive.', {
        isSubtle: true,
        size: 'small',
        spacing: 'medium',
      }),
    );
  }
  return card(body);
}

function personFacts(row: ReportRow | undefined, now: Date) {
  if (!row) return [{ title: 'Progress', value: 'No learning progress recorded yet.' }];
  return [
    { title: 'Overall progress', value: pct(row.overallProgress) },
    { title: 'Courses completed', value: `${row.coursesCompleted} of ${row.coursesTotal}` },
    { title: 'Skills completed', value: `${row.skillsCompleted} of ${row.skillsTotal}` },
    { title: 'Last activity', value: ago(row.lastActivity, now) },
    { title: 'Updates in the last 7 days', value: String(row.recentUpdates7d) },
  ];
}

const COLUMN_WIDTHS = [4, 2, 2, 2, 3];

function headerRow(): ColumnSet {
  const titles = ['Name', 'Courses', 'Skills', 'Progress', 'Last active'];
  return {
    type: 'ColumnSet',
    spacing: 'medium',
    separator: true,
    columns: titles.map((t, i) => column(i, text(t, { weight: 'bolder', size: 'small' }))),
  };
}

function personRow(r: ReportRow, now: Date): ColumnSet {
  const cells = [
    truncate(r.name, MAX_NAME),
    `${r.coursesCompleted}/${r.coursesTotal}`,
    `${r.skillsCompleted}/${r.skillsTotal}`,
    pct(r.overallProgress),
    ago(r.lastActivity, now),
  ];
  return { type: 'ColumnSet', spacing: 'small', columns: cells.map((c, i) => column(i, text(c, { size: 'small' }))) };
}

const column = (i: number, item: CardElement): Column => ({ type: 'Column', width: COLUMN_WIDTHS[i], items: [item] });
