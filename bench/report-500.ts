/**
 * A manager's department report for 500 people: buildProgressReport (in the manager's user scope, so
 * row-level security with the manager policies of migration LearningLoop is part of the measurement) + reportCsv + renderProgressChart.
 * Seeds two departments of 500 (the other one must be filtered out, not just absent), each person with
 * progress on every seed skill and course and half of them with a quiz result. Embedded PGlite by
 * default; `--postgres` uses a scratch database on BENCH_DATABASE_URL (default 127.0.0.1).
 *
 *   npx ts-node --transpile-only bench/report-500.ts              # embedded
 *   npx ts-node --transpile-only bench/report-500.ts --postgres   # real PostgreSQL
 */
import 'reflect-metadata';
import { type ProgressReport, ReportService } from '../src/core/learning/report-service';
import { AppDataSource } from '../src/db/data-source';
import { IN_MEMORY } from '../src/db/embedded-postgres';
import { insertSeedAssessments } from '../src/db/seed-assessments';
import { renderProgressChart } from '../src/render/report-chart';
import { reportCsv } from '../src/render/report-csv';
import { createScratchDatabase, DEFAULT_BENCH_URL, f, flag, latencyStats, now, table } from './lib';

const PEOPLE = Number(process.env.BENCH_PEOPLE ?? 500);
const RUNS = 10;

async function main(): Promise<void> {
  const usePostgres = flag('postgres');
  const scratch = usePostgres ? await createScratchDatabase(process.env.BENCH_DATABASE_URL ?? DEFAULT_BENCH_URL, 'report') : undefined;
  const ds = new AppDataSource({ databaseUrl: scratch?.url, pgliteDataDir: IN_MEMORY, poolSize: 4 });
  try {
    await ds.initialize();
    await ds.runMigrations({ transaction: 'each' });
    await insertSeedAssessments((sql, p) => ds.query(sql, p));

    const t0 = now();
    for (const dept of ['Engineering', 'Sales']) {
      await ds.query(
        `INSERT INTO users (email, name, department, role)
         SELECT lower($1) || '-' || g || '@example.test', $1 || ' person ' || g, $1, CASE WHEN g = 1 THEN 'manager' ELSE 'employee' END
           FROM generate_series(1, $2) g`,
        [dept, PEOPLE],
      );
    }
    // Deterministic pseudo-random progress (hashes of ids), completed rows where it reaches 100.
    await ds.query(
      `INSERT INTO learning_progress (user_id, skill_id, progress, updated_at)
       SELECT u.id, s.id, least(100, abs(hashtext(u.id || s.id)) % 130), now() - make_interval(days => abs(hashtext(s.id || u.id)) % 60)
         FROM users u CROSS JOIN skills s WHERE u.department IN ('Engineering', 'Sales')`,
    );
    await ds.query(
      `INSERT INTO learning_progress (user_id, course_id, progress, updated_at)
       SELECT u.id, c.id, least(100, abs(hashtext(u.id || c.id)) % 130), now() - make_interval(days => abs(hashtext(c.id || u.id)) % 60)
         FROM users u CROSS JOIN courses c WHERE u.department IN ('Engineering', 'Sales')`,
    );
    await ds.query(
      `INSERT INTO assessment_results (user_id, assessment_id, score, passed, completed_at)
       SELECT u.id, a.id, 80, true, now() - make_interval(days => abs(hashtext(u.id)) % 30)
         FROM users u CROSS JOIN LATERAL (SELECT id FROM assessments ORDER BY id LIMIT 1) a
        WHERE u.department IN ('Engineering', 'Sales') AND abs(hashtext(u.id)) % 2 = 0`,
    );
    await ds.query(`ANALYZE`);
    const seedSeconds = (now() - t0) / 1000;
    const [{ rows: progressRows }] = await ds.query(`SELECT count(*)::int AS rows FROM learning_progress`);
    const [{ id: manager }] = await ds.query(`SELECT id FROM users WHERE email = 'engineering-1@example.test'`);

    const reports = new ReportService(ds);
    const once = async () => {
      const a = now();
      const report = (await reports.buildProgressReport(manager)) as ProgressReport;
      const b = now();
      const csv = reportCsv(report);
      const c = now();
      const png = renderProgressChart(report);
      const d = now();
      return { report, csv, png, query: b - a, csv_ms: c - b, chart: d - c, total: d - a };
    };
    const cold = await once();
    if (cold.report.kind !== 'report' || cold.report.rows.length !== PEOPLE)
      throw new Error(`expected ${PEOPLE} rows, got ${cold.report.rows?.length}`);
    const warm: Array<Awaited<ReturnType<typeof once>>> = [];
    for (let i = 0; i < RUNS; i++) warm.push(await once());
    const stat = (k: 'query' | 'csv_ms' | 'chart' | 'total') => latencyStats(warm.map((w) => w[k]));

    const backend = usePostgres ? 'PostgreSQL (scratch database)' : 'embedded PGlite (in memory)';
    console.log(
      `Backend: ${backend}. ${PEOPLE} people in the department (+${PEOPLE} in another), ${progressRows} progress rows in all; seeded in ${f(seedSeconds, 1)} s.`,
    );
    console.log(
      `Report: ${cold.report.rows.length} rows, average ${cold.report.totals.averageProgress}%, CSV ${cold.csv.length} bytes, PNG ${cold.png.length} bytes.\n`,
    );
    console.log(
      table(
        ['step', 'first call (cold) ms', `warm p50 ms (${RUNS} runs)`, 'warm max ms'],
        [
          ['buildProgressReport (user scope, RLS)', f(cold.query, 1), f(stat('query').p50, 1), f(stat('query').max, 1)],
          ['reportCsv', f(cold.csv_ms, 1), f(stat('csv_ms').p50, 1), f(stat('csv_ms').max, 1)],
          ['renderProgressChart (50 bars shown)', f(cold.chart, 1), f(stat('chart').p50, 1), f(stat('chart').max, 1)],
          ['total', f(cold.total, 1), f(stat('total').p50, 1), f(stat('total').max, 1)],
        ],
      ),
    );
  } finally {
    await ds.destroy();
    await scratch?.drop();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
