/**
 * The admin insights page (/admin) over 100,000 chat messages: 120 days of turns by ~2,000 people in 20
 * departments on 3 channels, citing ~60 % of 200 documents (≈500 chunks). Times, for a 90-day range,
 * each query of the page alone (its own service-scope transaction), all of them together as the page runs
 * them (loadInsights: side by side, one transaction each), and GET /admin over HTTP into our server (adminRoutes with an
 * admin viewer, HTML rendered), p50/p95 over RUNS warm runs after one cold run.
 * PostgreSQL by default (a scratch database on BENCH_DATABASE_URL, default 127.0.0.1); `--embedded` runs
 * on PGlite in memory, with BENCH_MESSAGES (default 20,000 there) to keep it quick.
 *
 *   npx ts-node --transpile-only bench/insights.ts              # PostgreSQL, 100k messages
 *   npx ts-node --transpile-only bench/insights.ts --embedded   # PGlite, 20k messages
 *   add --write to put the results into bench/README.md
 */
import 'reflect-metadata';
import fs from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import express, { type RequestHandler } from 'express';
import { adminRoutes } from '../src/channels/web/admin/admin-routes';
import { loadInsights } from '../src/channels/web/admin/load-insights';
import type { WebAccess } from '../src/channels/web/web-access';
import type { WebDeps } from '../src/channels/web/web-deps';
import { AppDataSource } from '../src/db/data-source';
import { IN_MEMORY } from '../src/db/embedded-postgres';
import * as insights from '../src/db/repositories/insights-repository';
import { inServiceScope } from '../src/db/user-scope';
import { createLogger } from '../src/observability/logger';
import { createServer, listen } from '../src/server';
import { createScratchDatabase, DEFAULT_BENCH_URL, f, flag, latencyStats, now, replaceGenerated, table } from './lib';

const EMBEDDED = flag('embedded');
const MESSAGES = Number(process.env.BENCH_MESSAGES ?? (EMBEDDED ? 20_000 : 100_000));
const DAYS = 120;
const RANGE_DAYS = 90;
const DEPARTMENTS = 20;
const PEOPLE = 2_000;
const DOCUMENTS = 200;
const RUNS = Number(process.env.BENCH_RUNS ?? 15);

const TOPICS = [
  'expense report',
  'vpn access',
  'parking permit',
  'onboarding checklist',
  'python basics',
  'kubernetes deployment',
  'sql joins',
  'code review',
  'security training',
  'holiday policy',
  'performance review',
  'git branching',
  'docker images',
  'public speaking',
  'project planning',
  'data visualization',
  'machine learning',
  'customer interviews',
  'sales pipeline',
  'budget forecast',
  'incident response',
  'accessibility testing',
  'typescript generics',
  'api design',
  'leadership course',
  'time management',
  'excel pivot tables',
  'gdpr basics',
  'travel booking',
  'laptop setup',
];
const OPENERS = [
  'How do I',
  'Where can I find the',
  'What is the best way to learn',
  'Is there a course on',
  'Who approves the',
  'Can you explain the',
];

async function seed(ds: AppDataSource): Promise<void> {
  await ds.query(
    `INSERT INTO users (email, name, department, role)
     SELECT 'bench-' || g || '@example.test', 'Person ' || g, 'Department ' || lpad((1 + g % $2)::text, 2, '0'),
            CASE WHEN g % 100 = 0 THEN 'manager' ELSE 'employee' END
       FROM generate_series(1, $1) g`,
    [PEOPLE, DEPARTMENTS],
  );
  // 1-4 chunks per document, titled like ingestion titles them ("<title> (part i/n)").
  await ds.query(
    `INSERT INTO learning_content (title, content, content_type, source_path)
     SELECT CASE WHEN n = 1 THEN t ELSE t || ' (part ' || i || '/' || n || ')' END, 'Synthetic content about ' || t, 'tutorial', 'docs/' || d || '.md'
       FROM generate_series(1, $1) d
       CROSS JOIN LATERAL (SELECT initcap(($2::text[])[1 + d % array_length($2::text[], 1)]) || ' guide ' || d AS t, 1 + d % 4 AS n) doc
       CROSS JOIN LATERAL generate_series(1, doc.n) i`,
    [DOCUMENTS, TOPICS],
  );
  // Deterministic pseudo-random turns (hashes of the row number): 30 % cite nothing (low confidence),
  // the rest cite one or two chunks of the first 60 % of the content; 20 % carry feedback, a third of it 👎.
  await ds.query(
    `WITH u AS (SELECT array_agg(id ORDER BY email) AS ids FROM users WHERE email LIKE 'bench-%'),
          c AS (SELECT array_agg(id ORDER BY source_path, title) AS ids, array_agg(title ORDER BY source_path, title) AS titles,
                       (count(*) * 6 / 10)::int AS cited FROM learning_content),
          g AS (SELECT g, abs(hashtext(g || 'a')) AS h1, abs(hashtext(g || 'b')) AS h2, abs(hashtext(g || 'c')) AS h3 FROM generate_series(1, $1) g)
     INSERT INTO chat_messages (user_id, message, response, confidence, sources, processing_time, channel, created_at, feedback)
     SELECT u.ids[1 + g.h1 % array_length(u.ids, 1)],
            ($3::text[])[1 + g.h2 % array_length($3::text[], 1)] || ' ' || ($4::text[])[1 + g.h3 % array_length($4::text[], 1)]
              || CASE WHEN g.h1 % 3 = 0 THEN ' for my team' ELSE '' END || '?',
            'A synthetic answer.',
            CASE WHEN g.h2 % 10 < 3 THEN (g.h3 % 400) / 1000.0 ELSE 0.3 + (g.h3 % 700) / 1000.0 END,
            CASE WHEN g.h2 % 10 < 3 THEN '[]'::jsonb
                 ELSE jsonb_build_array(jsonb_build_object('n', 1, 'id', c.ids[1 + g.h3 % c.cited], 'title', c.titles[1 + g.h3 % c.cited],
                                                           'contentType', 'tutorial', 'similarity', 0.8))
                      || CASE WHEN g.h1 % 2 = 0 THEN jsonb_build_array(jsonb_build_object('n', 2, 'id', c.ids[1 + g.h1 % c.cited],
                                                           'title', c.titles[1 + g.h1 % c.cited], 'contentType', 'tutorial', 'similarity', 0.7))
                         ELSE '[]'::jsonb END END,
            200 + g.h1 % 3000,
            (ARRAY['slack', 'teams', 'web'])[1 + g.h3 % 3],
            now() - make_interval(secs => (g.h1 % ($2::int * 86400))::double precision),
            CASE WHEN g.h3 % 10 < 2 THEN (CASE WHEN g.h2 % 3 = 0 THEN -1 ELSE 1 END) END
       FROM g, u, c`,
    [MESSAGES, DAYS, OPENERS, TOPICS],
  );
  // What autovacuum does after a batch of inserts (autovacuum_vacuum_insert_threshold): statistics, and the
  // visibility map the index-only scans of the covering index rely on.
  await ds.query(`VACUUM ANALYZE`);
}

/** Only what adminRoutes reads (ds, logger): the other services of WebDeps are not part of this page. */
function adminApp(ds: AppDataSource): express.Express {
  const logger = createLogger('silent');
  const admin: RequestHandler = (_req, res, next) => {
    res.locals.viewer = { userId: 'bench-admin', name: 'Bench admin', email: null, role: 'admin', via: 'loopback' };
    next();
  };
  const access: WebAccess = {
    mode: 'loopback',
    routes: express.Router(),
    requireViewer: admin,
    requireViewerApi: admin,
    requireAdmin: (_req, _res, next) => next(),
    csrfProtection: (_req, _res, next) => next(),
    csrfToken: () => 'bench',
  };
  return createServer({ ds, logger, mount: [(app) => app.use(adminRoutes({ ds, logger } as unknown as WebDeps, access))] });
}

async function time<T>(work: () => Promise<T>): Promise<{ cold: number; warm: number[] }> {
  const t = now();
  await work();
  const cold = now() - t;
  const warm: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const s = now();
    await work();
    warm.push(now() - s);
  }
  return { cold, warm };
}

async function main(): Promise<void> {
  const scratch = EMBEDDED ? undefined : await createScratchDatabase(process.env.BENCH_DATABASE_URL ?? DEFAULT_BENCH_URL, 'insights');
  const ds = new AppDataSource({ databaseUrl: scratch?.url, pgliteDataDir: IN_MEMORY, poolSize: 4 });
  let server: Server | undefined;
  try {
    await ds.initialize();
    await ds.runMigrations({ transaction: 'each' });
    const t0 = now();
    await seed(ds);
    const seedSeconds = (now() - t0) / 1000;
    const [{ total, in_range }] = await ds.query(
      `SELECT count(*)::int AS total, count(*) FILTER (WHERE created_at >= $1)::int AS in_range FROM chat_messages`,
      [rangeStart()],
    );

    const today = new Date();
    const to = today.toISOString().slice(0, 10);
    const fromDate = new Date(Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), today.getUTCDate()) - (RANGE_DAYS - 1) * 86_400_000);
    const from = fromDate.toISOString().slice(0, 10);
    const range = { from: fromDate, toExclusive: new Date(Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), today.getUTCDate() + 1)) };

    const svc =
      <T>(w: (m: Parameters<typeof insights.feedbackSummary>[0]) => Promise<T>) =>
      () =>
        inServiceScope(ds, w);
    const steps: Array<[string, () => Promise<unknown>]> = [
      ['questionsPerDay', svc((m) => insights.questionsPerDay(m, range))],
      ['confidenceDistribution', svc((m) => insights.confidenceDistribution(m, range))],
      ['feedbackSummary', svc((m) => insights.feedbackSummary(m, range))],
      ['contentGaps (top 20)', svc((m) => insights.contentGaps(m, range, { limit: 20, examples: 3 }))],
      ['contentCitations (top 10 cited, first 20 never cited)', svc((m) => insights.contentCitations(m, range, { top: 10, never: 20 }))],
      ['adoptionByDepartment', svc((m) => insights.adoptionByDepartment(m, range))],
      ['**all queries of the page (loadInsights, side by side)**', () => loadInsights(ds, range)],
    ];
    const rows: Array<Array<string | number>> = [];
    for (const [name, work] of steps) {
      const r = await time(work);
      const s = latencyStats(r.warm);
      rows.push([name, f(r.cold, 1), f(s.p50, 1), f(s.p95, 1), f(s.max, 1)]);
    }

    server = await new Promise<Server>((resolve) => {
      const s = listen(adminApp(ds), 0, '127.0.0.1', () => resolve(s));
    });
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/admin?from=${from}&to=${to}`;
    let bytes = 0;
    const http = await time(async () => {
      const res = await fetch(url);
      const text = await res.text();
      if (res.status !== 200) throw new Error(`GET /admin answered ${res.status}: ${text.slice(0, 300)}`);
      bytes = text.length;
    });
    const hs = latencyStats(http.warm);
    rows.push(['**GET /admin over HTTP (queries + HTML)**', f(http.cold, 1), f(hs.p50, 1), f(hs.p95, 1), f(hs.max, 1)]);

    const gaps = await loadInsights(ds, range);
    const backend = EMBEDDED ? 'embedded PGlite (in memory)' : 'PostgreSQL 15 (scratch database, 127.0.0.1)';
    const body = [
      `Backend: ${backend}; ${total.toLocaleString('en')} chat messages over ${DAYS} days (${in_range.toLocaleString('en')} in the ${RANGE_DAYS}-day range ${from} … ${to}), ${PEOPLE.toLocaleString('en')} people in ${DEPARTMENTS} departments, ${DOCUMENTS} documents; seeded in ${f(seedSeconds, 1)} s. Page: ${bytes.toLocaleString('en')} bytes of HTML, ${gaps.gaps.length} gap topics shown, ${gaps.content.neverCitedTotal} never-cited documents. ${RUNS} warm runs after one cold run. Run on ${new Date().toISOString().slice(0, 16)}Z.`,
      '',
      table(['step (90-day range)', 'cold ms', 'p50 ms', 'p95 ms', 'max ms'], rows),
    ].join('\n');
    console.log(body);
    if (flag('write')) {
      const file = path.join(__dirname, 'README.md');
      const key = EMBEDDED ? 'insights-embedded' : 'insights-postgres';
      fs.writeFileSync(file, replaceGenerated(fs.readFileSync(file, 'utf8'), 'Admin insights (issue 14)', key, body));
    }
  } finally {
    if (server) await new Promise<void>((resolve) => server!.close(() => resolve()));
    await ds.destroy();
    if (flag('keep') && scratch) console.log(`kept ${scratch.url}`);
    else await scratch?.drop();
  }

  function rangeStart(): Date {
    const t = new Date();
    return new Date(Date.UTC(t.getUTCFullYear(), t.getUTCMonth(), t.getUTCDate()) - (RANGE_DAYS - 1) * 86_400_000);
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
