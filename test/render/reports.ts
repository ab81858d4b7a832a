import type { ProgressReport, ReportRow } from '../../src/core/learning/report-service';

/** Shared by the renderer tests and the report tests that render a real report. */

export const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
export const pngSize = (png: Buffer) => ({ width: png.readUInt32BE(16), height: png.readUInt32BE(20) });

/** A department report of `n` people without a database; names[i] overrides person i's name. */
export function syntheticReport(n: number, names?: string[]): ProgressReport {
  const rows: ReportRow[] = Array.from({ length: n }, (_, i) => ({
    userId: `u${i}`,
    name: names?.[i] ?? `Person ${i}`,
    email: `p${i}@example.test`,
    department: 'Synthetic',
    coursesCompleted: i % 3,
    coursesTotal: 3,
    skillsCompleted: i % 2,
    skillsTotal: 2,
    overallProgress: Math.round((100 * (n - i)) / n),
    lastActivity: i % 4 ? new Date(Date.UTC(2025, 0, 2, 3, 4, 5)) : null,
    recentUpdates7d: i % 5,
  }));
  return {
    kind: 'report',
    scope: 'department',
    department: 'Synthetic',
    title: 'Synthetic',
    generatedAt: new Date(Date.UTC(2025, 5, 1)),
    viewer: { userId: 'v', name: 'V', role: 'manager', department: 'Synthetic' },
    rows,
    totals: { people: n, averageProgress: 50, coursesCompleted: 1, skillsCompleted: 1, activeLast7Days: 1 },
  };
}
