import * as path from 'node:path';
import { createCanvas, GlobalFonts } from '@napi-rs/canvas';
import { Chart, registerables, type ChartConfiguration, type ChartItem, type Plugin } from 'chart.js';
import type { DataSource, EntityManager } from 'typeorm';
import { inUserScope } from '../../db/user-scope';
import { normalizeName } from './name-match';

export type ViewerRole = 'employee' | 'manager' | 'admin';

/** One person's line of a report. Activity is progress-based: chat messages are private, even from managers. */
export interface ReportRow {
  userId: string;
  name: string;
  email: string;
  department: string | null;
  coursesCompleted: number;
  coursesTotal: number;
  skillsCompleted: number;
  skillsTotal: number;
  /** average progress over the person's skills and courses, 0..100 (0 with none), one decimal */
  overallProgress: number;
  /** latest learning_progress.updated_at or assessment_results.completed_at; null if never */
  lastActivity: Date | null;
  /** learning_progress rows updated in the last 7 days */
  recentUpdates7d: number;
}

export interface ReportTotals {
  people: number;
  /** mean of the rows' overallProgress, one decimal */
  averageProgress: number;
  coursesCompleted: number;
  skillsCompleted: number;
  /** people whose lastActivity is within the last 7 days */
  activeLast7Days: number;
}

export interface ProgressReport {
  kind: 'report';
  /** a whole department, or one person */
  scope: 'department' | 'person';
  /** the department reported on (scope 'department'), or the person's department */
  department: string | null;
  /** e.g. "Sales" or "Ada Lovelace" */
  title: string;
  generatedAt: Date;
  viewer: { userId: string; name: string; role: ViewerRole; department: string | null };
  /** sorted by overallProgress descending, then name */
  rows: ReportRow[];
  totals: ReportTotals;
}

export type RefusalReason = 'not_allowed' | 'unknown_department' | 'unknown_user' | 'no_department' | 'unknown_viewer';

export interface ReportRefusal {
  kind: 'refusal';
  reason: RefusalReason;
  /** one polite sentence or two, plain text */
  message: string;
  /** the departments the viewer may see reports of (for "Departments I know: …" and pickers) */
  departments: string[];
  /** the viewer's own progress, when they asked for something they may not see */
  own: ProgressReport | null;
}

export interface ReportTarget {
  department?: string;
  /** a users.id or an email address */
  userId?: string;
}

interface ViewerRow { id: string; name: string; email: string; department: string | null; role: string | null }

/**
 * Progress reports. Runs in the VIEWER's user scope: row-level security (manager/admin policies, see
 * migration LearningLoop) is what limits the rows; the role checks here only turn "you may not" into
 * a polite sentence and the viewer's own progress.
 */
export class ReportService {
  constructor(private readonly ds: DataSource) {}

  async buildProgressReport(viewerUserId: string, target: ReportTarget = {}): Promise<ProgressReport | ReportRefusal> {
    return inUserScope(this.ds, viewerUserId, async (m) => {
      const [viewer]: ViewerRow[] = await m.query(`SELECT id, name, email, department, role FROM users WHERE id = $1`, [viewerUserId]);
      if (!viewer) return { kind: 'refusal', reason: 'unknown_viewer', message: "I don't know you yet: send me a message first.", departments: [], own: null };
      const role = roleOf(viewer.role);
      const departments = await visibleDepartments(m);
      const own = () => personReport(m, viewer, role, viewer);
      const refuse = async (reason: RefusalReason, message: string, withOwn: boolean): Promise<ReportRefusal> =>
        ({ kind: 'refusal', reason, message, departments: role === 'employee' ? [] : departments, own: withOwn ? await own() : null });

      const who = target.userId?.trim();
      const dept = target.department?.trim();
      if (who) {
        const isSelf = who === viewer.id || who.toLowerCase() === viewer.email.toLowerCase();
        if (isSelf) return own();
        if (role === 'employee') {
          return refuse('not_allowed', "Sorry, I can only show you your own learning progress: reports about other people are for their manager. Here is yours.", true);
        }
        const [person]: ViewerRow[] = await m.query(
          `SELECT id, name, email, department, role FROM users WHERE id = $1 OR lower(email) = lower($1) ORDER BY (id = $1) DESC LIMIT 1`, [who]);
        // RLS hides people outside a manager's department, so "unknown" and "not yours" look the same: on purpose.
        if (!person || (role === 'manager' && person.department !== viewer.department)) {
          return refuse('unknown_user', role === 'manager'
            ? `I couldn't find “${who}” among the people in your department${viewer.department ? ` (“${viewer.department}”)` : ''}.`
            : `I don't know anyone with the id or email “${who}”.`, false);
        }
        return personReport(m, viewer, role, person);
      }

      if (role === 'employee') {
        if (dept) return refuse('not_allowed', `Sorry, department reports are for managers: I can only show you your own learning progress. Here it is.`, true);
        return own();
      }
      const wanted = dept || viewer.department;
      if (!wanted) {
        return refuse('no_department', departments.length
          ? `Which department? Departments I know: ${departments.join(', ')}.`
          : `I don't know any departments yet: an admin can import people with their departments (npm run users:import).`, false);
      }
      if (role === 'manager' && normalizeName(wanted) !== normalizeName(viewer.department ?? '')) {
        return refuse('not_allowed', viewer.department
          ? `Sorry, as a manager you can see the report of your own department (“${viewer.department}”) only. Here is your own progress.`
          : `Sorry, you have no department on record, so I can't show department reports. Here is your own progress.`, true);
      }
      const canonical = departments.find((d) => normalizeName(d) === normalizeName(wanted));
      if (!canonical) {
        return refuse('unknown_department', `No one in department “${wanted}”. ${departments.length ? `Departments I know: ${departments.join(', ')}.` : 'I know no departments yet.'}`, false);
      }
      const rows = await reportRows(m, { department: canonical });
      return makeReport('department', canonical, canonical, viewer, role, rows);
    });
  }
}

function roleOf(role: string | null): ViewerRole {
  const r = (role ?? '').trim().toLowerCase();
  return r === 'admin' || r === 'manager' ? r : 'employee';
}

/** Departments of the people the viewer may see (RLS decides), sorted. */
async function visibleDepartments(m: EntityManager): Promise<string[]> {
  const rows: Array<{ department: string }> = await m.query(
    `SELECT DISTINCT department FROM users WHERE department IS NOT NULL AND btrim(department) <> '' ORDER BY department`);
  return rows.map((r) => r.department);
}

async function personReport(m: EntityManager, viewer: ViewerRow, role: ViewerRole, person: ViewerRow): Promise<ProgressReport> {
  const rows = await reportRows(m, { userId: person.id });
  return makeReport('person', person.department, person.name, viewer, role, rows);
}

interface RawRow {
  id: string; name: string; email: string; department: string | null;
  courses_done: number; courses_total: number; skills_done: number; skills_total: number;
  overall: number; recent: number; last_activity: Date | null; active: boolean;
}

/** One aggregate query; progress rows of deleted skills/courses (both ids NULL) do not count. */
async function reportRows(m: EntityManager, filter: { department: string } | { userId: string }): Promise<RawRow[]> {
  const where = 'department' in filter ? 'u.department = $1' : 'u.id = $1';
  const param = 'department' in filter ? filter.department : filter.userId;
  return m.query(
    `WITH people AS (SELECT u.id, u.name, u.email, u.department FROM users u WHERE ${where}),
          lp AS (SELECT p.user_id,
                        count(p.course_id)::int AS courses_total,
                        count(p.course_id) FILTER (WHERE p.completed_at IS NOT NULL)::int AS courses_done,
                        count(p.skill_id)::int AS skills_total,
                        count(p.skill_id) FILTER (WHERE p.completed_at IS NOT NULL)::int AS skills_done,
                        avg(p.progress) AS overall,
                        count(*) FILTER (WHERE p.updated_at > now() - interval '7 days')::int AS recent,
                        max(p.updated_at) AS last_progress
                   FROM learning_progress p
                  WHERE p.user_id IN (SELECT id FROM people) AND (p.skill_id IS NOT NULL OR p.course_id IS NOT NULL)
                  GROUP BY p.user_id),
          ar AS (SELECT r.user_id, max(r.completed_at) AS last_quiz
                   FROM assessment_results r WHERE r.user_id IN (SELECT id FROM people) GROUP BY r.user_id)
     SELECT pe.id, pe.name, pe.email, pe.department,
            coalesce(lp.courses_done, 0) AS courses_done, coalesce(lp.courses_total, 0) AS courses_total,
            coalesce(lp.skills_done, 0) AS skills_done, coalesce(lp.skills_total, 0) AS skills_total,
            coalesce(lp.overall, 0)::float8 AS overall, coalesce(lp.recent, 0) AS recent,
            greatest(lp.last_progress, ar.last_quiz) AS last_activity,
            coalesce(greatest(lp.last_progress, ar.last_quiz) > now() - interval '7 days', false) AS active
       FROM people pe LEFT JOIN lp ON lp.user_id = pe.id LEFT JOIN ar ON ar.user_id = pe.id`,
    [param]);
}

function makeReport(scope: ProgressReport['scope'], department: string | null, title: string, viewer: ViewerRow, role: ViewerRole, raw: RawRow[]): ProgressReport {
  const rows: ReportRow[] = raw.map((r) => ({
    userId: r.id,
    name: r.name,
    email: r.email,
    department: r.department,
    coursesCompleted: r.courses_done,
    coursesTotal: r.courses_total,
    skillsCompleted: r.skills_done,
    skillsTotal: r.skills_total,
    overallProgress: round1(r.overall),
    lastActivity: r.last_activity,
    recentUpdates7d: r.recent,
  })).sort((a, b) => b.overallProgress - a.overallProgress || a.name.localeCompare(b.name) || a.email.localeCompare(b.email));
  const sum = (f: (r: ReportRow) => number) => rows.reduce((s, r) => s + f(r), 0);
  return {
    kind: 'report',
    scope,
    department,
    title,
    generatedAt: new Date(),
    viewer: { userId: viewer.id, name: viewer.name, role, department: viewer.department },
    rows,
    totals: {
      people: rows.length,
      averageProgress: rows.length ? round1(sum((r) => r.overallProgress) / rows.length) : 0,
      coursesCompleted: sum((r) => r.coursesCompleted),
      skillsCompleted: sum((r) => r.skillsCompleted),
      activeLast7Days: raw.filter((r) => r.active).length,
    },
  };
}

const round1 = (x: number) => Math.round(Number(x) * 10) / 10;

// ---------------------------------------------------------------------------------------------
// CSV

export const REPORT_CSV_HEADER = ['name', 'email', 'department', 'courses_completed', 'courses_total', 'skills_completed', 'skills_total',
  'overall_progress_percent', 'last_activity', 'progress_updates_7d'] as const;

/**
 * RFC 4180: CRLF line ends, a header row, fields with a comma, quote or line break in double quotes
 * (quotes doubled). Text starting with = + - @ or a tab/CR gets a leading apostrophe so a spreadsheet
 * does not run it as a formula (CSV injection). Dates are ISO 8601 UTC; empty when never active.
 */
export function reportCsv(report: ProgressReport): string {
  const lines = [REPORT_CSV_HEADER.join(',')];
  for (const r of report.rows) {
    lines.push([
      text(r.name), text(r.email), text(r.department ?? ''),
      r.coursesCompleted, r.coursesTotal, r.skillsCompleted, r.skillsTotal, r.overallProgress,
      r.lastActivity ? r.lastActivity.toISOString() : '', r.recentUpdates7d,
    ].map((v) => csvField(String(v))).join(','));
  }
  return lines.join('\r\n') + '\r\n';
}

const text = (s: string) => (/^[=+\-@\t\r]/.test(s) ? `'${s}` : s);
const csvField = (s: string) => (/[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);

// ---------------------------------------------------------------------------------------------
// Chart

export const CHART_WIDTH = 900;
export const CHART_MAX_BARS = 50;
const BAR_HEIGHT = 22;
const CHART_CHROME = 110;
const FONT = 'Liberation Sans, DejaVu Sans, Helvetica, Arial, sans-serif';

let registered = false;

/**
 * Slim container images (node:20-bookworm-slim) have no system fonts, and a canvas without fonts
 * draws bars but no text. pdfjs-dist (installed with pdf-parse) ships Liberation Sans (SIL OFL):
 * registered once, it makes the labels render the same on every machine.
 */
function registerFonts(): void {
  try {
    const dir = path.join(path.dirname(require.resolve('pdfjs-dist/package.json')), 'standard_fonts');
    GlobalFonts.registerFromPath(path.join(dir, 'LiberationSans-Regular.ttf'), 'Liberation Sans');
    GlobalFonts.registerFromPath(path.join(dir, 'LiberationSans-Bold.ttf'), 'Liberation Sans');
  } catch {
    // Fall back to whatever the system has.
  }
}
const whiteBackground: Plugin<'bar'> = {
  id: 'la-white-background',
  beforeDraw(chart) {
    const { ctx } = chart;
    ctx.save();
    ctx.fillStyle = '#ffffff';
    ctx.fillRect(0, 0, chart.width, chart.height);
    ctx.restore();
  },
};

/** Each bar's value at its end: inside in white when there is room, else just after it. */
const valueLabels: Plugin<'bar'> = {
  id: 'la-value-labels',
  afterDatasetsDraw(chart) {
    const { ctx } = chart;
    const meta = chart.getDatasetMeta(0);
    const data = chart.data.datasets[0].data as number[];
    ctx.save();
    ctx.font = `11px ${FONT}`;
    ctx.textBaseline = 'middle';
    meta.data.forEach((bar, i) => {
      const { x, y, base } = bar.getProps(['x', 'y', 'base'], true) as { x: number; y: number; base: number };
      const label = `${data[i]}%`;
      const inside = x - base > 44;
      ctx.fillStyle = inside ? '#ffffff' : '#333333';
      ctx.textAlign = inside ? 'right' : 'left';
      ctx.fillText(label, inside ? x - 6 : x + 4, y);
    });
    ctx.restore();
  },
};

/** Pixel size of the PNG renderProgressChart makes for this report. */
export function chartSize(report: ProgressReport): { width: number; height: number; bars: number } {
  const bars = Math.min(report.rows.length, CHART_MAX_BARS);
  return { width: CHART_WIDTH, height: CHART_CHROME + BAR_HEIGHT * Math.max(bars, 3), bars };
}

/**
 * A PNG: one horizontal bar per person (report order, i.e. highest progress first), 0-100% axis, the
 * department (or person) and date in the title. At most 50 bars; the title says "+N more" beyond that
 * (the CSV always has everyone). Server-side: chart.js on @napi-rs/canvas, no browser.
 */
export function renderProgressChart(report: ProgressReport): Buffer {
  if (!registered) {
    Chart.register(...registerables);
    registerFonts();
    registered = true;
  }
  const { width, height, bars } = chartSize(report);
  const shown = report.rows.slice(0, bars);
  const more = report.rows.length - shown.length;
  const date = report.generatedAt.toISOString().slice(0, 10);
  const title = `${report.title}: learning progress, ${date}${more > 0 ? ` (top ${shown.length} of ${report.rows.length}, +${more} more)` : ''}`;
  const subtitle = report.scope === 'department'
    ? `${report.totals.people} ${report.totals.people === 1 ? 'person' : 'people'}, average ${report.totals.averageProgress}%, ${report.totals.activeLast7Days} active in the last 7 days`
    : `${report.rows[0]?.coursesCompleted ?? 0} course(s) and ${report.rows[0]?.skillsCompleted ?? 0} skill(s) completed`;

  const canvas = createCanvas(width, height);
  const config: ChartConfiguration<'bar'> = {
    type: 'bar',
    data: {
      labels: shown.map((r) => truncate(r.name, 28)),
      datasets: [{
        label: 'Overall progress (%)',
        data: shown.map((r) => r.overallProgress),
        backgroundColor: shown.map((r) => (r.overallProgress >= 100 ? '#2e7d32' : '#2b579a')),
        borderWidth: 0,
        barPercentage: 0.85,
        categoryPercentage: 0.9,
      }],
    },
    options: {
      indexAxis: 'y',
      animation: false,
      responsive: false,
      devicePixelRatio: 1,
      events: [],
      layout: { padding: { left: 8, right: 24, top: 4, bottom: 4 } },
      scales: {
        x: { min: 0, max: 100, ticks: { stepSize: 10, callback: (v) => `${v}%`, font: { family: FONT, size: 11 } }, grid: { color: '#e0e0e0' } },
        y: { ticks: { autoSkip: false, font: { family: FONT, size: 12 } }, grid: { display: false } },
      },
      plugins: {
        legend: { display: false },
        tooltip: { enabled: false },
        title: { display: true, text: title, font: { family: FONT, size: 16, weight: 'bold' }, color: '#222222', padding: { top: 8, bottom: 4 } },
        subtitle: { display: true, text: subtitle, font: { family: FONT, size: 12 }, color: '#555555', padding: { bottom: 10 } },
      },
    },
    plugins: [whiteBackground, valueLabels],
  };
  // chart.js accepts any 2D context; @napi-rs/canvas' is API-compatible but typed separately.
  const chart = new Chart(canvas.getContext('2d') as unknown as ChartItem, config);
  try {
    chart.draw();
    return canvas.toBuffer('image/png');
  } finally {
    chart.destroy();
  }
}

const truncate = (s: string, n: number) => (s.length <= n ? s : `${s.slice(0, n - 1)}…`);
