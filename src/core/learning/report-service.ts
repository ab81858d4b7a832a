import type { DataSource, EntityManager } from 'typeorm';
import {
  findReportRows,
  findReportUser,
  findReportUserByIdOrEmail,
  findVisibleDepartments,
  type ReportAggregateRow,
  type ReportUserRow,
} from '../../db/repositories/report-repository';
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

/**
 * Progress reports. Runs in the VIEWER's user scope: row-level security (manager/admin policies, see
 * migration LearningLoop) is what limits the rows; the role checks here only turn "you may not" into
 * a polite sentence and the viewer's own progress.
 */
export class ReportService {
  constructor(private readonly ds: DataSource) {}

  async buildProgressReport(viewerUserId: string, target: ReportTarget = {}): Promise<ProgressReport | ReportRefusal> {
    return inUserScope(this.ds, viewerUserId, async (m) => {
      const viewer = await findReportUser(m, viewerUserId);
      if (!viewer)
        return {
          kind: 'refusal',
          reason: 'unknown_viewer',
          message: "I don't know you yet: send me a message first.",
          departments: [],
          own: null,
        };
      const role = roleOf(viewer.role);
      const departments = await findVisibleDepartments(m);
      const own = () => personReport(m, viewer, role, viewer);
      const refuse = async (reason: RefusalReason, message: string, withOwn: boolean): Promise<ReportRefusal> => ({
        kind: 'refusal',
        reason,
        message,
        departments: role === 'employee' ? [] : departments,
        own: withOwn ? await own() : null,
      });

      const who = target.userId?.trim();
      const dept = target.department?.trim();
      if (who) {
        const isSelf = who === viewer.id || who.toLowerCase() === viewer.email.toLowerCase();
        if (isSelf) return own();
        if (role === 'employee') {
          return refuse(
            'not_allowed',
            'Sorry, I can only show you your own learning progress: reports about other people are for their manager. Here is yours.',
            true,
          );
        }
        const person = await findReportUserByIdOrEmail(m, who);
        // RLS hides people outside a manager's department, so "unknown" and "not yours" look the same: on purpose.
        if (!person || (role === 'manager' && person.department !== viewer.department)) {
          return refuse(
            'unknown_user',
            role === 'manager'
              ? `I couldn't find “${who}” among the people in your department${viewer.department ? ` (“${viewer.department}”)` : ''}.`
              : `I don't know anyone with the id or email “${who}”.`,
            false,
          );
        }
        return personReport(m, viewer, role, person);
      }

      if (role === 'employee') {
        if (dept)
          return refuse(
            'not_allowed',
            `Sorry, department reports are for managers: I can only show you your own learning progress. Here it is.`,
            true,
          );
        return own();
      }
      const wanted = dept || viewer.department;
      if (!wanted) {
        return refuse(
          'no_department',
          departments.length
            ? `Which department? Departments I know: ${departments.join(', ')}.`
            : `I don't know any departments yet: an admin can import people with their departments (npm run users:import).`,
          false,
        );
      }
      if (role === 'manager' && normalizeName(wanted) !== normalizeName(viewer.department ?? '')) {
        return refuse(
          'not_allowed',
          viewer.department
            ? `Sorry, as a manager you can see the report of your own department (“${viewer.department}”) only. Here is your own progress.`
            : `Sorry, you have no department on record, so I can't show department reports. Here is your own progress.`,
          true,
        );
      }
      const canonical = departments.find((d) => normalizeName(d) === normalizeName(wanted));
      if (!canonical) {
        return refuse(
          'unknown_department',
          `No one in department “${wanted}”. ${departments.length ? `Departments I know: ${departments.join(', ')}.` : 'I know no departments yet.'}`,
          false,
        );
      }
      const rows = await findReportRows(m, { department: canonical });
      return makeReport('department', canonical, canonical, viewer, role, rows);
    });
  }
}

function roleOf(role: string | null): ViewerRole {
  const r = (role ?? '').trim().toLowerCase();
  return r === 'admin' || r === 'manager' ? r : 'employee';
}

async function personReport(m: EntityManager, viewer: ReportUserRow, role: ViewerRole, person: ReportUserRow): Promise<ProgressReport> {
  const rows = await findReportRows(m, { userId: person.id });
  return makeReport('person', person.department, person.name, viewer, role, rows);
}

function makeReport(
  scope: ProgressReport['scope'],
  department: string | null,
  title: string,
  viewer: ReportUserRow,
  role: ViewerRole,
  raw: ReportAggregateRow[],
): ProgressReport {
  const rows: ReportRow[] = raw
    .map((r) => ({
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
    }))
    .sort((a, b) => b.overallProgress - a.overallProgress || a.name.localeCompare(b.name) || a.email.localeCompare(b.email));
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
